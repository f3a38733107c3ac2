//! The measures of one pair of feature sets (overall, or one class of each), and the checks that
//! each set is large enough for them.

use serde::{Deserialize, Serialize};

use crate::fd::frechet_distance;
use crate::features::Features;
use crate::kid::{SUBSETS, kid};
use crate::prdc::{K, prdc};
use crate::two_sample::Pad;
use crate::{Error, Result};

/// Everything the gap meter says about one pair: the distribution measures on features, the
/// two-sample test and the cross-domain accuracies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measures {
    pub fd: f64,
    pub kid: f64,
    pub kid_std: f64,
    pub precision: f64,
    pub recall: f64,
    pub density: f64,
    pub coverage: f64,
    /// Proxy A-distance, with its 95 % interval (`pad_low`, `pad_high`).
    pub pad: f64,
    pub pad_low: f64,
    pub pad_high: f64,
    /// Accuracy on real images of a model trained on the synthetic ones.
    pub tstr: Option<f64>,
    /// Accuracy on synthetic images of a model trained on the real ones.
    pub trts: Option<f64>,
    pub real_rows: usize,
    pub synthetic_rows: usize,
}

/// The rows each side of a pair needs: the k nearest neighbours of PRDC and the row itself.
pub const MIN_ROWS: usize = K + 1;

/// Refuses a pair with too few rows on either side, naming `class`.
pub fn check_rows(class: &str, real: usize, synthetic: usize) -> Result<()> {
    for (set, rows) in [("real test", real), ("synthetic train", synthetic)] {
        if rows < MIN_ROWS {
            return Err(Error::TooFew {
                class: class.to_string(),
                set,
                rows,
                needed: format!(
                    "the measures need at least {MIN_ROWS} (precision, recall, density and coverage look at each image's {K} nearest neighbours)"
                ),
            });
        }
    }
    Ok(())
}

/// FD, KID and PRDC of `synthetic` against `real`, with the two-sample and cross-domain results
/// already computed for the same pair.
pub fn measure(
    real: &Features,
    synthetic: &Features,
    pad: Pad,
    tstr: Option<f64>,
    trts: Option<f64>,
    seed: u64,
) -> Measures {
    let k = kid(real, synthetic, SUBSETS, seed);
    let p = prdc(real, synthetic, K);
    Measures {
        fd: frechet_distance(real, synthetic),
        kid: k.mean,
        kid_std: k.std,
        precision: p.precision,
        recall: p.recall,
        density: p.density,
        coverage: p.coverage,
        pad: pad.pad,
        pad_low: pad.low,
        pad_high: pad.high,
        tstr,
        trts,
        real_rows: real.nrows(),
        synthetic_rows: synthetic.nrows(),
    }
}

/// The rows of `features` whose label is `class`.
pub fn of_class(features: &Features, labels: &[u32], class: u32) -> Features {
    let rows: Vec<usize> = (0..labels.len()).filter(|&r| labels[r] == class).collect();
    features.select_rows(&rows)
}
