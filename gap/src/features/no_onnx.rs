//! The ONNX encoder in a build without the `onnx` feature (the default: tract, which runs the
//! models, is about a third of a cold build): `--encoder` is refused with the command that builds
//! it in. The type has no values, so the gap meter compiles unchanged and never holds one.

use std::path::Path;

use trainer::data::InputShape;

use crate::{Error, Result};

pub enum OnnxEncoder {}

impl OnnxEncoder {
    /// Refuses: this build cannot run ONNX models.
    pub fn load(path: &Path, _input: InputShape) -> Result<OnnxEncoder> {
        Err(Error::encoder(
            path,
            "this synmix was built without ONNX encoders; build it with \
             `cargo build --release --features onnx`",
        ))
    }

    pub fn path(&self) -> &Path {
        match *self {}
    }

    pub fn embed_batch(&self, _images: &[f32]) -> Result<Vec<Vec<f32>>> {
        match *self {}
    }
}
