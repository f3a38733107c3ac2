//! Precision, recall, density and coverage on k-nearest-neighbour balls (Naeem et al., ICML
//! 2020, following Kynkäänniemi et al. 2019), as the authors' `prdc` code computes them: each
//! real sample's ball reaches its k-th nearest real neighbour, each synthetic sample's its k-th
//! nearest synthetic one, and "inside" is strictly closer than the radius.
//!
//! - precision: the share of synthetic samples inside some real ball (realism);
//! - recall: the share of real samples inside some synthetic ball (diversity);
//! - density: how many real balls hold a synthetic sample, on average, over k (near 1 when the
//!   two sets match; above 1 where synthetic samples crowd the real modes);
//! - coverage: the share of real balls holding at least one synthetic sample.
//!
//! Distances are computed a block of rows at a time (`‖a‖² + ‖b‖² − 2a·b`, one matrix product
//! per block), so 10,000 × 10,000 pairs never sit in memory at once.

use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::features::Features;

/// The neighbourhood size the paper recommends.
pub const K: usize = 5;

/// Rows of one side whose distances to every row of the other are computed together.
const BLOCK: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Prdc {
    pub precision: f64,
    pub recall: f64,
    pub density: f64,
    pub coverage: f64,
}

/// The four measures of `fake` against `real` with `k`-nearest-neighbour balls. Each set needs
/// more than `k` rows.
pub fn prdc(real: &Features, fake: &Features, k: usize) -> Prdc {
    let real_radii = kth_neighbour_sq(real, k);
    let fake_radii = kth_neighbour_sq(fake, k);
    let (n, m) = (real.nrows(), fake.nrows());

    // Per synthetic sample: how many real balls hold it. Per real sample: its nearest
    // synthetic sample's squared distance, and whether some synthetic ball holds it.
    let init = || (Vec::new(), vec![f64::INFINITY; n], vec![false; n]);
    let (inside_counts, nearest_fake, in_fake_ball) = blocks(m)
        .into_par_iter()
        .map(|rows| {
            let d = squared_distances(real, &fake.rows(rows.start, rows.len()).into_owned());
            let mut counts = Vec::with_capacity(rows.len());
            let mut nearest = vec![f64::INFINITY; n];
            let mut held = vec![false; n];
            for (col, j) in rows.enumerate() {
                let column = d.column(col);
                counts.push(
                    column
                        .iter()
                        .zip(&real_radii)
                        .filter(|(d, r)| d < r)
                        .count(),
                );
                for (i, &dij) in column.iter().enumerate() {
                    nearest[i] = nearest[i].min(dij);
                    held[i] |= dij < fake_radii[j];
                }
            }
            (counts, nearest, held)
        })
        .reduce(init, |(mut c, mut n1, mut h1), (c2, n2, h2)| {
            c.extend(c2);
            n1.iter_mut().zip(n2).for_each(|(a, b)| *a = a.min(b));
            h1.iter_mut().zip(h2).for_each(|(a, b)| *a |= b);
            (c, n1, h1)
        });

    let share = |hits: usize, of: usize| hits as f64 / of as f64;
    Prdc {
        precision: share(inside_counts.iter().filter(|&&c| c > 0).count(), m),
        recall: share(in_fake_ball.iter().filter(|&&h| h).count(), n),
        density: inside_counts.iter().sum::<usize>() as f64 / (k * m) as f64,
        coverage: share(
            nearest_fake
                .iter()
                .zip(&real_radii)
                .filter(|(d, r)| d < r)
                .count(),
            n,
        ),
    }
}

/// The squared distance from every row of `set` to its `k`-th nearest other row (the k + 1-th
/// smallest distance, the row itself being the first).
fn kth_neighbour_sq(set: &Features, k: usize) -> Vec<f64> {
    blocks(set.nrows())
        .into_par_iter()
        .flat_map_iter(|rows| {
            let d = squared_distances(set, &set.rows(rows.start, rows.len()).into_owned());
            (0..rows.len())
                .map(|col| {
                    let mut column: Vec<f64> = d.column(col).iter().copied().collect();
                    *column.select_nth_unstable_by(k, f64::total_cmp).1
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// `d[(i, j)]` = squared distance between row `i` of `all` and row `j` of `block`.
fn squared_distances(all: &Features, block: &Features) -> DMatrix<f64> {
    let norms = |x: &Features| -> DVector<f64> {
        DVector::from_iterator(x.nrows(), x.row_iter().map(|r| r.norm_squared()))
    };
    let (all_norms, block_norms) = (norms(all), norms(block));
    let mut d = all * block.transpose();
    for (j, mut column) in d.column_iter_mut().enumerate() {
        for (i, v) in column.iter_mut().enumerate() {
            *v = (all_norms[i] + block_norms[j] - 2.0 * *v).max(0.0);
        }
    }
    d
}

fn blocks(rows: usize) -> Vec<std::ops::Range<usize>> {
    (0..rows)
        .step_by(BLOCK)
        .map(|s| s..(s + BLOCK).min(rows))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(xs: &[f64]) -> Features {
        DMatrix::from_column_slice(xs.len(), 1, xs)
    }

    #[test]
    fn a_hand_checked_case_with_the_published_formulas() {
        // k = 1 on a line. Real 0, 1, 3: radii (nearest other real) 1, 1, 2.
        // Synthetic 0.5, 2.5, 10: radii 2, 2, 7.5.
        // Real balls (strict): (−1, 1), (0, 2), (1, 5).
        //   0.5 is in the balls of 0 and 1, 2.5 in the ball of 3, 10 in none:
        //   precision 2/3, density (2 + 1 + 0)/(1·3) = 1.
        // Synthetic balls: (−1.5, 2.5), (0.5, 4.5), (2.5, 17.5): every real sample is in one,
        //   recall 1.
        // Nearest synthetic to 0, 1, 3: 0.5, 0.5, 2.5, at 0.5 each — inside radii 1, 1, 2:
        //   coverage 1.
        let m = prdc(&points(&[0.0, 1.0, 3.0]), &points(&[0.5, 2.5, 10.0]), 1);
        assert_eq!(
            m,
            Prdc {
                precision: 2.0 / 3.0,
                recall: 1.0,
                density: 1.0,
                coverage: 1.0
            }
        );
        // Moved far off, the synthetic set shares nothing with the real one.
        let off = prdc(&points(&[0.0, 1.0, 3.0]), &points(&[50.0, 51.0, 53.0]), 1);
        assert_eq!(
            off,
            Prdc {
                precision: 0.0,
                recall: 0.0,
                density: 0.0,
                coverage: 0.0
            }
        );
    }

    #[test]
    fn density_counts_every_ball_and_blocks_change_nothing() {
        // k = 2: real 0, 1, 2, 3 have radii 2, 1, 1, 2; a synthetic sample at 1.5 lies in all
        // four balls (distances 1.5, 0.5, 0.5, 1.5): density 4/(2·1) = 2.
        let m = prdc(&points(&[0.0, 1.0, 2.0, 3.0]), &points(&[1.5, 1.6, 1.4]), 2);
        assert!(m.density > 1.0 && m.precision == 1.0, "{m:?}");
        let one = prdc(
            &points(&[0.0, 1.0, 2.0, 3.0]),
            &points(&[1.5, 40.0, 41.0]),
            2,
        );
        assert_eq!(one.density, 4.0 / 6.0);
        // More rows than a block: the same as computed in one piece by brute force.
        let real = DMatrix::from_fn(600, 2, |i, j| ((i * 3 + j) as f64 * 0.71).sin());
        let fake = DMatrix::from_fn(300, 2, |i, j| ((i * 5 + j) as f64 * 0.53).cos() * 0.9);
        let got = prdc(&real, &fake, K);
        let brute = brute_force(&real, &fake, K);
        assert_eq!(got, brute);
    }

    /// The paper's formulas written out over every pair.
    fn brute_force(real: &Features, fake: &Features, k: usize) -> Prdc {
        let dist = |a: &Features, i: usize, b: &Features, j: usize| (a.row(i) - b.row(j)).norm();
        let radii = |s: &Features| -> Vec<f64> {
            (0..s.nrows())
                .map(|i| {
                    let mut d: Vec<f64> = (0..s.nrows()).map(|j| dist(s, i, s, j)).collect();
                    d.sort_by(f64::total_cmp);
                    d[k]
                })
                .collect()
        };
        let (rr, fr) = (radii(real), radii(fake));
        let (n, m) = (real.nrows(), fake.nrows());
        let inside = |j: usize, i: usize| dist(fake, j, real, i) < rr[i];
        Prdc {
            precision: (0..m).filter(|&j| (0..n).any(|i| inside(j, i))).count() as f64 / m as f64,
            recall: (0..n)
                .filter(|&i| (0..m).any(|j| dist(real, i, fake, j) < fr[j]))
                .count() as f64
                / n as f64,
            density: (0..m)
                .map(|j| (0..n).filter(|&i| inside(j, i)).count())
                .sum::<usize>() as f64
                / (k * m) as f64,
            coverage: (0..n).filter(|&i| (0..m).any(|j| inside(j, i))).count() as f64 / n as f64,
        }
    }
}
