//! Running one task of the plan, the unit every engine schedules.
//!
//! A task's outputs are written under temporary names by the stage that makes them; its
//! completion record (`tasks/<id>.done`) is written last, so a task killed at any moment is
//! simply not done, and a rerun resumes it. While it runs the task holds an exclusive lock on
//! `tasks/<id>.lock` (released by the kernel when its process dies): a second process given the
//! same task waits for the first and then finds it done, so the two never write the same files.
//! A task that fails records its error in `tasks/<id>.failed` for `synmix status`.
//!
//! A completion record is trusted only while the task's outputs are there: a done task whose
//! dataset, mix or result has gone missing or unreadable is [`damaged`], and a launch (or a
//! rerun of the task) takes its record back ([`reopen`]) and runs it again.

use std::fs::File;
use std::path::Path;

use anyhow::{Context, Result, bail};
use datasets::Dataset;
use serde::{Deserialize, Serialize};
use trainer::{RESULT_FILE, RunResult, Status};

use super::config::{Experiment, RealSource};
use super::layout;
use super::plan::{Cell, Plan, Stage, Task, Work};
use super::{BenchOptions, report, search, stages};

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

/// Whether task `id`'s needs are met: every task it reads is done. The report and a search's
/// decisions read the failed cells too (as failures), so for them a failed cell counts as met.
pub fn waiting_for(out: &Path, task: &Task) -> Option<usize> {
    task.needs
        .iter()
        .copied()
        .find(|&need| match state(out, need) {
            State::Done(_) => false,
            // A search's decision reads the runs that succeeded, like the report.
            State::Failed(_) => !matches!(task.work, Work::Report | Work::Choose { .. }),
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
        match damaged(out, task) {
            None => return Ok(record.message),
            Some(why) => reopen(out, task, &why)?,
        }
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
    let outcome = stages::execute(plan, task, experiment, options);
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

/// Why the outputs of `task`, whose record says done, cannot be trusted; `None` while they are
/// there. Only what a reader opens first is checked (a dataset's manifest, a mix's subsets, a
/// run's result), so checking a whole bench stays cheap; shards are verified against their
/// hashes by the task that reads them.
pub fn damaged(out: &Path, task: &Task) -> Option<String> {
    let dataset = |dir: &Path| -> Option<String> {
        Dataset::open(dir)
            .err()
            .map(|e| format!("{}: {e}", dir.display()))
    };
    if let Some(dir) = dataset_of(out, &task.work) {
        return dataset(&dir);
    }
    match &task.work {
        Work::Import { .. } | Work::Render { .. } => None,
        Work::Mix { pair, seed, regime } => {
            let dir = layout::mix_dir(out, pair, *seed, *regime);
            let path = dir.join(mixer::MIX_FILE);
            let subsets = (|| -> Option<Vec<String>> {
                let mix: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
                let names = mix["subsets"]
                    .as_array()?
                    .iter()
                    .flat_map(|s| ["sm", "ft"].map(|kind| s[kind].as_str().map(String::from)));
                names.collect()
            })();
            let Some(subsets) = subsets else {
                return Some(format!("{}: missing or unreadable", path.display()));
            };
            subsets.iter().find_map(|name| dataset(&dir.join(name)))
        }
        Work::Train(cell) => run_damaged(out, cell),
        Work::Gap { pair } => {
            let path = layout::gap_file(out, pair);
            let text = std::fs::read(&path).ok();
            let read = text.and_then(|t| serde_json::from_slice::<report::PairGap>(&t).ok());
            read.is_none()
                .then(|| format!("{}: missing or unreadable", path.display()))
        }
        Work::Choose { search: key, probe } => {
            let path = search::choice_file(out, key, *probe);
            search::Choice::read(&path).err().map(|e| format!("{e:#}"))
        }
        Work::Probe {
            search: key,
            probe,
            seed,
        } => match search::probe_cell(out, key, *probe, *seed) {
            Ok(Some(cell)) => run_damaged(out, &cell),
            Ok(None) => None,
            Err(e) => Some(format!("{e:#}")),
        },
        Work::Report => {
            let path = report::markdown_path(out);
            (!path.is_file()).then(|| format!("{}: missing", path.display()))
        }
    }
}

/// Why the result of `cell`'s run cannot be trusted, if it cannot.
fn run_damaged(out: &Path, cell: &Cell) -> Option<String> {
    let path = layout::cell_dir(
        out,
        &cell.pair,
        cell.model,
        cell.strategy,
        cell.point,
        cell.seed,
    )
    .join(RESULT_FILE);
    match RunResult::read(&path) {
        Ok(result) if result.status == Status::Ok => None,
        Ok(_) => Some(format!("{}: records a failed run", path.display())),
        Err(_) => Some(format!("{}: missing or unreadable", path.display())),
    }
}

/// The dataset an import or render task makes (or, for a given real dataset, checks).
pub fn dataset_of(out: &Path, work: &Work) -> Option<std::path::PathBuf> {
    match work {
        Work::Import {
            source: RealSource::Builtin(name),
        } => Some(layout::real_dataset(out, name)),
        Work::Import {
            source: RealSource::Dataset(dir),
        } => Some(dir.clone()),
        Work::Render { preset } => Some(layout::synthetic_dataset(out, preset)),
        _ => None,
    }
}

/// Takes back the completion record of `task`, whose outputs are damaged (`why`): it becomes
/// a failed task that says why, which every engine runs again.
pub fn reopen(out: &Path, task: &Task, why: &str) -> Result<()> {
    tracing::warn!(
        "task {} ({}) was done, but {why}: running it again",
        task.id,
        task.work
    );
    record(
        out,
        task,
        &Err(anyhow::anyhow!(
            "its outputs were damaged ({why}); run it again"
        )),
    )?;
    let done = layout::task_file(out, task.id, "done");
    match std::fs::remove_file(&done) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("{}: cannot remove", done.display()))
        }
        _ => Ok(()),
    }
}

/// Reopens every done task of `plan` whose outputs are damaged: what a launch does first, so
/// the engines run them again rather than trust their records.
pub fn reopen_damaged(plan: &Plan, out: &Path) -> Result<()> {
    for task in &plan.tasks {
        if matches!(state(out, task.id), State::Done(_))
            && let Some(why) = damaged(out, task)
        {
            reopen(out, task, &why)?;
        }
    }
    Ok(())
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
