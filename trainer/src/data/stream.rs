//! A split too large for the memory budget, streamed from its shards: the key columns of every
//! row group read up front (labels, sources, where each row lies), the images of a window of rows
//! read and decoded when needed, every row group they lie in once ([`RowGroups::gather`]).

use datasets::gather::{RowGroups, RowRef};
use datasets::{Columns, Dataset, ImageSpec, KeyColumns, Source};

use crate::{Error, Result};

/// Where each row of a streamed split lies, and how many bytes of decoded images to hold.
pub(super) struct ShardRows {
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
    /// The rows of `split` of `dataset`, with their labels and sources: the key columns of
    /// every row group read now, the images when needed, at most `budget` bytes of them at once.
    pub(super) fn open(
        dataset: &Dataset,
        split: &str,
        budget: u64,
    ) -> Result<(ShardRows, Vec<u32>, Vec<Source>)> {
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
                    .map_err(|e: String| Error::file(shard.path().shown(), e))?;
                sources.push(source);
            }
            Ok::<_, Error>(())
        })?;
        let rows = ShardRows {
            spec: dataset.manifest.image,
            groups,
            at,
            budget,
        };
        Ok((rows, labels, sources))
    }

    /// Rows per window of a [`Loader`]: whole batches, at most a third of the budget each (one
    /// being decoded, one waiting, one being trained on), and at least one batch.
    pub(super) fn window_rows(&self, batch_size: usize) -> usize {
        let per_image = self.spec.pixels_per_image() as u64;
        let rows = (self.budget / 3 / per_image) as usize;
        (rows / batch_size).max(1) * batch_size
    }

    /// The images of `rows`, `u8` CHW one after another: every row group they lie in read once,
    /// the row groups in parallel ([`RowGroups::gather`]).
    pub(super) fn decode(&self, rows: &[usize]) -> Result<Vec<u8>> {
        let per_image = self.spec.pixels_per_image();
        let wanted: Vec<RowRef> = rows.iter().map(|&row| self.at[row]).collect();
        let gathered = self.groups.gather(&[&wanted], |group, batch, within| {
            let png = Columns::of(&batch).png;
            let mut images = vec![0; within.len() * per_image];
            let mut scratch = Vec::new();
            for (image, &row) in images.chunks_exact_mut(per_image).zip(within) {
                datasets::png::decode_into(image, png.value(row), self.spec).map_err(|e| {
                    let (shard, index) = self.groups.get(group);
                    Error::file(
                        shard.path().shown(),
                        format!("row {row} of row group {index}: {e}"),
                    )
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
pub(super) fn hwc_to_chw(image: &mut [u8], channels: usize, scratch: &mut Vec<u8>) {
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
