//! The data steps of a bench: import the real dataset, render the synthetic one, mix the
//! subsets of one pair and seed. Each keeps what an earlier run finished.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use datasets::import::{self, ImportOptions};
use datasets::{Dataset, Source, WriteMode};
use generator::{GenerateOptions, Preset};

use super::config::{Experiment, RealSource, SyntheticSource};
use super::{BenchOptions, PairData, layout};

/// Whether `dir` holds a finished dataset (its manifest is written last).
fn is_complete(dir: &Path) -> bool {
    Dataset::open(dir).is_ok()
}

pub(super) fn prepare_real(source: &RealSource, out: &Path, quiet: bool) -> Result<PathBuf> {
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
                    fit: import::Fit::Stretch,
                    channels: None,
                    classes: None,
                    skip_bad: false,
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

pub(super) fn prepare_synthetic(
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

pub(super) fn mix_pair(
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
