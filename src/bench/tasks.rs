//! Running one task of the plan, the unit every engine schedules.
//!
//! A task's outputs are written under temporary names by the stage that makes them; its
//! completion record (`tasks/<id>.done`) is written last, so a task killed at any moment is
//! simply not done, and a rerun resumes it. While it runs the task holds an exclusive lock on
//! `tasks/<id>.lock` (released by the kernel when its process dies): a second process given the
//! same task waits for the first and then finds it done, so the two never write the same files.
//! A task that fails records its error in `tasks/<id>.failed` for `synmix status`.

use std::fs::File;
use std::ops::ControlFlow;
use std::path::Path;

use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use serde::{Deserialize, Serialize};
use trainer::run::run_training;
use trainer::{CellLabel, RunConfig, RunResult, Status};

use super::config::Experiment;
use super::layout;
use super::plan::{Cell, Plan, Stage, Task, Work};
use super::{BenchOptions, data, report};

/// What a task's record says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub task: String,
    /// A one-line summary (a cell's accuracy) or, in a `.failed` record, the error.
    pub message: String,
}

/// Where a task stands.
#[derive(Debug, Clone, PartialEq)]
pub enum State {
    Done(Record),
    Failed(Record),
    /// Never finished (and not failing): waiting, running or lost.
    Missing,
}

/// The state of task `id` in the bench directory `out`.
pub fn state(out: &Path, id: usize) -> State {
    let read = |kind| -> Option<Record> {
        let text = std::fs::read_to_string(layout::task_file(out, id, kind)).ok()?;
        serde_json::from_str(&text).ok()
    };
    if let Some(record) = read("done") {
        return State::Done(record);
    }
    match read("failed") {
        Some(record) => State::Failed(record),
        None => State::Missing,
    }
}

/// Whether a process holds the lock of task `id` right now.
pub fn is_running(out: &Path, id: usize) -> bool {
    let path = layout::task_file(out, id, "lock");
    match File::open(&path) {
        Ok(file) => file.try_lock_shared().is_err(),
        Err(_) => false,
    }
}

/// Whether task `id`'s needs are met: every task it reads is done. The report reads the
/// failed cells too (as failures), so for it a failed cell counts as met.
pub fn waiting_for(out: &Path, task: &Task) -> Option<usize> {
    task.needs
        .iter()
        .copied()
        .find(|&need| match state(out, need) {
            State::Done(_) => false,
            State::Failed(_) => task.work != Work::Report,
            State::Missing => true,
        })
}

/// Waits until the tasks `task` needs are done (polling the records every few seconds); fails
/// if one of them failed, since it will not be done until someone reruns it.
pub fn wait_for_inputs(plan: &Plan, out: &Path, task: &Task) -> Result<()> {
    while let Some(need) = waiting_for(out, task) {
        if let State::Failed(record) = state(out, need) {
            bail!(
                "task {} ({}) needs task {need} ({}), which failed: {}",
                task.id,
                task.work,
                plan.tasks[need].work,
                record.message
            );
        }
        std::thread::sleep(std::time::Duration::from_secs(5));
    }
    Ok(())
}

/// Runs task `id` unless it is done; returns its one-line summary. A task whose inputs are not
/// finished is refused, naming the task it waits for: the engines order the stages, so this
/// only happens when a task is started by hand too early.
pub fn run(
    plan: &Plan,
    experiment: &Experiment,
    options: &BenchOptions,
    id: usize,
) -> Result<String> {
    let out = &options.out;
    let task = plan.task(id)?;
    if let State::Done(record) = state(out, id) {
        return Ok(record.message);
    }
    if let Some(need) = waiting_for(out, task) {
        bail!(
            "task {id} ({}) waits for task {need} ({}), which is not done: run it first (`synmix status {}` lists what is missing)",
            task.work,
            plan.tasks[need].work,
            out.display()
        );
    }
    let tasks = layout::tasks_dir(out);
    std::fs::create_dir_all(&tasks)
        .with_context(|| format!("{}: cannot create", tasks.display()))?;
    let lock_path = layout::task_file(out, id, "lock");
    let lock = File::create(&lock_path)
        .with_context(|| format!("{}: cannot create the task lock", lock_path.display()))?;
    lock.lock()
        .with_context(|| format!("{}: cannot lock", lock_path.display()))?;
    // Another process may have finished it while this one waited for the lock.
    if let State::Done(record) = state(out, id) {
        return Ok(record.message);
    }
    let outcome = execute(plan, task, experiment, options);
    record(out, task, &outcome)?;
    outcome
}

/// Writes the record of `task`'s `outcome`: the completion record, or the error of a failure.
pub fn record(out: &Path, task: &Task, outcome: &Result<String>) -> Result<()> {
    let (kind, message) = match outcome {
        Ok(message) => ("done", message.clone()),
        Err(error) => ("failed", format!("{error:#}")),
    };
    let record = Record {
        task: task.work.to_string(),
        message,
    };
    let text = serde_json::to_string_pretty(&record).expect("records serialise");
    datasets::atomic::write_atomic(&layout::task_file(out, task.id, kind), text.as_bytes())?;
    if kind == "done" {
        let _ = std::fs::remove_file(layout::task_file(out, task.id, "failed"));
    }
    Ok(())
}

fn execute(
    plan: &Plan,
    task: &Task,
    experiment: &Experiment,
    options: &BenchOptions,
) -> Result<String> {
    let out = &options.out;
    match &task.work {
        Work::Real { source } => {
            // The record says which real test rows score the runs.
            let real = data::prepare_real(source, experiment, out, options.quiet)?;
            Ok(format!(
                "{}; runs scored on {}",
                real.dir.display(),
                real.test.describe()
            ))
        }
        Work::Render { preset } => {
            let dir = data::prepare_render(preset, experiment, options)?;
            Ok(format!("{}", dir.display()))
        }
        Work::Mix { pair, seed } => {
            let data = data::pair_data(find_pair(experiment, pair)?, experiment, options)?;
            let dir = layout::mix_dir(out, pair, *seed);
            data::mix_pair(
                &data,
                &dir,
                experiment.data.size,
                &experiment.share_list()?,
                *seed,
                options.quiet,
            )?;
            Ok(format!("{}", dir.display()))
        }
        Work::MixAdded { pair, seed } => {
            let added = experiment
                .added
                .as_ref()
                .context("the experiment has no [added] section")?;
            let data = data::pair_data(find_pair(experiment, pair)?, experiment, options)?;
            let dir = layout::added_mix_dir(out, pair, *seed);
            data::mix_added(&data, &dir, added, *seed, options.quiet)?;
            Ok(format!("{}", dir.display()))
        }
        Work::Train(cell) => train(cell, experiment, options),
        // With failed runs the report is written (it lists them) but the task fails, so the
        // next launch, which retries those runs, writes it again.
        Work::Report => {
            let results = report::scan(out)?;
            let files = report::write_report(out, &results)?;
            let failed = failed_runs(plan, out);
            if failed > 0 {
                bail!(
                    "{failed} run(s) failed; {} lists them",
                    files.markdown.display()
                );
            }
            Ok(format!("{}", files.markdown.display()))
        }
    }
}

fn find_pair<'a>(experiment: &'a Experiment, name: &str) -> Result<&'a super::config::Pair> {
    experiment
        .pairs
        .iter()
        .find(|p| p.name == name)
        .with_context(|| format!("the experiment has no pair '{name}'"))
}

/// Trains one cell. A cell that cannot train is recorded as a failed run (the report lists
/// it) as well as a failed task.
fn train(cell: &Cell, experiment: &Experiment, options: &BenchOptions) -> Result<String> {
    let out = &options.out;
    let data = data::pair_data(find_pair(experiment, &cell.pair)?, experiment, options)?;
    let (subset, run_dir) = match cell.multiple {
        None => (
            layout::subset_dir(
                &layout::mix_dir(out, &cell.pair, cell.seed),
                cell.strategy,
                cell.share,
            ),
            layout::cell_dir(
                out,
                &cell.pair,
                cell.model,
                cell.strategy,
                cell.share,
                cell.seed,
            ),
        ),
        Some(k) => (
            layout::added_subset_dir(
                &layout::added_mix_dir(out, &cell.pair, cell.seed),
                cell.strategy,
                k,
            ),
            layout::added_cell_dir(out, &cell.pair, cell.model, cell.strategy, k, cell.seed),
        ),
    };
    let config = RunConfig {
        data: subset,
        test: data.real_test.clone(),
        synthetic_test: data.synthetic_has_test.then(|| data.synthetic.clone()),
        out: run_dir,
        model: cell.model,
        strategy: cell.strategy,
        backend: options.backend,
        train: experiment.train.config(cell.model, cell.seed),
        cell: Some(CellLabel {
            pair: cell.pair.clone(),
            share: cell.share,
            regime: cell.regime(),
            multiple: cell.multiple,
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

/// The arguments of a worker that runs one task on `options.out`: `select` picks the task
/// (`--task 7`, or `--stage train --task env`), `threads` is its thread budget. Every engine
/// starts its workers with these.
pub fn worker_args(options: &BenchOptions, threads: usize, select: &[String]) -> Vec<String> {
    let name = |value: Option<clap::builder::PossibleValue>| {
        value.map(|v| v.get_name().to_string()).unwrap_or_default()
    };
    let mut args: Vec<String> = vec![
        "-q".into(),
        "bench".into(),
        "--out".into(),
        options.out.display().to_string(),
    ];
    args.extend(select.iter().cloned());
    args.extend([
        "--threads".into(),
        threads.to_string(),
        "--device".into(),
        name(options.device.to_possible_value()),
        "--backend".into(),
        name(options.backend.to_possible_value()),
    ]);
    args
}

/// Training tasks whose last attempt failed.
pub fn failed_runs(plan: &Plan, out: &Path) -> usize {
    plan.stage(Stage::Train)
        .iter()
        .filter(|t| matches!(state(out, t.id), State::Failed(_)))
        .count()
}

/// The ids of `stage`'s tasks that are not done, for the engines to (re)submit.
pub fn pending(plan: &Plan, out: &Path, stage: Stage) -> Vec<usize> {
    plan.stage(stage)
        .iter()
        .filter(|t| !matches!(state(out, t.id), State::Done(_)))
        .map(|t| t.id)
        .collect()
}
