//! A generation run: plan the shards, then stream batches through the encode-while-write
//! pipeline of the datasets crate ([`datasets::pipeline`]) — render (GPU or CPU, one thread),
//! PNG-encode (rayon), write Parquet (one thread) — so the renderer works on batch k+1 while
//! batch k is encoded and batch k-1 written.

use std::fmt::Write as _;
use std::time::Instant;

use datasets::pipeline::{Batch, EncodedRows, encode_and_write, plan_batches};
use datasets::{DatasetInfo, DatasetWriter, Progress, Source, WriteMode};

use crate::error::{Error, Result};
use crate::file::{FileSample, Stream, name_not_finite};
use crate::options::GenerateOptions;
use crate::program::stride;
use crate::renderer::Renderer;
use crate::resume::finished_earlier;

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
    if let Some(shards_kept) = finished_earlier(options)? {
        progress(Progress::Finished {
            name: &options.out.display().to_string(),
            kept: true,
        });
        return Ok(Summary {
            renderer: "none: the dataset was already complete".into(),
            rows_written: 0,
            shards_written: 0,
            shards_kept,
            shards_missing: 0,
            manifest_written: false,
            seconds: 0.0,
        });
    }
    let mut renderer = Renderer::open(options)?;
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

/// A rendered batch: its stream, the drawn samples (for labels and meta) and the pixels.
struct Rendered {
    stream: Stream,
    values: Vec<FileSample>,
    pixels: Vec<u8>,
}

/// Writes the shards `options` asks for, rendering with `render`; shared by [`generate`]
/// and the speed measurement ([`crate::speed`]), which also replays already-rendered images.
pub(crate) fn write_dataset<R>(
    options: &GenerateOptions,
    batch_size: usize,
    renderer: String,
    mut render: R,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Summary>
where
    R: FnMut(&[u32], &mut Vec<u8>) -> Result<()> + Send,
{
    let started = Instant::now();
    let preset = &options.preset;
    let image = options.image;
    let info = DatasetInfo {
        name: format!("synmix-{}", preset.name()),
        classes: preset.classes(),
        image,
        source: "synthetic".to_string(),
        recipe: options.recipe(Some(&renderer)),
    };
    let writer = DatasetWriter::with_rows_per_shard(
        &options.out,
        info,
        &options.splits(),
        options.mode,
        options.rows_per_shard,
    )?;
    let slots = writer.slots();
    let wanted = |i: usize, slot: &datasets::ShardSlot| {
        !slot.done && options.shard.is_none_or(|(index, _)| index == i)
    };
    let batches = plan_batches(slots, wanted, batch_size);
    let shards_kept = slots.iter().filter(|s| s.done).count();

    let samples = options.samples();
    let mut words = Vec::new();
    let render_batch = |batch: &Batch| -> Result<Rendered> {
        let stream = Stream::for_split(&slots[batch.slot].split)
            .expect("the generator plans only train and test splits");
        let values: Vec<FileSample> = batch
            .rows
            .clone()
            .map(|row| preset.draw(options.seed, stream, samples.of(stream, row)))
            .collect();
        words.clear();
        for value in &values {
            value.push_words(preset.file(), &mut words);
        }
        let mut pixels = Vec::new();
        render(&words, &mut pixels).map_err(|error| {
            name_not_finite(error, preset.file(), &values, |i| {
                let split = &slots[batch.slot].split;
                format!("{split} row {}", batch.rows.start + i as u64)
            })
        })?;
        Ok(Rendered {
            stream,
            values,
            pixels,
        })
    };
    let uid_prefix = format!("{}-s{}-", preset.name(), options.seed);
    let (stride, bytes) = (stride(image), image.pixels_per_image());
    let encode = |batch: &Batch, rendered: &Rendered, i: usize, out: &mut EncodedRows| {
        let sample = &rendered.values[i];
        let index = samples.of(rendered.stream, batch.rows.start + i as u64);
        let split = match rendered.stream {
            Stream::Train => "",
            Stream::Test => "test-",
        };
        out.push(
            i64::from(sample.class),
            |png| {
                datasets::png::encode_into(png, &rendered.pixels[i * stride..][..bytes], image)
                    .map_err(Error::Encode)
            },
            |uid| {
                let _ = write!(uid, "{uid_prefix}{split}{index:06}");
            },
            |meta| sample.write_meta(preset.file(), meta),
        )
    };
    let written = encode_and_write(
        &writer,
        &batches,
        Source::Synthetic,
        render_batch,
        encode,
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
