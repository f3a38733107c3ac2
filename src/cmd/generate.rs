use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use datasets::ImageSpec;
use generator::{DeviceChoice, GenerateOptions, Knobs, Preset, Progress};

/// Render labelled synthetic images (wgpu compute shaders) into a synmix dataset.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
synmix generate --preset fashion --per-class 6000 --test-per-class 1000 --out data/fashion\n  \
synmix generate --preset digits --size 32x32 --channels 3 --config my-digits.toml --out data/digits\n  \
synmix generate --preset fashion --per-class 6000 --shard-index 1 --num-shards 3 --out data/fashion\n  \
synmix generate --preset fashion --per-class 6000 --resume --out data/fashion   # completes a sharded run\n  \
synmix generate --preset fashion --grid fashion.png --real data/fmnist\n  \
synmix generate --preset fashion --bench\n\n\
Sample i has class i % 10 and depends only on (preset, config, seed, i), so the same arguments give \
byte-identical shards on the same device. With --shard-index only that shard is written; the manifest \
follows once every shard exists (rerun with --resume and without --shard-index).\n\
A config file sets any of the preset's knobs (rotation, scale, translate, shear, stroke_width, texture, \
contrast, background, noise, blur, elastic, saturation), each a number or a [min, max] range.")]
pub struct GenerateArgs {
    /// fashion (clothing silhouettes), sketch (hand-drawn outlines) or digits (stroke-font glyphs).
    #[arg(long, default_value = "fashion", value_parser = parse_preset)]
    preset: Preset,
    /// Output dataset directory.
    #[arg(long, required_unless_present_any = ["grid", "bench"])]
    out: Option<PathBuf>,
    /// Images per class in the train split.
    #[arg(long, conflicts_with = "count")]
    per_class: Option<u64>,
    /// Images in the train split, a multiple of 10 [default: 60000].
    #[arg(long)]
    count: Option<u64>,
    /// Images per class in a test split drawn from a separate stream (0: no test split).
    #[arg(long, default_value_t = 0)]
    test_per_class: u64,
    /// Image size, WxH.
    #[arg(long, default_value = "28x28", value_parser = ImageSpec::parse_size)]
    size: (u32, u32),
    /// 1 (grey) or 3 (RGB).
    #[arg(long, default_value_t = 1)]
    channels: u8,
    /// TOML file overriding the preset's knobs.
    #[arg(long)]
    config: Option<PathBuf>,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Write only this shard of the run (0-based).
    #[arg(long, requires = "num_shards", conflicts_with = "force")]
    shard_index: Option<usize>,
    /// The run's shard count (checked against the dataset layout).
    #[arg(long, requires = "shard_index")]
    num_shards: Option<usize>,
    /// Keep the finished shards of an interrupted run with the same arguments.
    #[arg(long, conflicts_with = "force")]
    resume: bool,
    /// Replace a dataset already in --out.
    #[arg(long)]
    force: bool,
    /// auto (any wgpu adapter, else CPU), gpu or cpu.
    #[arg(long, default_value = "auto", value_parser = parse_device)]
    device: DeviceChoice,
    /// Write a contact sheet (PNG) of samples, one row per class, instead of a dataset.
    #[arg(long, conflicts_with = "bench")]
    grid: Option<PathBuf>,
    /// A real dataset whose train samples go beside the synthetic ones in --grid.
    #[arg(long, requires = "grid")]
    real: Option<PathBuf>,
    /// Images per class in --grid.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=100))]
    grid_per_class: u32,
    /// Print images/second of the wgpu path, the CPU path and the encode-only ceiling.
    #[arg(long)]
    bench: bool,
}

fn parse_preset(text: &str) -> Result<Preset, String> {
    text.parse().map_err(|e: generator::Error| e.to_string())
}

fn parse_device(text: &str) -> Result<DeviceChoice, String> {
    text.parse().map_err(|e: generator::Error| e.to_string())
}

pub fn run(args: GenerateArgs, quiet: bool) -> Result<()> {
    let options = options(&args)?;
    if let Some(path) = &args.grid {
        let sheet =
            generator::contact_sheet(&options, args.grid_per_class as usize, args.real.as_deref())?;
        datasets::grid::save(&sheet, path)?;
        println!("contact sheet: {}", path.display());
        return Ok(());
    }
    let bar = crate::progress::bar(0, "images", quiet);
    let progress = |p: Progress| {
        bar.set_length(p.total);
        bar.set_position(p.done);
    };
    if args.bench {
        bar.set_message("bench");
        let rows = generator::bench(&options, &progress)?;
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
        if let [gpu, _, ceiling] = rows.as_slice() {
            println!(
                "wgpu / ceiling: {:.2}",
                gpu.images_per_second() / ceiling.images_per_second()
            );
        }
        return Ok(());
    }
    bar.set_message(format!("generate {}", options.preset));
    let summary = generator::generate(&options, &progress)?;
    bar.finish_and_clear();
    let out = options.out.display();
    println!(
        "{out}: {} images in {} new shard(s), {} kept, {:.1}s ({:.0} images/s) with {}",
        summary.rows_written,
        summary.shards_written,
        summary.shards_kept,
        summary.seconds,
        summary.rows_written as f64 / summary.seconds.max(1e-9),
        summary.renderer
    );
    if !summary.manifest_written {
        println!(
            "{out}: {} shard(s) still missing; run their --shard-index values, then rerun without --shard-index and with --resume to write the manifest",
            summary.shards_missing
        );
    }
    Ok(())
}

/// Turns the flags into library options, checking what clap cannot.
fn options(args: &GenerateArgs) -> Result<GenerateOptions> {
    let per_class = match (args.per_class, args.count) {
        (Some(n), _) => n,
        (None, Some(count)) if count % 10 == 0 => count / 10,
        (None, Some(count)) => anyhow::bail!(
            "--count {count} is not a multiple of 10 (one tenth per class); use e.g. --count {}",
            count / 10 * 10 + 10
        ),
        (None, None) => 6000,
    };
    let text;
    let user = match &args.config {
        Some(path) => {
            text = std::fs::read_to_string(path)
                .with_context(|| format!("--config {}: cannot read the file", path.display()))?;
            Some((path.as_path(), text.as_str()))
        }
        None => None,
    };
    let knobs = Knobs::load(args.preset.defaults(), user)?;
    let (width, height) = args.size;
    Ok(GenerateOptions {
        knobs,
        image: ImageSpec {
            width,
            height,
            channels: args.channels,
        },
        seed: args.seed,
        test_per_class: args.test_per_class,
        mode: super::write_mode(args.force, args.resume || args.shard_index.is_some()),
        shard: args.shard_index.zip(args.num_shards),
        device: args.device,
        ..GenerateOptions::new(args.preset, per_class, args.out.clone().unwrap_or_default())
    })
}
