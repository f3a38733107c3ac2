//! The softmax of one row and its backward, one pass each, with a vectorised [`exp`]:
//! `y = exp(x − max x) / Σ exp(x − max x)` and `dx = y ⊙ (g − Σ g ⊙ y)` — what the attention
//! kernel applies to every row of its scores, its maximum and sums in lanes (`lanes.rs`). (Under
//! autodiff, burn decomposes a softmax into separate exp, sum and division passes, each recorded
//! with its own backward; flex's fused forward calls libm's `expf` a value at a time.)

use super::exp::exp;
use super::lanes::{LANES, dot, for_each_lane, with_avx2};

/// Replaces `row` by the softmax of `row / divisor`.
pub(super) fn in_place(row: &mut [f32], divisor: f32) {
    with_avx2(|| in_place_lanes(row, divisor))
}

/// Replaces `grad`, the gradient of a softmax's output `y`, by the gradient of its input,
/// divided by `divisor` (the softmax of `x / divisor`).
pub(super) fn backward_in_place(y: &[f32], grad: &mut [f32], divisor: f32) {
    with_avx2(|| backward_lanes(y, grad, divisor))
}

#[inline(always)]
fn in_place_lanes(row: &mut [f32], divisor: f32) {
    let mut max = [f32::NEG_INFINITY; LANES];
    for_each_lane(row, |x, lane| {
        *x /= divisor;
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
}

#[inline(always)]
fn backward_lanes(y: &[f32], grad: &mut [f32], divisor: f32) {
    let dot = dot(y, grad);
    for (g, y) in grad.iter_mut().zip(y) {
        *g = y * (*g - dot) / divisor;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The AVX2 build of the loops and the baseline one give the same bits.
    #[test]
    fn the_avx2_and_baseline_loops_agree_bit_for_bit() {
        for len in [1, 7, 8, 13, 64, 1024] {
            let row: Vec<f32> = (0..len)
                .map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0)
                .collect();
            let grad: Vec<f32> = (0..len)
                .map(|i| ((i * 53 % 89) as f32 - 44.0) / 9.0)
                .collect();
            let (mut dispatched, mut baseline) = (row.clone(), row.clone());
            in_place(&mut dispatched, 4.0);
            in_place_lanes(&mut baseline, 4.0);
            assert_eq!(bits(&dispatched), bits(&baseline), "forward, {len} values");
            let (mut dispatched_grad, mut baseline_grad) = (grad.clone(), grad);
            backward_in_place(&dispatched, &mut dispatched_grad, 4.0);
            backward_lanes(&baseline, &mut baseline_grad, 4.0);
            assert_eq!(
                bits(&dispatched_grad),
                bits(&baseline_grad),
                "backward, {len} values"
            );
        }
    }

    fn bits(values: &[f32]) -> Vec<u32> {
        values.iter().map(|v| v.to_bits()).collect()
    }
}
