//! The two datasets a mix draws from: checked against each other, their `train` splits read
//! once into memory, and their rows sorted into one pool per (source, class).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Int64Array, RecordBatch};
use datasets::{Columns, Dataset, ImageSpec, Source};
use serde::Serialize;

use crate::error::{Error, Result};

/// A row of the inputs: (batch, row within batch), as `arrow_select::interleave` takes it.
pub type RowRef = (usize, usize);

/// The split every mix draws from.
pub const TRAIN: &str = "train";

/// What identifies an input in a resume key and in the records: its name and the hashes of
/// all its shards, so a changed input never resumes an old mix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputId {
    pub name: String,
    pub shards: Vec<String>,
}

/// Synthetic class name → real class name, for the classes named differently (the
/// options' `class_renames`).
pub type ClassRenames = BTreeMap<String, String>;

pub struct Inputs {
    pub synthetic_dir: PathBuf,
    pub real_dir: PathBuf,
    pub synthetic: InputId,
    pub real: InputId,
    /// The real dataset's class names: the classes of every output.
    pub classes: Vec<String>,
    pub image: ImageSpec,
    /// The real `train` split's class counts: the class proportions every subset follows.
    pub class_weights: Vec<u64>,
    /// Synthetic `train` batches (labels already in real class indices), then real ones.
    batches: Vec<RecordBatch>,
    /// Rows per source (Source::ALL order) and class, in input order.
    pools: [Vec<Vec<RowRef>>; 2],
    /// The real dataset's held-out splits (all but `train`): no uid of theirs may be mixed in.
    held_out: Vec<RecordBatch>,
}

pub(crate) fn source_index(source: Source) -> usize {
    match source {
        Source::Real => 0,
        Source::Synthetic => 1,
    }
}

impl Inputs {
    /// Opens and checks both inputs, then reads their `train` splits. Fails with one line
    /// on the first problem: differing classes or image sizes, a damaged shard, rows of the
    /// wrong source.
    pub fn load(synthetic_dir: &Path, real_dir: &Path, renames: &ClassRenames) -> Result<Inputs> {
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
        for dataset in [&synthetic, &real] {
            dataset.split(TRAIN)?;
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
        let mut batches = Vec::new();
        for (dataset, source) in [(&synthetic, Source::Synthetic), (&real, Source::Real)] {
            for batch in dataset.read_split(TRAIN)? {
                let labels = sort_into_pools(
                    &batch,
                    batches.len(),
                    dataset,
                    source,
                    &label_map,
                    &mut pools,
                )?;
                let batch = match source {
                    // Synthetic labels become real class indices once, here, for every subset.
                    Source::Synthetic => with_labels(&batch, labels)?,
                    Source::Real => batch,
                };
                batches.push(batch);
            }
        }
        let mut held_out = Vec::new();
        for split in real.manifest.splits.keys().filter(|s| s.as_str() != TRAIN) {
            held_out.extend(real.read_split(split)?);
        }
        Ok(Inputs {
            synthetic_dir: synthetic_dir.to_path_buf(),
            real_dir: real_dir.to_path_buf(),
            synthetic: input_id(&synthetic),
            real: input_id(&real),
            classes,
            image: real_image,
            class_weights,
            batches,
            pools,
            held_out,
        })
    }

    pub fn batches(&self) -> &[RecordBatch] {
        &self.batches
    }

    /// The rows of one (source, class), in input order.
    pub fn pool(&self, source: Source, class: usize) -> &[RowRef] {
        &self.pools[source_index(source)][class]
    }

    /// Fails if any of `rows` has the uid of a row of the real dataset's held-out splits:
    /// an import that put one image in both train and test must not leak it into training.
    /// Identical PNG bytes under different uids are only logged, since tiny datasets such as
    /// MNIST do hold genuine duplicates.
    pub fn check_held_out<'a>(&self, rows: impl IntoIterator<Item = &'a RowRef>) -> Result<()> {
        if self.held_out.is_empty() {
            return Ok(());
        }
        let mut uids: HashSet<&str> = HashSet::new();
        let mut images: HashSet<&[u8]> = HashSet::new();
        for batch in &self.held_out {
            let columns = Columns::of(batch);
            for i in 0..batch.num_rows() {
                uids.insert(columns.uids.value(i));
                images.insert(columns.png.value(i));
            }
        }
        let columns: Vec<Columns> = self.batches.iter().map(Columns::of).collect();
        let mut same_bytes = 0u64;
        for &(batch, row) in rows {
            let uid = columns[batch].uids.value(row);
            if uids.contains(uid) {
                return Err(Error::invalid(format!(
                    "uid '{uid}' is in both the train split and a held-out split of {}; \
                     the import put one image in both; re-import it without the overlap",
                    self.real_dir.display()
                )));
            }
            same_bytes += u64::from(images.contains(columns[batch].png.value(row)));
        }
        if same_bytes > 0 {
            tracing::warn!(
                "{same_bytes} mixed row(s) have the same PNG bytes as a held-out row of {} (different uids)",
                self.real_dir.display()
            );
        }
        Ok(())
    }
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
const RENAMES: &str = "class_renames";

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

/// Adds the rows of one batch to the pools and returns its labels in real class indices.
/// Checks per row that the source column says what the input is for.
fn sort_into_pools(
    batch: &RecordBatch,
    batch_index: usize,
    dataset: &Dataset,
    source: Source,
    label_map: &[i64],
    pools: &mut [Vec<Vec<RowRef>>; 2],
) -> Result<Vec<i64>> {
    let columns = Columns::of(batch);
    let mut labels = Vec::with_capacity(batch.num_rows());
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
        labels.push(mapped);
    }
    Ok(labels)
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
