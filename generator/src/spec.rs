//! Which preset a run draws: a built-in one (its embedded files) or a user's preset file, with
//! any knob overrides. Both are a [`PresetFile`] and render through the same GPU program, and
//! the manifest records either the same way, so that the dataset can be rendered again from it
//! alone.

use std::path::Path;
use std::sync::Arc;

use datasets::ImageSpec;
use serde_json::json;

use crate::builtin::Builtin;
use crate::cpu::Reference;
use crate::error::{Error, Result};
use crate::file::Stream;
use crate::file::{FileSample, PresetFile};
use crate::program::Program;

/// A preset ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct PresetSpec {
    file: Arc<PresetFile>,
}

impl From<PresetFile> for PresetSpec {
    fn from(file: PresetFile) -> PresetSpec {
        PresetSpec {
            file: Arc::new(file),
        }
    }
}

impl From<Builtin> for PresetSpec {
    fn from(builtin: Builtin) -> PresetSpec {
        builtin.file().into()
    }
}

impl PresetSpec {
    /// A built-in preset's name, or the path of a preset file (`.toml`).
    pub fn parse(arg: &str) -> Result<PresetSpec> {
        if let Some(builtin) = Builtin::named(arg) {
            return Ok(builtin.into());
        }
        let path = Path::new(arg);
        if path.extension().is_some_and(|e| e == "toml") || path.exists() {
            return Ok(PresetFile::load(path)?.into());
        }
        Err(Error::setting(
            "preset",
            format!(
                "'{arg}' is unknown; use fashion, sketch, digits or the path of a preset file (PATH.toml)"
            ),
        ))
    }

    pub fn file(&self) -> &PresetFile {
        &self.file
    }

    pub fn name(&self) -> &str {
        &self.file.name
    }

    pub fn classes(&self) -> Vec<String> {
        self.file.classes.clone()
    }

    pub fn class_count(&self) -> usize {
        self.file.classes.len()
    }

    /// The image a render takes unless asked for another.
    pub fn default_image(&self) -> ImageSpec {
        self.file.image
    }

    /// Applies a `--knob name=spec` override.
    pub fn apply_override(&mut self, arg: &str) -> Result<()> {
        Arc::make_mut(&mut self.file).apply_override(arg)
    }

    /// Applies a `--config` file of knob settings (see [`PresetFile::apply_config`]).
    pub fn apply_config(&mut self, origin: &str, text: &str) -> Result<()> {
        Arc::make_mut(&mut self.file).apply_config(origin, text)
    }

    /// The compute program that renders this preset.
    pub(crate) fn program(&self) -> Program {
        crate::file::program(&self.file)
    }

    /// The CPU reference renderer at `image`, where the preset's shader is a built-in's.
    pub(crate) fn reference(&self, image: ImageSpec) -> Option<Reference> {
        Reference::new(&self.file, image)
    }

    /// Sample `index` of `stream` under `seed`.
    pub(crate) fn draw(&self, seed: u64, stream: Stream, index: u64) -> FileSample {
        FileSample::draw(&self.file, seed, stream, index)
    }

    /// What the manifest's recipe records of the preset: its files' text, their hashes and the
    /// overrides, for a built-in preset as for a user's.
    pub(crate) fn record(&self, config: &mut serde_json::Value) {
        let file = &self.file;
        config["preset"] = json!({
            "name": file.name,
            "toml": file.toml,
            "toml_blake3": blake3::hash(file.toml.as_bytes()).to_hex().to_string(),
            "wgsl": file.wgsl,
            "wgsl_blake3": blake3::hash(file.wgsl.as_bytes()).to_hex().to_string(),
            "knob_overrides": file.overrides,
        });
    }

    /// The preset a recipe records (see [`PresetSpec::record`]); `origin` names the manifest.
    pub fn from_record(config: &serde_json::Value, origin: &str) -> Result<PresetSpec> {
        let fail = |message: &str| Error::Config {
            origin: origin.to_string(),
            message: message.to_string(),
        };
        let preset = match &config["preset"] {
            serde_json::Value::Object(preset) => preset,
            serde_json::Value::String(name) => {
                return Err(fail(&format!(
                    "its recipe names built-in preset '{name}' without its files, as synmix did before the built-ins became preset files; render it again from the built-in preset '{name}' itself"
                )));
            }
            _ => {
                return Err(fail(
                    "its recipe names no preset; it was not written by synmix generate",
                ));
            }
        };
        let text = |key: &str| {
            preset
                .get(key)
                .and_then(|v| v.as_str())
                .ok_or_else(|| fail(&format!("its recipe's preset has no `{key}`")))
        };
        let (toml, wgsl) = (text("toml")?, text("wgsl")?);
        for (body, key) in [(toml, "toml_blake3"), (wgsl, "wgsl_blake3")] {
            if blake3::hash(body.as_bytes()).to_hex().as_str() != text(key)? {
                return Err(fail(&format!(
                    "its recipe's preset text does not match its {key}; the manifest was edited"
                )));
            }
        }
        let mut file = PresetFile::from_text(
            text("name")?,
            &format!("{origin} (toml)"),
            toml,
            &format!("{origin} (wgsl)"),
            wgsl,
        )?;
        for value in preset
            .get("knob_overrides")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
        {
            let arg = value
                .as_str()
                .ok_or_else(|| fail("its recipe's knob_overrides are not strings"))?;
            file.apply_override(arg)?;
        }
        Ok(file.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recipe_records_a_built_in_as_a_file_and_reads_it_back() {
        let mut spec = PresetSpec::from(Builtin::Sketch);
        spec.apply_override("seams=1").unwrap();
        let mut config = json!({});
        spec.record(&mut config);
        assert_eq!(config["preset"]["name"], "sketch");
        let read = PresetSpec::from_record(&config, "m.json").unwrap();
        let (a, b) = (read.file(), spec.file());
        assert_eq!(
            (&a.toml, &a.wgsl, &a.knobs, &a.overrides),
            (&b.toml, &b.wgsl, &b.knobs, &b.overrides)
        );
        // A recipe from before the built-ins were files names one without its files.
        let old = json!({ "preset": "sketch", "knobs": {} });
        let message = PresetSpec::from_record(&old, "m.json")
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with("config m.json: ")
                && message.contains("from the built-in preset 'sketch' itself"),
            "{message}"
        );
    }
}
