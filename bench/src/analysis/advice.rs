//! Advice before a sweep: what to do with a synthetic set — real only, or which strategy at
//! which share (or multiple) — from three pilot runs instead of a grid, and the rule that reads
//! them.
//!
//! The pilots of a question ([`pilots`]): real only, and the two mixed runs that the calibration
//! grids showed decide it — for the share of N rows (fixed size), SM and FT at 0.2; for k·R
//! synthetic rows added to R real ones, FT at k = 1 and SM at k = 4. The rule: the mixed pilot
//! with the largest gain over real only (paired by seed) is advised if that gain exceeds
//! [`MARGIN`], else real only. Synthetic data is advised only where it measurably helps, so a
//! far gap is never advised, and a near gap only where real data is scarce enough.
//!
//! What it cannot measure it says: the recommended point's range is the stretch of the pilots'
//! curve (piecewise linear through the measured points of the recommended strategy) within
//! [`MARGIN`] of the recommendation, not beyond the largest point measured; the intervals of the
//! accuracy and the gain are 95 % normal intervals from the seeds' spread, or — with fewer than
//! three seeds — from the spread the calibration grids showed ([`SEED_SD`], [`PAIRED_SD`]).

use std::collections::BTreeMap;

use datasets::point::{Hundredths, Point, Regime, Strategy};
use serde::{Deserialize, Serialize};

use super::groups::Group;
use crate::records::{Estimate, PilotRecord};

/// The least gain over real only, in accuracy, for which synthetic data is advised: the
/// calibration's choice (every margin from 0 to 1.5 points kept the advised point within one
/// point of the grids' best on the tuned settings; 1 point costs least where it errs).
pub const MARGIN: f64 = 0.01;

/// The spread over seeds of one cell's accuracy in the calibration grids (median over cells).
pub const SEED_SD: f64 = 0.0125;

/// The spread over seeds of a cell's accuracy minus real only's, paired by seed (median).
pub const PAIRED_SD: f64 = 0.016;

/// The pilot runs of a question, real only first.
pub fn pilots(regime: Regime) -> [(Strategy, Point); 3] {
    let at = |value: f64| regime.at(Hundredths::rounded(value));
    match regime {
        Regime::FixedSize => [
            (Strategy::Sm, at(0.0)),
            (Strategy::Sm, at(0.2)),
            (Strategy::Ft, at(0.2)),
        ],
        Regime::AddedSynthetic => [
            (Strategy::Sm, at(0.0)),
            (Strategy::Ft, at(1.0)),
            (Strategy::Sm, at(4.0)),
        ],
    }
}

/// One pilot run that finished.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pilot {
    pub strategy: Strategy,
    pub point: Point,
    pub seed: u64,
    pub accuracy: f64,
}

impl From<&PilotRecord> for Pilot {
    fn from(record: &PilotRecord) -> Pilot {
        Pilot {
            strategy: record.strategy,
            point: record.point,
            seed: record.seed,
            accuracy: record.accuracy,
        }
    }
}

/// What the rule advises from a question's pilots.
#[derive(Debug, Clone, PartialEq)]
pub struct Advice {
    pub regime: Regime,
    /// The strategy, or none: real only.
    pub strategy: Option<Strategy>,
    /// Where: the share r or the multiple k (0 for real only), and the range of points whose
    /// accuracy the pilots put within [`MARGIN`] of it.
    pub point: Estimate,
    /// The accuracy expected there, and its gain over real only (exactly 0 for real only).
    pub accuracy: Estimate,
    pub gain: Estimate,
    /// Seeds the pilots ran.
    pub seeds: usize,
    /// Why, in words.
    pub reason: String,
}

/// The mean accuracy of a (strategy, point) over its seeds, and its gains over real only
/// paired by seed.
struct Cell {
    strategy: Strategy,
    point: Point,
    accuracy: f64,
    gains: Vec<f64>,
}

/// The advice from `pilots` (the runs of [`pilots`]'s cells over one or more seeds); none
/// until real only has a run.
pub fn advise(pilots: &[Pilot]) -> Option<Advice> {
    let regime = pilots.first()?.point.regime();
    let real_only = |p: &Pilot| p.point.is_endpoint() && p.point.value() == Hundredths::ZERO;
    let base: BTreeMap<u64, f64> = pilots
        .iter()
        .filter(|p| real_only(p))
        .map(|p| (p.seed, p.accuracy))
        .collect();
    let base_mean = mean(base.values().copied())?;
    let mut cells: BTreeMap<(Point, Strategy), Vec<&Pilot>> = BTreeMap::new();
    for pilot in pilots.iter().filter(|p| !real_only(p)) {
        cells
            .entry((pilot.point, pilot.strategy))
            .or_default()
            .push(pilot);
    }
    let cells: Vec<Cell> = cells
        .into_iter()
        .filter_map(|((point, strategy), runs)| {
            Some(Cell {
                strategy,
                point,
                accuracy: mean(runs.iter().map(|p| p.accuracy))?,
                gains: runs
                    .iter()
                    .filter_map(|p| Some(p.accuracy - base.get(&p.seed)?))
                    .collect(),
            })
        })
        .collect();
    let seeds = base.len();
    let best = cells
        .iter()
        .filter(|c| !c.gains.is_empty())
        .max_by(|a, b| mean_of(&a.gains).total_cmp(&mean_of(&b.gains)));
    let accuracy = |value: f64| Estimate::around(value, 1.96 * SEED_SD / (seeds as f64).sqrt());
    match best {
        Some(best) if mean_of(&best.gains) > MARGIN => {
            let gain = mean_of(&best.gains);
            let spread = match best.gains.len() {
                n if n >= 3 => sd(&best.gains),
                _ => PAIRED_SD,
            };
            let half = 1.96 * spread / (best.gains.len() as f64).sqrt();
            let series = [
                (0.0, base_mean),
                (best.point.value().as_f64(), best.accuracy),
            ];
            Some(Advice {
                regime,
                strategy: Some(best.strategy),
                point: range(&series, 1),
                accuracy: accuracy(best.accuracy),
                gain: Estimate::around(gain, half),
                seeds,
                reason: format!(
                    "{} at {} gained {:+.1} points over real only, more than the {:.0}-point margin",
                    best.strategy.name().to_uppercase(),
                    best.point,
                    gain * 100.0,
                    MARGIN * 100.0
                ),
            })
        }
        best => {
            // Real only; how far one could go losing at most the margin, on the best mixed curve.
            let series: Vec<(f64, f64)> = std::iter::once((0.0, base_mean))
                .chain(best.map(|b| (b.point.value().as_f64(), b.accuracy)))
                .collect();
            let said = match best {
                Some(b) => format!(
                    "no mixed pilot gained more than {:.0} point over real only (best: {} at {}, {:+.1})",
                    MARGIN * 100.0,
                    b.strategy.name().to_uppercase(),
                    b.point,
                    mean_of(&b.gains) * 100.0
                ),
                None => "no mixed pilot finished".to_string(),
            };
            Some(Advice {
                regime,
                strategy: None,
                point: range(&series, 0),
                accuracy: accuracy(base_mean),
                gain: Estimate::exact(0.0),
                seeds,
                reason: said,
            })
        }
    }
}

/// What advice the sweep's own runs of `group` would have given: its pilots' cells as the
/// lowest seed trained them, with that seed; none where the sweep lacks a pilot's cell.
pub fn from_sweep(group: &Group) -> Option<(u64, Advice)> {
    let seed = group
        .series
        .iter()
        .flat_map(|s| s.by_seed.keys().map(|&(_, seed)| seed))
        .min()?;
    let pilots = pilots(group.regime)
        .into_iter()
        .map(|(strategy, point)| {
            let series = group.series.iter().find(|s| s.strategy == strategy)?;
            Some(Pilot {
                strategy,
                point,
                seed,
                accuracy: *series.by_seed.get(&(point, seed))?,
            })
        })
        .collect::<Option<Vec<Pilot>>>()?;
    Some((seed, advise(&pilots)?))
}

/// `series[at]` with the stretch of the piecewise-linear curve through `series` (sorted by x)
/// whose accuracy is within [`MARGIN`] of it.
fn range(series: &[(f64, f64)], at: usize) -> Estimate {
    let (x, y) = series[at];
    let floor = y - MARGIN;
    let mut low = x;
    let mut high = x;
    // Walk outwards segment by segment while the curve stays above the floor.
    for pair in series[..=at].windows(2).rev() {
        let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
        if y0 >= floor {
            low = x0;
            continue;
        }
        low = x1 - (x1 - x0) * (y1 - floor) / (y1 - y0);
        break;
    }
    for pair in series[at..].windows(2) {
        let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
        if y1 >= floor {
            high = x1;
            continue;
        }
        high = x0 + (x1 - x0) * (y0 - floor) / (y0 - y1);
        break;
    }
    Estimate {
        value: x,
        low: round2(low),
        high: round2(high),
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let values: Vec<f64> = values.collect();
    (!values.is_empty()).then(|| mean_of(&values))
}

fn mean_of(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

fn sd(values: &[f64]) -> f64 {
    let m = mean_of(values);
    (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (values.len() - 1) as f64).sqrt()
}

#[cfg(test)]
mod tests;
