//! A generation run: plan the shards, then stream batches through three stages that overlap
//! — render (GPU or CPU), PNG-encode (rayon), write Parquet (one thread) — so the renderer
//! works on batch k+1 while batch k is encoded and batch k-1 written.

use std::path::PathBuf;
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use datasets::{
    DatasetInfo, DatasetWriter, ImageSpec, Progress, Recipe, Row, ShardSlot, Source, SplitPlan,
    WriteMode,
};
use rayon::prelude::*;

use crate::config::Knobs;
use crate::cpu::stride;
use crate::error::{Error, Result};
use crate::params::{SampleParams, SampleValues, Sampler, Stream};
use crate::presets::Preset;
use crate::renderer::{DeviceChoice, Renderer};

/// Everything that decides a run's output, plus where and how to write it.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub preset: Preset,
    pub knobs: Knobs,
    pub image: ImageSpec,
    pub seed: u64,
    /// Rows per class of the `train` split; sample `i` has class `i % 10`.
    pub per_class: u64,
    /// Rows of each class of the `train` split where they differ by class (the bench renders
    /// what its mix plan takes of each), in place of `per_class`. The split's rows are then
    /// the samples `i` with `i / 10 < class_counts[i % 10]`, in order: each class gets the
    /// first samples a run of `per_class` = its count would draw.
    pub class_counts: Option<Vec<u64>>,
    /// Rows per class of the `test` split (0: none), drawn from a separate hash stream.
    pub test_per_class: u64,
    pub out: PathBuf,
    pub mode: WriteMode,
    /// Write only this shard: `(index, count)`, where count must be the run's shard count.
    pub shard: Option<(usize, usize)>,
    pub device: DeviceChoice,
    pub rows_per_shard: u64,
    /// The command line, recorded in the manifest's recipe (the options themselves are
    /// recorded beside it).
    pub command: String,
}

impl GenerateOptions {
    /// Options with the preset's default knobs, 28x28 grey images, seed 0 and no command line.
    pub fn new(preset: Preset, per_class: u64, out: impl Into<PathBuf>) -> GenerateOptions {
        GenerateOptions {
            preset,
            knobs: Knobs::load(preset.defaults(), None).expect("preset defaults are valid"),
            image: ImageSpec {
                width: 28,
                height: 28,
                channels: 1,
            },
            seed: 0,
            per_class,
            class_counts: None,
            test_per_class: 0,
            out: out.into(),
            mode: WriteMode::Fresh,
            shard: None,
            device: DeviceChoice::Auto,
            rows_per_shard: datasets::DEFAULT_ROWS_PER_SHARD,
            command: String::new(),
        }
    }

    pub fn sampler(&self) -> Sampler {
        Sampler {
            preset: self.preset,
            knobs: self.knobs.clone(),
            seed: self.seed,
        }
    }

    fn splits(&self) -> Vec<SplitPlan> {
        let train = match &self.class_counts {
            Some(counts) => counts.iter().sum(),
            None => self.per_class * 10,
        };
        [("train", train), ("test", self.test_per_class * 10)]
            .into_iter()
            .filter(|&(_, rows)| rows > 0)
            .map(|(name, rows)| SplitPlan {
                name: name.to_string(),
                rows,
            })
            .collect()
    }

    /// Which sample each row of each split draws.
    fn samples(&self) -> Samples {
        Samples {
            train: self.class_counts.as_ref().map(|counts| {
                let most = counts.iter().copied().max().unwrap_or(0);
                (0..most * 10)
                    .filter(|&i| i / 10 < counts[(i % 10) as usize])
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
                if counts.len() != 10
                    || (counts.iter().all(|&n| n == 0) && self.test_per_class == 0) =>
            {
                return Err(Error::setting(
                    "class_counts",
                    format!(
                        "needs 10 counts, one per class, not all 0 without a test split (got {counts:?})"
                    ),
                ));
            }
            _ => {}
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

    /// The recipe: the command line, and the options that fix the output. Everything but the
    /// command is the same for a plain run, a resumed one and each of its shards.
    fn recipe(&self) -> Recipe {
        let mut config = serde_json::json!({
            "preset": self.preset.name(),
            "knobs": self.knobs,
            "per_class": self.per_class,
            "test_per_class": self.test_per_class,
            "image": self.image,
        });
        // Only when given, so that the recipes of uniform runs stay as they were.
        if let Some(counts) = &self.class_counts {
            config["class_counts"] = counts.clone().into();
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
struct Samples {
    train: Option<Vec<u64>>,
}

impl Samples {
    fn of(&self, stream: Stream, row: u64) -> u64 {
        match (stream, &self.train) {
            (Stream::Train, Some(samples)) => samples[row as usize],
            _ => row,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Summary {
    pub renderer: String,
    pub rows_written: u64,
    pub shards_written: usize,
    /// Finished shards of an earlier run that `--resume` kept.
    pub shards_kept: usize,
    /// Shards still missing (after a `--shard-index` run); the manifest waits for them.
    pub shards_missing: usize,
    pub manifest_written: bool,
    pub seconds: f64,
}

/// Generates the dataset `options` describe.
pub fn generate(
    options: &GenerateOptions,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Summary> {
    options.check()?;
    if let Some(kept) = finished_earlier(options)? {
        progress(Progress::Finished {
            name: &options.out.display().to_string(),
            kept: true,
        });
        return Ok(kept);
    }
    let mut renderer = Renderer::open(options.device, options.preset, options.image)?;
    let batch_size = renderer.batch_size();
    let name = renderer.to_string();
    write_dataset(
        options,
        batch_size,
        name,
        |samples, out| renderer.render(samples, out),
        progress,
    )
}

/// With `--resume`, a dataset that an earlier identical run finished and that still verifies
/// is kept as it is: the progress records are gone once the manifest is written, so without
/// this check every shard would be rendered again.
fn finished_earlier(options: &GenerateOptions) -> Result<Option<Summary>> {
    if options.mode != WriteMode::Resume {
        return Ok(None);
    }
    let Ok(dataset) = datasets::Dataset::open(&options.out) else {
        return Ok(None);
    };
    // The command line may differ (`--resume`, `-q`); the options may not.
    let (found, wanted) = (&dataset.manifest.recipe, options.recipe());
    if (found.seed, &found.config) != (wanted.seed, &wanted.config)
        || !datasets::verify::verify(&options.out)?.is_empty()
    {
        return Ok(None);
    }
    Ok(Some(Summary {
        renderer: "none: the dataset was already complete".into(),
        rows_written: 0,
        shards_written: 0,
        shards_kept: dataset
            .manifest
            .splits
            .values()
            .map(|s| s.shards.len())
            .sum(),
        shards_missing: 0,
        manifest_written: false,
        seconds: 0.0,
    }))
}

/// One hand-off between stages: consecutive rows of one shard.
#[derive(Debug, Clone)]
struct Batch {
    slot: usize,
    stream: Stream,
    start: u64,
    count: usize,
    ends_slot: bool,
}

/// Writes the shards `options` asks for, rendering with `render`; shared by [`generate`]
/// and the benchmark, which replays already-rendered images.
pub(crate) fn write_dataset<R>(
    options: &GenerateOptions,
    batch_size: usize,
    renderer: String,
    render: R,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Summary>
where
    R: FnMut(&[SampleParams], &mut Vec<u8>) -> Result<()> + Send,
{
    let started = Instant::now();
    let preset = options.preset;
    let info = DatasetInfo {
        name: format!("synmix-{preset}"),
        classes: preset.classes().iter().map(|c| c.to_string()).collect(),
        image: options.image,
        source: "synthetic".to_string(),
        recipe: options.recipe(),
    };
    let writer = DatasetWriter::with_rows_per_shard(
        &options.out,
        info,
        &options.splits(),
        options.mode,
        options.rows_per_shard,
    )?;
    let wanted = |i: usize, slot: &ShardSlot| {
        !slot.done && options.shard.is_none_or(|(index, _)| index == i)
    };
    let batches = plan_batches(writer.slots(), &wanted, batch_size);
    let shards_kept = writer.slots().iter().filter(|s| s.done).count();

    let written = run_stages(
        &writer,
        &options.sampler(),
        &options.samples(),
        options.image,
        &batches,
        render,
        progress,
    );
    let (rows_written, shards_written) = match written {
        Ok(counts) => counts,
        Err(error) => {
            // A fresh or forced run leaves nothing behind; a resumed one keeps what it had.
            if options.mode != WriteMode::Resume {
                writer.abort();
            }
            return Err(error);
        }
    };
    // Other processes may be writing the other shards (array jobs): the one that completes
    // the set, by the records on disk, writes the manifest.
    let shards_missing = writer.shards_missing()?;
    let manifest_written = shards_missing == 0;
    if manifest_written {
        writer.finish(Vec::new(), None)?;
        progress(Progress::Finished {
            name: &options.out.display().to_string(),
            kept: false,
        });
    }
    Ok(Summary {
        renderer,
        rows_written,
        shards_written,
        shards_kept,
        shards_missing,
        manifest_written,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Cuts each wanted slot into near-equal batches of at most `batch_size` rows.
fn plan_batches(
    slots: &[ShardSlot],
    wanted: &dyn Fn(usize, &ShardSlot) -> bool,
    batch_size: usize,
) -> Vec<Batch> {
    let mut batches = Vec::new();
    for (i, slot) in slots.iter().enumerate().filter(|(i, s)| wanted(*i, s)) {
        let stream =
            Stream::for_split(&slot.split).expect("the generator plans only train and test splits");
        let rows = slot.rows.end - slot.rows.start;
        let pieces = rows.div_ceil(batch_size as u64).max(1);
        let per_piece = rows.div_ceil(pieces);
        let mut start = slot.rows.start;
        while start < slot.rows.end {
            let count = per_piece.min(slot.rows.end - start);
            batches.push(Batch {
                slot: i,
                stream,
                start,
                count: count as usize,
                ends_slot: start + count == slot.rows.end,
            });
            start += count;
        }
    }
    batches
}

/// A rendered batch: the sampled values (for labels and meta) and the pixels.
struct Rendered<'a> {
    batch: &'a Batch,
    values: Vec<SampleValues>,
    pixels: Vec<u8>,
}

/// Rows of one batch ready for Parquet, in pieces encoded in parallel.
struct Encoded<'a> {
    batch: &'a Batch,
    pieces: Vec<EncodedPiece>,
}

/// Consecutive rows packed into a few buffers, so encoding allocates per piece, not per row.
#[derive(Default)]
struct EncodedPiece {
    png: Vec<u8>,
    png_ends: Vec<usize>,
    /// uid then meta of each row, back to back.
    text: String,
    text_ends: Vec<(usize, usize)>,
    labels: Vec<i64>,
}

/// Images per encoding task.
const PIECE: usize = 256;

/// Runs render, encode and write concurrently; returns (rows, shards) written.
fn run_stages<R>(
    writer: &DatasetWriter,
    sampler: &Sampler,
    samples: &Samples,
    image: ImageSpec,
    batches: &[Batch],
    mut render: R,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<(u64, usize)>
where
    R: FnMut(&[SampleParams], &mut Vec<u8>) -> Result<()> + Send,
{
    let rows = batches.iter().map(|b| b.count as u64).sum();
    progress(Progress::Planned { rows });
    // One batch in flight between stages bounds memory to a few batches.
    let (rendered_tx, rendered_rx) = sync_channel::<Rendered>(1);
    let (encoded_tx, encoded_rx) = sync_channel::<Encoded>(1);
    std::thread::scope(|scope| {
        let renderer = scope.spawn(move || -> Result<()> {
            let mut params = Vec::new();
            for batch in batches {
                let values: Vec<SampleValues> = (batch.start..batch.start + batch.count as u64)
                    .map(|row| sampler.draw(batch.stream, samples.of(batch.stream, row)))
                    .collect();
                params.clear();
                params.extend(values.iter().map(|v| v.params(image)));
                let mut pixels = Vec::new();
                render(&params, &mut pixels)?;
                if rendered_tx
                    .send(Rendered {
                        batch,
                        values,
                        pixels,
                    })
                    .is_err()
                {
                    break; // a later stage failed and says why
                }
            }
            Ok(())
        });
        let shard_writer = scope.spawn(move || -> Result<(u64, usize)> {
            let (mut rows, mut shards) = (0, 0);
            let mut open = None;
            for encoded in encoded_rx {
                let shard = match &mut open {
                    Some(shard) => shard,
                    None => open.insert(writer.shard(encoded.batch.slot)?),
                };
                for piece in &encoded.pieces {
                    let (mut png_start, mut text_start) = (0, 0);
                    for (j, &label) in piece.labels.iter().enumerate() {
                        let (uid_end, meta_end) = piece.text_ends[j];
                        shard.push(Row {
                            png: &piece.png[png_start..piece.png_ends[j]],
                            label,
                            source: Source::Synthetic,
                            uid: &piece.text[text_start..uid_end],
                            meta: &piece.text[uid_end..meta_end],
                        })?;
                        (png_start, text_start) = (piece.png_ends[j], meta_end);
                    }
                }
                if encoded.batch.ends_slot {
                    open.take().expect("a shard is open").finish()?;
                    shards += 1;
                }
                rows += encoded.batch.count as u64;
                progress(Progress::Rows(encoded.batch.count as u64));
            }
            Ok((rows, shards))
        });
        let encoding = (|| -> Result<()> {
            let uid_prefix = format!("{}-s{}-", sampler.preset, sampler.seed);
            for rendered in rendered_rx {
                let pieces = encode(&rendered, sampler.preset, image, samples, &uid_prefix)?;
                if encoded_tx
                    .send(Encoded {
                        batch: rendered.batch,
                        pieces,
                    })
                    .is_err()
                {
                    break;
                }
            }
            Ok(())
        })();
        drop(encoded_tx);
        let rendering = renderer.join().expect("render thread panicked");
        let writing = shard_writer.join().expect("writer thread panicked");
        rendering?;
        encoding?;
        writing
    })
}

/// PNG-encodes a batch in parallel pieces; the result does not depend on the thread count.
fn encode(
    rendered: &Rendered,
    preset: Preset,
    image: ImageSpec,
    samples: &Samples,
    uid_prefix: &str,
) -> Result<Vec<EncodedPiece>> {
    use std::fmt::Write as _;
    let stride = stride(image);
    let bytes = image.pixels_per_image();
    let split = match rendered.batch.stream {
        Stream::Train => "",
        Stream::Test => "test-",
    };
    rendered
        .pixels
        .par_chunks(stride * PIECE)
        .zip(rendered.values.par_chunks(PIECE))
        .enumerate()
        .map(|(p, (pixels, values))| {
            let mut piece = EncodedPiece {
                png: Vec::with_capacity(values.len() * (bytes / 2 + 100)),
                ..Default::default()
            };
            for (j, (image_bytes, sample)) in pixels.chunks(stride).zip(values).enumerate() {
                let row = rendered.batch.start + (p * PIECE + j) as u64;
                let index = samples.of(rendered.batch.stream, row);
                datasets::png::encode_into(&mut piece.png, &image_bytes[..bytes], image)
                    .map_err(Error::Encode)?;
                piece.png_ends.push(piece.png.len());
                let _ = write!(piece.text, "{uid_prefix}{split}{index:06}");
                let uid_end = piece.text.len();
                sample.write_meta(preset, &mut piece.text);
                piece.text_ends.push((uid_end, piece.text.len()));
                piece.labels.push(i64::from(sample.class));
            }
            Ok(piece)
        })
        .collect()
}
