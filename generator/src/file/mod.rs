//! A preset as a pair of files: a TOML file (classes, default image, knobs and their
//! distributions, per-class overrides) and the WGSL file that draws, written after synmix's
//! prelude (`shaders/prelude.wgsl`). The built-in presets are such files, embedded in the
//! binary (`builtin.rs`); a user's are read from disk; either is read again from a manifest's
//! recipe to render a dataset again.
//!
//! ```toml
//! name = "signs"                 # optional: the file's stem
//! shader = "signs.wgsl"          # optional: the file's stem + .wgsl, beside the TOML
//! classes = ["stop", "yield"]    # 2 to 65,536 names
//! size = [64, 64]                # default image size, width and height
//! channels = 3                   # default channels, 1 or 3
//! [knobs]                        # what the shader reads as s.knobs.<name>
//! rotation = [-10.0, 10.0]
//! [class.stop]                   # any knob again, for one class
//! rotation = 0.0
//! ```

mod knob;
mod sample;
mod shader;
mod text;

use std::path::{Path, PathBuf};

use datasets::ImageSpec;
use wgpu::naga;

pub use knob::{Distribution, KnobType};
pub(crate) use sample::{FileSample, Stream};
pub(crate) use shader::{name_not_finite, program};
pub use text::{MAX_TOML_BYTES, MAX_WGSL_BYTES};

use crate::error::{Error, Result};

/// The most classes a preset file may have: labels stay far below what the shard format and
/// a classifier take, and a render plans its shards in memory.
pub const MAX_CLASSES: usize = 65_536;

/// The most knobs a preset file may declare: each is a word of every sample the GPU reads and a
/// field of every row's `meta`, and no preset needs nearly as many.
pub const MAX_KNOBS: usize = 256;

/// The longest knob name: a field name in WGSL and a key in every row's `meta`.
pub const MAX_KNOB_NAME: usize = 64;

/// A preset loaded from its files, with any `--knob` overrides applied.
#[derive(Debug, Clone, PartialEq)]
pub struct PresetFile {
    pub name: String,
    /// Where the TOML and the WGSL came from, for messages.
    pub toml_origin: String,
    pub wgsl_origin: String,
    /// The files' text as read: recorded in the manifest, from which the preset loads again.
    pub toml: String,
    pub wgsl: String,
    pub classes: Vec<String>,
    /// The image size and channels a render takes unless asked for others.
    pub image: ImageSpec,
    pub knobs: Vec<Knob>,
    /// The `--knob` overrides applied, in order, as given (`name=spec`).
    pub overrides: Vec<String>,
}

/// One knob: how it is drawn for every class.
#[derive(Debug, Clone, PartialEq)]
pub struct Knob {
    pub name: String,
    pub kind: KnobType,
    /// The counter-hash key of its draws: a hash of its name, so adding a knob leaves the
    /// others' values as they were.
    pub key: u64,
    /// Its distribution for each class.
    pub per_class: Vec<Distribution>,
}

impl PresetFile {
    /// Reads `path` and the shader it names (beside it).
    pub fn load(path: &Path) -> Result<PresetFile> {
        let origin = path.display().to_string();
        let toml = text::read(path, MAX_TOML_BYTES).map_err(|e| file_error(&origin, e))?;
        let table: toml::Table =
            toml::from_str(&toml).map_err(|e| file_error(&origin, e.message()))?;
        let shader = match table.get("shader") {
            Some(toml::Value::String(name)) => PathBuf::from(name),
            Some(_) => return Err(file_error(&origin, "`shader` must be a file name")),
            None => PathBuf::from(path.file_stem().unwrap_or_default()).with_extension("wgsl"),
        };
        let shader = path.parent().unwrap_or(Path::new("")).join(shader);
        let wgsl_origin = shader.display().to_string();
        if !shader.is_file() {
            return Err(file_error(
                &origin,
                format!(
                    "finds no shader {wgsl_origin}; write the WGSL there or name it with shader = \"FILE.wgsl\""
                ),
            ));
        }
        let wgsl = text::read(&shader, MAX_WGSL_BYTES).map_err(|e| file_error(&wgsl_origin, e))?;
        let stem = path.file_stem().unwrap_or_default().to_string_lossy();
        PresetFile::from_text(&stem, &origin, &toml, &wgsl_origin, &wgsl)
    }

    /// A preset from its files' text; `stem` names it when the TOML does not.
    pub fn from_text(
        stem: &str,
        toml_origin: &str,
        toml: &str,
        wgsl_origin: &str,
        wgsl: &str,
    ) -> Result<PresetFile> {
        let fail = |message: String| file_error(toml_origin, message);
        text::within(toml.len(), MAX_TOML_BYTES).map_err(fail)?;
        text::within(wgsl.len(), MAX_WGSL_BYTES).map_err(|e| file_error(wgsl_origin, e))?;
        let table: toml::Table = toml::from_str(toml).map_err(|e| fail(e.message().into()))?;
        for key in table.keys() {
            if ![
                "name", "shader", "classes", "size", "channels", "knobs", "class",
            ]
            .contains(&key.as_str())
            {
                return Err(fail(format!(
                    "unknown entry `{key}`; a preset has name, shader, classes, size, channels, [knobs] and [class.NAME]"
                )));
            }
        }
        let name = match table.get("name") {
            None => stem.to_string(),
            Some(toml::Value::String(name)) => name.clone(),
            Some(_) => return Err(fail("`name` must be a string".into())),
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(fail(format!(
                "name '{name}' must be letters, digits, - and _ (it names datasets and uids)"
            )));
        }
        let classes = classes(table.get("classes")).map_err(fail)?;
        let image = image(&table).map_err(fail)?;
        let knobs = knobs(&table, &classes).map_err(fail)?;
        let file = PresetFile {
            name,
            toml_origin: toml_origin.to_string(),
            wgsl_origin: wgsl_origin.to_string(),
            toml: toml.to_string(),
            wgsl: wgsl.to_string(),
            classes,
            image,
            knobs,
            overrides: Vec::new(),
        };
        // The shader must compile against these knobs, and read every one of them.
        shader::check(&file)?;
        Ok(file)
    }

    /// Applies a `--knob name=spec` override to every class (`spec` is a value or
    /// `min..max`).
    pub fn apply_override(&mut self, arg: &str) -> Result<()> {
        let fail =
            |message: String| Error::setting("knob", one_line(&format!("'{arg}': {message}")));
        let (name, spec) = arg
            .split_once('=')
            .ok_or_else(|| fail("write name=value or name=min..max".into()))?;
        self.set(name.trim(), spec.trim()).map_err(fail)
    }

    /// Applies a `--config` file (`origin` its path, `text` its TOML): knob settings, each
    /// `name = value` or `name = [min, max]`, for every class, as `--knob` sets them (and
    /// recorded as such).
    pub fn apply_config(&mut self, origin: &str, text: &str) -> Result<()> {
        let fail = |message: String| Error::Config {
            origin: origin.to_string(),
            message: one_line(&message),
        };
        let table: toml::Table = toml::from_str(text).map_err(|e| fail(e.message().into()))?;
        for (name, value) in &table {
            let number = |v: &toml::Value| match v {
                toml::Value::Integer(i) => Some(*i as f64),
                toml::Value::Float(f) => Some(*f),
                _ => None,
            };
            let spec = match value {
                toml::Value::Array(pair) => match pair.as_slice() {
                    [a, b] => number(a).zip(number(b)).map(|(a, b)| format!("{a}..{b}")),
                    _ => None,
                },
                other => number(other).map(|v| v.to_string()),
            }
            .ok_or_else(|| fail(format!("`{name}` must be a number or [min, max]")))?;
            self.set(name, &spec)
                .map_err(|message| fail(format!("`{name}`: {message}")))?;
        }
        Ok(())
    }

    /// Sets knob `name` to `spec` (a value or `min..max`) for every class.
    fn set(&mut self, name: &str, spec: &str) -> Result<(), String> {
        let known: Vec<String> = self.knobs.iter().map(|k| k.name.clone()).collect();
        let knob = self
            .knobs
            .iter_mut()
            .find(|k| k.name == name)
            .ok_or_else(|| {
                format!(
                    "preset {} has no knob `{name}`; its knobs are {}",
                    self.name,
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )
            })?;
        let distribution = Distribution::from_arg(spec, knob.kind)?;
        if knob.kind == KnobType::I32 && !distribution.is_whole() {
            return Err(format!(
                "`{}` is an integer knob; give whole numbers",
                knob.name
            ));
        }
        knob.per_class = vec![distribution; knob.per_class.len()];
        self.overrides.push(format!("{name}={spec}"));
        Ok(())
    }
}

/// An error in a preset file, named by its path.
fn file_error(origin: &str, message: impl AsRef<str>) -> Error {
    Error::Config {
        origin: format!("preset {origin}"),
        message: one_line(message.as_ref()),
    }
}

/// `text` as one line: the parsers quote the offending source, whose line breaks, carriage
/// returns and other control characters become spaces.
fn one_line(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn classes(value: Option<&toml::Value>) -> Result<Vec<String>, String> {
    let list = value
        .and_then(toml::Value::as_array)
        .ok_or("needs `classes`, a list of class names such as [\"stop\", \"yield\"]")?;
    let names: Vec<String> = list
        .iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect::<Option<_>>()
        .ok_or("`classes` must be a list of strings")?;
    if names.len() < 2 || names.len() > MAX_CLASSES {
        return Err(format!(
            "has {} class(es); a preset needs 2 to {MAX_CLASSES}",
            names.len()
        ));
    }
    for (i, name) in names.iter().enumerate() {
        if name.trim().is_empty() {
            return Err(format!("class {i} has an empty name"));
        }
        if names[..i].contains(name) {
            return Err(format!("class '{name}' is named twice"));
        }
    }
    Ok(names)
}

fn image(table: &toml::Table) -> Result<ImageSpec, String> {
    let size = match table.get("size") {
        None => (28, 28),
        Some(v) => match v.as_array().map(Vec::as_slice) {
            Some([toml::Value::Integer(w), toml::Value::Integer(h)])
                if (1..=4096).contains(w) && (1..=4096).contains(h) =>
            {
                (*w as u32, *h as u32)
            }
            _ => return Err("`size` must be [width, height], each 1 to 4096".into()),
        },
    };
    let channels = match table.get("channels") {
        None => 1,
        Some(toml::Value::Integer(c @ (1 | 3))) => *c as u8,
        Some(_) => return Err("`channels` must be 1 (grey) or 3 (RGB)".into()),
    };
    Ok(ImageSpec {
        width: size.0,
        height: size.1,
        channels,
    })
}

/// A name the shader can use as a field (`s.knobs.NAME`): lower-case ASCII, and not one of the
/// words WGSL reserves, which the shader could not name.
fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    if !first_ok
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        || name.starts_with("__")
    {
        return Err(format!(
            "knob `{name}` must be a lower-case name of letters, digits and _ (the shader reads it as s.knobs.{name})"
        ));
    }
    if name.len() > MAX_KNOB_NAME {
        return Err(format!(
            "knob `{}…` has a name of {} characters; at most {MAX_KNOB_NAME} are allowed",
            &name[..MAX_KNOB_NAME],
            name.len()
        ));
    }
    if naga::keywords::wgsl::RESERVED.contains(&name) {
        return Err(format!(
            "knob `{name}` is a word WGSL reserves; call it something else, such as {name}_"
        ));
    }
    Ok(())
}

fn knobs(table: &toml::Table, classes: &[String]) -> Result<Vec<Knob>, String> {
    let declared = match table.get("knobs") {
        None => toml::Table::new(),
        Some(toml::Value::Table(t)) => t.clone(),
        Some(_) => return Err("`knobs` must be a table: [knobs]".into()),
    };
    if declared.len() > MAX_KNOBS {
        return Err(format!(
            "declares {} knobs; a preset may have at most {MAX_KNOBS}",
            declared.len()
        ));
    }
    let mut knobs = Vec::new();
    for (name, value) in &declared {
        check_name(name)?;
        let global =
            Distribution::from_toml(value).map_err(|message| format!("knob `{name}` {message}"))?;
        knobs.push(Knob {
            name: name.clone(),
            kind: global.natural_type(),
            key: knob_key(name),
            per_class: vec![global; classes.len()],
        });
    }
    let per_class = match table.get("class") {
        None => toml::Table::new(),
        Some(toml::Value::Table(t)) => t.clone(),
        Some(_) => return Err("`class` must hold tables: [class.NAME]".into()),
    };
    for (class, overrides) in &per_class {
        let at = classes.iter().position(|c| c == class).ok_or_else(|| {
            format!("[class.{class}]: '{class}' is not one of the preset's classes")
        })?;
        let overrides = overrides
            .as_table()
            .ok_or_else(|| format!("[class.{class}] must be a table of knobs"))?;
        for (name, value) in overrides {
            let knob = knobs.iter_mut().find(|k| &k.name == name).ok_or_else(|| {
                format!("[class.{class}] sets knob `{name}`, which [knobs] does not declare")
            })?;
            let distribution = Distribution::from_toml(value)
                .map_err(|message| format!("[class.{class}] knob `{name}` {message}"))?;
            if knob.kind == KnobType::I32 && !distribution.is_whole() {
                return Err(format!(
                    "[class.{class}] knob `{name}` is an integer knob (int in [knobs]); give it whole numbers"
                ));
            }
            knob.per_class[at] = distribution;
        }
    }
    Ok(knobs)
}

/// The counter-hash key of a knob's draws.
fn knob_key(name: &str) -> u64 {
    let hash = blake3::hash(name.as_bytes());
    u64::from_le_bytes(hash.as_bytes()[..8].try_into().expect("8 bytes"))
}

#[cfg(test)]
mod tests;
