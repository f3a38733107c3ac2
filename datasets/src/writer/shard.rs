//! Writing one shard: rows buffered into row groups, streamed to Parquet while the bytes are
//! hashed — to a temporary file or the parts of an upload ([`Upload`]) — published and
//! recorded when complete.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{BinaryBuilder, Int64Builder, StringBuilder};
use arrow_array::{Array, ArrayRef, Int64Array, RecordBatch, StringArray, StructArray};
use arrow_buffer::NullBuffer;
use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;

use crate::ROWS_PER_ROW_GROUP;
use crate::error::{Error, Result};
use crate::journal::FinishedShard;
use crate::manifest::ShardInfo;
use crate::schema;
use crate::store::{Location, Upload};
use crate::types::{Row, Source};
use crate::writer::{DatasetWriter, ShardSlot};

/// Streams rows into one Parquet shard, a row group at a time.
pub struct ShardWriter<'a> {
    owner: &'a DatasetWriter,
    slot: usize,
    /// The shard's final name, for errors.
    path: std::path::PathBuf,
    writer: Option<ArrowWriter<HashingWriter>>,
    rows: RowBuffer,
    written: u64,
    class_counts: Vec<u64>,
    source_counts: BTreeMap<String, u64>,
}

impl<'a> ShardWriter<'a> {
    /// Starts the upload of slot `slot` of `owner` to `path`.
    pub(super) fn open(owner: &'a DatasetWriter, slot: usize, path: Location) -> Result<Self> {
        let sink = HashingWriter {
            inner: path.create()?,
            hasher: blake3::Hasher::new(),
            bytes: 0,
        };
        let path = path.shown();
        let writer = ArrowWriter::try_new(sink, owner.schema.clone(), Some(owner.props.clone()))
            .map_err(|e| Error::invalid(&path, e.to_string()))?;
        Ok(ShardWriter {
            owner,
            slot,
            path,
            writer: Some(writer),
            rows: RowBuffer::default(),
            written: 0,
            class_counts: vec![0; owner.info.classes.len()],
            source_counts: BTreeMap::new(),
        })
    }
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
        schema::check(&batch.schema()).map_err(|e| Error::invalid(&self.path, e))?;
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
            .map_err(|e| Error::invalid(&self.path, e.to_string()))?;
        self.write(&batch)
    }

    pub fn finish(mut self) -> Result<ShardInfo> {
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
            .map_err(|e| Error::invalid(&self.path, e.to_string()))?;
        let (hash, bytes) = sink.finish()?;
        let info = ShardInfo {
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
            .map_err(|e| Error::invalid(&self.path, e.to_string()))?;
        // One row group per few hundred images: readers can stream without loading a shard.
        if writer.in_progress_rows() >= ROWS_PER_ROW_GROUP {
            writer
                .flush()
                .map_err(|e| Error::invalid(&self.path, e.to_string()))?;
        }
        Ok(())
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
/// no second read. Dropped unfinished, its upload leaves nothing behind.
struct HashingWriter {
    inner: Upload,
    hasher: blake3::Hasher,
    bytes: u64,
}

impl HashingWriter {
    /// Publishes the shard under its name; its hash and length.
    fn finish(self) -> Result<(String, u64)> {
        let (hash, bytes) = (self.hasher.finalize().to_hex().to_string(), self.bytes);
        self.inner.finish()?;
        Ok((hash, bytes))
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

#[cfg(test)]
mod tests {
    use super::super::testing::{info, one_split};
    use super::*;
    use crate::writer::WriteMode;

    #[test]
    fn bad_rows_are_errors_and_abort_cleans_up() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("d");
        let writer = DatasetWriter::create(&dir, info(), &one_split(2), WriteMode::Fresh).unwrap();
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
