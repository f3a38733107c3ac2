//! One gap measurement from two datasets on disk to a [`GapReport`]: load and check, the real
//! feature network (cached), the embeddings, the two-sample test, TSTR and TRTS, then the
//! measures overall and per class.

use std::path::PathBuf;
use std::time::Instant;

use datasets::Location;
use datasets::progress::bars::{bar, spinner};

use crate::data::{Sets, store};
use crate::features::{Encoder, Features, OnnxEncoder, real_network, training_rows};
use crate::measures::{check_rows, measure, of_class};
use crate::report::GapReport;
use crate::{Result, tstr, two_sample};

pub struct GapOptions {
    pub real: Location,
    pub synthetic: Location,
    /// Where the feature network is cached.
    pub cache: PathBuf,
    /// A pretrained ONNX encoder to embed with instead of the feature network.
    pub encoder: Option<PathBuf>,
    pub seed: u64,
    /// No progress bars.
    pub quiet: bool,
}

/// A measurement, with what its pictures need: the data and both sides' features.
pub struct Measured {
    pub report: GapReport,
    pub sets: Sets,
    pub real_features: Features,
    pub synthetic_features: Features,
}

pub fn measure_gap(options: &GapOptions) -> Result<Measured> {
    let began = Instant::now();
    let quiet = options.quiet;
    let loading = spinner("reading both datasets", quiet);
    let sets = Sets::load(&options.real, &options.synthetic)?;
    let shape = sets.shape;
    for (class, name) in sets.classes.iter().enumerate() {
        let count = |labels: &[u32]| labels.iter().filter(|&&l| l == class as u32).count();
        check_rows(
            name,
            count(&sets.real_test.labels),
            count(&sets.synthetic_train.labels),
        )?;
    }
    let real_test = store(&sets.real_test, shape)?;
    let synthetic_train = store(&sets.synthetic_train, shape)?;
    let synthetic_test = store(&sets.synthetic_test, shape)?;
    // An encoder that cannot take the images is refused before any training.
    let onnx = options
        .encoder
        .as_deref()
        .map(|path| OnnxEncoder::load(path, shape))
        .transpose()?;
    loading.finish_and_clear();

    let recipe_samples = |rows: usize| (rows * crate::learner::recipe(0).epochs) as u64;
    let training = bar(
        recipe_samples(training_rows(sets.real_train.len())),
        "images",
        quiet,
    );
    training.set_message("feature network");
    let network = real_network(
        &sets.real_train,
        shape,
        &sets.real_manifest,
        &options.cache,
        options.seed,
        &|n| training.inc(n as u64),
    )?;
    training.finish_and_clear();
    stage("feature network", &began);

    let encoder = match onnx {
        Some(onnx) => Encoder::Onnx(onnx),
        None => Encoder::Network(&network.model),
    };
    let embedding = bar(
        (real_test.len() + synthetic_train.len()) as u64,
        "images",
        quiet,
    );
    embedding.set_message("embedding");
    let real_features = encoder.embed(&real_test, "real test", &|n| embedding.inc(n as u64))?;
    let synthetic_features = encoder.embed(&synthetic_train, "synthetic train", &|n| {
        embedding.inc(n as u64)
    })?;
    embedding.finish_and_clear();
    stage("embedding", &began);

    let pairs = real_test.len().min(synthetic_train.len()) / 2 * 2;
    let discriminating = bar(recipe_samples(pairs), "images", quiet);
    discriminating.set_message("real-vs-synthetic classifier");
    let (pad, class_pads) = two_sample::test(
        &sets.real_test,
        &sets.synthetic_train,
        shape,
        options.seed,
        &|n| discriminating.inc(n as u64),
    )?;
    discriminating.finish_and_clear();
    stage("two-sample test", &began);

    let teaching = bar(recipe_samples(synthetic_train.len()), "images", quiet);
    teaching.set_message("TSTR: training on the synthetic set");
    let tstr_metrics = tstr::tstr(&synthetic_train, &real_test, options.seed, &|n| {
        teaching.inc(n as u64)
    })?;
    teaching.finish_and_clear();
    let trts_metrics = tstr::trts(&network.model, &synthetic_test)?;
    stage("TSTR and TRTS", &began);

    let measuring = bar(sets.classes.len() as u64 + 1, "sets", quiet);
    measuring.set_message("FD, KID, precision/recall/density/coverage");
    let overall = measure(
        &real_features,
        &synthetic_features,
        pad,
        Some(tstr_metrics.accuracy),
        Some(trts_metrics.accuracy),
        options.seed,
    );
    measuring.inc(1);
    let mut per_class = std::collections::BTreeMap::new();
    for (class, name) in sets.classes.iter().enumerate() {
        let c = class as u32;
        let m = measure(
            &of_class(&real_features, &sets.real_test.labels, c),
            &of_class(&synthetic_features, &sets.synthetic_train.labels, c),
            class_pads[class],
            tstr_metrics.per_class_accuracy[class],
            trts_metrics.per_class_accuracy[class],
            options.seed,
        );
        per_class.insert(name.clone(), m);
        measuring.inc(1);
    }
    measuring.finish_and_clear();
    stage("measures", &began);

    let report = GapReport {
        real: options.real.to_string(),
        synthetic: options.synthetic.to_string(),
        classes: sets.classes.clone(),
        encoder: encoder.describe(),
        features: real_features.ncols(),
        feature_network: network.key,
        feature_network_cached: network.from_cache,
        seed: options.seed,
        overall,
        per_class,
        tstr_metrics,
        trts_metrics,
        seconds: began.elapsed().as_secs_f64(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    Ok(Measured {
        report,
        sets,
        real_features,
        synthetic_features,
    })
}

/// Logs (at `-v`) when a stage ended, in seconds since the start.
fn stage(name: &str, began: &Instant) {
    tracing::info!("{name} done at {:.1} s", began.elapsed().as_secs_f64());
}
