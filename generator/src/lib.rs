//! Synthetic labelled images for hybrid real + synthetic training.
//!
//! WGSL compute shaders render labelled image sets on any wgpu adapter: the built-in ten-class
//! presets — clothing silhouettes (`fashion`), hand-drawn outlines (`sketch`) and stroke-font
//! digits (`digits`, `shaders/builtins.wgsl`), with a CPU reference renderer doing the same
//! math — and a user's preset files (a TOML of classes and knobs and a WGSL `shade`, `file/`),
//! all after one prelude (`shaders/prelude.wgsl`). Each image's values are drawn on the CPU
//! from a counter-based hash of (preset, knobs, seed, index), so any shard can be regenerated
//! alone, byte for byte, and the manifest records all of it. Images stream into the shared
//! dataset format of the `datasets` crate.

mod config;
mod cpu;
mod error;
mod file;
mod gpu;
mod grid;
mod options;
mod params;
mod pipeline;
mod presets;
mod renderer;
mod resume;
mod spec;
mod speed;

pub use config::{Knobs, Range};
pub use error::{Error, Result};
pub use file::{Distribution, KnobType, MAX_CLASSES, PresetFile};
pub use grid::contact_sheet;
pub use options::GenerateOptions;
pub use params::{SampleParams, SampleValues, Sampler, Stream};
pub use pipeline::{Summary, generate};
pub use presets::Preset;
pub use renderer::{DeviceChoice, Renderer};
pub use spec::PresetSpec;
pub use speed::{SpeedRow, speed};

#[cfg(test)]
mod tests;
