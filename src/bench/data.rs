//! The data steps of a bench: import the real dataset, render the synthetic one, mix the
//! subsets of one pair and seed. Each keeps what an earlier run finished.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use datasets::import::{self, ImportOptions};
use datasets::subset::TestSet;
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
    let RealData { dir: real, test } =
        prepare_real(&pair.real, experiment, &options.out, options.quiet)?;
    let real_test = test.dir;
    let synthetic = match &pair.synthetic {
        SyntheticSource::Dataset(dir) => {
            let real = Dataset::open(&real)?;
            check_synthetic_holds(pair, &real, &Dataset::open(dir)?, experiment)?;
            dir.clone()
        }
        SyntheticSource::Preset(preset) => prepare_render(preset, experiment, options)?,
    };
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

/// The real test set that scores the runs: with `data.real_test_limit`, that many rows of
/// the real test split in its class proportions (cut once), or the whole split if it holds
/// no more; without, the whole split.
fn real_test(real: &Path, experiment: &Experiment, out: &Path) -> Result<TestSet> {
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

/// Whether `dir` holds a finished dataset (its manifest is written last).
fn is_complete(dir: &Path) -> bool {
    Dataset::open(dir).is_ok()
}

/// A real dataset and the test set cut from it.
pub(super) struct RealData {
    pub dir: PathBuf,
    pub test: TestSet,
}

/// Imports (or checks) a real dataset and cuts its test subset.
pub(super) fn prepare_real(
    source: &RealSource,
    experiment: &Experiment,
    out: &Path,
    quiet: bool,
) -> Result<RealData> {
    let dir = import_real(source, out, quiet)?;
    let test = real_test(&dir, experiment, out)?;
    Ok(RealData { dir, test })
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

/// The synthetic train rows of each real class that one pair takes (the same for every seed),
/// by class name: the most that any subset of the sweep or of the added-synthetic regime takes.
fn synthetic_needs(real: &Dataset, experiment: &Experiment) -> Result<Vec<(String, u64)>> {
    let weights = &real.split("train")?.class_counts;
    let mut needs =
        mixer::synthetic_needs(experiment.data.size, &experiment.share_list()?, weights);
    if let Some(added) = &experiment.added {
        let added = mixer::added::synthetic_needs(added.real, &added.multiples, weights);
        for (need, added) in needs.iter_mut().zip(added) {
            *need = (*need).max(added);
        }
    }
    Ok(real.manifest.classes.iter().cloned().zip(needs).collect())
}

/// The train rows of `class` in `synthetic` (0 if it has no such class): the mixer matches
/// classes by name.
fn train_rows_of(synthetic: &Dataset, class: &str) -> Result<u64> {
    let have = &synthetic.split("train")?.class_counts;
    Ok(synthetic
        .manifest
        .classes
        .iter()
        .position(|c| c == class)
        .map_or(0, |at| have.get(at).copied().unwrap_or(0)))
}

/// Fails with one line, naming the pair, class and both counts, unless the synthetic
/// dataset's train split holds what the experiment takes of every class.
fn check_synthetic_holds(
    pair: &Pair,
    real: &Dataset,
    synthetic: &Dataset,
    experiment: &Experiment,
) -> Result<()> {
    for (class, need) in synthetic_needs(real, experiment)? {
        let present = train_rows_of(synthetic, &class)?;
        if present < need {
            bail!(
                "pair '{}': class '{class}': the experiment needs {need} synthetic train rows but {} has {present}; \
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

/// The preset's render for every pair that pairs it: all those pairs' real datasets must
/// share one image size, which it is rendered at, and it holds the most of each class that any
/// of their sweeps takes (the mixer matches the synthetic class counts to the real ones).
/// Their real datasets must be imported first.
fn render_options(
    preset: Preset,
    experiment: &Experiment,
    options: &BenchOptions,
) -> Result<GenerateOptions> {
    let classes = preset.classes();
    let mut counts = vec![0u64; classes.len()];
    let mut image: Option<(datasets::ImageSpec, PathBuf)> = None;
    for pair in &experiment.pairs {
        if pair.synthetic != SyntheticSource::Preset(preset.name().to_string()) {
            continue;
        }
        let real_dir = real_dir(&pair.real, &options.out);
        let real = Dataset::open(&real_dir)?;
        match &image {
            Some((spec, first)) if *spec != real.manifest.image => bail!(
                "pair '{}': preset {} renders one dataset for every pair, but {} is {} and {} is {}; give such pairs their own synthetic datasets",
                pair.name,
                preset.name(),
                first.display(),
                spec,
                real_dir.display(),
                real.manifest.image
            ),
            Some(_) => {}
            None => image = Some((real.manifest.image, real_dir.clone())),
        }
        for (class, need) in synthetic_needs(&real, experiment)? {
            let Some(at) = classes.iter().position(|c| *c == class) else {
                bail!(
                    "pair '{}': real class '{class}' of {} is not a class of preset {} ({}); pair it with a synthetic dataset instead",
                    pair.name,
                    real_dir.display(),
                    preset.name(),
                    classes.join(", ")
                );
            };
            counts[at] = counts[at].max(need);
        }
    }
    let (image, _) = image.with_context(|| format!("no pair renders preset {}", preset.name()))?;
    let dir = layout::synthetic_dataset(&options.out, preset.name());
    let mut generate = GenerateOptions::new(preset, 0, &dir);
    generate.image = image;
    generate.class_counts = Some(counts);
    generate.test_per_class = experiment.data.synthetic_test_per_class;
    generate.device = options.device;
    generate.mode = WriteMode::Resume;
    generate.command = crate::cmd::command_line();
    Ok(generate)
}

/// Renders a preset for the pairs of this experiment (see [`render_options`]), once per
/// bench directory (its experiment is pinned, so a finished render is the right one).
pub(super) fn prepare_render(
    preset: &str,
    experiment: &Experiment,
    options: &BenchOptions,
) -> Result<PathBuf> {
    let preset: Preset = preset.parse()?;
    let dir = layout::synthetic_dataset(&options.out, preset.name());
    if !is_complete(&dir) {
        let generate = render_options(preset, experiment, options)?;
        let rows =
            generate.class_counts.iter().flatten().sum::<u64>() + generate.test_per_class * 10;
        let bar = crate::progress::bar(rows, "images", options.quiet);
        bar.set_message(format!("rendering {}", preset.name()));
        generator::generate(&generate, &crate::progress::follow(&bar))?;
        bar.finish_and_clear();
    }
    Ok(dir)
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
/// real class.
fn check_synthetic_holds_added(
    pair: &Pair,
    added: &AddedRegime,
    classes: &[String],
    weights: &[u64],
    synthetic: &Dataset,
) -> Result<()> {
    let needs = mixer::added::synthetic_needs(added.real, &added.multiples, weights);
    let largest = added.multiples.iter().copied().fold(0.0, f64::max);
    for (class, need) in classes.iter().zip(needs) {
        let present = train_rows_of(synthetic, class)?;
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
