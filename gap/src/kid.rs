//! Kernel Inception Distance: the unbiased estimate of the squared maximum mean discrepancy
//! (MMD²) between two feature sets under the cubic polynomial kernel `k(x, y) = (x·y / d + 1)³`,
//! averaged over random subsets of equal size, with its standard deviation over them
//! (Bińkowski et al. 2018). Unlike FD it is unbiased: two samples of one distribution give a
//! mean near zero, either side of it.

use datasets::rng::SplitMix64;
use nalgebra::DMatrix;
use rayon::prelude::*;

use crate::features::Features;

/// Subsets drawn, and their largest size (the usual choice: 100 subsets of 1,000). A subset
/// takes at most half of the smaller set, so that the subsets differ and their spread means
/// something for a class of a few hundred images too.
pub const SUBSETS: usize = 100;
pub const SUBSET_SIZE: usize = 1000;

/// Mean and standard deviation of the unbiased MMD² over subsets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Kid {
    pub mean: f64,
    pub std: f64,
}

/// KID between `a` and `b` over `subsets` subsets of `min(SUBSET_SIZE, rows / 2)` rows each, drawn
/// without replacement from a generator keyed on `seed` and the subset's number (so the same on
/// any thread count). Both sets need at least 4 rows.
pub fn kid(a: &Features, b: &Features, subsets: usize, seed: u64) -> Kid {
    let size = SUBSET_SIZE.min(a.nrows() / 2).min(b.nrows() / 2).max(2);
    let draws: Vec<f64> = (0..subsets)
        .into_par_iter()
        .map(|s| {
            let mut rng = SplitMix64::keyed(&[seed, s as u64]);
            let x = sample_rows(a, size, &mut rng);
            let y = sample_rows(b, size, &mut rng);
            mmd2_unbiased(&x, &y)
        })
        .collect();
    let mean = draws.iter().sum::<f64>() / draws.len() as f64;
    let var = draws.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / draws.len() as f64;
    Kid {
        mean,
        std: var.sqrt(),
    }
}

/// The unbiased MMD² of two sets of `m` rows each under the cubic kernel: the within-set sums
/// leave out the diagonal.
pub fn mmd2_unbiased(x: &Features, y: &Features) -> f64 {
    let m = x.nrows() as f64;
    let d = x.ncols() as f64;
    let kernel = |p: &Features, q: &Features| (p * q.transpose()).map(|v| (v / d + 1.0).powi(3));
    let off_diagonal = |k: DMatrix<f64>| k.sum() - k.trace();
    off_diagonal(kernel(x, x)) / (m * (m - 1.0)) + off_diagonal(kernel(y, y)) / (m * (m - 1.0))
        - 2.0 * kernel(x, y).sum() / (m * m)
}

fn sample_rows(set: &Features, size: usize, rng: &mut SplitMix64) -> Features {
    let mut rows: Vec<usize> = (0..set.nrows()).collect();
    rng.shuffle(&mut rows);
    set.select_rows(&rows[..size])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{NUMPY_MMD2, reference_a, reference_b};

    #[test]
    fn mmd2_agrees_with_numpy_on_fixed_features() {
        let mmd = mmd2_unbiased(&reference_a(), &reference_b());
        assert!((mmd - NUMPY_MMD2).abs() < 1e-9, "{mmd}");
    }

    #[test]
    fn subsets_are_seeded_and_two_halves_of_one_set_straddle_zero() {
        // 400 rows of one smooth distribution, split into alternate rows.
        let set = DMatrix::from_fn(400, 3, |i, j| ((i * 7 + j * 13) as f64 * 0.37).sin());
        let evens = set.select_rows(&(0..400).step_by(2).collect::<Vec<_>>());
        let odds = set.select_rows(&(1..400).step_by(2).collect::<Vec<_>>());
        let same = kid(&evens, &odds, 20, 3);
        assert_eq!(same, kid(&evens, &odds, 20, 3));
        assert_ne!(same, kid(&evens, &odds, 20, 4));
        assert!(same.mean.abs() <= 2.0 * same.std, "{same:?}");
        let far = kid(&evens, &odds.map(|v| v + 1.0), 20, 3);
        assert!(far.mean > 10.0 * far.std.max(same.std), "{far:?}");
    }
}
