//! GELU on flex, forward and backward, split over threads: flex runs elementwise kernels on one
//! thread below a few million elements, which is every activation of these models, and its GELU
//! calls libm's `erff` a value at a time (a tenth of a ViT step). Here `erf` is a formula the
//! compiler vectorises ([`erf`], PyTorch's vectorised CPU one), so each pass runs in vector
//! registers on all threads. A forward under autodiff keeps `Φ(x)` for the backward, which then
//! needs no second `erf`.

use std::f32::consts::{FRAC_1_SQRT_2, PI};

use burn::backend::TensorMetadata;
use burn::backend::flex::FlexTensor;
use rayon::prelude::*;

use super::exp::exp;
use super::lanes::{Lanes, vectorised};
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
        .for_each(|((out, cdf), x)| vectorised(Forward { x, out, cdf }));
    let shape = x.shape().to_vec();
    (flex_tensor(output, shape.clone()), flex_tensor(cdf, shape))
}

struct Forward<'a> {
    x: &'a [f32],
    out: &'a mut [f32],
    cdf: &'a mut [f32],
}

impl Lanes for Forward<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        for ((o, phi), &x) in self.out.iter_mut().zip(self.cdf).zip(self.x) {
            *phi = 0.5 * (1.0 + erf(x * FRAC_1_SQRT_2));
            *o = x * *phi;
        }
    }
}

/// `grad · (Φ(x) + x·φ(x))`, the gradient of the input `x`, from `Φ(x)` kept by the forward.
pub(super) fn backward(x: &FlexTensor, cdf: &FlexTensor, grad: &FlexTensor) -> FlexTensor {
    let (input, cdf, grad) = (values(x), values(cdf), values(grad));
    let mut input_grad = vec![0f32; input.len()];
    input_grad
        .par_chunks_mut(CHUNK)
        .zip(input.par_chunks(CHUNK))
        .zip(cdf.par_chunks(CHUNK).zip(grad.par_chunks(CHUNK)))
        .for_each(|((dx, x), (cdf, grad))| vectorised(Backward { x, cdf, grad, dx }));
    flex_tensor(input_grad, x.shape().to_vec())
}

struct Backward<'a> {
    x: &'a [f32],
    cdf: &'a [f32],
    grad: &'a [f32],
    dx: &'a mut [f32],
}

impl Lanes for Backward<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let inv_sqrt_2pi = 1.0 / (2.0 * PI).sqrt();
        let values = self.x.iter().zip(self.cdf).zip(self.grad);
        for (dx, ((&x, &cdf), &g)) in self.dx.iter_mut().zip(values) {
            let pdf = inv_sqrt_2pi * exp(-0.5 * x * x);
            *dx = g * (cdf + x * pdf);
        }
    }
}

/// `erf(x)` within 5·10⁻⁷ (Abramowitz and Stegun 7.1.26: `1 − t·P(t)·e^(−x²)` with
/// `t = 1/(1 + p·|x|)`, the sign of `x` put back), without branches so that it vectorises: the
/// formula PyTorch's vectorised CPU `erf` (and so its GELU) uses: 1.5·10⁻⁷ in exact arithmetic, the
/// rest `f32` rounding. NaN stays NaN.
#[inline(always)]
fn erf(x: f32) -> f32 {
    const P: f32 = 0.327_591_1;
    const A: [f32; 5] = [
        0.254_829_6,
        -0.284_496_74,
        1.421_413_8,
        -1.453_152,
        1.061_405_4,
    ];
    let a = x.abs();
    let t = 1.0 / (1.0 + P * a);
    let poly = ((((A[4] * t + A[3]) * t + A[2]) * t + A[1]) * t + A[0]) * t;
    (1.0 - poly * exp(-a * a)).copysign(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::lanes::{assert_same_bits_on_every_simd, compiled_for, test_values};

    #[test]
    fn erf_agrees_with_libm() {
        let mut worst = 0f32;
        for i in -6_000..6_000 {
            let x = i as f32 / 1000.0 + 0.000_37;
            worst = worst.max((erf(x) - libm_erf(x)).abs());
        }
        assert!(worst < 5e-7, "absolute error {worst}");
        assert_eq!(erf(20.0), 1.0);
        assert_eq!(erf(-20.0), -1.0);
        assert!(erf(f32::NAN).is_nan());
    }

    fn libm_erf(x: f32) -> f32 {
        burn::backend::flex::ops::unary::erf_f32(x)
    }

    #[test]
    fn gelu_gives_the_same_bits_on_every_instruction_set() {
        let len = 1000;
        let (x, grad) = (test_values(len, 6), test_values(len, 7));
        let forward = |simd| {
            let (mut out, mut cdf) = (vec![0f32; len], vec![0f32; len]);
            let (x, out, cdf) = (&x[..], &mut out[..], &mut cdf[..]);
            compiled_for(simd, Forward { x, out, cdf });
            [out, cdf].concat()
        };
        assert_same_bits_on_every_simd("forward", forward);
        let cdf = forward(crate::ops::lanes::Simd::Baseline).split_off(len);
        assert_same_bits_on_every_simd("backward", |simd| {
            let mut dx = vec![0f32; len];
            let (x, cdf, grad) = (&x[..], &cdf[..], &grad[..]);
            compiled_for(
                simd,
                Backward {
                    x,
                    cdf,
                    grad,
                    dx: &mut dx,
                },
            );
            dx
        });
    }
}
