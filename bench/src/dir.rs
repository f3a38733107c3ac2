//! A bench directory: where it lives — a local directory, or a prefix of an object store
//! (`s3://bucket/bench`) — and the local directory its files are read and written in.
//!
//! On a local disk the two are one directory and nothing here does anything. On an object store:
//! - the datasets of the bench (`data/`, `mix/`) live in the store only: tasks write them by
//!   multipart uploads and read them by range requests, like any dataset named by URL;
//! - the task records (`tasks/<id>.done`, `.failed`) are objects, the completion record created
//!   only if absent, and a task's lock is a lease object ([`datasets::store::lease`]);
//! - every other file (the pin, the plan, runs, gaps, decisions, the report) is written by the
//!   same code as on a local disk, in a working copy on this machine, one per bench URL under
//!   `$SYNMIX_WORK_DIR` (else the system's temporary directory). A task [`pulls`](BenchDir::pull)
//!   what the tasks it reads made before it runs, and [`pushes`](BenchDir::push) what it made
//!   before its completion record is written, so a record in the store always stands for files
//!   in the store. The processes of one machine share the working copy; those of other machines
//!   (pods, Slurm nodes) each keep their own.
//!
//! A task also pulls its own outputs where the working copy has none, so what an attempt on
//! another machine left is continued: a run's checkpoint, pushed after its first epoch and then
//! once a minute, resumes where that machine stopped.

use std::collections::BTreeSet;
use std::fmt;
use std::ops::Deref;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use datasets::Location;

/// Where the working copies of benches on object storage are kept (else the temporary directory).
pub const WORK_DIR_ENV: &str = "SYNMIX_WORK_DIR";

/// A bench directory and its working copy on this machine.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchDir {
    store: Location,
    local: PathBuf,
}

impl BenchDir {
    /// The bench directory at `store`, with its working copy made on an object store (empty
    /// or as an earlier process left it: [`crate::open`] brings it up to date).
    pub fn at(store: Location) -> Result<BenchDir> {
        let local = match &store {
            Location::Local(path) => return Ok(BenchDir::local(path)),
            Location::Object(_) => {
                let base = std::env::var_os(WORK_DIR_ENV)
                    .map(PathBuf::from)
                    .unwrap_or_else(|| std::env::temp_dir().join("synmix-work"));
                let id = blake3::hash(store.to_string().as_bytes()).to_hex();
                base.join(&id[..16])
            }
        };
        std::fs::create_dir_all(&local).with_context(|| {
            format!(
                "{}: cannot create the working copy of {store} (set {WORK_DIR_ENV} to a writable directory)",
                local.display()
            )
        })?;
        Ok(BenchDir { store, local })
    }

    /// The bench directory at the local path `path`.
    pub fn local(path: impl Into<PathBuf>) -> BenchDir {
        let local = path.into();
        BenchDir {
            store: Location::Local(local.clone()),
            local,
        }
    }

    /// Where the bench directory lives.
    pub fn store(&self) -> &Location {
        &self.store
    }

    /// The bench directory as the user named it (its URL on an object store), for messages:
    /// shadows the working copy's `Path::display`.
    pub fn display(&self) -> &Location {
        &self.store
    }

    /// Where the file `path` of the working copy lives, for messages: its URL on an object
    /// store, the path itself on a disk.
    pub fn shown(&self, path: &Path) -> PathBuf {
        match self.relative(path) {
            Some(relative) if self.is_remote() => self.place(&relative).shown(),
            _ => path.to_path_buf(),
        }
    }

    /// Whether it lives in an object store, with a working copy here.
    pub fn is_remote(&self) -> bool {
        self.store.is_object()
    }

    /// `relative` (`/`-separated) as it lives in the store: where datasets and task records are.
    pub fn place(&self, relative: &str) -> Location {
        self.store.join(relative)
    }

    /// A path of the working copy, relative to it and `/`-separated; none outside it.
    fn relative(&self, path: &Path) -> Option<String> {
        let relative = path.strip_prefix(&self.local).ok()?;
        let parts: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        (!parts.is_empty()).then(|| parts.join("/"))
    }

    /// The files of the working copy among `outputs` (files or directories; datasets in the
    /// store are skipped), as relative paths.
    fn working(&self, outputs: &[Location]) -> Vec<String> {
        outputs
            .iter()
            .filter_map(|output| output.as_local())
            .filter_map(|path| self.relative(path))
            .collect()
    }

    /// The files of the working copy at `output` (the file itself, or every file under the
    /// directory), relative; temporaries left out.
    fn local_files(&self, output: &str) -> Result<Vec<String>> {
        let here = self.local.join(output);
        let files = match here.is_file() {
            true => vec![output.to_string()],
            false => Location::Local(here)
                .files()?
                .into_iter()
                .map(|(path, _)| join(output, &path))
                .collect(),
        };
        Ok(files.into_iter().filter(|path| !is_hidden(path)).collect())
    }

    /// Makes the working copy's `outputs` (files or directories) what the store holds: files
    /// missing here or of another size are fetched, files the store lacks are removed here.
    /// One listing of the store for all of them.
    pub fn pull(&self, outputs: &[Location]) -> Result<()> {
        if !self.is_remote() {
            return Ok(());
        }
        let wanted = self.working(outputs);
        if wanted.is_empty() {
            return Ok(());
        }
        let base = common_parent(&wanted);
        let listed: Vec<(String, u64)> = self
            .store
            .join(&base)
            .files()?
            .into_iter()
            .map(|(path, size)| (join(&base, &path), size))
            .filter(|(path, _)| !is_hidden(path))
            .collect();
        for output in &wanted {
            let under = |path: &str| path == output || path.starts_with(&format!("{output}/"));
            for (path, size) in listed.iter().filter(|(path, _)| under(path)) {
                let local = self.local.join(path);
                if std::fs::metadata(&local).is_ok_and(|meta| meta.len() == *size) {
                    continue;
                }
                // Gone between the listing and now: the next pull sees it gone too.
                let Some(bytes) = self.store.join(path).read()? else {
                    continue;
                };
                Location::Local(local).put(&bytes)?;
            }
            for path in self.local_files(output)? {
                if !listed.iter().any(|(listed, _)| *listed == path) {
                    Location::Local(self.local.join(&path)).remove()?;
                }
            }
        }
        Ok(())
    }

    /// Uploads the working copy's `outputs` (files or directories) to the store, in the order
    /// given and each file whole (a file named twice is uploaded once); temporaries (hidden
    /// files) stay here. A directory here is what its task made of it: what the store holds
    /// under it beyond that (an older checkpoint, one a finished run removed) is removed.
    pub fn push(&self, outputs: &[Location]) -> Result<()> {
        if !self.is_remote() {
            return Ok(());
        }
        let wanted = self.working(outputs);
        let mut pushed = BTreeSet::new();
        for output in &wanted {
            for path in self.local_files(output)? {
                if !pushed.insert(path.clone()) {
                    continue;
                }
                let local = self.local.join(&path);
                let bytes = std::fs::read(&local)
                    .with_context(|| format!("{}: cannot read", local.display()))?;
                self.store.join(&path).put(&bytes)?;
            }
        }
        let dirs: Vec<String> = wanted
            .into_iter()
            .filter(|output| self.local.join(output).is_dir())
            .collect();
        if dirs.is_empty() {
            return Ok(());
        }
        let base = common_parent(&dirs);
        for (path, _) in self.store.join(&base).files()? {
            let path = join(&base, &path);
            let under = |dir: &String| path.starts_with(&format!("{dir}/"));
            if dirs.iter().any(under) && !is_hidden(&path) && !pushed.contains(&path) {
                self.store.join(&path).remove()?;
            }
        }
        Ok(())
    }
}

/// To the code that reads and writes the bench's files, a bench directory is its working copy
/// (on a local disk, the directory itself).
impl Deref for BenchDir {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.local
    }
}

impl AsRef<Path> for BenchDir {
    fn as_ref(&self) -> &Path {
        &self.local
    }
}

/// A bench directory is named by where it lives.
impl fmt::Display for BenchDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.store.fmt(f)
    }
}

/// The deepest directory holding every one of `paths` (`/`-separated); empty for the root.
fn common_parent(paths: &[String]) -> String {
    let parent = |path: &str| path.rsplit_once('/').map_or("", |(dir, _)| dir).to_string();
    let mut common: Vec<String> = parent(&paths[0]).split('/').map(String::from).collect();
    for path in &paths[1..] {
        let parts: Vec<String> = parent(path).split('/').map(String::from).collect();
        let same = common
            .iter()
            .zip(&parts)
            .take_while(|(a, b)| a == b)
            .count();
        common.truncate(same);
    }
    common.retain(|part| !part.is_empty());
    common.join("/")
}

fn join(base: &str, path: &str) -> String {
    match base.is_empty() {
        true => path.to_string(),
        false => format!("{base}/{path}"),
    }
}

/// A temporary of an atomic write (`.NAME.tmp`) or a lease: never a bench's file.
fn is_hidden(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|name| name.starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_parent_of_outputs_is_listed_once() {
        let paths = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            common_parent(&paths(&["plan.json", "tasks/launch.json"])),
            ""
        );
        assert_eq!(
            common_parent(&paths(&[
                "runs/near/cnn/sm-r000-s0",
                "runs/near/mlp/ft-r100-s1"
            ])),
            "runs/near"
        );
        assert_eq!(common_parent(&paths(&["gap/near.json"])), "gap");
    }

    #[test]
    fn a_local_bench_is_its_own_working_copy() {
        let dir = BenchDir::at(Location::Local(PathBuf::from("b"))).unwrap();
        assert_eq!(&*dir, Path::new("b"));
        assert_eq!(
            dir.place("tasks/00001.done"),
            Location::Local("b/tasks/00001.done".into())
        );
        assert!(!dir.is_remote());
        assert_eq!(dir.to_string(), "b");
    }
}
