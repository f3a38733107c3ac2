//! The training loop: the phases of a [`plan`](crate::phases) in order, each for its epochs, over
//! rows reshuffled every epoch by a generator keyed on (seed, phase, epoch) — so an interrupted
//! run resumed from its last checkpoint visits exactly the rows it would have visited.
//!
//! After every epoch the loop writes a checkpoint (model and optimizer records in burnpack files,
//! plus its position); a non-finite epoch loss stops the run as diverged.
//!
//! Determinism: the initialisation is seeded from the run seed (see [`init_model`](crate::init::init_model)), the order of
//! the rows comes from our own keyed generator, and no layer draws random numbers (no dropout).
//! With flex, the same seed gave bit-identical losses and metrics with 1 and 2 rayon threads
//! (`RAYON_NUM_THREADS`); only while other threads of the same process compete for rayon's pool
//! have we seen last-bit differences, so a sweep should train its cells one at a time.

use std::ops::ControlFlow;
use std::time::Instant;

use burn::nn::loss::CrossEntropyLoss;
use burn::optim::GradientsParams;
use burn::prelude::*;
use datasets::rng::SplitMix64;

use crate::checkpoint::{Checkpoint, CheckpointState, EpochRecord, Position};
use crate::config::TrainConfig;
use crate::data::ImageStore;
use crate::models::Classifier;
use crate::phases::PhasePlan;
use crate::{Error, Result};

/// What the loop reports while it runs; returning `ControlFlow::Break` from the callback stops
/// the run after the current batch (the last checkpoint stays, for a resume).
#[derive(Debug)]
pub enum TrainEvent<'a> {
    /// Before the first batch: samples of the whole run and how many a checkpoint already covers.
    Start {
        total_samples: usize,
        done_samples: usize,
    },
    /// A batch is about to be trained on; `rows` are rows of the `train` split.
    Batch {
        phase: &'a str,
        epoch: usize,
        rows: &'a [usize],
    },
    Epoch(&'a EpochRecord),
}

/// A trained model and the history of its training.
#[derive(Debug)]
pub struct Trained<M> {
    pub model: M,
    pub epochs: Vec<EpochRecord>,
    /// Seconds spent training, summed over resumed sessions.
    pub seconds: f64,
    /// Seconds of this session the steps waited for a streamed split's images.
    pub loader_wait: f64,
}

impl<M> Trained<M> {
    pub fn samples(&self) -> usize {
        self.epochs.iter().map(|e| e.samples).sum()
    }
}

pub enum Outcome<M> {
    Trained(Trained<M>),
    /// The loss stopped being finite; the run is over (another try would diverge the same way).
    Diverged {
        reason: String,
        epochs: Vec<EpochRecord>,
    },
}

/// The order of the rows of phase `phase` in epoch `epoch` (0-based).
pub fn epoch_order(seed: u64, phase: usize, epoch: usize, rows: &[usize]) -> Vec<usize> {
    let mut order = rows.to_vec();
    SplitMix64::keyed(&[seed, phase as u64, epoch as u64]).shuffle(&mut order);
    order
}

/// Runs `work` on one of rayon's threads and waits for it: what drives the training loop and the
/// evaluation ([`run_training`](crate::run::run_training), the speed measurement). The loop calls
/// a parallel kernel every few hundred microseconds: from a thread outside the pool, each call
/// hands the work to the pool's threads and sleeps, and between calls those threads spin looking
/// for work on the cores the loop needs. Driven from inside the pool, the loop's thread takes its
/// share of every kernel (a CNN step on 2 threads ran 1.14× faster than on 1 from outside, 1.44×
/// from inside).
pub fn on_pool_thread<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    rayon::scope(|_| work())
}

/// Trains `model` (on an autodiff `device`) through `phases`, continuing from `checkpoint` if it
/// holds one.
pub fn fit<M: Classifier>(
    mut model: M,
    store: &ImageStore,
    phases: &[PhasePlan],
    config: &TrainConfig,
    device: &Device,
    checkpoint: Option<&Checkpoint>,
    progress: &mut dyn FnMut(&TrainEvent) -> ControlFlow<()>,
) -> Result<Outcome<M>> {
    config.check()?;
    let mut optimizer = config.optimizer();
    let mut state = CheckpointState {
        fingerprint: checkpoint.map_or(serde_json::Value::Null, |c| c.fingerprint.clone()),
        generation: 0,
        position: Position { phase: 0, epoch: 0 },
        epochs: Vec::new(),
        seconds: 0.0,
    };
    if let Some(checkpoint) = checkpoint
        && let Some(saved) = checkpoint.resume(&model, config.optimizer())?
    {
        (model, optimizer, state) = saved;
    }

    let total_samples = phases.iter().map(|p| p.samples * p.epochs).sum();
    let done_samples = state.epochs.iter().map(|e| e.samples).sum();
    if progress(&TrainEvent::Start {
        total_samples,
        done_samples,
    })
    .is_break()
    {
        return Err(Error::Interrupted);
    }
    let loss_fn = CrossEntropyLoss::new(None, device);
    let mut loader_wait = 0.0;
    let start = state.position;
    for (p, phase) in phases.iter().enumerate().skip(start.phase) {
        let first_epoch = if p == start.phase { start.epoch } else { 0 };
        if p > 0 && first_epoch == 0 && config.reset_optimizer {
            optimizer = config.optimizer();
        }
        for epoch in first_epoch..phase.epochs {
            let began = Instant::now();
            let order = match &phase.visits {
                Some(visits) => visits[epoch].clone(),
                None => epoch_order(config.seed, p, epoch, &phase.rows),
            };
            // Summed on the device and read once per epoch: no per-step synchronisation.
            let mut loss_sum = Tensor::<1>::zeros([1], device);
            let mut loader = store.loader(&order, config.batch_size);
            let steps_per_epoch = order.len().div_ceil(config.batch_size);
            let phase_steps = steps_per_epoch * phase.epochs;
            for (step, rows) in order.chunks(config.batch_size).enumerate() {
                if progress(&TrainEvent::Batch {
                    phase: &phase.name,
                    epoch: epoch + 1,
                    rows,
                })
                .is_break()
                {
                    return Err(Error::Interrupted);
                }
                let logits = model.forward(loader.images(rows, device)?);
                let loss = loss_fn.forward(logits, store.targets(rows, device));
                loss_sum = loss_sum + loss.clone().detach().mul_scalar(rows.len() as f64);
                let grads = GradientsParams::from_grads(loss.backward(), &model);
                let lr = config.schedule.lr(
                    phase.lr,
                    config.warmup,
                    epoch * steps_per_epoch + step,
                    phase_steps,
                );
                model = optimizer.step(lr, model, grads);
            }
            let loss = loss_sum.into_scalar::<f32>() as f64 / phase.samples as f64;
            loader_wait += loader.waited.as_secs_f64();
            if !loader.waited.is_zero() {
                tracing::info!(
                    "epoch {} of phase '{}': the steps waited {:.2} s for images being decoded",
                    epoch + 1,
                    phase.name,
                    loader.waited.as_secs_f64()
                );
            }
            let record = EpochRecord {
                phase: phase.name.clone(),
                epoch: epoch + 1,
                loss,
                samples: phase.samples,
                seconds: began.elapsed().as_secs_f64(),
            };
            if !loss.is_finite() {
                // The epoch is not recorded: JSON has no NaN, and the reason says what happened.
                let reason = format!(
                    "training loss became {loss} in epoch {} of phase '{}'",
                    epoch + 1,
                    phase.name
                );
                return Ok(Outcome::Diverged {
                    reason,
                    epochs: state.epochs,
                });
            }
            state.seconds += record.seconds;
            state.epochs.push(record);
            state.generation += 1;
            state.position = Position {
                phase: p,
                epoch: epoch + 1,
            };
            if let Some(checkpoint) = checkpoint {
                checkpoint.save(&model, &optimizer, &state)?;
            }
            if progress(&TrainEvent::Epoch(
                state.epochs.last().expect("just pushed"),
            ))
            .is_break()
            {
                return Err(Error::Interrupted);
            }
        }
    }
    Ok(Outcome::Trained(Trained {
        model,
        epochs: state.epochs,
        seconds: state.seconds,
        loader_wait,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::OptimizerKind;
    use crate::data::toy_task;
    use crate::eval::evaluate;
    use crate::init::init_model;
    use crate::models::Architecture;
    use crate::models::{ArchitectureVisitor, ModelKind};
    use crate::phases::{Strategy, plan};
    use crate::serial;
    use datasets::Source;

    /// A toy store whose rows alternate in pairs: synthetic, synthetic, real, real, …
    fn store(n: usize) -> ImageStore {
        let (shape, pixels, labels) = toy_task(n, 8, 1);
        let sources = (0..n)
            .map(|i| {
                if i % 4 < 2 {
                    Source::Synthetic
                } else {
                    Source::Real
                }
            })
            .collect();
        ImageStore::from_hwc(shape, &pixels, labels, sources).unwrap()
    }

    fn continue_always(_: &TrainEvent) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }

    /// Trains a fresh model of `kind` and returns its epoch losses and its training accuracy.
    struct Train<'a> {
        store: &'a ImageStore,
        strategy: Strategy,
        config: &'a TrainConfig,
        checkpoint: Option<&'a Checkpoint>,
        progress: &'a mut dyn FnMut(&TrainEvent) -> ControlFlow<()>,
    }

    impl ArchitectureVisitor for Train<'_> {
        type Output = Result<(Vec<f64>, f64)>;

        fn visit<A: Architecture>(self, architecture: A) -> Self::Output {
            let device = Device::flex().autodiff();
            let phases = plan(self.strategy, &[], &self.store.sources, self.config)?;
            let model = init_model(&architecture, &device, self.config.seed);
            match fit(
                model,
                self.store,
                &phases,
                self.config,
                &device,
                self.checkpoint,
                self.progress,
            )? {
                Outcome::Trained(t) => {
                    let accuracy = evaluate(&t.model.valid(), self.store, &Device::flex())
                        .unwrap()
                        .accuracy;
                    Ok((t.epochs.iter().map(|e| e.loss).collect(), accuracy))
                }
                Outcome::Diverged { reason, .. } => Err(Error::invalid(reason)),
            }
        }
    }

    fn train(
        kind: ModelKind,
        store: &ImageStore,
        strategy: Strategy,
        config: &TrainConfig,
    ) -> Result<(Vec<f64>, f64)> {
        let progress = &mut continue_always;
        kind.visit(
            store.shape,
            Train {
                store,
                strategy,
                config,
                checkpoint: None,
                progress,
            },
        )?
    }

    #[test]
    fn every_architecture_learns_a_separable_task() {
        let _serial = serial();
        let store = store(64);
        let config = TrainConfig::new()
            .with_epochs(6)
            .with_batch_size(16)
            .with_lr(3e-3);
        for kind in ModelKind::ALL {
            let (losses, accuracy) = train(kind, &store, Strategy::Sm, &config).unwrap();
            assert!(
                accuracy >= 0.95,
                "{kind}: accuracy {accuracy}, losses {losses:?}"
            );
            assert!(losses.last() < losses.first(), "{kind}: {losses:?}");
        }
    }

    #[test]
    fn ft_visits_the_synthetic_rows_then_the_real_rows_and_sees_as_many_samples_as_sm() {
        let _serial = serial();
        let store = store(24);
        let config = TrainConfig::new().with_epochs(2).with_batch_size(5);
        let visited = |strategy| {
            let mut rows = Vec::new();
            let progress = &mut |p: &TrainEvent| {
                if let TrainEvent::Batch { rows: batch, .. } = p {
                    rows.extend_from_slice(batch);
                }
                ControlFlow::Continue(())
            };
            ModelKind::Mlp
                .visit(
                    store.shape,
                    Train {
                        store: &store,
                        strategy,
                        config: &config,
                        checkpoint: None,
                        progress,
                    },
                )
                .unwrap()
                .unwrap();
            rows
        };
        let ft = visited(Strategy::Ft);
        let sm = visited(Strategy::Sm);
        assert_eq!(ft.len(), sm.len());
        assert_eq!(ft.len(), 2 * 24);
        let synthetic: Vec<usize> = (0..24).filter(|r| r % 4 < 2).collect();
        let real: Vec<usize> = (0..24).filter(|r| r % 4 >= 2).collect();
        // Two epochs over the synthetic rows (each a permutation of them), then two over the real.
        for (epoch, expected) in ft.chunks(12).zip([&synthetic, &synthetic, &real, &real]) {
            let mut epoch = epoch.to_vec();
            epoch.sort_unstable();
            assert_eq!(&epoch, expected);
        }
        // SM mixes both sources within an epoch.
        assert!(sm[..12].iter().any(|r| r % 4 < 2) && sm[..12].iter().any(|r| r % 4 >= 2));
    }

    #[test]
    fn the_same_seed_gives_the_same_run() {
        let _serial = serial();
        let store = store(32);
        let config = TrainConfig::new()
            .with_epochs(2)
            .with_batch_size(8)
            .with_seed(5);
        let first = train(ModelKind::Cnn, &store, Strategy::Ft, &config).unwrap();
        assert_eq!(
            first,
            train(ModelKind::Cnn, &store, Strategy::Ft, &config).unwrap()
        );
        let other = train(
            ModelKind::Cnn,
            &store,
            Strategy::Ft,
            &config.clone().with_seed(6),
        )
        .unwrap();
        assert_ne!(first.0, other.0);
        // The schedule reaches the optimizer's steps.
        let cosine = config.with_schedule(crate::schedule::Schedule::Cosine);
        let scheduled = train(ModelKind::Cnn, &store, Strategy::Ft, &cosine).unwrap();
        assert_ne!(first.0, scheduled.0);
    }

    #[test]
    fn a_huge_learning_rate_diverges() {
        let _serial = serial();
        let store = store(32);
        let config = TrainConfig::new()
            .with_optimizer(OptimizerKind::Sgd)
            .with_lr(1e12)
            .with_epochs(3)
            .with_batch_size(8);
        let err = train(ModelKind::Mlp, &store, Strategy::Sm, &config)
            .unwrap_err()
            .to_string();
        assert!(err.contains("training loss became"), "{err}");
    }

    #[test]
    fn an_interrupted_run_resumes_to_the_same_result() {
        let _serial = serial();
        let store = store(32);
        // With a schedule, so the resumed steps must also find their place in it.
        let config = TrainConfig::new()
            .with_epochs(2)
            .with_batch_size(8)
            .with_schedule(crate::schedule::Schedule::Cosine)
            .with_warmup(0.25)
            .with_seed(3);
        let dir = tempfile::tempdir().unwrap();
        let checkpoint = Checkpoint::new(dir.path().join("ckpt"), serde_json::json!({"run": 1}));
        let run = |progress: &mut dyn FnMut(&TrainEvent) -> ControlFlow<()>| {
            let visitor = Train {
                store: &store,
                strategy: Strategy::Ft,
                config: &config,
                checkpoint: Some(&checkpoint),
                progress,
            };
            ModelKind::Mlp.visit(store.shape, visitor).unwrap()
        };
        // Stop after the first epoch of the real phase: the checkpoint sits inside phase 2.
        let mut epochs = 0;
        let err = run(&mut |p| {
            if matches!(p, TrainEvent::Epoch(_)) {
                epochs += 1;
            }
            if epochs == 3 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        assert!(matches!(err, Err(Error::Interrupted)));
        let mut batches = 0;
        let resumed = run(&mut |p| {
            batches += matches!(p, TrainEvent::Batch { .. }) as usize;
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(batches, 2, "only the last epoch (16 real rows / 8) is left");
        assert_eq!(
            resumed,
            train(ModelKind::Mlp, &store, Strategy::Ft, &config).unwrap()
        );
        let other = Checkpoint::new(dir.path().join("ckpt"), serde_json::json!({"run": 2}));
        assert!(
            other
                .load()
                .unwrap_err()
                .to_string()
                .contains("another model or configuration")
        );
    }

    /// A checkpoint cut short (its state `{`, or a model file truncated, as a power loss after
    /// an unsynced rename leaves it) is set aside and the run trains from the start, to the
    /// result of a run that never had the fault.
    #[test]
    fn a_damaged_checkpoint_is_set_aside_and_the_run_starts_again() {
        let _serial = serial();
        let store = store(32);
        let config = TrainConfig::new()
            .with_epochs(2)
            .with_batch_size(8)
            .with_seed(4);
        let clean = train(ModelKind::Mlp, &store, Strategy::Sm, &config).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let checkpoint = Checkpoint::new(dir.path().join("ckpt"), serde_json::json!({"run": 1}));
        let run = |progress: &mut dyn FnMut(&TrainEvent) -> ControlFlow<()>| {
            let visitor = Train {
                store: &store,
                strategy: Strategy::Sm,
                config: &config,
                checkpoint: Some(&checkpoint),
                progress,
            };
            ModelKind::Mlp.visit(store.shape, visitor).unwrap()
        };
        type Damage = fn(&std::path::Path);
        let damages: [(&str, Damage); 2] = [
            ("state.json", |path| std::fs::write(path, "{").unwrap()),
            ("model-1.bpk", |path| {
                let bytes = std::fs::read(path).unwrap();
                std::fs::write(path, &bytes[..bytes.len() / 2]).unwrap();
            }),
        ];
        for (n, (file, damage)) in damages.into_iter().enumerate() {
            // The finished run before kept its last checkpoint (`fit` leaves removing it to
            // the run, once the result is written).
            checkpoint.remove().unwrap();
            // Stop after the first epoch: its checkpoint (generation 1) is on disk.
            let stopped = run(&mut |p| match p {
                TrainEvent::Epoch(_) => ControlFlow::Break(()),
                _ => ControlFlow::Continue(()),
            });
            assert!(matches!(stopped, Err(Error::Interrupted)), "{file}");
            damage(&dir.path().join("ckpt").join(file));
            let mut batches = 0;
            let resumed = run(&mut |p| {
                batches += matches!(p, TrainEvent::Batch { .. }) as usize;
                ControlFlow::Continue(())
            })
            .unwrap();
            assert_eq!(batches, 8, "{file}: both epochs again (32 rows / 8, twice)");
            assert_eq!(resumed, clean, "{file}");
            let aside = dir.path().join(format!("ckpt.damaged-{}", n + 1));
            assert!(aside.join(file).is_file(), "{file} is kept for a look");
        }
    }
}
