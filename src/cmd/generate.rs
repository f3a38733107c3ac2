use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use datasets::{ImageSpec, Location};
use generator::{DeviceChoice, GenerateOptions, PresetSpec};

/// Render labelled synthetic images (wgpu compute shaders) into a synmix dataset.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
synmix generate --preset fashion --per-class 6000 --test-per-class 1000 --out data/fashion\n  \
synmix generate --preset digits --size 32x32 --channels 3 --config my-digits.toml --out data/digits\n  \
synmix generate --preset fashion --per-class 6000 --shard-index 1 --num-shards 3 --out data/fashion\n  \
synmix generate --preset fashion --per-class 6000 --resume --out data/fashion   # completes a sharded run\n  \
synmix generate --preset fashion --grid fashion.png --real data/fmnist\n  \
synmix generate --preset presets/signs.toml --knob blur=0..1 --per-class 1000 --out data/signs\n  \
synmix generate --like data/signs --out data/signs-again   # the same bytes, from the manifest alone\n\n\
With C classes sample i has class i % C and depends only on (preset, knobs, seed, i), so the same arguments \
give byte-identical shards on the same device. With --shard-index only that shard is written; the manifest \
follows once every shard exists (rerun with --resume and without --shard-index).\n\
The built-in presets are preset files too (presets/fashion.toml, sketch.toml, digits.toml in the repository): \
their knobs, as any preset's, are set for every class by --knob NAME=VALUE or NAME=MIN..MAX, or by a --config \
file of NAME = value or NAME = [min, max] lines.")]
pub struct GenerateArgs {
    #[command(flatten)]
    samples: SampleArgs,
    /// Output dataset directory.
    #[arg(long, required_unless_present = "grid")]
    out: Option<Location>,
    /// Render again the dataset in this directory, from its manifest alone (preset text, knobs,
    /// seed, counts, image): byte-identical on the same adapter; with --shard-index, one shard.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["preset", "per_class", "count", "size", "channels", "config", "knobs", "seed", "test_per_class", "grid"])]
    like: Option<Location>,
    /// Images per class in a test split drawn from a separate stream (0: no test split).
    #[arg(long, default_value_t = 0)]
    test_per_class: u64,
    /// Write only this shard of the run (0-based): a number, or `env`/`env+OFFSET` to take it
    /// from the array job (SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX). The shard that
    /// completes the set writes the manifest.
    #[arg(long, requires = "num_shards", conflicts_with = "force")]
    shard_index: Option<super::array_index::ArrayIndex>,
    /// The run's shard count (checked against the dataset layout).
    #[arg(long, requires = "shard_index")]
    num_shards: Option<usize>,
    /// Keep the finished shards of an interrupted run with the same arguments.
    #[arg(long, conflicts_with = "force")]
    resume: bool,
    /// Replace a dataset already in --out.
    #[arg(long)]
    force: bool,
    /// Where images are rendered.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    device: DeviceChoice,
    /// Seconds one GPU batch may take before the run stops with an error (a preset's shader
    /// that never ends); raise it for a slow shader on a slow adapter.
    #[arg(long, value_name = "SECONDS", default_value_t = generator::BATCH_TIME_LIMIT.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    batch_time_limit: u64,
    /// Write a contact sheet (PNG) of samples, one row per class, instead of a dataset.
    #[arg(long, value_parser = super::local_path)]
    grid: Option<PathBuf>,
    /// A real dataset whose train samples go beside the synthetic ones in --grid.
    #[arg(long, requires = "grid")]
    real: Option<Location>,
    /// Images per class in --grid.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=100))]
    grid_per_class: u32,
}

/// What decides the images themselves: shared by `generate` and `speed generate`.
#[derive(Args, Debug)]
pub struct SampleArgs {
    /// Which synthetic images to render: fashion, sketch, digits, or a preset file (PATH.toml
    /// beside its .wgsl).
    #[arg(long, default_value = "fashion")]
    preset: String,
    /// Images per class in the train split.
    #[arg(long, conflicts_with = "count", value_parser = clap::value_parser!(u64).range(1..))]
    per_class: Option<u64>,
    /// Images in the train split, a multiple of the class count [default: 6000 per class].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    count: Option<u64>,
    /// Image size, WxH [default: the preset's; 28x28 for the built-ins].
    #[arg(long, value_parser = ImageSpec::parse_size)]
    size: Option<(u32, u32)>,
    /// 1 (grey) or 3 (RGB) [default: the preset's; 1 for the built-ins].
    #[arg(long)]
    channels: Option<u8>,
    /// TOML file of knob settings (NAME = value or NAME = [min, max]), each set for every
    /// class as --knob sets it (and before any --knob).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Set a knob for every class: name=value or name=min..max (repeatable; recorded in the
    /// manifest).
    #[arg(long = "knob", value_name = "NAME=SPEC")]
    knobs: Vec<String>,
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

impl SampleArgs {
    /// The library options for these images, written to `out`; the rest at their defaults.
    pub fn options(&self, out: Location) -> Result<GenerateOptions> {
        let mut preset = PresetSpec::parse(&self.preset)?;
        let classes = preset.class_count() as u64;
        let per_class = match (self.per_class, self.count) {
            (Some(n), _) => n,
            (None, Some(count)) if count % classes == 0 => count / classes,
            (None, Some(count)) => anyhow::bail!(
                "--count {count} is not a multiple of {classes} (preset {} has {classes} classes); use e.g. --count {}",
                preset.name(),
                count / classes * classes + classes
            ),
            (None, None) => 6000,
        };
        if let Some(path) = &self.config {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("--config {}: cannot read the file", path.display()))?;
            preset.apply_config(&path.display().to_string(), &text)?;
        }
        for knob in &self.knobs {
            preset.apply_override(knob)?;
        }
        let default = preset.default_image();
        let (width, height) = self.size.unwrap_or((default.width, default.height));
        Ok(GenerateOptions {
            image: ImageSpec {
                width,
                height,
                channels: self.channels.unwrap_or(default.channels),
            },
            seed: self.seed,
            command: super::command_line(),
            ..GenerateOptions::new(preset, per_class, out)
        })
    }
}

pub fn run(args: GenerateArgs, quiet: bool) -> Result<()> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Location::Local(PathBuf::new()));
    let base = match &args.like {
        Some(dir) => GenerateOptions {
            command: super::command_line(),
            ..GenerateOptions::like(dir, out)?
        },
        None => GenerateOptions {
            test_per_class: args.test_per_class,
            ..args.samples.options(out)?
        },
    };
    let options = GenerateOptions {
        mode: super::write_mode(args.force, args.resume || args.shard_index.is_some()),
        shard: match args.shard_index {
            Some(index) => Some(index.resolve("--shard-index")?).zip(args.num_shards),
            None => None,
        },
        device: args.device,
        batch_time_limit: Duration::from_secs(args.batch_time_limit),
        ..base
    };
    if let Some(path) = &args.grid {
        let sheet =
            generator::contact_sheet(&options, args.grid_per_class as usize, args.real.as_ref())?;
        datasets::grid::save(&sheet, path)?;
        println!("contact sheet: {}", path.display());
        return Ok(());
    }
    let bar = datasets::progress::bars::bar(0, "images", quiet);
    bar.set_message(format!("generate {}", options.preset.name()));
    let summary = generator::generate(&options, &datasets::progress::bars::follow(&bar))?;
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
