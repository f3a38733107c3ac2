//! The softmax of one row and its backward, one pass each, with a vectorised [`exp`]:
//! `y = exp(x − max x) / Σ exp(x − max x)` and `dx = y ⊙ (g − Σ g ⊙ y)` — what the attention
//! kernel applies to every row of its scores. The maximum and the sums run in [`LANES`] partial
//! results, combined in a fixed order, so the compiler vectorises them (a sum taken value after
//! value waits on each addition) and the result never depends on threads. (Under autodiff,
//! burn decomposes a softmax into separate exp, sum and division passes, each recorded with its
//! own backward; flex's fused forward calls libm's `expf` a value at a time.)

use super::exp::exp;

/// Partial results of a row's maximum and sums: one AVX register of `f32`.
const LANES: usize = 8;

/// Replaces `row` by the softmax of `row / divisor`.
pub(super) fn in_place(row: &mut [f32], divisor: f32) {
    let mut max = [f32::NEG_INFINITY; LANES];
    for chunk in row.chunks_mut(LANES) {
        for (m, x) in max.iter_mut().zip(chunk) {
            *x /= divisor;
            *m = m.max(*x);
        }
    }
    let max = max.into_iter().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = [0f32; LANES];
    for chunk in row.chunks_mut(LANES) {
        for (s, y) in sum.iter_mut().zip(chunk) {
            *y = exp(*y - max);
            *s += *y;
        }
    }
    let scale = 1.0 / sum.iter().sum::<f32>();
    row.iter_mut().for_each(|y| *y *= scale);
}

/// Replaces `grad`, the gradient of a softmax's output `y`, by the gradient of its input,
/// divided by `divisor` (the softmax of `x / divisor`).
pub(super) fn backward_in_place(y: &[f32], grad: &mut [f32], divisor: f32) {
    let dot = dot(y, grad);
    for (g, y) in grad.iter_mut().zip(y) {
        *g = y * (*g - dot) / divisor;
    }
}

/// `Σ a·b`, in [`LANES`] partial sums added at the end.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut sum = [0f32; LANES];
    for (a, b) in a.chunks(LANES).zip(b.chunks(LANES)) {
        for ((s, a), b) in sum.iter_mut().zip(a).zip(b) {
            *s += a * b;
        }
    }
    sum.iter().sum()
}
