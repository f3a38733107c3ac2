//! The atomic write of synmix: a file is written under a temporary sibling name and renamed
//! over its final name, so a reader (or a rerun after a crash) sees the old file or the whole
//! new one, never half of one. Every stage writes its small files (manifests, progress
//! records, results, checkpoints' state, experiment pins) through here, and every finished
//! artefact written some other way (shards, a staged dataset) is published by [`publish`].
//!
//! Durability: a rename alone can reach the disk before the file's bytes do, so a power loss
//! could leave the final name holding a short or empty file. [`publish`] syncs the file before
//! the rename and the directory after it.

use std::path::{Path, PathBuf};

use crate::error::{IoContext, Result};

/// The temporary name of `path` while it is written: `.NAME.tmp` beside it. Hidden, and
/// recognisable as unfinished by anything that cleans up after a crash.
pub fn tmp_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}

/// Whether `name` is a temporary name made by [`tmp_sibling`].
pub fn is_tmp_name(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".tmp")
}

/// Writes `bytes` to `path` through a temporary sibling and a rename. The temporary is this
/// process's own (`.NAME.<pid>.tmp`): processes writing the same small file at once (array
/// tasks starting together, two runs of one task) never rename each other's half-written
/// file; the last rename wins, and every version is whole.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = tmp_sibling(path);
    let tmp = name.with_extension(format!("{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes).at(&tmp)?;
    publish(&tmp, path)
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

    #[test]
    fn writes_whole_files_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("result.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["result.json"]);
        assert_eq!(tmp_sibling(&path), dir.path().join(".result.json.tmp"));
        assert!(is_tmp_name(".result.json.tmp") && !is_tmp_name("result.json"));
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
