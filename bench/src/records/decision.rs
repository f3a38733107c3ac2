//! An adaptive search's decisions (`OUT/search/<pair>/<arch>/<strategy>/probe-N.json`): which
//! share a probe trains, or that the search has stopped, and why. The decision task writes one;
//! the probe's trainings and the report read it.
//!
//! The rule that gives a decision lives with its record ([`Choice::decide`]), because every
//! reader checks it: a decision records what it was decided from — the grid, the tolerance, the
//! shares measured and r*'s estimate — and [`Choice::read`] refuses one whose share (or stop)
//! the rule does not give from them, so a record edited by hand is found as damaged rather than
//! steering the search. What a search counts of the runs is the runs at its starting shares and
//! at the shares its decisions chose ([`counted`]): a run of a share no decision names any more
//! (its decision was made again from runs retried since) counts for nothing.

use std::path::{Path, PathBuf};

use datasets::point::{Point, Strategy};
use serde::{Deserialize, Serialize};
use trainer::ModelKind;

use crate::error::DamagedInput;
use crate::experiment::search_start;
use crate::layout;

/// r* and its 95 % interval (none with fewer than two seeds), where a curve could be fitted.
pub type RStar = Option<(f64, Option<(f64, f64)>)>;

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

/// What a decision was decided from beside the runs: the experiment's grid and tolerance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Basis {
    /// The shares a search may train.
    pub grid: Vec<Point>,
    /// The width of r*'s interval at which it stops.
    pub tolerance: f64,
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
    /// The grid and tolerance; absent from the records synmix wrote before it recorded them,
    /// which are read unchecked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<Basis>,
}

impl Choice {
    /// The decision of probe `probe` from the shares measured so far and r*'s estimate: fit the
    /// mixing curves to the runs so far and bootstrap r* over seeds; stop when the interval is
    /// at most the tolerance wide and the grid share nearest r* has been trained (a curve
    /// through three shares can be sure of a peak it never saw); else probe the share of the
    /// grid not yet measured that lies nearest r* (the lower on a tie); stop when none is left.
    pub fn decide(probe: usize, basis: Basis, measured: Vec<Point>, estimate: RStar) -> Choice {
        let (r_star, interval) = match estimate {
            Some((r, interval)) => (Some(r), interval),
            None => (None, None),
        };
        let tolerance = basis.tolerance;
        let choice = |share: Option<Point>, reason: String| Choice {
            probe,
            share,
            r_star,
            interval,
            measured: measured.clone(),
            reason,
            basis: Some(basis.clone()),
        };
        let Some(r) = r_star else {
            return choice(None, "no curve could be fitted to the runs so far".into());
        };
        let nearest = |points: &mut dyn Iterator<Item = Point>| {
            points.min_by(|a, b| {
                let distance = |p: &Point| (p.value().as_f64() - r).abs();
                distance(a).total_cmp(&distance(b)).then(a.cmp(b))
            })
        };
        let at_r_star = nearest(&mut basis.grid.iter().copied());
        if let Some((lo, hi)) = interval
            && hi - lo <= tolerance
            && at_r_star.is_some_and(|p| measured.contains(&p))
        {
            return choice(
                None,
                format!(
                    "the interval is {:.2} wide, within the tolerance {tolerance}",
                    hi - lo
                ),
            );
        }
        let next = nearest(&mut basis.grid.iter().copied().filter(|p| !measured.contains(p)));
        match next {
            Some(share) => choice(Some(share), "the unmeasured share nearest r*".into()),
            None => choice(None, "every share of the grid is measured".into()),
        }
    }

    /// The decision of probe `probe` of `key` in the bench directory `out`, if it can be
    /// trusted: readable, of that probe, and its share (or stop) the one the rule gives from
    /// what it records.
    pub fn read(out: &Path, key: &SearchKey, probe: usize) -> Result<Choice, DamagedInput> {
        let path = key.decision_file(out, probe);
        let damaged = |why: String| DamagedInput {
            path: path.clone().into(),
            why,
        };
        let text = std::fs::read(&path).map_err(|e| damaged(format!("cannot be read: {e}")))?;
        let choice: Choice = serde_json::from_slice(&text)
            .map_err(|e| damaged(format!("not a search decision: {e}")))?;
        if choice.probe != probe {
            return Err(damaged(format!("it records probe {}", choice.probe)));
        }
        if let Some(basis) = &choice.basis {
            let estimate = choice.r_star.map(|r| (r, choice.interval));
            let rule = Choice::decide(probe, basis.clone(), choice.measured.clone(), estimate);
            if rule.share != choice.share {
                return Err(damaged(format!(
                    "it names {}, but the rule gives {} from the shares and r* it records: edited since it was decided",
                    words(choice.share),
                    words(rule.share)
                )));
            }
        }
        Ok(choice)
    }

    pub fn write(&self, out: &Path, key: &SearchKey) -> anyhow::Result<()> {
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

/// A decision's share in words.
fn words(share: Option<Point>) -> String {
    match share {
        Some(share) => format!("share {share}"),
        None => "a stop".into(),
    }
}

/// The decisions of `key` from probe 1 on, as far as probe `probes` or the first that stopped
/// the search, each read by [`Choice::read`], ending with the first that cannot be trusted.
pub fn decisions(
    out: &Path,
    key: &SearchKey,
    probes: usize,
) -> impl Iterator<Item = Result<Choice, DamagedInput>> {
    let mut stopped = false;
    (1..=probes).map_while(move |probe| {
        if stopped {
            return None;
        }
        let choice = Choice::read(out, key, probe);
        stopped = !choice.as_ref().is_ok_and(|c| c.share.is_some());
        Some(choice)
    })
}

/// The shares a search counts the runs of after `decisions`: its starting shares and the
/// shares those decisions chose.
pub fn counted(decisions: &[Choice]) -> Vec<Point> {
    let chosen = decisions.iter().filter_map(|choice| choice.share);
    let mut shares: Vec<Point> = search_start()
        .into_iter()
        .map(Point::Share)
        .chain(chosen)
        .collect();
    shares.sort();
    shares.dedup();
    shares
}

#[cfg(test)]
mod tests;
