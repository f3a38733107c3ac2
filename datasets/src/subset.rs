//! Subsets of one split of a dataset, copied as they are: rows keep their PNG bytes, label,
//! source, uid and meta, and no image is decoded.

use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use arrow_select::interleave::interleave_record_batch;

use crate::error::{Error, Result};
use crate::manifest::{Manifest, Recipe};
use crate::reader::{Columns, Dataset};
use crate::types::{DatasetInfo, SplitPlan};
use crate::writer::{DatasetWriter, WriteMode};

/// Rows picked from one split: the split's batches as read, and the picks in output order.
pub struct Picked {
    batches: Vec<RecordBatch>,
    /// (batch, row) positions in `batches`.
    rows: Vec<(usize, usize)>,
    /// Rows picked of each class.
    counts: Vec<u64>,
}

impl Picked {
    /// How many rows of each class were picked, indexed by label.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }
}

/// The first `per_class` rows of every class of `split`, in their order. A class with fewer
/// rows gives all it has; [`Picked::counts`] tells.
pub fn first_rows_per_class(dataset: &Dataset, split: &str, per_class: u64) -> Result<Picked> {
    let batches = dataset.read_split(split)?;
    let mut counts = vec![0u64; dataset.manifest.classes.len()];
    let mut rows = Vec::new();
    for (b, batch) in batches.iter().enumerate() {
        let labels = Columns::of(batch).labels;
        for row in 0..batch.num_rows() {
            let count = &mut counts[labels.value(row) as usize];
            if *count < per_class {
                *count += 1;
                rows.push((b, row));
            }
        }
    }
    Ok(Picked {
        batches,
        rows,
        counts,
    })
}

/// Writes the picked rows, in order, as the split `split` of a new dataset in `out`; on an
/// error, removes what it wrote.
pub fn write_rows(
    picked: &Picked,
    split: &str,
    out: &Path,
    info: DatasetInfo,
    mode: WriteMode,
) -> Result<Manifest> {
    let plan = SplitPlan {
        name: split.to_string(),
        rows: picked.rows.len() as u64,
    };
    let writer = DatasetWriter::create(out, info, &[plan], mode)?;
    let batches: Vec<&RecordBatch> = picked.batches.iter().collect();
    let written = (|| -> Result<()> {
        for (index, slot) in writer.slots().iter().enumerate() {
            let picks = &picked.rows[slot.rows.start as usize..slot.rows.end as usize];
            let rows = interleave_record_batch(&batches, picks)
                .map_err(|e| Error::invalid(out, format!("copying rows: {e}")))?;
            let mut shard = writer.shard(index)?;
            shard.push_batch(&rows)?;
            shard.finish()?;
        }
        Ok(())
    })();
    match written {
        Ok(()) => writer.finish(Vec::new(), None),
        Err(e) => {
            writer.abort();
            Err(e)
        }
    }
}

/// A smaller real test set for quick profiles: writes (once) `data_dir/<name>-test<limit>`,
/// whose `test` split holds `limit` rows of the `test` split of `real`, the same number of
/// each class in their original order, and returns its directory. `command` goes into the
/// recipe. The setting `test_limit` is `limit`.
pub fn stratified_test(real: &Path, limit: u64, data_dir: &Path, command: &str) -> Result<PathBuf> {
    let dataset = Dataset::open(real)?;
    let name = format!("{}-test{limit}", dataset.manifest.name);
    let out = data_dir.join(&name);
    if Dataset::open(&out).is_ok() {
        return Ok(out);
    }
    let classes = dataset.manifest.classes.len() as u64;
    if !limit.is_multiple_of(classes) {
        return Err(Error::setting(
            "test_limit",
            format!("{limit} must be a multiple of the {classes} classes"),
        ));
    }
    let per_class = limit / classes;
    let picked = first_rows_per_class(&dataset, "test", per_class)?;
    if let Some((class, &have)) = picked
        .counts()
        .iter()
        .enumerate()
        .find(|&(_, &n)| n < per_class)
    {
        return Err(Error::setting(
            "test_limit",
            format!(
                "{}: the test split has {have} rows of class '{}', fewer than the {per_class} asked for",
                real.display(),
                dataset.manifest.classes[class]
            ),
        ));
    }
    let info = DatasetInfo {
        name,
        classes: dataset.manifest.classes.clone(),
        image: dataset.manifest.image,
        source: dataset.manifest.source.clone(),
        recipe: Recipe {
            command: command.to_string(),
            seed: None,
            config: serde_json::json!({ "stratified_test_of": real, "limit": limit }),
        },
    };
    write_rows(&picked, "test", &out, info, WriteMode::Force)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::writer::testing::{fill, info};

    /// A dataset whose `test` split has 10 rows, labels alternating a, b.
    fn source(dir: &Path) -> PathBuf {
        let real = dir.join("real");
        let plan = [SplitPlan {
            name: "test".into(),
            rows: 10,
        }];
        let writer =
            DatasetWriter::with_rows_per_shard(&real, info(), &plan, WriteMode::Fresh, 4).unwrap();
        for slot in 0..writer.slots().len() {
            fill(&writer, slot).unwrap();
        }
        writer.finish(Vec::new(), None).unwrap();
        real
    }

    #[test]
    fn takes_the_first_rows_of_every_class_in_order() {
        let tmp = tempfile::tempdir().unwrap();
        let real = source(tmp.path());
        let out = stratified_test(&real, 4, tmp.path(), "test").unwrap();
        assert_eq!(out, tmp.path().join("t-test4"));
        let subset = Dataset::open(&out).unwrap();
        assert_eq!(subset.manifest.splits["test"].class_counts, vec![2, 2]);
        let decoded = subset.decode_split("test").unwrap();
        assert_eq!(decoded.uids, ["u0", "u1", "u2", "u3"]);
        assert!(crate::verify::verify(&out).unwrap().is_empty());
        // Written once: a second call finds it.
        assert_eq!(stratified_test(&real, 4, tmp.path(), "again").unwrap(), out);
    }

    #[test]
    fn a_limit_the_classes_cannot_share_or_fill_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let real = source(tmp.path());
        let err = stratified_test(&real, 3, tmp.path(), "test").unwrap_err();
        assert_eq!(
            err.to_string(),
            "test_limit: 3 must be a multiple of the 2 classes"
        );
        let err = stratified_test(&real, 12, tmp.path(), "test").unwrap_err();
        assert!(
            err.to_string()
                .contains("has 5 rows of class 'a', fewer than the 6"),
            "{err}"
        );
        assert!(!tmp.path().join("t-test12").exists());
    }
}
