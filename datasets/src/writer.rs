//! Writing a dataset directory: shards under temporary names renamed when complete, a
//! progress journal for resume, and the card and manifest last.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use arrow_array::builder::{BinaryBuilder, Int64Builder, StringBuilder};
use arrow_array::{Array, ArrayRef, Int64Array, RecordBatch, StringArray, StructArray};
use arrow_buffer::NullBuffer;
use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use crate::card;
use crate::error::{Error, IoContext, Result};
use crate::journal::{FinishedShard, JOURNAL_DIR, Journal, hash_file};
use crate::manifest::{
    FORMAT_VERSION, MANIFEST_FILE, Manifest, Phase, SplitManifest, tmp_sibling, write_atomically,
};
use crate::schema;
use crate::types::{DatasetInfo, Row, Source, SplitPlan};
use crate::{DEFAULT_ROWS_PER_SHARD, ROWS_PER_ROW_GROUP, TOOL_VERSION};

/// What to do with an output directory that already holds something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// The directory must be absent or empty.
    Fresh,
    /// Replace an earlier synmix dataset in the directory.
    Force,
    /// Keep the complete shards of an interrupted run with the same arguments.
    Resume,
}

/// One shard to be written: its place in its split and whether a resumed run already has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardSlot {
    pub split: String,
    pub index: usize,
    pub count: usize,
    /// The rows of the split this shard holds.
    pub rows: Range<u64>,
    /// Relative path, `data/<split>-00000-of-00003.parquet`.
    pub file: String,
    pub done: bool,
}

/// Writes one dataset directory. Shards may be written concurrently from several threads.
pub struct DatasetWriter {
    dir: PathBuf,
    info: DatasetInfo,
    splits: Vec<SplitPlan>,
    slots: Vec<ShardSlot>,
    schema: SchemaRef,
    props: WriterProperties,
    journal: Mutex<Journal>,
    created_dir: bool,
}

impl DatasetWriter {
    pub fn create(
        dir: &Path,
        info: DatasetInfo,
        splits: &[SplitPlan],
        mode: WriteMode,
    ) -> Result<Self> {
        Self::with_rows_per_shard(dir, info, splits, mode, DEFAULT_ROWS_PER_SHARD)
    }

    pub fn with_rows_per_shard(
        dir: &Path,
        info: DatasetInfo,
        splits: &[SplitPlan],
        mode: WriteMode,
        rows_per_shard: u64,
    ) -> Result<Self> {
        check_info(&info, splits)?;
        let fingerprint = fingerprint(&info, splits, rows_per_shard);
        let created_dir = prepare_dir(dir, mode)?;
        let data = dir.join("data");
        std::fs::create_dir_all(&data).at(&data)?;

        let mut journal = match mode {
            WriteMode::Resume => Journal::load(dir)?.unwrap_or_default(),
            _ => Journal::default(),
        };
        if !journal.fingerprint.is_empty() && journal.fingerprint != fingerprint {
            return Err(Error::invalid(
                dir,
                "holds an unfinished run made with other arguments; rerun with those arguments or use --force",
            ));
        }
        Journal::begin(dir, &fingerprint)?;
        journal.fingerprint = fingerprint;

        let mut slots = plan_slots(splits, rows_per_shard.max(1));
        for slot in &mut slots {
            slot.done = match journal.shards.get(&slot.file) {
                Some(done) => {
                    let path = dir.join(&slot.file);
                    path.is_file()
                        && hash_file(&path).is_ok_and(|(hash, _)| hash == done.shard.blake3)
                }
                None => false,
            };
        }
        for slot in slots
            .iter()
            .filter(|s| !s.done && journal.shards.contains_key(&s.file))
        {
            Journal::forget(dir, &slot.file)?;
        }
        journal
            .shards
            .retain(|file, _| slots.iter().any(|s| s.done && &s.file == file));
        remove_stray_temporaries(&data)?;

        let schema = schema::arrow_schema_with_features(&info.classes);
        let props = writer_properties(&info.classes);
        Ok(DatasetWriter {
            dir: dir.to_path_buf(),
            info,
            splits: splits.to_vec(),
            slots,
            schema,
            props,
            journal: Mutex::new(journal),
            created_dir,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn info(&self) -> &DatasetInfo {
        &self.info
    }

    pub fn slots(&self) -> &[ShardSlot] {
        &self.slots
    }

    /// Starts writing shard `slot` under a temporary name.
    pub fn shard(&self, slot: usize) -> Result<ShardWriter<'_>> {
        let slot_info = self
            .slots
            .get(slot)
            .ok_or_else(|| Error::usage(format!("no shard slot {slot} in this dataset")))?;
        let path = self.dir.join(&slot_info.file);
        let tmp = tmp_sibling(&path);
        let file = File::create(&tmp).at(&tmp)?;
        let sink = HashingWriter {
            inner: BufWriter::with_capacity(1 << 20, file),
            hasher: blake3::Hasher::new(),
            bytes: 0,
        };
        let writer = ArrowWriter::try_new(sink, self.schema.clone(), Some(self.props.clone()))
            .map_err(|e| Error::invalid(&tmp, e.to_string()))?;
        Ok(ShardWriter {
            owner: self,
            slot,
            path,
            tmp,
            writer: Some(writer),
            rows: RowBuffer::default(),
            written: 0,
            class_counts: vec![0; self.info.classes.len()],
            source_counts: BTreeMap::new(),
        })
    }

    /// Writes the card and the manifest once every shard is complete.
    pub fn finish(self, phases: Vec<Phase>, mix: Option<serde_json::Value>) -> Result<Manifest> {
        let mut journal = self.journal.lock().expect("journal lock");
        // Other processes may have written other shards of this dataset (array jobs).
        if let Some(on_disk) = Journal::load(&self.dir)? {
            for (file, done) in on_disk.shards {
                journal.shards.entry(file).or_insert(done);
            }
        }
        let missing: Vec<&str> = self
            .slots
            .iter()
            .filter(|s| !journal.shards.contains_key(&s.file))
            .map(|s| s.file.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(Error::invalid(
                &self.dir,
                format!(
                    "{} shard(s) not written yet (first: {}); run the remaining shards, then rerun with --resume",
                    missing.len(),
                    missing[0]
                ),
            ));
        }
        let mut splits = BTreeMap::new();
        for plan in &self.splits {
            let mut split = SplitManifest {
                rows: plan.rows,
                class_counts: vec![0; self.info.classes.len()],
                source_counts: BTreeMap::new(),
                shards: Vec::new(),
            };
            for slot in self.slots.iter().filter(|s| s.split == plan.name) {
                let done = &journal.shards[&slot.file];
                for (total, n) in split.class_counts.iter_mut().zip(&done.class_counts) {
                    *total += n;
                }
                for (source, n) in &done.source_counts {
                    *split.source_counts.entry(source.clone()).or_default() += n;
                }
                split.shards.push(done.shard.clone());
            }
            splits.insert(plan.name.clone(), split);
        }
        let manifest = Manifest {
            format_version: FORMAT_VERSION,
            name: self.info.name.clone(),
            classes: self.info.classes.clone(),
            image: self.info.image,
            source: self.info.source.clone(),
            splits,
            recipe: self.info.recipe.clone(),
            tool_version: TOOL_VERSION.to_string(),
            created: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            phases,
            mix,
        };
        write_atomically(
            &self.dir.join(card::CARD_FILE),
            card::render(&manifest).as_bytes(),
        )?;
        let text = serde_json::to_string_pretty(&manifest).expect("manifest serialises");
        write_atomically(&self.dir.join(MANIFEST_FILE), text.as_bytes())?;
        Journal::remove(&self.dir)?;
        Ok(manifest)
    }

    /// Removes everything this writer made: used when the input turns out to be bad.
    pub fn abort(self) {
        if self.created_dir {
            let _ = std::fs::remove_dir_all(&self.dir);
            return;
        }
        for slot in &self.slots {
            let _ = std::fs::remove_file(self.dir.join(&slot.file));
        }
        let _ = Journal::remove(&self.dir);
        let _ = std::fs::remove_dir(self.dir.join("data"));
    }

    fn record(&self, slot: usize, done: FinishedShard) -> Result<()> {
        Journal::record(&self.dir, &done)?;
        let mut journal = self.journal.lock().expect("journal lock");
        journal.shards.insert(self.slots[slot].file.clone(), done);
        Ok(())
    }
}

/// Streams rows into one Parquet shard, a row group at a time.
pub struct ShardWriter<'a> {
    owner: &'a DatasetWriter,
    slot: usize,
    path: PathBuf,
    tmp: PathBuf,
    writer: Option<ArrowWriter<HashingWriter>>,
    rows: RowBuffer,
    written: u64,
    class_counts: Vec<u64>,
    source_counts: BTreeMap<String, u64>,
}

impl ShardWriter<'_> {
    pub fn slot(&self) -> &ShardSlot {
        &self.owner.slots[self.slot]
    }

    pub fn push(&mut self, row: Row<'_>) -> Result<()> {
        self.count(row.label, row.source.as_str())?;
        self.rows.push(row);
        if self.rows.len == ROWS_PER_ROW_GROUP {
            self.flush_rows()?;
        }
        Ok(())
    }

    /// Appends a batch already in the shard schema (as the mixer copies rows).
    pub fn push_batch(&mut self, batch: &RecordBatch) -> Result<()> {
        schema::check(&batch.schema()).map_err(|e| Error::invalid(&self.tmp, e))?;
        self.flush_rows()?;
        let labels = batch
            .column(1)
            .as_any()
            .downcast_ref::<Int64Array>()
            .expect("checked schema");
        let sources = batch
            .column(2)
            .as_any()
            .downcast_ref::<StringArray>()
            .expect("checked schema");
        for i in 0..batch.num_rows() {
            self.count(labels.value(i), sources.value(i))?;
        }
        let batch = RecordBatch::try_new(self.owner.schema.clone(), batch.columns().to_vec())
            .map_err(|e| Error::invalid(&self.tmp, e.to_string()))?;
        self.write(&batch)
    }

    pub fn finish(mut self) -> Result<crate::ShardInfo> {
        self.flush_rows()?;
        let expected = self.slot().rows.end - self.slot().rows.start;
        if self.written != expected {
            return Err(Error::invalid(
                &self.path,
                format!(
                    "shard got {} rows but its plan says {expected}",
                    self.written
                ),
            ));
        }
        let writer = self.writer.take().expect("writer open until finish");
        let sink = writer
            .into_inner()
            .map_err(|e| Error::invalid(&self.tmp, e.to_string()))?;
        let (hash, bytes) = sink.finish().at(&self.tmp)?;
        std::fs::rename(&self.tmp, &self.path).at(&self.path)?;
        let info = crate::ShardInfo {
            file: self.slot().file.clone(),
            rows: self.written,
            bytes,
            blake3: hash,
        };
        let done = FinishedShard {
            shard: info.clone(),
            class_counts: std::mem::take(&mut self.class_counts),
            source_counts: std::mem::take(&mut self.source_counts),
        };
        self.owner.record(self.slot, done)?;
        Ok(info)
    }

    fn count(&mut self, label: i64, source: &str) -> Result<()> {
        let classes = self.class_counts.len();
        let Some(count) = usize::try_from(label)
            .ok()
            .and_then(|l| self.class_counts.get_mut(l))
        else {
            return Err(Error::invalid(
                &self.path,
                format!(
                    "label {label} is outside the {classes} classes of the dataset (0..{})",
                    classes - 1
                ),
            ));
        };
        *count += 1;
        let source = Source::ALL
            .into_iter()
            .find(|s| s.as_str() == source)
            .ok_or_else(|| {
                Error::invalid(
                    &self.path,
                    format!("source '{source}' is neither 'real' nor 'synthetic'"),
                )
            })?;
        *self
            .source_counts
            .entry(source.as_str().to_string())
            .or_default() += 1;
        self.written += 1;
        let planned = self.slot().rows.end - self.slot().rows.start;
        if self.written > planned {
            return Err(Error::invalid(
                &self.path,
                format!("more rows than the {planned} this shard was planned for"),
            ));
        }
        Ok(())
    }

    fn flush_rows(&mut self) -> Result<()> {
        if self.rows.len == 0 {
            return Ok(());
        }
        let batch = self.rows.take_batch(&self.owner.schema);
        self.write(&batch)
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let writer = self.writer.as_mut().expect("writer open until finish");
        writer
            .write(batch)
            .map_err(|e| Error::invalid(&self.tmp, e.to_string()))?;
        // One row group per few hundred images: readers can stream without loading a shard.
        if writer.in_progress_rows() >= ROWS_PER_ROW_GROUP {
            writer
                .flush()
                .map_err(|e| Error::invalid(&self.tmp, e.to_string()))?;
        }
        Ok(())
    }
}

impl Drop for ShardWriter<'_> {
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Column builders for the rows of one row group.
#[derive(Default)]
struct RowBuffer {
    png: BinaryBuilder,
    labels: Int64Builder,
    sources: StringBuilder,
    uids: StringBuilder,
    metas: StringBuilder,
    len: usize,
}

impl RowBuffer {
    fn push(&mut self, row: Row<'_>) {
        self.png.append_value(row.png);
        self.labels.append_value(row.label);
        self.sources.append_value(row.source.as_str());
        self.uids.append_value(row.uid);
        self.metas.append_value(row.meta);
        self.len += 1;
    }

    fn take_batch(&mut self, schema: &SchemaRef) -> RecordBatch {
        let len = std::mem::take(&mut self.len);
        let bytes: ArrayRef = Arc::new(self.png.finish());
        let paths: ArrayRef = Arc::new(StringArray::new_null(len));
        let image = StructArray::new(
            schema::image_fields(),
            vec![bytes, paths],
            None::<NullBuffer>,
        );
        let columns: Vec<ArrayRef> = vec![
            Arc::new(image),
            Arc::new(self.labels.finish()),
            Arc::new(self.sources.finish()),
            Arc::new(self.uids.finish()),
            Arc::new(self.metas.finish()),
        ];
        RecordBatch::try_new(schema.clone(), columns).expect("builders match the schema")
    }
}

/// Hashes and counts the bytes of a shard as they are written, so finishing a shard needs
/// no second read.
struct HashingWriter {
    inner: BufWriter<File>,
    hasher: blake3::Hasher,
    bytes: u64,
}

impl HashingWriter {
    fn finish(mut self) -> std::io::Result<(String, u64)> {
        self.inner.flush()?;
        Ok((self.hasher.finalize().to_hex().to_string(), self.bytes))
    }
}

impl Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn writer_properties(classes: &[String]) -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(3).expect("valid zstd level"),
        ))
        .set_max_row_group_row_count(Some(ROWS_PER_ROW_GROUP))
        // PNG bytes are already deflated: zstd on them costs half a mix's CPU time for a few
        // percent of size. Dictionaries and statistics on them are noise.
        .set_column_compression(
            ColumnPath::new(vec![schema::IMAGE.into(), "bytes".into()]),
            Compression::UNCOMPRESSED,
        )
        .set_dictionary_enabled(false)
        .set_statistics_enabled(EnabledStatistics::None)
        .set_created_by(format!("synmix {TOOL_VERSION}"))
        .set_key_value_metadata(Some(vec![KeyValue::new(
            schema::HUGGINGFACE_KEY.to_string(),
            schema::huggingface_features(classes),
        )]))
        .build()
}

fn plan_slots(splits: &[SplitPlan], rows_per_shard: u64) -> Vec<ShardSlot> {
    let mut slots = Vec::new();
    for split in splits {
        let count = split.rows.div_ceil(rows_per_shard).max(1) as usize;
        for index in 0..count {
            let start = index as u64 * split.rows / count as u64;
            let end = (index as u64 + 1) * split.rows / count as u64;
            slots.push(ShardSlot {
                split: split.name.clone(),
                index,
                count,
                rows: start..end,
                file: format!("data/{}-{index:05}-of-{count:05}.parquet", split.name),
                done: false,
            });
        }
    }
    slots
}

fn check_info(info: &DatasetInfo, splits: &[SplitPlan]) -> Result<()> {
    if info.classes.is_empty() {
        return Err(Error::usage("a dataset needs at least one class"));
    }
    if splits.is_empty() {
        return Err(Error::usage("a dataset needs at least one split"));
    }
    for split in splits {
        if split.name.is_empty()
            || !split
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(Error::usage(format!(
                "split name '{}' must be letters, digits and '_' (as in train or test)",
                split.name
            )));
        }
    }
    Ok(())
}

/// What decides a dataset's shards. The command line is left out: `-q` or a reordered flag
/// must not stop a resume.
fn fingerprint(info: &DatasetInfo, splits: &[SplitPlan], rows_per_shard: u64) -> String {
    let mut info = info.clone();
    info.recipe.command.clear();
    let key = serde_json::json!({ "info": info, "splits": splits, "rows_per_shard": rows_per_shard, "tool": TOOL_VERSION });
    blake3::hash(key.to_string().as_bytes())
        .to_hex()
        .to_string()
}

/// Entries a synmix dataset directory may hold; `--force` removes only these.
const DATASET_ENTRIES: [&str; 4] = ["data", MANIFEST_FILE, card::CARD_FILE, JOURNAL_DIR];

/// Makes sure `dir` may be written under `mode`; returns whether it was created here.
fn prepare_dir(dir: &Path, mode: WriteMode) -> Result<bool> {
    if !dir.exists() {
        std::fs::create_dir_all(dir).at(dir)?;
        return Ok(true);
    }
    if !dir.is_dir() {
        return Err(Error::invalid(
            dir,
            "exists and is not a directory; choose another --out",
        ));
    }
    let entries: Vec<String> = std::fs::read_dir(dir)
        .at(dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if entries.is_empty() {
        return Ok(false);
    }
    let foreign: Vec<&String> = entries
        .iter()
        .filter(|e| !DATASET_ENTRIES.contains(&e.as_str()))
        .collect();
    match mode {
        WriteMode::Fresh => Err(Error::invalid(
            dir,
            "already holds data; pass --resume to continue an interrupted run, --force to replace it, or choose another --out",
        )),
        _ if !foreign.is_empty() => Err(Error::invalid(
            dir,
            format!(
                "holds files synmix did not write (such as '{}'); choose another --out",
                foreign[0]
            ),
        )),
        WriteMode::Force => {
            for entry in &entries {
                let path = dir.join(entry);
                let removed = if path.is_dir() {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
                removed.at(&path)?;
            }
            Ok(false)
        }
        WriteMode::Resume => {
            // A finished dataset is rewritten from its shards: drop the manifest first so a
            // crash in between never leaves a manifest that lists changed shards.
            for done in [MANIFEST_FILE, card::CARD_FILE] {
                let path = dir.join(done);
                if path.exists() && !Journal::path(dir).exists() {
                    std::fs::remove_file(&path).at(&path)?;
                }
            }
            Ok(false)
        }
    }
}

fn remove_stray_temporaries(data: &Path) -> Result<()> {
    for entry in std::fs::read_dir(data).at(data)?.filter_map(|e| e.ok()) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.ends_with(".tmp") {
            std::fs::remove_file(entry.path()).at(entry.path())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Recipe;
    use crate::reader::Dataset;
    use crate::types::ImageSpec;

    fn info() -> DatasetInfo {
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

    fn fill(writer: &DatasetWriter, slot: usize) -> Result<crate::ShardInfo> {
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

    #[test]
    fn shards_split_rows_evenly_and_resume_keeps_finished_ones() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("d");
        let plan = [SplitPlan {
            name: "train".into(),
            rows: 10,
        }];
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
        assert!(
            writer.finish(Vec::new(), None).is_err(),
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
        assert!(!Journal::path(&dir).exists());
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
        let plan = [SplitPlan {
            name: "train".into(),
            rows: 8,
        }];
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

    #[test]
    fn other_arguments_do_not_resume_and_fresh_refuses_data() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("d");
        let plan = [SplitPlan {
            name: "train".into(),
            rows: 4,
        }];
        let writer = DatasetWriter::create(&dir, info(), &plan, WriteMode::Fresh).unwrap();
        fill(&writer, 0).unwrap();
        drop(writer);
        let mut other = info();
        other.recipe.seed = Some(2);
        let err = DatasetWriter::create(&dir, other, &plan, WriteMode::Resume)
            .err()
            .unwrap();
        assert!(err.to_string().contains("other arguments"), "{err}");
        let err = DatasetWriter::create(&dir, info(), &plan, WriteMode::Fresh)
            .err()
            .unwrap();
        assert!(err.to_string().contains("--force"), "{err}");
        std::fs::write(dir.join("notes.txt"), "mine").unwrap();
        let err = DatasetWriter::create(&dir, info(), &plan, WriteMode::Force)
            .err()
            .unwrap();
        assert!(err.to_string().contains("notes.txt"), "{err}");
    }

    #[test]
    fn bad_rows_are_errors_and_abort_cleans_up() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("d");
        let writer = DatasetWriter::create(
            &dir,
            info(),
            &[SplitPlan {
                name: "train".into(),
                rows: 2,
            }],
            WriteMode::Fresh,
        )
        .unwrap();
        let mut shard = writer.shard(0).unwrap();
        let row = Row {
            png: b"x",
            label: 7,
            source: Source::Real,
            uid: "u",
            meta: "{}",
        };
        assert!(shard.push(row).unwrap_err().to_string().contains("label 7"));
        let row = Row { label: 0, ..row };
        shard.push(row).unwrap();
        assert!(shard.finish().unwrap_err().to_string().contains("1 rows"));
        writer.abort();
        assert!(!dir.exists());
    }
}
