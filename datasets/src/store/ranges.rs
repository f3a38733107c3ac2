//! A Parquet file on an object store, read by byte ranges: the footer with one request, then
//! each row group's column chunks with one request each ([`ObjectFile::row_group`]), served
//! to the parquet crate's synchronous reader at their file offsets ([`FetchedRange`]). Memory
//! holds one row group's bytes, as when reading from a disk; nothing is downloaded whole. A
//! row group read again may come from the optional local cache ([`cache`]).

use std::ops::Range;

use bytes::{Buf, Bytes};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ArrowReaderMetadata;
use parquet::errors::ParquetError;
use parquet::file::reader::{ChunkReader, Length};

use super::{ObjectPlace, cache};
use crate::error::{Error, Result};

/// What the first request asks for: the footer of a shard of a few hundred row groups fits.
const TAIL_BYTES: u64 = 64 << 10;

/// Bytes `start..start + bytes.len()` of a file of `file_len` bytes.
pub(crate) struct FetchedRange {
    start: u64,
    bytes: Bytes,
    file_len: u64,
}

impl FetchedRange {
    fn slice(&self, start: u64, len: usize) -> parquet::errors::Result<Bytes> {
        let end = start + len as u64;
        let held = self.start..self.start + self.bytes.len() as u64;
        if start < held.start || end > held.end {
            return Err(ParquetError::General(format!(
                "bytes {start}..{end} lie outside the fetched range {held:?}"
            )));
        }
        let offset = (start - self.start) as usize;
        Ok(self.bytes.slice(offset..offset + len))
    }
}

impl Length for FetchedRange {
    fn len(&self) -> u64 {
        self.file_len
    }
}

impl ChunkReader for FetchedRange {
    type T = bytes::buf::Reader<Bytes>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        let held_end = self.start + self.bytes.len() as u64;
        Ok(self
            .slice(start, held_end.saturating_sub(start) as usize)?
            .reader())
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        self.slice(start, length)
    }
}

/// A Parquet object opened for range reads: its size and ETag when opened, so a row group
/// read after another writer replaced the object is refused rather than mixed in.
#[derive(Debug, Clone)]
pub(crate) struct ObjectFile {
    place: ObjectPlace,
    size: u64,
    tag: Option<String>,
}

impl ObjectFile {
    /// Reads the footer of the Parquet object at `place`: its metadata, with one request
    /// where the footer fits [`TAIL_BYTES`], else two.
    pub(crate) fn open(place: &ObjectPlace) -> Result<(ObjectFile, ArrowReaderMetadata)> {
        let (mut tail, size, tag) = place.tail(TAIL_BYTES)?;
        let not_parquet = |why: String| {
            Error::invalid(
                place.to_string(),
                format!("not a readable Parquet file ({why})"),
            )
        };
        if tail.len() < 8 || &tail[tail.len() - 4..] != b"PAR1" {
            return Err(not_parquet("no Parquet footer".into()));
        }
        let footer = &tail[tail.len() - 8..tail.len() - 4];
        let metadata_len = u32::from_le_bytes(footer.try_into().expect("four bytes")) as u64;
        if metadata_len + 8 > tail.len() as u64 && metadata_len + 8 <= size {
            tail = place.range(size - metadata_len - 8..size, tag.as_deref())?;
        }
        let range = FetchedRange {
            start: size - tail.len() as u64,
            bytes: tail,
            file_len: size,
        };
        let metadata = ArrowReaderMetadata::load(&range, Default::default())
            .map_err(|e| not_parquet(e.to_string()))?;
        let file = ObjectFile {
            place: place.clone(),
            size,
            tag,
        };
        Ok((file, metadata))
    }

    /// The bytes of row group `index`'s column chunks that `mask` keeps, with one request.
    pub(crate) fn row_group(
        &self,
        metadata: &ArrowReaderMetadata,
        index: usize,
        mask: &ProjectionMask,
    ) -> Result<FetchedRange> {
        let group = metadata.metadata().row_group(index);
        let span = group
            .columns()
            .iter()
            .enumerate()
            .filter(|(leaf, _)| mask.leaf_included(*leaf))
            .map(|(_, column)| {
                let (start, len) = column.byte_range();
                start..start + len
            })
            .reduce(|a: Range<u64>, b| a.start.min(b.start)..a.end.max(b.end))
            .unwrap_or(0..0);
        let what = (self.tag.as_ref()).map(|tag| {
            let place = &self.place;
            format!("{place} {tag} {}..{}", span.start, span.end)
        });
        let bytes =
            cache::get_or_fetch(what, || self.place.range(span.clone(), self.tag.as_deref()))?;
        Ok(FetchedRange {
            start: span.start,
            bytes,
            file_len: self.size,
        })
    }
}
