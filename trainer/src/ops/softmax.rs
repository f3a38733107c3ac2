//! The backward of a softmax over the last dim on flex, one pass per row, parallel over rows:
//! `dx = y ⊙ (g − Σ g ⊙ y)`. (Under autodiff, burn decomposes the softmax into separate
//! exp, sum, division passes, each recorded with its own backward; flex's fused forward is kept.)

use burn::backend::TensorMetadata;
use burn::backend::flex::FlexTensor;
use rayon::prelude::*;

use burn::backend::Flex;
use burn::backend::ops::ActivationOps;

use super::{flex_tensor, values};

/// flex's fused, row-parallel softmax.
pub(super) fn forward(x: FlexTensor) -> FlexTensor {
    let last = x.shape().num_dims() - 1;
    Flex::softmax(x, last)
}

/// Rows per parallel task: the attention's rows are a few dozen values long.
const ROWS_PER_TASK: usize = 64;

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
