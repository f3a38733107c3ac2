//! The data steps of a bench: import the real dataset, render the synthetic one, mix the
//! subsets of one pair and seed. Each keeps what an earlier run finished.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use datasets::import::{self, ImportOptions};
use datasets::subset::TestSet;
use datasets::{Dataset, Source, WriteMode};
use generator::{GenerateOptions, Preset};

use super::config::{Experiment, Pair, RealSource, SyntheticSource};
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

/// The synthetic train rows of each real class that the sweep of one pair takes (the same
/// for every seed), by class name.
fn synthetic_needs(real: &Dataset, experiment: &Experiment) -> Result<Vec<(String, u64)>> {
    let weights = &real.split("train")?.class_counts;
    let needs = mixer::synthetic_needs(experiment.data.size, &experiment.share_list()?, weights);
    Ok(real.manifest.classes.iter().cloned().zip(needs).collect())
}

/// Fails with one line, naming the pair, class and both counts, unless the synthetic
/// dataset's train split holds what the sweep takes of every class. The mixer matches
/// classes by name.
fn check_synthetic_holds(
    pair: &Pair,
    real: &Dataset,
    synthetic: &Dataset,
    experiment: &Experiment,
) -> Result<()> {
    let have = &synthetic.split("train")?.class_counts;
    for (class, need) in synthetic_needs(real, experiment)? {
        let present = synthetic
            .manifest
            .classes
            .iter()
            .position(|c| *c == class)
            .map_or(0, |at| have.get(at).copied().unwrap_or(0));
        if present < need {
            bail!(
                "pair '{}': class '{class}': the sweep needs {need} synthetic train rows but {} has {present}; \
                 give a larger synthetic dataset or a smaller data.size",
                pair.name,
                synthetic.dir.display()
            );
        }
    }
    Ok(())
}

/// Checks, before any work, every pair whose datasets both exist already: a synthetic
/// dataset too small for the sweep is found now, not after the other pairs' imports and renders.
pub(super) fn check_given_datasets(experiment: &Experiment) -> Result<()> {
    for pair in &experiment.pairs {
        if let (RealSource::Dataset(real), SyntheticSource::Dataset(synthetic)) =
            (&pair.real, &pair.synthetic)
        {
            check_synthetic_holds(
                pair,
                &Dataset::open(real)?,
                &Dataset::open(synthetic)?,
                experiment,
            )?;
        }
    }
    Ok(())
}

/// The synthetic dataset of `pair`: the given one, checked to hold what the sweep takes, or
/// the preset rendered at the real dataset's image size with exactly the rows of each class
/// that the sweep takes (the mixer matches the synthetic class distribution to the real one).
pub(super) fn prepare_synthetic(
    pair: &Pair,
    real: &Path,
    experiment: &Experiment,
    out: &Path,
    options: &BenchOptions,
) -> Result<PathBuf> {
    let real = Dataset::open(real)?;
    match &pair.synthetic {
        SyntheticSource::Dataset(dir) => {
            check_synthetic_holds(pair, &real, &Dataset::open(dir)?, experiment)?;
            Ok(dir.clone())
        }
        SyntheticSource::Preset(name) => {
            let preset: Preset = name.parse()?;
            let needs = synthetic_needs(&real, experiment)?;
            let classes = preset.classes();
            if let Some((class, _)) = needs
                .iter()
                .find(|(class, _)| !classes.contains(&class.as_str()))
            {
                bail!(
                    "pair '{}': real class '{class}' of {} is not a class of preset {} ({}); pair it with a synthetic dataset instead",
                    pair.name,
                    real.dir.display(),
                    preset.name(),
                    classes.join(", ")
                );
            }
            let counts: Vec<u64> = classes
                .iter()
                .map(|c| {
                    needs
                        .iter()
                        .find(|(n, _)| n == c)
                        .map_or(0, |(_, need)| *need)
                })
                .collect();
            let dir = layout::synthetic_dataset(out, &pair.name, preset.name());
            let mut generate = GenerateOptions::new(preset, 0, &dir);
            generate.image = real.manifest.image;
            generate.class_counts = Some(counts.clone());
            generate.test_per_class = experiment.data.synthetic_test_per_class;
            generate.device = options.device;
            // Keeps a finished render of these very options; renders the rest.
            generate.mode = WriteMode::Resume;
            generate.command = crate::cmd::command_line();
            let bar = crate::progress::bar(
                counts.iter().sum::<u64>() + generate.test_per_class * 10,
                "images",
                options.quiet,
            );
            bar.set_message(format!("rendering {}", preset.name()));
            generator::generate(&generate, &crate::progress::follow(&bar))?;
            bar.finish_and_clear();
            Ok(dir)
        }
    }
}

/// The real test set that scores a pair's runs: with `data.real_test_limit`, that many rows
/// of the real test split in its class proportions (or the whole split, if it holds no
/// more); without, the whole split.
pub(super) fn real_test(real: &Path, experiment: &Experiment, out: &Path) -> Result<TestSet> {
    let limit = match experiment.data.real_test_limit {
        0 => u64::MAX,
        limit => limit,
    };
    Ok(datasets::subset::stratified_test(
        real,
        limit,
        &layout::data_dir(out),
        &crate::cmd::command_line(),
    )?)
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
