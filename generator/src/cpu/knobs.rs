//! A sample's words read back by knob name: the layout of `struct Sample` that synmix writes
//! from a preset's TOML (`file/shader.rs`), resolved once per preset, so the reference reads
//! exactly the values the GPU reads, whatever order and type the TOML gives its knobs.

use crate::file::{KnobType, PresetFile};
use crate::program::HEADER_WORDS;

/// Declares the knobs the built-ins' shaders read (`s.knobs.NAME`) as fields of [`Knobs`].
macro_rules! knobs {
    ($($name:ident),* $(,)?) => {
        /// The knob values of one sample, by the name the shaders read them under; 0 for a
        /// knob the preset does not have (its shader never reads it).
        #[derive(Debug, Clone, Copy, Default)]
        pub(super) struct Knobs {
            $(pub(super) $name: f32,)*
        }

        const NAMES: &[&str] = &[$(stringify!($name)),*];

        impl Knobs {
            /// From the values in the order of [`NAMES`].
            fn from_values(values: &[f32]) -> Knobs {
                let mut values = values.iter().copied();
                Knobs {
                    $($name: values.next().unwrap_or(0.0),)*
                }
            }
        }
    };
}

knobs!(
    rotation,
    scale,
    aspect,
    translate_x,
    translate_y,
    shear,
    stroke_width,
    texture,
    texture_freq,
    texture_angle,
    contrast,
    background,
    noise,
    blur,
    elastic,
    warp_freq,
    warp_phase_x,
    warp_phase_y,
    saturation,
    hue,
    background_hue,
    shape_a,
    shape_b,
    shape_c,
    shape_d,
    light_angle,
    fabric,
    logo,
    logo_contrast,
    logo_width,
    logo_height,
    logo_y,
    seams,
    style,
);

/// One sample as the shader sees it.
pub(super) struct Sample {
    pub(super) class_id: u32,
    pub(super) seed: u32,
    pub(super) knobs: Knobs,
}

/// Where each of [`NAMES`] sits among a preset's sample words, and as which type.
#[derive(Debug, Clone)]
pub(super) struct KnobSlots {
    words: usize,
    slots: Vec<Option<(usize, KnobType)>>,
}

impl KnobSlots {
    pub(super) fn new(file: &PresetFile) -> KnobSlots {
        let slots = NAMES
            .iter()
            .map(|name| {
                let at = file.knobs.iter().position(|k| k.name == *name)?;
                // The class and the seed come first.
                Some((HEADER_WORDS + at, file.knobs[at].kind))
            })
            .collect();
        KnobSlots {
            words: HEADER_WORDS + file.knobs.len(),
            slots,
        }
    }

    /// Words per sample.
    pub(super) fn words(&self) -> usize {
        self.words
    }

    /// One sample's words, read back.
    pub(super) fn read(&self, words: &[u32]) -> Sample {
        let values: Vec<f32> = self
            .slots
            .iter()
            .map(|slot| match *slot {
                Some((at, KnobType::F32)) => f32::from_bits(words[at]),
                Some((at, KnobType::I32)) => words[at] as i32 as f32,
                None => 0.0,
            })
            .collect();
        Sample {
            class_id: words[0],
            seed: words[1],
            knobs: Knobs::from_values(&values),
        }
    }
}
