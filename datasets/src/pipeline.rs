//! The encode-while-write pipeline of the stages that make images (import, generate): a
//! writer's shards cut into batches, and three stages that overlap — make a batch (one thread,
//! in batch order: a renderer, or nothing), PNG-encode its rows (rayon, in pieces), write them
//! (one thread) — so that batch k+1 is made and encoded while batch k is written.
//!
//! Memory holds at most a few batches: one made batch waits for the encoder, and one encoded
//! batch is handed to the writer only once it has written the one before.

use std::ops::Range;
use std::sync::mpsc::sync_channel;

use rayon::prelude::*;

use crate::error::Error;
use crate::progress::Progress;
use crate::types::{Row, Source};
use crate::writer::{DatasetWriter, ShardSlot};

/// One hand-off between stages: consecutive rows of one shard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// The writer's slot the rows belong to.
    pub slot: usize,
    /// Rows of the slot's split.
    pub rows: Range<u64>,
    /// The batch holds the slot's last rows: its shard is finished after it.
    pub ends_slot: bool,
}

impl Batch {
    pub fn len(&self) -> usize {
        (self.rows.end - self.rows.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Cuts each slot that `wanted` keeps (by its index and itself) into near-equal batches of at
/// most `batch_size` rows.
pub fn plan_batches(
    slots: &[ShardSlot],
    wanted: impl Fn(usize, &ShardSlot) -> bool,
    batch_size: usize,
) -> Vec<Batch> {
    let mut batches = Vec::new();
    for (i, slot) in slots.iter().enumerate().filter(|(i, s)| wanted(*i, s)) {
        let rows = slot.rows.end - slot.rows.start;
        let pieces = rows.div_ceil(batch_size as u64).max(1);
        let per_piece = rows.div_ceil(pieces);
        let mut start = slot.rows.start;
        while start < slot.rows.end {
            let end = (start + per_piece).min(slot.rows.end);
            batches.push(Batch {
                slot: i,
                rows: start..end,
                ends_slot: end == slot.rows.end,
            });
            start = end;
        }
    }
    batches
}

/// Encoded rows of a batch, packed into a few buffers so that encoding allocates per piece
/// of rows, not per row.
#[derive(Debug, Default)]
pub struct EncodedRows {
    png: Vec<u8>,
    png_ends: Vec<usize>,
    /// uid then meta of each row, back to back.
    text: String,
    text_ends: Vec<(usize, usize)>,
    labels: Vec<i64>,
}

impl EncodedRows {
    /// Appends a row: `png` appends its PNG bytes to the buffer it is given, then `uid` and
    /// `meta` append their text to theirs.
    pub fn push<E>(
        &mut self,
        label: i64,
        png: impl FnOnce(&mut Vec<u8>) -> Result<(), E>,
        uid: impl FnOnce(&mut String),
        meta: impl FnOnce(&mut String),
    ) -> Result<(), E> {
        png(&mut self.png)?;
        self.png_ends.push(self.png.len());
        uid(&mut self.text);
        let uid_end = self.text.len();
        meta(&mut self.text);
        self.text_ends.push((uid_end, self.text.len()));
        self.labels.push(label);
        Ok(())
    }

    fn rows(&self, source: Source) -> impl Iterator<Item = Row<'_>> {
        (0..self.labels.len()).map(move |j| {
            let (png_start, text_start) = match j {
                0 => (0, 0),
                _ => (self.png_ends[j - 1], self.text_ends[j - 1].1),
            };
            let (uid_end, meta_end) = self.text_ends[j];
            Row {
                png: &self.png[png_start..self.png_ends[j]],
                label: self.labels[j],
                source,
                uid: &self.text[text_start..uid_end],
                meta: &self.text[uid_end..meta_end],
            }
        })
    }
}

/// Rows per encoding task.
const PIECE: usize = 256;

/// Writes `batches` ([`plan_batches`]) into `writer`'s shards, each of `source`, through the
/// three stages: `make` prepares each batch in order on a thread of its own (renders it, say);
/// `encode(batch, made, i, out)` appends the batch's row `i` (counted from its first) to `out`,
/// for pieces of rows in parallel; one thread writes the rows in order, opening each shard with
/// its first batch and finishing it with its last. `progress` hears of the rows planned, then
/// of each batch written. Returns the rows and the shards written. On an error the shards
/// written stay: the caller decides what its writer keeps.
pub fn encode_and_write<T, E>(
    writer: &DatasetWriter,
    batches: &[Batch],
    source: Source,
    mut make: impl FnMut(&Batch) -> Result<T, E> + Send,
    encode: impl Fn(&Batch, &T, usize, &mut EncodedRows) -> Result<(), E> + Sync,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<(u64, usize), E>
where
    T: Send + Sync,
    E: From<Error> + Send,
{
    let rows = batches.iter().map(|b| b.len() as u64).sum();
    progress(Progress::Planned { rows });
    // Half the raw size per PNG: what these images mostly take, so few pieces grow.
    let png_bytes = writer.info().image.pixels_per_image() / 2 + 100;
    let (made_tx, made_rx) = sync_channel::<(&Batch, T)>(1);
    // A rendezvous: the encoder hands a batch over only when the writer takes it.
    let (encoded_tx, encoded_rx) = sync_channel::<(&Batch, Vec<EncodedRows>)>(0);
    std::thread::scope(|scope| {
        let maker = scope.spawn(move || -> Result<(), E> {
            for batch in batches {
                let made = make(batch)?;
                if made_tx.send((batch, made)).is_err() {
                    break; // a later stage failed and says why
                }
            }
            Ok(())
        });
        let shard_writer = scope.spawn(move || -> Result<(u64, usize), E> {
            let (mut rows, mut shards) = (0, 0);
            let mut open = None;
            for (batch, pieces) in encoded_rx {
                let shard = match &mut open {
                    Some(shard) => shard,
                    None => open.insert(writer.shard(batch.slot)?),
                };
                for row in pieces.iter().flat_map(|piece| piece.rows(source)) {
                    shard.push(row)?;
                }
                if batch.ends_slot {
                    open.take().expect("a shard is open").finish()?;
                    shards += 1;
                }
                rows += batch.len() as u64;
                progress(Progress::Rows(batch.len() as u64));
            }
            Ok((rows, shards))
        });
        let encoding = (|| -> Result<(), E> {
            for (batch, made) in made_rx {
                let pieces = (0..batch.len().div_ceil(PIECE))
                    .into_par_iter()
                    .map(|p| {
                        let rows = p * PIECE..((p + 1) * PIECE).min(batch.len());
                        let mut piece = EncodedRows {
                            png: Vec::with_capacity(rows.len() * png_bytes),
                            ..Default::default()
                        };
                        for i in rows {
                            encode(batch, &made, i, &mut piece)?;
                        }
                        Ok(piece)
                    })
                    .collect::<Result<Vec<_>, E>>()?;
                if encoded_tx.send((batch, pieces)).is_err() {
                    break;
                }
            }
            Ok(())
        })();
        drop(encoded_tx);
        let making = maker.join().expect("the thread making batches panicked");
        let writing = shard_writer.join().expect("the writer thread panicked");
        making?;
        encoding?;
        writing
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(split: &str, rows: Range<u64>, done: bool) -> ShardSlot {
        ShardSlot {
            split: split.into(),
            index: 0,
            count: 1,
            rows,
            file: String::new(),
            done,
        }
    }

    #[test]
    fn batches_cut_each_wanted_slot_into_near_equal_parts() {
        let slots = [
            slot("train", 0..10, false),
            slot("train", 10..12, true),
            slot("test", 0..7, false),
        ];
        let batches = plan_batches(&slots, |_, s| !s.done, 4);
        let cut: Vec<(usize, Range<u64>, bool)> = batches
            .into_iter()
            .map(|b| (b.slot, b.rows, b.ends_slot))
            .collect();
        assert_eq!(
            cut,
            [
                (0, 0..4, false),
                (0, 4..8, false),
                (0, 8..10, true),
                (2, 0..4, false),
                (2, 4..7, true)
            ]
        );
    }
}
