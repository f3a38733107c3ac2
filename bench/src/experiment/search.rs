//! The experiment file's `search` table (`search = { tolerance = 0.1, budget = 0.4 }`): find
//! the best share of every pair, architecture and strategy of the share sweep from shares 0,
//! 0.5 and 1 and a few probes, instead of the whole grid. The probes themselves are tasks of
//! the plan (the decision, then one training per seed), which the bench's work describes.

use datasets::point::Hundredths;
use serde::{Deserialize, Serialize};

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
    /// The rule needs an interval (three seeds), a positive tolerance, its three starting
    /// shares in the grid, and a budget of at least them.
    pub fn check(&self, seeds: usize, grid: &[Hundredths]) -> Result<(), String> {
        if seeds < 3 {
            return Err(format!(
                "search needs at least 3 seeds (r*'s interval is bootstrapped over seeds); the experiment has {seeds}"
            ));
        }
        if !(self.tolerance > 0.0 && self.tolerance.is_finite()) {
            return Err(format!(
                "search.tolerance {} must be a positive share difference, e.g. 0.1",
                self.tolerance
            ));
        }
        if let Some(missing) = start().into_iter().find(|s| !grid.contains(s)) {
            return Err(format!(
                "search starts from shares 0, 0.5 and 1, but `shares` has no {}: use a grid holding them, e.g. 0:1:0.1",
                missing.as_f64()
            ));
        }
        if !(self.budget <= 1.0 && self.shares(grid.len()) >= start().len()) {
            return Err(format!(
                "search.budget {} must be a fraction in (0, 1] of the grid's {} shares that allows at least the 3 starting ones (≥ {:.2})",
                self.budget,
                grid.len(),
                start().len() as f64 / grid.len() as f64
            ));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn shares(list: &[f64]) -> Vec<Hundredths> {
        list.iter()
            .map(|&s| Hundredths::exact(s).unwrap())
            .collect()
    }

    #[test]
    fn bad_searches_are_refused_in_one_line() {
        let grid = shares(&[0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]);
        let search = |tolerance, budget| Search { tolerance, budget };
        assert!(search(0.1, 0.4).check(3, &grid).is_ok());
        assert_eq!(search(0.1, 0.4).probes(grid.len()), 1);
        assert_eq!(search(0.1, 1.0).probes(grid.len()), 8);
        let err = |s: Search, seeds: usize, grid: &[Hundredths]| s.check(seeds, grid).unwrap_err();
        assert!(err(search(0.1, 0.4), 2, &grid).contains("at least 3 seeds"));
        assert!(err(search(0.0, 0.4), 3, &grid).contains("tolerance 0 must be a positive"));
        assert!(err(search(0.1, 0.2), 3, &grid).contains("allows at least the 3 starting"));
        assert!(err(search(0.1, 1.5), 3, &grid).contains("budget 1.5"));
        assert!(err(search(0.1, 1.0), 3, &shares(&[0.0, 0.4, 1.0])).contains("has no 0.5"));
    }
}
