//! The classifier two-sample test: the trainer's CNN learns to tell real images (label 0) from
//! synthetic ones (label 1) on half of an equal number of each, and its error ε on the other
//! half becomes the proxy A-distance `2(1 − 2ε)` (Ben-David et al.): 0 where the two cannot be
//! told apart, 2 where they always can. Its 95 % interval is the Clopper–Pearson interval of ε
//! mapped through the same line; per class, ε is counted over the held-out images of that class.

use datasets::DecodedSplit;
use serde::{Deserialize, Serialize};
use statrs::distribution::{Beta, ContinuousCDF};
use trainer::ModelKind;
use trainer::data::InputShape;
use trainer::eval::predict;
use trainer::models::{Architecture, CnnConfig};

use crate::data::{draw_rows, store_of_rows};
use crate::{Result, learner};

/// A proxy A-distance with its 95 % interval, from `errors` of `trials` held-out images.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pad {
    pub pad: f64,
    pub low: f64,
    pub high: f64,
    pub held_out: usize,
}

impl Pad {
    pub fn from_errors(errors: usize, trials: usize) -> Pad {
        let (lo, hi) = clopper_pearson(errors, trials, 0.05);
        let eps = errors as f64 / trials.max(1) as f64;
        let pad = |e: f64| 2.0 * (1.0 - 2.0 * e);
        Pad {
            pad: pad(eps),
            low: pad(hi),
            high: pad(lo),
            held_out: trials,
        }
    }
}

/// The exact binomial interval of a proportion at level `1 − alpha`.
fn clopper_pearson(k: usize, n: usize, alpha: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (k, n) = (k as f64, n as f64);
    let lo = if k == 0.0 {
        0.0
    } else {
        Beta::new(k, n - k + 1.0)
            .expect("positive shapes")
            .inverse_cdf(alpha / 2.0)
    };
    let hi = if k == n {
        1.0
    } else {
        Beta::new(k + 1.0, n - k)
            .expect("positive shapes")
            .inverse_cdf(1.0 - alpha / 2.0)
    };
    (lo, hi)
}

/// The overall and per-class proxy A-distances of `synthetic` against `real`.
pub fn test(
    real: &DecodedSplit,
    synthetic: &DecodedSplit,
    shape: InputShape,
    seed: u64,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<(Pad, Vec<Pad>)> {
    // As many of each side, drawn at random, then each side halved into fit and held-out rows.
    let n = real.len().min(synthetic.len());
    let real_rows = draw_rows(real.len(), n, &[seed, 0x7e57, 0]);
    let synthetic_rows = draw_rows(synthetic.len(), n, &[seed, 0x7e57, 1]);
    let half = n / 2;
    let pick = |range: std::ops::Range<usize>| -> Vec<(&DecodedSplit, usize, u32)> {
        real_rows[range.clone()]
            .iter()
            .map(|&r| (real, r, 0))
            .chain(synthetic_rows[range].iter().map(|&r| (synthetic, r, 1)))
            .collect()
    };
    let (fit_rows, held_rows) = (pick(0..half), pick(half..n));
    let domains = InputShape {
        classes: 2,
        ..shape
    };
    let architecture = CnnConfig::for_input(domains);
    architecture.check().map_err(|why| {
        trainer::Error::invalid(format!(
            "model {} cannot take {} images: {why}",
            ModelKind::Cnn,
            shape.describe()
        ))
    })?;
    let model = learner::train(
        &architecture,
        &store_of_rows(&fit_rows, domains)?,
        &learner::recipe(seed),
        progress,
    )?;
    let held = store_of_rows(&held_rows, domains)?;
    let predictions =
        trainer::train::on_pool_thread(|| predict(&model, &held, &burn::prelude::Device::flex()))?;

    let mut errors = vec![(0usize, 0usize); shape.classes];
    for ((split, row, domain), predicted) in held_rows.iter().zip(&predictions) {
        let class = split.labels[*row] as usize;
        errors[class].0 += (predicted != domain) as usize;
        errors[class].1 += 1;
    }
    let total = errors
        .iter()
        .fold((0, 0), |(e, t), (e2, t2)| (e + e2, t + t2));
    Ok((
        Pad::from_errors(total.0, total.1),
        errors
            .iter()
            .map(|&(e, t)| Pad::from_errors(e, t))
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chance_error_is_zero_distance_and_none_is_two() {
        let chance = Pad::from_errors(500, 1000);
        assert_eq!(chance.pad, 0.0);
        assert!(chance.low < 0.0 && chance.high > 0.0, "{chance:?}");
        let perfect = Pad::from_errors(0, 1000);
        assert_eq!(perfect.pad, 2.0);
        assert_eq!(perfect.high, 2.0);
        assert!(perfect.low > 1.95 && perfect.low < 2.0);
    }

    #[test]
    fn clopper_pearson_matches_scipy() {
        // k = 3 of n = 10: the p where P(X ≥ 3) = 0.025 and where P(X ≤ 3) = 0.025, solved
        // by bisection on the binomial sums in Python (SciPy's beta.ppf(0.025, 3, 8) and
        // beta.ppf(0.975, 4, 7) give the same).
        let (lo, hi) = clopper_pearson(3, 10, 0.05);
        assert!((lo - 0.06673951117773447).abs() < 1e-9, "{lo}");
        assert!((hi - 0.6524528500599972).abs() < 1e-9, "{hi}");
    }
}
