//! Per-epoch checkpoints of a run, so an interrupted run resumes where it stopped. A checkpoint
//! that cannot be read back (cut short by a crash, or damaged on disk) is set aside under a
//! `checkpoint.damaged-N` sibling with a warning, and the run starts again: the same seed and
//! data give the same result as a run that never had the fault, and the damaged files stay
//! for a look rather than being deleted.

use std::path::{Path, PathBuf};

use burn::optim::ModuleOptimizer;
use burn::prelude::*;
use burn::store::ModuleRecord;
use datasets::atomic::{sync, write_json};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The checkpoint's directory within a run directory.
pub const CHECKPOINT_DIR: &str = "checkpoint";

/// The files of the checkpoint in the run directory `run_dir`, in the order a copy of them must
/// be written for a reader of the copy to find a whole checkpoint at every moment: the model and
/// optimizer records, then the state that names them. None where the run has no readable
/// checkpoint.
pub fn publish_order(run_dir: &Path) -> Vec<PathBuf> {
    let checkpoint = Checkpoint::new(run_dir.join(CHECKPOINT_DIR), serde_json::Value::Null);
    let Ok(text) = std::fs::read_to_string(checkpoint.state_path()) else {
        return Vec::new();
    };
    let Ok(state) = serde_json::from_str::<CheckpointState>(&text) else {
        return Vec::new();
    };
    let (model, optimizer) = checkpoint.files(state.generation);
    vec![model, optimizer, checkpoint.state_path()]
}

/// One finished epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    pub phase: String,
    /// 1-based within the phase.
    pub epoch: usize,
    /// Mean training cross-entropy over the epoch.
    pub loss: f64,
    pub samples: usize,
    pub seconds: f64,
}

/// Where the loop stands: `epoch` epochs of phase `phase` are done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub phase: usize,
    pub epoch: usize,
}

/// The checkpoint of a run: `state.json` names the current model and optimizer files and is
/// replaced atomically after they are written, so a crash at any point leaves a consistent one.
pub struct Checkpoint {
    dir: PathBuf,
    /// What the run is (model and training configuration): a checkpoint of anything else is
    /// refused rather than silently continued.
    pub(crate) fingerprint: serde_json::Value,
}

/// What a checkpoint holds besides the model and optimizer files.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct CheckpointState {
    pub(crate) fingerprint: serde_json::Value,
    pub(crate) generation: u64,
    pub(crate) position: Position,
    pub(crate) epochs: Vec<EpochRecord>,
    pub(crate) seconds: f64,
}

impl Checkpoint {
    pub fn new(dir: impl Into<PathBuf>, fingerprint: serde_json::Value) -> Self {
        Checkpoint {
            dir: dir.into(),
            fingerprint,
        }
    }

    fn state_path(&self) -> PathBuf {
        self.dir.join("state.json")
    }

    pub(crate) fn files(&self, generation: u64) -> (PathBuf, PathBuf) {
        (
            self.dir.join(format!("model-{generation}.bpk")),
            self.dir.join(format!("optimizer-{generation}.bpk")),
        )
    }

    /// The saved model, optimizer and position to continue from, or `None` where there is no
    /// checkpoint, or only a damaged one (set aside here, so the run starts from the beginning).
    /// `model` and `optimizer` are the fresh ones the saved records are loaded into.
    pub(crate) fn resume<M: Module>(
        &self,
        model: &M,
        optimizer: ModuleOptimizer,
    ) -> Result<Option<(M, ModuleOptimizer, CheckpointState)>> {
        let damage = match self.load() {
            Ok(None) => return Ok(None),
            Ok(Some(state)) => match self.restore(model, optimizer, &state) {
                Ok((model, optimizer)) => return Ok(Some((model, optimizer, state))),
                Err(damage) => damage,
            },
            Err(Error::File { path, message }) if path == self.state_path() => (path, message),
            Err(other) => return Err(other),
        };
        self.set_aside(&damage.0, &damage.1)?;
        Ok(None)
    }

    /// Loads the records `state` names into `model` and `optimizer`; on failure, the file and why.
    fn restore<M: Module>(
        &self,
        model: &M,
        optimizer: ModuleOptimizer,
        state: &CheckpointState,
    ) -> Result<(M, ModuleOptimizer), (PathBuf, String)> {
        let (model_path, optimizer_path) = self.files(state.generation);
        let record =
            ModuleRecord::load(&model_path).map_err(|e| (model_path.clone(), e.to_string()))?;
        let model = model
            .clone()
            .try_load_record(record)
            .map_err(|e| (model_path.clone(), e.to_string()))?;
        let optimizer = optimizer
            .load(&optimizer_path)
            .map_err(|e| (optimizer_path, e.to_string()))?;
        Ok((model, optimizer))
    }

    /// Moves the checkpoint directory to the first free `checkpoint.damaged-N` beside it and
    /// says so once: `path` could not be read back because of `reason`.
    fn set_aside(&self, path: &Path, reason: &str) -> Result<()> {
        let name = self
            .dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let aside = (1..)
            .map(|n| self.dir.with_file_name(format!("{name}.damaged-{n}")))
            .find(|p| !p.exists())
            .expect("some number is free");
        std::fs::rename(&self.dir, &aside).map_err(|e| Error::io(&aside, e))?;
        tracing::warn!(
            "{}: damaged checkpoint ({reason}); moved to {} and training from the start",
            path.display(),
            aside.display()
        );
        Ok(())
    }

    /// The saved state, or `None` where there is no checkpoint. State that does not parse is an
    /// [`Error::File`] naming `state.json`; a checkpoint of another run is refused.
    pub(crate) fn load(&self) -> Result<Option<CheckpointState>> {
        let path = self.state_path();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(&path, e)),
        };
        let state: CheckpointState =
            serde_json::from_str(&text).map_err(|e| Error::file(&path, e))?;
        if state.fingerprint != self.fingerprint {
            return Err(Error::file(
                &self.dir,
                "holds the checkpoint of a run with another model or configuration; delete it or train into another directory",
            ));
        }
        Ok(Some(state))
    }

    pub(crate) fn save<M: Module>(
        &self,
        model: &M,
        optimizer: &ModuleOptimizer,
        state: &CheckpointState,
    ) -> Result<()> {
        std::fs::create_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        let (model_path, optimizer_path) = self.files(state.generation);
        model
            .clone()
            .into_record()
            .save(&model_path)
            .map_err(|e| Error::file(&model_path, e))?;
        optimizer
            .save(&optimizer_path)
            .map_err(|e| Error::file(&optimizer_path, e))?;
        // On disk before the state that names them is (write_atomic syncs the state itself).
        sync(&model_path)?;
        sync(&optimizer_path)?;
        write_json(&self.state_path(), state)?;
        if let Some(previous) = state.generation.checked_sub(1) {
            let (old_model, old_optimizer) = self.files(previous);
            // Best effort: a leftover file only costs disk space.
            let _ = std::fs::remove_file(old_model);
            let _ = std::fs::remove_file(old_optimizer);
        }
        Ok(())
    }

    /// Removes the checkpoint, once the run's result is written.
    pub fn remove(&self) -> Result<()> {
        match std::fs::remove_dir_all(&self.dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(&self.dir, e)),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_is_published_records_first_and_the_state_naming_them_last() {
        let run = tempfile::tempdir().unwrap();
        assert!(publish_order(run.path()).is_empty());
        let dir = run.path().join(CHECKPOINT_DIR);
        let state = CheckpointState {
            fingerprint: serde_json::json!({"model": "mlp"}),
            generation: 3,
            position: Position { phase: 0, epoch: 3 },
            epochs: Vec::new(),
            seconds: 0.0,
        };
        write_json(&dir.join("state.json"), &state).unwrap();
        assert_eq!(
            publish_order(run.path()),
            ["model-3.bpk", "optimizer-3.bpk", "state.json"].map(|f| dir.join(f))
        );
    }
}
