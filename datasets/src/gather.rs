//! Rows of a dataset's shards named by row group, and read back a row group at a time: what a
//! stage that must not hold a whole split in memory (the mixer's copies, the trainer's streamed
//! splits) indexes from the key columns and gathers from when it needs the rows.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use arrow_array::RecordBatch;
use rayon::prelude::*;

use crate::error::Error;
use crate::manifest::SplitManifest;
use crate::reader::{Dataset, ShardFile};

/// A row: (row group, row within it), row groups numbered in the order they were added.
pub type RowRef = (usize, usize);

/// The row groups of one or more splits, numbered in the order they were added.
#[derive(Default)]
pub struct RowGroups {
    groups: Vec<(Arc<ShardFile>, usize)>,
}

impl std::fmt::Debug for RowGroups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RowGroups({})", self.groups.len())
    }
}

/// What [`RowGroups::gather`] read: one part per row group the lists name, and each list again
/// as (part, place among that part's rows).
pub struct Gathered<T> {
    pub parts: Vec<T>,
    pub lists: Vec<Vec<RowRef>>,
}

impl RowGroups {
    pub fn new() -> RowGroups {
        RowGroups::default()
    }

    pub fn len(&self) -> usize {
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Row group `group`'s shard and its index there.
    pub fn get(&self, group: usize) -> (&ShardFile, usize) {
        let (shard, index) = &self.groups[group];
        (shard, *index)
    }

    /// Appends the row groups of `split` (of `dataset`), shard after shard, reading only their
    /// key columns: `keys` gets each row group's number, its shard and its keys
    /// ([`KeyColumns`](crate::KeyColumns)), in order.
    pub fn add_split<E: From<Error>>(
        &mut self,
        dataset: &Dataset,
        split: &SplitManifest,
        mut keys: impl FnMut(usize, &ShardFile, &RecordBatch) -> Result<(), E>,
    ) -> Result<(), E> {
        for shard in &split.shards {
            let shard = Arc::new(ShardFile::open(dataset.shard_path(&shard.file))?);
            for index in 0..shard.row_groups() {
                let batch = shard.read_row_group(index, true)?;
                keys(self.groups.len(), &shard, &batch)?;
                self.groups.push((shard.clone(), index));
            }
        }
        Ok(())
    }

    /// Reads the full rows of `lists`: every row group they name once, the row groups in
    /// parallel, in order of their numbers; `take(group, batch, rows)` makes a row group's
    /// part from its batch and the rows of it any list names (sorted, each once). Memory holds
    /// the parts and the row groups being read.
    pub fn gather<T, E>(
        &self,
        lists: &[&[RowRef]],
        take: impl Fn(usize, RecordBatch, &[usize]) -> Result<T, E> + Sync,
    ) -> Result<Gathered<T>, E>
    where
        T: Send,
        E: From<Error> + Send,
    {
        // Row group → the rows of it any list needs, sorted.
        let mut wanted: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for &(group, row) in lists.iter().copied().flatten() {
            wanted.entry(group).or_default().push(row);
        }
        for rows in wanted.values_mut() {
            rows.sort_unstable();
            rows.dedup();
        }
        let wanted: Vec<(usize, Vec<usize>)> = wanted.into_iter().collect();
        let parts = wanted
            .par_iter()
            .map(|(group, rows)| {
                let (shard, index) = self.get(*group);
                take(*group, shard.read_row_group(index, false)?, rows)
            })
            .collect::<Result<Vec<T>, E>>()?;
        // Row group → (its part, the rows that part holds).
        let places: HashMap<usize, (usize, &[usize])> = wanted
            .iter()
            .enumerate()
            .map(|(part, (group, rows))| (*group, (part, rows.as_slice())))
            .collect();
        let lists = lists
            .iter()
            .map(|list| {
                list.iter()
                    .map(|&(group, row)| {
                        let (part, rows) = places[&group];
                        (part, rows.binary_search(&row).expect("gathered row"))
                    })
                    .collect()
            })
            .collect();
        Ok(Gathered { parts, lists })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Recipe;
    use crate::reader::Columns;
    use crate::types::{DatasetInfo, ImageSpec, Row, Source, SplitPlan};
    use crate::writer::{DatasetWriter, WriteMode};

    /// 1,300 rows of 1×1 grey images in two shards of 650 rows: row groups of 512, 138, 512
    /// and 138 rows. Row `i` has uid `i`.
    fn dataset(dir: &std::path::Path) -> Dataset {
        let spec = ImageSpec {
            width: 1,
            height: 1,
            channels: 1,
        };
        let info = DatasetInfo {
            name: "rows".into(),
            classes: vec!["a".into()],
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
        let mut png = Vec::new();
        crate::png::encode_into(&mut png, &[0], spec).unwrap();
        for slot in 0..writer.slots().len() {
            let mut shard = writer.shard(slot).unwrap();
            for row in shard.slot().rows.clone() {
                let uid = row.to_string();
                shard
                    .push(Row {
                        png: &png,
                        label: 0,
                        source: Source::Real,
                        uid: &uid,
                        meta: "",
                    })
                    .unwrap();
            }
            shard.finish().unwrap();
        }
        writer.finish(Vec::new(), None).unwrap();
        Dataset::open(dir).unwrap()
    }

    #[test]
    fn rows_are_gathered_from_the_row_groups_they_name_each_read_once() {
        let dir = tempfile::tempdir().unwrap();
        let dataset = dataset(dir.path());
        let mut groups = RowGroups::new();
        let mut sizes = Vec::new();
        groups
            .add_split(
                &dataset,
                dataset.split("train").unwrap(),
                |group, _, keys| {
                    sizes.push((group, keys.num_rows()));
                    Ok::<_, Error>(())
                },
            )
            .unwrap();
        assert_eq!(sizes, [(0, 512), (1, 138), (2, 512), (3, 138)]);

        let (first, second): (&[RowRef], &[RowRef]) = (&[(3, 5), (0, 1), (3, 5)], &[(1, 0)]);
        let reads = std::sync::Mutex::new(Vec::new());
        let gathered = groups
            .gather(&[first, second], |group, batch, rows| {
                reads.lock().unwrap().push((group, rows.to_vec()));
                let uids = Columns::of(&batch).uids;
                let kept: Vec<String> = rows.iter().map(|&r| uids.value(r).to_string()).collect();
                Ok::<_, Error>(kept)
            })
            .unwrap();
        let mut reads = reads.into_inner().unwrap();
        reads.sort();
        assert_eq!(reads, [(0, vec![1]), (1, vec![0]), (3, vec![5])]);
        let uid = |&(part, place): &RowRef| -> &str { &gathered.parts[part][place] };
        let uids: Vec<Vec<&str>> = gathered
            .lists
            .iter()
            .map(|list| list.iter().map(uid).collect())
            .collect();
        assert_eq!(uids, [vec!["1167", "1", "1167"], vec!["512"]]);
    }
}
