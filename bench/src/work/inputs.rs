//! The inputs of a bench: the real dataset imported (or checked) with its test subset cut, the
//! synthetic one rendered (or checked), and the checks, before any work, that they hold what
//! the experiment takes. Each keeps what an earlier run finished.

use std::path::Path;

use anyhow::{Context, Result, bail};
use datasets::import::{self, ImportOptions};
use datasets::subset::TestSet;
use datasets::verify::{Depth, Finished, finished};
use datasets::{Dataset, Location, Source, WriteMode};
use generator::{GenerateOptions, PresetSpec};

use crate::dir::BenchDir;
use crate::experiment::{Axis, BUILTIN_REAL, Experiment, Pair, RealSource, SyntheticSource};
use crate::layout;
use crate::options::BenchOptions;

/// The pair of `experiment` named `name`.
pub(super) fn pair<'a>(experiment: &'a Experiment, name: &str) -> Result<&'a Pair> {
    experiment
        .pair(name)
        .with_context(|| format!("the experiment has no pair '{name}'"))
}

/// Before a dataset of the bench's own is made: a finished one whose shards no longer match
/// its manifest is removed, so the task makes it anew.
pub(super) fn redo_if_damaged(dir: impl Into<Location>) -> Result<()> {
    let dir = dir.into();
    if let Finished::Damaged(problem) = finished(&dir, Depth::Hashes) {
        tracing::warn!("{dir}: damaged ({problem}): making it anew");
        dir.remove_all()?;
    }
    Ok(())
}

/// Before a dataset the user gave is read: refused, named, if its shards no longer match its
/// manifest.
pub(super) fn refuse_if_damaged(dir: &Location) -> Result<()> {
    if let Finished::Damaged(problem) = finished(dir, Depth::Hashes) {
        bail!(
            "{}: damaged ({problem}); restore it (`synmix verify` lists what is wrong)",
            dir.display()
        );
    }
    Ok(())
}

/// The datasets of one pair, once prepared.
pub(crate) struct PairData {
    pub real: Location,
    /// The dataset whose `test` split scores the runs: `real`, or a stratified part of it.
    pub real_test: Location,
    pub synthetic: Location,
    pub synthetic_has_test: bool,
}

/// The datasets of `pair`, preparing whatever is not finished yet (a no-op once the data
/// tasks have run).
pub(super) fn pair_data(
    pair: &Pair,
    experiment: &Experiment,
    options: &BenchOptions,
) -> Result<PairData> {
    let RealData { dir: real, test } = prepare_real(&pair.real, experiment, options)?;
    let real_test = test.dir;
    let synthetic = match &pair.synthetic {
        SyntheticSource::Dataset(dir) => {
            // Checked again at every task: the dataset may have changed since the bench began.
            let real = Dataset::open(&real)?;
            let synthetic = Dataset::open(dir)?;
            let weights = &real.split("train")?.class_counts;
            for axis in experiment.axes() {
                check_holds(pair, &axis, &real.manifest.classes, weights, &synthetic)?;
            }
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
fn real_test(real: &Location, experiment: &Experiment, options: &BenchOptions) -> Result<TestSet> {
    let limit = match experiment.data.real_test_limit {
        0 => u64::MAX,
        limit => limit,
    };
    let name = Dataset::open(real)?.manifest.name;
    Ok(datasets::subset::stratified_test(
        real,
        limit,
        &layout::real_test_dataset(&options.out, &name, limit),
        &options.command,
    )?)
}

/// Whether `dir` holds a finished dataset (its manifest is written last).
fn is_complete(dir: &Location) -> bool {
    finished(dir, Depth::Manifest) == Finished::Yes
}

/// A real dataset and the test set cut from it.
pub(super) struct RealData {
    pub dir: Location,
    pub test: TestSet,
}

/// Imports (or checks) a real dataset and cuts its test subset.
pub(super) fn prepare_real(
    source: &RealSource,
    experiment: &Experiment,
    options: &BenchOptions,
) -> Result<RealData> {
    let dir = import_real(source, options)?;
    let test = real_test(&dir, experiment, options)?;
    Ok(RealData { dir, test })
}

fn import_real(source: &RealSource, options: &BenchOptions) -> Result<Location> {
    match source {
        RealSource::Dataset(dir) => {
            let dataset = Dataset::open(dir)?;
            dataset.split("train")?;
            dataset.split("test")?;
            Ok(dir.clone())
        }
        RealSource::Builtin(name) if name == BUILTIN_REAL[0] => {
            let dir = layout::real_dataset(&options.out, name);
            if !is_complete(&dir) {
                let spinner =
                    datasets::progress::bars::spinner("importing Fashion-MNIST", options.quiet);
                let input = import::read_fashion_mnist(Path::new(import::FASHION_MNIST_DIR))?;
                let import_options = ImportOptions {
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
                    command: options.command.clone(),
                };
                import::write_dataset(
                    input,
                    &import_options,
                    Path::new(import::FASHION_MNIST_DIR),
                )?;
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
/// by class name: the most that any subset of any of the experiment's regimes takes.
fn synthetic_needs(real: &Dataset, experiment: &Experiment) -> Result<Vec<(String, u64)>> {
    let weights = &real.split("train")?.class_counts;
    let mut needs = vec![0; weights.len()];
    for axis in experiment.axes() {
        for (need, axis_need) in needs.iter_mut().zip(axis.synthetic_needs(weights)) {
            *need = (*need).max(axis_need);
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

/// Fails with one line unless `synthetic` holds what `axis` takes of every real class.
fn check_holds(
    pair: &Pair,
    axis: &Axis,
    classes: &[String],
    weights: &[u64],
    synthetic: &Dataset,
) -> Result<()> {
    for (class, need) in classes.iter().zip(axis.synthetic_needs(weights)) {
        let present = train_rows_of(synthetic, class)?;
        if present < need {
            bail!(
                "pair '{}': class '{class}': the {} regime needs {need} synthetic train rows but {} has {present}; \
                 give a larger synthetic dataset or {}",
                pair.name,
                axis.regime,
                synthetic.dir.display(),
                axis.remedy()
            );
        }
    }
    Ok(())
}

/// The preset's render for every pair that pairs it: all those pairs' real datasets must
/// share one image size, which it is rendered at, and it holds the most of each class that any
/// of their sweeps takes (the mixer matches the synthetic class counts to the real ones).
/// Their real datasets must be imported first.
fn render_options(
    source: &str,
    preset: PresetSpec,
    experiment: &Experiment,
    options: &BenchOptions,
) -> Result<GenerateOptions> {
    let classes = preset.classes();
    let mut counts = vec![0u64; classes.len()];
    let mut image: Option<(datasets::ImageSpec, Location)> = None;
    for pair in &experiment.pairs {
        if pair.synthetic != SyntheticSource::Preset(source.to_string()) {
            continue;
        }
        let real_dir = real_dir(&pair.real, &options.out);
        let real = Dataset::open(&real_dir)?;
        match &image {
            Some((spec, first)) if *spec != real.manifest.image => bail!(
                "pair '{}': preset {} renders one dataset for every pair, but {} is {} and {} is {}; give such pairs their own synthetic datasets",
                pair.name,
                preset.name(),
                first,
                spec,
                real_dir,
                real.manifest.image
            ),
            Some(_) => {}
            None => image = Some((real.manifest.image, real_dir.clone())),
        }
        let real_classes = &real.manifest.classes;
        for (class, need) in synthetic_needs(&real, experiment)? {
            let at = preset_class(pair, &preset, real_classes, &class)?;
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
    generate.command = options.command.clone();
    Ok(generate)
}

/// Renders a preset for the pairs of this experiment (see [`render_options`]), once per
/// bench directory (its experiment is pinned, so a finished render is the right one).
pub(super) fn prepare_render(
    preset: &str,
    experiment: &Experiment,
    options: &BenchOptions,
) -> Result<Location> {
    let source = preset;
    let preset = PresetSpec::parse(source)?;
    let dir = layout::synthetic_dataset(&options.out, preset.name());
    if !is_complete(&dir) {
        let name = preset.name().to_string();
        let class_count = preset.class_count() as u64;
        let generate = render_options(source, preset, experiment, options)?;
        let rows = generate.class_counts.iter().flatten().sum::<u64>()
            + generate.test_per_class * class_count;
        let bar = datasets::progress::bars::bar(rows, "images", options.quiet);
        bar.set_message(format!("rendering {name}"));
        generator::generate(&generate, &datasets::progress::bars::follow(&bar))?;
        bar.finish_and_clear();
    }
    Ok(dir)
}

/// Where real class `class` of `pair` is among the preset's classes; a real class the preset
/// does not draw is refused, naming both class lists.
fn preset_class(pair: &Pair, preset: &PresetSpec, real: &[String], class: &str) -> Result<usize> {
    let classes = preset.classes();
    classes.iter().position(|c| c == class).with_context(|| {
        format!(
            "pair '{}': real class '{class}' is not a class of preset {} (real: {}; preset: {}); rename the preset's classes or pair a synthetic dataset instead",
            pair.name,
            preset.name(),
            real.join(", "),
            classes.join(", ")
        )
    })
}

/// Where the bench finds a real source's dataset (a built-in one once imported).
fn real_dir(source: &RealSource, out: &BenchDir) -> Location {
    match source {
        RealSource::Dataset(dir) => dir.clone(),
        RealSource::Builtin(name) => layout::real_dataset(out, name),
    }
}

/// The class names and train class counts of a real source: from its dataset, or, for a
/// built-in one not imported yet, what the import will give; `None` if unknown.
fn real_train_classes(
    source: &RealSource,
    out: &BenchDir,
) -> Result<Option<(Vec<String>, Vec<u64>)>> {
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

/// Fails with one line unless every pair's real data holds every regime: the real rows of every
/// class that its largest real quota takes, and at least one row of every class in each subset;
/// and, for a given synthetic dataset, what every regime takes of every class (a preset is
/// rendered to hold it). Reads manifests only, so it runs before any work, even before a
/// built-in real dataset is imported (its counts are known).
pub(crate) fn check_real_holds(experiment: &Experiment, out: &BenchDir) -> Result<()> {
    let axes = experiment.axes();
    for pair in &experiment.pairs {
        let Some((classes, weights)) = real_train_classes(&pair.real, out)? else {
            continue;
        };
        let real = real_dir(&pair.real, out);
        for axis in &axes {
            let setting = axis.rows_setting();
            let per_class = mixer::quotas::largest_remainder(axis.rows, &weights);
            let needs = axis.real_needs(&weights);
            for (class, ((&need, &have), &rows)) in classes
                .iter()
                .zip(needs.iter().zip(&weights).zip(&per_class))
            {
                if need > have {
                    bail!(
                        "{setting} {}: pair '{}' needs {need} real rows of class '{class}' but the train split of {} has {have}; give a smaller {setting}",
                        axis.rows,
                        pair.name,
                        real
                    );
                }
                if rows == 0 {
                    bail!(
                        "{setting} {}: too few rows to give each of the {} classes of {} at least one; give a larger {setting}",
                        axis.rows,
                        classes.len(),
                        real
                    );
                }
            }
            match &pair.synthetic {
                SyntheticSource::Dataset(dir) => {
                    check_holds(pair, axis, &classes, &weights, &Dataset::open(dir)?)?;
                }
                SyntheticSource::Preset(preset) => {
                    let preset = PresetSpec::parse(preset)?;
                    for class in &classes {
                        preset_class(pair, &preset, &classes, class)?;
                    }
                }
            }
        }
    }
    Ok(())
}
