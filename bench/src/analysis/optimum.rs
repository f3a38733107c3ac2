//! The best share of a strategy with its uncertainty: r*, where the better-fitting mixing curve
//! peaks, the accuracy the curve gives there and its gain over real only, each with a 95 %
//! percentile interval from a bootstrap over seeds — whole seeds are drawn with replacement, so
//! a resample keeps every run of the seeds it draws, and the same curve family is fitted again.
//! A seed is the unit that repeats an experiment (its subsets, initialisation and order), so it
//! is the unit resampled.

use datasets::point::{Point, Regime};

use super::fit::Fit;
use super::groups::Series;
use super::stats::bootstrap_over_seeds;
use crate::records::{CellResult, RStar, SearchKey};

/// The best share of one series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Optimum {
    /// The curve r* comes from.
    pub fit: Fit,
    /// r*: where the curve peaks in [0, 1].
    pub share: f64,
    /// The curve's accuracy at r* (at r* = 0, the measured real-only accuracy).
    pub accuracy: f64,
    /// That accuracy minus the mean real-only (share 0) accuracy: 0 at r* = 0.
    pub gain: f64,
    /// 95 % intervals of r* and of the gain; none with fewer than two seeds.
    pub intervals: Option<Intervals>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Intervals {
    pub share: (f64, f64),
    pub gain: (f64, f64),
}

/// The optimum of `series` (share sweep), if a curve was fitted and share 0 was measured.
pub fn optimum(series: &Series) -> Option<Optimum> {
    let fit = series.best_fit()?;
    let seeds = series.seeds();
    let (share, accuracy, gain) = estimate(fit, series, &seeds)?;
    let intervals = bootstrap_over_seeds(&seeds, |drawn| {
        estimate(fit, series, drawn).map(|(share, _, gain)| vec![share, gain])
    })
    .map(|i| Intervals {
        share: i[0],
        gain: i[1],
    });
    Some(Optimum {
        fit,
        share,
        accuracy,
        gain,
        intervals,
    })
}

/// What an adaptive search reads of the runs of its pair, architecture and strategy in the
/// share sweep: the shares with a successful run, and r* with its 95 % interval (where a curve
/// could be fitted; no interval with fewer than two seeds).
pub fn search_estimate(
    results: &[CellResult],
    key: &SearchKey,
    counted: &[Point],
) -> (Vec<Point>, RStar) {
    let cells: Vec<&CellResult> = results
        .iter()
        .filter(|c| c.pair == key.pair && c.model == key.model)
        .filter(|c| c.regime() == Regime::FixedSize && counted.contains(&c.point))
        .collect();
    let series = Series::new(key.strategy, Regime::FixedSize, &cells);
    let measured = series.by_share.keys().copied().collect();
    let estimate = optimum(&series).map(|o| (o.share, o.intervals.map(|i| i.share)));
    (measured, estimate)
}

/// r*, the accuracy there and the gain over real only, from the runs of `seeds` (a seed drawn
/// twice counts twice); none if the curve cannot be fitted or share 0 has no run.
fn estimate(family: Fit, series: &Series, seeds: &[u64]) -> Option<(f64, f64, f64)> {
    let mut points = Vec::new();
    let mut real_only = Vec::new();
    for &seed in seeds {
        for (&(point, run_seed), &accuracy) in &series.by_seed {
            if run_seed != seed {
                continue;
            }
            let Point::Share(share) = point else {
                return None; // curves are laws of the share
            };
            points.push((share.as_f64(), accuracy));
            if point.is_endpoint() && share.get() == 0 {
                real_only.push(accuracy);
            }
        }
    }
    if real_only.is_empty() {
        return None;
    }
    let fit = family.refit(&points)?;
    let share = fit.best_share();
    let real = real_only.iter().sum::<f64>() / real_only.len() as f64;
    // At share 0 the best is real only itself: its measured accuracy, and no gain by
    // definition (the curve's value there is only an approximation of it).
    if share <= 0.0 {
        return Some((0.0, real, 0.0));
    }
    let accuracy = fit.eval(share);
    Some((share, accuracy, accuracy - real))
}

#[cfg(test)]
mod tests {
    use datasets::point::{Hundredths, Regime};
    use trainer::Strategy;

    use super::*;
    use crate::records::CellResult;

    /// Runs whose accuracy peaks at share 0.3 (a parabola), shifted per seed by `spread`.
    fn runs(seeds: u64, spread: f64) -> Vec<CellResult> {
        let mut runs = Vec::new();
        for seed in 0..seeds {
            for i in 0..=10 {
                let r = i as f64 / 10.0;
                let accuracy = 0.8 - (r - 0.3).powi(2)
                    + spread * (seed as f64 - 1.0)
                    + 0.002 * ((seed * 7 + i) % 3) as f64;
                let point = Regime::FixedSize.at(Hundredths::exact(r).unwrap());
                runs.push(CellResult::ok_run(Strategy::Sm, point, seed, accuracy));
            }
        }
        runs
    }

    fn series(runs: &[CellResult]) -> Series {
        let cells: Vec<&CellResult> = runs.iter().collect();
        Series::new(Strategy::Sm, Regime::FixedSize, &cells)
    }

    #[test]
    fn the_best_share_is_found_with_an_interval_around_it() {
        let runs = runs(3, 0.01);
        let optimum = optimum(&series(&runs)).unwrap();
        assert!((optimum.share - 0.3).abs() <= 0.02, "{optimum:?}");
        assert!(optimum.gain > 0.05 && optimum.gain < 0.12, "{optimum:?}");
        let intervals = optimum.intervals.unwrap();
        assert!(intervals.share.0 <= optimum.share && optimum.share <= intervals.share.1);
        assert!(intervals.share.1 - intervals.share.0 < 0.1, "{intervals:?}");
        assert!(intervals.gain.0 > 0.0, "{intervals:?}");
        // The same runs, the same report.
        assert_eq!(optimum, super::optimum(&series(&runs)).unwrap());
    }

    #[test]
    fn a_best_share_at_zero_gains_nothing_by_definition() {
        // Accuracy falling with the share: r* is 0, where the gain is exactly 0 on every
        // resample, whatever the curve's value there.
        let mut falling = Vec::new();
        for seed in 0..3 {
            for i in 0..=10 {
                let r = i as f64 / 10.0;
                let accuracy = 0.82 - 0.3 * r * r - 0.05 * r + 0.004 * seed as f64;
                let point = Regime::FixedSize.at(Hundredths::exact(r).unwrap());
                falling.push(CellResult::ok_run(Strategy::Sm, point, seed, accuracy));
            }
        }
        let optimum = optimum(&series(&falling)).unwrap();
        assert_eq!((optimum.share, optimum.gain), (0.0, 0.0));
        assert!((optimum.accuracy - 0.824).abs() < 1e-12, "{optimum:?}");
        let intervals = optimum.intervals.unwrap();
        assert_eq!(intervals.gain, (0.0, 0.0));
        assert_eq!(intervals.share.0, 0.0);
    }

    #[test]
    fn noisier_seeds_widen_the_interval_and_one_seed_gives_none() {
        let narrow = optimum(&series(&runs(4, 0.0))).unwrap().intervals.unwrap();
        let noisy: Vec<CellResult> = runs(4, 0.0)
            .into_iter()
            .map(|mut run| {
                // Seed-dependent curvature: each seed peaks somewhere else.
                let r = run.point.value().as_f64();
                let tilt = 0.1 * (run.seed as f64 - 1.5);
                run.accuracy = run.accuracy.map(|a| a + tilt * r);
                run
            })
            .collect();
        let wide = optimum(&series(&noisy)).unwrap().intervals.unwrap();
        assert!(
            wide.share.1 - wide.share.0 > narrow.share.1 - narrow.share.0,
            "{narrow:?} {wide:?}"
        );
        assert!(optimum(&series(&runs(1, 0.0))).unwrap().intervals.is_none());
    }
}
