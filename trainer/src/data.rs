//! A dataset split's images for training and scoring: decoded once into memory when the split
//! fits the memory budget, else read and decoded from the shards as the batches need them.
//!
//! Pixels are held as `u8`, image after image in CHW order — the layout the models take — a
//! quarter of the memory of `f32`; a batch is one gather of contiguous image slices, converted
//! to `f32` in `[0, 1]` on the way into one buffer, and a single tensor upload. A streamed split
//! is decoded a window of an epoch's order at a time by a thread that stays one window ahead of
//! the steps ([`Loader`]), so the row order, and with it every result, is the same either way.

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError, sync_channel};
use std::time::{Duration, Instant};

use burn::prelude::*;
use datasets::gather::{RowGroups, RowRef};
use datasets::{Columns, Dataset, DecodedSplit, ImageSpec, KeyColumns, Manifest, Source};
use rayon::Yield;

use crate::{Error, Result};

/// The shape every image of a store has, plus the number of classes of its labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InputShape {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    pub classes: usize,
}

impl InputShape {
    pub const fn new(channels: usize, height: usize, width: usize, classes: usize) -> Self {
        InputShape {
            channels,
            height,
            width,
            classes,
        }
    }

    pub fn pixels(&self) -> usize {
        self.channels * self.height * self.width
    }

    /// `W×H×C`, as messages show it.
    pub fn describe(&self) -> String {
        format!("{}×{}×{}", self.width, self.height, self.channels)
    }
}

/// Images (`u8`, CHW), labels and sources of one split, in the split's row order.
#[derive(Debug, Clone)]
pub struct ImageStore {
    pub shape: InputShape,
    pixels: Pixels,
    pub labels: Vec<u32>,
    pub sources: Vec<Source>,
}

#[derive(Debug, Clone)]
enum Pixels {
    /// Every image, decoded once.
    Decoded(Vec<u8>),
    /// Decoded from the shards as batches need them.
    Streamed(Arc<ShardRows>),
}

/// Where each row of a streamed split lies, and how many bytes of decoded images to hold.
struct ShardRows {
    spec: ImageSpec,
    groups: RowGroups,
    /// Per row: (row group, row within it).
    at: Vec<RowRef>,
    budget: u64,
}

impl std::fmt::Debug for ShardRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ShardRows({} rows in {} row groups)",
            self.at.len(),
            self.groups.len()
        )
    }
}

impl ShardRows {
    /// Rows per window of a [`Loader`]: whole batches, at most a third of the budget each (one
    /// being decoded, one waiting, one being trained on), and at least one batch.
    fn window_rows(&self, batch_size: usize) -> usize {
        let per_image = self.spec.pixels_per_image() as u64;
        let rows = (self.budget / 3 / per_image) as usize;
        (rows / batch_size).max(1) * batch_size
    }

    /// The images of `rows`, `u8` CHW one after another: every row group they lie in read once,
    /// the row groups in parallel ([`RowGroups::gather`]).
    fn decode(&self, rows: &[usize]) -> Result<Vec<u8>> {
        let per_image = self.spec.pixels_per_image();
        let wanted: Vec<RowRef> = rows.iter().map(|&row| self.at[row]).collect();
        let gathered = self.groups.gather(&[&wanted], |group, batch, within| {
            let png = Columns::of(&batch).png;
            let mut images = vec![0; within.len() * per_image];
            let mut scratch = Vec::new();
            for (image, &row) in images.chunks_exact_mut(per_image).zip(within) {
                datasets::png::decode_into(image, png.value(row), self.spec).map_err(|e| {
                    let (shard, index) = self.groups.get(group);
                    Error::file(shard.path(), format!("row {row} of row group {index}: {e}"))
                })?;
                hwc_to_chw(image, self.spec.channels as usize, &mut scratch);
            }
            Ok::<_, Error>(images)
        })?;
        let mut out = Vec::with_capacity(rows.len() * per_image);
        for &(part, place) in &gathered.lists[0] {
            out.extend_from_slice(&gathered.parts[part][place * per_image..][..per_image]);
        }
        Ok(out)
    }
}

/// Reorders one image's HWC bytes to CHW in place (`scratch`: room for the copy).
fn hwc_to_chw(image: &mut [u8], channels: usize, scratch: &mut Vec<u8>) {
    if channels == 1 {
        return;
    }
    scratch.clear();
    scratch.extend_from_slice(image);
    let hw = image.len() / channels;
    for (p, px) in scratch.chunks_exact(channels).enumerate() {
        for (ch, &v) in px.iter().enumerate() {
            image[ch * hw + p] = v;
        }
    }
}

impl ImageStore {
    /// Builds a store from row-major HWC `u8` pixels (the datasets crate's decoded layout).
    pub fn from_hwc(
        shape: InputShape,
        hwc: &[u8],
        labels: Vec<u32>,
        sources: Vec<Source>,
    ) -> Result<Self> {
        Self::from_hwc_owned(shape, hwc.to_vec(), labels, sources)
    }

    /// [`ImageStore::from_hwc`] reordering `pixels` to CHW in place, so a decoded split is never
    /// in memory twice.
    fn from_hwc_owned(
        shape: InputShape,
        mut pixels: Vec<u8>,
        labels: Vec<u32>,
        sources: Vec<Source>,
    ) -> Result<Self> {
        let per_image = shape.pixels();
        if pixels.len() != labels.len() * per_image || sources.len() != labels.len() {
            return Err(Error::invalid(format!(
                "decoded split is inconsistent: {} pixel bytes, {} labels, {} sources for {} images",
                pixels.len(),
                labels.len(),
                sources.len(),
                shape.describe()
            )));
        }
        check_labels(shape, &labels)?;
        let mut scratch = Vec::new();
        for image in pixels.chunks_exact_mut(per_image) {
            hwc_to_chw(image, shape.channels, &mut scratch);
        }
        Ok(ImageStore {
            shape,
            pixels: Pixels::Decoded(pixels),
            labels,
            sources,
        })
    }

    pub fn from_decoded(split: DecodedSplit, classes: usize) -> Result<Self> {
        let shape = InputShape {
            channels: split.image.channels as usize,
            height: split.image.height as usize,
            width: split.image.width as usize,
            classes,
        };
        Self::from_hwc_owned(shape, split.pixels, split.labels, split.sources)
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    pub fn count(&self, source: Source) -> usize {
        self.sources.iter().filter(|&&s| s == source).count()
    }

    /// The images of `rows` as one `[rows, C, H, W]` tensor (a streamed store decodes them here).
    pub fn images(&self, rows: &[usize], device: &Device) -> Result<Tensor<4>> {
        let per_image = self.shape.pixels();
        let mut buffer = Vec::with_capacity(rows.len() * per_image);
        match &self.pixels {
            Pixels::Decoded(pixels) => {
                for &row in rows {
                    let image = &pixels[row * per_image..(row + 1) * per_image];
                    extend_scaled(&mut buffer, image);
                }
            }
            Pixels::Streamed(shards) => {
                extend_scaled(&mut buffer, &shards.decode(rows)?);
            }
        }
        Ok(self.tensor(buffer, rows.len(), device))
    }

    fn tensor(&self, buffer: Vec<f32>, rows: usize, device: &Device) -> Tensor<4> {
        let InputShape {
            channels,
            height,
            width,
            ..
        } = self.shape;
        Tensor::from_data(
            TensorData::new(buffer, [rows, channels, height, width]),
            device,
        )
    }

    /// The batches of one epoch, `order` in chunks of `batch_size`.
    pub fn loader(&self, order: &[usize], batch_size: usize) -> Loader<'_> {
        let ahead = match &self.pixels {
            Pixels::Decoded(_) => None,
            Pixels::Streamed(shards) => {
                let (send, receive) = sync_channel(1);
                let shards = shards.clone();
                let order = order.to_vec();
                std::thread::spawn(move || {
                    for window in order.chunks(shards.window_rows(batch_size)) {
                        // A closed channel: the epoch ended early (an interrupt or an error).
                        if send.send(shards.decode(window)).is_err() {
                            return;
                        }
                    }
                });
                Some(receive)
            }
        };
        Loader {
            store: self,
            ahead,
            window: Vec::new(),
            next: 0,
            waited: Duration::ZERO,
        }
    }

    /// The labels of `rows` as a `[rows]` integer tensor.
    pub fn targets(&self, rows: &[usize], device: &Device) -> Tensor<1, Int> {
        let labels: Vec<i64> = rows.iter().map(|&r| self.labels[r] as i64).collect();
        Tensor::from_data(TensorData::new(labels, [rows.len()]), device)
    }
}

/// The decoder's next window. The training loop runs on one of rayon's threads
/// ([`on_pool_thread`](crate::train::on_pool_thread)) and the decoder hands its row groups to the
/// same pool, so a loop that blocked here could hold the very thread the decoder waits for (with
/// a pool of one thread, forever): while it waits, the loop's thread runs the pool's pending work.
fn next_window(ahead: &Receiver<Result<Vec<u8>>>) -> Result<Vec<u8>> {
    let stopped = || Error::invalid("the image decoder stopped");
    loop {
        match ahead.try_recv() {
            Ok(window) => return window,
            Err(TryRecvError::Disconnected) => return Err(stopped()),
            Err(TryRecvError::Empty) => {}
        }
        if rayon::yield_now() != Some(Yield::Executed) {
            // No work to help with: the decoder is reading or decoding on other threads.
            match ahead.recv_timeout(Duration::from_micros(200)) {
                Ok(window) => return window,
                Err(RecvTimeoutError::Disconnected) => return Err(stopped()),
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
    }
}

/// The batches of one epoch ([`ImageStore::loader`]): gathered from memory, or taken from the
/// windows a thread decodes one ahead.
pub struct Loader<'a> {
    store: &'a ImageStore,
    ahead: Option<Receiver<Result<Vec<u8>>>>,
    /// The current window's images, and the next image in it.
    window: Vec<u8>,
    next: usize,
    /// How long the steps waited for the decoder.
    pub waited: Duration,
}

impl Loader<'_> {
    /// The images of `rows`, the next batch of the order the loader was made with.
    pub fn images(&mut self, rows: &[usize], device: &Device) -> Result<Tensor<4>> {
        let Some(ahead) = &self.ahead else {
            return self.store.images(rows, device);
        };
        let per_image = self.store.shape.pixels();
        if self.next * per_image >= self.window.len() {
            let began = Instant::now();
            self.window = next_window(ahead)?;
            self.waited += began.elapsed();
            self.next = 0;
        }
        let images = &self.window[self.next * per_image..(self.next + rows.len()) * per_image];
        self.next += rows.len();
        let mut buffer = Vec::with_capacity(images.len());
        extend_scaled(&mut buffer, images);
        Ok(self.store.tensor(buffer, rows.len(), device))
    }
}

/// Appends `pixels` scaled from bytes to [0, 1], what the models take.
fn extend_scaled(buffer: &mut Vec<f32>, pixels: &[u8]) {
    buffer.extend(pixels.iter().map(|&v| v as f32 / 255.0));
}

fn check_labels(shape: InputShape, labels: &[u32]) -> Result<()> {
    match labels.iter().find(|&&l| l as usize >= shape.classes) {
        Some(&bad) => Err(Error::invalid(format!(
            "label {bad} is outside the {} classes",
            shape.classes
        ))),
        None => Ok(()),
    }
}

/// One split of a dataset on disk, decoded, with the manifest it came with.
pub struct LoadedSplit {
    pub manifest: Manifest,
    pub store: ImageStore,
}

/// Opens the dataset at `dir` and loads its split `split`: decoded into memory if its images fit
/// in `budget` bytes, else streamed from the shards.
pub fn load_split(dir: &Path, split: &str, budget: u64) -> Result<LoadedSplit> {
    let dataset = Dataset::open(dir)?;
    let classes = dataset.manifest.classes.len();
    let spec = dataset.manifest.image;
    let rows = dataset.split(split)?.rows;
    let in_split = |e: Error| Error::file(dir, format!("split '{split}': {e}"));
    let store = if rows * spec.pixels_per_image() as u64 <= budget {
        let decoded = dataset.decode_split(split)?;
        ImageStore::from_decoded(decoded, classes).map_err(in_split)?
    } else {
        streamed(&dataset, split, budget).map_err(in_split)?
    };
    Ok(LoadedSplit {
        manifest: dataset.manifest,
        store,
    })
}

/// A streamed store: the key columns of every row group read now, the images when needed.
fn streamed(dataset: &Dataset, split: &str, budget: u64) -> Result<ImageStore> {
    let spec = dataset.manifest.image;
    let shape = InputShape {
        channels: spec.channels as usize,
        height: spec.height as usize,
        width: spec.width as usize,
        classes: dataset.manifest.classes.len(),
    };
    let mut groups = RowGroups::new();
    let (mut at, mut labels, mut sources) = (Vec::new(), Vec::new(), Vec::new());
    groups.add_split(dataset, dataset.split(split)?, |group, shard, keys| {
        let columns = KeyColumns::of(keys);
        for within in 0..keys.num_rows() {
            at.push((group, within));
            labels.push(u32::try_from(columns.labels.value(within)).unwrap_or(u32::MAX));
            let source = columns
                .sources
                .value(within)
                .parse()
                .map_err(|e: String| Error::file(shard.path(), e))?;
            sources.push(source);
        }
        Ok::<_, Error>(())
    })?;
    check_labels(shape, &labels)?;
    let rows = ShardRows {
        spec,
        groups,
        at,
        budget,
    };
    Ok(ImageStore {
        shape,
        pixels: Pixels::Streamed(Arc::new(rows)),
        labels,
        sources,
    })
}

/// A separable toy task for tests: `side`×`side` grey images, class 0 with horizontal stripes,
/// class 1 with vertical ones (the same in every patch, so even a position-blind model can tell),
/// with noise.
#[cfg(test)]
pub(crate) fn toy_task(n: usize, side: usize, seed: u64) -> (InputShape, Vec<u8>, Vec<u32>) {
    let mut rng = datasets::rng::SplitMix64::keyed(&[seed]);
    let labels: Vec<u32> = (0..n).map(|i| (i % 2) as u32).collect();
    let mut pixels = Vec::with_capacity(n * side * side);
    for &label in &labels {
        for y in 0..side {
            for x in 0..side {
                let bright = if label == 0 { y % 2 == 0 } else { x % 2 == 0 };
                pixels.push(if bright { 160 } else { 40 } + (rng.next_u64() % 60) as u8);
            }
        }
    }
    (InputShape::new(1, side, side, 2), pixels, labels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datasets::{DatasetInfo, DatasetWriter, Recipe, Row, SplitPlan, WriteMode};

    /// An RGB (2×1) split of 1,300 rows in two shards, so several row groups: each
    /// pixel byte is a function of its row.
    fn rgb_split(dir: &Path) {
        let spec = ImageSpec {
            width: 2,
            height: 1,
            channels: 3,
        };
        let info = DatasetInfo {
            name: "rgb".into(),
            classes: vec!["a".into(), "b".into()],
            image: spec,
            source: "real".into(),
            recipe: Recipe {
                command: "test".into(),
                seed: None,
                config: serde_json::Value::Null,
            },
        };
        let plan = [SplitPlan {
            name: "train".into(),
            rows: 1300,
        }];
        let writer =
            DatasetWriter::with_rows_per_shard(dir, info, &plan, WriteMode::Fresh, 700).unwrap();
        for slot in 0..writer.slots().len() {
            let mut shard = writer.shard(slot).unwrap();
            for row in shard.slot().rows.clone() {
                let pixels: Vec<u8> = (0..6).map(|c| (row * 7 + c) as u8).collect();
                let mut png = Vec::new();
                datasets::png::encode_into(&mut png, &pixels, spec).unwrap();
                let uid = row.to_string();
                shard
                    .push(Row {
                        png: &png,
                        label: (row % 2) as i64,
                        source: Source::Real,
                        uid: &uid,
                        meta: "",
                    })
                    .unwrap();
            }
            shard.finish().unwrap();
        }
        writer.finish(Vec::new(), None).unwrap();
    }

    #[test]
    fn a_split_larger_than_the_budget_streams_the_same_batches() {
        let dir = tempfile::tempdir().unwrap();
        rgb_split(dir.path());
        let decoded = load_split(dir.path(), "train", u64::MAX).unwrap().store;
        // One byte: every window of the loader is a single batch.
        let streamed = load_split(dir.path(), "train", 1).unwrap().store;
        assert!(matches!(decoded.pixels, Pixels::Decoded(_)));
        assert!(matches!(streamed.pixels, Pixels::Streamed(_)));
        assert_eq!(decoded.labels, streamed.labels);
        assert_eq!(decoded.sources, streamed.sources);

        let device = Device::flex();
        let all: Vec<usize> = (0..decoded.len()).collect();
        let order = crate::train::epoch_order(3, 0, 1, &all);
        let (mut from_memory, mut from_shards) =
            (decoded.loader(&order, 64), streamed.loader(&order, 64));
        for rows in order.chunks(64) {
            let a = from_memory.images(rows, &device).unwrap().into_data();
            let b = from_shards.images(rows, &device).unwrap().into_data();
            assert_eq!(
                a.try_to_vec::<f32>().unwrap(),
                b.try_to_vec::<f32>().unwrap()
            );
        }
        let rows = [1299, 0, 700, 5];
        assert_eq!(
            decoded
                .images(&rows, &device)
                .unwrap()
                .into_data()
                .try_to_vec::<f32>()
                .unwrap(),
            streamed
                .images(&rows, &device)
                .unwrap()
                .into_data()
                .try_to_vec::<f32>()
                .unwrap()
        );
    }

    #[test]
    fn hwc_bytes_become_chw_floats_and_batches_gather_rows() {
        let shape = InputShape::new(3, 1, 2, 2);
        // Two images of 2 pixels × RGB.
        let hwc = [0, 51, 102, 153, 204, 255, 255, 255, 255, 0, 0, 0];
        let store = ImageStore::from_hwc(
            shape,
            &hwc,
            vec![1, 0],
            vec![Source::Real, Source::Synthetic],
        )
        .unwrap();
        let device = Device::flex();
        let batch = store
            .images(&[1, 0], &device)
            .unwrap()
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        assert_eq!(
            batch,
            vec![1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.6, 0.2, 0.8, 0.4, 1.0]
        );
        assert_eq!(
            store
                .targets(&[1, 0], &device)
                .into_data()
                .iter::<i64>()
                .collect::<Vec<_>>(),
            vec![0, 1]
        );
        assert_eq!(store.count(Source::Synthetic), 1);
    }

    #[test]
    fn labels_outside_the_classes_are_rejected() {
        let shape = InputShape::new(1, 1, 1, 2);
        let err = ImageStore::from_hwc(shape, &[0], vec![2], vec![Source::Real]).unwrap_err();
        assert!(err.to_string().contains("outside the 2 classes"), "{err}");
    }
}
