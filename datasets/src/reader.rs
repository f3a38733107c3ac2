//! Reading a dataset directory back: the manifest, the shards of a split as Arrow batches,
//! and decoded pixels for training. A shard is read a row group at a time, from a local file
//! or by range requests from an object store ([`crate::store::ranges`]).

use std::fs::File;

use arrow_array::{Array, BinaryArray, Int64Array, RecordBatch, StringArray, StructArray};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReaderBuilder};
use parquet::file::reader::ChunkReader;
use rayon::prelude::*;

use crate::error::{Error, IoContext, Result};
use crate::manifest::{Manifest, SplitManifest};
use crate::png;
use crate::schema;
use crate::store::Location;
use crate::store::ranges::ObjectFile;
use crate::types::{ImageSpec, Source};

/// An opened dataset directory.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub dir: Location,
    pub manifest: Manifest,
}

/// The pixels and labels of a split, decoded once for training.
#[derive(Debug, Clone)]
pub struct DecodedSplit {
    pub image: ImageSpec,
    /// `rows × height × width × channels` bytes, row-major HWC per image.
    pub pixels: Vec<u8>,
    pub labels: Vec<u32>,
    pub sources: Vec<Source>,
    pub uids: Vec<String>,
}

impl DecodedSplit {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    pub fn image_pixels(&self, row: usize) -> &[u8] {
        let n = self.image.pixels_per_image();
        &self.pixels[row * n..(row + 1) * n]
    }
}

impl Dataset {
    pub fn open(dir: impl Into<Location>) -> Result<Dataset> {
        let dir = dir.into();
        let manifest = Manifest::read(&dir)?;
        Ok(Dataset { dir, manifest })
    }

    pub fn split(&self, name: &str) -> Result<&SplitManifest> {
        self.manifest.splits.get(name).ok_or_else(|| {
            let have: Vec<&str> = self.manifest.splits.keys().map(String::as_str).collect();
            Error::invalid(
                self.dir.shown(),
                format!("has no '{name}' split (it has: {})", have.join(", ")),
            )
        })
    }

    pub fn shard_path(&self, file: &str) -> Location {
        self.dir.join(file)
    }

    /// Every row of a split as Arrow batches, in row order, with the schema checked.
    pub fn read_split(&self, name: &str) -> Result<Vec<RecordBatch>> {
        let split = self.split(name)?;
        let mut batches = Vec::new();
        for shard in &split.shards {
            batches.extend(read_shard(self.shard_path(&shard.file))?);
        }
        Ok(batches)
    }

    /// Decodes every PNG of a split (in parallel) into one contiguous pixel buffer, reading one
    /// shard at a time so that only one shard's PNG bytes are in memory beside the pixels.
    pub fn decode_split(&self, name: &str) -> Result<DecodedSplit> {
        let spec = self.manifest.image;
        let split = self.split(name)?;
        let rows = split.rows as usize;
        let per_image = spec.pixels_per_image();
        let mut decoded = DecodedSplit {
            image: spec,
            pixels: vec![0; rows * per_image],
            labels: Vec::with_capacity(rows),
            sources: Vec::with_capacity(rows),
            uids: Vec::with_capacity(rows),
        };
        let mut first = 0;
        for shard in &split.shards {
            for batch in &read_shard(self.shard_path(&shard.file))? {
                let columns = Columns::of(batch);
                let n = batch.num_rows();
                if first + n > rows {
                    return Err(rows_differ(&self.dir, name, rows));
                }
                let classes = self.manifest.classes.len() as i64;
                for i in 0..n {
                    let label = columns.labels.value(i);
                    if !(0..classes).contains(&label) {
                        return Err(Error::invalid(
                            self.dir.shown(),
                            format!(
                                "split '{name}' has label {label}, outside its {classes} classes"
                            ),
                        ));
                    }
                    decoded.labels.push(label as u32);
                    let source = columns
                        .sources
                        .value(i)
                        .parse()
                        .map_err(|e: String| Error::invalid(self.dir.shown(), e))?;
                    decoded.sources.push(source);
                    decoded.uids.push(columns.uids.value(i).to_string());
                }
                decoded.pixels[first * per_image..(first + n) * per_image]
                    .par_chunks_mut(per_image)
                    .enumerate()
                    .try_for_each(|(i, out)| {
                        png::decode_into(out, columns.png.value(i), spec).map_err(|e| {
                            Error::invalid(
                                self.dir.shown(),
                                format!("split '{name}' row {}: {e}", first + i),
                            )
                        })
                    })?;
                first += n;
            }
        }
        if first != rows {
            return Err(rows_differ(&self.dir, name, rows));
        }
        Ok(decoded)
    }
}

fn rows_differ(dir: &Location, split: &str, rows: usize) -> Error {
    Error::invalid(
        dir.shown(),
        format!(
            "split '{split}' does not hold the {rows} rows its manifest lists; run `synmix verify`"
        ),
    )
}

/// Words an error met while decoding Parquet pages: a codec this build cannot decompress says
/// so (the parquet crate words it "Disabled feature at compile time: snap", or "The codec type
/// LZO is not supported yet"), since the file itself is fine; anything else is damaged data.
pub(crate) fn data_error(error: &dyn std::fmt::Display) -> String {
    let text = error.to_string();
    if text.contains("Disabled feature at compile time") || text.contains("codec type") {
        format!(
            "compressed with a codec synmix cannot read ({text}); rewrite it with snappy, gzip, zstd, lz4 or brotli"
        )
    } else {
        format!("damaged Parquet data ({text})")
    }
}

/// Reads one shard, a row group at a time, checking that it has the synmix schema.
pub fn read_shard(path: impl Into<Location>) -> Result<Vec<RecordBatch>> {
    ShardFile::open(path)?.batches(false).collect()
}

/// One shard opened for reading single row groups, all columns or only the keys (`label`,
/// `source`, `uid`): what a reader that must not hold a whole split in memory uses.
pub struct ShardFile {
    path: Location,
    /// Where an object store holds it: its size and version, read by ranges.
    object: Option<ObjectFile>,
    metadata: ArrowReaderMetadata,
}

impl ShardFile {
    /// Opens `path` and checks that it has the synmix schema.
    pub fn open(path: impl Into<Location>) -> Result<ShardFile> {
        let path = path.into();
        let (object, metadata) = match &path {
            Location::Local(local) => {
                let file = File::open(local).at(local)?;
                let metadata =
                    ArrowReaderMetadata::load(&file, Default::default()).map_err(|e| {
                        Error::invalid(local, format!("not a readable Parquet file ({e})"))
                    })?;
                (None, metadata)
            }
            Location::Object(place) => {
                let (object, metadata) = ObjectFile::open(place)?;
                (Some(object), metadata)
            }
        };
        schema::check(metadata.schema()).map_err(|e| Error::invalid(path.shown(), e))?;
        Ok(ShardFile {
            path,
            object,
            metadata,
        })
    }

    pub fn path(&self) -> &Location {
        &self.path
    }

    pub fn row_groups(&self) -> usize {
        self.metadata.metadata().num_row_groups()
    }

    /// Every row group in order, one batch each (see [`ShardFile::read_row_group`]): a reader
    /// of the whole shard that holds one row group at a time.
    pub fn batches(&self, keys_only: bool) -> impl Iterator<Item = Result<RecordBatch>> + '_ {
        (0..self.row_groups()).map(move |index| self.read_row_group(index, keys_only))
    }

    /// Row group `index` as one batch: every column, or with `keys_only` the `label`, `source`
    /// and `uid` columns (see [`KeyColumns`]), which skips reading the images.
    pub fn read_row_group(&self, index: usize, keys_only: bool) -> Result<RecordBatch> {
        let mask = match keys_only {
            true => ProjectionMask::roots(self.metadata.parquet_schema(), KEY_COLUMNS),
            false => ProjectionMask::all(),
        };
        match (&self.object, &self.path) {
            (Some(object), _) => {
                let bytes = object.row_group(&self.metadata, index, &mask)?;
                self.decode_row_group(bytes, index, mask)
            }
            // A file of its own: clones of one handle share its offset, and row groups are
            // read from several threads at once.
            (None, path) => {
                let local = path
                    .as_local()
                    .expect("a shard not in an object store is local");
                self.decode_row_group(File::open(local).at(local)?, index, mask)
            }
        }
    }

    fn decode_row_group<R: ChunkReader + 'static>(
        &self,
        source: R,
        index: usize,
        mask: ProjectionMask,
    ) -> Result<RecordBatch> {
        let rows = self.metadata.metadata().row_group(index).num_rows() as usize;
        let builder =
            ParquetRecordBatchReaderBuilder::new_with_metadata(source, self.metadata.clone())
                .with_row_groups(vec![index])
                .with_batch_size(rows.max(1))
                .with_projection(mask);
        let damaged = |e: &dyn std::fmt::Display| Error::invalid(self.path.shown(), data_error(e));
        let mut reader = builder.build().map_err(|e| damaged(&e))?;
        match reader.next() {
            Some(batch) => batch.map_err(|e| damaged(&e)),
            None => Err(damaged(&format!("row group {index} is empty"))),
        }
    }
}

/// The root columns `label`, `source` and `uid` of the shard schema.
const KEY_COLUMNS: [usize; 3] = [1, 2, 3];

/// Typed views of a batch read with [`ShardFile::read_row_group`]'s `keys_only`.
pub struct KeyColumns<'a> {
    pub labels: &'a Int64Array,
    pub sources: &'a StringArray,
    pub uids: &'a StringArray,
}

impl<'a> KeyColumns<'a> {
    /// Panics only if the batch was not read with `keys_only` from a checked shard.
    pub fn of(batch: &'a RecordBatch) -> KeyColumns<'a> {
        let column = |i: usize| batch.column(i).as_any();
        KeyColumns {
            labels: column(0).downcast_ref().expect("checked schema"),
            sources: column(1).downcast_ref().expect("checked schema"),
            uids: column(2).downcast_ref().expect("checked schema"),
        }
    }
}

/// Typed views of the columns of a batch in the shard schema.
pub struct Columns<'a> {
    pub png: &'a BinaryArray,
    pub labels: &'a Int64Array,
    pub sources: &'a StringArray,
    pub uids: &'a StringArray,
    pub metas: &'a StringArray,
}

impl<'a> Columns<'a> {
    /// Panics only if the batch skipped [`schema::check`], which every reader here runs.
    pub fn of(batch: &'a RecordBatch) -> Columns<'a> {
        let image = batch
            .column(0)
            .as_any()
            .downcast_ref::<StructArray>()
            .expect("checked schema");
        Columns {
            png: image
                .column(0)
                .as_any()
                .downcast_ref()
                .expect("checked schema"),
            labels: batch
                .column(1)
                .as_any()
                .downcast_ref()
                .expect("checked schema"),
            sources: batch
                .column(2)
                .as_any()
                .downcast_ref()
                .expect("checked schema"),
            uids: batch
                .column(3)
                .as_any()
                .downcast_ref()
                .expect("checked schema"),
            metas: batch
                .column(4)
                .as_any()
                .downcast_ref()
                .expect("checked schema"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_codec_missing_from_the_build_is_named_not_called_damage() {
        use parquet::errors::ParquetError;
        let lzo = ParquetError::NYI("The codec type LZO is not supported yet".into());
        let said = data_error(&lzo);
        assert!(
            said.contains("codec") && said.contains("LZO") && !said.contains("damaged"),
            "{said}"
        );
        let off = ParquetError::General("Disabled feature at compile time: snap".into());
        assert!(data_error(&off).contains("codec synmix cannot read"));
        let eof = ParquetError::EOF("unexpected end of file".into());
        assert!(data_error(&eof).starts_with("damaged Parquet data"));
    }
}
