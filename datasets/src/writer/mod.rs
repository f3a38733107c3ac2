//! Writing a dataset directory: [`DatasetWriter`] checks the directory, plans the shards,
//! resumes what an interrupted run finished, hands out [`ShardWriter`]s, and writes the card
//! and manifest last.
//!
//! - `dir.rs`: [`WriteMode`] and what the output directory may hold;
//! - `slots.rs`: shard planning ([`ShardSlot`]);
//! - `resume.rs`: the arguments' fingerprint and which earlier shards to keep;
//! - `shard.rs`: one shard, hashed while written;
//! - `parquet.rs`: the Parquet settings;
//! - `records.rs`: the manifest summed from the shard records.

mod dir;
mod parquet;
mod records;
mod resume;
mod shard;
mod slots;

use std::ops::Range;
use std::sync::Mutex;

use arrow_schema::SchemaRef;
// `::` because the `parquet` module below shadows the crate here.
use ::parquet::file::properties::WriterProperties;

use crate::DEFAULT_ROWS_PER_SHARD;
use crate::atomic::remove_temporaries;
use crate::card;
use crate::error::{Error, Result};
use crate::journal::{FinishedShard, Journal};
use crate::lock::DirLock;
use crate::manifest::{MANIFEST_FILE, Manifest, Phase};
use crate::schema;
use crate::store::Location;
use crate::types::{DatasetInfo, SplitPlan};

pub use dir::WriteMode;
pub use shard::ShardWriter;
pub use slots::ShardSlot;

/// Writes one dataset directory, local or on an object store. Shards may be written
/// concurrently from several threads.
pub struct DatasetWriter {
    dir: Location,
    info: DatasetInfo,
    splits: Vec<SplitPlan>,
    slots: Vec<ShardSlot>,
    schema: SchemaRef,
    props: WriterProperties,
    journal: Mutex<Journal>,
    created_dir: bool,
    /// The dataset that `dir`, a staging directory, replaces once complete ([`dir::staging`]).
    replaces: Option<Location>,
}

impl DatasetWriter {
    pub fn create(
        dir: impl Into<Location>,
        info: DatasetInfo,
        splits: &[SplitPlan],
        mode: WriteMode,
    ) -> Result<Self> {
        Self::with_rows_per_shard(dir, info, splits, mode, DEFAULT_ROWS_PER_SHARD)
    }

    pub fn with_rows_per_shard(
        dir: impl Into<Location>,
        info: DatasetInfo,
        splits: &[SplitPlan],
        mode: WriteMode,
        rows_per_shard: u64,
    ) -> Result<Self> {
        let dir = dir.into();
        slots::check(&info, splits, rows_per_shard)?;
        let fingerprint = resume::fingerprint(&info, splits, rows_per_shard);
        let replaces = dir::staging(&dir, mode)?.map(|staging| (staging, dir.clone()));
        let (dir, mode) = match &replaces {
            Some((staging, _)) => (staging.clone(), WriteMode::Fresh),
            None => (dir, mode),
        };
        let created_dir = dir::prepare(&dir, mode)?;
        dir.join("data").create_dir_all()?;
        let mut slots = slots::plan(splits, rows_per_shard.max(1));
        let journal = resume::open_journal(&dir, mode, fingerprint, &mut slots)?;

        let schema = schema::arrow_schema_with_features(&info.classes);
        let props = parquet::writer_properties(&info.classes);
        Ok(DatasetWriter {
            dir,
            info,
            splits: splits.to_vec(),
            slots,
            schema,
            props,
            journal: Mutex::new(journal),
            created_dir,
            replaces: replaces.map(|(_, target)| target),
        })
    }

    pub fn info(&self) -> &DatasetInfo {
        &self.info
    }

    pub fn slots(&self) -> &[ShardSlot] {
        &self.slots
    }

    /// The files of the shards of `split` that hold any of `rows`: what a [`Phase`] lists.
    pub fn shards_covering(&self, split: &str, rows: Range<u64>) -> Vec<String> {
        slots::covering(&self.slots, split, &rows)
    }

    /// Starts writing shard `slot`, invisible under its name until finished.
    pub fn shard(&self, slot: usize) -> Result<ShardWriter<'_>> {
        let slot_info = self
            .slots
            .get(slot)
            .ok_or_else(|| Error::usage(format!("no shard slot {slot} in this dataset")))?;
        ShardWriter::open(self, slot, self.dir.join(&slot_info.file))
    }

    /// Shards of the dataset that no writer has finished yet: this one or another process
    /// writing other shards of the same dataset (array jobs), whose records are on disk.
    pub fn shards_missing(&self) -> Result<usize> {
        let journal = self.journal.lock().expect("journal lock");
        let on_disk = Journal::load(&self.dir)?.unwrap_or_default();
        Ok(self
            .slots
            .iter()
            .filter(|s| {
                !journal.shards.contains_key(&s.file) && !on_disk.shards.contains_key(&s.file)
            })
            .count())
    }

    /// Writes the card and the manifest once every shard is complete. Writers of different
    /// shards of one dataset (array jobs) may all get here; they take turns, and any that
    /// finds the manifest written by another returns it. Borrows the writer, so a caller
    /// holding shard writers of other datasets can finish this one; it writes nothing more.
    pub fn finish(&self, phases: Vec<Phase>, mix: Option<serde_json::Value>) -> Result<Manifest> {
        let _turn = DirLock::wait(&self.dir)?;
        if self.dir.join(MANIFEST_FILE).is_file()? && !Journal::path(&self.dir).is_dir()? {
            return Manifest::read(&self.dir);
        }
        let mut journal = self.journal.lock().expect("journal lock");
        // Other processes may have written other shards of this dataset (array jobs).
        if let Some(on_disk) = Journal::load(&self.dir)? {
            for (file, done) in on_disk.shards {
                journal.shards.entry(file).or_insert(done);
            }
        }
        // Only now that every shard is complete, under the lock that the card and manifest are
        // written under, can no writer still be writing a temporary.
        // An object store has none: an unfinished upload is no object.
        for dir in [self.dir.join("data"), self.dir.clone()] {
            if let Some(dir) = dir.as_local() {
                remove_temporaries(dir)?;
            }
        }
        let manifest = records::manifest(
            &self.dir,
            &self.info,
            &self.splits,
            &self.slots,
            &journal.shards,
            phases,
            mix,
        )?;
        self.dir
            .join(card::CARD_FILE)
            .put(card::render(&manifest).as_bytes())?;
        self.dir.join(MANIFEST_FILE).put_json(&manifest)?;
        Journal::remove(&self.dir)?;
        if let Some(target) = &self.replaces {
            dir::replace(&self.dir, target)?;
        }
        Ok(manifest)
    }

    /// Removes everything this writer made: used when the input turns out to be bad.
    pub fn abort(self) {
        if self.created_dir {
            let _ = self.dir.remove_all();
            return;
        }
        for slot in &self.slots {
            let _ = self.dir.join(&slot.file).remove();
        }
        let _ = Journal::remove(&self.dir);
        if let Some(data) = self.dir.join("data").as_local() {
            let _ = std::fs::remove_dir(data);
        }
    }

    /// Records a finished shard, on disk for a resume and here for [`DatasetWriter::finish`].
    fn record(&self, slot: usize, done: FinishedShard) -> Result<()> {
        Journal::record(&self.dir, &done)?;
        let mut journal = self.journal.lock().expect("journal lock");
        journal.shards.insert(self.slots[slot].file.clone(), done);
        Ok(())
    }
}

/// A small dataset to write in tests, and a way to fill its shards.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::manifest::ShardInfo;
    use crate::types::Recipe;
    use crate::types::{ImageSpec, Row, Source};

    pub fn info() -> DatasetInfo {
        DatasetInfo {
            name: "t".into(),
            classes: vec!["a".into(), "b".into()],
            image: ImageSpec {
                width: 2,
                height: 2,
                channels: 1,
            },
            source: "synthetic".into(),
            recipe: Recipe {
                command: "test".into(),
                seed: Some(1),
                config: serde_json::json!({}),
            },
        }
    }

    pub fn one_split(rows: u64) -> [SplitPlan; 1] {
        [SplitPlan {
            name: "train".into(),
            rows,
        }]
    }

    /// Leaves `dir` as an interrupted run of [`info`] over `plan` leaves it: shard 0 written,
    /// the dataset not finished.
    pub fn interrupted(dir: &std::path::Path, plan: &[SplitPlan]) {
        let writer = DatasetWriter::create(dir, info(), plan, WriteMode::Fresh).unwrap();
        fill(&writer, 0).unwrap();
    }

    /// Writes the rows of shard `slot`, labels alternating between the two classes.
    pub fn fill(writer: &DatasetWriter, slot: usize) -> Result<ShardInfo> {
        let mut png = Vec::new();
        crate::png::encode_into(&mut png, &[1, 2, 3, 4], writer.info().image).unwrap();
        let mut shard = writer.shard(slot)?;
        for row in shard.slot().rows.clone() {
            let uid = format!("u{row}");
            shard.push(Row {
                png: &png,
                label: (row % 2) as i64,
                source: Source::Synthetic,
                uid: &uid,
                meta: "{}",
            })?;
        }
        shard.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{fill, info, one_split};
    use super::*;
    use crate::error::OutputConflict;
    use crate::reader::Dataset;

    #[test]
    fn force_replaces_a_finished_dataset_only_once_the_new_one_is_complete() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("d");
        let writer = DatasetWriter::create(&dir, info(), &one_split(4), WriteMode::Fresh).unwrap();
        fill(&writer, 0).unwrap();
        writer.finish(Vec::new(), None).unwrap();
        let old = std::fs::read(dir.join(MANIFEST_FILE)).unwrap();

        // Bad input found while writing: the old dataset stays, the staging directory goes.
        let writer = DatasetWriter::create(&dir, info(), &one_split(6), WriteMode::Force).unwrap();
        fill(&writer, 0).unwrap();
        writer.abort();
        assert_eq!(std::fs::read(dir.join(MANIFEST_FILE)).unwrap(), old);
        assert_eq!(
            Dataset::open(&dir).unwrap().manifest.splits["train"].rows,
            4
        );

        let writer = DatasetWriter::create(&dir, info(), &one_split(6), WriteMode::Force).unwrap();
        fill(&writer, 0).unwrap();
        writer.finish(Vec::new(), None).unwrap();
        assert_eq!(
            Dataset::open(&dir).unwrap().manifest.splits["train"].rows,
            6
        );
        assert!(crate::verify::verify(&dir).unwrap().is_empty());
        let mut left: Vec<String> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["d"]);
    }

    #[test]
    fn shards_split_rows_evenly_and_resume_keeps_finished_ones() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("d");
        let plan = one_split(10);
        let writer =
            DatasetWriter::with_rows_per_shard(&dir, info(), &plan, WriteMode::Fresh, 4).unwrap();
        let ranges: Vec<_> = writer.slots().iter().map(|s| s.rows.clone()).collect();
        assert_eq!(ranges, vec![0..3, 3..6, 6..10]);
        let first = fill(&writer, 0).unwrap();
        drop(writer); // interrupted after one shard

        let writer =
            DatasetWriter::with_rows_per_shard(&dir, info(), &plan, WriteMode::Resume, 4).unwrap();
        let done: Vec<bool> = writer.slots().iter().map(|s| s.done).collect();
        assert_eq!(done, vec![true, false, false]);
        let unfinished = writer.finish(Vec::new(), None);
        assert!(
            matches!(
                unfinished,
                Err(Error::OutputInUse {
                    conflict: OutputConflict::Unfinished { missing: 2, .. },
                    ..
                })
            ),
            "unfinished shards must block the manifest"
        );

        let writer =
            DatasetWriter::with_rows_per_shard(&dir, info(), &plan, WriteMode::Resume, 4).unwrap();
        fill(&writer, 1).unwrap();
        fill(&writer, 2).unwrap();
        let manifest = writer.finish(Vec::new(), None).unwrap();
        assert_eq!(manifest.splits["train"].shards[0], first);
        assert_eq!(manifest.splits["train"].class_counts, vec![5, 5]);
        assert!(crate::verify::verify(&dir).unwrap().is_empty());
        assert!(!Journal::path(&Location::from(&dir)).is_dir().unwrap());
        assert_eq!(
            Dataset::open(&dir)
                .unwrap()
                .decode_split("train")
                .unwrap()
                .len(),
            10
        );
    }

    #[test]
    fn writers_of_different_shards_do_not_lose_each_others_records() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("d");
        let plan = one_split(8);
        // Two array-job processes, each resuming into the same directory.
        let first =
            DatasetWriter::with_rows_per_shard(&dir, info(), &plan, WriteMode::Resume, 4).unwrap();
        let second =
            DatasetWriter::with_rows_per_shard(&dir, info(), &plan, WriteMode::Resume, 4).unwrap();
        fill(&first, 0).unwrap();
        fill(&second, 1).unwrap();
        drop(first);
        let manifest = second.finish(Vec::new(), None).unwrap();
        assert_eq!(manifest.splits["train"].shards.len(), 2);
        assert!(crate::verify::verify(&dir).unwrap().is_empty());
    }
}
