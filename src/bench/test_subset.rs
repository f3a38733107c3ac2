//! A smaller real test set for quick profiles: the first rows of every class of a dataset's
//! `test` split, copied as they are (no image is decoded).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use arrow_array::RecordBatch;
use arrow_select::interleave::interleave_record_batch;
use datasets::{Columns, Dataset, DatasetInfo, Recipe, SplitPlan, WriteMode};

/// Writes (once) a dataset whose `test` split holds `limit` rows of `real`'s, the same number
/// of each class in their original order, and returns its directory.
pub fn stratified_test(real: &Path, limit: u64, data_dir: &Path) -> Result<PathBuf> {
    let dataset = Dataset::open(real)?;
    let name = format!("{}-test{limit}", dataset.manifest.name);
    let out = data_dir.join(&name);
    if Dataset::open(&out).is_ok() {
        return Ok(out);
    }
    let classes = dataset.manifest.classes.len() as u64;
    if limit % classes != 0 {
        bail!("data.real_test_limit {limit} must be a multiple of the {classes} classes");
    }
    let per_class = limit / classes;
    let batches = dataset.read_split("test")?;
    let mut taken = vec![0u64; classes as usize];
    let mut picks: Vec<(usize, usize)> = Vec::with_capacity(limit as usize);
    for (b, batch) in batches.iter().enumerate() {
        let labels = Columns::of(batch).labels;
        for row in 0..batch.num_rows() {
            let count = &mut taken[labels.value(row) as usize];
            if *count < per_class {
                *count += 1;
                picks.push((b, row));
            }
        }
    }
    if let Some((class, &have)) = taken.iter().enumerate().find(|&(_, &n)| n < per_class) {
        bail!(
            "{}: the test split has {have} rows of class '{}', fewer than the {per_class} data.real_test_limit asks for",
            real.display(),
            dataset.manifest.classes[class]
        );
    }
    let batch_refs: Vec<&RecordBatch> = batches.iter().collect();
    let rows = interleave_record_batch(&batch_refs, &picks).context("copying test rows")?;

    let info = DatasetInfo {
        name,
        classes: dataset.manifest.classes.clone(),
        image: dataset.manifest.image,
        source: dataset.manifest.source.clone(),
        recipe: Recipe {
            command: crate::cmd::command_line(),
            seed: None,
            config: serde_json::json!({ "stratified_test_of": real, "limit": limit }),
        },
    };
    let writer = datasets::DatasetWriter::create(
        &out,
        info,
        &[SplitPlan {
            name: "test".into(),
            rows: limit,
        }],
        WriteMode::Force,
    )?;
    let written = (|| -> Result<()> {
        for (index, slot) in writer.slots().iter().enumerate() {
            let mut shard = writer.shard(index)?;
            shard.push_batch(&rows.slice(
                slot.rows.start as usize,
                (slot.rows.end - slot.rows.start) as usize,
            ))?;
            shard.finish()?;
        }
        Ok(())
    })();
    match written {
        Ok(()) => {
            writer.finish(Vec::new(), None)?;
            Ok(out)
        }
        Err(e) => {
            writer.abort();
            Err(e)
        }
    }
}
