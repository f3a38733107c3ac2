//! Where a dataset or a bench directory lives: a local directory or a prefix of an object store
//! (`s3://bucket/prefix`, `gs://…`, `az://…`), parsed once from a flag's text ([`Location`]),
//! with the few operations the format needs, each done the way the place allows:
//!
//! | operation | local disk | object store |
//! | --- | --- | --- |
//! | [`Location::read`] a small file | read | GET |
//! | [`ShardFile`](crate::ShardFile) row groups | the file | one range GET per row group |
//! | [`Location::put`] a whole small file | temporary + rename ([`crate::atomic`]) | PUT (atomic) |
//! | [`Location::put_if_absent`] | temporary + hard link | PUT `If-None-Match: *` |
//! | [`Location::create`] a shard | temporary + rename | parts, published by completing the upload |
//! | [`Location::entries`] | `read_dir` | LIST with a delimiter |
//! | [`Location::move_to`] | rename | copy, then delete |
//! | [`DirLock`](crate::lock::DirLock) | `flock` | a lease object ([`lease`]) |
//!
//! By job: `object` (the stores, their runtime, their errors), `upload` (a file written whole or
//! not at all), `ranges` (byte ranges served to the Parquet reader), `cache` (an optional,
//! bounded local copy of the ranges read), `lease` (one holder at a time without `flock`).

mod cache;
mod client;
pub mod lease;
mod object;
pub(crate) mod ranges;
mod upload;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::atomic;
use crate::error::{Error, IoContext, Result};

pub use crate::error::StoreProblem;
pub use object::ObjectPlace;
pub use upload::Upload;

/// A dataset's or a bench directory's place: a local path or an object-store prefix.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Location {
    Local(PathBuf),
    Object(ObjectPlace),
}

impl Location {
    /// Parses a flag's text: `s3://bucket/prefix` (also `s3a://`), `gs://bucket/prefix`,
    /// `az://container/prefix`, `file:///absolute/path`, or a local path. Connects to nothing:
    /// a store is reached on its first use.
    pub fn parse(text: &str) -> Result<Location> {
        let Some((scheme, rest)) = text.split_once("://") else {
            return Ok(Location::Local(PathBuf::from(text)));
        };
        if scheme == "file" {
            if !rest.starts_with('/') {
                return Err(Error::usage(format!(
                    "{text}: a file:// URL needs an absolute path (file:///data/set)"
                )));
            }
            return Ok(Location::Local(PathBuf::from(rest)));
        }
        ObjectPlace::parse(text, scheme, rest).map(Location::Object)
    }

    /// The local path, if this is one.
    pub fn as_local(&self) -> Option<&Path> {
        match self {
            Location::Local(path) => Some(path),
            Location::Object(_) => None,
        }
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Location::Object(_))
    }

    /// `relative` (components separated by `/`) under this location.
    pub fn join(&self, relative: impl AsRef<str>) -> Location {
        let relative = relative.as_ref();
        match self {
            Location::Local(path) => Location::Local(path.join(relative)),
            Location::Object(place) => Location::Object(place.join(relative)),
        }
    }

    /// The location as text, as `Path::display` shows a path.
    pub fn display(&self) -> &Location {
        self
    }

    /// The last component: a dataset's directory name.
    pub fn name(&self) -> String {
        match self {
            Location::Local(path) => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            Location::Object(place) => place.name().to_string(),
        }
    }

    /// The location named `name` beside this one.
    pub fn sibling(&self, name: &str) -> Location {
        match self {
            Location::Local(path) => Location::Local(path.with_file_name(name)),
            Location::Object(place) => Location::Object(place.sibling(name)),
        }
    }

    /// This location's text as a path, for the errors of the crate, which name a path.
    pub fn shown(&self) -> PathBuf {
        match self {
            Location::Local(path) => path.clone(),
            Location::Object(place) => PathBuf::from(place.to_string()),
        }
    }

    /// The whole content of a small file, or `None` where there is none.
    pub fn read(&self) -> Result<Option<Vec<u8>>> {
        match self {
            Location::Local(path) => match std::fs::read(path) {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(Error::io(path, e)),
            },
            Location::Object(place) => place.read(),
        }
    }

    /// [`Location::read`] as text.
    pub fn read_text(&self) -> Result<Option<String>> {
        self.read()?
            .map(|bytes| {
                String::from_utf8(bytes).map_err(|_| Error::invalid(self.shown(), "is not UTF-8"))
            })
            .transpose()
    }

    /// Whether a file (an object) is here.
    pub fn is_file(&self) -> Result<bool> {
        match self {
            Location::Local(path) => Ok(path.is_file()),
            Location::Object(place) => place.exists(),
        }
    }

    /// Whether anything is under this location, as under a directory.
    pub fn is_dir(&self) -> Result<bool> {
        match self {
            Location::Local(path) => Ok(path.is_dir()),
            Location::Object(_) => Ok(!self.entries()?.is_empty()),
        }
    }

    /// The names directly under this location (files and directories alike), sorted; none
    /// where there is nothing.
    pub fn entries(&self) -> Result<Vec<String>> {
        match self {
            Location::Local(path) => {
                if !path.is_dir() {
                    return Ok(Vec::new());
                }
                let mut names: Vec<String> = std::fs::read_dir(path)
                    .at(path)?
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect();
                names.sort();
                Ok(names)
            }
            Location::Object(place) => place.entries(),
        }
    }

    /// Every file under this location, however deep: its path below it (`/`-separated) and its
    /// size, sorted; none where there is nothing.
    pub fn files(&self) -> Result<Vec<(String, u64)>> {
        match self {
            Location::Local(root) => {
                let mut files = Vec::new();
                let mut dirs = vec![root.clone()];
                while let Some(dir) = dirs.pop() {
                    if !dir.is_dir() {
                        continue;
                    }
                    for entry in std::fs::read_dir(&dir).at(&dir)? {
                        let entry = entry.at(&dir)?;
                        let meta = entry.metadata().at(entry.path())?;
                        if meta.is_dir() {
                            dirs.push(entry.path());
                        } else if let Ok(relative) = entry.path().strip_prefix(root) {
                            let parts: Vec<String> = relative
                                .components()
                                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                                .collect();
                            files.push((parts.join("/"), meta.len()));
                        }
                    }
                }
                files.sort();
                Ok(files)
            }
            Location::Object(place) => place.files(),
        }
    }

    /// Whether `other` is this location or lies under it.
    pub fn contains(&self, other: &Location) -> bool {
        match (self, other) {
            (Location::Local(this), Location::Local(other)) => other.starts_with(this),
            (Location::Object(this), Location::Object(other)) => this.contains(other),
            _ => false,
        }
    }

    /// Makes the directory (and its parents) where directories exist; an object store has none.
    pub fn create_dir_all(&self) -> Result<()> {
        match self {
            Location::Local(path) => std::fs::create_dir_all(path).at(path),
            Location::Object(_) => Ok(()),
        }
    }

    /// Writes `bytes` as this file, whole: a reader sees the old content or the new, never
    /// part of it. Makes the local directory first.
    pub fn put(&self, bytes: &[u8]) -> Result<()> {
        match self {
            Location::Local(path) => {
                make_parent(path)?;
                atomic::write_atomic(path, bytes)
            }
            Location::Object(place) => place.put(bytes),
        }
    }

    /// [`Location::put`] of `value` as pretty JSON: the one way synmix writes a JSON record.
    pub fn put_json(&self, value: &impl serde::Serialize) -> Result<()> {
        let text = serde_json::to_string_pretty(value).expect("synmix's records serialise");
        self.put(text.as_bytes())
    }

    /// Writes `bytes` as this file only if there is none yet, whole; returns whether it wrote.
    /// Of two writers racing, exactly one writes.
    pub fn put_if_absent(&self, bytes: &[u8]) -> Result<bool> {
        match self {
            Location::Local(path) => {
                make_parent(path)?;
                let tmp =
                    atomic::tmp_sibling(path).with_extension(format!("{}.tmp", std::process::id()));
                std::fs::write(&tmp, bytes).at(&tmp)?;
                atomic::sync(&tmp)?;
                // A hard link is created only where no entry has the name: the one local
                // operation that publishes a whole file if, and only if, it is absent.
                let linked = std::fs::hard_link(&tmp, path);
                let _ = std::fs::remove_file(&tmp);
                match linked {
                    Ok(()) => Ok(true),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
                    Err(e) => Err(Error::io(path, e)),
                }
            }
            Location::Object(place) => place.put_if_absent(bytes),
        }
    }

    /// Removes this file; nothing to remove is no error.
    pub fn remove(&self) -> Result<()> {
        match self {
            Location::Local(path) => match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(path, e)),
                _ => Ok(()),
            },
            Location::Object(place) => place.remove(),
        }
    }

    /// Removes everything under this location (a directory and its files, every object of a
    /// prefix); nothing to remove is no error.
    pub fn remove_all(&self) -> Result<()> {
        match self {
            Location::Local(path) => {
                let removed = if path.is_dir() {
                    std::fs::remove_dir_all(path)
                } else {
                    std::fs::remove_file(path)
                };
                match removed {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(path, e)),
                    _ => Ok(()),
                }
            }
            Location::Object(place) => place.remove_all(),
        }
    }

    /// Moves the finished file or directory here to `to` (replacing what is there): a local
    /// rename, published durably; on an object store each object is copied, then deleted.
    pub fn move_to(&self, to: &Location) -> Result<()> {
        match (self, to) {
            (Location::Local(from), Location::Local(to)) => atomic::publish(from, to),
            (Location::Object(from), Location::Object(to)) => from.move_to(to),
            _ => Err(Error::usage(format!(
                "cannot move {self} to {to}: one is local, the other an object store"
            ))),
        }
    }

    /// BLAKE3 of the whole file and its length in bytes, streamed.
    pub fn hash(&self) -> Result<(String, u64)> {
        match self {
            Location::Local(path) => {
                let mut hasher = blake3::Hasher::new();
                let file = std::fs::File::open(path).at(path)?;
                hasher.update_reader(file).at(path)?;
                let bytes = std::fs::metadata(path).at(path)?.len();
                Ok((hasher.finalize().to_hex().to_string(), bytes))
            }
            Location::Object(place) => place.hash(),
        }
    }

    /// The most bytes an [`Upload`] here holds besides what its writer buffers: the parts in
    /// flight on an object store, the write buffer of a local file. What a stage that keeps
    /// to a memory budget counts for each file it writes at once.
    pub fn upload_buffer_bytes(&self) -> u64 {
        match self {
            Location::Local(_) => upload::LOCAL_BUFFER_BYTES as u64,
            Location::Object(_) => 2 * object::PART_BYTES as u64,
        }
    }

    /// Starts writing this file: nothing is visible here until [`Upload::finish`], and an
    /// upload dropped unfinished leaves nothing behind that could pass for the file.
    pub fn create(&self) -> Result<Upload> {
        Upload::start(self)
    }
}

fn make_parent(path: &Path) -> Result<()> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => std::fs::create_dir_all(dir).at(dir),
        None => Ok(()),
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Local(path) => write!(f, "{}", path.display()),
            Location::Object(place) => write!(f, "{place}"),
        }
    }
}

impl FromStr for Location {
    type Err = Error;

    fn from_str(text: &str) -> Result<Location> {
        Location::parse(text)
    }
}

impl From<&Path> for Location {
    fn from(path: &Path) -> Location {
        Location::Local(path.to_path_buf())
    }
}

impl From<PathBuf> for Location {
    fn from(path: PathBuf) -> Location {
        Location::Local(path)
    }
}

impl From<&PathBuf> for Location {
    fn from(path: &PathBuf) -> Location {
        Location::Local(path.clone())
    }
}

impl From<&Location> for Location {
    fn from(location: &Location) -> Location {
        location.clone()
    }
}

impl serde::Serialize for Location {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Location {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Location, D::Error> {
        let text = String::deserialize(deserializer)?;
        Location::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse_to_local_paths_or_object_prefixes() {
        let local = Location::parse("out/set").unwrap();
        assert_eq!(local, Location::Local("out/set".into()));
        assert_eq!(
            Location::parse("file:///data/set").unwrap(),
            Location::Local("/data/set".into())
        );
        let s3 = Location::parse("s3://bucket/runs/set/").unwrap();
        assert!(s3.is_object());
        assert_eq!(s3.to_string(), "s3://bucket/runs/set");
        assert_eq!(s3.name(), "set");
        assert_eq!(
            s3.join("data/train-00000-of-00001.parquet").to_string(),
            "s3://bucket/runs/set/data/train-00000-of-00001.parquet"
        );
        assert_eq!(
            s3.sibling(".set.tmp").to_string(),
            "s3://bucket/runs/.set.tmp"
        );
        assert_eq!(Location::parse("gs://b").unwrap().to_string(), "gs://b");
        for (bad, says) in [
            ("s3://", "names no bucket"),
            ("s3:///x", "names no bucket"),
            ("ftp://host/x", "unknown scheme 'ftp'"),
            ("s3://b/a//c", "empty part"),
            ("s3://b/a/../c", "'..'"),
            ("file://relative", "absolute path"),
        ] {
            let err = Location::parse(bad).unwrap_err().to_string();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn local_put_if_absent_writes_once() {
        let tmp = tempfile::tempdir().unwrap();
        let record = Location::from(tmp.path().join("tasks/00001.done"));
        assert!(record.put_if_absent(b"first").unwrap());
        assert!(!record.put_if_absent(b"second").unwrap());
        assert_eq!(record.read().unwrap().unwrap(), b"first");
        assert_eq!(
            Location::from(tmp.path().join("tasks")).entries().unwrap(),
            ["00001.done"]
        );
        record.remove().unwrap();
        record.remove().unwrap();
        assert_eq!(record.read().unwrap(), None);
    }
}
