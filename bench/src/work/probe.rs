//! Train one seed of the share a search's probe decided ([`super::Choose`]), or nothing once the
//! search has stopped.

use std::fmt;
use std::path::Path;

use anyhow::Result;
use datasets::Location;
use serde::{Deserialize, Serialize};

use super::{Cell, Context, Kind};
use crate::dir::BenchDir;
use crate::records::{Choice, SearchKey};
use crate::stage::Stage;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Probe {
    pub search: SearchKey,
    pub probe: usize,
    pub seed: u64,
}

impl Probe {
    /// The cell the decision names, or none once the search has stopped.
    fn cell(&self, out: &Path) -> Result<Option<Cell>> {
        let choice = Choice::read(out, &self.search, self.probe)?;
        let key = &self.search;
        Ok(choice.share.map(|point| Cell {
            pair: key.pair.clone(),
            model: key.model,
            strategy: key.strategy,
            point,
            seed: self.seed,
        }))
    }
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let k = &self.search;
        write!(
            f,
            "train {} {} {} probe {} seed {}",
            k.pair, k.model, k.strategy, self.probe, self.seed
        )
    }
}

impl Kind for Probe {
    fn stage(&self) -> Stage {
        Stage::Train
    }

    fn run(&self, context: &Context) -> Result<String> {
        match self.cell(&context.options.out)? {
            Some(cell) => cell.train(context),
            None => Ok(format!(
                "nothing to train: the search stopped by probe {}",
                self.probe
            )),
        }
    }

    /// The run of the decision's cell, once the decision is there.
    fn outputs(&self, out: &BenchDir) -> Vec<Location> {
        match self.cell(out) {
            Ok(Some(cell)) => vec![cell.dir(out).into()],
            _ => Vec::new(),
        }
    }

    fn damaged(&self, out: &BenchDir) -> Option<String> {
        match self.cell(out) {
            Ok(Some(cell)) => cell.damaged(out),
            Ok(None) => None,
            Err(e) => Some(format!("{e:#}")),
        }
    }
}
