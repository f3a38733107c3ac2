//! `synmix bench`: the whole benchmark, wired from the stage crates.
//!
//! For every dataset pair it imports the real dataset and renders the synthetic one (each
//! once per experiment directory), mixes one SM and one FT subset per share and seed, trains
//! every architecture on every cell and writes the report. Every step keeps what an earlier
//! run finished, so a rerun after a crash or a kill loses at most the run in progress. A cell
//! that cannot train is recorded as a failed run and the sweep goes on; the bench then exits
//! non-zero, and a rerun retries those cells. [`layout`] names every path of the directory.

pub mod config;
pub mod layout;
pub mod report;

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use datasets::import::{self, ImportOptions};
use datasets::{Dataset, Source, WriteMode};
use generator::{DeviceChoice, GenerateOptions, Preset};
use trainer::backend::BackendKind;
use trainer::config::TrainConfig;
use trainer::run::run_training;
use trainer::{CellLabel, ModelKind, RunConfig, RunResult, Status, Strategy};

use config::{Experiment, RealSource, SyntheticSource};
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
    let out = &options.out;
    std::fs::create_dir_all(out)
        .with_context(|| format!("{}: cannot create the bench directory", out.display()))?;
    pin_experiment(experiment, out)?;
    let shares = experiment.share_list()?;
    let models = &experiment.architectures;
    let strategies = &experiment.strategies;
    let optimizer = experiment.train.optimizer;

    let mut pairs = BTreeMap::new();
    for pair in &experiment.pairs {
        let real = prepare_real(&pair.real, out, options.quiet)?;
        let real_test = match experiment.data.real_test_limit {
            0 => real.clone(),
            limit => datasets::subset::stratified_test(
                &real,
                limit,
                &layout::data_dir(out),
                &crate::cmd::command_line(),
            )?,
        };
        let synthetic = prepare_synthetic(&pair.synthetic, experiment, out, options)?;
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
            mix_pair(
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
            train: TrainConfig::new()
                .with_optimizer(optimizer)
                .with_lr(experiment.train.learning_rate)
                .with_batch_size(experiment.train.batch_size)
                .with_epochs(experiment.train.epochs)
                .with_seed(cell.seed),
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

/// Whether `dir` holds a finished dataset (its manifest is written last).
fn is_complete(dir: &Path) -> bool {
    Dataset::open(dir).is_ok()
}

fn prepare_real(source: &RealSource, out: &Path, quiet: bool) -> Result<PathBuf> {
    match source {
        RealSource::Dataset(dir) => {
            let dataset = Dataset::open(dir)?;
            dataset.split("train")?;
            dataset.split("test")?;
            Ok(dir.clone())
        }
        RealSource::Builtin(name) if name == "fashion-mnist" => {
            let dir = layout::real_dataset(out, name);
            if !is_complete(&dir) {
                let spinner = crate::progress::spinner("importing Fashion-MNIST", quiet);
                let input = import::read_fashion_mnist(Path::new(import::FASHION_MNIST_DIR))?;
                let options = ImportOptions {
                    out: dir.clone(),
                    name: Some("fashion-mnist".into()),
                    source: Source::Real,
                    split: None,
                    size: None,
                    channels: None,
                    classes: None,
                    mode: WriteMode::Force,
                    command: crate::cmd::command_line(),
                };
                import::write_dataset(input, &options, Path::new(import::FASHION_MNIST_DIR))?;
                spinner.finish_and_clear();
            }
            Ok(dir)
        }
        RealSource::Builtin(other) => {
            bail!("real source '{other}' is not built in: use fashion-mnist or dataset = \"DIR\"")
        }
    }
}

fn prepare_synthetic(
    source: &SyntheticSource,
    experiment: &Experiment,
    out: &Path,
    options: &BenchOptions,
) -> Result<PathBuf> {
    match source {
        SyntheticSource::Dataset(dir) => {
            Dataset::open(dir)?.split("train")?;
            Ok(dir.clone())
        }
        SyntheticSource::Preset(name) => {
            let preset: Preset = name.parse()?;
            let dir = layout::synthetic_dataset(out, preset.name());
            if !is_complete(&dir) {
                // Share 1 takes N synthetic rows, N/10 of each class.
                let mut generate = GenerateOptions::new(preset, experiment.data.size / 10, &dir);
                generate.test_per_class = experiment.data.synthetic_test_per_class;
                generate.device = options.device;
                generate.mode = WriteMode::Resume;
                generate.command = crate::cmd::command_line();
                let bar = crate::progress::bar(
                    (experiment.data.size / 10 + generate.test_per_class) * 10,
                    "images",
                    options.quiet,
                );
                bar.set_message(format!("rendering {}", preset.name()));
                generator::generate(&generate, &crate::progress::follow(&bar))?;
                bar.finish_and_clear();
            }
            Ok(dir)
        }
    }
}

fn mix_pair(
    data: &PairData,
    dir: &Path,
    size: u64,
    shares: &[f64],
    seed: u64,
    quiet: bool,
) -> Result<()> {
    let spec = mixer::SweepSpec {
        options: mixer::MixOptions {
            synthetic: data.synthetic.clone(),
            real: data.real.clone(),
            class_renames: mixer::ClassRenames::default(),
            seed,
            order: mixer::Order::default(),
            force: false,
            command: crate::cmd::command_line(),
            memory_budget: None,
        },
        out: dir.to_path_buf(),
        size,
        shares: shares.to_vec(),
        draw: mixer::Draw::Nested,
    };
    let spinner = crate::progress::spinner(&format!("mixing {}", dir.display()), quiet);
    mixer::sweep(&spec, &|_| {})?;
    spinner.finish_and_clear();
    Ok(())
}
