//! `synmix verify`: recompute what the manifest promises and name every difference; and
//! whether a directory holds a finished dataset that can be trusted ([`finished`]), the one
//! answer every stage's resume and the bench's checks use.

use crate::Result;
use crate::manifest::MANIFEST_FILE;
use crate::reader::{Columns, Dataset, ShardFile};
use crate::store::Location;

/// How far [`finished`] looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// The manifest alone: it is written last, so it says every shard it lists was finished.
    /// Cheap: what a reader opens first.
    Manifest,
    /// Every shard against the manifest's hashes, rows and counts ([`verify`]).
    Hashes,
}

/// Whether a directory holds a finished dataset that can be trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finished {
    /// No manifest: never written, or not finished (the writer writes it last).
    No,
    Yes,
    /// A manifest that cannot be read or, looking at [`Depth::Hashes`], shards that do not
    /// match it: the first problem, in one line.
    Damaged(String),
}

/// Whether `dir` holds a finished dataset, looking as far as `depth`.
pub fn finished(dir: impl Into<Location>, depth: Depth) -> Finished {
    let dir = dir.into();
    match dir.join(MANIFEST_FILE).is_file() {
        Ok(false) => return Finished::No,
        Ok(true) => {}
        Err(e) => return Finished::Damaged(e.to_string()),
    }
    let problem = match depth {
        Depth::Manifest => Dataset::open(&dir).err().map(|e| e.to_string()),
        Depth::Hashes => match verify(&dir) {
            Ok(problems) => problems.into_iter().next(),
            Err(e) => Some(e.to_string()),
        },
    };
    match problem {
        None => Finished::Yes,
        Some(why) => Finished::Damaged(why),
    }
}

/// Checks every shard of a dataset against its manifest. Returns the problems found, one
/// line each; an empty list means the dataset is intact.
pub fn verify(dir: impl Into<Location>) -> Result<Vec<String>> {
    let dataset = Dataset::open(dir)?;
    let manifest = &dataset.manifest;
    let mut problems = Vec::new();
    for (name, split) in &manifest.splits {
        let mut class_counts = vec![0u64; manifest.classes.len()];
        let mut source_counts = std::collections::BTreeMap::<String, u64>::new();
        let mut rows = 0;
        for shard in &split.shards {
            let path = dataset.shard_path(&shard.file);
            if !path.is_file()? {
                problems.push(format!("{path}: missing (listed in manifest.json)"));
                continue;
            }
            let (hash, bytes) = path.hash()?;
            if bytes != shard.bytes {
                problems.push(format!(
                    "{path}: {bytes} bytes, manifest says {}",
                    shard.bytes
                ));
            }
            if hash != shard.blake3 {
                problems.push(format!(
                    "{path}: BLAKE3 hash differs from manifest.json (file changed or damaged)"
                ));
            }
            // A row group at a time, every column (so damaged image pages are found too): a
            // shard of large images is never held whole.
            let mut tally = Tally::new(manifest.classes.len());
            if let Err(e) = tally.shard(&path) {
                problems.push(e.to_string());
                continue;
            }
            if tally.rows != shard.rows {
                problems.push(format!(
                    "{path}: {} rows, manifest says {}",
                    tally.rows, shard.rows
                ));
            }
            rows += tally.rows;
            for (count, more) in class_counts.iter_mut().zip(&tally.class_counts) {
                *count += more;
            }
            for (source, more) in tally.source_counts {
                *source_counts.entry(source).or_default() += more;
            }
            if let Some(label) = tally.stray_label {
                problems.push(format!("{path}: row label {label} is not a class"));
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

/// What one shard holds: rows, class and source counts, and a label that is no class.
struct Tally {
    rows: u64,
    class_counts: Vec<u64>,
    source_counts: std::collections::BTreeMap<String, u64>,
    stray_label: Option<i64>,
}

impl Tally {
    fn new(classes: usize) -> Tally {
        Tally {
            rows: 0,
            class_counts: vec![0; classes],
            source_counts: Default::default(),
            stray_label: None,
        }
    }

    /// Counts the rows of the shard at `path`, one row group at a time.
    fn shard(&mut self, path: &Location) -> Result<()> {
        for batch in ShardFile::open(path)?.batches(false) {
            let batch = batch?;
            let columns = Columns::of(&batch);
            for i in 0..batch.num_rows() {
                let label = columns.labels.value(i);
                match usize::try_from(label)
                    .ok()
                    .and_then(|l| self.class_counts.get_mut(l))
                {
                    Some(count) => *count += 1,
                    None => self.stray_label = self.stray_label.or(Some(label)),
                }
                *self
                    .source_counts
                    .entry(columns.sources.value(i).to_string())
                    .or_default() += 1;
            }
            self.rows += batch.num_rows() as u64;
        }
        Ok(())
    }
}
