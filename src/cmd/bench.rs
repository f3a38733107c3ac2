use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use generator::DeviceChoice;
use trainer::backend::BackendKind;

use crate::bench::{self, BenchOptions, config};

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  synmix bench                                  # the default: ~10 minutes on 2 cores\n  \
synmix bench --profile full --out runs/full      # paper scale: 3 seeds, N = 10,000\n  \
synmix bench --config exp.toml --out runs/exp    # your own pairs, models and budgets\n  \
synmix bench --print-config > exp.toml           # start from the default experiment\n\n\
A rerun with the same --out skips every finished step and run."
)]
pub struct BenchArgs {
    /// Experiment file (TOML): pairs, architectures, strategies, shares, seeds, budgets.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Built-in experiment when no --config is given: default or full.
    #[arg(long, default_value = "default")]
    profile: String,
    /// Bench directory: data, mixes, runs and the report.
    #[arg(long, default_value = "runs/default")]
    out: PathBuf,
    /// Where synthetic images are rendered.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    device: DeviceChoice,
    /// Training backend (flex is always compiled; wgpu with the gpu-training feature).
    #[arg(long, value_enum, default_value_t = BackendKind::Flex)]
    backend: BackendKind,
    /// Print the experiment (TOML) and exit.
    #[arg(long)]
    print_config: bool,
}

pub fn run(args: BenchArgs, quiet: bool) -> Result<()> {
    let experiment = config::load(args.config.as_deref(), &args.profile)?;
    if args.print_config {
        print!("{}", toml::to_string_pretty(&experiment)?);
        return Ok(());
    }
    bench::run(
        &experiment,
        &BenchOptions {
            out: args.out,
            device: args.device,
            backend: crate::cmd::training_backend(args.backend)?,
            quiet,
        },
    )
}
