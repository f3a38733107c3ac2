//! An adaptive search's decisions (`OUT/search/<pair>/<arch>/<strategy>/probe-N.json`): which
//! share a probe trains, or that the search has stopped, and why. The decision task writes one;
//! the probe's trainings and the report read it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use datasets::point::{Point, Strategy};
use serde::{Deserialize, Serialize};
use trainer::ModelKind;

use crate::layout;

/// Which search a probe belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SearchKey {
    pub pair: String,
    pub model: ModelKind,
    pub strategy: Strategy,
}

impl SearchKey {
    /// Where probe `probe` (1-based) of this search keeps its decision.
    pub fn decision_file(&self, out: &Path, probe: usize) -> PathBuf {
        layout::decision_file(out, &self.pair, self.model, self.strategy, probe)
    }
}

/// A probe's decision, as its decision task writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    /// 1-based.
    pub probe: usize,
    /// The share to train, or none: the search has stopped.
    pub share: Option<Point>,
    /// r* and its 95 % interval from the runs the decision read, where they could be had.
    pub r_star: Option<f64>,
    pub interval: Option<(f64, f64)>,
    /// The shares measured when deciding.
    pub measured: Vec<Point>,
    /// Why, in words.
    pub reason: String,
}

impl Choice {
    /// The decision of probe `probe` of `key` in the bench directory `out`.
    pub fn read(out: &Path, key: &SearchKey, probe: usize) -> Result<Choice> {
        let path = key.decision_file(out, probe);
        let text = std::fs::read(&path)
            .with_context(|| format!("{}: cannot read the search's decision", path.display()))?;
        serde_json::from_slice(&text)
            .with_context(|| format!("{}: not a search decision", path.display()))
    }

    pub fn write(&self, out: &Path, key: &SearchKey) -> Result<()> {
        Ok(datasets::atomic::write_json(
            &key.decision_file(out, self.probe),
            self,
        )?)
    }

    /// The decision in one line, for the task's completion record.
    pub fn describe(&self) -> String {
        let estimate = match (self.r_star, self.interval) {
            (Some(r), Some((lo, hi))) => format!("r* {r:.2} [{lo:.2}, {hi:.2}]"),
            (Some(r), None) => format!("r* {r:.2}"),
            _ => "no r* yet".to_string(),
        };
        match self.share {
            Some(share) => format!(
                "probe {}: share {:.2} ({estimate}; {})",
                self.probe,
                share.value().as_f64(),
                self.reason
            ),
            None => format!(
                "probe {}: stopped ({estimate}; {})",
                self.probe, self.reason
            ),
        }
    }
}
