//! `synmix speed`: how fast each stage runs on this machine, each subcommand printing one
//! table measured in one run. (`synmix bench` is the SM vs FT experiment, not a timing.)

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};
use trainer::ModelKind;
use trainer::backend::BackendKind;

use super::generate::SampleArgs;
use super::mix::OrderArgs;

#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
synmix speed generate --preset fashion        # wgpu, CPU renderer and the encode-only ceiling\n  \
synmix speed mix --out /tmp/mix-speed         # a full default sweep against plain file copies\n  \
synmix speed train                            # samples/s of mlp, cnn and vit at 28, 32, 64 and 256 px\n  \
synmix speed train --model vit --shape 256x256x3  # one cell, e.g. to profile it")]
pub struct SpeedArgs {
    #[command(subcommand)]
    stage: Stage,
}

#[derive(Subcommand, Debug)]
enum Stage {
    /// Images/s of the wgpu renderer, the CPU reference renderer and the encode-only ceiling
    /// (PNG + Parquet of images rendered beforehand), on the train split the options describe.
    Generate(GenerateSpeedArgs),
    /// Rows/s of a full default sweep (60,000 + 60,000 generated rows, N = 10,000, shares
    /// 0:1:0.1) against plain file copies of its inputs.
    Mix(MixSpeedArgs),
    /// Training samples/s of every architecture on random images.
    Train(TrainSpeedArgs),
}

#[derive(Args, Debug)]
struct GenerateSpeedArgs {
    #[command(flatten)]
    samples: SampleArgs,
}

#[derive(Args, Debug)]
struct MixSpeedArgs {
    /// Scratch directory: the generated inputs (made once, reused by later runs), the sweep and
    /// the copies.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    order: OrderArgs,
}

#[derive(Args, Debug)]
struct TrainSpeedArgs {
    /// Rows per training step [default: 64 up to 32×32 px, 32 above, as the experiments train].
    #[arg(long)]
    batch_size: Option<usize>,
    /// Compute backend: flex (CPU, always built) or wgpu (builds with `--features gpu-training`).
    #[arg(long, value_enum, default_value_t = BackendKind::Flex)]
    backend: BackendKind,
    /// Images per timed epoch.
    #[arg(long, default_value_t = 1024)]
    samples: usize,
    /// MiB the images may take in memory; beyond it they are written to a scratch dataset and
    /// streamed from its shards, as `train --memory` does [default: held in memory].
    #[arg(long, value_name = "MIB")]
    memory: Option<u64>,
    /// Only these architectures (repeatable, e.g. to profile one) [default: all].
    #[arg(long = "model", value_enum)]
    models: Vec<ModelKind>,
    /// Only these image shapes, WxHxC (repeatable) [default: 28x28x1, 32x32x3, 64x64x3 and
    /// 256x256x3].
    #[arg(long = "shape", value_name = "WxHxC", value_parser = trainer::speed::parse_shape)]
    shapes: Vec<trainer::data::InputShape>,
}

pub fn run(args: SpeedArgs, quiet: bool) -> Result<()> {
    match args.stage {
        Stage::Generate(args) => generate(&args, quiet),
        Stage::Mix(args) => mix(&args, quiet),
        Stage::Train(args) => train(&args, quiet),
    }
}

fn generate(args: &GenerateSpeedArgs, quiet: bool) -> Result<()> {
    // The measurement writes into a scratch directory of its own.
    let options = args.samples.options(PathBuf::new().into())?;
    let bar = datasets::progress::bars::bar(0, "images", quiet);
    bar.set_message("speed");
    let rows = generator::speed(&options, &datasets::progress::bars::follow(&bar))?;
    bar.finish_and_clear();
    println!(
        "{:<42} {:>8} {:>9} {:>10}",
        "path", "images", "seconds", "images/s"
    );
    for row in &rows {
        println!(
            "{:<42} {:>8} {:>9.2} {:>10.0}",
            row.path,
            row.images,
            row.seconds,
            row.images_per_second()
        );
    }
    // A user's preset has no CPU row (only the built-ins' shaders have a CPU reference): the
    // wgpu row first, the ceiling last.
    if let (Some(gpu), Some(ceiling)) = (
        rows.first().filter(|row| row.path.starts_with("wgpu")),
        rows.last(),
    ) {
        println!(
            "wgpu / ceiling: {:.2}",
            gpu.images_per_second() / ceiling.images_per_second()
        );
    }
    Ok(())
}

fn mix(args: &MixSpeedArgs, quiet: bool) -> Result<()> {
    let mut options = mixer::speed::SpeedOptions::standard(args.out.clone());
    options.order = args.order.order()?;
    let spinner = datasets::progress::bars::spinner("timing the mixer", quiet);
    let report = mixer::speed::run(&options)?;
    spinner.finish_and_clear();
    println!("{}", report.table());
    Ok(())
}

fn train(args: &TrainSpeedArgs, quiet: bool) -> Result<()> {
    let backend = super::training_backend(args.backend)?;
    println!(
        "training speed ({backend}, {} threads):",
        trainer::speed::cpu_threads()
    );
    let shapes = if args.shapes.is_empty() {
        &trainer::speed::MEASURED_INPUTS[..]
    } else {
        &args.shapes[..]
    };
    let models = if args.models.is_empty() {
        &ModelKind::ALL[..]
    } else {
        &args.models[..]
    };
    for &input in shapes {
        let batch_size = args
            .batch_size
            .unwrap_or_else(|| trainer::speed::default_batch_size(input));
        for &model in models {
            let spinner =
                datasets::progress::bars::spinner(&format!("{model} {}", input.describe()), quiet);
            let budget = args.memory.map(|mib| mib << 20);
            let t =
                trainer::speed::measure(model, input, batch_size, args.samples, backend, budget);
            spinner.finish_and_clear();
            let t = t?;
            println!(
                "  {model:<4} {:<11} {:>8.0} samples/s  batch {batch_size:<3} {:>7.1} ms/step  {}: steps waited {:.2} s",
                input.describe(),
                t.samples_per_second,
                t.ms_per_step,
                if t.streamed { "streamed" } else { "in memory" },
                t.loader_wait_seconds
            );
        }
    }
    Ok(())
}
