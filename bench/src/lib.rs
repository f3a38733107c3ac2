//! The experiment (`synmix bench`): real and synthetic data paired, mixed at every point of
//! its regimes, trained with every architecture and strategy, and reported — wired from the
//! stage crates, which never see one another.
//!
//! An [`config::Experiment`] becomes a [`plan`] of numbered tasks in stages (import, render,
//! mix, train, report); [`tasks`] runs one task under the task contract and keeps its
//! completion record, [`stages`] holds what each kind of task does; the [`engine`]s run the
//! plan: in this process or a pool of worker processes, as Slurm job arrays, or as Kubernetes
//! Indexed Jobs. Every task keeps what an earlier run finished, so a rerun after a crash or a
//! kill loses at most the tasks in progress. A cell that cannot train is recorded as a failed
//! run and the sweep goes on; the bench then exits non-zero, and a rerun retries those cells.
//! [`layout`] names every path of the directory; [`status`] reads it back; [`report`] writes
//! the report. The library names no command-line flags: the binary passes in its command line
//! and the words of a worker's ([`BenchOptions`]).

mod axis;
pub mod config;
pub mod engine;
pub mod layout;
pub mod plan;
pub mod report;
pub mod search;
mod stages;
pub mod status;
pub mod tasks;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use generator::DeviceChoice;
use trainer::backend::BackendKind;

use config::Experiment;
use plan::Plan;

/// How to run an experiment, beyond what the experiment file says.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    pub out: PathBuf,
    pub device: DeviceChoice,
    pub backend: BackendKind,
    pub quiet: bool,
    /// The command line that launched this process, recorded in manifests and launch records.
    pub command: String,
    /// How the engines start a worker process for one task.
    pub worker_args: engine::WorkerArgs,
}

/// Pins `experiment` to the bench directory and fixes its plan there (both refused if the
/// directory holds another experiment's). Everything is checked before anything is written —
/// the data against what the experiment takes, the pin, the stored plan — so a refused
/// command leaves the directory as it was.
pub fn prepare(experiment: &Experiment, out: &Path) -> Result<Plan> {
    stages::check_real_holds(experiment, out)?;
    let text = toml::to_string_pretty(experiment).expect("experiments serialise");
    let pinned = check_pin(&text, out)?;
    let plan = Plan::build(experiment, &text)?;
    let stored = plan.check_stored(out).map_err(|error| match pinned {
        true => error,
        false => anyhow::anyhow!(
            "{}: has a plan.json but no experiment.toml; give the bench's experiment with --config (or choose another --out)",
            out.display()
        ),
    })?;
    std::fs::create_dir_all(out)
        .with_context(|| format!("{}: cannot create the bench directory", out.display()))?;
    if !pinned {
        datasets::atomic::write_atomic(&layout::experiment_file(out), text.as_bytes())?;
    }
    if !stored {
        plan.store(out)?;
    }
    Ok(plan)
}

/// Whether the bench directory `out` pins an experiment.
pub fn is_pinned(out: &Path) -> bool {
    layout::experiment_file(out).is_file()
}

/// The experiment pinned in a bench directory (for tasks and reruns without `--config`).
pub fn pinned_experiment(out: &Path) -> Result<Experiment> {
    let path = layout::experiment_file(out);
    if !is_pinned(out) {
        bail!(
            "{}: not a bench directory (no experiment.toml); plan it with `synmix bench --out {} --plan-only`",
            out.display(),
            out.display()
        );
    }
    config::load(Some(&path), "default")
}

/// Whether the bench directory pins the experiment `text` already; refused if it pins
/// another: a rerun must be the same experiment, or its results would silently mix with
/// another one's.
fn check_pin(text: &str, out: &Path) -> Result<bool> {
    let path = layout::experiment_file(out);
    if !path.exists() {
        return Ok(false);
    }
    let previous = std::fs::read_to_string(&path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    if previous != text {
        bail!(
            "{}: holds another experiment; choose another --out (or delete it to start over)",
            out.display()
        );
    }
    Ok(true)
}
