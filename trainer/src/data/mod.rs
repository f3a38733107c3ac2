//! A dataset split's images for training and scoring: decoded once into memory when the split
//! fits the memory budget, else read and decoded from the shards as the batches need them.
//!
//! Pixels are held as `u8` in CHW order, a quarter of the memory of `f32` ([`ImageStore`]). A
//! streamed split is decoded a window of an epoch's order at a time by a thread that stays one window ahead of
//! the steps ([`Loader`]), so the row order, and with it every result, is the same either way.
//!
//! By job: `store` (the images and labels of a split, and the batches gathered from them),
//! `stream` (a split read from its shards a window at a time) and `loader` (an epoch's batches,
//! decoded one window ahead for a streamed split).

mod loader;
mod store;
mod stream;

use datasets::{Dataset, Location, Manifest};

use crate::{Error, Result};

pub use loader::Loader;
#[cfg(test)]
pub(crate) use store::toy_task;
pub use store::{ImageStore, InputShape};

/// One split of a dataset on disk, decoded, with the manifest it came with.
pub struct LoadedSplit {
    pub manifest: Manifest,
    pub store: ImageStore,
}

/// Opens the dataset at `dir` and loads its split `split`: decoded into memory if its images fit
/// in `budget` bytes, else streamed from the shards.
pub fn load_split(dir: impl Into<Location>, split: &str, budget: u64) -> Result<LoadedSplit> {
    let dir = dir.into();
    let dataset = Dataset::open(&dir)?;
    let classes = dataset.manifest.classes.len();
    let spec = dataset.manifest.image;
    let rows = dataset.split(split)?.rows;
    let in_split = |e: Error| Error::file(dir.shown(), format!("split '{split}': {e}"));
    let store = if rows * spec.pixels_per_image() as u64 <= budget {
        let decoded = dataset.decode_split(split)?;
        ImageStore::from_decoded(decoded, classes).map_err(in_split)?
    } else {
        ImageStore::streamed(&dataset, split, budget).map_err(in_split)?
    };
    Ok(LoadedSplit {
        manifest: dataset.manifest,
        store,
    })
}

#[cfg(test)]
mod tests {
    use super::store::Pixels;
    use super::*;
    use burn::prelude::*;
    use datasets::{
        DatasetInfo, DatasetWriter, ImageSpec, Recipe, Row, Source, SplitPlan, WriteMode,
    };
    use std::path::Path;

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
}
