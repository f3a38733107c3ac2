//! Trainer side of synmix: trains small image classifiers (MLP, plain CNN, small ViT) with burn
//! on a synmix dataset — as one shuffled mix of real and synthetic rows (Simple Mixed, SM), as a
//! synthetic phase followed by a real phase on the same weights (Fine-Tuned, FT), or as the SM
//! rows with the synthetic share of the batches falling linearly over the training (the ramp) —
//! and scores them on a held-out real test set. It trains and scores one run; it knows nothing
//! of sweeps.
//!
//! The pieces, in the order a run uses them:
//! - [`backend`]: which burn device executes the run (flex on CPU, wgpu with the `wgpu` feature);
//! - [`data`]: a split's images as a `u8` CHW store, decoded once into memory (or streamed from
//!   the shards when over the memory budget), batched into `f32` tensors from there;
//! - [`phases`]: the training phases of a run (SM: one; FT: synthetic then real; the ramp: one
//!   whose batches follow the visits the mixer laid out);
//! - [`models`]: the three architectures, each a burn `Module` with its `Config`;
//! - [`ops`]: the CPU kernels the models call, burn backend extensions on flex with hand-written
//!   backwards;
//! - [`config`]: a run's hyper-parameters and the optimizer they build ([`optim`]: Adam as one
//!   fused pass per parameter);
//! - [`schedule`]: the learning rate of every step of a phase (warm-up, cosine decay);
//! - [`init`]: seeded model initialisation;
//! - [`train`]: the plain training loop, over [`checkpoint`]s written after every epoch;
//! - [`eval`]: accuracy, macro-F1, per-class accuracy and the confusion matrix;
//! - [`result`]: a run's configuration and its `result.json` schema;
//! - [`run`]: one resumable run writing `result.json` (what a single training and every sweep cell call);
//! - [`speed`]: the training speed of the three architectures in samples/s (`synmix speed train`).

pub mod backend;
pub mod checkpoint;
pub mod config;
pub mod data;
mod error;
pub mod eval;
pub mod init;
pub mod models;
pub mod ops;
pub mod optim;
pub mod phases;
pub mod result;
pub mod run;
pub mod schedule;
pub mod speed;
pub mod train;

pub use error::{Error, Result};
pub use models::ModelKind;
pub use phases::Strategy;
pub use result::{CellLabel, RESULT_FILE, RunConfig, RunResult, Status};

/// burn version the trainer is built against (pinned in the workspace), recorded in results.
pub const BURN_VERSION: &str = "0.22.1";

/// flex's CPU kernels share rayon's global pool, and under contention from other threads their
/// results can differ in the last bits; and burn initialises parameters lazily from one
/// process-wide generator. Every test that initialises or trains a model takes this lock, so that
/// runs compared bit for bit neither compete for the pool nor interleave their draws.
#[cfg(test)]
pub(crate) fn serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    /// The recorded version is written by hand: it must be the burn the workspace's lock file
    /// resolved, or every result would record the wrong one.
    #[test]
    fn burn_version_is_the_locked_one() {
        let lock = include_str!("../../Cargo.lock");
        let locked = lock
            .split("[[package]]")
            .find(|entry| entry.trim_start().starts_with("name = \"burn\"\n"))
            .and_then(|entry| entry.lines().find_map(|l| l.strip_prefix("version = \"")))
            .map(|v| v.trim_end_matches('"'))
            .expect("Cargo.lock lists burn");
        assert_eq!(super::BURN_VERSION, locked);
    }
}
