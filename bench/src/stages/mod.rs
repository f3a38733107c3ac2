//! What each kind of task does: import (or check) a real dataset, render a preset, mix the
//! subsets of one pair, seed and regime, train one cell, decide or train an adaptive search's
//! probe, write the report. [`super::tasks`]
//! runs them under the task contract; each keeps what an earlier run finished.

mod inputs;
mod mix;
mod train;

use std::path::Path;

use anyhow::{Context, Result, bail};

pub(crate) use inputs::check_real_holds;

use super::config::{Experiment, Pair, RealSource};
use super::plan::{Cell, Plan, Task, Work};
use super::{BenchOptions, layout, report, search, tasks};

/// Trains `cell` on its subset, which the mix task `task` needs first made.
fn train_cell(
    plan: &Plan,
    task: &Task,
    cell: &Cell,
    experiment: &Experiment,
    options: &BenchOptions,
) -> Result<String> {
    let out = &options.out;
    let data = inputs::pair_data(find_pair(experiment, &cell.pair)?, experiment, options)?;
    let mix_dir = layout::mix_dir(out, &cell.pair, cell.seed, cell.point.regime());
    let subset = layout::subset_dir(&mix_dir, cell.strategy, cell.point);
    // A cell trained on a damaged subset would score the wrong rows: the mix is done
    // again instead.
    check_input(out, &subset, [&plan.tasks[task.needs[0]]])?;
    train::train(cell, &subset, &data, experiment, options)
}

/// Does `task`'s work; returns the one-line summary its completion record keeps.
pub(crate) fn execute(
    plan: &Plan,
    task: &Task,
    experiment: &Experiment,
    options: &BenchOptions,
) -> Result<String> {
    let out = &options.out;
    redo_if_damaged(out, &task.work)?;
    match &task.work {
        Work::Import { source } => {
            // The record says which real test rows score the runs.
            let real = inputs::prepare_real(source, experiment, options)?;
            Ok(format!(
                "{}; runs scored on {}",
                real.dir.display(),
                real.test.describe()
            ))
        }
        Work::Render { preset } => {
            let dir = inputs::prepare_render(preset, experiment, options)?;
            Ok(format!("{}", dir.display()))
        }
        Work::Mix { pair, seed, regime } => {
            let data = inputs::pair_data(find_pair(experiment, pair)?, experiment, options)?;
            // The inputs against their hashes: a damaged one is made again (or, given by the
            // user, named), never mixed.
            for input in [&data.real, &data.synthetic] {
                let makers = task.needs.iter().map(|&id| &plan.tasks[id]);
                check_input(
                    out,
                    input,
                    makers.filter(|t| tasks::dataset_of(out, &t.work).as_ref() == Some(input)),
                )?;
            }
            let dir = layout::mix_dir(out, pair, *seed, *regime);
            mix::mix(
                &data,
                &dir,
                &experiment.axis(*regime)?,
                *seed,
                experiment,
                options,
            )?;
            Ok(format!("{}", dir.display()))
        }
        Work::Gap { pair } => {
            let data = inputs::pair_data(find_pair(experiment, pair)?, experiment, options)?;
            let measured = gap::measure_gap(&gap::GapOptions {
                real: data.real,
                synthetic: data.synthetic,
                cache: layout::gap_cache(out),
                encoder: None,
                seed: 0,
                quiet: true,
            });
            // A gap the data cannot give (a class with too few images) leaves the bench
            // going: the report says why.
            let (gap, summary) = match measured {
                Ok(m) => (
                    report::PairGap::Measured(Box::new(m.report)),
                    "measured".into(),
                ),
                Err(e) => {
                    let why = e.to_string();
                    let summary = format!("not measured: {why}");
                    (report::PairGap::NotMeasured { not_measured: why }, summary)
                }
            };
            let path = layout::gap_file(out, pair);
            layout::write_json(&path, &gap)?;
            Ok(format!("{}: {summary}", path.display()))
        }
        Work::Train(cell) => train_cell(plan, task, cell, experiment, options),
        Work::Choose { search: key, probe } => {
            let choice = search::choose(out, key, *probe, experiment)?;
            Ok(choice.describe())
        }
        Work::Probe {
            search: key,
            probe,
            seed,
        } => match search::probe_cell(out, key, *probe, *seed)? {
            Some(cell) => train_cell(plan, task, &cell, experiment, options),
            None => Ok(format!(
                "nothing to train: the search stopped by probe {probe}"
            )),
        },
        // With failed runs the report is written (it lists them) but the task fails, so the
        // next launch, which retries those runs, writes it again.
        Work::Report => {
            let results = report::scan(out)?;
            let files = report::write_report(out, &results)?;
            let failed = tasks::failed_runs(plan, out);
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

/// Before an import or render task runs: a finished dataset of the bench's own whose shards no
/// longer match its manifest is removed, so the task makes it anew; a user's is refused, named.
fn redo_if_damaged(out: &Path, work: &Work) -> Result<()> {
    let Some(dir) = tasks::dataset_of(out, work) else {
        return Ok(());
    };
    if !dir.join("manifest.json").is_file() {
        return Ok(()); // not made yet, or unfinished: the task makes or resumes it
    }
    let Some(problem) = damage(&dir) else {
        return Ok(());
    };
    if let Work::Import {
        source: RealSource::Dataset(_),
    } = work
    {
        bail!(
            "{}: damaged ({problem}); restore it (`synmix verify` lists what is wrong)",
            dir.display()
        );
    }
    tracing::warn!("{}: damaged ({problem}): making it anew", dir.display());
    std::fs::remove_dir_all(&dir).with_context(|| format!("{}: cannot remove", dir.display()))
}

/// Fails, naming `input` and its first problem, if it no longer matches its manifest; the
/// `makers` that made it are reopened, so the next launch makes it anew (without a maker, the
/// input is the user's to restore).
fn check_input<'a>(
    out: &Path,
    input: &Path,
    makers: impl IntoIterator<Item = &'a Task>,
) -> Result<()> {
    let Some(problem) = damage(input) else {
        return Ok(());
    };
    let mut reopened = Vec::new();
    for maker in makers {
        tasks::reopen(out, maker, &problem)?;
        reopened.push(maker.id.to_string());
    }
    if reopened.is_empty() {
        bail!(
            "{}: damaged ({problem}); restore it (`synmix verify` lists what is wrong)",
            input.display()
        );
    }
    bail!(
        "{}: damaged ({problem}); task {} is undone: run the bench again to make it anew",
        input.display(),
        reopened.join(", ")
    )
}

/// The first problem of the dataset in `dir` against its manifest (rows, class counts, shard
/// hashes), if any.
fn damage(dir: &Path) -> Option<String> {
    match datasets::verify::verify(dir) {
        Ok(problems) => problems.into_iter().next(),
        Err(error) => Some(error.to_string()),
    }
}

fn find_pair<'a>(experiment: &'a Experiment, name: &str) -> Result<&'a Pair> {
    experiment
        .pairs
        .iter()
        .find(|p| p.name == name)
        .with_context(|| format!("the experiment has no pair '{name}'"))
}
