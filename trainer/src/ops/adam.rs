//! One Adam step over a parameter on flex, as a single pass: burn's Adam is a dozen tensor
//! operations per parameter (scale the moments, add, square, sqrt, divide, ...), each a pass over
//! the whole parameter into a fresh buffer, most of them on one thread. Here every element is
//! updated once, in place, on all threads, with burn's own formula in burn's order of operations
//! (no fused multiply-adds), so the values are burn's bit for bit, compiled for the widest vector
//! instructions the CPU has (the same bits on each, `lanes.rs`).

use burn::backend::flex::FlexTensor;
use rayon::prelude::*;

use super::lanes::{Lanes, vectorised};

/// Elements per parallel task; each is updated alone, so the split never changes a value.
const CHUNK: usize = 16 * 1024;

/// The scalars of one step, as burn's `AdaptiveMomentum::transform` derives them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamStep {
    pub beta_1: f32,
    pub beta_2: f32,
    pub epsilon: f32,
    /// 1 for the first step.
    pub time: usize,
    pub lr: f64,
}

/// `(param, moment_1, moment_2)` after one step with `grad`; the three are updated in place
/// where they are not shared.
pub(super) fn step(
    param: FlexTensor,
    grad: &FlexTensor,
    moment_1: FlexTensor,
    moment_2: FlexTensor,
    step: AdamStep,
) -> (FlexTensor, FlexTensor, FlexTensor) {
    let (mut param, mut moment_1, mut moment_2) = (dense(param), dense(moment_1), dense(moment_2));
    let grad = super::values(grad);
    let time = step.time as i32;
    let (b1, b2) = (step.beta_1, step.beta_2);
    let (keep_1, keep_2) = (1.0 - b1, 1.0 - b2);
    let bias_correction_2 = (1.0 - b2.powi(time)).sqrt();
    let factor = bias_correction_2 / (1.0 - b1.powi(time));
    let epsilon = step.epsilon * bias_correction_2;
    let lr = step.lr as f32;
    let constants = Constants {
        b1,
        b2,
        keep_1,
        keep_2,
        factor,
        epsilon,
        lr,
    };
    let update = |param: &mut [f32], m1: &mut [f32], m2: &mut [f32], grad: &[f32]| {
        vectorised(Update {
            param,
            m1,
            m2,
            grad,
            constants,
        })
    };
    let (p, m, v) = (
        param.storage_mut::<f32>(),
        moment_1.storage_mut::<f32>(),
        moment_2.storage_mut::<f32>(),
    );
    assert!(
        p.len() == grad.len() && m.len() == grad.len() && v.len() == grad.len(),
        "adam: the parameter, its gradient and its moments differ in size"
    );
    if p.len() <= CHUNK {
        update(p, m, v, &grad);
    } else {
        p.par_chunks_mut(CHUNK)
            .zip(m.par_chunks_mut(CHUNK))
            .zip(v.par_chunks_mut(CHUNK))
            .zip(grad.par_chunks(CHUNK))
            .for_each(|(((p, m), v), g)| update(p, m, v, g));
    }
    (param, moment_1, moment_2)
}

/// The scalars of one step, as [`step`] derives them from an [`AdamStep`].
#[derive(Clone, Copy)]
struct Constants {
    b1: f32,
    b2: f32,
    keep_1: f32,
    keep_2: f32,
    factor: f32,
    epsilon: f32,
    lr: f32,
}

/// One part of a parameter and of its moments and gradient.
struct Update<'a> {
    param: &'a mut [f32],
    m1: &'a mut [f32],
    m2: &'a mut [f32],
    grad: &'a [f32],
    constants: Constants,
}

impl Lanes for Update<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let Constants {
            b1,
            b2,
            keep_1,
            keep_2,
            factor,
            epsilon,
            lr,
        } = self.constants;
        let moments = self.m1.iter_mut().zip(self.m2.iter_mut());
        for ((p, (m, v)), &g) in self.param.iter_mut().zip(moments).zip(self.grad) {
            *m = *m * b1 + g * keep_1;
            *v = *v * b2 + (g * g) * keep_2;
            *p -= (*m * factor) / (v.sqrt() + epsilon) * lr;
        }
    }
}

/// `tensor` with its storage holding exactly its values in row-major order (a view is copied).
fn dense(tensor: FlexTensor) -> FlexTensor {
    let exact = tensor
        .as_slice::<f32>()
        .is_some_and(|values| values.len() == tensor.storage::<f32>().len());
    if exact {
        tensor
    } else {
        tensor.to_contiguous()
    }
}
