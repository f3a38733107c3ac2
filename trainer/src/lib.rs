//! Trainer side of synmix: trains small image classifiers (MLP, plain CNN, small ViT) with burn
//! on a synmix dataset, either as one shuffled mix of real and synthetic rows (Simple Mixed, SM)
//! or as a synthetic phase followed by a real phase on the same weights (Fine-Tuned, FT), and
//! scores them on a held-out real test set.
//!
//! The pieces, in the order a run uses them:
//! - [`backend`]: which burn device executes the run (flex on CPU, wgpu with the `wgpu` feature);
//! - [`data`]: a split decoded once into an in-memory `f32` CHW store, batched from there;
//! - [`plan`]: the training phases of a run (SM: one; FT: synthetic then real);
//! - [`models`]: the three architectures, each a burn `Module` with its `Config`;
//! - [`train`]: the plain training loop with per-epoch checkpoints;
//! - [`eval`]: accuracy, macro-F1, per-class accuracy and the confusion matrix;
//! - [`run`]: one resumable run writing `result.json` (what `synmix train` and the sweep call);
//! - [`report`]: the sweep report (markdown, HTML, SVG/PNG plots) over many run results;
//! - [`throughput`]: the samples/s benchmark of the three architectures.

pub mod backend;
pub mod data;
mod error;
pub mod eval;
pub mod models;
pub mod plan;
pub mod report;
mod rng;
pub mod run;
pub mod throughput;
pub mod train;

pub use error::{Error, Result};

/// burn version the trainer is built against (pinned in the workspace), recorded in results.
pub const BURN_VERSION: &str = "0.22.1";

/// flex's CPU kernels share rayon's global pool, and under contention from other threads their
/// results can differ in the last bits; tests that train take this lock, so that runs compared
/// bit for bit do not compete with other tests for the pool.
#[cfg(test)]
pub(crate) fn serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
