//! A 2-D convolution (one group, no dilation) on flex as im2col and matrix products, forward and
//! backward. The im2col matrix of a run of samples is `[C·kh·kw, S·OH·OW]` — one row per patch
//! element, the samples side by side — so that
//! - the output of sample `n` is `W · cols[:, n]` (one product per sample, parallel over them),
//! - the weight gradient is a single product `G · colsᵀ` summed over every sample and position
//!   by the matrix product itself (with `G` the output gradient as `[O, S·OH·OW]`),
//! - the input gradient is col2im of the single product `Wᵀ · G`.
//!
//! Large batches are cut into runs of samples whose im2col matrix fits [`COLUMNS_BUDGET`], summed
//! run after run. Products split only their output between threads and every sum runs in a
//! fixed order, so results do not depend on the number of threads. (flex's own convolution
//! forward builds im2col tiles a value at a time; burn's generic weight gradient is a
//! convolution whose kernel is the whole output map, parallel only over input channels, and its
//! input gradient a transposed convolution.)

use std::ops::Range;

use burn::backend::TensorMetadata;
use burn::backend::flex::FlexTensor;
use burn::backend::ops::ConvOptions;
use rayon::prelude::*;

use super::matmul::{Threads, View, matmul, padded_stride};
use super::{flex_tensor, lanes, values};

/// Most values an im2col matrix may hold at once (32 MiB): a batch whose matrix is larger is
/// convolved a run of samples at a time. The runs depend on the sizes alone, never on threads.
/// The unit tests' budget is small enough for their small batches to be cut into runs too.
const COLUMNS_BUDGET: usize = if cfg!(test) { 2048 } else { 8 << 20 };

/// Samples per part of the weight gradient's sum (see [`backward`]).
const PART_SAMPLES: usize = 8;

/// The sizes of one convolution.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    batch: usize,
    channels: usize,
    height: usize,
    width: usize,
    out_channels: usize,
    kernel: [usize; 2],
    stride: [usize; 2],
    /// Padding before the first row and column (the padding after only decides the output size).
    pad: [usize; 2],
    out: [usize; 2],
}

impl Geometry {
    fn new(x: &FlexTensor, weight: &FlexTensor, options: &ConvOptions<2>) -> Self {
        let [batch, channels, height, width] = x.shape().dims();
        let [out_channels, _, kh, kw] = weight.shape().dims();
        let out = |side: usize, k: usize, axis: usize| {
            let (before, after) = options.padding[axis];
            (side + before + after - k) / options.stride[axis] + 1
        };
        Geometry {
            batch,
            channels,
            height,
            width,
            out_channels,
            kernel: [kh, kw],
            stride: options.stride,
            pad: options.padding_begin(),
            out: [out(height, kh, 0), out(width, kw, 1)],
        }
    }

    /// Rows of the im2col matrix: one per (channel, kernel row, kernel column).
    fn patch(&self) -> usize {
        self.channels * self.kernel[0] * self.kernel[1]
    }

    fn positions(&self) -> usize {
        self.out[0] * self.out[1]
    }

    fn sample_len(&self) -> usize {
        self.channels * self.height * self.width
    }

    /// The batch cut into runs of samples whose im2col matrix fits the budget.
    fn runs(&self) -> impl Iterator<Item = Range<usize>> {
        let per_run = (COLUMNS_BUDGET / (self.patch() * self.positions()).max(1)).max(1);
        let batch = self.batch;
        (0..batch)
            .step_by(per_run)
            .map(move |start| start..(start + per_run).min(batch))
    }

    /// Calls `visit(position, input_offset, len)` for every run of `len` output positions of one
    /// output row whose tap for patch element `row` reads the image rather than the padding:
    /// positions `position..position + len` read the input at `input_offset`,
    /// `input_offset + stride`, …; offsets are within the sample.
    fn for_each_run(&self, row: usize, mut visit: impl FnMut(usize, usize, usize)) {
        let [kh, kw] = self.kernel;
        let (c, i, j) = (row / (kh * kw), row / kw % kh, row % kw);
        let [oh, ow] = self.out;
        let [sy, sx] = self.stride;
        // The output columns whose tap `j` lands inside the image: x = ox·sx + j − pad ∈ [0, W).
        let lo = self.pad[1].saturating_sub(j).div_ceil(sx);
        let hi = (self.width + self.pad[1])
            .checked_sub(j)
            .map_or(0, |end| end.div_ceil(sx))
            .min(ow);
        if lo >= hi {
            return;
        }
        for oy in 0..oh {
            let Some(y) = (oy * sy + i).checked_sub(self.pad[0]) else {
                continue;
            };
            if y >= self.height {
                continue;
            }
            let x = lo * sx + j - self.pad[1];
            visit(
                oy * ow + lo,
                (c * self.height + y) * self.width + x,
                hi - lo,
            );
        }
    }

    /// Values from one row of a run's im2col matrix (or of its gathered output gradient) to the
    /// next: the run's `S·OH·OW` columns, padded (see [`padded_stride`]).
    fn row_stride(&self, samples: &Range<usize>) -> usize {
        padded_stride(samples.len() * self.positions())
    }

    /// The im2col matrix `[C·kh·kw, S·OH·OW]` of `samples` (rows [`Self::row_stride`] apart),
    /// zero where a patch covers padding.
    fn im2col(&self, input: &[f32], samples: &Range<usize>) -> Vec<f32> {
        let row_stride = self.row_stride(samples);
        let mut cols = vec![0f32; self.patch() * row_stride];
        if samples.is_empty() || self.positions() == 0 {
            return cols;
        }
        let stride = self.stride[1];
        cols.par_chunks_mut(row_stride)
            .enumerate()
            .for_each(|(row, dst)| {
                for (k, n) in samples.clone().enumerate() {
                    let src = &input[n * self.sample_len()..][..self.sample_len()];
                    let dst = &mut dst[k * self.positions()..][..self.positions()];
                    self.for_each_run(row, |position, offset, len| {
                        let dst = &mut dst[position..][..len];
                        if stride == 1 {
                            dst.copy_from_slice(&src[offset..offset + len]);
                        } else {
                            let taps = src[offset..].iter().step_by(stride);
                            dst.iter_mut().zip(taps).for_each(|(d, s)| *d = *s);
                        }
                    });
                }
            });
        cols
    }

    /// Adds the im2col-shaped gradient `cols` of `samples` (rows [`Self::row_stride`] apart)
    /// into their input gradient `dst` (`[S, C, H, W]`), in a fixed order of patch elements for
    /// every input.
    fn col2im(&self, cols: &[f32], samples: &Range<usize>, dst: &mut [f32]) {
        let row_stride = self.row_stride(samples);
        let stride = self.stride[1];
        dst.par_chunks_mut(self.sample_len().max(1))
            .enumerate()
            .for_each(|(k, dst)| {
                for row in 0..self.patch() {
                    let src = &cols[row * row_stride + k * self.positions()..][..self.positions()];
                    self.for_each_run(row, |position, offset, len| {
                        let src = &src[position..][..len];
                        let taps = dst[offset..].iter_mut().step_by(stride);
                        taps.zip(src).for_each(|(d, s)| *d += s);
                    });
                }
            });
    }

    /// The output gradient of `samples` (`grad` is `[N, O, OH·OW]`) as `[O, S·OH·OW]`, rows
    /// [`Self::row_stride`] apart.
    fn gather_grad(&self, grad: &[f32], samples: &Range<usize>) -> Vec<f32> {
        let (positions, out_channels) = (self.positions(), self.out_channels);
        let row_stride = self.row_stride(samples);
        let mut gathered = vec![0f32; out_channels * row_stride];
        if positions > 0 && !samples.is_empty() {
            gathered
                .par_chunks_mut(row_stride)
                .enumerate()
                .for_each(|(o, dst)| {
                    for (dst, n) in dst.chunks_exact_mut(positions).zip(samples.clone()) {
                        dst.copy_from_slice(
                            &grad[(n * out_channels + o) * positions..][..positions],
                        );
                    }
                });
        }
        gathered
    }
}

/// The convolution `[N, C, H, W]` → `[N, O, OH, OW]`, with the bias added.
pub(super) fn forward(
    x: &FlexTensor,
    weight: &FlexTensor,
    bias: &FlexTensor,
    options: &ConvOptions<2>,
) -> FlexTensor {
    forward_keeping_columns(x, weight, bias, options).0
}

/// [`forward`], and the im2col matrix of the whole batch where one run took it all: what the
/// weight gradient multiplies by, which the backward then does not build again.
pub(super) fn forward_keeping_columns(
    x: &FlexTensor,
    weight: &FlexTensor,
    bias: &FlexTensor,
    options: &ConvOptions<2>,
) -> (FlexTensor, Option<Vec<f32>>) {
    let geometry = Geometry::new(x, weight, options);
    let (input, weight, bias) = (values(x), values(weight), values(bias));
    let (positions, out_channels) = (geometry.positions(), geometry.out_channels);
    let weight = View::rows(&weight, out_channels, geometry.patch());
    let mut output = vec![0f32; geometry.batch * out_channels * positions];
    let mut kept = None;
    for samples in geometry.runs() {
        let cols = geometry.im2col(&input, &samples);
        let row_stride = geometry.row_stride(&samples);
        let sample_out = out_channels * positions;
        output[samples.start * sample_out..samples.end * sample_out]
            .par_chunks_mut(sample_out.max(1))
            .enumerate()
            .for_each(|(k, dst)| {
                let cols = View {
                    data: &cols[k * positions..],
                    rows: geometry.patch(),
                    cols: positions,
                    row_stride,
                    col_stride: 1,
                };
                matmul(dst, positions, weight, cols, false, Threads::One);
                for (row, b) in dst.chunks_exact_mut(positions).zip(bias.iter()) {
                    row.iter_mut().for_each(|v| *v += b);
                }
            });
        if samples.len() == geometry.batch {
            kept = Some(cols);
        }
    }
    let [oh, ow] = geometry.out;
    let output = flex_tensor(output, [geometry.batch, out_channels, oh, ow]);
    (output, kept)
}

/// The gradients a backward step asks for (`None` where it does not).
pub(super) struct Gradients {
    pub input: Option<FlexTensor>,
    pub weight: Option<FlexTensor>,
    pub bias: Option<FlexTensor>,
}

/// The gradients of input, weight and bias from the output gradient `grad`, each computed only
/// if `wanted` (in that order) asks for it; `columns` is the batch's im2col matrix if the
/// forward kept it.
pub(super) fn backward(
    x: &FlexTensor,
    weight: &FlexTensor,
    grad: &FlexTensor,
    options: &ConvOptions<2>,
    [want_input, want_weight, want_bias]: [bool; 3],
    columns: Option<&[f32]>,
) -> Gradients {
    let geometry = Geometry::new(x, weight, options);
    let (input, weight_values, grad) = (values(x), values(weight), values(grad));
    let (patch, out_channels) = (geometry.patch(), geometry.out_channels);
    let weight_view = View::rows(&weight_values, out_channels, patch);
    let mut input_grad = want_input.then(|| vec![0f32; geometry.batch * geometry.sample_len()]);
    let mut weight_grad = want_weight.then(|| vec![0f32; out_channels * patch]);
    let mut bias_grad = want_bias.then(|| vec![0f32; out_channels]);
    for (run, samples) in geometry.runs().enumerate() {
        let width = samples.len() * geometry.positions();
        let row_stride = geometry.row_stride(&samples);
        let grad = geometry.gather_grad(&grad, &samples);
        let grad_view = View {
            row_stride,
            ..View::rows(&grad, out_channels, width)
        };
        if let Some(weight_grad) = &mut weight_grad {
            let built;
            let cols = match columns.filter(|_| samples.len() == geometry.batch) {
                Some(kept) => kept,
                None => {
                    built = geometry.im2col(&input, &samples);
                    &built
                }
            };
            let cols = View {
                row_stride,
                ..View::rows(cols, patch, width)
            }
            .t();
            // The product's output is small ([O, C·kh·kw]) and its inner dimension long
            // (S·OH·OW): split between threads by output it would run on one. Parts of a fixed
            // number of samples are multiplied in parallel and summed in order instead.
            let part = PART_SAMPLES * geometry.positions();
            let parts: Vec<Vec<f32>> = (0..width)
                .into_par_iter()
                .step_by(part.max(1))
                .map(|start| {
                    let len = part.min(width - start);
                    let mut product = vec![0f32; out_channels * patch];
                    let grad = View {
                        data: &grad[start..],
                        cols: len,
                        ..grad_view
                    };
                    let cols = View {
                        data: &cols.data[start..],
                        rows: len,
                        ..cols
                    };
                    matmul(&mut product, patch, grad, cols, false, Threads::One);
                    product
                })
                .collect();
            for (i, product) in parts.iter().enumerate() {
                if run == 0 && i == 0 {
                    weight_grad.copy_from_slice(product);
                } else {
                    weight_grad
                        .iter_mut()
                        .zip(product)
                        .for_each(|(w, p)| *w += p);
                }
            }
        }
        if let Some(bias_grad) = &mut bias_grad {
            bias_grad
                .par_iter_mut()
                .zip(grad.par_chunks(row_stride.max(1)))
                .for_each(|(sum, row)| *sum += lanes::sum(&row[..width]));
        }
        if let Some(input_grad) = &mut input_grad {
            let mut cols = vec![0f32; patch * row_stride];
            matmul(
                &mut cols,
                row_stride,
                weight_view.t(),
                grad_view,
                false,
                Threads::All,
            );
            let sample_len = geometry.sample_len();
            let dst = &mut input_grad[samples.start * sample_len..samples.end * sample_len];
            geometry.col2im(&cols, &samples, dst);
        }
    }
    Gradients {
        input: input_grad.map(|values| flex_tensor(values, x.shape().dims::<4>())),
        weight: weight_grad.map(|values| flex_tensor(values, weight.shape().dims::<4>())),
        bias: bias_grad.map(|values| flex_tensor(values, [out_channels])),
    }
}
