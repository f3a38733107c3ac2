//! The gradients of a 2-D convolution (one group, no dilation) on flex, as per-sample matrix
//! products over an im2col of the input: for sample `n`, `cols[n]` is `[C·kh·kw, OH·OW]`, so
//! `dW = Σₙ grad[n] · cols[n]ᵀ` and the input gradient is col2im of `Wᵀ · grad[n]`. Both are
//! parallel over the batch; the batch sum runs in sample order, so it does not depend on the
//! number of threads. (burn's generic weight gradient is a convolution whose kernel is the whole
//! output map, parallel only over input channels; its input gradient a transposed convolution.)

use burn::backend::Flex;
use burn::backend::TensorMetadata;
use burn::backend::flex::FlexTensor;
use burn::backend::ops::{ConvOptions, FloatTensorOps, ModuleOps};
use rayon::prelude::*;

use super::{flex_tensor, values};

/// The sizes of one convolution.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    batch: usize,
    channels: usize,
    height: usize,
    width: usize,
    kernel: [usize; 2],
    stride: [usize; 2],
    /// Padding before the first row and column (the padding after only decides the output size).
    pad: [usize; 2],
    out: [usize; 2],
}

impl Geometry {
    fn new(x: &FlexTensor, weight: &FlexTensor, options: &ConvOptions<2>) -> Self {
        let [batch, channels, height, width] = x.shape().dims();
        let [_, _, kh, kw] = weight.shape().dims();
        let out = |side: usize, k: usize, axis: usize| {
            let (before, after) = options.padding[axis];
            (side + before + after - k) / options.stride[axis] + 1
        };
        Geometry {
            batch,
            channels,
            height,
            width,
            kernel: [kh, kw],
            stride: options.stride,
            pad: options.padding_begin(),
            out: [out(height, kh, 0), out(width, kw, 1)],
        }
    }

    /// Rows of a sample's im2col matrix: one per (channel, kernel row, kernel column).
    fn patch(&self) -> usize {
        self.channels * self.kernel[0] * self.kernel[1]
    }

    fn positions(&self) -> usize {
        self.out[0] * self.out[1]
    }

    /// Calls `visit(col_row, position, input_offset, len)` for every run of `len` output
    /// positions of one output row whose taps of one patch element read the image rather than
    /// the padding: positions `position..position + len` read the input at `input_offset`,
    /// `input_offset + stride`, …; offsets are within the sample.
    fn for_each_run(&self, mut visit: impl FnMut(usize, usize, usize, usize)) {
        let [kh, kw] = self.kernel;
        let [oh, ow] = self.out;
        let [sy, sx] = self.stride;
        // The output columns whose tap `j` lands inside the image: x = ox·sx + j − pad ∈ [0, W).
        let columns = |j: usize| {
            let lo = self.pad[1].saturating_sub(j).div_ceil(sx);
            let hi = (self.width + self.pad[1])
                .checked_sub(j)
                .map_or(0, |end| end.div_ceil(sx))
                .min(ow);
            (lo, hi.max(lo))
        };
        for c in 0..self.channels {
            for i in 0..kh {
                for j in 0..kw {
                    let row = (c * kh + i) * kw + j;
                    let (lo, hi) = columns(j);
                    if lo == hi {
                        continue;
                    }
                    for oy in 0..oh {
                        let Some(y) = (oy * sy + i).checked_sub(self.pad[0]) else {
                            continue;
                        };
                        if y >= self.height {
                            continue;
                        }
                        let x = lo * sx + j - self.pad[1];
                        let offset = (c * self.height + y) * self.width + x;
                        visit(row, oy * ow + lo, offset, hi - lo);
                    }
                }
            }
        }
    }
}

/// The convolution itself: flex's own (im2col + gemm, or a direct kernel for few channels).
pub(super) fn forward(
    x: FlexTensor,
    weight: FlexTensor,
    bias: FlexTensor,
    options: ConvOptions<2>,
) -> FlexTensor {
    Flex::conv2d(x, weight, Some(bias), options)
}

/// `[N, C·kh·kw, OH·OW]`: each sample's input patches, zero where they cover padding.
fn im2col(x: &FlexTensor, geometry: &Geometry) -> FlexTensor {
    let input = values(x);
    let sample_in = geometry.channels * geometry.height * geometry.width;
    let sample_cols = geometry.patch() * geometry.positions();
    let positions = geometry.positions();
    let mut cols = vec![0f32; geometry.batch * sample_cols];
    if sample_cols > 0 {
        cols.par_chunks_mut(sample_cols)
            .enumerate()
            .for_each(|(n, dst)| {
                let src = &input[n * sample_in..(n + 1) * sample_in];
                let stride = geometry.stride[1];
                geometry.for_each_run(|row, position, offset, len| {
                    let dst = &mut dst[row * positions + position..][..len];
                    if stride == 1 {
                        dst.copy_from_slice(&src[offset..offset + len]);
                    } else {
                        let taps = src[offset..].iter().step_by(stride);
                        dst.iter_mut().zip(taps).for_each(|(d, s)| *d = *s);
                    }
                });
            });
    }
    flex_tensor(
        cols,
        [geometry.batch, geometry.patch(), geometry.positions()],
    )
}

/// `grad` `[N, O, OH, OW]` as `[N, O, OH·OW]`.
fn per_sample(grad: FlexTensor, geometry: &Geometry) -> FlexTensor {
    let [_, out_channels, _, _] = grad.shape().dims();
    Flex::float_reshape(
        grad,
        [geometry.batch, out_channels, geometry.positions()].into(),
    )
}

/// The gradient of the weight `[O, C, kh, kw]`.
pub(super) fn weight_grad(
    x: &FlexTensor,
    weight: &FlexTensor,
    grad: FlexTensor,
    options: &ConvOptions<2>,
) -> FlexTensor {
    let geometry = Geometry::new(x, weight, options);
    let cols = im2col(x, &geometry);
    // [N, O, L] · [N, L, C·kh·kw]: one small product per sample, flex runs them in parallel.
    let products = Flex::float_matmul(
        per_sample(grad, &geometry),
        Flex::float_swap_dims(cols, 1, 2),
    );
    let products = values(&products);
    let size = weight.shape().num_elements();
    // Summed in sample order for every element, whatever the split between threads.
    const CHUNK: usize = 1024;
    let mut sum = vec![0f32; size];
    sum.par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(chunk, dst)| {
            let begin = chunk * CHUNK;
            for sample in products.chunks_exact(size.max(1)) {
                for (d, s) in dst.iter_mut().zip(&sample[begin..]) {
                    *d += s;
                }
            }
        });
    flex_tensor(sum, weight.shape().dims::<4>())
}

/// The gradient of the input `[N, C, H, W]`: col2im of `Wᵀ · grad[n]` for every sample.
pub(super) fn input_grad(
    x: &FlexTensor,
    weight: &FlexTensor,
    grad: FlexTensor,
    options: &ConvOptions<2>,
) -> FlexTensor {
    let geometry = Geometry::new(x, weight, options);
    let [out_channels, ..] = weight.shape().dims::<4>();
    // [1, C·kh·kw, O] (a transposed view) · [N, O, L] → [N, C·kh·kw, L].
    let weight_t = Flex::float_swap_dims(
        Flex::float_reshape(weight.clone(), [1, out_channels, geometry.patch()].into()),
        1,
        2,
    );
    let cols_grad = Flex::float_matmul(weight_t, per_sample(grad, &geometry));
    let cols_grad = values(&cols_grad);
    let sample_in = geometry.channels * geometry.height * geometry.width;
    let sample_cols = geometry.patch() * geometry.positions();
    let positions = geometry.positions();
    let mut input_grad = vec![0f32; geometry.batch * sample_in];
    if sample_in > 0 {
        input_grad
            .par_chunks_mut(sample_in)
            .enumerate()
            .for_each(|(n, dst)| {
                let src = &cols_grad[n * sample_cols..(n + 1) * sample_cols];
                let stride = geometry.stride[1];
                geometry.for_each_run(|row, position, offset, len| {
                    let src = &src[row * positions + position..][..len];
                    let taps = dst[offset..].iter_mut().step_by(stride);
                    taps.zip(src).for_each(|(d, s)| *d += s);
                });
            });
    }
    flex_tensor(input_grad, x.shape().dims::<4>())
}

/// The gradient of the bias `[O]`: flex's own (a sum of `grad` over batch and positions).
pub(super) fn bias_grad(x: FlexTensor, bias: FlexTensor, grad: FlexTensor) -> FlexTensor {
    Flex::conv2d_bias_backward(x, bias, grad)
}
