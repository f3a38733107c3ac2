//! The feature network trained on a real dataset, kept on disk so that a second measurement
//! against the same real data loads it instead of training again. The key hashes what decides
//! the weights: the real dataset's manifest (its shards' hashes among it), the network's
//! configuration, the training recipe (its seed among it), the rows drawn, the burn version and
//! this code's (the entry's format and synmix's version).
//!
//! An entry is one file, written atomically: a line of JSON saying what wrote it and the
//! BLAKE3 of the weights that follow. An entry that is damaged (its bytes no longer match their
//! hash), cut short, or written by another version is never used: it is named in a warning and
//! the network trained again, to the weights a clean cache would have given. Processes sharing
//! a cache take turns at an entry (a lock on its directory), so the second waits for the first
//! to train and then loads its network.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn::store::ModuleRecord;
use burn::tensor::Bytes;
use datasets::DecodedSplit;
use datasets::atomic::write_atomic;
use datasets::lock::DirLock;
use serde::{Deserialize, Serialize};
use trainer::config::TrainConfig;
use trainer::data::InputShape;
use trainer::init::init_model;
use trainer::models::Architecture;

use super::net::{FeatureNet, FeatureNetConfig};
use crate::data::{draw_rows, store_of_rows};
use crate::{Error, Result, learner};

/// What an entry's first line says its bytes are; another value is another version's entry.
const ENTRY_FORMAT: &str = "synmix gap feature network, burn record after this line";

/// The file of an entry, in its key's directory.
const ENTRY_FILE: &str = "feature-net.entry";

/// An entry's first line.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Header {
    format: String,
    synmix: String,
    bytes: usize,
    blake3: String,
}

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
    hasher.update(ENTRY_FORMAT.as_bytes());
    hasher.update(datasets::TOOL_VERSION.as_bytes());
    let key = format!("gap-{}", &hasher.finalize().to_hex()[..16]);
    let path = cache.join(&key).join(ENTRY_FILE);
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
    let dir = path.parent().expect("an entry has a directory");
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    // Another process training this entry now finishes it before this one looks.
    let _turn = DirLock::wait(dir)?;
    match load(&architecture, &path) {
        Ok(Some(model)) => {
            return Ok(RealNetwork {
                model,
                key,
                from_cache: true,
            });
        }
        Ok(None) => {}
        Err(why) => tracing::warn!(
            "{}: {why}; not used, training the feature network again",
            path.display()
        ),
    }
    let rows: Vec<_> = draw_rows(real_train.len(), TRAINING_ROWS, &[seed, 0xfea7])
        .into_iter()
        .map(|r| (real_train, r, real_train.labels[r]))
        .collect();
    let store = store_of_rows(&rows, shape)?;
    let model = learner::train(&architecture, &store, &recipe, progress)?;
    save(&model, &path)?;
    Ok(RealNetwork {
        model,
        key,
        from_cache: false,
    })
}

/// Writes `model` as the entry at `path`: its header line, then its record.
fn save(model: &FeatureNet, path: &Path) -> Result<()> {
    let record = model
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| Error::output(path, e))?;
    let header = Header {
        format: ENTRY_FORMAT.into(),
        synmix: datasets::TOOL_VERSION.into(),
        bytes: record.len(),
        blake3: blake3::hash(&record).to_hex().to_string(),
    };
    let mut bytes = serde_json::to_vec(&header).expect("headers serialise");
    bytes.push(b'\n');
    bytes.extend_from_slice(&record);
    write_atomic(path, &bytes)?;
    Ok(())
}

/// The network of the entry at `path`: `None` where there is none, and why it cannot be used
/// where it is damaged, cut short or another version's.
fn load(architecture: &FeatureNetConfig, path: &Path) -> Result<Option<FeatureNet>, String> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("unreadable cached feature network ({e})")),
    };
    let not_ours =
        "not a cached feature network of this synmix (damaged, or written by another version)";
    let split = bytes.iter().position(|&b| b == b'\n').ok_or(not_ours)?;
    let header: Header = serde_json::from_slice(&bytes[..split]).map_err(|_| not_ours)?;
    if header.format != ENTRY_FORMAT || header.synmix != datasets::TOOL_VERSION {
        return Err(format!(
            "a cached feature network written by synmix {} (format '{}'), not by this version",
            header.synmix, header.format
        ));
    }
    let record = &bytes[split + 1..];
    if record.len() != header.bytes || blake3::hash(record).to_hex().as_str() != header.blake3 {
        return Err(format!(
            "a damaged cached feature network ({} bytes that no longer match the BLAKE3 its header records)",
            record.len()
        ));
    }
    let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(record.to_vec()))
        .map_err(|e| format!("an unreadable cached feature network ({e})"))?;
    let fresh = init_model(architecture, &Device::flex(), 0);
    fresh
        .try_load_record(record)
        .map(Some)
        .map_err(|e| format!("a cached feature network of another shape ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn architecture() -> FeatureNetConfig {
        FeatureNetConfig::for_input(InputShape::new(1, 8, 8, 3))
    }

    fn features(model: &FeatureNet) -> Vec<f32> {
        let image = Tensor::<4>::ones([1, 1, 8, 8], &Device::flex());
        model.embed(image).into_data().iter::<f32>().collect()
    }

    #[test]
    fn an_entry_reads_back_and_a_damaged_or_foreign_one_is_named_never_used() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(ENTRY_FILE);
        assert!(load(&architecture(), &path).unwrap().is_none());
        let model = init_model(&architecture(), &Device::flex(), 7);
        save(&model, &path).unwrap();
        let read = load(&architecture(), &path).unwrap().unwrap();
        assert_eq!(features(&read), features(&model));

        let good = std::fs::read(&path).unwrap();
        let split = good.iter().position(|&b| b == b'\n').unwrap();
        let with = |bytes: &[u8]| {
            std::fs::write(&path, bytes).unwrap();
            load(&architecture(), &path).err().unwrap()
        };
        // One weight's bit flipped: it would still load, as other features.
        let mut flipped = good.clone();
        flipped[good.len() - 3] ^= 0x10;
        assert!(with(&flipped).contains("damaged"), "{}", with(&flipped));
        assert!(with(&good[..good.len() - 100]).contains("damaged"));
        // Another version's header, and the record alone (as synmix wrote it before).
        let mut header: Header = serde_json::from_slice(&good[..split]).unwrap();
        header.synmix = "0.0.1".into();
        let mut other = serde_json::to_vec(&header).unwrap();
        other.extend_from_slice(&good[split..]);
        assert!(
            with(&other).contains("written by synmix 0.0.1"),
            "{}",
            with(&other)
        );
        assert!(with(&good[split + 1..]).contains("written by another version"));
        assert!(with(b"").contains("not a cached feature network"));
    }
}
