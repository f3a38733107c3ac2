//! The one lock discipline of the writers of a directory: an advisory lock (`flock`) on the
//! directory itself. The kernel drops it when its holder exits or is killed, so a crashed
//! writer never leaves a stale lock behind, and no lock file joins the directory's entries.
//!
//! A writer that owns a directory for its whole run (the mixer's output) takes it with
//! [`DirLock::take`] and is refused at once while another process holds it; writers that
//! only take turns at one step (the shard writers of one dataset finishing it) wait with
//! [`DirLock::wait`].

use std::fs::{File, TryLockError};
use std::path::Path;

use crate::error::{Error, IoContext, OutputConflict, Result};

/// An exclusive lock on a directory, held until dropped.
#[derive(Debug)]
pub struct DirLock {
    _dir: File,
}

impl DirLock {
    /// Creates `dir` (and its parents) if needed and locks it, or refuses with
    /// [`OutputConflict::Busy`] where another process holds the lock.
    pub fn take(dir: &Path) -> Result<DirLock> {
        std::fs::create_dir_all(dir).at(dir)?;
        let file = File::open(dir).at(dir)?;
        match file.try_lock() {
            Ok(()) => Ok(DirLock { _dir: file }),
            Err(TryLockError::WouldBlock) => Err(Error::output_in_use(dir, OutputConflict::Busy)),
            Err(TryLockError::Error(e)) => Err(Error::io(dir, e)),
        }
    }

    /// Locks the existing `dir`, waiting while another process holds the lock.
    pub fn wait(dir: &Path) -> Result<DirLock> {
        let file = File::open(dir).at(dir)?;
        file.lock().at(dir)?;
        Ok(DirLock { _dir: file })
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
        let err = DirLock::take(&dir).unwrap_err();
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
