//! Domain-randomisation knobs: each a fixed value or a `[min, max]` range, read from TOML.
//! A preset's defaults are a TOML file; a user's `--config` file overrides any of its keys.

use std::fmt;
use std::path::Path;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::error::{Error, Result};

/// A knob's range; a fixed value is a range with `min == max`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub min: f32,
    pub max: f32,
}

impl Range {
    /// The value at `t` in `[0, 1)`: exactly `min` for a fixed knob.
    pub fn at(&self, t: f32) -> f32 {
        if self.min == self.max {
            self.min
        } else {
            self.min + (self.max - self.min) * t
        }
    }
}

/// The knobs every preset has. Units are those of the preset TOML files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Knobs {
    /// Degrees.
    pub rotation: Range,
    pub scale: Range,
    /// Width relative to height: products of every proportion, fitted to the frame.
    pub aspect: Range,
    /// Fraction of the image side, drawn separately for x and y.
    pub translate: Range,
    pub shear: Range,
    /// Fraction of the image side.
    pub stroke_width: Range,
    pub texture: Range,
    pub contrast: Range,
    pub background: Range,
    pub noise: Range,
    /// Pixels of extra edge softness.
    pub blur: Range,
    pub elastic: Range,
    pub saturation: Range,
}

impl Knobs {
    /// Reads a preset's defaults overridden by `user` (the text of a `--config` file at `path`).
    pub fn load(defaults: &str, user: Option<(&Path, &str)>) -> Result<Knobs> {
        let mut table: toml::Table =
            toml::from_str(defaults).expect("preset defaults are valid TOML");
        let origin = match user {
            Some((path, text)) => {
                let origin = path.display().to_string();
                let overrides: toml::Table =
                    toml::from_str(text).map_err(|e| config_error(&origin, e.message()))?;
                table.extend(overrides);
                origin
            }
            None => "preset defaults".to_string(),
        };
        let knobs = Knobs::deserialize(table).map_err(|e| config_error(&origin, e.message()))?;
        knobs
            .check()
            .map_err(|message| config_error(&origin, &message))?;
        Ok(knobs)
    }

    /// Each knob with the values it may take: ranges outside these make no image.
    fn domains(&self) -> [(&'static str, Range, f32, f32); 13] {
        let any = (f32::MIN, f32::MAX);
        let unit = (0.0, 1.0);
        let positive = (1e-3, f32::MAX);
        let non_negative = (0.0, f32::MAX);
        [
            ("rotation", self.rotation, any.0, any.1),
            ("scale", self.scale, positive.0, 10.0),
            ("aspect", self.aspect, 0.1, 10.0),
            ("translate", self.translate, -1.0, 1.0),
            ("shear", self.shear, -2.0, 2.0),
            ("stroke_width", self.stroke_width, positive.0, 1.0),
            ("texture", self.texture, non_negative.0, 1.0),
            ("contrast", self.contrast, unit.0, unit.1),
            ("background", self.background, unit.0, unit.1),
            ("noise", self.noise, non_negative.0, 1.0),
            ("blur", self.blur, non_negative.0, 16.0),
            ("elastic", self.elastic, non_negative.0, 0.5),
            ("saturation", self.saturation, unit.0, unit.1),
        ]
    }

    fn check(&self) -> std::result::Result<(), String> {
        for (key, range, low, high) in self.domains() {
            if !range.min.is_finite() || !range.max.is_finite() {
                return Err(format!("`{key}` must be a finite number"));
            }
            if range.min > range.max {
                return Err(format!(
                    "`{key}` has min {} greater than max {}; write it as [{}, {}]",
                    range.min, range.max, range.max, range.min
                ));
            }
            if range.min < low || range.max > high {
                return Err(format!(
                    "`{key}` = [{}, {}] is outside the allowed {low} to {high}",
                    range.min, range.max
                ));
            }
        }
        Ok(())
    }
}

fn config_error(origin: &str, message: &str) -> Error {
    Error::Config {
        origin: origin.to_string(),
        message: message.trim().replace('\n', " "),
    }
}

impl Serialize for Range {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        [self.min, self.max].serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Range {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        deserializer.deserialize_any(RangeVisitor)
    }
}

struct RangeVisitor;

impl<'de> Visitor<'de> for RangeVisitor {
    type Value = Range;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number or a [min, max] pair of numbers")
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Range, E> {
        Ok(Range {
            min: v as f32,
            max: v as f32,
        })
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Range, E> {
        self.visit_f64(v as f64)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Range, E> {
        self.visit_f64(v as f64)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Range, A::Error> {
        let min: f64 = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let max: f64 = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(1, &self))?;
        if seq.next_element::<f64>()?.is_some() {
            return Err(de::Error::invalid_length(3, &self));
        }
        Ok(Range {
            min: min as f32,
            max: max as f32,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::Preset;

    fn load(user: &str) -> Result<Knobs> {
        Knobs::load(
            Preset::Fashion.defaults(),
            Some((Path::new("my.toml"), user)),
        )
    }

    #[test]
    fn every_preset_default_loads() {
        for preset in Preset::ALL {
            Knobs::load(preset.defaults(), None).unwrap();
        }
    }

    #[test]
    fn user_values_override_defaults() {
        let knobs = load("rotation = 5\nscale = [0.5, 0.6]").unwrap();
        assert_eq!(knobs.rotation, Range { min: 5.0, max: 5.0 });
        assert_eq!(knobs.scale, Range { min: 0.5, max: 0.6 });
        assert_eq!(
            knobs.noise,
            Knobs::load(Preset::Fashion.defaults(), None).unwrap().noise
        );
    }

    #[test]
    fn unknown_key_is_named() {
        let message = load("rotaton = 5").unwrap_err().to_string();
        assert!(
            message.contains("my.toml") && message.contains("rotaton"),
            "{message}"
        );
    }

    #[test]
    fn min_above_max_is_named() {
        let message = load("blur = [2.0, 1.0]").unwrap_err().to_string();
        assert!(
            message.contains("my.toml") && message.contains("`blur`") && message.contains("min 2"),
            "{message}"
        );
    }

    #[test]
    fn out_of_domain_and_malformed_values_are_errors() {
        assert!(
            load("scale = 0")
                .unwrap_err()
                .to_string()
                .contains("`scale`")
        );
        assert!(load("noise = [0.1, 0.2, 0.3]").is_err());
        assert!(load("noise = \"lots\"").is_err());
        assert!(load("noise = [").is_err());
    }
}
