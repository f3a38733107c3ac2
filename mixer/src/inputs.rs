//! The two datasets a mix draws from: checked against each other, the key columns (label,
//! source, uid) of their `train` splits read to sort the rows into one pool per (source,
//! class), and later the full rows of exactly the row groups a set of outputs needs.

use std::collections::{BTreeMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Int64Array, RecordBatch, UInt32Array};
use arrow_select::take::take_record_batch;
use datasets::gather::{Gathered, RowGroups};
use datasets::{
    Columns, Dataset, ImageSpec, KeyColumns, Location, ShardFile, Source, SplitManifest,
};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A row of the inputs: (row group, row within it); row groups are numbered through the
/// synthetic `train` split, then the real one.
pub use datasets::gather::RowRef;

/// The split every mix draws from.
pub const TRAIN: &str = "train";

/// What identifies an input in a resume key and in the records: its name and the hashes of
/// all its shards, so a changed input never resumes an old mix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputId {
    pub name: String,
    pub shards: Vec<String>,
}

/// Synthetic class name → real class name, for the classes named differently (the
/// options' `class_renames`).
pub type ClassRenames = BTreeMap<String, String>;

pub struct Inputs {
    pub synthetic_dir: Location,
    pub real_dir: Location,
    pub synthetic: InputId,
    pub real: InputId,
    /// The real dataset's class names: the classes of every output.
    pub classes: Vec<String>,
    pub image: ImageSpec,
    /// The real `train` split's class counts: the class proportions every subset follows.
    pub class_weights: Vec<u64>,
    /// The row groups a [`RowRef`] names, and their key columns.
    row_groups: RowGroups,
    keys: Vec<RecordBatch>,
    /// Row groups below this number are synthetic, the rest real.
    synthetic_groups: usize,
    /// Synthetic label → real label.
    label_map: Vec<i64>,
    /// Rows per source (Source::ALL order) and class, in input order.
    pools: [Vec<Vec<RowRef>>; 2],
    /// The uids, and hashes of the PNG bytes, of the real dataset's held-out splits (all but
    /// `train`): no uid of theirs may be mixed in.
    held_out_uids: HashSet<String>,
    held_out_images: HashSet<u64>,
    /// Mean bytes of a stored row, the larger of the two inputs': what a row costs in memory.
    row_bytes: u64,
}

/// The train split of a mixer input. A synthetic dataset may have none (a render of its test
/// split alone, for sweeps that take no synthetic rows): its pools are empty, and any quota
/// that needs synthetic rows fails as for too small a pool. The real dataset must have one.
fn train_split(dataset: &Dataset, source: Source) -> Result<Option<&SplitManifest>> {
    match dataset.manifest.splits.get(TRAIN) {
        None if source == Source::Synthetic => Ok(None),
        _ => Ok(Some(dataset.split(TRAIN)?)),
    }
}

pub(crate) fn source_index(source: Source) -> usize {
    match source {
        Source::Real => 0,
        Source::Synthetic => 1,
    }
}

impl Inputs {
    /// Opens and checks both inputs, then reads the key columns of their `train` splits.
    /// Fails with one line on the first problem: differing classes or image sizes, a damaged
    /// shard, rows of the wrong source.
    pub fn load(
        synthetic_dir: &Location,
        real_dir: &Location,
        renames: &ClassRenames,
    ) -> Result<Inputs> {
        let synthetic = Dataset::open(synthetic_dir)?;
        let real = Dataset::open(real_dir)?;
        let (syn_image, real_image) = (synthetic.manifest.image, real.manifest.image);
        if syn_image != real_image {
            return Err(Error::invalid(format!(
                "image sizes differ: synthetic {} is {syn_image} but real {} is {real_image} (width x height x channels); \
                 generate or import one of them at the other's size",
                synthetic_dir.display(),
                real_dir.display()
            )));
        }
        let label_map = map_classes(&synthetic.manifest.classes, &real.manifest.classes, renames)?;
        let mut row_bytes = 1;
        for (dataset, source) in [(&synthetic, Source::Synthetic), (&real, Source::Real)] {
            let Some(split) = train_split(dataset, source)? else {
                continue;
            };
            let bytes: u64 = split.shards.iter().map(|s| s.bytes).sum();
            row_bytes = row_bytes.max(bytes / split.rows.max(1));
            let problems = datasets::verify::verify(&dataset.dir)?;
            if let Some(first) = problems.first() {
                return Err(Error::invalid(format!(
                    "input {} is damaged: {first} ({} problem(s) in all; run `synmix verify {}`)",
                    dataset.dir.display(),
                    problems.len(),
                    dataset.dir.display()
                )));
            }
        }

        let classes = real.manifest.classes.clone();
        let class_weights = real.split(TRAIN)?.class_counts.clone();
        let mut pools: [Vec<Vec<RowRef>>; 2] = [
            vec![Vec::new(); classes.len()],
            vec![Vec::new(); classes.len()],
        ];
        let mut row_groups = RowGroups::new();
        let mut keys = Vec::new();
        let mut synthetic_groups = 0;
        for (dataset, source) in [(&synthetic, Source::Synthetic), (&real, Source::Real)] {
            if let Some(split) = train_split(dataset, source)? {
                row_groups.add_split(dataset, split, |group, _, batch| {
                    sort_into_pools(batch, group, dataset, source, &label_map, &mut pools)?;
                    keys.push(batch.clone());
                    Ok::<_, Error>(())
                })?;
            }
            if source == Source::Synthetic {
                synthetic_groups = row_groups.len();
            }
        }
        let mut held_out_uids = HashSet::new();
        let mut held_out_images = HashSet::new();
        for split in real.manifest.splits.keys().filter(|s| s.as_str() != TRAIN) {
            for shard in &real.split(split)?.shards {
                // A row group at a time: a test split of large images is never held whole.
                for batch in ShardFile::open(real.shard_path(&shard.file))?.batches(false) {
                    let batch = batch?;
                    let columns = Columns::of(&batch);
                    for i in 0..batch.num_rows() {
                        held_out_uids.insert(columns.uids.value(i).to_string());
                        held_out_images.insert(image_hash(columns.png.value(i)));
                    }
                }
            }
        }
        Ok(Inputs {
            synthetic_dir: synthetic_dir.clone(),
            real_dir: real_dir.clone(),
            synthetic: input_id(&synthetic),
            real: input_id(&real),
            classes,
            image: real_image,
            class_weights,
            row_groups,
            keys,
            synthetic_groups,
            label_map,
            pools,
            held_out_uids,
            held_out_images,
            row_bytes,
        })
    }

    /// The rows of one (source, class), in input order.
    pub fn pool(&self, source: Source, class: usize) -> &[RowRef] {
        &self.pools[source_index(source)][class]
    }

    /// How many rows fit in `budget` bytes (at least one).
    pub fn rows_within(&self, budget: u64) -> usize {
        (budget / self.row_bytes).max(1) as usize
    }

    /// Fails if any of `rows` has the uid of a row of the real dataset's held-out splits:
    /// an import that put one image in both train and test must not leak it into training.
    /// (Identical PNG bytes under different uids are counted by [`Inputs::gather`].)
    pub fn check_held_out<'a>(&self, rows: impl IntoIterator<Item = &'a RowRef>) -> Result<()> {
        if self.held_out_uids.is_empty() {
            return Ok(());
        }
        let columns: Vec<KeyColumns> = self.keys.iter().map(KeyColumns::of).collect();
        for &(group, row) in rows {
            let uid = columns[group].uids.value(row);
            if self.held_out_uids.contains(uid) {
                return Err(Error::invalid(format!(
                    "uid '{uid}' is in both the train split and a held-out split of {}; \
                     the import put one image in both; re-import it without the overlap",
                    self.real_dir.display()
                )));
            }
        }
        Ok(())
    }

    /// Reads the full rows of `lists`, only from the row groups they name, each row group once
    /// (several in parallel, [`RowGroups::gather`]), keeping of each the rows the lists need
    /// (all of it without a copy where they need every row): memory holds those rows and a few
    /// row groups. Also returns how many of the rows have the same PNG bytes as a held-out row
    /// (tiny datasets such as MNIST do hold genuine duplicates: logged, not an error).
    pub fn gather(&self, lists: &[&[RowRef]]) -> Result<(Gathered<RecordBatch>, u64)> {
        let gathered = self.row_groups.gather(lists, |group, batch, rows| {
            self.take_rows(group, batch, rows)
        })?;
        let same_bytes = gathered.parts.iter().map(|(_, same)| same).sum();
        let parts = gathered.parts.into_iter().map(|(batch, _)| batch).collect();
        let lists = gathered.lists;
        Ok((Gathered { parts, lists }, same_bytes))
    }

    /// Keeps `rows` (sorted) of row group `group`, read as `batch`; the synthetic labels become
    /// real class indices here.
    fn take_rows(
        &self,
        group: usize,
        batch: RecordBatch,
        rows: &[usize],
    ) -> Result<(RecordBatch, u64)> {
        let batch = if group < self.synthetic_groups {
            let labels = Columns::of(&batch)
                .labels
                .values()
                .iter()
                .map(|&l| self.label_map[l as usize])
                .collect();
            with_labels(&batch, labels)?
        } else {
            batch
        };
        let png = Columns::of(&batch).png;
        let same_bytes = rows
            .iter()
            .filter(|&&r| {
                !self.held_out_images.is_empty()
                    && self.held_out_images.contains(&image_hash(png.value(r)))
            })
            .count() as u64;
        if rows.len() == batch.num_rows() {
            return Ok((batch, same_bytes));
        }
        let indices = UInt32Array::from_iter_values(rows.iter().map(|&r| r as u32));
        Ok((take_record_batch(&batch, &indices)?, same_bytes))
    }
}

/// A 64-bit hash of PNG bytes (std's fixed-key SipHash): held-out images are compared by it, so
/// their bytes need not stay in memory; a collision would only add a log line.
fn image_hash(png: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    png.hash(&mut hasher);
    hasher.finish()
}

fn input_id(dataset: &Dataset) -> InputId {
    let shards = dataset
        .manifest
        .splits
        .values()
        .flat_map(|s| s.shards.iter().map(|shard| shard.blake3.clone()))
        .collect();
    InputId {
        name: dataset.manifest.name.clone(),
        shards,
    }
}

/// The options field that renames classes, as the errors about it name it.
pub const RENAMES: &str = "class_renames";

/// For each synthetic label, the real label its class maps onto.
fn map_classes(synthetic: &[String], real: &[String], renames: &ClassRenames) -> Result<Vec<i64>> {
    for (from, to) in renames {
        if !synthetic.contains(from) {
            return Err(Error::setting(
                RENAMES,
                format!(
                    "names synthetic class '{from}', but the synthetic classes are: {}",
                    synthetic.join(", ")
                ),
            ));
        }
        if !real.contains(to) {
            return Err(Error::setting(
                RENAMES,
                format!(
                    "maps onto '{to}', but the real classes are: {}",
                    real.join(", ")
                ),
            ));
        }
    }
    let mut labels = Vec::with_capacity(synthetic.len());
    for name in synthetic {
        let target = renames.get(name).unwrap_or(name);
        let Some(label) = real.iter().position(|r| r == target) else {
            return Err(Error::setting(
                RENAMES,
                format!(
                    "needs an entry '{name}=<real class>': class names differ, and synthetic class '{name}' \
                     is not a real class (real classes: {})",
                    real.join(", ")
                ),
            ));
        };
        labels.push(label as i64);
    }
    if let Some(missing) = real
        .iter()
        .enumerate()
        .find(|(r, _)| !labels.contains(&(*r as i64)))
    {
        return Err(Error::setting(
            RENAMES,
            format!(
                "needs an entry '<synthetic class>={}': class names differ, and real class '{}' has no \
                 synthetic counterpart (synthetic classes: {}{})",
                missing.1,
                missing.1,
                synthetic.join(", "),
                if renames.is_empty() {
                    ""
                } else {
                    ", before renaming"
                },
            ),
        ));
    }
    Ok(labels)
}

/// Adds the rows of one key batch ([`KeyColumns`]) to the pools. Checks per row that the
/// source column says what the input is for and that the label is one of the input's classes.
fn sort_into_pools(
    batch: &RecordBatch,
    batch_index: usize,
    dataset: &Dataset,
    source: Source,
    label_map: &[i64],
    pools: &mut [Vec<Vec<RowRef>>; 2],
) -> Result<()> {
    let columns = KeyColumns::of(batch);
    for row in 0..batch.num_rows() {
        let found = columns.sources.value(row);
        if found != source.as_str() {
            return Err(Error::invalid(format!(
                "{} is given as the {source} input but row uid '{}' says its source is '{found}'",
                dataset.dir.display(),
                columns.uids.value(row)
            )));
        }
        let label = columns.labels.value(row);
        let mapped = match source {
            Source::Synthetic => usize::try_from(label)
                .ok()
                .and_then(|l| label_map.get(l))
                .copied(),
            Source::Real => usize::try_from(label)
                .ok()
                .filter(|&l| l < dataset.manifest.classes.len())
                .map(|l| l as i64),
        };
        let Some(mapped) = mapped else {
            return Err(Error::invalid(format!(
                "{}: label {label} is not one of its classes",
                dataset.dir.display()
            )));
        };
        pools[source_index(source)][mapped as usize].push((batch_index, row));
    }
    Ok(())
}

fn with_labels(batch: &RecordBatch, labels: Vec<i64>) -> Result<RecordBatch> {
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    let nulls = columns[1].nulls().cloned();
    columns[1] = Arc::new(Int64Array::new(labels.into(), nulls));
    Ok(RecordBatch::try_new(batch.schema(), columns)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn classes_map_by_name_and_through_the_renames() {
        let renames = |pairs: &[(&str, &str)]| -> ClassRenames {
            pairs
                .iter()
                .map(|(from, to)| (from.to_string(), to.to_string()))
                .collect()
        };
        let real = names(&["cat", "dog"]);
        assert_eq!(
            map_classes(&names(&["dog", "cat"]), &real, &ClassRenames::new()).unwrap(),
            vec![1, 0]
        );
        let map = renames(&[("kitten", "cat")]);
        assert_eq!(
            map_classes(&names(&["kitten", "dog"]), &real, &map).unwrap(),
            vec![0, 1]
        );
        let err = map_classes(&names(&["kitten", "dog"]), &real, &ClassRenames::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains("'kitten' is not a real class"), "{err}");
        let err = map_classes(&names(&["dog"]), &real, &ClassRenames::new())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("real class 'cat' has no synthetic counterpart"),
            "{err}"
        );
        let err = map_classes(&names(&["dog"]), &real, &renames(&[("x", "cat")]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("class_renames: names synthetic class 'x'"),
            "{err}"
        );
    }
}
