//! Per-epoch checkpoints of a run, so an interrupted run resumes where it stopped.

use std::path::PathBuf;

use burn::optim::ModuleOptimizer;
use burn::prelude::*;
use datasets::atomic::write_atomic;
use serde::{Deserialize, Serialize};

use crate::train::EpochRecord;
use crate::{Error, Result};

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
        write_atomic(
            &self.state_path(),
            &serde_json::to_vec_pretty(state).expect("checkpoint state serialises"),
        )?;
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
