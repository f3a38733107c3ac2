//! The three presets: which ten classes they draw and the defaults of their knobs.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// A family of synthetic images: ten classes and a way of drawing them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Preset {
    /// Shaded, textured clothing silhouettes: the near-gap pair of Fashion-MNIST.
    Fashion,
    /// Hand-drawn outlines of the same ten classes: a far gap, like Quickdraw.
    Sketch,
    /// Stroke-font digits 0-9 in several stroke styles, SynDigits-like.
    Digits,
}

const DIGIT_CLASSES: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

impl Preset {
    pub const ALL: [Preset; 3] = [Preset::Fashion, Preset::Sketch, Preset::Digits];

    pub fn name(self) -> &'static str {
        match self {
            Preset::Fashion => "fashion",
            Preset::Sketch => "sketch",
            Preset::Digits => "digits",
        }
    }

    pub fn classes(self) -> &'static [&'static str; 10] {
        match self {
            // The clothing presets draw Fashion-MNIST's classes, named as its import names them,
            // so the two mix without a class map.
            Preset::Fashion | Preset::Sketch => &datasets::import::FASHION_MNIST_CLASSES,
            Preset::Digits => &DIGIT_CLASSES,
        }
    }

    /// The preset's knob defaults, as TOML (the format `--config` takes).
    pub fn defaults(self) -> &'static str {
        match self {
            Preset::Fashion => include_str!("../presets/fashion.toml"),
            Preset::Sketch => include_str!("../presets/sketch.toml"),
            Preset::Digits => include_str!("../presets/digits.toml"),
        }
    }

    /// How many drawing styles the renderer knows for this preset: fabric patterns,
    /// outline variants or stroke styles.
    pub fn styles(self) -> u32 {
        match self {
            Preset::Fashion => 4,
            Preset::Sketch => 2,
            Preset::Digits => 3,
        }
    }

    /// How often a sample of `class` is drawn in each fabric (plain, stripes, checks, a
    /// print), where the preset draws fabrics: as in Fashion-MNIST, stripes on T-shirts and
    /// pullovers, checks on shirts, mostly plain coats, trousers and shoes.
    pub(crate) fn fabric_weights(self, class: u32) -> Option<[f32; 4]> {
        if self != Preset::Fashion {
            return None;
        }
        Some(match class {
            0 => [0.45, 0.30, 0.05, 0.20],
            2 => [0.45, 0.35, 0.05, 0.15],
            3 => [0.50, 0.15, 0.10, 0.25],
            4 => [0.65, 0.10, 0.10, 0.15],
            6 => [0.35, 0.15, 0.30, 0.20],
            _ => [0.70, 0.10, 0.05, 0.15],
        })
    }

    /// How often a sample of `class` wears a print on its chest (a logo, a slogan, a picture):
    /// as in Fashion-MNIST, T-shirts and pullovers most, other garments rarely, shoes and
    /// bags never.
    pub(crate) fn logo_chance(self, class: u32) -> f32 {
        match (self, class) {
            (Preset::Fashion, 0) => 0.5,
            (Preset::Fashion, 2) => 0.4,
            (Preset::Fashion, 3) => 0.2,
            (Preset::Fashion, 4 | 6) => 0.1,
            _ => 0.0,
        }
    }

    /// The shader's `PRESET` override and the CPU renderer's switch.
    pub(crate) fn shader_id(self) -> u32 {
        self as u32
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Preset {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Preset::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| Error::UnknownPreset(s.to_string()))
    }
}
