//! The output directory's policy: what a write may find there and what it clears away. The
//! same on a local disk and on an object store, through [`Location`]'s operations.

use std::path::Path;

use crate::atomic::{tmp_sibling, tmp_target};
use crate::card;
use crate::error::{Error, OutputConflict, Result};
use crate::journal::{JOURNAL_DIR, Journal};
use crate::lock::LEASE_NAME;
use crate::manifest::MANIFEST_FILE;
use crate::store::Location;

/// What to do with an output directory that already holds something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// The directory must be absent or empty.
    Fresh,
    /// Replace an earlier synmix dataset in the directory.
    Force,
    /// Keep the complete shards of an interrupted run with the same arguments.
    Resume,
}

/// Entries a synmix dataset directory may hold; [`WriteMode::Force`] removes only these. The
/// manifest comes first: removed first, a dataset is unfinished before any shard goes.
const DATASET_ENTRIES: [&str; 4] = [MANIFEST_FILE, "data", card::CARD_FILE, JOURNAL_DIR];

/// Makes sure `dir` may be written under `mode`; returns whether it was created here. The
/// lease of an object-store directory's writers ([`LEASE_NAME`]) is no content.
pub(super) fn prepare(dir: &Location, mode: WriteMode) -> Result<bool> {
    if dir.is_file()? {
        return Err(Error::output_in_use(
            dir.shown(),
            OutputConflict::NotADirectory,
        ));
    }
    let existed = dir.is_dir()?;
    let entries: Vec<String> = dir
        .entries()?
        .into_iter()
        .filter(|e| e != LEASE_NAME)
        .collect();
    if entries.is_empty() {
        dir.create_dir_all()?;
        return Ok(!existed);
    }
    if mode != WriteMode::Fresh {
        foreign(dir, &entries)?;
    }
    match mode {
        WriteMode::Fresh => Err(Error::output_in_use(dir.shown(), OutputConflict::HoldsData)),
        WriteMode::Force => {
            for entry in DATASET_ENTRIES
                .iter()
                .filter(|e| entries.iter().any(|n| n == *e))
            {
                dir.join(entry).remove_all()?;
            }
            Ok(false)
        }
        WriteMode::Resume => {
            // A finished dataset is rewritten from its shards: drop the manifest first so a
            // crash in between never leaves a manifest that lists changed shards.
            if !Journal::path(dir).is_dir()? {
                for done in [MANIFEST_FILE, card::CARD_FILE] {
                    dir.join(done).remove()?;
                }
            }
            Ok(false)
        }
    }
}

/// Fails if `entries` of `dir` hold anything a synmix dataset does not: never removed. The
/// temporary of an entry (`.manifest.json.4242.tmp`, left by a write that a full disk or a kill
/// cut short) and a writer's lease are the dataset's own.
fn foreign(dir: &Location, entries: &[String]) -> Result<()> {
    let ours = |entry: &str| {
        let name = tmp_target(entry).unwrap_or(entry);
        DATASET_ENTRIES.contains(&name) || name == LEASE_NAME
    };
    match entries.iter().find(|e| !ours(e)) {
        Some(example) => Err(Error::output_in_use(
            dir.shown(),
            OutputConflict::ForeignFiles {
                example: example.clone(),
            },
        )),
        None => Ok(()),
    }
}

/// Under [`WriteMode::Force`], a finished dataset in `dir` is replaced only once the new one is
/// complete: the new one is written into the directory's temporary sibling (`.NAME.tmp`, made
/// fresh here) and moved in by [`replace`], so input found bad while writing leaves the old
/// dataset as it was. Returns that staging directory, or `None` where the writer writes in place.
pub(super) fn staging(dir: &Location, mode: WriteMode) -> Result<Option<Location>> {
    if mode != WriteMode::Force || !dir.join(MANIFEST_FILE).is_file()? {
        return Ok(None);
    }
    foreign(dir, &dir.entries()?)?;
    let name = tmp_sibling(Path::new(&dir.name()));
    let staging = dir.sibling(&name.to_string_lossy());
    // Left by a run that crashed before its dataset was complete.
    staging.remove_all()?;
    Ok(Some(staging))
}

/// Moves the complete dataset in `staging` over the one in `dir`: the old entries go (the
/// manifest first), then the new ones move in, the manifest last, each published durably (on
/// an object store, copied and deleted object by object).
pub(super) fn replace(staging: &Location, dir: &Location) -> Result<()> {
    prepare(dir, WriteMode::Force)?;
    for entry in ["data", card::CARD_FILE, MANIFEST_FILE] {
        staging.join(entry).move_to(&dir.join(entry))?;
    }
    staging.remove_all()
}

#[cfg(test)]
mod tests {
    use super::super::testing::{info, interrupted, one_split};
    use super::*;
    use crate::writer::DatasetWriter;

    #[test]
    fn fresh_refuses_data_and_force_refuses_foreign_files() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("d");
        let plan = one_split(4);
        interrupted(&dir, &plan);
        let err = DatasetWriter::create(&dir, info(), &plan, WriteMode::Fresh)
            .err()
            .unwrap();
        assert!(
            matches!(
                &err,
                Error::OutputInUse {
                    conflict: OutputConflict::HoldsData,
                    ..
                }
            ),
            "{err}"
        );
        std::fs::write(dir.join("notes.txt"), "mine").unwrap();
        let err = DatasetWriter::create(&dir, info(), &plan, WriteMode::Force)
            .err()
            .unwrap();
        assert!(err.to_string().contains("notes.txt"), "{err}");
    }

    /// Every name a write cut short leaves (a full disk, a kill): the card's and manifest's
    /// temporaries in the directory, a shard's in `data`, a progress record's.
    fn leave_temporaries(dir: &Path) {
        for name in [
            ".manifest.json.4242.tmp",
            ".README.md.4242.tmp",
            "data/.train-00000-of-00001.parquet.tmp",
            ".synmix-progress/.train-00000-of-00001.parquet.json.4242.tmp",
        ] {
            std::fs::write(dir.join(name), "half").unwrap();
        }
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_resume_or_force_takes_a_cut_short_writes_temporaries_for_its_own() {
        let tmp = tempfile::tempdir().unwrap();
        let plan = one_split(4);
        for mode in [WriteMode::Resume, WriteMode::Force] {
            let dir = tmp.path().join(format!("{mode:?}"));
            interrupted(&dir, &plan);
            leave_temporaries(&dir);
            let writer = DatasetWriter::create(&dir, info(), &plan, mode).unwrap();
            if mode == WriteMode::Force {
                super::super::testing::fill(&writer, 0).unwrap();
            }
            writer.finish(Vec::new(), None).unwrap();
            assert!(crate::verify::verify(&dir).unwrap().is_empty());
            assert_eq!(entries(&dir), ["README.md", "data", "manifest.json"]);
            assert_eq!(entries(&dir.join("data")), ["train-00000-of-00001.parquet"]);
        }
        // A file of someone else's is still refused, temporary-looking or not.
        let dir = tmp.path().join("foreign");
        interrupted(&dir, &plan);
        std::fs::write(dir.join(".notes.tmp"), "mine").unwrap();
        let err = DatasetWriter::create(&dir, info(), &plan, WriteMode::Resume)
            .err()
            .unwrap();
        assert!(err.to_string().contains(".notes.tmp"), "{err}");
    }

    #[test]
    fn a_replacement_killed_midway_is_started_again_by_the_next() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("d");
        let writer = DatasetWriter::create(&dir, info(), &one_split(4), WriteMode::Fresh).unwrap();
        super::super::testing::fill(&writer, 0).unwrap();
        writer.finish(Vec::new(), None).unwrap();
        // Killed after a shard of the staged replacement, its card half written.
        let writer = DatasetWriter::create(&dir, info(), &one_split(6), WriteMode::Force).unwrap();
        super::super::testing::fill(&writer, 0).unwrap();
        std::mem::forget(writer);
        let staging = tmp_sibling(&dir);
        leave_temporaries(&staging);
        let writer = DatasetWriter::create(&dir, info(), &one_split(6), WriteMode::Force).unwrap();
        super::super::testing::fill(&writer, 0).unwrap();
        writer.finish(Vec::new(), None).unwrap();
        assert!(crate::verify::verify(&dir).unwrap().is_empty());
        assert_eq!(entries(tmp.path()), ["d"]);
    }

    #[test]
    fn a_file_in_the_way_is_no_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("f");
        std::fs::write(&file, "x").unwrap();
        let err = prepare(&Location::from(&file), WriteMode::Force).unwrap_err();
        assert!(
            matches!(
                &err,
                Error::OutputInUse {
                    conflict: OutputConflict::NotADirectory,
                    ..
                }
            ),
            "{err}"
        );
    }
}
