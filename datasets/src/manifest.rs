use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::Location;
use crate::types::{ImageSpec, Recipe, Source};

/// Bumped whenever a field changes meaning; readers refuse newer versions.
pub const FORMAT_VERSION: u32 = 1;

/// A dataset's manifest, beside its `data/`: written last, so its presence means the dataset
/// is complete.
pub const MANIFEST_FILE: &str = "manifest.json";

/// `manifest.json`: what a dataset holds and how it was made. Written last, so its presence
/// means every shard it lists is complete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format_version: u32,
    pub name: String,
    pub classes: Vec<String>,
    pub image: ImageSpec,
    /// "real", "synthetic" or "mixed".
    pub source: String,
    pub splits: BTreeMap<String, SplitManifest>,
    pub recipe: Recipe,
    pub tool_version: String,
    /// Creation time, RFC 3339 UTC. The only field that differs between two identical runs.
    pub created: String,
    /// The order in which a consumer should visit the `train` split; empty means "as one set".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<Phase>,
    /// How a mixed dataset was drawn (quota tables, nesting); written by the mixer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mix: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitManifest {
    pub rows: u64,
    /// Indexed by label.
    pub class_counts: Vec<u64>,
    /// Keyed by source name ("real", "synthetic").
    pub source_counts: BTreeMap<String, u64>,
    pub shards: Vec<ShardInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardInfo {
    /// Relative to the dataset directory, e.g. `data/train-00000-of-00003.parquet`.
    pub file: String,
    pub rows: u64,
    pub bytes: u64,
    pub blake3: String,
}

/// One stage of a curriculum: the rows `[start, end)` of the `train` split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    pub name: String,
    /// The single source of the phase's rows, if it has only one.
    pub source: Option<Source>,
    pub start: u64,
    pub end: u64,
    pub synthetic_share: f64,
    /// The shard files the phase's rows lie in.
    pub shards: Vec<String>,
    /// The order of the phase's visits when the data fixes it batch by batch (the ramp
    /// curriculum): one per training recipe it was laid out for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub visits: Vec<Visits>,
}

/// How a run of `epochs` epochs in batches of `batch_size` visits a phase's rows: batch by
/// batch (each epoch `ceil(rows / batch_size)` batches, the last one short), how many of the
/// batch's rows are synthetic; the rest are real. The trainer takes the rows of each source in
/// seeded passes over that source, so every row is visited `epochs` times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Visits {
    pub epochs: u64,
    pub batch_size: u64,
    pub synthetic_per_batch: Vec<u64>,
}

impl Manifest {
    pub fn read(dir: &Location) -> Result<Manifest> {
        let path = dir.join(MANIFEST_FILE);
        if dir.as_local().is_some_and(|local| !local.is_dir()) {
            return Err(Error::invalid(dir.shown(), "no such directory"));
        }
        let Some(text) = path.read_text()? else {
            return Err(Error::invalid(
                dir.shown(),
                "not a synmix dataset (no manifest.json); create one with `synmix import`, `synmix generate` or `synmix mix`",
            ));
        };
        let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
            Error::invalid(path.shown(), format!("not a valid synmix manifest: {e}"))
        })?;
        if manifest.format_version > FORMAT_VERSION {
            return Err(Error::invalid(
                path.shown(),
                format!(
                    "format version {} is newer than this synmix understands ({FORMAT_VERSION}); upgrade synmix",
                    manifest.format_version
                ),
            ));
        }
        Ok(manifest)
    }

    pub fn split(&self, name: &str) -> Option<&SplitManifest> {
        self.splits.get(name)
    }
}
/// The keys of two recipes' `config` objects whose values differ (a key in one only counts),
/// sorted: what a resume compares before it keeps or refuses a finished dataset.
pub fn changed_config_keys<'a>(
    found: &'a serde_json::Value,
    wanted: &'a serde_json::Value,
) -> Vec<&'a str> {
    let mut keys: Vec<&str> = [found, wanted]
        .into_iter()
        .filter_map(|config| config.as_object())
        .flat_map(|config| config.keys().map(String::as_str))
        .filter(|&key| found[key] != wanted[key])
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}
