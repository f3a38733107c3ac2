//! `synmix bench`: the whole benchmark, wired from the stage crates.
//!
//! For every dataset pair it imports the real dataset and renders the synthetic one (each
//! once per experiment directory), mixes one SM and one FT subset per share and seed, trains
//! every architecture on every cell and writes the report. Every step keeps what an earlier
//! run finished, so a rerun after a crash or a kill loses at most the run in progress. A cell
//! that cannot train is recorded as a failed run and the sweep goes on; the bench then exits
//! non-zero, and a rerun retries those cells. [`layout`] names every path of the directory.

pub mod config;
mod data;
pub mod layout;
pub mod report;

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use datasets::Dataset;
use generator::DeviceChoice;
use trainer::backend::BackendKind;
use trainer::run::run_training;
use trainer::{CellLabel, ModelKind, RunConfig, RunResult, Status, Strategy};

use config::Experiment;
use layout::ShareKey;

/// How to run an experiment, beyond what the experiment file says.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    pub out: PathBuf,
    pub device: DeviceChoice,
    pub backend: BackendKind,
    pub quiet: bool,
}

/// One training run of the sweep.
struct Cell {
    pair: String,
    model: ModelKind,
    strategy: Strategy,
    share: f64,
    seed: u64,
    data: PathBuf,
}

/// The datasets of one pair, once prepared.
struct PairData {
    real: PathBuf,
    /// The dataset whose `test` split scores the runs: `real`, or a stratified part of it.
    real_test: PathBuf,
    synthetic: PathBuf,
    synthetic_has_test: bool,
}

pub fn run(experiment: &Experiment, options: &BenchOptions) -> Result<()> {
    let started = Instant::now();
    data::check_given_datasets(experiment)?;
    let out = &options.out;
    std::fs::create_dir_all(out)
        .with_context(|| format!("{}: cannot create the bench directory", out.display()))?;
    pin_experiment(experiment, out)?;
    let shares = experiment.share_list()?;
    let models = &experiment.architectures;
    let strategies = &experiment.strategies;

    let mut pairs = BTreeMap::new();
    for pair in &experiment.pairs {
        let real = data::prepare_real(&pair.real, out, options.quiet)?;
        let real_test = data::real_test(&real, experiment, out)?;
        if !options.quiet {
            eprintln!("{}: scored on {}", pair.name, real_test.describe());
        }
        let real_test = real_test.dir;
        let synthetic = data::prepare_synthetic(pair, &real, experiment, out, options)?;
        let synthetic_has_test = Dataset::open(&synthetic)?
            .manifest
            .splits
            .contains_key("test");
        pairs.insert(
            pair.name.clone(),
            PairData {
                real,
                real_test,
                synthetic,
                synthetic_has_test,
            },
        );
    }

    let mut cells = Vec::new();
    for (name, data) in &pairs {
        for &seed in &experiment.seeds {
            let mix_dir = layout::mix_dir(out, name, seed);
            data::mix_pair(
                data,
                &mix_dir,
                experiment.data.size,
                &shares,
                seed,
                options.quiet,
            )?;
            for &model in models {
                for &share in &shares {
                    for &strategy in strategies {
                        if strategy == Strategy::Ft
                            && ShareKey::of(share).is_endpoint()
                            && strategies.contains(&Strategy::Sm)
                        {
                            continue;
                        }
                        cells.push(Cell {
                            pair: name.clone(),
                            model,
                            strategy,
                            share,
                            seed,
                            data: layout::subset_dir(&mix_dir, strategy, share),
                        });
                    }
                }
            }
        }
    }

    let bar = crate::progress::bar(cells.len() as u64, "runs", options.quiet);
    bar.set_message("training");
    let mut failed = 0;
    let mut errors = 0;
    for cell in &cells {
        let data = &pairs[&cell.pair];
        let config = RunConfig {
            data: cell.data.clone(),
            test: data.real_test.clone(),
            synthetic_test: data.synthetic_has_test.then(|| data.synthetic.clone()),
            out: layout::cell_dir(
                out,
                &cell.pair,
                cell.model,
                cell.strategy,
                cell.share,
                cell.seed,
            ),
            model: cell.model,
            strategy: cell.strategy,
            backend: options.backend,
            train: experiment.train.config(cell.model, cell.seed),
            cell: Some(CellLabel {
                pair: cell.pair.clone(),
                share: cell.share,
            }),
            memory_budget: None,
        };
        let cell_started = Instant::now();
        let result = match run_training(&config, &mut |_| ControlFlow::Continue(())) {
            Ok(result) => result,
            // The one error that leaves a finished result in place (another configuration's)
            // stops the bench: that result is not the sweep's to replace.
            Err(error) if holds_final_result(&config) => {
                return Err(error)
                    .with_context(|| format!("{}: training failed", config.out.display()));
            }
            // Any other cell that cannot train is recorded as failed, to be retried by the next
            // run, and the sweep goes on: one bad cell must not cost the others their runs.
            Err(error) => {
                errors += 1;
                let failure = RunResult::failure(&config, error.to_string());
                failure.write().with_context(|| {
                    format!("{}: cannot record the failed run", config.out.display())
                })?;
                failure
            }
        };
        let line = match (result.status, &result.metrics) {
            (Status::Ok, Some(metrics)) => format!("accuracy {:.4}", metrics.accuracy),
            _ => {
                failed += 1;
                format!(
                    "FAILED: {}",
                    result.reason.as_deref().unwrap_or("unknown reason")
                )
            }
        };
        bar.inc(1);
        if !options.quiet {
            bar.suspend(|| {
                eprintln!(
                    "{:<6} {:<4} {} r={:.1} seed {}: {line} ({:.1}s)",
                    cell.pair,
                    cell.model,
                    cell.strategy,
                    cell.share,
                    cell.seed,
                    cell_started.elapsed().as_secs_f64()
                )
            });
        }
    }
    bar.finish_and_clear();

    let results = report::scan(out)?;
    let files = report::write_report(out, &results)?;
    if !options.quiet {
        eprintln!(
            "bench finished: {} runs ({failed} failed) in {:.1} min; report: {}",
            cells.len(),
            started.elapsed().as_secs_f64() / 60.0,
            files.markdown.display()
        );
    }
    if errors > 0 {
        bail!(
            "{errors} of {} runs could not train (see Failed runs in {}); run the same command again to retry them",
            cells.len(),
            files.markdown.display()
        );
    }
    Ok(())
}

/// Whether the run directory holds a result that a rerun keeps (not a failure to retry).
fn holds_final_result(config: &RunConfig) -> bool {
    RunResult::read(&config.result_path()).is_ok_and(|previous| !previous.retry)
}

/// Records the experiment in the bench directory; a rerun must be the same experiment, or
/// its results would silently mix with another one's.
fn pin_experiment(experiment: &Experiment, out: &Path) -> Result<()> {
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
        return Ok(());
    }
    Ok(datasets::atomic::write_atomic(&path, text.as_bytes())?)
}
