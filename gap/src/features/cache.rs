//! The feature network trained on a real dataset, kept on disk so that a second measurement
//! against the same real data loads it instead of training again. The key hashes what decides
//! the weights: the real dataset's manifest (its shards' hashes among it), the network's
//! configuration, the training recipe (its seed among it), the rows drawn and the burn version.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn::store::ModuleRecord;
use burn::tensor::Bytes;
use datasets::DecodedSplit;
use datasets::atomic::write_atomic;
use trainer::config::TrainConfig;
use trainer::data::InputShape;
use trainer::init::init_model;
use trainer::models::Architecture;

use super::net::{FeatureNet, FeatureNetConfig};
use crate::data::{draw_rows, store_of_rows};
use crate::{Error, Result, learner};

/// A real-trained feature network and where it came from.
pub struct RealNetwork {
    pub model: FeatureNet,
    /// The cache entry's name (`gap-<hash>`), as reports record it.
    pub key: String,
    pub from_cache: bool,
}

/// The cache entry of a network of `architecture` trained with `recipe` on the real dataset
/// whose manifest is `real_manifest`.
fn entry(
    cache: &Path,
    real_manifest: &[u8],
    architecture: &FeatureNetConfig,
    recipe: &TrainConfig,
) -> (String, PathBuf) {
    let mut hasher = blake3::Hasher::new();
    hasher.update(real_manifest);
    hasher.update(&serde_json::to_vec(architecture).expect("configs serialise"));
    hasher.update(&serde_json::to_vec(recipe).expect("configs serialise"));
    hasher.update(&TRAINING_ROWS.to_le_bytes());
    hasher.update(trainer::BURN_VERSION.as_bytes());
    let key = format!("gap-{}", &hasher.finalize().to_hex()[..16]);
    let path = cache.join(&key).join("feature-net.bpk");
    (key, path)
}

/// Rows of the real `train` split the network learns from, at most (a seeded draw): plenty for
/// the features of a small-image task, and the bound on its training time.
pub const TRAINING_ROWS: usize = 10_000;

/// Rows the feature network trains on for a real `train` split of `len` rows.
pub fn training_rows(len: usize) -> usize {
    len.min(TRAINING_ROWS)
}

/// The feature network of the real `train` split: loaded from `cache` if there, else trained
/// (`progress` hears of each batch's rows) and stored.
pub fn real_network(
    real_train: &DecodedSplit,
    shape: InputShape,
    real_manifest: &[u8],
    cache: &Path,
    seed: u64,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<RealNetwork> {
    let architecture = FeatureNetConfig::for_input(shape);
    architecture.check().map_err(trainer::Error::invalid)?;
    let recipe = learner::recipe(seed);
    let (key, path) = entry(cache, real_manifest, &architecture, &recipe);
    if let Some(model) = load(&architecture, &path) {
        return Ok(RealNetwork {
            model,
            key,
            from_cache: true,
        });
    }
    let rows: Vec<_> = draw_rows(real_train.len(), TRAINING_ROWS, &[seed, 0xfea7])
        .into_iter()
        .map(|r| (real_train, r, real_train.labels[r]))
        .collect();
    let store = store_of_rows(&rows, shape)?;
    let model = learner::train(&architecture, &store, &recipe, progress)?;
    let bytes = model
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| Error::output(&path, e))?;
    let dir = path.parent().expect("an entry has a directory");
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    write_atomic(&path, &bytes)?;
    Ok(RealNetwork {
        model,
        key,
        from_cache: false,
    })
}

/// The cached network, or `None` where there is none or it cannot be read (then it is
/// trained again and the entry rewritten).
fn load(architecture: &FeatureNetConfig, path: &Path) -> Option<FeatureNet> {
    let bytes = std::fs::read(path).ok()?;
    let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes)).ok()?;
    let fresh = init_model(architecture, &Device::flex(), 0);
    match fresh.try_load_record(record) {
        Ok(model) => Some(model),
        Err(e) => {
            tracing::warn!(
                "{}: unreadable cached feature network ({e}); training it again",
                path.display()
            );
            None
        }
    }
}
