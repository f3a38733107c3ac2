//! GELU on flex, forward and backward, with flex's own formulas (so the same values) split over
//! threads: flex runs elementwise kernels on one thread below a few million elements, which is
//! every activation of these models, and `erf` made GELU a tenth of a ViT step. A forward under
//! autodiff keeps `Φ(x)` for the backward, which then needs no second `erf`.

use std::f32::consts::{PI, SQRT_2};

use burn::backend::TensorMetadata;
use burn::backend::flex::FlexTensor;
use burn::backend::flex::ops::unary::erf_f32;
use rayon::prelude::*;

use super::exp::exp;
use super::{flex_tensor, values};

/// Elements per parallel task.
const CHUNK: usize = 8 * 1024;

/// `x·Φ(x)`, and `Φ(x) = 0.5·(1 + erf(x/√2))` for the backward (an inference drops it).
pub(super) fn forward(x: &FlexTensor) -> (FlexTensor, FlexTensor) {
    let input = values(x);
    let mut output = vec![0f32; input.len()];
    let mut cdf = vec![0f32; input.len()];
    output
        .par_chunks_mut(CHUNK)
        .zip(cdf.par_chunks_mut(CHUNK))
        .zip(input.par_chunks(CHUNK))
        .for_each(|((out, cdf), x)| {
            for ((o, phi), &x) in out.iter_mut().zip(cdf).zip(x) {
                *phi = 0.5 * (1.0 + erf_f32(x / SQRT_2));
                *o = x * *phi;
            }
        });
    let shape = x.shape().to_vec();
    (flex_tensor(output, shape.clone()), flex_tensor(cdf, shape))
}

/// `grad · (Φ(x) + x·φ(x))`, the gradient of the input `x`, from `Φ(x)` kept by the forward.
pub(super) fn backward(x: &FlexTensor, cdf: &FlexTensor, grad: &FlexTensor) -> FlexTensor {
    let inv_sqrt_2pi = 1.0 / (2.0 * PI).sqrt();
    let (input, cdf, grad) = (values(x), values(cdf), values(grad));
    let mut input_grad = vec![0f32; input.len()];
    input_grad
        .par_chunks_mut(CHUNK)
        .zip(input.par_chunks(CHUNK))
        .zip(cdf.par_chunks(CHUNK).zip(grad.par_chunks(CHUNK)))
        .for_each(|((dx, x), (cdf, g))| {
            for (((dx, &x), &cdf), &g) in dx.iter_mut().zip(x).zip(cdf).zip(g) {
                let pdf = inv_sqrt_2pi * exp(-0.5 * x * x);
                *dx = g * (cdf + x * pdf);
            }
        });
    flex_tensor(input_grad, x.shape().to_vec())
}
