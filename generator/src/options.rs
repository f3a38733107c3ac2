//! What a generation run is asked for ([`GenerateOptions`]): checked before anything touches
//! the output directory, and recorded in the recipe; which sample each row draws.

use std::time::Duration;

use datasets::{ImageSpec, Location, Recipe, SplitPlan, WriteMode};

use crate::error::{Error, Result};
use crate::file::Stream;
use crate::gpu::BATCH_TIME_LIMIT;
use crate::spec::PresetSpec;

/// Where images are rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum DeviceChoice {
    /// Any wgpu adapter (a GPU, or Mesa's lavapipe on the CPU), else the CPU renderer.
    #[default]
    Auto,
    /// A wgpu adapter or an error.
    Gpu,
    /// The CPU reference renderer (the built-in presets' shaders only).
    Cpu,
}

/// Everything that decides a run's output, plus where and how to write it.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// The preset and its knobs.
    pub preset: PresetSpec,
    pub image: ImageSpec,
    pub seed: u64,
    /// Rows per class of the `train` split; with C classes, sample `i` has class `i % C`.
    pub per_class: u64,
    /// Rows of each class of the `train` split where they differ by class (the bench renders
    /// what its mix plan takes of each), in place of `per_class`. The split's rows are then
    /// the samples `i` with `i / C < class_counts[i % C]`, in order: each class gets the
    /// first samples a run of `per_class` = its count would draw.
    pub class_counts: Option<Vec<u64>>,
    /// Rows per class of the `test` split (0: none), drawn from a separate hash stream.
    pub test_per_class: u64,
    pub out: Location,
    pub mode: WriteMode,
    /// Write only this shard: `(index, count)`, where count must be the run's shard count.
    pub shard: Option<(usize, usize)>,
    pub device: DeviceChoice,
    /// The longest one GPU batch may take before the run stops with an error: what turns a
    /// preset's shader that never ends into an error rather than a hang. Decides nothing of
    /// the output, so not recorded.
    pub batch_time_limit: Duration,
    pub rows_per_shard: u64,
    /// The command line, recorded in the manifest's recipe (the options themselves are
    /// recorded beside it).
    pub command: String,
}

/// The most rows of one class a render may ask for: a thousand times paper scale.
const MAX_PER_CLASS: u64 = 10_000_000;
/// The most rows of one split: low enough that planning its samples never exhausts memory,
/// whatever the class count.
const MAX_SPLIT_ROWS: u64 = 100_000_000;

impl GenerateOptions {
    /// Options with the preset's default knobs and image, seed 0 and no command line.
    pub fn new(
        preset: impl Into<PresetSpec>,
        per_class: u64,
        out: impl Into<Location>,
    ) -> GenerateOptions {
        let preset = preset.into();
        GenerateOptions {
            image: preset.default_image(),
            preset,
            seed: 0,
            per_class,
            class_counts: None,
            test_per_class: 0,
            out: out.into(),
            mode: WriteMode::Fresh,
            shard: None,
            device: DeviceChoice::Auto,
            batch_time_limit: BATCH_TIME_LIMIT,
            rows_per_shard: datasets::DEFAULT_ROWS_PER_SHARD,
            command: String::new(),
        }
    }

    /// The options a dataset's manifest records (written by `generate`, see
    /// [`GenerateOptions::recipe`]), to render it again into `out`: byte for byte on the same
    /// adapter.
    pub fn like(dir: &Location, out: impl Into<Location>) -> Result<GenerateOptions> {
        let manifest = datasets::Dataset::open(dir)?.manifest;
        let origin = dir.join(datasets::MANIFEST_FILE).to_string();
        let config = &manifest.recipe.config;
        let fail = |message: String| Error::Config {
            origin: origin.clone(),
            message,
        };
        let preset = PresetSpec::from_record(config, &origin)?;
        let number = |key: &str| config[key].as_u64();
        let per_class = number("per_class").ok_or_else(|| {
            fail("its recipe has no per_class; it was not written by synmix generate".into())
        })?;
        let image: ImageSpec = serde_json::from_value(config["image"].clone())
            .map_err(|e| fail(format!("its recipe's image does not read: {e}")))?;
        let class_counts = match &config["class_counts"] {
            serde_json::Value::Null => None,
            counts => Some(
                serde_json::from_value(counts.clone())
                    .map_err(|e| fail(format!("its recipe's class_counts do not read: {e}")))?,
            ),
        };
        Ok(GenerateOptions {
            image,
            seed: manifest.recipe.seed.unwrap_or(0),
            class_counts,
            test_per_class: number("test_per_class").unwrap_or(0),
            rows_per_shard: number("rows_per_shard").unwrap_or(datasets::DEFAULT_ROWS_PER_SHARD),
            ..GenerateOptions::new(preset, per_class, out)
        })
    }

    fn classes(&self) -> u64 {
        self.preset.class_count() as u64
    }

    pub(crate) fn splits(&self) -> Vec<SplitPlan> {
        let train = match &self.class_counts {
            Some(counts) => counts.iter().sum(),
            None => self.per_class * self.classes(),
        };
        [
            ("train", train),
            ("test", self.test_per_class * self.classes()),
        ]
        .into_iter()
        .filter(|&(_, rows)| rows > 0)
        .map(|(name, rows)| SplitPlan {
            name: name.to_string(),
            rows,
        })
        .collect()
    }

    /// Which sample each row of each split draws.
    pub(crate) fn samples(&self) -> Samples {
        let classes = self.classes();
        Samples {
            train: self.class_counts.as_ref().map(|counts| {
                let most = counts.iter().copied().max().unwrap_or(0);
                (0..most * classes)
                    .filter(|&i| i / classes < counts[(i % classes) as usize])
                    .collect()
            }),
        }
    }

    /// The shards the writer will plan: each split cut into `rows_per_shard` pieces.
    fn shard_count(&self) -> usize {
        self.splits()
            .iter()
            .map(|s| s.rows.div_ceil(self.rows_per_shard.max(1)) as usize)
            .sum()
    }

    /// Checks the options before anything touches the output directory. Errors name the
    /// option by its field (`shard` by its parts, `shard_index` and `num_shards`).
    pub fn check(&self) -> Result<()> {
        match &self.class_counts {
            None if self.per_class == 0 => {
                return Err(Error::setting("per_class", "must be at least 1"));
            }
            // All zero is a render of the test split alone (a real-only sweep still scores
            // every run on synthetic test images).
            Some(counts)
                if counts.len() as u64 != self.classes()
                    || (counts.iter().all(|&n| n == 0) && self.test_per_class == 0) =>
            {
                return Err(Error::setting(
                    "class_counts",
                    format!(
                        "needs {} counts, one per class, not all 0 without a test split (got {counts:?})",
                        self.classes()
                    ),
                ));
            }
            _ => {}
        }
        let counts = self.class_counts.iter().flatten();
        for (setting, rows) in [
            ("per_class", self.per_class),
            ("test_per_class", self.test_per_class),
        ]
        .into_iter()
        .chain(counts.map(|&n| ("class_counts", n)))
        {
            if rows > MAX_PER_CLASS {
                return Err(Error::setting(
                    setting,
                    format!("asks for {rows} rows of a class; at most {MAX_PER_CLASS} are allowed"),
                ));
            }
        }
        if let Some(split) = self.splits().iter().find(|s| s.rows > MAX_SPLIT_ROWS) {
            return Err(Error::setting(
                "per_class",
                format!(
                    "asks for {} rows of the {} split ({} classes); at most {MAX_SPLIT_ROWS} are allowed",
                    split.rows,
                    split.name,
                    self.classes()
                ),
            ));
        }
        if datasets::ImageSpec::check_channels(self.image.channels).is_err() {
            return Err(Error::setting(
                "channels",
                format!("must be 1 (grey) or 3 (RGB), not {}", self.image.channels),
            ));
        }
        if !(1..=4096).contains(&self.image.width) || !(1..=4096).contains(&self.image.height) {
            return Err(Error::setting(
                "size",
                "needs a width and height from 1 to 4096, as in 28x28",
            ));
        }
        if self.batch_time_limit.is_zero() {
            return Err(Error::setting(
                "batch_time_limit",
                "must be at least 1 second",
            ));
        }
        if let Some((index, count)) = self.shard {
            let shards = self.shard_count();
            if count != shards {
                return Err(Error::setting(
                    "num_shards",
                    format!(
                        "must be {shards}, not {count}: this run has {shards} shard(s) of up to {} rows",
                        self.rows_per_shard
                    ),
                ));
            }
            if index >= count {
                return Err(Error::setting(
                    "shard_index",
                    format!("must be below the shard count {count}, not {index}"),
                ));
            }
        }
        Ok(())
    }

    /// The recipe: the command line, the options that fix the output and the renderer that
    /// made it. Everything but the command is the same for a plain run, a resumed one and
    /// each of its shards on one machine.
    pub(crate) fn recipe(&self, renderer: Option<&str>) -> Recipe {
        let mut config = serde_json::json!({
            "per_class": self.per_class,
            "test_per_class": self.test_per_class,
            "image": self.image,
        });
        self.preset.record(&mut config);
        // Only when given, so that the recipes of uniform runs stay as they were.
        if let Some(counts) = &self.class_counts {
            config["class_counts"] = counts.clone().into();
        }
        if self.rows_per_shard != datasets::DEFAULT_ROWS_PER_SHARD {
            config["rows_per_shard"] = self.rows_per_shard.into();
        }
        // Where the images were made: the same arguments give the same bytes on the same
        // adapter (a CPU's Vulkan driver and a GPU may differ by a grey level).
        if let Some(renderer) = renderer {
            config["renderer"] = renderer.into();
        }
        Recipe {
            command: self.command.clone(),
            seed: Some(self.seed),
            config,
        }
    }
}

/// The sample each row of a split draws: row `r` is sample `r`, but in a `train` split with
/// per-class counts ([`GenerateOptions::class_counts`]).
pub(crate) struct Samples {
    train: Option<Vec<u64>>,
}

impl Samples {
    pub(crate) fn of(&self, stream: Stream, row: u64) -> u64 {
        match (stream, &self.train) {
            (Stream::Train, Some(samples)) => samples[row as usize],
            _ => row,
        }
    }
}
