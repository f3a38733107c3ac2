//! Training throughput of the three architectures, in samples/s.
//!
//! Each measurement runs the real training loop ([`fit`]) for one epoch over an in-memory store
//! of random images, after a warm-up epoch (allocator and kernel caches), and reports samples/s.

use std::ops::ControlFlow;

use burn::prelude::*;
use datasets::Source;
use serde::Serialize;

use crate::Result;
use crate::backend::BackendKind;
use crate::config::TrainConfig;
use crate::data::{ImageStore, InputShape};
use crate::init::init_model;
use crate::models::{Architecture, ArchitectureVisitor, ModelKind};
use crate::phases::PhasePlan;
use crate::train::{Outcome, fit};
use datasets::rng::SplitMix64;

#[derive(Debug, Clone, Serialize)]
pub struct Throughput {
    pub model: ModelKind,
    pub input: InputShape,
    pub batch_size: usize,
    pub samples: usize,
    pub seconds: f64,
    pub samples_per_second: f64,
    pub ms_per_step: f64,
}

/// The inputs measured by default: Fashion-MNIST's 1×28×28 and CIFAR's 3×32×32.
pub const BENCH_INPUTS: [InputShape; 2] = [
    InputShape::new(1, 28, 28, 10),
    InputShape::new(3, 32, 32, 10),
];

/// Worker threads of the CPU backend (rayon's pool), as run results record them.
pub fn cpu_threads() -> usize {
    rayon::current_num_threads()
}

/// Trains `model` for one epoch of `samples` random images of `input` and times it.
pub fn measure(
    model: ModelKind,
    input: InputShape,
    batch_size: usize,
    samples: usize,
    backend: BackendKind,
) -> Result<Throughput> {
    let device = backend.device()?.autodiff();
    let mut rng = SplitMix64::keyed(&[samples as u64]);
    let pixels: Vec<u8> = (0..samples * input.pixels())
        .map(|_| rng.next_u64() as u8)
        .collect();
    let labels = (0..samples)
        .map(|_| (rng.next_u64() % input.classes as u64) as u32)
        .collect();
    let store = ImageStore::from_hwc(input, &pixels, labels, vec![Source::Real; samples])?;
    let config = TrainConfig::new()
        .with_batch_size(batch_size)
        .with_epochs(1);
    let seconds = model.visit(
        input,
        Timed {
            store: &store,
            config: &config,
            device: &device,
        },
    )??;
    let steps = samples.div_ceil(batch_size);
    Ok(Throughput {
        model,
        input,
        batch_size,
        samples,
        seconds,
        samples_per_second: samples as f64 / seconds,
        ms_per_step: seconds * 1e3 / steps as f64,
    })
}

struct Timed<'a> {
    store: &'a ImageStore,
    config: &'a TrainConfig,
    device: &'a Device,
}

impl ArchitectureVisitor for Timed<'_> {
    type Output = Result<f64>;

    fn visit<A: Architecture>(self, architecture: A) -> Result<f64> {
        let model = init_model(&architecture, self.device, 0);
        let all: Vec<usize> = (0..self.store.len()).collect();
        let warm_up = all.len().min(4 * self.config.batch_size);
        let phase = |rows: &[usize]| PhasePlan {
            name: "bench".into(),
            source: None,
            rows: rows.to_vec(),
            samples: rows.len(),
            epochs: 1,
            lr: self.config.lr,
        };
        let run = |model, rows: &[usize]| {
            match fit(
                model,
                self.store,
                &[phase(rows)],
                self.config,
                self.device,
                None,
                &mut |_| ControlFlow::Continue(()),
            )? {
                Outcome::Trained(trained) => Ok((trained.model, trained.seconds)),
                // Random labels at a small lr do not diverge; time what ran if they did.
                Outcome::Diverged { epochs, .. } => Err(crate::Error::invalid(format!(
                    "the benchmark diverged after {} epochs",
                    epochs.len()
                ))),
            }
        };
        let (model, _) = run(model, &all[..warm_up])?;
        let (_, seconds) = run(model, &all)?;
        Ok(seconds)
    }
}
