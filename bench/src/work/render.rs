//! Render a generator preset (built in or a preset file) for every pair that pairs it.

use std::fmt;

use anyhow::Result;
use datasets::Location;
use serde::{Deserialize, Serialize};

use super::{Context, Kind, dataset_damaged, inputs};
use crate::dir::BenchDir;
use crate::layout;
use crate::stage::Stage;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Render {
    /// The preset as the experiment names it: a built-in name or a preset file's path.
    pub preset: String,
}

impl Render {
    /// Where the bench renders it, under the preset's own name; none if the preset cannot be
    /// read any more (the run says why).
    fn dataset(&self, out: &BenchDir) -> Option<Location> {
        let spec = generator::PresetSpec::parse(&self.preset).ok()?;
        Some(layout::synthetic_dataset(out, spec.name()))
    }
}

impl fmt::Display for Render {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "render {}", self.preset)
    }
}

impl Kind for Render {
    fn stage(&self) -> Stage {
        Stage::Render
    }

    fn run(&self, context: &Context) -> Result<String> {
        if let Some(dir) = self.dataset(&context.options.out) {
            inputs::redo_if_damaged(dir)?;
        }
        let dir = inputs::prepare_render(&self.preset, context.experiment, context.options)?;
        Ok(format!("{}", dir.display()))
    }

    fn outputs(&self, out: &BenchDir) -> Vec<Location> {
        self.dataset(out).into_iter().collect()
    }

    fn damaged(&self, out: &BenchDir) -> Option<String> {
        match self.dataset(out) {
            Some(dir) => dataset_damaged(&dir),
            None => Some(format!("{}: cannot be read", self.preset)),
        }
    }
}
