//! GELU on flex, forward and backward, with flex's own formulas (so the same values) split over
//! threads: flex runs elementwise kernels on one thread below a few million elements, which is
//! every activation of these models, and `erf` made GELU a tenth of a ViT step.

use std::f32::consts::{PI, SQRT_2};

use burn::backend::TensorMetadata;
use burn::backend::flex::FlexTensor;
use burn::backend::flex::ops::unary::erf_f32;
use rayon::prelude::*;

use super::{flex_tensor, values};

/// Elements per parallel task.
const CHUNK: usize = 8 * 1024;

/// `0.5·x·(1 + erf(x/√2))`.
pub(super) fn forward(x: &FlexTensor) -> FlexTensor {
    let input = values(x);
    let mut output = vec![0f32; input.len()];
    output
        .par_chunks_mut(CHUNK)
        .zip(input.par_chunks(CHUNK))
        .for_each(|(out, x)| {
            for (o, &x) in out.iter_mut().zip(x) {
                *o = 0.5 * x * (1.0 + erf_f32(x / SQRT_2));
            }
        });
    flex_tensor(output, x.shape().to_vec())
}

/// `grad · (Φ(x) + x·φ(x))`, the gradient of the input `x`.
pub(super) fn backward(x: &FlexTensor, grad: &FlexTensor) -> FlexTensor {
    let inv_sqrt_2pi = 1.0 / (2.0 * PI).sqrt();
    let (input, grad) = (values(x), values(grad));
    let mut input_grad = vec![0f32; input.len()];
    input_grad
        .par_chunks_mut(CHUNK)
        .zip(input.par_chunks(CHUNK).zip(grad.par_chunks(CHUNK)))
        .for_each(|(dx, (x, g))| {
            for ((dx, &x), &g) in dx.iter_mut().zip(x).zip(g) {
                let cdf = 0.5 * (1.0 + erf_f32(x / SQRT_2));
                let pdf = inv_sqrt_2pi * (-0.5 * x * x).exp();
                *dx = g * (cdf + x * pdf);
            }
        });
    flex_tensor(input_grad, x.shape().to_vec())
}
