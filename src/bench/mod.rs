//! `synmix bench`: the whole benchmark, wired from the stage crates.
//!
//! The experiment becomes a [`plan`] of numbered tasks in stages (import, render, mix, train,
//! report); [`tasks`] runs one task and keeps its completion record; the engines run the plan:
//! [`local`] in this process or a pool of worker processes, [`slurm`] as job arrays and
//! [`k8s`] as Indexed Jobs. Every task keeps what an earlier run finished, so a rerun after a
//! crash or a kill loses at most the tasks in progress. A cell that cannot train is recorded
//! as a failed run and the sweep goes on; the bench then exits non-zero, and a rerun retries
//! those cells. [`layout`] names every path of the directory; [`status`] reads it back.

pub mod config;
mod data;
pub mod k8s;
pub mod layout;
pub mod local;
pub mod plan;
pub mod report;
pub mod slurm;
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
}

/// Pins `experiment` to the bench directory and fixes its plan there (both refused if the
/// directory holds another experiment's). An experiment its data cannot hold is refused first,
/// before anything is written: the added-synthetic regime's needs, then the given datasets.
pub fn prepare(experiment: &Experiment, out: &Path) -> Result<Plan> {
    data::check_added_fits(experiment, out)?;
    data::check_given_datasets(experiment)?;
    std::fs::create_dir_all(out)
        .with_context(|| format!("{}: cannot create the bench directory", out.display()))?;
    let pinned = pin_experiment(experiment, out)?;
    let plan = Plan::build(experiment, &pinned)?;
    plan.store(out)?;
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

/// Records the experiment in the bench directory; a rerun must be the same experiment, or
/// its results would silently mix with another one's.
fn pin_experiment(experiment: &Experiment, out: &Path) -> Result<String> {
    let path = layout::experiment_file(out);
    let text = toml::to_string_pretty(experiment).expect("experiments serialise");
    if path.exists() {
        let previous = std::fs::read_to_string(&path)
            .with_context(|| format!("{}: cannot read", path.display()))?;
        if previous != text {
            bail!(
                "{}: holds another experiment; choose another --out (or delete it to start over)",
                out.display()
            );
        }
        return Ok(text);
    }
    datasets::atomic::write_atomic(&path, text.as_bytes())?;
    Ok(text)
}
