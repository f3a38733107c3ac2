//! The train stage: one cell of the experiment, trained on its subset and scored on the pair's
//! real test set.

use std::ops::ControlFlow;
use std::path::Path;

use anyhow::{Context, Result, bail};
use trainer::run::run_training;
use trainer::{CellLabel, RunConfig, RunResult, Status};

use super::inputs::PairData;
use crate::config::Experiment;
use crate::plan::Cell;
use crate::{BenchOptions, layout};

/// Trains one cell. A cell that cannot train is recorded as a failed run (the report lists
/// it) as well as a failed task.
pub(super) fn train(
    cell: &Cell,
    subset: &Path,
    data: &PairData,
    experiment: &Experiment,
    options: &BenchOptions,
) -> Result<String> {
    let config = RunConfig {
        data: subset.to_path_buf(),
        test: data.real_test.clone(),
        synthetic_test: data.synthetic_has_test.then(|| data.synthetic.clone()),
        out: layout::cell_dir(
            &options.out,
            &cell.pair,
            cell.model,
            cell.strategy,
            cell.point,
            cell.seed,
        ),
        model: cell.model,
        strategy: cell.strategy,
        backend: options.backend,
        train: experiment.train.config(cell.model, cell.seed),
        cell: Some(CellLabel {
            pair: cell.pair.clone(),
            point: cell.point,
        }),
        memory_budget: None,
    };
    match run_training(&config, &mut |_| ControlFlow::Continue(())) {
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

/// Whether the run directory holds a result that a rerun keeps (not a failure to retry).
fn holds_final_result(config: &RunConfig) -> bool {
    RunResult::read(&config.result_path()).is_ok_and(|previous| !previous.retry)
}
