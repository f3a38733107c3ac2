//! Which preset a run draws: a built-in one with its knobs, or a preset file. Both render
//! through the same GPU program shape (`gpu::Program`: the prelude, a `struct Sample` whose
//! first word is the class, and `render_pixel`), and both are recorded in the manifest so that
//! the dataset can be rendered again from it alone.

use std::path::Path;
use std::sync::Arc;

use datasets::ImageSpec;
use serde_json::json;

use crate::config::Knobs;
use crate::error::{Error, Result};
use crate::file::{FileSample, PresetFile};
use crate::gpu::{PRELUDE, Program};
use crate::params::{SampleParams, SampleValues, Sampler, Stream};
use crate::presets::Preset;

/// The built-in presets' shader, drawn after the prelude.
const BUILTINS: &str = include_str!("../../shaders/builtins.wgsl");

/// A preset ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub enum PresetSpec {
    BuiltIn { preset: Preset, knobs: Knobs },
    File(Arc<PresetFile>),
}

/// One drawn sample, of either kind.
pub(crate) enum Drawn {
    BuiltIn(SampleValues),
    File(FileSample),
}

impl From<Preset> for PresetSpec {
    fn from(preset: Preset) -> PresetSpec {
        PresetSpec::BuiltIn {
            preset,
            knobs: Knobs::load(preset.defaults(), None).expect("preset defaults are valid"),
        }
    }
}

impl PresetSpec {
    /// A built-in preset's name, or the path of a preset file (`.toml`).
    pub fn parse(arg: &str) -> Result<PresetSpec> {
        if let Ok(preset) = arg.parse::<Preset>() {
            return Ok(preset.into());
        }
        let path = Path::new(arg);
        if path.extension().is_some_and(|e| e == "toml") || path.exists() {
            return Ok(PresetSpec::File(Arc::new(PresetFile::load(path)?)));
        }
        Err(Error::setting(
            "preset",
            format!(
                "'{arg}' is unknown; use fashion, sketch, digits or the path of a preset file (PATH.toml)"
            ),
        ))
    }

    pub fn name(&self) -> &str {
        match self {
            PresetSpec::BuiltIn { preset, .. } => preset.name(),
            PresetSpec::File(file) => &file.name,
        }
    }

    pub fn classes(&self) -> Vec<String> {
        match self {
            PresetSpec::BuiltIn { preset, .. } => {
                preset.classes().iter().map(|c| c.to_string()).collect()
            }
            PresetSpec::File(file) => file.classes.clone(),
        }
    }

    pub fn class_count(&self) -> usize {
        match self {
            PresetSpec::BuiltIn { preset, .. } => preset.classes().len(),
            PresetSpec::File(file) => file.classes.len(),
        }
    }

    /// The image a render takes unless asked for another: 28x28 grey for the built-ins.
    pub fn default_image(&self) -> ImageSpec {
        match self {
            PresetSpec::BuiltIn { .. } => ImageSpec {
                width: 28,
                height: 28,
                channels: 1,
            },
            PresetSpec::File(file) => file.image,
        }
    }

    /// The built-in preset, where this is one (it has a CPU reference renderer).
    pub fn built_in(&self) -> Option<Preset> {
        match self {
            PresetSpec::BuiltIn { preset, .. } => Some(*preset),
            PresetSpec::File(_) => None,
        }
    }

    /// Applies a `--knob name=spec` override: to a preset file's knob, or to a built-in
    /// preset's (a value or a range, as its TOML takes them).
    pub fn apply_override(&mut self, arg: &str) -> Result<()> {
        match self {
            PresetSpec::File(file) => Arc::make_mut(file).apply_override(arg),
            PresetSpec::BuiltIn { preset, knobs } => {
                let (name, spec) = arg.split_once('=').ok_or_else(|| {
                    Error::setting(
                        "knob",
                        format!("'{arg}': write name=value or name=min..max"),
                    )
                })?;
                let value = match spec.split_once("..") {
                    Some((a, b)) => format!("[{}, {}]", a.trim(), b.trim()),
                    None => spec.trim().to_string(),
                };
                let mut table: toml::Table =
                    toml::from_str(&toml::to_string(knobs).expect("knobs serialise"))
                        .expect("knobs are a table");
                if !table.contains_key(name.trim()) {
                    return Err(Error::setting(
                        "knob",
                        format!(
                            "'{arg}': preset {preset} has no knob `{}`; its knobs are {}",
                            name.trim(),
                            table.keys().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    ));
                }
                let value: toml::Value = toml::from_str::<toml::Table>(&format!("v = {value}"))
                    .map_err(|_| {
                        Error::setting("knob", format!("'{arg}': write a number or min..max"))
                    })?
                    .remove("v")
                    .expect("the key just written");
                table.insert(name.trim().to_string(), value);
                let text = toml::to_string(&table).expect("a table serialises");
                *knobs = Knobs::load(&text, None).map_err(|e| match e {
                    Error::Config { message, .. } => {
                        Error::setting("knob", format!("'{arg}': {message}"))
                    }
                    other => other,
                })?;
                Ok(())
            }
        }
    }

    /// The compute program that renders this preset.
    pub(crate) fn program(&self) -> Program {
        match self {
            PresetSpec::BuiltIn { preset, .. } => Program {
                label: preset.name().to_string(),
                source: format!("{PRELUDE}\n{BUILTINS}"),
                words_per_sample: size_of::<SampleParams>() / 4,
                per_class: (0..preset.classes().len())
                    .map(|c| {
                        vec![
                            ("PRESET", f64::from(preset.shader_id())),
                            ("CLASS", c as f64),
                            ("FRAME", c as f64),
                        ]
                    })
                    .collect(),
            },
            PresetSpec::File(file) => crate::file::program(file),
        }
    }

    /// Sample `index` of `stream` under `seed`.
    pub(crate) fn draw(&self, seed: u64, stream: Stream, index: u64) -> Drawn {
        match self {
            PresetSpec::BuiltIn { preset, knobs } => Drawn::BuiltIn(
                Sampler {
                    preset: *preset,
                    knobs: knobs.clone(),
                    seed,
                }
                .draw(stream, index),
            ),
            PresetSpec::File(file) => Drawn::File(FileSample::draw(file, seed, stream, index)),
        }
    }

    /// What the manifest's recipe records of the preset: a built-in one's name and knobs (as
    /// always), a file's text, hashes and overrides.
    pub(crate) fn record(&self, config: &mut serde_json::Value) {
        match self {
            PresetSpec::BuiltIn { preset, knobs } => {
                config["preset"] = json!(preset.name());
                config["knobs"] = json!(knobs);
            }
            PresetSpec::File(file) => {
                config["preset"] = json!({
                    "name": file.name,
                    "toml": file.toml,
                    "toml_blake3": blake3::hash(file.toml.as_bytes()).to_hex().to_string(),
                    "wgsl": file.wgsl,
                    "wgsl_blake3": blake3::hash(file.wgsl.as_bytes()).to_hex().to_string(),
                    "knob_overrides": file.overrides,
                });
            }
        }
    }

    /// The preset a recipe records (see [`PresetSpec::record`]); `origin` names the manifest.
    pub fn from_record(config: &serde_json::Value, origin: &str) -> Result<PresetSpec> {
        let fail = |message: &str| Error::Config {
            origin: origin.to_string(),
            message: message.to_string(),
        };
        match &config["preset"] {
            serde_json::Value::String(name) => {
                let preset: Preset = name.parse()?;
                let knobs: Knobs = serde_json::from_value(config["knobs"].clone())
                    .map_err(|e| fail(&format!("its recipe's knobs do not read: {e}")))?;
                Ok(PresetSpec::BuiltIn { preset, knobs })
            }
            serde_json::Value::Object(preset) => {
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
                Ok(PresetSpec::File(Arc::new(file)))
            }
            _ => Err(fail(
                "its recipe names no preset; it was not written by synmix generate",
            )),
        }
    }
}

impl Drawn {
    pub(crate) fn class(&self) -> u32 {
        match self {
            Drawn::BuiltIn(values) => values.class,
            Drawn::File(sample) => sample.class,
        }
    }

    /// The sample as the shader's `struct Sample` words.
    pub(crate) fn push_words(&self, spec: &PresetSpec, image: ImageSpec, out: &mut Vec<u32>) {
        match (self, spec) {
            (Drawn::BuiltIn(values), _) => {
                out.extend_from_slice(bytemuck::cast_slice(&[values.params(image)]))
            }
            (Drawn::File(sample), PresetSpec::File(file)) => sample.push_words(file, out),
            (Drawn::File(_), PresetSpec::BuiltIn { .. }) => {
                unreachable!("a sample is drawn by its own preset")
            }
        }
    }

    pub(crate) fn write_meta(&self, spec: &PresetSpec, out: &mut String) {
        match (self, spec) {
            (Drawn::BuiltIn(values), PresetSpec::BuiltIn { preset, .. }) => {
                values.write_meta(*preset, out)
            }
            (Drawn::File(sample), PresetSpec::File(file)) => sample.write_meta(file, out),
            _ => unreachable!("a sample is drawn by its own preset"),
        }
    }
}
