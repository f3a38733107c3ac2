//! Train on synthetic, test on real (TSTR): the feature network's architecture trained with the
//! gap meter's recipe on the synthetic `train` split and scored on the real `test` split — how
//! much of the real task the synthetic data teaches. Train on real, test on synthetic (TRTS): the
//! real-trained feature network scored on the synthetic images — how real the synthetic images
//! look to a model of the real data.

use burn::prelude::*;
use trainer::data::ImageStore;
use trainer::eval::{Metrics, evaluate};
use trainer::models::Architecture;
use trainer::train::on_pool_thread;

use crate::Result;
use crate::features::{FeatureNet, FeatureNetConfig};
use crate::learner;

/// TSTR's metrics: a network trained on `synthetic_train`, scored on `real_test`.
pub fn tstr(
    synthetic_train: &ImageStore,
    real_test: &ImageStore,
    seed: u64,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Metrics> {
    let architecture = FeatureNetConfig::for_input(synthetic_train.shape);
    let model = learner::train(
        &architecture,
        synthetic_train,
        &learner::recipe(seed),
        progress,
    )?;
    score(&model, real_test)
}

/// TRTS's metrics: the real-trained network scored on `synthetic_test`.
pub fn trts(real_network: &FeatureNet, synthetic_test: &ImageStore) -> Result<Metrics> {
    score(real_network, synthetic_test)
}

fn score(model: &FeatureNet, store: &ImageStore) -> Result<Metrics> {
    Ok(on_pool_thread(|| evaluate(model, store, &Device::flex()))?)
}
