//! Resume: which shards of an interrupted run to keep. The progress journal (`journal.rs`)
//! holds the records; this decides whether they belong to the same arguments and still match
//! the files on disk.

use crate::TOOL_VERSION;
use crate::error::{Error, OutputConflict, Result};
use crate::journal::Journal;
use crate::store::Location;
use crate::types::{DatasetInfo, SplitPlan};
use crate::writer::{ShardSlot, WriteMode};

/// What decides a dataset's shards. The command line is left out: `-q` or a reordered flag
/// must not stop a resume.
pub(super) fn fingerprint(info: &DatasetInfo, splits: &[SplitPlan], rows_per_shard: u64) -> String {
    let mut info = info.clone();
    info.recipe.command.clear();
    let key = serde_json::json!({ "info": info, "splits": splits, "rows_per_shard": rows_per_shard, "tool": TOOL_VERSION });
    blake3::hash(key.to_string().as_bytes())
        .to_hex()
        .to_string()
}

/// Opens the journal of `dir` for a run with `fingerprint`: under [`WriteMode::Resume`] the
/// earlier run's, which must have the same fingerprint, else an empty one. Every slot whose
/// file still matches its record is marked done; the other records are forgotten.
pub(super) fn open_journal(
    dir: &Location,
    mode: WriteMode,
    fingerprint: String,
    slots: &mut [ShardSlot],
) -> Result<Journal> {
    let mut journal = match mode {
        WriteMode::Resume => Journal::load(dir)?.unwrap_or_default(),
        _ => Journal::default(),
    };
    if !journal.fingerprint.is_empty() && journal.fingerprint != fingerprint {
        return Err(Error::output_in_use(
            dir.shown(),
            OutputConflict::OtherArguments,
        ));
    }
    Journal::begin(dir, &fingerprint)?;
    journal.fingerprint = fingerprint;

    for slot in slots.iter_mut() {
        slot.done = match journal.shards.get(&slot.file) {
            // A shard that cannot be hashed (gone, unreadable) is written again.
            Some(done) => dir
                .join(&slot.file)
                .hash()
                .is_ok_and(|(hash, _)| hash == done.shard.blake3),
            None => false,
        };
    }
    for slot in slots
        .iter()
        .filter(|s| !s.done && journal.shards.contains_key(&s.file))
    {
        Journal::forget(dir, &slot.file)?;
    }
    journal
        .shards
        .retain(|file, _| slots.iter().any(|s| s.done && &s.file == file));
    Ok(journal)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{info, interrupted, one_split};
    use crate::writer::{DatasetWriter, WriteMode};

    #[test]
    fn other_arguments_do_not_resume() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("d");
        let plan = one_split(4);
        interrupted(&dir, &plan);
        let mut other = info();
        other.recipe.seed = Some(2);
        let err = DatasetWriter::create(&dir, other, &plan, WriteMode::Resume)
            .err()
            .unwrap();
        assert!(err.to_string().contains("other arguments"), "{err}");
    }
}
