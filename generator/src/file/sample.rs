//! One sample of a preset file: its class, its seed and its knobs' values, drawn on the CPU
//! from the counter hash, and written for the shader as `struct Sample` (`shader.rs`).

use std::fmt::Write as _;

use datasets::rng::keyed_hash;

use super::{KnobType, PresetFile};

/// Which split a sample belongs to; the test split hashes a different stream, so it never
/// repeats a training image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    Train,
    Test,
}

impl Stream {
    pub(crate) fn for_split(split: &str) -> Option<Stream> {
        match split {
            "train" => Some(Stream::Train),
            "test" => Some(Stream::Test),
            _ => None,
        }
    }
}

/// The key of a sample's own seed (`s.seed`), beside the knobs' name hashes.
const SEED_KEY: u64 = u64::MAX;

/// What the shader draws one image from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FileSample {
    pub class: u32,
    pub seed: u32,
    /// One value per knob, in the file's order: what the shader reads (f32 or i32).
    pub values: Vec<f64>,
}

impl FileSample {
    /// Sample `index` of `stream`: class `index % classes`, every value a function of (seed,
    /// stream, index, knob) alone.
    pub fn draw(file: &PresetFile, seed: u64, stream: Stream, index: u64) -> FileSample {
        let class = (index % file.classes.len() as u64) as usize;
        let keys = |key: u64| [seed, stream as u64, index, key];
        FileSample {
            class: class as u32,
            seed: (keyed_hash(&keys(SEED_KEY)) >> 32) as u32,
            values: file
                .knobs
                .iter()
                .map(|knob| knob.per_class[class].draw(keys(knob.key)))
                .collect(),
        }
    }

    /// The sample's words as `struct Sample` lays them out: class, seed, then each knob.
    pub fn push_words(&self, file: &PresetFile, out: &mut Vec<u32>) {
        out.push(self.class);
        out.push(self.seed);
        for (knob, &value) in file.knobs.iter().zip(&self.values) {
            out.push(match knob.kind {
                KnobType::F32 => (value as f32).to_bits(),
                KnobType::I32 => (value as i32) as u32,
            });
        }
    }

    /// The values as one JSON object (the `meta` column), as the shader saw them.
    pub fn write_meta(&self, file: &PresetFile, out: &mut String) {
        let _ = write!(
            out,
            "{{\"preset\":{},\"class\":{},\"seed\":{},\"knobs\":{{",
            json(&file.name),
            json(&file.classes[self.class as usize]),
            self.seed
        );
        for (i, (knob, &value)) in file.knobs.iter().zip(&self.values).enumerate() {
            let comma = if i > 0 { "," } else { "" };
            let _ = match knob.kind {
                KnobType::F32 => write!(out, "{comma}\"{}\":{}", knob.name, value as f32),
                KnobType::I32 => write!(out, "{comma}\"{}\":{}", knob.name, value as i32),
            };
        }
        out.push_str("}}");
    }
}

fn json(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}
