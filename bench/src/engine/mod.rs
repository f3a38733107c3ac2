//! The engines that run a plan, behind one contract ([`Engine`]), as DataTrove's executors
//! share one base: [`local::Local`] runs the tasks in this process or a pool of worker
//! processes, [`slurm::Slurm`] submits them as job arrays, [`k8s::K8s`] prints Indexed Jobs.
//! Whatever the engine, a task is the same unit ([`crate::tasks`]): it skips itself when done,
//! so every engine resubmits exactly the missing tasks, and [`launch`] records how the plan was
//! last launched (`tasks/launch.json`) for `synmix status` to repeat.

pub mod k8s;
pub mod local;
pub mod slurm;

use std::path::Path;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::experiment::Experiment;
use crate::plan::Plan;
use crate::work::Stage;
use crate::{BenchOptions, layout, tasks};

/// One way of running a plan's pending tasks.
pub trait Engine {
    /// The engine's name, as the launch record keeps it.
    fn name(&self) -> &'static str;

    /// Refuses a launch that would clash with one under way, before anything is recorded.
    fn check(&self, _plan: &Plan, _options: &BenchOptions) -> Result<()> {
        Ok(())
    }

    /// Whether launching starts the tasks (a script printed for later does not).
    fn starts_tasks(&self) -> bool {
        true
    }

    /// Runs, submits or describes the pending tasks of `plan`; returns what to print.
    fn launch(
        &self,
        plan: &Plan,
        experiment: &Experiment,
        options: &BenchOptions,
    ) -> Result<String>;
}

/// Launches `plan` on `engine`: its check, the records of damaged outputs taken back (so their
/// tasks run again), the launch record, then the engine's launch.
pub fn launch(
    engine: &dyn Engine,
    plan: &Plan,
    experiment: &Experiment,
    options: &BenchOptions,
) -> Result<String> {
    engine.check(plan, options)?;
    tasks::reopen_damaged(plan, &options.out)?;
    if engine.starts_tasks() {
        record_launch(&options.out, engine.name(), &options.command)?;
    }
    engine.launch(plan, experiment, options)
}

/// Which task a worker process runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Task `id` of the plan.
    Task(usize),
    /// The task of `stage` whose index within the stage is the array job's index (from the
    /// environment) plus `offset`; with `wait`, it waits for its inputs rather than failing.
    FromEnv {
        stage: Stage,
        offset: usize,
        wait: bool,
    },
}

/// The arguments (after the executable) of a worker process that runs `selection` with
/// `threads` threads on `options`' bench directory. The binary supplies them: they are its
/// command line's words, which this library does not know.
pub type WorkerArgs =
    fn(options: &BenchOptions, selection: &Selection, threads: usize) -> Vec<String>;

/// How the plan was last launched: every engine skips done tasks, so running the same command
/// again resubmits exactly the missing ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Launch {
    pub engine: String,
    pub command: String,
}

fn record_launch(out: &Path, engine: &str, command: &str) -> Result<()> {
    let launch = Launch {
        engine: engine.to_string(),
        command: command.to_string(),
    };
    Ok(datasets::atomic::write_json(
        &layout::launch_file(out),
        &launch,
    )?)
}

/// The last launch of the bench directory `out`, if any was recorded.
pub fn last_launch(out: &Path) -> Option<Launch> {
    let text = std::fs::read_to_string(layout::launch_file(out)).ok()?;
    serde_json::from_str(&text).ok()
}
