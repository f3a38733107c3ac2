//! Every classifier the gap meter trains — the feature network on the real data, TSTR's on the
//! synthetic data, the real-versus-synthetic discriminator — goes through the trainer's loop
//! with one fixed, seeded recipe, so a measurement depends only on the data and its seed.

use std::ops::ControlFlow;

use burn::prelude::*;
use trainer::config::TrainConfig;
use trainer::data::ImageStore;
use trainer::init::init_model;
use trainer::models::Architecture;
use trainer::phases::{Strategy, plan};
use trainer::train::{Outcome, TrainEvent, fit, on_pool_thread};

use crate::{Error, Result};

/// The recipe: Adam at 10⁻³, batches of 64, three epochs, seed 0 (`seed` shifts it).
pub fn recipe(seed: u64) -> TrainConfig {
    TrainConfig::new()
        .with_epochs(3)
        .with_batch_size(64)
        .with_lr(1e-3)
        .with_seed(seed)
}

/// Trains a fresh model of `architecture` on every row of `store` with `config`; `progress`
/// hears of each batch's rows.
pub fn train<A: Architecture>(
    architecture: &A,
    store: &ImageStore,
    config: &TrainConfig,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<A::Model> {
    let device = Device::flex().autodiff();
    let phases = plan(Strategy::Sm, &[], &store.sources, config)?;
    let model = init_model(architecture, &device, config.seed);
    let outcome = on_pool_thread(|| {
        fit(model, store, &phases, config, &device, None, &mut |event| {
            if let TrainEvent::Batch { rows, .. } = event {
                progress(rows.len());
            }
            ControlFlow::Continue(())
        })
    })?;
    match outcome {
        Outcome::Trained(trained) => Ok(trained.model.valid()),
        Outcome::Diverged { reason, .. } => Err(Error::Trainer(trainer::Error::invalid(reason))),
    }
}
