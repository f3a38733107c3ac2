//! The adaptive search of the best share (`search = { tolerance = 0.1, budget = 0.4 }`): for
//! every pair, architecture and strategy of the share sweep, the bench trains shares 0, 0.5 and 1,
//! then, one probe at a time, the share the finished runs point to, until the 95 % interval of
//! r* is narrower than the tolerance or the budget is spent.
//!
//! Each probe is two kinds of tasks of the plan: a choice ([`crate::plan::Work::Choose`]), which
//! reads the finished runs it needs and writes its decision to a file, and one training per
//! seed ([`crate::plan::Work::Probe`]), which trains the share that file names (or nothing,
//! once the search has stopped). The plan stays a fixed list of numbered tasks, so the search
//! runs on every engine, resumes after a kill, and — the decision reading only finished runs,
//! which are deterministic — makes the same choices on every rerun.
//!
//! The rule: fit the mixing curves to the runs so far and bootstrap r* over seeds
//! (`report::optimum`); stop when the interval is at most `tolerance` wide and the grid share
//! nearest r* has been trained (a curve through three shares can be sure of a peak it never
//! saw); else probe the share of the grid (`shares`) not yet measured that lies nearest r* (the
//! lower on a tie); stop when none is left.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use datasets::point::{Hundredths, Point};
use serde::{Deserialize, Serialize};
use trainer::{ModelKind, Strategy};

use crate::config::Experiment;
use crate::plan::Cell;
use crate::report;

/// The experiment file's `search` table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Search {
    /// The search stops once r*'s 95 % interval is at most this wide (a share difference).
    pub tolerance: f64,
    /// The most runs it may use, as a fraction of the full grid's runs.
    pub budget: f64,
}

/// The shares every search starts from: 0, 0.5 and 1.
pub fn start() -> [Hundredths; 3] {
    [Hundredths::ZERO, Hundredths::rounded(0.5), Hundredths::ONE]
}

impl Search {
    /// What needs no data to check: the rule needs an interval (three seeds), a positive
    /// tolerance, its three starting shares in the grid, and a budget of at least them.
    pub fn check(&self, seeds: usize, grid: &[Hundredths]) -> Result<()> {
        if seeds < 3 {
            bail!(
                "search needs at least 3 seeds (r*'s interval is bootstrapped over seeds); the experiment has {seeds}"
            );
        }
        if !(self.tolerance > 0.0 && self.tolerance.is_finite()) {
            bail!(
                "search.tolerance {} must be a positive share difference, e.g. 0.1",
                self.tolerance
            );
        }
        if let Some(missing) = start().into_iter().find(|s| !grid.contains(s)) {
            bail!(
                "search starts from shares 0, 0.5 and 1, but `shares` has no {}: use a grid holding them, e.g. 0:1:0.1",
                missing.as_f64()
            );
        }
        if !(self.budget <= 1.0 && self.shares(grid.len()) >= start().len()) {
            bail!(
                "search.budget {} must be a fraction in (0, 1] of the grid's {} shares that allows at least the 3 starting ones (≥ {:.2})",
                self.budget,
                grid.len(),
                start().len() as f64 / grid.len() as f64
            );
        }
        Ok(())
    }

    /// The most shares a search may train: the budget's share of the grid.
    pub fn shares(&self, grid: usize) -> usize {
        (self.budget * grid as f64 + 1e-9).floor() as usize
    }

    /// The probes after the starting shares.
    pub fn probes(&self, grid: usize) -> usize {
        self.shares(grid).saturating_sub(start().len())
    }
}

/// r* and its 95 % interval (none with fewer than two seeds), where a curve could be fitted.
pub type Estimate = Option<(f64, Option<(f64, f64)>)>;

/// Which search a probe belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SearchKey {
    pub pair: String,
    pub model: ModelKind,
    pub strategy: Strategy,
}

/// A probe's decision, as its choice task writes it.
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

/// `OUT/search/<pair>/<arch>/<strategy>/probe-N.json`: a probe's decision.
pub fn choice_file(out: &Path, key: &SearchKey, probe: usize) -> PathBuf {
    out.join("search")
        .join(&key.pair)
        .join(key.model.to_string())
        .join(key.strategy.to_string())
        .join(format!("probe-{probe}.json"))
}

impl Choice {
    pub fn read(path: &Path) -> Result<Choice> {
        let text = std::fs::read(path)
            .with_context(|| format!("{}: cannot read the search's decision", path.display()))?;
        serde_json::from_slice(&text)
            .with_context(|| format!("{}: not a search decision", path.display()))
    }

    pub fn write(&self, path: &Path) -> Result<()> {
        crate::layout::write_json(path, self)
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

/// Decides probe `probe` of the search `key` from the finished runs (a stopped search stays
/// stopped) and writes the decision where its probes read it.
pub fn choose(
    out: &Path,
    key: &SearchKey,
    probe: usize,
    experiment: &Experiment,
) -> Result<Choice> {
    let search = experiment
        .search
        .context("the experiment has no search, but its plan holds a search's decision")?;
    let grid = &experiment.axes()?[0].values;
    let earlier = (probe > 1)
        .then(|| Choice::read(&choice_file(out, key, probe - 1)))
        .transpose()?;
    let choice = match earlier {
        Some(stopped) if stopped.share.is_none() => Choice {
            probe,
            reason: format!("stopped at probe {}", stopped.probe),
            ..stopped
        },
        _ => {
            let results = report::scan(out)?;
            let (measured, estimate) = report::search_estimate(&results, key);
            decide(probe, grid, measured, estimate, search.tolerance)
        }
    };
    choice.write(&choice_file(out, key, probe))?;
    Ok(choice)
}

/// The cell a probe's training of `seed` trains, or none once the search has stopped.
pub fn probe_cell(out: &Path, key: &SearchKey, probe: usize, seed: u64) -> Result<Option<Cell>> {
    let choice = Choice::read(&choice_file(out, key, probe))?;
    Ok(choice.share.map(|point| Cell {
        pair: key.pair.clone(),
        model: key.model,
        strategy: key.strategy,
        point,
        seed,
    }))
}

/// The decision of probe `probe` from the shares measured so far and r*'s estimate: see the
/// module docs for the rule.
pub fn decide(
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

    #[test]
    fn bad_searches_are_refused_in_one_line() {
        let grid = shares(&[0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]);
        let search = |tolerance, budget| Search { tolerance, budget };
        assert!(search(0.1, 0.4).check(3, &grid).is_ok());
        assert_eq!(search(0.1, 0.4).probes(grid.len()), 1);
        assert_eq!(search(0.1, 1.0).probes(grid.len()), 8);
        let err = |s: Search, seeds: usize, grid: &[Hundredths]| {
            s.check(seeds, grid).unwrap_err().to_string()
        };
        assert!(err(search(0.1, 0.4), 2, &grid).contains("at least 3 seeds"));
        assert!(err(search(0.0, 0.4), 3, &grid).contains("tolerance 0 must be a positive"));
        assert!(err(search(0.1, 0.2), 3, &grid).contains("allows at least the 3 starting"));
        assert!(err(search(0.1, 1.5), 3, &grid).contains("budget 1.5"));
        assert!(err(search(0.1, 1.0), 3, &shares(&[0.0, 0.4, 1.0])).contains("has no 0.5"));
    }
}
