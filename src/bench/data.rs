//! The data steps of a bench: import the real dataset, render the synthetic one, mix the
//! subsets of one pair and seed. Each keeps what an earlier run finished.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use datasets::import::{self, ImportOptions};
use datasets::{Dataset, Source, WriteMode};
use generator::{GenerateOptions, Preset};

use super::config::{AddedRegime, Experiment, Pair, RealSource, SyntheticSource};
use super::{BenchOptions, layout};

/// The datasets of one pair, once prepared.
pub(super) struct PairData {
    pub real: PathBuf,
    /// The dataset whose `test` split scores the runs: `real`, or a stratified part of it.
    pub real_test: PathBuf,
    pub synthetic: PathBuf,
    pub synthetic_has_test: bool,
}

/// The datasets of `pair`, preparing whatever is not finished yet (a no-op once the data
/// tasks have run).
pub(super) fn pair_data(
    pair: &Pair,
    experiment: &Experiment,
    options: &BenchOptions,
) -> Result<PairData> {
    let real = prepare_real(&pair.real, experiment, &options.out, options.quiet)?;
    let real_test = real_test(&real, experiment, &options.out)?;
    let synthetic = prepare_synthetic(&pair.synthetic, experiment, options)?;
    let synthetic_has_test = Dataset::open(&synthetic)?
        .manifest
        .splits
        .contains_key("test");
    Ok(PairData {
        real,
        real_test,
        synthetic,
        synthetic_has_test,
    })
}

/// The dataset that scores the runs: the real test split, or the stratified part of it the
/// experiment asks for (cut once).
fn real_test(real: &Path, experiment: &Experiment, out: &Path) -> Result<PathBuf> {
    Ok(match experiment.data.real_test_limit {
        0 => real.to_path_buf(),
        limit => datasets::subset::stratified_test(
            real,
            limit,
            &layout::data_dir(out),
            &crate::cmd::command_line(),
        )?,
    })
}

/// Whether `dir` holds a finished dataset (its manifest is written last).
fn is_complete(dir: &Path) -> bool {
    Dataset::open(dir).is_ok()
}

/// Imports (or checks) a real dataset and cuts its test subset; returns its directory.
pub(super) fn prepare_real(
    source: &RealSource,
    experiment: &Experiment,
    out: &Path,
    quiet: bool,
) -> Result<PathBuf> {
    let dir = import_real(source, out, quiet)?;
    real_test(&dir, experiment, out)?;
    Ok(dir)
}

fn import_real(source: &RealSource, out: &Path, quiet: bool) -> Result<PathBuf> {
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

pub(super) fn prepare_synthetic(
    source: &SyntheticSource,
    experiment: &Experiment,
    options: &BenchOptions,
) -> Result<PathBuf> {
    let out = &options.out;
    match source {
        SyntheticSource::Dataset(dir) => {
            Dataset::open(dir)?.split("train")?;
            Ok(dir.clone())
        }
        SyntheticSource::Preset(name) => {
            let preset: Preset = name.parse()?;
            let dir = layout::synthetic_dataset(out, preset.name());
            if !is_complete(&dir) {
                let per_class = render_per_class(name, experiment, out)?;
                let mut generate = GenerateOptions::new(preset, per_class, &dir);
                generate.test_per_class = experiment.data.synthetic_test_per_class;
                generate.device = options.device;
                generate.mode = WriteMode::Resume;
                generate.command = crate::cmd::command_line();
                let bar = crate::progress::bar(
                    (per_class + generate.test_per_class) * 10,
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

/// Synthetic train rows of each class that the render of `preset` holds: share 1 takes N/10
/// of each class; the added-synthetic regime takes its largest multiple's quota of each class,
/// in the class proportions of the real dataset of every pair that pairs the preset (imported
/// by now: the render task waits for the imports).
fn render_per_class(preset: &str, experiment: &Experiment, out: &Path) -> Result<u64> {
    let mut per_class = experiment.data.size / 10;
    let Some(added) = &experiment.added else {
        return Ok(per_class);
    };
    for pair in &experiment.pairs {
        if pair.synthetic == SyntheticSource::Preset(preset.to_string()) {
            let real = Dataset::open(&real_dir(&pair.real, out))?;
            let weights = &real.split("train")?.class_counts;
            let needs = mixer::added::synthetic_needs(added.real, &added.multiples, weights);
            per_class = per_class.max(needs.into_iter().max().unwrap_or(0));
        }
    }
    Ok(per_class)
}

/// Where the bench finds a real source's dataset (a built-in one once imported).
fn real_dir(source: &RealSource, out: &Path) -> PathBuf {
    match source {
        RealSource::Dataset(dir) => dir.clone(),
        RealSource::Builtin(name) => layout::real_dataset(out, name),
    }
}

/// The class names and train class counts of a real source: from its dataset, or, for a
/// built-in one not imported yet, what the import will give; `None` if unknown.
fn real_train_classes(source: &RealSource, out: &Path) -> Result<Option<(Vec<String>, Vec<u64>)>> {
    let dir = real_dir(source, out);
    if let RealSource::Builtin(name) = source
        && !is_complete(&dir)
    {
        return Ok((name == "fashion-mnist").then(|| {
            let classes = import::FASHION_MNIST_CLASSES.map(String::from).to_vec();
            let counts = vec![import::FASHION_MNIST_TRAIN_PER_CLASS; classes.len()];
            (classes, counts)
        }));
    }
    let real = Dataset::open(&dir)?;
    Ok(Some((
        real.manifest.classes.clone(),
        real.split("train")?.class_counts.clone(),
    )))
}

/// Fails with one line unless every pair's data holds the added-synthetic regime: R real rows
/// and, for a given synthetic dataset, k·R synthetic rows at the largest k, of every class in
/// the real train split's proportions (a preset is rendered to hold them). Reads manifests
/// only, so it runs before any work.
pub(super) fn check_added_fits(experiment: &Experiment, out: &Path) -> Result<()> {
    let Some(added) = &experiment.added else {
        return Ok(());
    };
    for pair in &experiment.pairs {
        let Some((classes, weights)) = real_train_classes(&pair.real, out)? else {
            continue;
        };
        let real = real_dir(&pair.real, out);
        let real_needs = mixer::added::real_needs(added.real, &weights);
        for ((class, &need), &have) in classes.iter().zip(&real_needs).zip(&weights) {
            if need > have {
                bail!(
                    "added.real {}: pair '{}' needs {need} real rows of class '{class}' but the train split of {} has {have}; give a smaller added.real",
                    added.real,
                    pair.name,
                    real.display()
                );
            }
            if need == 0 {
                bail!(
                    "added.real {}: too few rows to give each of the {} classes of {} at least one; give a larger added.real",
                    added.real,
                    classes.len(),
                    real.display()
                );
            }
        }
        if let SyntheticSource::Dataset(dir) = &pair.synthetic {
            check_synthetic_holds_added(pair, added, &classes, &weights, &Dataset::open(dir)?)?;
        }
    }
    Ok(())
}

/// Fails with one line unless the synthetic dataset holds the largest multiple's quota of every
/// real class (the mixer matches classes by name).
fn check_synthetic_holds_added(
    pair: &Pair,
    added: &AddedRegime,
    classes: &[String],
    weights: &[u64],
    synthetic: &Dataset,
) -> Result<()> {
    let have = &synthetic.split("train")?.class_counts;
    let needs = mixer::added::synthetic_needs(added.real, &added.multiples, weights);
    let largest = added.multiples.iter().copied().fold(0.0, f64::max);
    for (class, need) in classes.iter().zip(needs) {
        let present = synthetic
            .manifest
            .classes
            .iter()
            .position(|c| c == class)
            .map_or(0, |at| have.get(at).copied().unwrap_or(0));
        if present < need {
            bail!(
                "added.multiples: k = {largest} of added.real {} needs {need} synthetic rows of class '{class}' (pair '{}') but the train split of {} has {present}; give smaller multiples or a larger synthetic dataset",
                added.real,
                pair.name,
                synthetic.dir.display()
            );
        }
    }
    Ok(())
}

/// The mixer's options for one pair and seed: the same for the share sweep and the
/// added-synthetic regime.
fn mix_options(data: &PairData, seed: u64) -> mixer::MixOptions {
    mixer::MixOptions {
        synthetic: data.synthetic.clone(),
        real: data.real.clone(),
        class_renames: mixer::ClassRenames::default(),
        seed,
        order: mixer::Order::default(),
        force: false,
        command: crate::cmd::command_line(),
        memory_budget: None,
    }
}

/// Mixes the added-synthetic regime's subsets of one pair and seed into `dir`.
pub(super) fn mix_added(
    data: &PairData,
    dir: &Path,
    added: &AddedRegime,
    seed: u64,
    quiet: bool,
) -> Result<()> {
    let spec = mixer::AddedSpec {
        options: mix_options(data, seed),
        out: dir.to_path_buf(),
        real_rows: added.real,
        multiples: added.multiples.clone(),
    };
    let spinner = crate::progress::spinner(&format!("mixing {}", dir.display()), quiet);
    mixer::added_synthetic(&spec, &|_| {})?;
    spinner.finish_and_clear();
    Ok(())
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
        options: mix_options(data, seed),
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
