//! `synmix verify`: recompute what the manifest promises and name every difference.

use std::path::Path;

use crate::Result;
use crate::journal::hash_file;
use crate::reader::{Columns, Dataset, read_shard};

/// Checks every shard of a dataset against its manifest. Returns the problems found, one
/// line each; an empty list means the dataset is intact.
pub fn verify(dir: &Path) -> Result<Vec<String>> {
    let dataset = Dataset::open(dir)?;
    let manifest = &dataset.manifest;
    let mut problems = Vec::new();
    for (name, split) in &manifest.splits {
        let mut class_counts = vec![0u64; manifest.classes.len()];
        let mut source_counts = std::collections::BTreeMap::<String, u64>::new();
        let mut rows = 0;
        for shard in &split.shards {
            let path = dataset.shard_path(&shard.file);
            if !path.is_file() {
                problems.push(format!(
                    "{}: missing (listed in manifest.json)",
                    path.display()
                ));
                continue;
            }
            let (hash, bytes) = hash_file(&path)?;
            if bytes != shard.bytes {
                problems.push(format!(
                    "{}: {bytes} bytes, manifest says {}",
                    path.display(),
                    shard.bytes
                ));
            }
            if hash != shard.blake3 {
                problems.push(format!(
                    "{}: BLAKE3 hash differs from manifest.json (file changed or damaged)",
                    path.display()
                ));
            }
            let batches = match read_shard(&path) {
                Ok(batches) => batches,
                Err(e) => {
                    problems.push(e.to_string());
                    continue;
                }
            };
            let shard_rows: u64 = batches.iter().map(|b| b.num_rows() as u64).sum();
            if shard_rows != shard.rows {
                problems.push(format!(
                    "{}: {shard_rows} rows, manifest says {}",
                    path.display(),
                    shard.rows
                ));
            }
            rows += shard_rows;
            for batch in &batches {
                let columns = Columns::of(batch);
                for i in 0..batch.num_rows() {
                    let label = columns.labels.value(i);
                    match usize::try_from(label)
                        .ok()
                        .and_then(|l| class_counts.get_mut(l))
                    {
                        Some(count) => *count += 1,
                        None => problems.push(format!(
                            "{}: row label {label} is not a class",
                            path.display()
                        )),
                    }
                    *source_counts
                        .entry(columns.sources.value(i).to_string())
                        .or_default() += 1;
                }
            }
        }
        if rows != split.rows {
            problems.push(format!(
                "split '{name}': {rows} rows, manifest says {}",
                split.rows
            ));
        }
        if class_counts != split.class_counts {
            problems.push(format!(
                "split '{name}': class counts {class_counts:?}, manifest says {:?}",
                split.class_counts
            ));
        }
        if source_counts != split.source_counts {
            problems.push(format!(
                "split '{name}': source counts {source_counts:?}, manifest says {:?}",
                split.source_counts
            ));
        }
    }
    Ok(problems)
}
