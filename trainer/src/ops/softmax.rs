//! The softmax of one row and its backward, one pass each, with a vectorised [`exp`]:
//! `y = exp(x − max x) / Σ exp(x − max x)` and `dx = y ⊙ (g − Σ g ⊙ y)` — what the attention
//! kernel applies to every row of its scores, its maximum and sums in lanes (`lanes.rs`). (Under
//! autodiff, burn decomposes a softmax into separate exp, sum and division passes, each recorded
//! with its own backward; flex's fused forward calls libm's `expf` a value at a time.)

use super::exp::exp;
use super::lanes::{LANES, Lanes, dot, for_each_lane, vectorised};

/// What a row's softmax divided by and subtracted: with them, [`recompute`] gives the forward's
/// output again, bit for bit, from the same row (the attention keeps these two numbers per row
/// rather than the whole `tokens × tokens` output).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct RowStats {
    pub max: f32,
    /// `1 / Σ exp(x − max x)`.
    pub scale: f32,
}

/// Replaces `row` by the softmax of `row / divisor` (multiplied by `1 / divisor`: a vector
/// division costs several multiplications, and for the attention's `√d` with `d` a power of 4,
/// as the ViT's 16, the reciprocal is exact and so are the values).
pub(super) fn in_place(row: &mut [f32], divisor: f32) -> RowStats {
    vectorised(Forward { row, divisor })
}

/// Replaces `row` by the softmax of `row / divisor` that [`in_place`] computed on the same row
/// and described by `stats`, with the same operations in the same order.
pub(super) fn recompute(row: &mut [f32], divisor: f32, stats: RowStats) {
    vectorised(Recompute {
        row,
        divisor,
        stats,
    })
}

/// Replaces `grad`, the gradient of a softmax's output `y`, by the gradient of its input,
/// divided by `divisor` (the softmax of `x / divisor`).
pub(super) fn backward_in_place(y: &[f32], grad: &mut [f32], divisor: f32) {
    vectorised(Backward { y, grad, divisor })
}

struct Forward<'a> {
    row: &'a mut [f32],
    divisor: f32,
}

impl Lanes for Forward<'_> {
    type Output = RowStats;

    #[inline(always)]
    fn run(self) -> RowStats {
        let Forward { row, divisor } = self;
        let inverse = 1.0 / divisor;
        let mut max = [f32::NEG_INFINITY; LANES];
        for_each_lane(row, |x, lane| {
            *x *= inverse;
            max[lane] = max[lane].max(*x);
        });
        let max = max.into_iter().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = [0f32; LANES];
        for_each_lane(row, |y, lane| {
            *y = exp(*y - max);
            sum[lane] += *y;
        });
        let scale = 1.0 / sum.iter().sum::<f32>();
        row.iter_mut().for_each(|y| *y *= scale);
        RowStats { max, scale }
    }
}

struct Recompute<'a> {
    row: &'a mut [f32],
    divisor: f32,
    stats: RowStats,
}

impl Lanes for Recompute<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let RowStats { max, scale } = self.stats;
        let inverse = 1.0 / self.divisor;
        for y in self.row.iter_mut() {
            *y = exp(*y * inverse - max) * scale;
        }
    }
}

struct Backward<'a> {
    y: &'a [f32],
    grad: &'a mut [f32],
    divisor: f32,
}

impl Lanes for Backward<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let dot = dot(self.y, self.grad);
        let inverse = 1.0 / self.divisor;
        for (g, y) in self.grad.iter_mut().zip(self.y) {
            *g = y * (*g - dot) * inverse;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::lanes::{assert_same_bits_on_every_simd, compiled_for, test_values};

    #[test]
    fn the_softmax_gives_the_same_bits_on_every_instruction_set() {
        for len in [1, 7, 16, 17, 64, 1000, 1024] {
            let (row, grad) = (test_values(len, 3), test_values(len, 4));
            let forward = |simd| {
                let mut y = row.clone();
                compiled_for(
                    simd,
                    Forward {
                        row: &mut y,
                        divisor: 4.0,
                    },
                );
                y
            };
            assert_same_bits_on_every_simd(&format!("forward, {len} values"), forward);
            let y = forward(crate::ops::lanes::Simd::Baseline);
            assert_same_bits_on_every_simd(&format!("backward, {len} values"), |simd| {
                let mut g = grad.clone();
                let (y, grad) = (&y, &mut g);
                compiled_for(
                    simd,
                    Backward {
                        y,
                        grad,
                        divisor: 4.0,
                    },
                );
                g
            });
        }
    }

    #[test]
    fn the_recomputed_softmax_is_the_forward_s_bit_for_bit() {
        for len in [1, 17, 1024] {
            let row = test_values(len, 8);
            let mut y = row.clone();
            let stats = in_place(&mut y, 3.0);
            let mut again = row.clone();
            recompute(&mut again, 3.0, stats);
            assert_eq!(bits(&again), bits(&y), "{len} values");
            assert_same_bits_on_every_simd(&format!("recompute, {len} values"), |simd| {
                let mut again = row.clone();
                let (row, divisor) = (&mut again[..], 3.0);
                compiled_for(
                    simd,
                    Recompute {
                        row,
                        divisor,
                        stats,
                    },
                );
                again
            });
        }
    }

    fn bits(values: &[f32]) -> Vec<u32> {
        values.iter().map(|v| v.to_bits()).collect()
    }

    #[test]
    fn the_softmax_sums_to_one() {
        let mut row = test_values(1000, 5);
        in_place(&mut row, 3.0);
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }
}
