//! Import a built-in real dataset (or check a given one) and cut its test subset: the real data
//! of every pair that reads it.

use std::fmt;

use anyhow::Result;
use datasets::Location;
use serde::{Deserialize, Serialize};

use super::{Context, Kind, dataset_damaged, inputs};
use crate::dir::BenchDir;
use crate::experiment::RealSource;
use crate::layout;
use crate::stage::Stage;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Import {
    pub source: RealSource,
}

impl fmt::Display for Import {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            RealSource::Builtin(name) => write!(f, "import {name}"),
            RealSource::Dataset(dir) => write!(f, "check {}", dir.display()),
        }
    }
}

impl Kind for Import {
    fn stage(&self) -> Stage {
        Stage::Import
    }

    fn run(&self, context: &Context) -> Result<String> {
        let out = &context.options.out;
        match &self.source {
            RealSource::Builtin(name) => inputs::redo_if_damaged(layout::real_dataset(out, name))?,
            RealSource::Dataset(dir) => inputs::refuse_if_damaged(dir)?,
        }
        // The record says which real test rows score the runs.
        let real = inputs::prepare_real(&self.source, context.experiment, context.options)?;
        Ok(format!(
            "{}; runs scored on {}",
            real.dir.display(),
            real.test.describe()
        ))
    }

    fn outputs(&self, out: &BenchDir) -> Vec<Location> {
        match &self.source {
            RealSource::Builtin(name) => vec![layout::real_dataset(out, name)],
            // The user's to restore, not the bench's to make.
            RealSource::Dataset(_) => Vec::new(),
        }
    }

    fn damaged(&self, out: &BenchDir) -> Option<String> {
        match &self.source {
            RealSource::Builtin(name) => dataset_damaged(layout::real_dataset(out, name)),
            RealSource::Dataset(dir) => dataset_damaged(dir),
        }
    }
}
