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
                with_side!(size, forward_plane(src, out, w, ow));
            });
    }
    flex_tensor(output, [n, c, oh, ow])
}

/// The maxima of one plane `src` (rows of `width`) into `out` (rows of `ow`).
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
                    with_side!(size, backward_plane(src, maxima, grads, dst, found, w));
                },
            );
    }
    flex_tensor(input_grad, [n, c, h, w])
}

/// One plane's input gradient into `dst` (zeroed), a whole output row at a time and without
/// branches: `found` (one mark per output column) marks the windows whose maximum an earlier
/// offset (in the forward's order) already took. The maximum is bit for bit the input it came from, and no earlier offset of its
/// window holds those bits (the forward would have kept that one), so comparing bits finds it,
/// NaN included.
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
