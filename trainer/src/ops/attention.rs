//! The core of multi-head self-attention on flex, forward and backward, one sample per parallel
//! task: `softmax(Q·Kᵀ/√d)·V` for each head, reading each head's queries, keys and values where
//! the projections wrote them (`[batch, tokens, heads·d]`) and writing its context there too.
//!
//! Composed from burn's operations, the same attention split the heads out with copies
//! (reshape, swap dims, contiguous), ran one small batched product per (sample, head) per
//! direction, scaled the scores in a pass of their own and went through the softmax, then copied
//! the heads back together — in the backward again for each. Here the products read strided
//! views of the projections, the scaling and the softmax run on the scores in place, and the
//! softmax's output is what the backward keeps. Each value comes from one task's products on
//! one thread, so results do not depend on the number of threads.

use burn::backend::TensorMetadata;
use burn::backend::flex::FlexTensor;
use rayon::prelude::*;

use super::matmul::{Threads, View, matmul};
use super::{flex_tensor, softmax, values};

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

    /// One sample's `[heads, tokens, tokens]` attention weights.
    fn weights(&self) -> usize {
        self.heads * self.tokens * self.tokens
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
}

/// The context `[batch, tokens, heads·d]` of queries, keys and values of that shape, and the
/// attention weights `[batch, heads, tokens, tokens]` (the softmax's output) for the backward.
pub(super) fn forward(
    query: &FlexTensor,
    key: &FlexTensor,
    value: &FlexTensor,
    heads: usize,
) -> (FlexTensor, FlexTensor) {
    let g = Geometry::new(query, heads);
    let (q, k, v) = (values(query), values(key), values(value));
    let mut context = vec![0f32; g.batch * g.sample()];
    let mut weights = vec![0f32; g.batch * g.weights()];
    let t = g.tokens;
    context
        .par_chunks_mut(g.sample())
        .zip(weights.par_chunks_mut(g.weights()))
        .enumerate()
        .for_each(|(n, (context, weights))| {
            let at = n * g.sample()..(n + 1) * g.sample();
            let (q, k, v) = (&q[at.clone()], &k[at.clone()], &v[at]);
            for (h, p) in weights.chunks_exact_mut(t * t).enumerate() {
                let (qh, kh, vh) = (g.head_view(q, h), g.head_view(k, h), g.head_view(v, h));
                matmul(p, t, qh, kh.t(), false, Threads::One);
                for row in p.chunks_exact_mut(t) {
                    softmax::in_place(row, g.scale());
                }
                let p = View::rows(p, t, t);
                matmul(
                    &mut context[h * g.head..],
                    g.dim,
                    p,
                    vh,
                    false,
                    Threads::One,
                );
            }
        });
    let shape = [g.batch, g.tokens, g.dim];
    (
        flex_tensor(context, shape),
        flex_tensor(weights, [g.batch, g.heads, t, t]),
    )
}

/// The gradients of the queries, keys and values, from theirs, the forward's attention weights
/// and the gradient of the context.
pub(super) fn backward(
    query: &FlexTensor,
    key: &FlexTensor,
    value: &FlexTensor,
    weights: &FlexTensor,
    grad: &FlexTensor,
    heads: usize,
) -> [FlexTensor; 3] {
    let g = Geometry::new(query, heads);
    let (q, k, v) = (values(query), values(key), values(value));
    let (weights, grad) = (values(weights), values(grad));
    let t = g.tokens;
    let mut grads = [0; 3].map(|_| vec![0f32; g.batch * g.sample()]);
    let [dq, dk, dv] = &mut grads;
    dq.par_chunks_mut(g.sample())
        .zip(dk.par_chunks_mut(g.sample()))
        .zip(dv.par_chunks_mut(g.sample()))
        .enumerate()
        // The gradient of one head's scores: a buffer per rayon job, not per sample, reused
        // sample after sample and head after head (each product overwrites it).
        .for_each_init(
            || vec![0f32; t * t],
            |d_scores, (n, ((dq, dk), dv))| {
                let at = n * g.sample()..(n + 1) * g.sample();
                let (q, k, v, d_context) =
                    (&q[at.clone()], &k[at.clone()], &v[at.clone()], &grad[at]);
                let weights = &weights[n * g.weights()..(n + 1) * g.weights()];
                for (h, p) in weights.chunks_exact(t * t).enumerate() {
                    let (qh, kh, vh) = (g.head_view(q, h), g.head_view(k, h), g.head_view(v, h));
                    let dc = g.head_view(d_context, h);
                    let pv = View::rows(p, t, t);
                    // context = P·V: dV = Pᵀ·dC, dP = dC·Vᵀ.
                    matmul(
                        &mut dv[h * g.head..],
                        g.dim,
                        pv.t(),
                        dc,
                        false,
                        Threads::One,
                    );
                    matmul(d_scores, t, dc, vh.t(), false, Threads::One);
                    // P = softmax(S/√d): dS = softmax′(dP)/√d.
                    for (ds, y) in d_scores.chunks_exact_mut(t).zip(p.chunks_exact(t)) {
                        softmax::backward_in_place(y, ds, g.scale());
                    }
                    // S = Q·Kᵀ: dQ = dS·K, dK = dSᵀ·Q.
                    let ds = View::rows(d_scores, t, t);
                    matmul(&mut dq[h * g.head..], g.dim, ds, kh, false, Threads::One);
                    matmul(
                        &mut dk[h * g.head..],
                        g.dim,
                        ds.t(),
                        qh,
                        false,
                        Threads::One,
                    );
                }
            },
        );
    let shape = [g.batch, g.tokens, g.dim];
    grads.map(|grad| flex_tensor(grad, shape))
}
