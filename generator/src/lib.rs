//! Synthetic labelled images for hybrid real + synthetic training.
//!
//! WGSL compute shaders (`shaders/synth.wgsl`) render ten-class image sets — clothing
//! silhouettes (`fashion`), hand-drawn outlines (`sketch`) and stroke-font digits
//! (`digits`) — on any wgpu adapter, with a CPU reference renderer doing the same math.
//! Each image's parameters are drawn on the CPU from a counter-based hash of (preset,
//! knobs, seed, index), so any shard can be regenerated alone, byte for byte. Images stream
//! into the shared dataset format of the `datasets` crate.

mod config;
mod cpu;
mod error;
mod gpu;
mod grid;
mod options;
mod params;
mod pipeline;
mod presets;
mod renderer;
mod resume;
mod speed;

pub use config::{Knobs, Range};
pub use error::{Error, Result};
pub use grid::contact_sheet;
pub use options::GenerateOptions;
pub use params::{SampleParams, SampleValues, Sampler, Stream};
pub use pipeline::{Summary, generate};
pub use presets::Preset;
pub use renderer::{DeviceChoice, Renderer};
pub use speed::{SpeedRow, speed};

#[cfg(test)]
mod tests;
