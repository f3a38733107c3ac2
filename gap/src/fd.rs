//! The Fréchet distance between two feature sets, each taken as a Gaussian of its mean and
//! covariance (what FID computes on Inception features):
//! `|μ₁ − μ₂|² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^½ Σ₂ Σ₁^½)^½`.
//!
//! `tr (Σ₁Σ₂)^½` equals `tr (Σ₁^½ Σ₂ Σ₁^½)^½`, whose argument is symmetric positive
//! semi-definite: both square roots come from symmetric eigendecompositions, with the rounding
//! noise of eigenvalues a hair below zero clamped to zero, so no complex parts appear (SciPy's
//! general `sqrtm` on `Σ₁Σ₂` leaves some, which FID code then discards).

use nalgebra::{DMatrix, DVector, SymmetricEigen};

use crate::features::Features;

/// The Fréchet distance of the Gaussians fitted to `a` and `b` (covariances with n − 1).
pub fn frechet_distance(a: &Features, b: &Features) -> f64 {
    let (mean_a, cov_a) = mean_and_covariance(a);
    let (mean_b, cov_b) = mean_and_covariance(b);
    let root_a = psd_sqrt(&cov_a);
    let inner = &root_a * &cov_b * &root_a;
    let trace_root: f64 = symmetric_eigenvalues(&inner)
        .iter()
        .map(|&l| l.max(0.0).sqrt())
        .sum();
    let distance =
        (mean_a - mean_b).norm_squared() + cov_a.trace() + cov_b.trace() - 2.0 * trace_root;
    // Two identical sets give a rounding error either side of zero.
    distance.max(0.0)
}

/// Column means and the sample covariance (divided by n − 1, as NumPy's `cov`).
pub fn mean_and_covariance(x: &Features) -> (DVector<f64>, DMatrix<f64>) {
    let n = x.nrows();
    let mean = x.row_mean().transpose();
    let mut centred = x.clone();
    for mut row in centred.row_iter_mut() {
        row -= mean.transpose();
    }
    let cov = centred.tr_mul(&centred) / (n.max(2) - 1) as f64;
    (mean, cov)
}

/// The symmetric square root of a symmetric positive semi-definite matrix.
fn psd_sqrt(m: &DMatrix<f64>) -> DMatrix<f64> {
    let eigen = SymmetricEigen::new(symmetrised(m));
    let roots = eigen.eigenvalues.map(|l| l.max(0.0).sqrt());
    &eigen.eigenvectors * DMatrix::from_diagonal(&roots) * eigen.eigenvectors.transpose()
}

fn symmetric_eigenvalues(m: &DMatrix<f64>) -> DVector<f64> {
    SymmetricEigen::new(symmetrised(m)).eigenvalues
}

/// `(m + mᵀ) / 2`: products of symmetric matrices are symmetric only up to rounding.
fn symmetrised(m: &DMatrix<f64>) -> DMatrix<f64> {
    (m + m.transpose()) * 0.5
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{reference_a, reference_b};

    #[test]
    fn agrees_with_numpy_on_fixed_features() {
        let fd = frechet_distance(&reference_a(), &reference_b());
        assert!((fd - crate::fixtures::NUMPY_FD).abs() < 1e-9, "{fd}");
    }

    #[test]
    fn a_set_against_itself_is_zero_and_a_shift_adds_its_square() {
        let a = reference_a();
        assert!(frechet_distance(&a, &a).abs() < 1e-9);
        let shifted = a.map(|v| v + 0.5);
        let d = a.ncols() as f64 * 0.25;
        assert!((frechet_distance(&a, &shifted) - d).abs() < 1e-9);
    }

    #[test]
    fn gaussians_of_known_covariance() {
        // Diagonal covariances 1 and 4 in one dimension: (1 − 2)² = 1, the means equal.
        let a = DMatrix::from_column_slice(4, 1, &[-1.0, 1.0, -1.0, 1.0]);
        let b = a.map(|v| 2.0 * v);
        let (_, ca) = mean_and_covariance(&a);
        let expected = ca[(0, 0)] + 4.0 * ca[(0, 0)] - 2.0 * 2.0 * ca[(0, 0)];
        assert!((frechet_distance(&a, &b) - expected).abs() < 1e-12);
    }
}
