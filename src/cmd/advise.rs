//! `synmix advise`: what to do with a synthetic set — real only, or which strategy at which
//! share, for which classes — from a few pilot runs, in minutes.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use bench::advise::{AdviseRequest, advise};
use bench::engine::local::{Pool, cores};
use bench::experiment::{BUILTIN_REAL, RealSource, SyntheticSource};
use bench::{BenchOptions, layout};
use clap::Args;
use datasets::Location;
use generator::DeviceChoice;
use trainer::ModelKind;
use trainer::backend::BackendKind;

#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
synmix advise --real fashion-mnist --synthetic fashion                 # the share of 1,000 rows\n  \
synmix advise --real data/fmnist --synthetic data/fashion --real-count 100 --json   # how many to add to 100 real\n  \
synmix advise --real data/fmnist --synthetic sketch --model mlp --out advice/sketch  # advice/sketch/advice.html\n\n\
Three pilot runs answer it: real only and two mixes (SM and FT at share 0.2 of --size rows; with \
--real-count R, FT at k = 1 and SM at k = 4 synthetic rows per real row). Synthetic data is advised only \
where a mix gains more than one point of real-test accuracy over real only; the advice gives the strategy, \
the share (and k) with the range within one point of it, the accuracy and the gain with 95 % intervals, a \
synthetic share per class (class-shares.toml, for `synmix mix --class-shares`) and what the pilots cost. \
A rerun with the same --out keeps the pilots it finished.")]
pub struct AdviseArgs {
    /// The real data: a synmix dataset (`train` and `test` splits) or a built-in one (fashion-mnist).
    #[arg(long, value_name = "DATASET")]
    real: String,
    /// The synthetic data: a synmix dataset, or a generator preset (built-in name or PRESET.toml).
    #[arg(long, value_name = "DATASET|PRESET")]
    synthetic: String,
    /// The architecture the advice is for.
    #[arg(long, value_enum, default_value_t = ModelKind::Cnn)]
    model: ModelKind,
    /// Ask about a training set of this many rows: which share of them synthetic [default: 1000,
    /// or the real rows where fewer; not asked with --real-count alone].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    size: Option<u64>,
    /// Ask about this many real rows: how many synthetic rows to add to them.
    #[arg(long, value_name = "R", value_parser = clap::value_parser!(u64).range(1..))]
    real_count: Option<u64>,
    /// Pilot seeds: more seeds, tighter intervals, longer to answer.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=10))]
    seeds: u64,
    /// The first pilot seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The most minutes the pilots may train for; refused before any work if they need more.
    #[arg(long, value_name = "MINUTES")]
    budget: Option<f64>,
    /// Print the advice as one JSON object.
    #[arg(long)]
    json: bool,
    /// Keep the pilots and write advice.html here [default: a directory under the system's
    /// temporary directory, named by the question].
    #[arg(long, value_name = "DIR", value_parser = super::local_path)]
    out: Option<PathBuf>,
    /// Pilots trained at once [default: one per core].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    jobs: Option<u64>,
    /// Where a preset is rendered.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    device: DeviceChoice,
}

pub fn run(args: AdviseArgs, quiet: bool) -> Result<()> {
    if let (Some(size), Some(_)) = (args.size, args.real_count) {
        anyhow::bail!("--size {size} and --real-count ask two questions: ask one at a time");
    }
    let budget = match args.budget {
        Some(minutes) if minutes.is_finite() && minutes > 0.0 => {
            Some(Duration::from_secs_f64(minutes * 60.0))
        }
        Some(minutes) => anyhow::bail!("--budget {minutes} must be a positive number of minutes"),
        None => None,
    };
    let request = AdviseRequest {
        real: match BUILTIN_REAL.contains(&args.real.as_str()) {
            true => RealSource::Builtin(args.real.clone()),
            false => RealSource::Dataset(dataset(&args.real)?),
        },
        synthetic: synthetic_source(&args.synthetic)?,
        model: args.model,
        size: args.size,
        real_count: args.real_count,
        seeds: (args.seed..args.seed + args.seeds).collect(),
        budget,
    };
    let out = match args.out {
        Some(out) => out,
        None => bench::advise::scratch_dir(&request)?,
    };
    let out = bench::BenchDir::local(out);
    let options = BenchOptions {
        out,
        device: args.device,
        backend: BackendKind::Flex,
        quiet: quiet || args.json,
        command: crate::cmd::command_line(),
        worker_args: crate::cmd::bench::worker_args,
    };
    let jobs = args.jobs.map_or_else(cores, |j| j as usize);
    let advice = advise(
        &request,
        &options,
        Pool {
            jobs,
            threads: None,
        },
    )?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&advice)?);
    } else if !quiet {
        println!("{}", bench::report::headline(&advice));
        println!("why: {}", advice.reason);
        println!(
            "cost: {} pilot runs, {:.0} s of training; the page: {}",
            advice.cost.runs,
            advice.cost.seconds,
            layout::advice_page(&options.out, "html").display()
        );
    }
    Ok(())
}

/// A synthetic dataset (a directory with a manifest, or an object-store URL) or a preset (a
/// built-in name or a file).
fn synthetic_source(text: &str) -> Result<SyntheticSource> {
    let path = std::path::Path::new(text);
    if path.join(datasets::MANIFEST_FILE).is_file() || Location::parse(text)?.is_object() {
        return Ok(SyntheticSource::Dataset(dataset(text)?));
    }
    if text.ends_with(".toml") {
        return Ok(SyntheticSource::Preset(
            absolute(text)?.display().to_string(),
        ));
    }
    Ok(SyntheticSource::Preset(text.to_string()))
}

/// A dataset named on the command line: an object-store URL as it is, a local path made
/// absolute (the advice's runs start elsewhere).
fn dataset(text: &str) -> Result<Location> {
    Ok(match Location::parse(text)? {
        Location::Local(_) => Location::Local(absolute(text)?),
        object => object,
    })
}

fn absolute(path: &str) -> Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("{path}: cannot make the path absolute"))
}
