//! The engines that run a plan, behind one contract ([`Engine`]), as DataTrove's executors
//! share one base: [`local::Local`] runs the tasks in this process or a pool of worker
//! processes, [`slurm::Slurm`] submits them as job arrays, [`k8s::K8s`] prints Indexed Jobs.
//! Whatever the engine, a task is the same unit ([`crate::tasks`]): it skips itself when done,
//! so every engine resubmits exactly the missing tasks, and [`launch`] records how the plan was
//! last launched (`tasks/launch.json`) for `synmix status` to repeat.

pub mod k8s;
pub mod local;
mod preview;
pub mod slurm;

use anyhow::Result;

use crate::experiment::Experiment;
use crate::options::BenchOptions;
use crate::plan::Plan;
use crate::records::Launch;
use crate::tasks;

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
    tasks::sync(plan, &options.out)?;
    engine.check(plan, options)?;
    tasks::reopen_damaged(plan, &options.out)?;
    if engine.starts_tasks() {
        Launch {
            engine: engine.name().to_string(),
            command: options.command.clone(),
        }
        .write(&options.out)?;
        let launch = crate::layout::launch_file(&options.out);
        options.out.push(&[launch.into()])?;
    }
    engine.launch(plan, experiment, options)
}

pub use crate::options::{Selection, WorkerArgs};
