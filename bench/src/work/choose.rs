//! Decide one probe of an adaptive search of the best share: read the finished runs of its
//! pair, architecture and strategy, and write which share its trainings train next, or that
//! the search has stopped (`OUT/search/…/probe-N.json`). The plan stays a fixed list of
//! numbered tasks, so the search runs on every engine, resumes after a kill, and — a decision
//! reading only finished runs, which are deterministic — makes the same choices on every rerun.
//!
//! The rule: fit the mixing curves to the runs so far and bootstrap r* over seeds
//! ([`crate::analysis::optimum`]); stop when the interval is at most the tolerance wide and the
//! grid share nearest r* has been trained (a curve through three shares can be sure of a peak
//! it never saw); else probe the share of the grid not yet measured that lies nearest r* (the
//! lower on a tie); stop when none is left.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use datasets::point::{Hundredths, Point};
use serde::{Deserialize, Serialize};

use super::{Context, Kind};
use crate::analysis::optimum::{Estimate, search_estimate};
use crate::records::{Choice, SearchKey, scan};
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
        let earlier = (probe > 1)
            .then(|| Choice::read(out, key, probe - 1))
            .transpose()?;
        let choice = match earlier {
            Some(stopped) if stopped.share.is_none() => Choice {
                probe,
                reason: format!("stopped at probe {}", stopped.probe),
                ..stopped
            },
            _ => {
                let results = scan(out)?;
                let (measured, estimate) = search_estimate(&results, key);
                decide(
                    probe,
                    experiment.shares.values(),
                    measured,
                    estimate,
                    search.tolerance,
                )
            }
        };
        choice.write(out, key)?;
        Ok(choice.describe())
    }

    fn outputs(&self, out: &Path) -> Vec<PathBuf> {
        vec![self.search.decision_file(out, self.probe)]
    }

    fn damaged(&self, out: &Path) -> Option<String> {
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

/// The decision of probe `probe` from the shares measured so far and r*'s estimate: see the
/// module docs for the rule.
fn decide(
    probe: usize,
    grid: &[Hundredths],
    measured: Vec<Point>,
    estimate: Estimate,
    tolerance: f64,
) -> Choice {
    let (r_star, interval) = match estimate {
        Some((r, interval)) => (Some(r), interval),
        None => (None, None),
    };
    let stop = |reason: String| Choice {
        probe,
        share: None,
        r_star,
        interval,
        measured: measured.clone(),
        reason,
    };
    let Some(r) = r_star else {
        return stop("no curve could be fitted to the runs so far".into());
    };
    let nearest = |points: &mut dyn Iterator<Item = Point>| {
        points.min_by(|a, b| {
            let distance = |p: &Point| (p.value().as_f64() - r).abs();
            distance(a).total_cmp(&distance(b)).then(a.cmp(b))
        })
    };
    let at_r_star = nearest(&mut grid.iter().map(|&s| Point::Share(s)));
    if let Some((lo, hi)) = interval
        && hi - lo <= tolerance
        && at_r_star.is_some_and(|p| measured.contains(&p))
    {
        return stop(format!(
            "the interval is {:.2} wide, within the tolerance {tolerance}",
            hi - lo
        ));
    }
    let next = nearest(
        &mut grid
            .iter()
            .map(|&s| Point::Share(s))
            .filter(|p| !measured.contains(p)),
    );
    match next {
        Some(share) => Choice {
            probe,
            share: Some(share),
            r_star,
            interval,
            measured,
            reason: "the unmeasured share nearest r*".into(),
        },
        None => stop("every share of the grid is measured".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shares(list: &[f64]) -> Vec<Hundredths> {
        list.iter()
            .map(|&s| Hundredths::exact(s).unwrap())
            .collect()
    }

    fn points(list: &[f64]) -> Vec<Point> {
        shares(list).into_iter().map(Point::Share).collect()
    }

    #[test]
    fn the_next_share_is_the_unmeasured_one_nearest_r_star() {
        let grid = shares(&[0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]);
        let measured = points(&[0.0, 0.5, 1.0]);
        let choice = decide(
            1,
            &grid,
            measured.clone(),
            Some((0.27, Some((0.1, 0.45)))),
            0.1,
        );
        assert_eq!(choice.share, Some(points(&[0.3])[0]));
        // A tie goes to the lower share.
        let choice = decide(
            1,
            &grid,
            measured.clone(),
            Some((0.25, Some((0.1, 0.45)))),
            0.1,
        );
        assert_eq!(choice.share, Some(points(&[0.2])[0]));
        // r* at a measured share: the nearest unmeasured one.
        let choice = decide(2, &grid, measured, Some((0.5, Some((0.3, 0.7)))), 0.1);
        assert_eq!(choice.share, Some(points(&[0.4])[0]));
    }

    #[test]
    fn the_search_stops_on_a_narrow_interval_no_curve_or_a_full_grid() {
        let grid = shares(&[0.0, 0.5, 1.0]);
        let four = shares(&[0.0, 0.1, 0.5, 1.0]);
        let estimate = Some((0.2, Some((0.15, 0.24))));
        // Narrow, but around a share never trained: that share first.
        let unseen = decide(1, &four, points(&[0.0, 0.5, 1.0]), estimate, 0.1);
        assert_eq!(unseen.share, Some(points(&[0.1])[0]));
        let narrow = decide(1, &four, points(&[0.0, 0.1, 0.5, 1.0]), estimate, 0.1);
        assert_eq!(narrow.share, None);
        assert!(
            narrow.reason.contains("within the tolerance"),
            "{}",
            narrow.reason
        );
        assert_eq!(decide(1, &grid, points(&[0.0]), None, 0.1).share, None);
        let full = decide(1, &grid, points(&[0.0, 0.5, 1.0]), Some((0.2, None)), 0.1);
        assert!(full.reason.contains("every share"), "{}", full.reason);
    }
}
