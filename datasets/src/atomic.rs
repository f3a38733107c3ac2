//! The atomic write of synmix: a file is written under a temporary sibling name and renamed
//! over its final name, so a reader (or a rerun after a crash) sees the old file or the whole
//! new one, never half of one. Every stage writes its small files (manifests, progress
//! records, results, checkpoints' state, experiment pins) through here, and every finished
//! artefact written some other way (shards, a staged dataset) is published by [`publish`].
//!
//! Temporary names: every one synmix writes is `.NAME.tmp` ([`tmp_sibling`]) or
//! `.NAME.<pid>.tmp` ([`write_atomic`]), and [`tmp_target`] is the one test of whether a file
//! is such a leftover, so that a rerun after a kill or a full disk recognises its own and never
//! refuses a directory for them.
//!
//! Durability: a rename alone can reach the disk before the file's bytes do, so a power loss
//! could leave the final name holding a short or empty file. [`publish`] syncs the file before
//! the rename and the directory after it.

use std::path::{Path, PathBuf};

use crate::error::{IoContext, Result};

/// The temporary name of `path` while one writer writes it: `.NAME.tmp` beside it (a shard, a
/// staged dataset). Hidden, and recognisable as unfinished by anything that cleans up after a
/// crash ([`tmp_target`]).
pub fn tmp_sibling(path: &Path) -> PathBuf {
    path.with_file_name(format!(".{}.tmp", file_name(path)))
}

/// The temporary name of `path` while this process writes it through [`write_atomic`]:
/// `.NAME.<pid>.tmp`, so processes writing the same small file at once (array tasks starting
/// together, two runs of one task) never rename each other's half-written file.
fn process_tmp(path: &Path) -> PathBuf {
    path.with_file_name(format!(".{}.{}.tmp", file_name(path), std::process::id()))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The name a temporary of synmix's stands for — `manifest.json` for `.manifest.json.tmp` and
/// `.manifest.json.4242.tmp` — or `None` where `name` is no temporary synmix writes. The one
/// rule by which a directory's leftovers of a killed or failed write are told apart from files
/// synmix did not write.
pub fn tmp_target(name: &str) -> Option<&str> {
    let inner = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let target = match inner.rsplit_once('.') {
        Some((target, pid)) if !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) => target,
        _ => inner,
    };
    (!target.is_empty()).then_some(target)
}

/// Removes the temporaries of synmix's ([`tmp_target`]) directly inside `dir`: only where no
/// other process may be writing one now.
pub(crate) fn remove_temporaries(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir).at(dir)?.filter_map(|e| e.ok()) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if tmp_target(&name).is_some() {
            let path = entry.path();
            let removed = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            removed.at(&path)?;
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` through this process's own temporary sibling and a rename; the
/// last rename wins, and every version is whole. A write that fails (a full disk, a rename
/// refused) removes its temporary, so that a rerun finds the directory as it was.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = process_tmp(path);
    let written = std::fs::write(&tmp, bytes)
        .at(&tmp)
        .and_then(|()| publish(&tmp, path));
    if written.is_err() {
        // Gone already where the rename happened and only the directory's sync failed.
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Writes `value` as pretty JSON to `path` through [`write_atomic`], making its directory
/// first: the one way synmix writes its JSON records (manifests, progress records, mix records,
/// results, checkpoint states, the bench's plan and task records).
pub fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).at(dir)?;
    }
    let text = serde_json::to_string_pretty(value).expect("synmix's records serialise");
    write_atomic(path, text.as_bytes())
}

/// Moves the finished `tmp` (a file, or a directory whose files are published already) to
/// `path` durably: `tmp` is synced, renamed, and the directory holding `path` synced, so after
/// a crash `path` is the old entry or the whole new one.
pub fn publish(tmp: &Path, path: &Path) -> Result<()> {
    sync(tmp)?;
    std::fs::rename(tmp, path).at(path)?;
    sync(
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
    )
}

/// Flushes `path` (a file or a directory's entries) to the disk.
pub fn sync(path: &Path) -> Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .at(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_whole_files_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("result.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(names(dir.path()), ["result.json"]);
    }

    #[test]
    fn a_failed_write_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        // A directory in the way: the bytes are written, the rename over it fails.
        let path = dir.path().join("manifest.json");
        std::fs::create_dir_all(path.join("in-the-way")).unwrap();
        let err = write_atomic(&path, b"{}").unwrap_err();
        assert!(err.to_string().contains("manifest.json"), "{err}");
        assert_eq!(names(dir.path()), ["manifest.json"]);
    }

    #[test]
    fn every_temporary_name_is_recognised_and_no_other() {
        let path = Path::new("d/manifest.json");
        let mine = process_tmp(path);
        let mine = mine.file_name().unwrap().to_str().unwrap();
        assert_eq!(tmp_target(mine), Some("manifest.json"));
        assert_eq!(tmp_sibling(path), Path::new("d/.manifest.json.tmp"));
        assert_eq!(tmp_target(".manifest.json.tmp"), Some("manifest.json"));
        assert_eq!(
            tmp_target(".train-00000-of-00002.parquet.tmp"),
            Some("train-00000-of-00002.parquet")
        );
        assert_eq!(
            tmp_target(".synthetic-fashion.tmp"),
            Some("synthetic-fashion")
        );
        for other in [
            "manifest.json",
            ".tmp",
            "..tmp",
            "notes.tmp",
            ".notes",
            "x.1234.tmp",
        ] {
            assert_eq!(tmp_target(other), None, "{other}");
        }
    }

    #[test]
    fn leftover_temporaries_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            ".manifest.json.77.tmp",
            ".README.md.tmp",
            "notes.tmp",
            "keep",
        ] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        std::fs::create_dir(dir.path().join(".staged.tmp")).unwrap();
        remove_temporaries(dir.path()).unwrap();
        assert_eq!(names(dir.path()), ["keep", "notes.tmp"]);
    }

    #[test]
    fn publish_moves_files_and_directories() {
        let dir = tempfile::tempdir().unwrap();
        let staged = dir.path().join(".d.tmp");
        std::fs::create_dir(&staged).unwrap();
        write_atomic(&staged.join("f"), b"x").unwrap();
        publish(&staged, &dir.path().join("d")).unwrap();
        assert_eq!(std::fs::read(dir.path().join("d/f")).unwrap(), b"x");
        let err = publish(&staged, &dir.path().join("e")).unwrap_err();
        assert!(err.to_string().contains(".d.tmp"), "{err}");
    }

    #[test]
    fn a_missing_directory_is_named() {
        let err = write_atomic(Path::new("/nonexistent/dir/x.json"), b"x").unwrap_err();
        assert!(err.to_string().contains("/nonexistent/dir"), "{err}");
    }
}
