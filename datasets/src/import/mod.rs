//! Importers that turn real-world image collections into synmix datasets.
//!
//! Each importer reads its input into memory first ([`InputSplit`]s: the input's own bytes,
//! raw pixels or encoded files); then [`write_dataset`] resizes ([`Fit`]), converts and
//! PNG-encodes the images chunk by chunk in parallel and writes each chunk before converting
//! more, so the converted dataset is never in memory at once. Input files an importer cannot
//! use ([`Problem`]s: a listed image that is missing, a file name its rule does not match, an
//! unreadable image) stop the import before anything is written, unless the options ask to
//! skip them; then the manifest's recipe lists them.

mod cifar;
mod classes;
mod fashion;
mod fit;
mod folder;
mod idx;
mod lists;
mod names;
mod parquet_images;

use std::ops::Range;
use std::path::{Path, PathBuf};

use image::{DynamicImage, GrayImage, RgbImage};
use rayon::prelude::*;

use crate::ROWS_PER_ROW_GROUP;
use crate::error::{Error, Result};
use crate::manifest::{Manifest, Recipe};
use crate::types::{DatasetInfo, ImageSpec, Row, Source, SplitPlan};
use crate::writer::{DatasetWriter, WriteMode};

pub use cifar::{CIFAR10_CLASSES, read_cifar10};
pub use classes::{ClassMap, class_pairs};
pub use fashion::{
    FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, FASHION_MNIST_TRAIN_PER_CLASS, read_fashion_mnist,
};
pub use fit::Fit;
pub use folder::read_folder;
pub use idx::{IdxPair, read_idx, read_idx_pair};
pub use lists::{SplitLists, read_split_lists};
pub use names::{NameRule, read_named};
pub use parquet_images::{ParquetRow, read_parquet};

/// Options every importer shares.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub out: PathBuf,
    /// Dataset name; defaults to the output directory's name.
    pub name: Option<String>,
    pub source: Source,
    /// Multi-split inputs: import only this split. Single-split inputs: the split's name.
    pub split: Option<String>,
    pub size: Option<(u32, u32)>,
    /// How images of another aspect ratio than `size` are fitted to it.
    pub fit: Fit,
    pub channels: Option<u8>,
    pub classes: Option<ClassMap>,
    /// Import without the input files that cannot be used (each image decoded once more
    /// up front to find the unreadable ones), listing them in the recipe, instead of failing.
    pub skip_bad: bool,
    pub mode: WriteMode,
    /// The command line, recorded in the manifest's recipe.
    pub command: String,
}

/// One image as read from the input, before conversion.
#[derive(Debug, Clone)]
pub enum InputPixels {
    /// Raw pixels (`channels` bytes per pixel), as IDX and CIFAR store them.
    Raw {
        width: u32,
        height: u32,
        channels: u8,
        data: Vec<u8>,
    },
    /// An encoded image (PNG, JPEG) to decode.
    Encoded(Vec<u8>),
    /// An encoded image file, read only when its rows are converted: an image folder is never
    /// held in memory whole.
    File(PathBuf),
    /// An encoded image in a Parquet input, likewise read when its rows are converted.
    Parquet(parquet_images::ParquetRow),
}

#[derive(Debug, Clone)]
pub struct InputImage {
    pub pixels: InputPixels,
    /// Index into the input's class names.
    pub label: u32,
    /// Where it came from (file, index), kept in `meta` and in error messages.
    pub origin: String,
}

#[derive(Debug, Clone)]
pub struct InputSplit {
    pub name: String,
    pub images: Vec<InputImage>,
}

/// What an importer read: class names and splits.
#[derive(Debug, Clone, Default)]
pub struct Input {
    pub classes: Vec<String>,
    pub splits: Vec<InputSplit>,
    /// Recorded in the recipe: the input files or directory.
    pub from: String,
    /// Input files left out of `splits` because they cannot be imported.
    pub problems: Vec<Problem>,
}

/// An input file that cannot be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file, as the input names it (relative to the input's root).
    pub file: String,
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.file, self.reason)
    }
}

/// Problems named in full in an error; the rest are counted.
const PROBLEMS_NAMED: usize = 3;

/// Fails naming the first few `problems` of the input at `origin`, unless `skip` allows them.
fn refuse_problems(problems: &[Problem], skip: bool, origin: &Path) -> Result<()> {
    if problems.is_empty() || skip {
        return Ok(());
    }
    let named: Vec<String> = problems
        .iter()
        .take(PROBLEMS_NAMED)
        .map(Problem::to_string)
        .collect();
    let more = match problems.len().saturating_sub(PROBLEMS_NAMED) {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    Err(Error::setting(
        "skip_bad",
        format!(
            "{}: {} input file(s) cannot be imported: {}{more}; fix them, or import without them with this option",
            origin.display(),
            problems.len(),
            named.join(", ")
        ),
    ))
}

/// Decodes every encoded image once and moves the unreadable ones from the splits to the
/// problems: what skipping bad files costs, so only done when asked.
fn drop_unreadable(input: &mut Input) {
    for split in &mut input.splits {
        let readable: Vec<std::result::Result<(), String>> = split
            .images
            .par_iter()
            .map(|image| match image.pixels {
                InputPixels::Raw { .. } => Ok(()),
                _ => decode(&image.pixels).map(drop),
            })
            .collect();
        let images = std::mem::take(&mut split.images);
        for (image, readable) in images.into_iter().zip(readable) {
            match readable {
                Ok(()) => split.images.push(image),
                Err(reason) => input.problems.push(Problem {
                    file: image.origin,
                    reason,
                }),
            }
        }
    }
}

impl Input {
    /// Applies the split option: keeps the named split of a multi-split input, or names the only one.
    fn select_split(mut self, split: Option<&str>, from: &Path) -> Result<Input> {
        let Some(wanted) = split else { return Ok(self) };
        if self.splits.len() == 1
            && !self.splits.iter().any(|s| s.name == wanted)
            && self.splits[0].name == "train"
        {
            self.splits[0].name = wanted.to_string();
            return Ok(self);
        }
        let have: Vec<String> = self.splits.iter().map(|s| s.name.clone()).collect();
        self.splits.retain(|s| s.name == wanted);
        if self.splits.is_empty() {
            return Err(Error::setting(
                "split",
                format!(
                    "{} has no split '{wanted}' (it has: {})",
                    from.display(),
                    have.join(", ")
                ),
            ));
        }
        Ok(self)
    }
}

/// Rows converted and encoded at a time: the import holds at most two such chunks of PNGs
/// (one being written while the next is encoded), whatever the size of the input.
const ROWS_PER_CHUNK: usize = 4 * ROWS_PER_ROW_GROUP;

/// Converts and writes an importer's input as a synmix dataset; returns the manifest.
///
/// Labels are checked before anything is written; images are converted shard by shard, so a
/// bad image is found while writing, and the writer then removes everything it created.
pub fn write_dataset(input: Input, options: &ImportOptions, origin: &Path) -> Result<Manifest> {
    let mut input = input.select_split(options.split.as_deref(), origin)?;
    refuse_problems(&input.problems, options.skip_bad, origin)?;
    if options.skip_bad {
        drop_unreadable(&mut input);
    }
    let (classes, relabel) = match &options.classes {
        Some(map) => map.apply(&input.classes)?,
        None => (
            input.classes.clone(),
            (0..input.classes.len() as u32).map(Some).collect(),
        ),
    };
    let spec = output_spec(&input, options, origin)?;
    // Per split, the (input index, output label) of every image the class option keeps.
    let mut kept: Vec<Vec<(usize, u32)>> = Vec::new();
    for split in &input.splits {
        let mut rows = Vec::new();
        for (index, image) in split.images.iter().enumerate() {
            let label = relabel.get(image.label as usize).copied().ok_or_else(|| {
                Error::setting(
                    "classes",
                    format!(
                        "{}: {}: label {} is outside the {} classes of the input; name every class",
                        origin.display(),
                        image.origin,
                        image.label,
                        input.classes.len()
                    ),
                )
            })?;
            rows.extend(label.map(|label| (index, label)));
        }
        if rows.is_empty() {
            return Err(Error::invalid(
                origin,
                format!("split '{}' has no images to import", split.name),
            ));
        }
        kept.push(rows);
    }

    let name = options.name.clone().unwrap_or_else(|| {
        options
            .out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "dataset".into())
    });
    let info = DatasetInfo {
        name: name.clone(),
        classes,
        image: spec,
        source: options.source.as_str().to_string(),
        recipe: Recipe {
            command: options.command.clone(),
            seed: None,
            config: recipe_config(&input, options, spec),
        },
    };
    let plans: Vec<SplitPlan> = input
        .splits
        .iter()
        .zip(&kept)
        .map(|(split, rows)| SplitPlan {
            name: split.name.clone(),
            rows: rows.len() as u64,
        })
        .collect();
    let writer = DatasetWriter::create(&options.out, info, &plans, options.mode)?;
    let rows = Rows {
        input: &input,
        kept: &kept,
        spec,
        fit: options.fit,
        origin,
    };
    match write_rows(&writer, &rows, options.source, &name) {
        Ok(()) => writer.finish(Vec::new(), None),
        Err(e) => {
            writer.abort();
            Err(e)
        }
    }
}

/// What the recipe records of an import: the input, the output layout and the files skipped.
fn recipe_config(input: &Input, options: &ImportOptions, spec: ImageSpec) -> serde_json::Value {
    let mut config = serde_json::json!({
        "from": input.from,
        "size": [spec.width, spec.height],
        "channels": spec.channels,
    });
    if options.fit != Fit::Stretch {
        config["fit"] = options.fit.as_str().into();
    }
    if !input.problems.is_empty() {
        config["skipped"] = input
            .problems
            .iter()
            .map(Problem::to_string)
            .collect::<Vec<_>>()
            .into();
    }
    config
}

/// The images to import, converted on demand.
struct Rows<'a> {
    input: &'a Input,
    kept: &'a [Vec<(usize, u32)>],
    spec: ImageSpec,
    fit: Fit,
    origin: &'a Path,
}

struct EncodedRow {
    png: Vec<u8>,
    label: u32,
    origin: String,
}

impl Rows<'_> {
    /// Converts and PNG-encodes output rows `range` of `split`, in parallel.
    fn encode(&self, split: &str, range: Range<u64>) -> Result<Vec<EncodedRow>> {
        let at = self
            .input
            .splits
            .iter()
            .position(|s| s.name == split)
            .expect("slot of a planned split");
        let images = &self.input.splits[at].images;
        self.kept[at][range.start as usize..range.end as usize]
            .par_iter()
            .map(|&(index, label)| {
                let image = &images[index];
                let pixels = convert(&image.pixels, self.spec, self.fit)
                    .map_err(|e| Error::invalid(self.origin, format!("{}: {e}", image.origin)))?;
                let mut png = Vec::new();
                crate::png::encode_into(&mut png, &pixels, self.spec)
                    .map_err(|e| Error::invalid(self.origin, e))?;
                Ok(EncodedRow {
                    png,
                    label,
                    origin: image.origin.clone(),
                })
            })
            .collect()
    }
}

/// Writes every shard not already done, chunk by chunk: chunk k+1 is encoded (rayon) while
/// chunk k is written.
fn write_rows(writer: &DatasetWriter, rows: &Rows, source: Source, name: &str) -> Result<()> {
    let mut uid = String::new();
    let mut meta = String::new();
    for (index, slot) in writer.slots().iter().enumerate() {
        if slot.done {
            continue;
        }
        let mut shard = writer.shard(index)?;
        let chunks: Vec<Range<u64>> = (slot.rows.start..slot.rows.end)
            .step_by(ROWS_PER_CHUNK)
            .map(|start| start..(start + ROWS_PER_CHUNK as u64).min(slot.rows.end))
            .collect();
        let mut encoded = rows.encode(&slot.split, chunks[0].clone())?;
        for (k, chunk) in chunks.iter().enumerate() {
            let next = chunks.get(k + 1).cloned();
            let (written, next) = rayon::join(
                || -> Result<()> {
                    for (i, row) in chunk.clone().zip(&encoded) {
                        uid.clear();
                        meta.clear();
                        use std::fmt::Write;
                        let _ = write!(uid, "{name}/{}/{i}", slot.split);
                        meta.push_str(&serde_json::json!({ "origin": row.origin }).to_string());
                        shard.push(Row {
                            png: &row.png,
                            label: row.label as i64,
                            source,
                            uid: &uid,
                            meta: &meta,
                        })?;
                    }
                    Ok(())
                },
                || next.map(|range| rows.encode(&slot.split, range)),
            );
            written?;
            if let Some(next) = next {
                encoded = next?;
            }
        }
        shard.finish()?;
    }
    Ok(())
}

/// The output image layout: the size and channels options, else what the input has (which must then
/// be the same for every image).
fn output_spec(input: &Input, options: &ImportOptions, origin: &Path) -> Result<ImageSpec> {
    let first = input
        .splits
        .iter()
        .flat_map(|s| s.images.first())
        .next()
        .ok_or_else(|| Error::invalid(origin, "holds no images"))?;
    let (width, height, channels) = match (&first.pixels, options.size, options.channels) {
        (_, Some((w, h)), Some(c)) => (w, h, c),
        (
            InputPixels::Raw {
                width,
                height,
                channels,
                ..
            },
            size,
            c,
        ) => {
            let (w, h) = size.unwrap_or((*width, *height));
            (w, h, c.unwrap_or(*channels))
        }
        (InputPixels::Encoded(_) | InputPixels::File(_) | InputPixels::Parquet(_), size, c) => {
            let image = decode(&first.pixels)
                .map_err(|e| Error::invalid(origin, format!("{}: {e}", first.origin)))?;
            let (w, h) = size.unwrap_or((image.width(), image.height()));
            let native = if image.color().has_color() { 3 } else { 1 };
            (w, h, c.unwrap_or(native))
        }
    };
    let channels =
        ImageSpec::check_channels(channels).map_err(|e| Error::setting("channels", e))?;
    Ok(ImageSpec {
        width,
        height,
        channels,
    })
}

/// Decodes one image, fits it to `spec`'s size and converts its colour (grey, grey with
/// alpha, palette, RGB and RGBA all become `spec`'s grey or RGB; alpha is dropped).
fn convert(
    pixels: &InputPixels,
    spec: ImageSpec,
    fit: Fit,
) -> std::result::Result<Vec<u8>, String> {
    let image = fit.apply(decode(pixels)?, spec.width, spec.height);
    Ok(match spec.channels {
        1 => image.into_luma8().into_raw(),
        _ => image.into_rgb8().into_raw(),
    })
}

/// The image of an input's pixels: raw ones wrapped, encoded ones (read from their file if
/// need be) decoded.
fn decode(pixels: &InputPixels) -> std::result::Result<DynamicImage, String> {
    let load = |bytes: &[u8]| {
        image::load_from_memory(bytes).map_err(|e| format!("unreadable image ({e})"))
    };
    Ok(match pixels {
        InputPixels::Raw {
            width,
            height,
            channels: 1,
            data,
        } => DynamicImage::ImageLuma8(
            GrayImage::from_raw(*width, *height, data.clone()).ok_or("truncated pixel data")?,
        ),
        InputPixels::Raw {
            width,
            height,
            data,
            ..
        } => DynamicImage::ImageRgb8(
            RgbImage::from_raw(*width, *height, data.clone()).ok_or("truncated pixel data")?,
        ),
        InputPixels::Encoded(bytes) => load(bytes)?,
        InputPixels::File(path) => {
            load(&std::fs::read(path).map_err(|e| format!("cannot read ({e})"))?)?
        }
        InputPixels::Parquet(row) => row.with_bytes(load)?,
    })
}

/// Reads a whole file, naming it in the error.
fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reader::Dataset;

    /// `n` 2×2 grey images whose pixels are their index (mod 256), labels alternating.
    fn input(n: usize) -> Input {
        let images = (0..n)
            .map(|i| InputImage {
                pixels: InputPixels::Raw {
                    width: 2,
                    height: 2,
                    channels: 1,
                    data: vec![(i % 256) as u8; 4],
                },
                label: (i % 2) as u32,
                origin: format!("#{i}"),
            })
            .collect();
        Input {
            classes: vec!["a".into(), "b".into()],
            splits: vec![InputSplit {
                name: "train".into(),
                images,
            }],
            from: "test".into(),
            problems: Vec::new(),
        }
    }

    fn options(out: &Path) -> ImportOptions {
        ImportOptions {
            out: out.to_path_buf(),
            name: None,
            source: Source::Real,
            split: None,
            size: None,
            fit: Fit::Stretch,
            channels: None,
            classes: None,
            skip_bad: false,
            mode: WriteMode::Fresh,
            command: "test".into(),
        }
    }

    #[test]
    fn rows_of_many_chunks_are_written_in_input_order() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let n = 2 * ROWS_PER_CHUNK + 7;
        write_dataset(input(n), &options(&out), Path::new("in")).unwrap();
        let decoded = Dataset::open(&out).unwrap().decode_split("train").unwrap();
        assert_eq!(decoded.len(), n);
        for i in [0, ROWS_PER_CHUNK - 1, ROWS_PER_CHUNK, n - 1] {
            assert_eq!(decoded.image_pixels(i), [(i % 256) as u8; 4]);
            assert_eq!(decoded.labels[i], (i % 2) as u32);
            assert_eq!(decoded.uids[i], format!("out/train/{i}"));
        }
    }

    #[test]
    fn a_bad_image_after_written_chunks_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let mut input = input(2 * ROWS_PER_CHUNK + 7);
        let bad = ROWS_PER_CHUNK + 3;
        input.splits[0].images[bad].pixels = InputPixels::Encoded(b"not a png".to_vec());
        let err = write_dataset(input, &options(&out), Path::new("in"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("#{bad}")) && err.contains("unreadable image"),
            "{err}"
        );
        assert!(!out.exists());
    }
}
