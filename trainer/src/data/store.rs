//! A split's images in memory as `u8`, image after image in CHW order — the layout the models
//! take, a quarter of the memory of `f32` — with its labels and sources; a batch is one gather
//! of contiguous image slices, converted to `f32` in `[0, 1]` on the way into one buffer, and a
//! single tensor upload. A streamed split (`stream`) keeps only the labels and
//! sources here and decodes the images as batches need them.

use std::sync::Arc;

use burn::prelude::*;
use datasets::{Dataset, DecodedSplit, Source};

use super::stream::{ShardRows, hwc_to_chw};
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
    pub(super) pixels: Pixels,
    pub labels: Vec<u32>,
    pub sources: Vec<Source>,
}

/// Where a store's images are.
#[derive(Debug, Clone)]
pub(super) enum Pixels {
    /// Every image, decoded once.
    Decoded(Vec<u8>),
    /// Decoded from the shards as batches need them.
    Streamed(Arc<ShardRows>),
}

impl ImageStore {
    /// A streamed store: the key columns of every row group read now, the images when needed.
    pub(super) fn streamed(dataset: &Dataset, split: &str, budget: u64) -> Result<ImageStore> {
        let spec = dataset.manifest.image;
        let shape = InputShape {
            channels: spec.channels as usize,
            height: spec.height as usize,
            width: spec.width as usize,
            classes: dataset.manifest.classes.len(),
        };
        let (rows, labels, sources) = ShardRows::open(dataset, split, budget)?;
        check_labels(shape, &labels)?;
        Ok(ImageStore {
            shape,
            pixels: Pixels::Streamed(Arc::new(rows)),
            labels,
            sources,
        })
    }

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

    pub(super) fn tensor(&self, buffer: Vec<f32>, rows: usize, device: &Device) -> Tensor<4> {
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

    /// The labels of `rows` as a `[rows]` integer tensor.
    pub fn targets(&self, rows: &[usize], device: &Device) -> Tensor<1, Int> {
        let labels: Vec<i64> = rows.iter().map(|&r| self.labels[r] as i64).collect();
        Tensor::from_data(TensorData::new(labels, [rows.len()]), device)
    }
}

/// Appends `pixels` scaled from bytes to [0, 1], what the models take.
pub(super) fn extend_scaled(buffer: &mut Vec<f32>, pixels: &[u8]) {
    buffer.extend(pixels.iter().map(|&v| v as f32 / 255.0));
}

pub(super) fn check_labels(shape: InputShape, labels: &[u32]) -> Result<()> {
    match labels.iter().find(|&&l| l as usize >= shape.classes) {
        Some(&bad) => Err(Error::invalid(format!(
            "label {bad} is outside the {} classes",
            shape.classes
        ))),
        None => Ok(()),
    }
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
