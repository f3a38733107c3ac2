//! Max-pooling over non-overlapping square windows on flex, parallel over the `N·C` planes, with
//! one compiled loop per window side in [`SIDES`]: a constant side lets the compiler vectorise
//! the window's interleaved loads and stores, a side known only at run time left both passes
//! scalar (a profile of the CNN put 12 % of a training step in a runtime-side backward). The
//! forward is a branch-free running maximum over the window's offsets, a whole output row at a
//! time; the backward finds each window's maximum again rather than have the forward record it.
//! (flex's general pooling handles any stride, padding and dilation, and pays for it per output.)

use std::ops::RangeInclusive;

use burn::backend::TensorMetadata;
use burn::backend::flex::FlexTensor;
use rayon::prelude::*;

use super::lanes::{Lanes, vectorised};
use super::{flex_tensor, values};

/// The window sides these kernels cover; `ops::max_pool2d` gives other sides to burn.
pub(super) const SIDES: RangeInclusive<usize> = 2..=4;

/// Runs `$run::<S>($args)` with the side `$size` as the constant `S`.
macro_rules! with_side {
    ($size:expr, $run:ident($($arg:expr),*)) => {
        match $size {
            2 => $run::<2>($($arg),*),
            3 => $run::<3>($($arg),*),
            4 => $run::<4>($($arg),*),
            size => panic!("max-pool kernel called with side {size}, outside {SIDES:?}"),
        }
    };
}

/// The larger of the running maximum `acc` and `v`; `acc` on a tie (a window's first maximum
/// wins) and NaN once either is NaN, as in burn's and PyTorch's pooling.
fn keep_max(acc: f32, v: f32) -> f32 {
    if acc >= v || acc.is_nan() { acc } else { v }
}

/// `x` is `[N, C, H, W]`; the output is `[N, C, H / size, W / size]`.
pub(super) fn forward(x: &FlexTensor, size: usize) -> FlexTensor {
    let [n, c, h, w] = x.shape().dims();
    let (oh, ow) = (h / size, w / size);
    let input = values(x);
    let mut output = vec![0f32; n * c * oh * ow];
    if oh * ow > 0 {
        output
            .par_chunks_mut(oh * ow)
            .enumerate()
            .for_each(|(plane, out)| {
                let src = &input[plane * h * w..(plane + 1) * h * w];
                vectorised(ForwardPlane {
                    size,
                    src,
                    out,
                    width: w,
                });
            });
    }
    flex_tensor(output, [n, c, oh, ow])
}

/// One plane's maxima, compiled for the widest vector instructions the CPU has (`lanes.rs`;
/// comparisons and copies, so the same bits on each).
struct ForwardPlane<'a> {
    size: usize,
    src: &'a [f32],
    out: &'a mut [f32],
    width: usize,
}

impl Lanes for ForwardPlane<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let ForwardPlane {
            size,
            src,
            out,
            width,
        } = self;
        let ow = width / size;
        with_side!(size, forward_plane(src, out, width, ow));
    }
}

/// The maxima of one plane `src` (rows of `width`) into `out` (rows of `ow`).
#[inline(always)]
fn forward_plane<const S: usize>(src: &[f32], out: &mut [f32], width: usize, ow: usize) {
    for (oy, out_row) in out.chunks_exact_mut(ow).enumerate() {
        for dy in 0..S {
            let (windows, _) = src[(oy * S + dy) * width..][..ow * S].as_chunks::<S>();
            for (o, window) in out_row.iter_mut().zip(windows) {
                for (dx, &v) in window.iter().enumerate() {
                    *o = if dy == 0 && dx == 0 {
                        v
                    } else {
                        keep_max(*o, v)
                    };
                }
            }
        }
    }
}

/// The gradient of the input `x`: each output's gradient goes to the first position of its
/// window that holds the window's maximum (the one [`forward`] kept), the rest of `x` gets zero.
pub(super) fn backward(
    x: &FlexTensor,
    output: &FlexTensor,
    grad: &FlexTensor,
    size: usize,
) -> FlexTensor {
    let [n, c, h, w] = x.shape().dims();
    let (oh, ow) = (h / size, w / size);
    let (input, output, grad) = (values(x), values(output), values(grad));
    let mut input_grad = vec![0f32; n * c * h * w];
    if oh * ow > 0 {
        input_grad
            .par_chunks_mut(h * w)
            .enumerate()
            // One row of `found` marks per task, not per plane.
            .for_each_init(
                || vec![false; ow],
                |found, (plane, dst)| {
                    let src = &input[plane * h * w..(plane + 1) * h * w];
                    let outputs = plane * oh * ow..(plane + 1) * oh * ow;
                    let (maxima, grads) = (&output[outputs.clone()], &grad[outputs]);
                    vectorised(BackwardPlane {
                        size,
                        src,
                        maxima,
                        grads,
                        dst,
                        found,
                        width: w,
                    });
                },
            );
    }
    flex_tensor(input_grad, [n, c, h, w])
}

/// One plane's input gradient, compiled for the widest vector instructions the CPU has.
struct BackwardPlane<'a> {
    size: usize,
    src: &'a [f32],
    maxima: &'a [f32],
    grads: &'a [f32],
    dst: &'a mut [f32],
    found: &'a mut [bool],
    width: usize,
}

impl Lanes for BackwardPlane<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let BackwardPlane {
            size,
            src,
            maxima,
            grads,
            dst,
            found,
            width,
        } = self;
        with_side!(size, backward_plane(src, maxima, grads, dst, found, width));
    }
}

/// One plane's input gradient into `dst` (zeroed), a whole output row at a time and without
/// branches: `found` (one mark per output column) marks the windows whose maximum an earlier
/// offset (in the forward's order) already took. The maximum is bit for bit the input it came from, and no earlier offset of its
/// window holds those bits (the forward would have kept that one), so comparing bits finds it,
/// NaN included.
#[inline(always)]
fn backward_plane<const S: usize>(
    src: &[f32],
    maxima: &[f32],
    grads: &[f32],
    dst: &mut [f32],
    found: &mut [bool],
    width: usize,
) {
    let ow = found.len();
    let rows = maxima.chunks_exact(ow).zip(grads.chunks_exact(ow));
    for (oy, (maxima, grads)) in rows.enumerate() {
        found.fill(false);
        for dy in 0..S {
            let at = (oy * S + dy) * width;
            let (src, _) = src[at..][..ow * S].as_chunks::<S>();
            let (dst, _) = dst[at..][..ow * S].as_chunks_mut::<S>();
            let windows = src.iter().zip(dst).zip(maxima).zip(grads);
            for ((((s, d), max), &g), found) in windows.zip(&mut *found) {
                for dx in 0..S {
                    let hit = !*found & (s[dx].to_bits() == max.to_bits());
                    d[dx] = if hit { g } else { 0.0 };
                    *found |= hit;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::lanes::{assert_same_bits_on_every_simd, compiled_for, test_values};

    #[test]
    fn pooling_gives_the_same_bits_on_every_instruction_set() {
        for size in SIDES {
            let (h, w) = (5 * size + 1, 7 * size + 2);
            let (oh, ow) = (h / size, w / size);
            // Rounded values: windows with ties, and a NaN.
            let mut src: Vec<f32> = test_values(h * w, size).iter().map(|v| v.round()).collect();
            src[w + 1] = f32::NAN;
            let grads = test_values(oh * ow, 9);
            let forward = |simd| {
                let mut out = vec![0f32; oh * ow];
                let (src, out_ref) = (&src[..], &mut out[..]);
                compiled_for(
                    simd,
                    ForwardPlane {
                        size,
                        src,
                        out: out_ref,
                        width: w,
                    },
                );
                out
            };
            let what = format!("side {size}");
            assert_same_bits_on_every_simd(&format!("forward, {what}"), forward);
            let maxima = forward(crate::ops::lanes::Simd::Baseline);
            assert_same_bits_on_every_simd(&format!("backward, {what}"), |simd| {
                let (mut dst, mut found) = (vec![0f32; h * w], vec![false; ow]);
                let plane = BackwardPlane {
                    size,
                    src: &src,
                    maxima: &maxima,
                    grads: &grads,
                    dst: &mut dst,
                    found: &mut found,
                    width: w,
                };
                compiled_for(simd, plane);
                dst
            });
        }
    }
}
