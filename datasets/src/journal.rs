//! The progress record of an unfinished dataset: which shards are complete, with their
//! hashes and counts, so an interrupted writer can resume without redoing them.
//!
//! It is a directory with one small file per finished shard rather than one shared file, so
//! several processes writing different shards of one dataset (array jobs) never overwrite each
//! other's records.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, OutputConflict, Result};
use crate::manifest::ShardInfo;
use crate::store::Location;

pub const JOURNAL_DIR: &str = ".synmix-progress";
const FINGERPRINT_FILE: &str = "fingerprint";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinishedShard {
    pub shard: ShardInfo,
    pub class_counts: Vec<u64>,
    pub source_counts: BTreeMap<String, u64>,
}

#[derive(Debug, Default)]
pub struct Journal {
    /// A hash of everything that determines the shards' content; a resume with other
    /// arguments must not mix old shards with new ones. Empty for a journal not yet begun.
    pub fingerprint: String,
    /// Keyed by the shard's relative path.
    pub shards: BTreeMap<String, FinishedShard>,
}

impl Journal {
    pub fn path(dir: &Location) -> Location {
        dir.join(JOURNAL_DIR)
    }

    /// Reads the journal of `dir`, if it has one.
    pub fn load(dir: &Location) -> Result<Option<Journal>> {
        let root = Self::path(dir);
        let Some(fingerprint) = root.join(FINGERPRINT_FILE).read_text()? else {
            return Ok(None);
        };
        let fingerprint = fingerprint.trim().to_string();
        let mut shards = BTreeMap::new();
        for name in root.entries()? {
            if !name.ends_with(".json") {
                continue;
            }
            let damaged = |reason: String| {
                Error::output_in_use(
                    dir.shown(),
                    OutputConflict::DamagedProgress {
                        record: format!("{JOURNAL_DIR}/{name}"),
                        reason,
                    },
                )
            };
            // A record forgotten since the listing is no record.
            let Some(text) = root.join(&name).read_text()? else {
                continue;
            };
            let done: FinishedShard =
                serde_json::from_str(&text).map_err(|e| damaged(e.to_string()))?;
            shards.insert(done.shard.file.clone(), done);
        }
        Ok(Some(Journal {
            fingerprint,
            shards,
        }))
    }

    /// Starts (or continues) the journal of a run with `fingerprint`.
    pub fn begin(dir: &Location, fingerprint: &str) -> Result<()> {
        Self::path(dir)
            .join(FINGERPRINT_FILE)
            .put(fingerprint.as_bytes())
    }

    /// Records one finished shard.
    pub fn record(dir: &Location, done: &FinishedShard) -> Result<()> {
        Self::entry_path(dir, &done.shard.file).put_json(done)
    }

    /// Forgets a shard whose file no longer matches its record.
    pub fn forget(dir: &Location, file: &str) -> Result<()> {
        Self::entry_path(dir, file).remove()
    }

    pub fn remove(dir: &Location) -> Result<()> {
        Self::path(dir).remove_all()
    }

    fn entry_path(dir: &Location, file: &str) -> Location {
        let name = file.rsplit('/').next().unwrap_or_default();
        Self::path(dir).join(format!("{name}.json"))
    }
}
