//! A softmax over the last dim on flex, one pass per row for each direction, parallel over rows:
//! `y = exp(x − max x) / Σ exp(x − max x)` with a vectorised [`exp`], and
//! `dx = y ⊙ (g − Σ g ⊙ y)`. (Under autodiff, burn decomposes the softmax into separate exp,
//! sum, division passes, each recorded with its own backward; flex's fused forward calls libm's
//! `expf` a value at a time.)

use burn::backend::TensorMetadata;
use burn::backend::flex::FlexTensor;
use rayon::prelude::*;

use super::exp::exp;
use super::{flex_tensor, values};

/// Rows per parallel task: the attention's rows are a few dozen values long.
const ROWS_PER_TASK: usize = 64;

/// The softmax of every row of `x`.
pub(super) fn forward(x: &FlexTensor) -> FlexTensor {
    let shape = x.shape();
    let row = shape.as_slice().last().copied().unwrap_or(1).max(1);
    let input = values(x);
    let mut output = vec![0f32; input.len()];
    output
        .par_chunks_mut(ROWS_PER_TASK * row)
        .zip(input.par_chunks(ROWS_PER_TASK * row))
        .for_each(|(y, x)| {
            for (y, x) in y.chunks_exact_mut(row).zip(x.chunks_exact(row)) {
                let max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                for (y, &x) in y.iter_mut().zip(x) {
                    *y = exp(x - max);
                }
                let scale = 1.0 / y.iter().sum::<f32>();
                y.iter_mut().for_each(|y| *y *= scale);
            }
        });
    flex_tensor(output, shape.to_vec())
}

/// The input's gradient from the softmax `output` and the gradient of that output.
pub(super) fn backward(output: &FlexTensor, grad: &FlexTensor) -> FlexTensor {
    let shape = output.shape();
    let row = shape.as_slice().last().copied().unwrap_or(1).max(1);
    let (y, g) = (values(output), values(grad));
    let mut input_grad = vec![0f32; y.len()];
    input_grad
        .par_chunks_mut(ROWS_PER_TASK * row)
        .zip(y.par_chunks(ROWS_PER_TASK * row))
        .zip(g.par_chunks(ROWS_PER_TASK * row))
        .for_each(|((dx, y), g)| {
            for ((dx, y), g) in dx
                .chunks_exact_mut(row)
                .zip(y.chunks_exact(row))
                .zip(g.chunks_exact(row))
            {
                let dot: f32 = y.iter().zip(g).map(|(y, g)| y * g).sum();
                for ((dx, y), g) in dx.iter_mut().zip(y).zip(g) {
                    *dx = y * (g - dot);
                }
            }
        });
    flex_tensor(input_grad, shape.to_vec())
}
