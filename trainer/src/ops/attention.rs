//! The core of multi-head self-attention on flex, forward and backward, one sample per parallel
//! task: `softmax(Q·Kᵀ/√d)·V` for each head, reading each head's queries, keys and values where
//! the projections wrote them (`[batch, tokens, heads·d]`) and writing its context there too.
//!
//! Chunked, flash-style: a head's scores are computed [`BLOCK`] query rows at a time into a
//! scratch buffer that stays in the L2 cache, and the forward keeps only each row's softmax
//! statistics (`softmax::RowStats`, two numbers per row) where it kept the whole
//! `tokens × tokens` attention weights: at 256 px (1,024 tokens) those were 512 MiB per step,
//! written by the forward and read by the backward, most of a ViT step spent in fresh pages'
//! faults. The backward computes a block's scores again (one more `Q·Kᵀ` product and exp pass)
//! and gets the forward's weights back bit for bit from the statistics.
//!
//! (Composed from burn's operations, the same attention split the heads out with copies, ran
//! one small batched product per (sample, head) per direction, and went through an autodiff
//! softmax; see `ops::burn_attention`.) Each value comes from one task's products on one thread,
//! summed block after block in a fixed order, so results do not depend on the number of threads.

use std::ops::Range;

use burn::backend::TensorMetadata;
use burn::backend::flex::FlexTensor;
use rayon::prelude::*;

use super::matmul::{Threads, View, matmul, padded_stride};
use super::softmax::{self, RowStats};
use super::{flex_tensor, values};

/// Query rows per block: a block's scores and their gradient (`2 × BLOCK × tokens` values,
/// 512 KiB at 1,024 tokens) stay in a core's L2 cache.
const BLOCK: usize = 64;

/// The sizes of one attention.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    batch: usize,
    tokens: usize,
    /// Width of a token: heads × head width.
    dim: usize,
    heads: usize,
    head: usize,
}

impl Geometry {
    fn new(x: &FlexTensor, heads: usize) -> Geometry {
        let [batch, tokens, dim] = x.shape().dims();
        assert!(
            heads > 0 && dim.is_multiple_of(heads),
            "attention: width {dim} does not split into {heads} heads"
        );
        Geometry {
            batch,
            tokens,
            dim,
            heads,
            head: dim / heads,
        }
    }

    /// One sample's `[tokens, heads·d]` values.
    fn sample(&self) -> usize {
        self.tokens * self.dim
    }

    /// One sample's softmax statistics: two numbers for each of `heads × tokens` rows.
    fn stats(&self) -> usize {
        2 * self.heads * self.tokens
    }

    /// Values from one row of a block's scores to the next (see [`padded_stride`]).
    fn score_stride(&self) -> usize {
        padded_stride(self.tokens)
    }

    /// A scratch buffer for one block's scores.
    fn block_scratch(&self) -> Vec<f32> {
        vec![0f32; BLOCK.min(self.tokens) * self.score_stride()]
    }

    /// The query rows of each block.
    fn blocks(&self) -> impl Iterator<Item = Range<usize>> + use<> {
        let tokens = self.tokens;
        (0..tokens)
            .step_by(BLOCK)
            .map(move |start| start..(start + BLOCK).min(tokens))
    }

    /// Head `h` of one sample's `[tokens, heads·d]` values: a `tokens × d` view.
    fn head_view<'a>(&self, sample: &'a [f32], h: usize) -> View<'a> {
        View {
            data: &sample[h * self.head..],
            rows: self.tokens,
            cols: self.head,
            row_stride: self.dim,
            col_stride: 1,
        }
    }

    /// `√d`, by which burn's attention divides its scores.
    fn scale(&self) -> f32 {
        (self.head as f32).sqrt()
    }

    /// The scores `Q·Kᵀ` of head `h`'s query rows `rows` into `scores` (rows
    /// [`Self::score_stride`] apart).
    fn scores(&self, scores: &mut [f32], q: &[f32], k: &[f32], h: usize, rows: &Range<usize>) {
        let queries = self.rows_of(self.head_view(q, h), rows);
        let stride = self.score_stride();
        matmul(
            scores,
            stride,
            queries,
            self.head_view(k, h).t(),
            false,
            Threads::One,
        );
    }

    /// Rows `rows` of a `tokens × d` head view.
    fn rows_of<'a>(&self, view: View<'a>, rows: &Range<usize>) -> View<'a> {
        View {
            data: &view.data[rows.start * view.row_stride..],
            rows: rows.len(),
            ..view
        }
    }

    /// A block's scores (or their gradient) in `scratch` as a `rows × tokens` view.
    fn block_view<'a>(&self, scratch: &'a [f32], rows: usize) -> View<'a> {
        View {
            row_stride: self.score_stride(),
            ..View::rows(scratch, rows, self.tokens)
        }
    }
}

/// The first `rows` rows of `scratch` (rows `stride` apart, `len` values each), mutably.
fn block_rows(
    scratch: &mut [f32],
    rows: usize,
    stride: usize,
    len: usize,
) -> impl Iterator<Item = &mut [f32]> {
    scratch[..rows * stride]
        .chunks_mut(stride)
        .map(move |row| &mut row[..len])
}

/// The context `[batch, tokens, heads·d]` of queries, keys and values of that shape, and the
/// softmax statistics `[batch, heads, tokens, 2]` of the attention weights for the backward.
pub(super) fn forward(
    query: &FlexTensor,
    key: &FlexTensor,
    value: &FlexTensor,
    heads: usize,
) -> (FlexTensor, FlexTensor) {
    let g = Geometry::new(query, heads);
    let (q, k, v) = (values(query), values(key), values(value));
    let mut context = vec![0f32; g.batch * g.sample()];
    let mut stats = vec![0f32; g.batch * g.stats()];
    let (t, stride) = (g.tokens, g.score_stride());
    context
        .par_chunks_mut(g.sample())
        .zip(stats.par_chunks_mut(g.stats()))
        .enumerate()
        .for_each_init(
            || g.block_scratch(),
            |scores, (n, (context, stats))| {
                let at = n * g.sample()..(n + 1) * g.sample();
                let (q, k, v) = (&q[at.clone()], &k[at.clone()], &v[at]);
                for (h, stats) in stats.chunks_exact_mut(2 * t).enumerate() {
                    for rows in g.blocks() {
                        g.scores(scores, q, k, h, &rows);
                        let row_stats = stats[2 * rows.start..2 * rows.end].chunks_exact_mut(2);
                        for (row, kept) in block_rows(scores, rows.len(), stride, t).zip(row_stats)
                        {
                            let RowStats { max, scale } = softmax::in_place(row, g.scale());
                            kept.copy_from_slice(&[max, scale]);
                        }
                        matmul(
                            &mut context[rows.start * g.dim + h * g.head..],
                            g.dim,
                            g.block_view(scores, rows.len()),
                            g.head_view(v, h),
                            false,
                            Threads::One,
                        );
                    }
                }
            },
        );
    let shape = [g.batch, g.tokens, g.dim];
    (
        flex_tensor(context, shape),
        flex_tensor(stats, [g.batch, g.heads, t, 2]),
    )
}

/// The gradients of the queries, keys and values, from theirs, the forward's softmax statistics
/// and the gradient of the context.
pub(super) fn backward(
    query: &FlexTensor,
    key: &FlexTensor,
    value: &FlexTensor,
    stats: &FlexTensor,
    grad: &FlexTensor,
    heads: usize,
) -> [FlexTensor; 3] {
    let g = Geometry::new(query, heads);
    let (q, k, v) = (values(query), values(key), values(value));
    let (stats, grad) = (values(stats), values(grad));
    let (t, stride) = (g.tokens, g.score_stride());
    let mut grads = [0; 3].map(|_| vec![0f32; g.batch * g.sample()]);
    let [dq, dk, dv] = &mut grads;
    dq.par_chunks_mut(g.sample())
        .zip(dk.par_chunks_mut(g.sample()))
        .zip(dv.par_chunks_mut(g.sample()))
        .enumerate()
        // A block's weights and their gradient: buffers per rayon job, reused block after block.
        .for_each_init(
            || [g.block_scratch(), g.block_scratch()],
            |[p, d_scores], (n, ((dq, dk), dv))| {
                let at = n * g.sample()..(n + 1) * g.sample();
                let (q, k, v, d_context) =
                    (&q[at.clone()], &k[at.clone()], &v[at.clone()], &grad[at]);
                let stats = &stats[n * g.stats()..(n + 1) * g.stats()];
                for (h, stats) in stats.chunks_exact(2 * t).enumerate() {
                    let (kh, vh) = (g.head_view(k, h), g.head_view(v, h));
                    for (block, rows) in g.blocks().enumerate() {
                        // dV and dK sum over every query: block after block, in order.
                        let accumulate = block > 0;
                        let qb = g.rows_of(g.head_view(q, h), &rows);
                        let dc = g.rows_of(g.head_view(d_context, h), &rows);
                        // The forward's weights P, again.
                        g.scores(p, q, k, h, &rows);
                        let row_stats = stats[2 * rows.start..2 * rows.end].chunks_exact(2);
                        for (row, kept) in block_rows(p, rows.len(), stride, t).zip(row_stats) {
                            let stats = RowStats {
                                max: kept[0],
                                scale: kept[1],
                            };
                            softmax::recompute(row, g.scale(), stats);
                        }
                        let pv = g.block_view(p, rows.len());
                        // context = P·V: dV = Pᵀ·dC, dP = dC·Vᵀ.
                        let dv = &mut dv[h * g.head..];
                        matmul(dv, g.dim, pv.t(), dc, accumulate, Threads::One);
                        matmul(d_scores, stride, dc, vh.t(), false, Threads::One);
                        // P = softmax(S/√d): dS = softmax′(dP)/√d.
                        let weights = p.chunks(stride).map(|row| &row[..t]);
                        for (ds, y) in block_rows(d_scores, rows.len(), stride, t).zip(weights) {
                            softmax::backward_in_place(y, ds, g.scale());
                        }
                        // S = Q·Kᵀ: dQ = dS·K, dK = dSᵀ·Q.
                        let ds = g.block_view(d_scores, rows.len());
                        let dq = &mut dq[rows.start * g.dim + h * g.head..];
                        matmul(dq, g.dim, ds, kh, false, Threads::One);
                        let dk = &mut dk[h * g.head..];
                        matmul(dk, g.dim, ds.t(), qb, accumulate, Threads::One);
                    }
                }
            },
        );
    let shape = [g.batch, g.tokens, g.dim];
    grads.map(|grad| flex_tensor(grad, shape))
}
