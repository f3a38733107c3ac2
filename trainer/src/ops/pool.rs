//! Max-pooling over non-overlapping square windows on flex, parallel over the `N·C` planes. The
//! forward is a branch-free running maximum over the window's offsets, a whole output row at a
//! time; the backward finds each window's maximum again rather than have the forward record it.
//! (flex's general pooling handles any stride, padding and dilation, and pays for it per output.)

use burn::backend::TensorMetadata;
use burn::backend::flex::FlexTensor;
use rayon::prelude::*;

use super::{flex_tensor, values};

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
                for (oy, out_row) in out.chunks_exact_mut(ow).enumerate() {
                    for dy in 0..size {
                        let row = &src[(oy * size + dy) * w..][..ow * size];
                        for dx in 0..size {
                            let taps = row.chunks_exact(size).map(|window| window[dx]);
                            if dy == 0 && dx == 0 {
                                out_row.iter_mut().zip(taps).for_each(|(o, v)| *o = v);
                            } else {
                                out_row
                                    .iter_mut()
                                    .zip(taps)
                                    .for_each(|(o, v)| *o = keep_max(*o, v));
                            }
                        }
                    }
                }
            });
    }
    flex_tensor(output, [n, c, oh, ow])
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
            .for_each(|(plane, dst)| {
                let src = &input[plane * h * w..(plane + 1) * h * w];
                let outputs = plane * oh * ow..(plane + 1) * oh * ow;
                let is_max = |v: f32, max: f32| v == max || (max.is_nan() && v.is_nan());
                for (i, (&max, &g)) in output[outputs.clone()]
                    .iter()
                    .zip(&grad[outputs])
                    .enumerate()
                {
                    let first = (i / ow) * size * w + (i % ow) * size;
                    'window: for dy in 0..size {
                        let row = first + dy * w;
                        for at in row..row + size {
                            if is_max(src[at], max) {
                                dst[at] = g;
                                break 'window;
                            }
                        }
                    }
                }
            });
    }
    flex_tensor(input_grad, [n, c, h, w])
}
