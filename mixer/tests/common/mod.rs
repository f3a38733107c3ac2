//! Small synmix datasets for the mixer's tests, written with the datasets writer.

#![allow(dead_code)] // each test file uses a different part of this module

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use datasets::point::Hundredths;
use datasets::{
    Dataset, DatasetInfo, DatasetWriter, ImageSpec, Recipe, Row, Source, SplitPlan, WriteMode,
};
use mixer::{ClassRenames, Draw, MixOptions, Order, SweepSpec};

pub const GREY4: ImageSpec = ImageSpec {
    width: 4,
    height: 4,
    channels: 1,
};

/// One row to write: its label and uid (the PNG is derived from the uid).
pub struct Sample {
    pub label: i64,
    pub uid: String,
}

/// `per_class` rows of each class, uids `<prefix>-<split>-<class>-<i>`.
pub fn samples(prefix: &str, split: &str, classes: usize, per_class: usize) -> Vec<Sample> {
    (0..classes)
        .flat_map(|c| {
            (0..per_class).map(move |i| Sample {
                label: c as i64,
                uid: format!("{prefix}-{split}-{c}-{i}"),
            })
        })
        .collect()
}

pub fn write_dataset(
    dir: &Path,
    source: Source,
    classes: &[&str],
    image: ImageSpec,
    splits: &[(&str, Vec<Sample>)],
) {
    let info = DatasetInfo {
        name: dir.file_name().unwrap().to_string_lossy().into_owned(),
        classes: classes.iter().map(|c| c.to_string()).collect(),
        image,
        source: source.as_str().to_string(),
        recipe: Recipe {
            command: "test".into(),
            seed: None,
            config: serde_json::Value::Null,
        },
    };
    let plans: Vec<SplitPlan> = splits
        .iter()
        .map(|(name, rows)| SplitPlan {
            name: name.to_string(),
            rows: rows.len() as u64,
        })
        .collect();
    let writer = DatasetWriter::create(dir, info, &plans, WriteMode::Fresh).unwrap();
    for (index, slot) in writer.slots().iter().enumerate() {
        let rows = &splits
            .iter()
            .find(|(name, _)| *name == slot.split)
            .unwrap()
            .1;
        let mut shard = writer.shard(index).unwrap();
        let mut png = Vec::new();
        for sample in &rows[slot.rows.start as usize..slot.rows.end as usize] {
            let seed = blake_ish(&sample.uid);
            let pixels: Vec<u8> = (0..image.pixels_per_image())
                .map(|k| (seed >> (k % 8 * 8)) as u8 ^ k as u8)
                .collect();
            png.clear();
            datasets::png::encode_into(&mut png, &pixels, image).unwrap();
            shard
                .push(Row {
                    png: &png,
                    label: sample.label,
                    source,
                    uid: &sample.uid,
                    meta: "{}",
                })
                .unwrap();
        }
        shard.finish().unwrap();
    }
    writer.finish(Vec::new(), None).unwrap();
}

/// A stable 64-bit hash (FNV-1a), so every uid gets its own image.
fn blake_ish(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

pub const CLASSES: [&str; 3] = ["ant", "bee", "cat"];

/// A synthetic and a real dataset: 3 classes × 40 train rows each, and a real test split.
pub struct Fixture {
    pub root: tempfile::TempDir,
    pub synthetic: PathBuf,
    pub real: PathBuf,
}

pub fn fixture() -> Fixture {
    let root = tempfile::tempdir().unwrap();
    let synthetic = root.path().join("syn");
    let real = root.path().join("real");
    write_dataset(
        &synthetic,
        Source::Synthetic,
        &CLASSES,
        GREY4,
        &[("train", samples("s", "train", 3, 40))],
    );
    write_dataset(
        &real,
        Source::Real,
        &CLASSES,
        GREY4,
        &[
            ("train", samples("r", "train", 3, 40)),
            ("test", samples("r", "test", 3, 10)),
        ],
    );
    Fixture {
        root,
        synthetic,
        real,
    }
}

impl Fixture {
    pub fn out(&self, name: &str) -> PathBuf {
        self.root.path().join(name)
    }

    pub fn options(&self) -> MixOptions {
        MixOptions {
            synthetic: self.synthetic.clone().into(),
            real: self.real.clone().into(),
            class_renames: ClassRenames::new(),
            seed: 7,
            order: Order::Shuffled,
            force: false,
            command: "synmix mix (test)".into(),
            memory_budget: None,
        }
    }

    pub fn spec(&self, out: &str, size: u64, shares: &[f64]) -> SweepSpec {
        SweepSpec {
            options: self.options(),
            out: self.out(out).into(),
            size,
            shares: shares.iter().map(|&s| hundredths(s)).collect(),
            draw: Draw::Nested,
            ramp: Vec::new(),
            class_transfer: None,
        }
    }
}

pub fn no_progress(_: datasets::Progress<'_>) {}

/// A share or multiple the tests write as a float.
pub fn hundredths(value: f64) -> Hundredths {
    Hundredths::exact(value).unwrap()
}

/// The rows of a dataset's train split, in order: (uid, label, source).
pub fn rows(dir: impl Into<datasets::Location>) -> Vec<(String, i64, String)> {
    let dataset = Dataset::open(dir).unwrap();
    let mut rows = Vec::new();
    for batch in dataset.read_split("train").unwrap() {
        let columns = datasets::Columns::of(&batch);
        for i in 0..batch.num_rows() {
            rows.push((
                columns.uids.value(i).to_string(),
                columns.labels.value(i),
                columns.sources.value(i).to_string(),
            ));
        }
    }
    rows
}

/// Every shard file of a dataset: relative name → bytes.
pub fn shard_bytes(dir: impl Into<datasets::Location>) -> BTreeMap<String, Vec<u8>> {
    let dir = dir.into();
    let manifest = Dataset::open(&dir).unwrap().manifest;
    manifest
        .splits
        .values()
        .flat_map(|s| &s.shards)
        .map(|s| {
            (
                s.file.clone(),
                std::fs::read(dir.path().join(&s.file)).unwrap(),
            )
        })
        .collect()
}

/// The local directory of an output the tests wrote on disk.
pub trait OnDisk {
    fn path(&self) -> &Path;
}

impl OnDisk for datasets::Location {
    fn path(&self) -> &Path {
        self.as_local().expect("the tests write on a local disk")
    }
}
