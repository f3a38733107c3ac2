//! Max-pooling over non-overlapping square windows on flex: one pass over the input, parallel over
//! the `N·C` planes, remembering where each window's maximum was for the backward pass. (flex's
//! general pooling handles any stride, padding and dilation, and pays for it per output.)

use std::sync::Arc;

use burn::backend::TensorMetadata;
use burn::backend::flex::FlexTensor;
use rayon::prelude::*;

use super::{flex_tensor, values};

/// A pooled tensor and, per output value, the offset of its maximum inside its input plane.
pub(super) struct Pooled {
    pub output: FlexTensor,
    pub argmax: Arc<Vec<u32>>,
}

/// `x` is `[N, C, H, W]`; the output is `[N, C, H / size, W / size]`. A window's first maximum
/// wins ties; a NaN in a window is its maximum, as in burn's and PyTorch's pooling.
pub(super) fn forward(x: &FlexTensor, size: usize) -> Pooled {
    let [n, c, h, w] = x.shape().dims();
    let (oh, ow) = (h / size, w / size);
    let input = values(x);
    let plane_out = oh * ow;
    let mut output = vec![0f32; n * c * plane_out];
    let mut argmax = vec![0u32; n * c * plane_out];
    if plane_out > 0 {
        output
            .par_chunks_mut(plane_out)
            .zip(argmax.par_chunks_mut(plane_out))
            .enumerate()
            .for_each(|(plane, (out, arg))| {
                let src = &input[plane * h * w..(plane + 1) * h * w];
                for oy in 0..oh {
                    for ox in 0..ow {
                        let first = oy * size * w + ox * size;
                        let (mut best, mut at) = (src[first], first);
                        for dy in 0..size {
                            let row = first + dy * w;
                            for (offset, &v) in src[row..row + size].iter().enumerate() {
                                if v > best || (v.is_nan() && !best.is_nan()) {
                                    (best, at) = (v, row + offset);
                                }
                            }
                        }
                        out[oy * ow + ox] = best;
                        arg[oy * ow + ox] = at as u32;
                    }
                }
            });
    }
    Pooled {
        output: flex_tensor(output, [n, c, oh, ow]),
        argmax: Arc::new(argmax),
    }
}

/// The gradient of the input `[N, C, H, W]`: each output's gradient goes to its window's maximum,
/// the rest of the input gets zero.
pub(super) fn backward(grad: &FlexTensor, argmax: &[u32], input_dims: [usize; 4]) -> FlexTensor {
    let [n, c, h, w] = input_dims;
    let grad = values(grad);
    let plane_out = grad.len() / (n * c).max(1);
    let mut input_grad = vec![0f32; n * c * h * w];
    if plane_out > 0 && h * w > 0 {
        input_grad
            .par_chunks_mut(h * w)
            .enumerate()
            .for_each(|(plane, dst)| {
                let range = plane * plane_out..(plane + 1) * plane_out;
                for (&g, &at) in grad[range.clone()].iter().zip(&argmax[range]) {
                    dst[at as usize] = g;
                }
            });
    }
    flex_tensor(input_grad, input_dims)
}
