//! One training run from datasets on disk to `RUN_DIR/result.json`: what a single training and every
//! cell of a sweep execute.
//!
//! A run is resumable: the loop checkpoints after every epoch under `RUN_DIR/checkpoint`, and a run
//! directory that already holds a final result of the same configuration returns it untouched.

use std::ops::ControlFlow;
use std::time::Instant;

use burn::prelude::*;
use datasets::{Location, Source};

use crate::checkpoint::{CHECKPOINT_DIR, Checkpoint};
use crate::data::{ImageStore, LoadedSplit, load_split};
use crate::eval::evaluate;
use crate::init::init_model;
use crate::models::{Architecture, ArchitectureVisitor};
use crate::phases::{PhasePlan, plan};
use crate::result::{DataSummary, RunConfig, RunResult, Status, Timings};
use crate::train::{Outcome, TrainEvent, fit, on_pool_thread};
use crate::{Error, Result};
use datasets::memory::default_budget;

/// Trains and scores one run, or returns the final result `config.out` already holds.
pub fn run_training(
    config: &RunConfig,
    progress: &mut (dyn FnMut(&TrainEvent) -> ControlFlow<()> + Send),
) -> Result<RunResult> {
    let result_path = config.result_path();
    if result_path.exists() {
        let previous = RunResult::read(&result_path)?;
        if !previous.config.same_experiment(config) {
            return Err(Error::file(
                &config.out,
                "holds the result of a run with another configuration; delete it or train into another directory",
            ));
        }
        if !previous.retry {
            return Ok(previous);
        }
    }
    config.train.check()?;
    let device = config.backend.device()?;
    let prepared = Prepared::load(config)?;
    let input = prepared.train.store.shape;
    on_pool_thread(|| {
        config.model.visit(
            input,
            Execute {
                prepared: &prepared,
                device: &device,
                progress,
            },
        )
    })?
}

/// The datasets of a run, loaded and checked against each other.
struct Prepared<'a> {
    config: &'a RunConfig,
    train: LoadedSplit,
    test: LoadedSplit,
    synthetic_test: Option<LoadedSplit>,
    phases: Vec<PhasePlan>,
}

impl<'a> Prepared<'a> {
    fn load(config: &'a RunConfig) -> Result<Self> {
        let budget = config.memory_budget.unwrap_or_else(default_budget);
        let train = load_split(&config.data, "train", budget)?;
        let test = load_split(&config.test, "test", budget)?;
        check_compatible(&train, &test, &config.test)?;
        let synthetic_test = match &config.synthetic_test {
            Some(dir) => {
                let split = load_split(dir, "test", budget)?;
                check_compatible(&train, &split, dir)?;
                Some(split)
            }
            None => None,
        };
        let phases = plan(
            config.strategy,
            &train.manifest.phases,
            &train.store.sources,
            &config.train,
        )
        .map_err(|e| match e {
            // A setting that cannot work with this data is the front end's to word.
            setting @ Error::Dataset(datasets::Error::Setting { .. }) => setting,
            other => Error::file(config.data.shown(), other),
        })?;
        Ok(Prepared {
            config,
            train,
            test,
            synthetic_test,
            phases,
        })
    }

    fn summary(&self) -> DataSummary {
        let store = &self.train.store;
        let synthetic_rows = store.count(Source::Synthetic);
        DataSummary {
            train_dataset: self.train.manifest.name.clone(),
            test_dataset: self.test.manifest.name.clone(),
            classes: self.train.manifest.classes.clone(),
            input: store.shape,
            train_rows: store.len(),
            synthetic_rows,
            real_rows: store.len() - synthetic_rows,
            synthetic_share: synthetic_rows as f64 / store.len().max(1) as f64,
            test_rows: self.test.store.len(),
            synthetic_test_rows: self.synthetic_test.as_ref().map(|s| s.store.len()),
        }
    }
}

/// A test set must have the training set's classes (same names, same order) and image shape.
fn check_compatible(train: &LoadedSplit, test: &LoadedSplit, dir: &Location) -> Result<()> {
    if test.manifest.classes != train.manifest.classes {
        return Err(Error::file(
            dir.shown(),
            format!(
                "its classes [{}] differ from the training classes [{}]",
                test.manifest.classes.join(", "),
                train.manifest.classes.join(", ")
            ),
        ));
    }
    let (a, b) = (test.store.shape, train.store.shape);
    if a != b {
        return Err(Error::file(
            dir.shown(),
            format!(
                "its {} images do not fit the model, which takes {}",
                a.describe(),
                b.describe()
            ),
        ));
    }
    Ok(())
}

struct Execute<'p, 'a> {
    prepared: &'p Prepared<'a>,
    device: &'p Device,
    progress: &'p mut (dyn FnMut(&TrainEvent) -> ControlFlow<()> + Send),
}

impl ArchitectureVisitor for Execute<'_, '_> {
    type Output = Result<RunResult>;

    fn visit<A: Architecture>(self, architecture: A) -> Result<RunResult> {
        let Execute {
            prepared,
            device,
            progress,
        } = self;
        let config = prepared.config;
        let model_config = serde_json::to_value(&architecture).expect("model configs serialise");
        let fingerprint = serde_json::json!({
            "model": model_config, "strategy": config.strategy, "train": config.train,
        });
        let checkpoint = Checkpoint::new(config.out.join(CHECKPOINT_DIR), fingerprint);
        let training = device.clone().autodiff();
        let model = init_model(&architecture, &training, config.train.seed);
        let outcome = fit(
            model,
            &prepared.train.store,
            &prepared.phases,
            &config.train,
            &training,
            Some(&checkpoint),
            progress,
        )?;

        let mut result = RunResult {
            model_config,
            data: Some(prepared.summary()),
            phases: prepared.phases.iter().map(PhasePlan::summary).collect(),
            ..RunResult::failure(config, "")
        };
        match outcome {
            Outcome::Diverged { reason, epochs } => {
                result.reason = Some(reason);
                result.retry = false;
                result.epochs = epochs;
            }
            Outcome::Trained(trained) => {
                let began = Instant::now();
                let model = trained.model.valid();
                let score = |store: &ImageStore| evaluate(&model, store, device);
                result.metrics = Some(score(&prepared.test.store)?);
                result.synthetic_test = prepared
                    .synthetic_test
                    .as_ref()
                    .map(|s| score(&s.store))
                    .transpose()?;
                let samples = trained.samples();
                result.timings = Some(Timings {
                    train_seconds: trained.seconds,
                    eval_seconds: began.elapsed().as_secs_f64(),
                    samples,
                    samples_per_second: samples as f64 / trained.seconds.max(1e-9),
                    threads: crate::speed::cpu_threads(),
                });
                result.epochs = trained.epochs;
                result.status = Status::Ok;
                result.reason = None;
                result.retry = false;
            }
        }
        result.write()?;
        checkpoint.remove()?;
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    use crate::backend::BackendKind;
    use crate::config::{OptimizerKind, TrainConfig};
    use crate::data::toy_task;
    use crate::models::ModelKind;
    use crate::phases::Strategy;
    use crate::phases::tests::phase;
    use crate::result::CellLabel;
    use crate::serial;
    use Source::{Real, Synthetic};
    use datasets::{
        DatasetInfo, DatasetWriter, ImageSpec, Phase, Recipe, Row, SplitPlan, WriteMode,
    };

    /// Writes a toy dataset: a `train` split with one row per entry of `train`, and a `test`
    /// split of 20 real rows.
    fn dataset(
        dir: &Path,
        classes: &[&str],
        side: usize,
        train: &[Source],
        phases: Vec<Phase>,
    ) -> PathBuf {
        let spec = ImageSpec {
            width: side as u32,
            height: side as u32,
            channels: 1,
        };
        let info = DatasetInfo {
            name: dir.file_name().unwrap().to_string_lossy().into(),
            classes: classes.iter().map(|c| c.to_string()).collect(),
            image: spec,
            source: "mixed".into(),
            recipe: Recipe {
                command: "test".into(),
                seed: None,
                config: serde_json::Value::Null,
            },
        };
        let splits = [
            SplitPlan {
                name: "train".into(),
                rows: train.len() as u64,
            },
            SplitPlan {
                name: "test".into(),
                rows: 20,
            },
        ];
        let writer = DatasetWriter::create(dir, info, &splits, WriteMode::Fresh).unwrap();
        for slot in 0..writer.slots().len() {
            let mut shard = writer.shard(slot).unwrap();
            let (split, rows) = (shard.slot().split.clone(), shard.slot().rows.clone());
            let (_, pixels, labels) = toy_task(rows.end as usize, side, split.len() as u64);
            for row in rows.start as usize..rows.end as usize {
                let mut png = Vec::new();
                datasets::png::encode_into(
                    &mut png,
                    &pixels[row * side * side..(row + 1) * side * side],
                    spec,
                )
                .unwrap();
                let source = if split == "train" { train[row] } else { Real };
                let uid = format!("{split}-{row}");
                shard
                    .push(Row {
                        png: &png,
                        label: labels[row] as i64,
                        source,
                        uid: &uid,
                        meta: "",
                    })
                    .unwrap();
            }
            shard.finish().unwrap();
        }
        writer.finish(phases, None).unwrap();
        dir.to_path_buf()
    }

    /// An FT mix: 16 synthetic rows, then 24 real rows.
    fn ft_mix(root: &Path) -> PathBuf {
        let sources: Vec<Source> = (0..40)
            .map(|i| if i < 16 { Synthetic } else { Real })
            .collect();
        dataset(
            &root.join("mix"),
            &["h", "v"],
            8,
            &sources,
            vec![
                phase("synthetic", Synthetic, 0, 16),
                phase("real", Real, 16, 40),
            ],
        )
    }

    fn config(root: &Path, data: PathBuf, test: PathBuf, train: TrainConfig) -> RunConfig {
        RunConfig {
            data: data.into(),
            test: test.into(),
            synthetic_test: None,
            out: root.join("run"),
            model: ModelKind::Mlp,
            strategy: Strategy::Ft,
            backend: BackendKind::Flex,
            train,
            cell: Some(CellLabel {
                pair: "toy".into(),
                point: "r040".parse().unwrap(),
            }),
            memory_budget: None,
        }
    }

    fn count_batches(batches: &mut usize) -> impl FnMut(&TrainEvent) -> ControlFlow<()> + '_ {
        move |p| {
            *batches += matches!(p, TrainEvent::Batch { .. }) as usize;
            ControlFlow::Continue(())
        }
    }

    #[test]
    fn a_memory_budget_smaller_than_the_splits_gives_the_same_result() {
        let _serial = serial();
        let root = tempfile::tempdir().unwrap();
        let mix = ft_mix(root.path());
        let train = TrainConfig::new().with_epochs(2).with_batch_size(8);
        let run = |out: &str, memory_budget: Option<u64>| {
            let config = RunConfig {
                out: root.path().join(out),
                memory_budget,
                ..config(root.path(), mix.clone(), mix.clone(), train.clone())
            };
            run_training(&config, &mut |_| ControlFlow::Continue(())).unwrap()
        };
        let decoded = run("decoded", None);
        let streamed = run("streamed", Some(1));
        assert_eq!(decoded.metrics, streamed.metrics);
        let losses = |r: &RunResult| r.epochs.iter().map(|e| e.loss).collect::<Vec<_>>();
        assert_eq!(losses(&decoded), losses(&streamed));
    }

    #[test]
    fn a_run_writes_its_result_and_a_finished_run_is_not_trained_again() {
        let _serial = serial();
        let root = tempfile::tempdir().unwrap();
        let mix = ft_mix(root.path());
        let mut config = config(
            root.path(),
            mix.clone(),
            mix.clone(),
            TrainConfig::new().with_epochs(2).with_batch_size(8),
        );
        config.synthetic_test = Some(mix.into());
        let mut batches = 0;
        let result = run_training(&config, &mut count_batches(&mut batches)).unwrap();
        assert_eq!(result.status, Status::Ok);
        assert_eq!(batches, 2 * 2 + 2 * 3);
        assert_eq!(
            result
                .phases
                .iter()
                .map(|p| (p.name.as_str(), p.samples))
                .collect::<Vec<_>>(),
            [("synthetic", 16), ("real", 24)]
        );
        assert_eq!(result.timings.as_ref().unwrap().samples, 80);
        assert_eq!(result.data.as_ref().unwrap().synthetic_share, 0.4);
        assert_eq!(result.metrics.as_ref().unwrap().samples, 20);
        assert!(result.synthetic_test.is_some());
        assert!(!config.out.join(CHECKPOINT_DIR).exists());
        assert_eq!(RunResult::read(&config.result_path()).unwrap(), result);

        let mut batches = 0;
        assert_eq!(
            run_training(&config, &mut count_batches(&mut batches)).unwrap(),
            result
        );
        assert_eq!(batches, 0);
        let other = RunConfig {
            train: config.train.clone().with_epochs(3),
            ..config
        };
        let err = run_training(&other, &mut count_batches(&mut batches))
            .unwrap_err()
            .to_string();
        assert!(err.contains("another configuration"), "{err}");
    }

    #[test]
    fn a_diverging_run_is_recorded_as_failed() {
        let _serial = serial();
        let root = tempfile::tempdir().unwrap();
        let mix = ft_mix(root.path());
        let train = TrainConfig::new()
            .with_optimizer(OptimizerKind::Sgd)
            .with_lr(1e12)
            .with_batch_size(8);
        let config = config(root.path(), mix.clone(), mix, train);
        let result = run_training(&config, &mut |_| ControlFlow::Continue(())).unwrap();
        assert_eq!(result.status, Status::Failed);
        assert!(
            result
                .reason
                .as_deref()
                .unwrap()
                .contains("training loss became"),
            "{result:?}"
        );
        assert!(!result.retry && result.metrics.is_none());
        assert_eq!(RunResult::read(&config.result_path()).unwrap(), result);
    }

    #[test]
    fn mismatched_test_sets_and_empty_shares_are_clear_errors() {
        let _serial = serial();
        let root = tempfile::tempdir().unwrap();
        let mix = ft_mix(root.path());
        let run = |data: &PathBuf, test: &PathBuf| {
            let config = config(
                root.path(),
                data.clone(),
                test.clone(),
                TrainConfig::new().with_epochs(1),
            );
            run_training(&config, &mut |_| ControlFlow::Continue(()))
                .unwrap_err()
                .to_string()
        };
        let other_classes = dataset(
            &root.path().join("classes"),
            &["a", "b"],
            8,
            &[Real],
            vec![],
        );
        assert!(
            run(&mix, &other_classes)
                .contains("its classes [a, b] differ from the training classes [h, v]")
        );
        let other_size = dataset(&root.path().join("size"), &["h", "v"], 12, &[Real], vec![]);
        assert!(
            run(&mix, &other_size)
                .contains("its 12×12×1 images do not fit the model, which takes 8×8×1")
        );
        let empty = dataset(&root.path().join("empty"), &["h", "v"], 8, &[], vec![]);
        assert!(run(&empty, &mix).contains("no data"));
    }
}
