//! The ramp curriculum: the very rows of a Simple Mixed subset, visited so that the synthetic
//! fraction of the batches falls linearly over the whole training — from min(1, 2r) to
//! max(0, 2r − 1), whose mean is the subset's share r — with exact per-batch counts.
//!
//! The counts depend on the training recipe (epochs and batch size), so a ramp subset records
//! them for every recipe it was mixed for ([`datasets::Visits`] in its manifest phase); which
//! synthetic and which real row fills each place is the trainer's seeded choice.

use std::fmt;
use std::str::FromStr;

use datasets::Visits;
use serde::{Deserialize, Serialize};

/// A training recipe a ramp is laid out for: `EPOCHSxBATCH` on the command line (`12x64`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RampRecipe {
    pub epochs: u64,
    pub batch_size: u64,
}

impl fmt::Display for RampRecipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.epochs, self.batch_size)
    }
}

impl FromStr for RampRecipe {
    type Err = String;

    fn from_str(text: &str) -> Result<RampRecipe, String> {
        let bad = || format!("'{text}' is not EPOCHSxBATCH (e.g. 12x64): two whole numbers ≥ 1");
        let (epochs, batch) = text.split_once('x').ok_or_else(bad)?;
        let number = |part: &str| part.trim().parse::<u64>().ok().filter(|&n| n >= 1);
        Ok(RampRecipe {
            epochs: number(epochs).ok_or_else(bad)?,
            batch_size: number(batch).ok_or_else(bad)?,
        })
    }
}

/// The synthetic fraction of the batches at the start and at the end of the training of a
/// subset with synthetic share `share`.
pub fn ends(share: f64) -> (f64, f64) {
    ((2.0 * share).min(1.0), (2.0 * share - 1.0).max(0.0))
}

/// The visits of a subset of `rows` rows, `synthetic` of them synthetic, trained by `recipe`.
///
/// The line is taken at the subset's exact share `synthetic / rows`, so that its integral over
/// the training is exactly `epochs · synthetic` visits: each batch gets the synthetic visits
/// the line's integral gains over it, rounded cumulatively (never more than half a row off the
/// line), and kept within what the batch and both sources have left, so that the last batch
/// ends on every synthetic and every real row visited `epochs` times.
pub fn visits(rows: u64, synthetic: u64, recipe: RampRecipe) -> Visits {
    assert!(rows > 0 && synthetic <= rows && recipe.batch_size > 0);
    let (from, to) = ends(synthetic as f64 / rows as f64);
    let total = (recipe.epochs * rows) as f64;
    // Synthetic visits the line holds among the first `t` visits.
    let line_integral = |t: u64| {
        let t = t as f64;
        t * from + (to - from) * t * t / (2.0 * total)
    };
    let synthetic_total = recipe.epochs * synthetic;
    let real_total = recipe.epochs * (rows - synthetic);
    let batches_per_epoch = rows.div_ceil(recipe.batch_size);
    let mut counts = Vec::with_capacity((recipe.epochs * batches_per_epoch) as usize);
    let (mut visited, mut synthetic_visited) = (0u64, 0u64);
    for _ in 0..recipe.epochs {
        for batch_index in 0..batches_per_epoch {
            let batch = recipe
                .batch_size
                .min(rows - batch_index * recipe.batch_size);
            let real_left = real_total - (visited - synthetic_visited);
            let synthetic_left = synthetic_total - synthetic_visited;
            visited += batch;
            let wanted = (line_integral(visited).round() as u64).saturating_sub(synthetic_visited);
            let count = wanted
                .max(batch.saturating_sub(real_left))
                .min(batch.min(synthetic_left));
            synthetic_visited += count;
            counts.push(count);
        }
    }
    Visits {
        epochs: recipe.epochs,
        batch_size: recipe.batch_size,
        synthetic_per_batch: counts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recipe(epochs: u64, batch_size: u64) -> RampRecipe {
        RampRecipe { epochs, batch_size }
    }

    /// Checks the counts of one subset against the line and the visit totals.
    fn check(rows: u64, synthetic: u64, recipe: RampRecipe) -> Visits {
        let v = visits(rows, synthetic, recipe);
        let per_epoch = rows.div_ceil(recipe.batch_size);
        assert_eq!(
            v.synthetic_per_batch.len() as u64,
            recipe.epochs * per_epoch
        );
        assert_eq!(
            v.synthetic_per_batch.iter().sum::<u64>(),
            recipe.epochs * synthetic,
            "every synthetic row visited once per epoch, on average"
        );
        let (from, to) = ends(synthetic as f64 / rows as f64);
        let total = (recipe.epochs * rows) as f64;
        let (mut visited, mut cumulative) = (0u64, 0u64);
        for (i, &count) in v.synthetic_per_batch.iter().enumerate() {
            let batch = recipe
                .batch_size
                .min(rows - (i as u64 % per_epoch) * recipe.batch_size);
            assert!(count <= batch);
            let middle = (visited as f64 + batch as f64 / 2.0) / total;
            let line = from + (to - from) * middle;
            visited += batch;
            cumulative += count;
            let t = visited as f64;
            let integral = t * from + (to - from) * t * t / (2.0 * total);
            assert!(
                (cumulative as f64 - integral).abs() <= 0.5 + 1e-9,
                "batch {i}: {cumulative} synthetic visits so far against the line's {integral}"
            );
            // Each batch's fraction is the line's at its middle, to within a row either way.
            assert!(
                (count as f64 - line * batch as f64).abs() <= 1.0 + 1e-9,
                "batch {i}: {count} of {batch} against {line}"
            );
        }
        v
    }

    #[test]
    fn the_synthetic_fraction_falls_along_the_line() {
        for (rows, synthetic) in [(1000, 300), (1000, 500), (1000, 700), (999, 101), (64, 63)] {
            for recipe in [recipe(12, 64), recipe(3, 7), recipe(1, 1000)] {
                check(rows, synthetic, recipe);
            }
        }
        // r = 0.3: from 0.6 to 0; r = 0.7: from 1 to 0.4.
        let low = check(1000, 300, recipe(10, 100)).synthetic_per_batch;
        assert_eq!((low[0], *low.last().unwrap()), (60, 0));
        let high = check(1000, 700, recipe(10, 100)).synthetic_per_batch;
        assert_eq!((high[0], *high.last().unwrap()), (100, 40));
    }

    #[test]
    fn the_endpoints_are_one_source_throughout() {
        let v = check(100, 0, recipe(2, 30));
        assert!(v.synthetic_per_batch.iter().all(|&c| c == 0));
        let v = check(100, 100, recipe(2, 30));
        assert_eq!(v.synthetic_per_batch, [30, 30, 30, 10, 30, 30, 30, 10]);
    }

    #[test]
    fn recipes_read_as_epochs_x_batch() {
        assert_eq!("12x64".parse(), Ok(recipe(12, 64)));
        assert_eq!(recipe(12, 64).to_string(), "12x64");
        for bad in ["12", "0x64", "12x", "x64", "12*64", "-1x3"] {
            assert!(
                bad.parse::<RampRecipe>()
                    .unwrap_err()
                    .contains("EPOCHSxBATCH")
            );
        }
    }
}
