//! Subsets of one split of a dataset, copied as they are: rows keep their PNG bytes, label,
//! source, uid and meta, and no image is decoded.

use arrow_array::RecordBatch;
use arrow_select::interleave::interleave_record_batch;

use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::reader::{Columns, Dataset};
use crate::store::Location;
use crate::types::Recipe;
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

/// The first `per_class[label]` rows of every class of `split`, in their order. A class with
/// fewer rows gives all it has; [`Picked::counts`] tells.
pub fn first_rows_per_class(dataset: &Dataset, split: &str, per_class: &[u64]) -> Result<Picked> {
    let batches = dataset.read_split(split)?;
    let mut counts = vec![0u64; dataset.manifest.classes.len()];
    let mut rows = Vec::new();
    for (b, batch) in batches.iter().enumerate() {
        let labels = Columns::of(batch).labels;
        for row in 0..batch.num_rows() {
            let label = labels.value(row) as usize;
            if counts[label] < per_class.get(label).copied().unwrap_or(0) {
                counts[label] += 1;
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
    out: &Location,
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
                .map_err(|e| Error::invalid(out.shown(), format!("copying rows: {e}")))?;
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

/// The real test set a bench scores its runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestSet {
    /// The dataset whose `test` split it is.
    pub dir: Location,
    pub rows: u64,
    /// Rows of the whole `test` split it was taken from.
    pub of: u64,
}

impl TestSet {
    /// Whether it is the whole test split rather than a part of it.
    pub fn is_whole(&self) -> bool {
        self.rows == self.of
    }

    /// How it was chosen, in words for a report.
    pub fn describe(&self) -> String {
        if self.is_whole() {
            format!("the whole test split of {} ({} rows)", self.dir, self.of)
        } else {
            format!(
                "{} of the {} rows of the test split, in its class proportions (the first rows of each class)",
                self.rows, self.of
            )
        }
    }
}

/// The real test set for a limit of `limit` rows: where the `test` split of `real` holds
/// more, writes (once) the dataset `out` (named `<name>-test<limit>`), whose `test` split holds
/// `limit` rows in the split's class proportions (largest remainder; the first rows of each
/// class, in their order); else the whole split. `command` goes into the recipe. The setting
/// `test_limit` is `limit`.
pub fn stratified_test(
    real: &Location,
    limit: u64,
    out: &Location,
    command: &str,
) -> Result<TestSet> {
    let dataset = Dataset::open(real)?;
    let counts = &dataset.split("test")?.class_counts;
    let total: u64 = counts.iter().sum();
    if limit >= total {
        return Ok(TestSet {
            dir: real.clone(),
            rows: total,
            of: total,
        });
    }
    let per_class = crate::apportion::largest_remainder(limit, counts);
    if let Some(class) = (0..counts.len()).find(|&c| counts[c] > 0 && per_class[c] == 0) {
        return Err(Error::setting(
            "test_limit",
            format!(
                "{limit} rows cannot hold every class of the test split of {real} in its proportions (class '{}' would get none); ask for more, or 0 for the whole split",
                dataset.manifest.classes[class]
            ),
        ));
    }
    let name = format!("{}-test{limit}", dataset.manifest.name);
    let set = TestSet {
        dir: out.clone(),
        rows: limit,
        of: total,
    };
    if Dataset::open(out).is_ok() {
        return Ok(set);
    }
    let picked = first_rows_per_class(&dataset, "test", &per_class)?;
    let info = DatasetInfo {
        name,
        classes: dataset.manifest.classes.clone(),
        image: dataset.manifest.image,
        source: dataset.manifest.source.clone(),
        recipe: Recipe {
            command: command.to_string(),
            seed: None,
            config: serde_json::json!({ "stratified_test_of": real.to_string(), "limit": limit, "proportional": true }),
        },
    };
    write_rows(&picked, "test", out, info, WriteMode::Force)?;
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::writer::testing::{fill, info};
    use std::path::Path;

    fn at(dir: &Path, name: &str) -> Location {
        dir.join(name).into()
    }

    /// A dataset whose `test` split has 10 rows, labels alternating a, b.
    fn source(dir: &Path) -> Location {
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
        real.into()
    }

    /// A dataset whose `test` split has 10 rows: 7 of class a, then 3 of class b.
    fn unequal(dir: &Path) -> Location {
        let real = dir.join("unequal");
        let plan = [SplitPlan {
            name: "test".into(),
            rows: 10,
        }];
        let writer =
            DatasetWriter::with_rows_per_shard(&real, info(), &plan, WriteMode::Fresh, 4).unwrap();
        let labels = [0, 0, 1, 0, 0, 1, 0, 0, 1, 0];
        let mut png = Vec::new();
        crate::png::encode_into(&mut png, &[1, 2, 3, 4], writer.info().image).unwrap();
        for (index, slot) in writer.slots().iter().enumerate() {
            let mut shard = writer.shard(index).unwrap();
            for row in slot.rows.clone() {
                shard
                    .push(crate::types::Row {
                        png: &png,
                        label: labels[row as usize],
                        source: crate::types::Source::Synthetic,
                        uid: &format!("u{row}"),
                        meta: "{}",
                    })
                    .unwrap();
            }
            shard.finish().unwrap();
        }
        writer.finish(Vec::new(), None).unwrap();
        real.into()
    }

    #[test]
    fn keeps_the_class_proportions_of_an_unequal_split() {
        let tmp = tempfile::tempdir().unwrap();
        let real = unequal(tmp.path());
        let set = stratified_test(&real, 5, &at(tmp.path(), "t-test5"), "test").unwrap();
        assert_eq!((set.rows, set.of, set.is_whole()), (5, 10, false));
        assert!(set.describe().contains("class proportions"));
        let subset = Dataset::open(&set.dir).unwrap();
        // 5·(7, 3)/10 = 3.5, 1.5: the one row left goes to the lower class of the tie.
        assert_eq!(subset.manifest.splits["test"].class_counts, vec![4, 1]);
        assert!(crate::verify::verify(&set.dir).unwrap().is_empty());

        // A limit at or over the split takes all of it; one too small for a class is refused.
        let whole = stratified_test(&real, 50, &at(tmp.path(), "t-test50"), "test").unwrap();
        assert_eq!(whole.dir, real);
        assert!(whole.is_whole() && whole.describe().contains("whole test split"));
        let err = stratified_test(&real, 1, &at(tmp.path(), "t-test1"), "test")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("test_limit: 1 rows cannot hold every class")
                && err.contains("class 'b'"),
            "{err}"
        );
    }

    #[test]
    fn takes_the_first_rows_of_every_class_in_order() {
        let tmp = tempfile::tempdir().unwrap();
        let real = source(tmp.path());
        let set = stratified_test(&real, 4, &at(tmp.path(), "t-test4"), "test").unwrap();
        assert_eq!(set.dir, at(tmp.path(), "t-test4"));
        let subset = Dataset::open(&set.dir).unwrap();
        assert_eq!(subset.manifest.splits["test"].class_counts, vec![2, 2]);
        let decoded = subset.decode_split("test").unwrap();
        assert_eq!(decoded.uids, ["u0", "u1", "u2", "u3"]);
        // Written once: a second call finds it.
        assert_eq!(
            stratified_test(&real, 4, &at(tmp.path(), "t-test4"), "again").unwrap(),
            set
        );
    }
}
