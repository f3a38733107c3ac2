//! `synmix advise`: should these real images be trained with this synthetic set, how much of
//! it, for which classes, mixed or as a pre-training phase — answered from a few pilot runs in
//! minutes instead of a sweep. An advice is a small bench of its own: an experiment of one pair
//! and one architecture whose plan ([`Plan::advise`]) trains the question's pilots and ends with
//! the advice ([`crate::work::Advise`]), so it runs, resumes and records as a bench does.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use datasets::Dataset;
use trainer::ModelKind;

use crate::analysis::advice::pilots;
use crate::dir::BenchDir;
use crate::engine::local::{Local, Pool};
use crate::experiment::{Experiment, Multiples, Pair, RealSource, Shares, SyntheticSource};
use crate::options::BenchOptions;
use crate::plan::Plan;
use crate::records::AdviceRecord;

/// What a user asks advice about.
#[derive(Debug, Clone)]
pub struct AdviseRequest {
    pub real: RealSource,
    pub synthetic: SyntheticSource,
    pub model: ModelKind,
    /// The share question: N rows of which a share r synthetic; `None` with `real_count` (the
    /// added question alone), else the default [`DEFAULT_SIZE`] or the real rows, the fewer.
    pub size: Option<u64>,
    /// The added question: R real rows (of the real train split), how many synthetic to add.
    pub real_count: Option<u64>,
    pub seeds: Vec<u64>,
    /// The most the pilots may train for; refused before any work if they need more.
    pub budget: Option<Duration>,
}

/// The share question's N when none is given (the default bench's).
pub const DEFAULT_SIZE: u64 = 1000;

/// The real test rows that score the pilots, as the default bench scores its runs.
const REAL_TEST_LIMIT: u64 = 2000;

/// Synthetic test images per class a preset renders, for the classes' transfer.
const SYNTHETIC_TEST_PER_CLASS: u64 = 100;

/// The experiment an advice runs: the default profile's recipe for the model, one pair, the
/// question's points. Checked as any experiment is.
pub fn experiment(request: &AdviseRequest) -> Result<Experiment> {
    let mut experiment = Experiment::profile("default")?;
    experiment.name = "advice".to_string();
    experiment.seeds = request.seeds.clone();
    experiment.architectures = vec![request.model];
    experiment.strategies = vec![datasets::point::Strategy::Sm, datasets::point::Strategy::Ft];
    experiment.data.real_test_limit = REAL_TEST_LIMIT;
    experiment.data.synthetic_test_per_class = match request.synthetic {
        SyntheticSource::Preset(_) => SYNTHETIC_TEST_PER_CLASS,
        SyntheticSource::Dataset(_) => 0,
    };
    experiment.pairs = vec![Pair {
        name: "advice".to_string(),
        real: request.real.clone(),
        synthetic: request.synthetic.clone(),
    }];
    let values = |regime| -> Vec<f64> {
        pilots(regime)
            .iter()
            .map(|(_, point)| point.value().as_f64())
            .collect()
    };
    match request.real_count {
        Some(real) => {
            // The share sweep of an experiment is never empty: real only at R rows.
            experiment.shares = Shares::try_from("0".to_string()).map_err(anyhow::Error::msg)?;
            experiment.data.size = real;
            let mut multiples = values(datasets::point::Regime::AddedSynthetic);
            multiples.sort_by(f64::total_cmp);
            multiples.dedup();
            experiment.added = Some(crate::experiment::AddedRegime {
                real,
                multiples: Multiples::try_from(multiples).map_err(anyhow::Error::msg)?,
            });
        }
        None => {
            let mut shares = values(datasets::point::Regime::FixedSize);
            shares.sort_by(f64::total_cmp);
            shares.dedup();
            let text: Vec<String> = shares.iter().map(f64::to_string).collect();
            experiment.shares = Shares::try_from(text.join(",")).map_err(anyhow::Error::msg)?;
            experiment.data.size = request.size.unwrap_or(DEFAULT_SIZE);
            experiment.added = None;
        }
    }
    Ok(Experiment::parse(
        &experiment.pin_text(),
        "the advice",
        None,
    )?)
}

/// Where the pilots of `request` go when the user names no directory: one under the system's
/// temporary directory per question, so asking again reuses them.
pub fn scratch_dir(request: &AdviseRequest) -> Result<std::path::PathBuf> {
    let experiment = experiment(request)?;
    let key = blake3::hash(experiment.pin_text().as_bytes()).to_hex();
    Ok(std::env::temp_dir().join(format!("synmix-advise-{}", &key[..16])))
}

/// Asks for advice in the bench directory `options.out` (a rerun keeps the pilots it finished),
/// running `pool.jobs` pilots at once.
pub fn advise(request: &AdviseRequest, options: &BenchOptions, pool: Pool) -> Result<AdviceRecord> {
    let experiment = experiment(request)?;
    check_request(request, &experiment, &options.out)?;
    let plan = crate::prepare_plan(&experiment, Plan::advise(&experiment), &options.out)?;
    let local = Local {
        pool,
        preview_every: None,
    };
    crate::engine::launch(&local, &plan, &experiment, options)?;
    AdviceRecord::read(&options.out)
}

/// What the advice cannot be asked, refused in one line before any work: the synthetic classes
/// must cover the real ones (by name), R must fit the real train split, and the pilots must fit
/// the budget.
fn check_request(request: &AdviseRequest, experiment: &Experiment, out: &BenchDir) -> Result<()> {
    let pair = &experiment.pairs[0];
    let real_dir = match &pair.real {
        RealSource::Dataset(dir) => Some(dir.clone()),
        RealSource::Builtin(name) => {
            let dir = crate::layout::real_dataset(out, name);
            let manifest = dir.join(datasets::MANIFEST_FILE).is_file()?;
            manifest.then_some(dir)
        }
    };
    // A built-in real dataset not imported yet: what its import will give.
    let (classes, rows, image) = match &real_dir {
        Some(dir) => {
            let real = Dataset::open(dir)?;
            let rows: u64 = real.split("train")?.class_counts.iter().sum();
            (real.manifest.classes.clone(), rows, real.manifest.image)
        }
        None => {
            let classes = datasets::import::FASHION_MNIST_CLASSES.map(String::from);
            let rows = datasets::import::FASHION_MNIST_TRAIN_PER_CLASS * classes.len() as u64;
            let image = datasets::ImageSpec {
                width: 28,
                height: 28,
                channels: 1,
            };
            (classes.to_vec(), rows, image)
        }
    };
    if let Some(count) = request.real_count
        && count > rows
    {
        return Err(datasets::Error::setting(
            "real_count",
            format!("{count} is more than the {rows} rows of the real train split; ask about at most {rows}"),
        )
        .into());
    }
    let synthetic_classes = match &pair.synthetic {
        SyntheticSource::Preset(preset) => generator::PresetSpec::parse(preset)?.classes(),
        SyntheticSource::Dataset(dir) => Dataset::open(dir)?.manifest.classes.clone(),
    };
    let missing: Vec<&String> = classes
        .iter()
        .filter(|c| !synthetic_classes.contains(c))
        .collect();
    if !missing.is_empty() {
        bail!(
            "the synthetic set's classes do not cover the real ones (missing: {}); real: {}; synthetic: {}",
            missing
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            classes.join(", "),
            synthetic_classes.join(", ")
        );
    }
    if let Some(budget) = request.budget {
        let input = trainer::data::InputShape::new(
            image.channels as usize,
            image.height as usize,
            image.width as usize,
            classes.len(),
        );
        let needed = estimate(experiment, request.model, input)?;
        if needed > budget {
            let minutes = (needed.as_secs_f64() / 60.0).ceil();
            return Err(datasets::Error::setting(
                "budget",
                format!(
                    "the pilots train for about {:.1} minutes on this machine; give at least {minutes} (or fewer seeds)",
                    needed.as_secs_f64() / 60.0
                ),
            )
            .into());
        }
    }
    Ok(())
}

/// How long the pilots of `experiment` take to train here: their rows × epochs over the
/// model's measured speed on random images of `input`'s shape.
fn estimate(
    experiment: &Experiment,
    model: ModelKind,
    input: trainer::data::InputShape,
) -> Result<Duration> {
    let epochs = experiment.train.epochs.of(model).unwrap_or_default() as f64;
    let regime = match experiment.added {
        Some(_) => datasets::point::Regime::AddedSynthetic,
        None => datasets::point::Regime::FixedSize,
    };
    let rows: f64 = pilots(regime)
        .iter()
        .map(|(_, point)| match point {
            datasets::point::Point::Share(_) => experiment.data.size as f64,
            datasets::point::Point::Added(k) => experiment.data.size as f64 * (1.0 + k.as_f64()),
        })
        .sum();
    let samples = rows * epochs * experiment.seeds.len() as f64;
    let speed = trainer::speed::measure(
        model,
        input,
        experiment.train.batch_size,
        512,
        trainer::backend::BackendKind::Flex,
        None,
    )
    .context("timing the model for the budget")?;
    Ok(Duration::from_secs_f64(samples / speed.samples_per_second))
}
