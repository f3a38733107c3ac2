//! The one lock discipline of the writers of a directory. On a local disk, an advisory lock
//! (`flock`) on the directory itself: the kernel drops it when its holder exits or is killed,
//! so a crashed writer never leaves a stale lock behind, and no lock file joins the directory's
//! entries. On an object store, which has no `flock`, a lease object `.synmix-lock` under the
//! prefix ([`crate::store::lease`]): renewed while held, deleted when let go, taken over once
//! expired when its holder died.
//!
//! A writer that owns a directory for its whole run (the mixer's output) takes it with
//! [`DirLock::take`] and is refused at once while another process holds it; writers that
//! only take turns at one step (the shard writers of one dataset finishing it) wait with
//! [`DirLock::wait`].

use std::fs::{File, TryLockError};

use crate::error::{Error, IoContext, OutputConflict, Result};
use crate::store::Location;
use crate::store::lease::Lease;

/// The lease object of a directory on an object store.
pub const LEASE_NAME: &str = ".synmix-lock";

/// An exclusive lock on a directory, held until dropped.
pub enum DirLock {
    Local(File),
    Lease(Lease),
}

impl DirLock {
    /// Creates `dir` (and its parents) if needed and locks it, or refuses with
    /// [`OutputConflict::Busy`] where another process holds the lock.
    pub fn take(dir: impl Into<Location>) -> Result<DirLock> {
        let dir = dir.into();
        match &dir {
            Location::Local(path) => {
                std::fs::create_dir_all(path).at(path)?;
                let file = File::open(path).at(path)?;
                match file.try_lock() {
                    Ok(()) => Ok(DirLock::Local(file)),
                    Err(TryLockError::WouldBlock) => {
                        Err(Error::output_in_use(path, OutputConflict::Busy))
                    }
                    Err(TryLockError::Error(e)) => Err(Error::io(path, e)),
                }
            }
            Location::Object(place) => match Lease::try_take(&place.join(LEASE_NAME))? {
                Some(lease) => Ok(DirLock::Lease(lease)),
                None => Err(Error::output_in_use(dir.shown(), OutputConflict::Busy)),
            },
        }
    }

    /// Locks the existing `dir`, waiting while another process holds the lock.
    pub fn wait(dir: impl Into<Location>) -> Result<DirLock> {
        match dir.into() {
            Location::Local(path) => {
                let file = File::open(&path).at(&path)?;
                file.lock().at(&path)?;
                Ok(DirLock::Local(file))
            }
            Location::Object(place) => Ok(DirLock::Lease(Lease::wait(&place.join(LEASE_NAME))?)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_taker_is_refused_until_the_first_lets_go() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let first = DirLock::take(&dir).unwrap();
        let err = DirLock::take(&dir).err().unwrap();
        assert!(
            matches!(
                &err,
                Error::OutputInUse {
                    conflict: OutputConflict::Busy,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("another synmix process"), "{err}");
        drop(first);
        let _again = DirLock::take(&dir).unwrap();
    }
}
