//! Shard planning: which rows of which split each shard file holds, fixed up front by the
//! row counts so every shard's name (`-NNNNN-of-NNNNN`) is known before any is written.

use std::ops::Range;

use crate::error::{Error, Result};
use crate::types::{DatasetInfo, SplitPlan};

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

/// The most shards of one split: what the five digits of a shard's name can number.
const MAX_SHARDS: u64 = 99_999;

/// Checks what a dataset is to hold before anything is planned or written: the plan of
/// `rows_per_shard` rows a shard must fit the shard names, so a huge row count is refused
/// rather than planned shard by shard.
pub(super) fn check(info: &DatasetInfo, splits: &[SplitPlan], rows_per_shard: u64) -> Result<()> {
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
        if split.rows.div_ceil(rows_per_shard.max(1)) > MAX_SHARDS {
            return Err(Error::usage(format!(
                "split '{}' of {} rows would take more than {MAX_SHARDS} shards of {rows_per_shard} rows; write fewer rows or more a shard",
                split.name, split.rows
            )));
        }
    }
    Ok(())
}

/// Cuts every split into as few shards of at most `rows_per_shard` rows as it can, of
/// nearly equal size.
pub(super) fn plan(splits: &[SplitPlan], rows_per_shard: u64) -> Vec<ShardSlot> {
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

/// The files of the shards of `split` that hold any of `rows` (a phase's shards).
pub(super) fn covering(slots: &[ShardSlot], split: &str, rows: &Range<u64>) -> Vec<String> {
    slots
        .iter()
        .filter(|s| s.split == split && s.rows.start < rows.end && rows.start < s.rows.end)
        .map(|s| s.file.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_shards_than_their_names_can_number_are_refused_before_planning() {
        let info = crate::writer::testing::info();
        let split = |rows| {
            [SplitPlan {
                name: "train".into(),
                rows,
            }]
        };
        assert!(check(&info, &split(99_999 * 20_000), 20_000).is_ok());
        let err = check(&info, &split(10_000_000_000_000), 20_000)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("'train'") && err.contains("99999 shards"),
            "{err}"
        );
    }

    #[test]
    fn phases_cover_the_shards_their_rows_touch() {
        let splits = [
            SplitPlan {
                name: "train".into(),
                rows: 10,
            },
            SplitPlan {
                name: "test".into(),
                rows: 4,
            },
        ];
        let slots = plan(&splits, 4);
        let files = |rows| covering(&slots, "train", &rows);
        assert_eq!(files(0..3), ["data/train-00000-of-00003.parquet"]);
        assert_eq!(
            files(2..4),
            [
                "data/train-00000-of-00003.parquet",
                "data/train-00001-of-00003.parquet"
            ]
        );
        assert!(files(10..10).is_empty());
        assert_eq!(covering(&slots, "test", &(0..4)).len(), 1);
    }
}
