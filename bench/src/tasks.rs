//! Running one task of the plan, the unit every engine schedules.
//!
//! A task's outputs are written under temporary names by the stage that makes them; its
//! completion record (`tasks/<id>.done`) is written last, so a task killed at any moment is
//! simply not done, and a rerun resumes it. While it runs the task holds an exclusive lock on
//! `tasks/<id>.lock` (released by the kernel when its process dies): a second process given the
//! same task waits for the first and then finds it done, so the two never write the same files.
//! A task that fails records its error in `tasks/<id>.failed` for `synmix status`.
//!
//! On an object store ([`BenchDir`]) the records are objects — the completion record created
//! only if absent (a conditional PUT) — with a copy in the working copy that the engines read,
//! brought up to date from the store ([`refresh`]) before a task runs and before a launch or a
//! status reads them; the lock is a lease object. A task pulls the files of the tasks it reads
//! before it runs and pushes its own before its record is written.
//!
//! A completion record is trusted only while the task's outputs are there: a done task whose
//! dataset, mix or result has gone missing or unreadable is damaged ([`crate::work::Kind::damaged`]),
//! and a launch (or a rerun of the task) takes its record back ([`reopen`]) and runs it again. A
//! task that finds one of its inputs damaged ([`DamagedInput`]) fails naming it, and the task
//! that made it is reopened, so the next launch makes it anew.

use std::fs::File;

use anyhow::{Context as _, Result, bail};
use datasets::Location;
use datasets::store::lease::Lease;
use serde::{Deserialize, Serialize};

use crate::dir::BenchDir;
use crate::experiment::Experiment;
use crate::layout;
use crate::options::BenchOptions;
use crate::plan::{Plan, Task};
use crate::stage::Stage;
use crate::work::{Context, DamagedInput};

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

/// The state of task `id` in the bench directory `out`, as its working copy has it.
pub fn state(out: &BenchDir, id: usize) -> State {
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

/// Brings the records of the tasks `ids` in the working copy up to date from the store, in one
/// listing; nothing to do on a local disk.
pub fn refresh(out: &BenchDir, ids: impl IntoIterator<Item = usize>) -> Result<()> {
    let records: Vec<Location> = ids
        .into_iter()
        .flat_map(|id| ["done", "failed"].map(|kind| layout::task_file(out, id, kind).into()))
        .collect();
    out.pull(&records)
}

/// Brings the working copy of a bench on object storage up to date for a reader of the whole
/// plan (a launch, the status, the report): every task's record, and the files of the done
/// tasks.
pub fn sync(plan: &Plan, out: &BenchDir) -> Result<()> {
    if !out.is_remote() {
        return Ok(());
    }
    refresh(out, plan.tasks.iter().map(|t| t.id))?;
    let done: Vec<&Task> = plan
        .tasks
        .iter()
        .filter(|t| matches!(state(out, t.id), State::Done(_)))
        .collect();
    pull_outputs(out, &done)
}

/// Pulls the files `tasks` made into the working copy. Twice where that names more: a probe's
/// run is named by a decision pulled with it.
fn pull_outputs(out: &BenchDir, tasks: &[&Task]) -> Result<()> {
    let outputs = |tasks: &[&Task]| -> Vec<Location> {
        tasks
            .iter()
            .flat_map(|t| t.work.kind().outputs(out))
            .collect()
    };
    let first = outputs(tasks);
    out.pull(&first)?;
    let second = outputs(tasks);
    if second != first {
        out.pull(&second)?;
    }
    Ok(())
}

/// Whether a process holds the lock of task `id` right now.
pub fn is_running(out: &BenchDir, id: usize) -> bool {
    match layout::task_record(out, id, "lock") {
        Location::Local(path) => match File::open(&path) {
            Ok(file) => file.try_lock_shared().is_err(),
            Err(_) => false,
        },
        Location::Object(place) => Lease::is_held(&place).unwrap_or(false),
    }
}

/// Takes the lock of task `id`, waiting while another process holds it: `flock` on a local
/// disk, a lease on an object store, held until the returned guard is dropped.
fn lock(out: &BenchDir, id: usize) -> Result<Box<dyn Send>> {
    match layout::task_record(out, id, "lock") {
        Location::Local(path) => {
            let tasks = layout::tasks_dir(out);
            std::fs::create_dir_all(&tasks)
                .with_context(|| format!("{}: cannot create", tasks.display()))?;
            let file = File::create(&path)
                .with_context(|| format!("{}: cannot create the task lock", path.display()))?;
            file.lock()
                .with_context(|| format!("{}: cannot lock", path.display()))?;
            Ok(Box::new(file))
        }
        Location::Object(place) => Ok(Box::new(Lease::wait(&place)?)),
    }
}

/// Whether task `id`'s needs are met: every task it reads is done. A kind that reads failures
/// (the report, a search's decision) counts a failed need as met.
pub fn waiting_for(out: &BenchDir, task: &Task) -> Option<usize> {
    task.needs
        .iter()
        .copied()
        .find(|&need| match state(out, need) {
            State::Done(_) => false,
            State::Failed(_) => !task.work.kind().reads_failures(),
            State::Missing => true,
        })
}

/// Waits until the tasks `task` needs are done (polling the records every few seconds); fails
/// if one of them failed, since it will not be done until someone reruns it.
pub fn wait_for_inputs(plan: &Plan, out: &BenchDir, task: &Task) -> Result<()> {
    loop {
        refresh(out, task.needs.iter().copied())?;
        let Some(need) = waiting_for(out, task) else {
            return Ok(());
        };
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
    refresh(out, std::iter::once(id).chain(task.needs.iter().copied()))?;
    if let State::Done(record) = state(out, id) {
        pull_outputs(out, &[task])?;
        match task.work.kind().damaged(out) {
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
    let _lock = lock(out, id)?;
    // Another process may have finished it while this one waited for the lock.
    refresh(out, [id])?;
    if let State::Done(record) = state(out, id) {
        return Ok(record.message);
    }
    let needs: Vec<&Task> = task.needs.iter().map(|&need| &plan.tasks[need]).collect();
    pull_outputs(out, &needs)?;
    // What an attempt on another machine left of its outputs (a run's checkpoint) is continued
    // rather than made again; what this working copy holds is this machine's latest.
    let absent: Vec<Location> = task
        .work
        .kind()
        .outputs(out)
        .into_iter()
        .filter(|output| output.as_local().is_some_and(|path| !path.exists()))
        .collect();
    out.pull(&absent)?;
    let context = Context {
        experiment,
        options,
        failed_needs: task
            .needs
            .iter()
            .filter(|&&need| matches!(state(out, need), State::Failed(_)))
            .map(|&need| &plan.tasks[need].work)
            .collect(),
    };
    let outcome = task.work.kind().run(&context);
    let outcome = match outcome {
        Err(error) => Err(reopen_maker(plan, out, task, error)?),
        ok => ok,
    };
    // What it made is in the store before its record says so (a failed run's result too: the
    // report lists it).
    out.push(&task.work.kind().outputs(out))?;
    record(out, task, &outcome)?;
    outcome
}

/// Where `error` is a damaged input of `task`, reopens the tasks it needs that made it (their
/// outputs hold it), so the next launch makes it anew; returns the error saying so. An input no
/// task of the plan made is the user's to restore.
fn reopen_maker(
    plan: &Plan,
    out: &BenchDir,
    task: &Task,
    error: anyhow::Error,
) -> Result<anyhow::Error> {
    let Some(damaged) = error.downcast_ref::<DamagedInput>() else {
        return Ok(error);
    };
    let problem = damaged.why.clone();
    let input = damaged.path.clone();
    let mut reopened = Vec::new();
    for &need in &task.needs {
        let maker = &plan.tasks[need];
        let outputs = maker.work.kind().outputs(out);
        // Only the bench's own outputs (in its directory) are its to make again.
        if outputs.iter().any(|made| made.contains(&input)) {
            reopen(out, maker, &problem)?;
            reopened.push(maker.id.to_string());
        }
    }
    let remedy = match reopened.is_empty() {
        true => "restore it (`synmix verify` lists what is wrong)".to_string(),
        false => format!(
            "task {} is undone: run the bench again to make it anew",
            reopened.join(", ")
        ),
    };
    Ok(anyhow::anyhow!("{input}: damaged ({problem}); {remedy}"))
}

/// Writes the record of `task`'s `outcome`: the completion record, or the error of a failure.
pub fn record(out: &BenchDir, task: &Task, outcome: &Result<String>) -> Result<()> {
    let (kind, message) = match outcome {
        Ok(message) => ("done", message.clone()),
        Err(error) => ("failed", format!("{error:#}")),
    };
    let record = Record {
        task: task.work.to_string(),
        message,
    };
    let text = serde_json::to_string_pretty(&record).expect("a task record serialises");
    let place = layout::task_record(out, task.id, kind);
    match kind {
        // Of two processes finishing one task (a lease taken over from a stalled holder), the
        // first record stays.
        "done" => {
            place.put_if_absent(text.as_bytes())?;
        }
        _ => place.put(text.as_bytes())?,
    }
    if out.is_remote() {
        Location::from(layout::task_file(out, task.id, kind)).put(text.as_bytes())?;
    }
    if kind == "done" {
        remove_record(out, task.id, "failed")?;
    }
    Ok(())
}

/// Removes a record of task `id`, where the bench lives and from the working copy.
fn remove_record(out: &BenchDir, id: usize, kind: &str) -> Result<()> {
    layout::task_record(out, id, kind).remove()?;
    if out.is_remote() {
        Location::from(layout::task_file(out, id, kind)).remove()?;
    }
    Ok(())
}

/// Takes back the completion record of `task`, whose outputs are damaged (`why`): it becomes
/// a failed task that says why, which every engine runs again.
pub fn reopen(out: &BenchDir, task: &Task, why: &str) -> Result<()> {
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
    remove_record(out, task.id, "done")
}

/// Reopens every done task of `plan` whose outputs are damaged: what a launch does first, so
/// the engines run them again rather than trust their records.
///
/// A task that summarises what its needs made (the report, a search's decision, an advice) is
/// stale once one of them is to be made again: it is reopened too, so it reads the new outputs
/// rather than keep what it said of the old ones. The plan lists needs before the tasks that
/// read them, so one pass in order carries a reopening as far as it goes.
pub fn reopen_damaged(plan: &Plan, out: &BenchDir) -> Result<()> {
    for task in &plan.tasks {
        if !matches!(state(out, task.id), State::Done(_)) {
            continue;
        }
        let kind = task.work.kind();
        let why = kind.damaged(out).or_else(|| {
            let redone = task
                .needs
                .iter()
                .find(|&&need| !matches!(state(out, need), State::Done(_)))?;
            kind.summarises().then(|| {
                format!(
                    "task {redone} ({}), which it reads, is to be made again",
                    plan.tasks[*redone].work
                )
            })
        });
        if let Some(why) = why {
            reopen(out, task, &why)?;
        }
    }
    Ok(())
}

/// Training tasks whose last attempt failed.
pub fn failed_runs(plan: &Plan, out: &BenchDir) -> usize {
    plan.stage(Stage::Train)
        .iter()
        .filter(|t| matches!(state(out, t.id), State::Failed(_)))
        .count()
}

/// How many tasks of `plan` are done.
pub fn done(plan: &Plan, out: &BenchDir) -> u64 {
    plan.tasks
        .iter()
        .filter(|t| matches!(state(out, t.id), State::Done(_)))
        .count() as u64
}

/// The ids of `stage`'s tasks that are not done, for the engines to (re)submit.
pub fn pending(plan: &Plan, out: &BenchDir, stage: Stage) -> Vec<usize> {
    plan.stage(stage)
        .iter()
        .filter(|t| !matches!(state(out, t.id), State::Done(_)))
        .map(|t| t.id)
        .collect()
}
