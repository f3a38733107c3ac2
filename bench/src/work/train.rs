//! Train one cell of the experiment on its subset and score it on the pair's real test set. A
//! cell that cannot train is recorded as a failed run (the report lists it) as well as a
//! failed task.

use std::fmt;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use datasets::Location;
use datasets::point::{Point, Strategy};
use serde::{Deserialize, Serialize};
use trainer::run::run_training;
use trainer::train::TrainEvent;
use trainer::{CellLabel, ModelKind, RESULT_FILE, RunConfig, RunResult, Status};

use super::{Context, Kind, check_input, inputs};
use crate::dir::BenchDir;
use crate::layout;
use crate::stage::Stage;

/// How often a run on object storage sends its checkpoint to the store, after the first epoch.
const CHECKPOINT_PUSH_EVERY: Duration = Duration::from_secs(60);

/// One training run of the experiment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cell {
    pub pair: String,
    pub model: ModelKind,
    pub strategy: Strategy,
    pub point: Point,
    pub seed: u64,
}

impl Cell {
    /// Its run directory in the bench directory `out`.
    pub fn dir(&self, out: &Path) -> PathBuf {
        layout::cell_dir(
            out,
            &self.pair,
            self.model,
            self.strategy,
            self.point,
            self.seed,
        )
    }

    /// Why its finished run cannot be trusted, if it cannot.
    pub fn damaged(&self, out: &BenchDir) -> Option<String> {
        let path = self.dir(out).join(RESULT_FILE);
        match RunResult::read(&path) {
            Ok(result) if result.status == Status::Ok => None,
            Ok(_) => Some(format!("{}: records a failed run", path.display())),
            Err(_) => Some(format!("{}: missing or unreadable", path.display())),
        }
    }

    /// Trains it on its subset, checked against its hashes first.
    pub fn train(&self, context: &Context) -> Result<String> {
        let (experiment, options) = (context.experiment, context.options);
        let data = inputs::pair_data(inputs::pair(experiment, &self.pair)?, experiment, options)?;
        let mix_dir = layout::mix_dir(&options.out, &self.pair, self.seed, self.point.regime());
        let subset = layout::subset_dir(&mix_dir, self.strategy, self.point);
        // A cell trained on a damaged subset would score the wrong rows: the mix is done again
        // instead.
        check_input(&subset)?;
        let config = RunConfig {
            data: subset,
            test: data.real_test.clone(),
            synthetic_test: data.synthetic_has_test.then(|| data.synthetic.clone()),
            out: self.dir(&options.out),
            model: self.model,
            strategy: self.strategy,
            backend: options.backend,
            train: experiment.train.config(self.model, self.seed),
            cell: Some(CellLabel {
                pair: self.pair.clone(),
                point: self.point,
            }),
            memory_budget: None,
        };
        let mut progress = checkpoints_to_store(&options.out, config.out.clone());
        match run_training(&config, &mut progress) {
            Ok(result) => match (result.status, &result.metrics) {
                (Status::Ok, Some(metrics)) => Ok(format!("accuracy {:.4}", metrics.accuracy)),
                _ => bail!(
                    "{}",
                    result.reason.as_deref().unwrap_or("the run did not finish")
                ),
            },
            // A finished result of another configuration is not the sweep's to replace.
            Err(error) if holds_final_result(&config) => {
                Err(error).with_context(|| format!("{}: training failed", config.out.display()))
            }
            Err(error) => {
                let failure = RunResult::failure(&config, error.to_string());
                failure.write().with_context(|| {
                    format!("{}: cannot record the failed run", config.out.display())
                })?;
                Err(error.into())
            }
        }
    }
}

/// The training loop's listener that, for a bench on object storage, sends the run's checkpoint
/// to the store after the first epoch and then at most once a minute ([`CHECKPOINT_PUSH_EVERY`]),
/// so a run stopped here continues on another machine having lost a minute or an epoch, while
/// short epochs do not wait on the store. Not after the last epoch, which the result follows at
/// once. A checkpoint that cannot be sent stays on this machine, with a warning.
fn checkpoints_to_store(
    out: &BenchDir,
    run_dir: PathBuf,
) -> impl FnMut(&TrainEvent) -> ControlFlow<()> + Send + '_ {
    let mut pushed: Option<Instant> = None;
    let mut samples_left = 0;
    move |event| {
        let epoch = match event {
            TrainEvent::Start {
                total_samples,
                done_samples,
            } => {
                samples_left = total_samples - done_samples;
                return ControlFlow::Continue(());
            }
            TrainEvent::Epoch(epoch) => epoch,
            TrainEvent::Batch { .. } => return ControlFlow::Continue(()),
        };
        samples_left = samples_left.saturating_sub(epoch.samples);
        let due = pushed.is_none_or(|at| at.elapsed() >= CHECKPOINT_PUSH_EVERY);
        if out.is_remote() && samples_left > 0 && due {
            pushed = Some(Instant::now());
            let mut files: Vec<Location> = trainer::checkpoint::publish_order(&run_dir)
                .into_iter()
                .map(Location::from)
                .collect();
            files.push(run_dir.join(trainer::checkpoint::CHECKPOINT_DIR).into());
            if let Err(error) = out.push(&files) {
                tracing::warn!(
                    "{}: the checkpoint stays on this machine only ({error:#})",
                    run_dir.display()
                );
            }
        }
        ControlFlow::Continue(())
    }
}

/// Whether the run directory holds a result that a rerun keeps (not a failure to retry).
fn holds_final_result(config: &RunConfig) -> bool {
    RunResult::read(&config.result_path()).is_ok_and(|previous| !previous.retry)
}

/// Train one cell.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Train {
    pub cell: Cell,
}

impl fmt::Display for Train {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.cell;
        write!(
            f,
            "train {} {} {} {} seed {}",
            c.pair, c.model, c.strategy, c.point, c.seed
        )
    }
}

impl Kind for Train {
    fn stage(&self) -> Stage {
        Stage::Train
    }

    fn run(&self, context: &Context) -> Result<String> {
        self.cell.train(context)
    }

    fn outputs(&self, out: &BenchDir) -> Vec<Location> {
        vec![self.cell.dir(out).into()]
    }

    fn damaged(&self, out: &BenchDir) -> Option<String> {
        self.cell.damaged(out)
    }

    fn label(&self) -> String {
        let c = &self.cell;
        format!(
            "{:<6} {:<4} {} {} seed {}",
            c.pair, c.model, c.strategy, c.point, c.seed
        )
    }
}
