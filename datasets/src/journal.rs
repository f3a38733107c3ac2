//! The progress file of an unfinished dataset: which shards are complete, with their hashes
//! and counts, so an interrupted writer can resume without redoing them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, IoContext, Result};
use crate::manifest::{ShardInfo, write_atomically};

pub const JOURNAL_FILE: &str = ".synmix-journal.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinishedShard {
    pub shard: ShardInfo,
    pub class_counts: Vec<u64>,
    pub source_counts: BTreeMap<String, u64>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Journal {
    /// A hash of everything that determines the shards' content; a resume with other
    /// arguments must not mix old shards with new ones.
    pub fingerprint: String,
    pub shards: BTreeMap<String, FinishedShard>,
}

impl Journal {
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(JOURNAL_FILE)
    }

    pub fn load(dir: &Path) -> Result<Option<Journal>> {
        let path = Self::path(dir);
        if !path.exists() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path).at(&path)?;
        serde_json::from_str(&text).map(Some).map_err(|e| {
            Error::invalid(
                &path,
                format!("unreadable progress file ({e}); rerun with --force"),
            )
        })
    }

    pub fn save(&self, dir: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).expect("journal serialises");
        write_atomically(&Self::path(dir), text.as_bytes())
    }
}

/// BLAKE3 of a whole file, streamed.
pub fn hash_file(path: &Path) -> Result<(String, u64)> {
    let mut hasher = blake3::Hasher::new();
    let file = std::fs::File::open(path).at(path)?;
    hasher.update_reader(file).at(path)?;
    let bytes = std::fs::metadata(path).at(path)?.len();
    Ok((hasher.finalize().to_hex().to_string(), bytes))
}
