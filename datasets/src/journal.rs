//! The progress record of an unfinished dataset: which shards are complete, with their
//! hashes and counts, so an interrupted writer can resume without redoing them.
//!
//! It is a directory with one small file per finished shard rather than one shared file, so
//! several processes writing different shards of one dataset (array jobs) never overwrite each
//! other's records.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::atomic::{write_atomic, write_json};
use crate::error::{Error, IoContext, OutputConflict, Result};
use crate::manifest::ShardInfo;

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
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(JOURNAL_DIR)
    }

    /// Reads the journal of `dir`, if it has one.
    pub fn load(dir: &Path) -> Result<Option<Journal>> {
        let root = Self::path(dir);
        let fingerprint_path = root.join(FINGERPRINT_FILE);
        if !fingerprint_path.is_file() {
            return Ok(None);
        }
        let fingerprint = std::fs::read_to_string(&fingerprint_path)
            .at(&fingerprint_path)?
            .trim()
            .to_string();
        let mut shards = BTreeMap::new();
        for entry in std::fs::read_dir(&root).at(&root)?.filter_map(|e| e.ok()) {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let text = std::fs::read_to_string(&path).at(&path)?;
            let done: FinishedShard = serde_json::from_str(&text).map_err(|e| {
                Error::output_in_use(
                    dir,
                    OutputConflict::DamagedProgress {
                        record: format!("{JOURNAL_DIR}/{}", entry.file_name().to_string_lossy()),
                        reason: e.to_string(),
                    },
                )
            })?;
            shards.insert(done.shard.file.clone(), done);
        }
        Ok(Some(Journal {
            fingerprint,
            shards,
        }))
    }

    /// Starts (or continues) the journal of a run with `fingerprint`.
    pub fn begin(dir: &Path, fingerprint: &str) -> Result<()> {
        let root = Self::path(dir);
        std::fs::create_dir_all(&root).at(&root)?;
        write_atomic(&root.join(FINGERPRINT_FILE), fingerprint.as_bytes())
    }

    /// Records one finished shard.
    pub fn record(dir: &Path, done: &FinishedShard) -> Result<()> {
        write_json(&Self::entry_path(dir, &done.shard.file), done)
    }

    /// Forgets a shard whose file no longer matches its record.
    pub fn forget(dir: &Path, file: &str) -> Result<()> {
        let path = Self::entry_path(dir, file);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(&path, e)),
            _ => Ok(()),
        }
    }

    pub fn remove(dir: &Path) -> Result<()> {
        let root = Self::path(dir);
        std::fs::remove_dir_all(&root).at(&root)
    }

    fn entry_path(dir: &Path, file: &str) -> PathBuf {
        let name = Path::new(file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Self::path(dir).join(format!("{name}.json"))
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
