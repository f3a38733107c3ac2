//! The experiment (`synmix bench`): real and synthetic data paired, mixed at every point of
//! its regimes, trained with every architecture and strategy, and reported — wired from the
//! stage crates, which never see one another.
//!
//! The modules depend on one another in one direction, each only on those listed before it:
//! - [`dir`]: where the bench directory lives (a local directory or an object store) and its
//!   working copy on this machine;
//! - [`layout`]: every path of the bench directory;
//! - [`experiment`]: the experiment file, parsed and checked once into typed values;
//! - [`records`]: the records tasks leave (run results, gaps, a search's decisions), each
//!   written and read by one type;
//! - `analysis`: what the runs say as numbers (groups, intervals, fitted curves, r*);
//! - [`report`]: the report, from the records alone;
//! - [`work`]: the kinds of work a task does, one file each behind one trait;
//! - [`plan`]: the experiment as numbered tasks in stages, made from the experiment alone;
//! - [`tasks`]: the task contract — one task run, its completion record and lock;
//! - [`engine`]: the engines that run a plan (this process or a pool of workers, Slurm job
//!   arrays, Kubernetes Indexed Jobs);
//! - [`status`]: where a bench stands, read back from its records;
//! - [`advise`]: `synmix advise`, a small bench of pilot runs that ends with an advice.
//!
//! Every task keeps what an earlier run finished, so a rerun after a crash or a kill loses at
//! most the tasks in progress. A cell that cannot train is recorded as a failed run and the
//! sweep goes on; the bench then exits non-zero, and a rerun retries those cells. The library
//! names no command-line flags: its errors are typed ([`Error`], [`experiment::Error`]) for the
//! binary to word, and the binary passes in its command line and the words of a worker's
//! ([`BenchOptions`]).

pub mod advise;
mod analysis;
pub mod dir;
pub mod engine;
mod error;
pub mod experiment;
pub mod layout;
mod options;
pub mod plan;
pub mod records;
pub mod report;
pub mod stage;
pub mod status;
pub mod tasks;
pub mod work;

use anyhow::{Context, Result};

pub use dir::BenchDir;
pub use error::Error;
use experiment::Experiment;
pub use options::BenchOptions;
use plan::Plan;

/// The bench directory at `store`: on an object store, its working copy on this machine with the
/// bench's pin, plan and launch record brought up to date from the store (which is reached here,
/// so a wrong endpoint or credentials are told at once).
pub fn open(store: datasets::Location) -> Result<BenchDir> {
    let out = BenchDir::at(store)?;
    out.pull(&[
        layout::experiment_file(&out).into(),
        layout::plan_file(&out).into(),
        layout::launch_file(&out).into(),
    ])?;
    Ok(out)
}

/// Pins `experiment` to the bench directory and fixes its plan there (both refused if the
/// directory holds another experiment's). Everything is checked before anything is written —
/// the data against what the experiment takes, the pin, the stored plan — so a refused
/// command leaves the directory as it was.
pub fn prepare(experiment: &Experiment, out: &BenchDir) -> Result<Plan> {
    prepare_plan(experiment, Plan::build(experiment), out)
}

/// The plan a task of `experiment` runs under in `out`: the stored one, which may be the
/// experiment's sweep or another plan of it (an advice's), as long as it belongs to this
/// experiment; where none is stored yet, the sweep's, prepared as [`prepare`] does.
pub fn task_plan(experiment: &Experiment, out: &BenchDir) -> Result<Plan> {
    if !layout::plan_file(out).exists() {
        return prepare(experiment, out);
    }
    let plan = Plan::load(out)?;
    let pinned = blake3::hash(experiment.pin_text().as_bytes())
        .to_hex()
        .to_string();
    if plan.experiment != pinned {
        return Err(Error::OtherPlan {
            path: out.shown(&layout::plan_file(out)),
        }
        .into());
    }
    Ok(plan)
}

/// [`prepare`] with a plan of the experiment other than its sweep (an advice's).
pub(crate) fn prepare_plan(experiment: &Experiment, plan: Plan, out: &BenchDir) -> Result<Plan> {
    work::check_real_holds(experiment, out)?;
    let text = experiment.pin_text();
    let pinned = check_pin(&text, out)?;
    let stored = plan.check_stored(out).map_err(|error| match pinned {
        true => error,
        false => Error::UnpinnedPlan {
            dir: out.store().shown(),
        },
    })?;
    std::fs::create_dir_all(out)
        .with_context(|| format!("{}: cannot create the bench directory", out.display()))?;
    if !pinned {
        datasets::atomic::write_atomic(&layout::experiment_file(out), text.as_bytes())?;
    }
    if !stored {
        plan.store(out)?;
    }
    out.push(&[
        layout::experiment_file(out).into(),
        layout::plan_file(out).into(),
    ])?;
    Ok(plan)
}

/// Whether the bench directory `out` pins an experiment.
pub fn is_pinned(out: &BenchDir) -> bool {
    layout::experiment_file(out).is_file()
}

/// The experiment pinned in a bench directory (for tasks and reruns without an experiment).
pub fn pinned_experiment(out: &BenchDir) -> Result<Experiment> {
    if !is_pinned(out) {
        return Err(Error::NotABench {
            dir: out.store().shown(),
        }
        .into());
    }
    Ok(Experiment::file(&layout::experiment_file(out))?)
}

/// Whether the bench directory pins the experiment `text` already; refused if it pins
/// another: a rerun must be the same experiment, or its results would silently mix with
/// another one's.
fn check_pin(text: &str, out: &BenchDir) -> Result<bool> {
    let path = layout::experiment_file(out);
    if !path.exists() {
        return Ok(false);
    }
    let previous = std::fs::read_to_string(&path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    if previous != text {
        return Err(Error::OtherExperiment {
            dir: out.store().shown(),
        }
        .into());
    }
    Ok(true)
}

/// Writes the report of the bench directory `out` from the records it holds (`synmix report`),
/// once its training tasks are done; marks a planned bench's report task done. Returns how many
/// runs it read and the files.
pub fn write_report(out: &BenchDir) -> Result<(usize, report::ReportFiles)> {
    if let Ok(plan) = Plan::load(out) {
        tasks::sync(&plan, out)?;
    }
    status::check_report_ready(out)?;
    let results = records::scan(out)?;
    if results.is_empty() {
        anyhow::bail!("{}: no run results under runs/ yet", out.display());
    }
    let setting = match is_pinned(out) {
        true => work::report_context(&pinned_experiment(out)?),
        false => report::ReportSetting::default(),
    };
    let files = report::write_report(out, &results, &setting)?;
    status::report_written(out, &files.markdown)?;
    out.push(&work::Kind::outputs(&work::Report {}, out))?;
    Ok((results.len(), files))
}
