//! A preset file's shader: synmix's prelude, then `struct Sample` written from the TOML's
//! knobs and the glue that calls the file's `shade`, then the file itself — checked with naga
//! before any device sees it, so that an error names the user's file, line and column.

use std::fmt::Write as _;

use wgpu::naga;

use super::{FileSample, KnobType, PresetFile, file_error};
use crate::error::{Error, Result};
use crate::program::{HEADER_WORDS, PRELUDE, Program};

/// Up to this many classes a preset gets a pipeline per class (`CLASS` is then a constant the
/// compiler folds); beyond it, one pipeline draws every class (`CLASS` is `ANY_CLASS`).
const SPECIALISE_UP_TO: usize = 64;

/// The signature the glue calls.
const SHADE: &str = "fn shade(s: Sample, x: u32, y: u32) -> vec3<f32>";

/// The WGSL synmix writes between the prelude and the file.
fn glue(file: &PresetFile) -> String {
    let mut text = String::from("// ---- written by synmix from the preset's TOML ----\n");
    if !file.knobs.is_empty() {
        text.push_str("struct Knobs {\n");
        for knob in &file.knobs {
            let ty = match knob.kind {
                KnobType::F32 => "f32",
                KnobType::I32 => "i32",
            };
            let _ = writeln!(text, "    {}: {ty},", knob.name);
        }
        text.push_str("}\n");
    }
    text.push_str("struct Sample {\n    class_id: u32,\n    seed: u32,\n");
    if !file.knobs.is_empty() {
        text.push_str("    knobs: Knobs,\n");
    }
    text.push_str("}\n");
    text.push_str(
        "fn render_pixel(s: Sample, x: u32, y: u32) -> vec3<f32> {\n    return shade(s, x, y);\n}\n",
    );
    text
}

/// The whole source and the line of it where the file begins (1-based).
fn source(file: &PresetFile) -> (String, usize) {
    let head = format!("{PRELUDE}\n{}\n", glue(file));
    let first_line = head.lines().count() + 1;
    (head + &file.wgsl, first_line)
}

/// Compiles the file against its knobs and checks it reads each of them.
pub(super) fn check(file: &PresetFile) -> Result<()> {
    let (text, first_line) = source(file);
    let fail = |message: String| file_error(&file.wgsl_origin, message);
    // Where a problem lies: the user's file:line:column, or synmix's glue, which only fails
    // where the file's `shade` is missing or has another signature.
    let place = |location: Option<naga::SourceLocation>| match location {
        Some(at) if at.line_number as usize >= first_line => Ok(format!(
            "{}:{}:{}",
            file.wgsl_origin,
            at.line_number as usize - first_line + 1,
            at.line_position
        )),
        _ => Err(()),
    };
    let module = match naga::front::wgsl::parse_str(&text) {
        Ok(module) => module,
        Err(error) => {
            return Err(match place(error.location(&text)) {
                Ok(at) => fail(format!("{at}: {}", error.message())),
                Err(()) => fail(format!(
                    "the shader must define `{SHADE}` ({})",
                    error.message()
                )),
            });
        }
    };
    let mut validator = naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::default(),
    );
    if let Err(error) = validator.validate(&module) {
        let mut message = error.as_inner().to_string();
        let mut cause = std::error::Error::source(error.as_inner());
        while let Some(inner) = cause {
            let _ = write!(message, ": {inner}");
            cause = inner.source();
        }
        return Err(match place(error.location(&text)) {
            Ok(at) => fail(format!("{at}: {message}")),
            Err(()) => fail(format!("the shader must define `{SHADE}` ({message})")),
        });
    }
    for knob in &file.knobs {
        if !reads(&file.wgsl, &knob.name) {
            return Err(fail(format!(
                "never reads knob `{0}`, which {1} declares; use s.knobs.{0} or remove it from the TOML",
                knob.name, file.toml_origin
            )));
        }
    }
    Ok(())
}

/// Whether the shader text reads `knobs.NAME` (as a whole field name).
fn reads(wgsl: &str, name: &str) -> bool {
    let pattern = format!("knobs.{name}");
    wgsl.match_indices(&pattern).any(|(at, _)| {
        let after = wgsl[at + pattern.len()..].chars().next();
        !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// `error` of a render of `samples`, where it is [`Error::NotFinite`] (`shade` returned NaN or an
/// infinity), as an error naming the file, the sample (`row` says which it is: `train row 17`)
/// and the values it was drawn with, so that the colour can be reproduced; else `error` itself.
pub(crate) fn name_not_finite(
    error: Error,
    file: &PresetFile,
    samples: &[FileSample],
    row: impl Fn(usize) -> String,
) -> Error {
    let Error::NotFinite { sample } = error else {
        return error;
    };
    let Some(drawn) = samples.get(sample) else {
        return error;
    };
    let mut values = String::new();
    drawn.write_meta(file, &mut values);
    file_error(
        &file.wgsl_origin,
        format!(
            "`shade` returned a colour that is not a finite number (NaN or infinite) for {}, drawn as {values}; a division by zero, or sqrt, log or pow of a negative number?",
            row(sample)
        ),
    )
}

/// The program the GPU renderer runs for this preset.
pub(crate) fn program(file: &PresetFile) -> Program {
    let (source, _) = source(file);
    let classes = file.classes.len();
    let pipelines = if classes <= SPECIALISE_UP_TO {
        (0..classes)
            .map(|c| vec![("CLASS", c as f64), ("FRAME", c as f64)])
            .collect()
    } else {
        Vec::new()
    };
    Program {
        label: file.name.clone(),
        source,
        words_per_sample: HEADER_WORDS + file.knobs.len(),
        per_class: pipelines,
    }
}
