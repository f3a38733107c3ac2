//! Decide one probe of an adaptive search of the best share: read the finished runs of its
//! pair, architecture and strategy, and write which share its trainings train next, or that
//! the search has stopped (`OUT/search/…/probe-N.json`). The plan stays a fixed list of
//! numbered tasks, so the search runs on every engine, resumes after a kill, and — a decision
//! reading only finished runs, which are deterministic — makes the same choices on every rerun.
//!
//! The rule is the decision record's own ([`Choice::decide`]), so that every reader can check a
//! decision against what it records; r* comes from [`crate::analysis::optimum`], fitted to the
//! runs of the shares the search counts ([`counted`]).

use std::fmt;

use anyhow::{Context as _, Result};
use datasets::Location;
use datasets::point::Point;
use serde::{Deserialize, Serialize};

use super::{Context, Kind};
use crate::analysis::optimum::search_estimate;
use crate::dir::BenchDir;
use crate::records::{Basis, Choice, SearchKey, counted, decisions, scan};
use crate::stage::Stage;

/// Decide probe `probe` (1-based) of the search `search`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Choose {
    pub search: SearchKey,
    pub probe: usize,
}

impl fmt::Display for Choose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let k = &self.search;
        write!(
            f,
            "choose {} {} {} probe {}",
            k.pair, k.model, k.strategy, self.probe
        )
    }
}

impl Kind for Choose {
    fn stage(&self) -> Stage {
        Stage::Train
    }

    /// Decides from the finished runs (a stopped search stays stopped) and writes the decision
    /// where the probe's trainings read it.
    fn run(&self, context: &Context) -> Result<String> {
        let (experiment, out) = (context.experiment, &context.options.out);
        let search = experiment
            .search
            .context("the experiment has no search, but its plan holds a search's decision")?;
        let (key, probe) = (&self.search, self.probe);
        let earlier = decisions(out, key, probe - 1).collect::<Result<Vec<Choice>, _>>()?;
        let choice = match earlier.last() {
            Some(stopped) if stopped.share.is_none() => Choice {
                probe,
                reason: format!("stopped at probe {}", stopped.probe),
                ..stopped.clone()
            },
            _ => {
                let results = scan(out)?;
                let (measured, estimate) = search_estimate(&results, key, &counted(&earlier));
                let basis = Basis {
                    grid: experiment
                        .shares
                        .values()
                        .iter()
                        .map(|&s| Point::Share(s))
                        .collect(),
                    tolerance: search.tolerance,
                };
                Choice::decide(probe, basis, measured, estimate)
            }
        };
        choice.write(out, key)?;
        Ok(choice.describe())
    }

    fn outputs(&self, out: &BenchDir) -> Vec<Location> {
        vec![self.search.decision_file(out, self.probe).into()]
    }

    fn damaged(&self, out: &BenchDir) -> Option<String> {
        Choice::read(out, &self.search, self.probe)
            .err()
            .map(|e| format!("{e:#}"))
    }

    /// A decision reads the runs that succeeded, like the report.
    fn reads_failures(&self) -> bool {
        true
    }

    fn summarises(&self) -> bool {
        true
    }
}
