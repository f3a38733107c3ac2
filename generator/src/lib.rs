//! Synthetic labelled images for hybrid real + synthetic training.
//!
//! WGSL compute shaders render labelled image sets on any wgpu adapter from preset files (a
//! TOML of classes and knobs and a WGSL `shade`, `file/`, after one prelude,
//! `shaders/prelude.wgsl`): a user's, or the built-in ones embedded in the binary
//! (`builtin.rs`: clothing silhouettes `fashion`, hand-drawn outlines `sketch`, stroke-font
//! `digits`, whose shaders a CPU reference renderer mirrors, `cpu/`), both renderers reading
//! one program (`program.rs`: the prelude, the sample words, the batch layout, used by the
//! GPU path `gpu.rs` and the CPU path alike). Each image's knob values
//! are drawn on the CPU from a counter-based hash of (knob, seed, index), so any shard can be
//! regenerated alone, byte for byte, and the manifest records all of it, the preset's files
//! included. Images stream into the shared dataset format of the `datasets` crate.

mod builtin;
mod cpu;
mod error;
mod file;
mod gpu;
mod grid;
mod options;
mod pipeline;
mod program;
mod renderer;
mod resume;
mod spec;
mod speed;

pub use builtin::Builtin;
pub use error::{Error, Result};
pub use file::{
    Distribution, KnobType, MAX_CLASSES, MAX_KNOB_NAME, MAX_KNOBS, MAX_TOML_BYTES, MAX_WGSL_BYTES,
    PresetFile,
};
pub use gpu::BATCH_TIME_LIMIT;
pub use grid::contact_sheet;
pub use options::{DeviceChoice, GenerateOptions};
pub use pipeline::{Summary, generate};
pub use spec::PresetSpec;
pub use speed::{SpeedRow, speed};

#[cfg(test)]
mod tests;
