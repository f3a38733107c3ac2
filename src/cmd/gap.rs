//! `synmix gap`: how far a synthetic dataset is from a real one, overall and per class.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use datasets::Location;
use gap::{GapOptions, html, measure_gap};

#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
synmix gap --real data/fmnist --synthetic data/fashion\n  \
synmix gap --real data/fmnist --synthetic data/sketch --json > gap.json\n  \
synmix gap --real data/fmnist --synthetic data/fashion --out gap-fashion   # gap-fashion/index.html\n\n\
Both datasets need the same class names (in any order: classes match by name) and image size. The real `train` split trains the feature network \
(cached under --cache, so the next measurement against the same real data starts at once); the real `test` \
split and the synthetic `train` split are compared; TSTR trains on the synthetic `train` split and scores on \
the real `test` split, TRTS scores the real-trained network on the synthetic `test` split (its `train` split \
where it has none).")]
pub struct GapArgs {
    /// The real dataset (`train` and `test` splits).
    #[arg(long, value_name = "DATASET")]
    real: Location,
    /// The synthetic dataset (`train` split; `test` for TRTS if it has one).
    #[arg(long, value_name = "DATASET")]
    synthetic: Location,
    /// Print one JSON object (`overall`, `per_class` keyed by class name, ...) instead of the table.
    #[arg(long)]
    json: bool,
    /// Also write an HTML page with pictures (index.html, gap.json, SVG and PNG files) here.
    #[arg(long, value_name = "DIR", value_parser = super::local_path)]
    out: Option<PathBuf>,
    /// Embed with this pretrained ONNX encoder (input [batch, C, H, W] in [0, 1]) instead of the
    /// feature network's penultimate layer.
    #[arg(long, value_name = "MODEL.onnx")]
    encoder: Option<PathBuf>,
    /// Where trained feature networks are kept [default: $XDG_CACHE_HOME/synmix or ~/.cache/synmix].
    #[arg(long, value_name = "DIR", value_parser = super::local_path)]
    cache: Option<PathBuf>,
    /// Seed of every classifier's training and of KID's subsets.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

pub fn run(args: GapArgs, quiet: bool) -> Result<()> {
    let cache = match args.cache {
        Some(dir) => dir,
        None => default_cache()?,
    };
    let measured = measure_gap(&GapOptions {
        real: args.real,
        synthetic: args.synthetic,
        cache,
        encoder: args.encoder,
        seed: args.seed,
        quiet,
    })?;
    if let Some(dir) = &args.out {
        html::write(dir, &measured)?;
    }
    let report = &measured.report;
    if args.json {
        println!("{}", serde_json::to_string_pretty(report)?);
    } else {
        print!("{}", report.table());
        if let Some(dir) = &args.out {
            println!("\npage: {}", dir.join("index.html").display());
        }
    }
    Ok(())
}

fn default_cache() -> Result<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")));
    match base {
        Some(base) => Ok(base.join("synmix")),
        None => anyhow::bail!(
            "--cache: no cache directory (neither XDG_CACHE_HOME nor HOME is set); give one"
        ),
    }
}
