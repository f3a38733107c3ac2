//! Writing the output datasets from their layouts: rows copied as they are (PNG bytes, uid,
//! label, source, meta) with `arrow_select::interleave`, a group of shards at a time whose rows
//! fit the memory budget, each group's shards in parallel, each manifest as soon as its shards
//! are done; and deciding, on a rerun, which outputs are already done.

use std::path::PathBuf;

use arrow_array::RecordBatch;
use arrow_select::interleave::interleave_record_batch;
use datasets::memory::default_budget;
use datasets::{
    DatasetInfo, DatasetWriter, Manifest, Phase, Progress, ROWS_PER_ROW_GROUP, Recipe, SplitPlan,
    WriteMode,
};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::inputs::{Inputs, RowRef, TRAIN};
use crate::plan::Layout;
use crate::{MixOptions, SubsetSummary};

/// One output dataset to make.
pub(crate) struct Job {
    pub name: String,
    pub dir: PathBuf,
    pub layout: Layout,
    /// Everything that determines the rows: equal requests mean equal shards, so a finished
    /// output with the same request is kept on a rerun.
    pub request: serde_json::Value,
    /// Recorded in the manifest's `mix` field beside the request (quota tables, inputs).
    pub record: serde_json::Value,
}

/// What a rerun finds in a job's directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    /// Nothing there (or an empty directory).
    Nothing,
    /// A finished output of the same request whose shards verify: kept.
    Done,
    /// An interrupted or damaged output of this mix, or anything under `--force`: redone.
    Redo,
}

impl Job {
    pub fn rows(&self) -> u64 {
        self.layout.rows.len() as u64
    }

    /// Looks at the job's directory. A finished dataset made with other arguments is an
    /// error without `force`, so a rerun never silently replaces someone's data.
    pub fn found(&self, force: bool) -> Result<Found> {
        let empty = std::fs::read_dir(&self.dir).map(|mut entries| entries.next().is_none());
        match empty {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Nothing),
            Err(e) => return Err(Error::io(&self.dir, e)),
            Ok(true) => return Ok(Found::Nothing),
            Ok(false) if force => return Ok(Found::Redo),
            Ok(false) => {}
        }
        if !self.dir.join("manifest.json").is_file() {
            // No manifest: an interrupted run (the writer only writes it last).
            return Ok(Found::Redo);
        }
        let manifest = Manifest::read(&self.dir)?;
        if manifest.mix.as_ref().and_then(|m| m.get("request")) != Some(&self.request) {
            return Err(Error::setting(
                "force",
                format!(
                    "off, while {} already holds a dataset made with other arguments or inputs; \
                     set it to replace that dataset, or write elsewhere",
                    self.dir.display()
                ),
            ));
        }
        let problems = datasets::verify::verify(&self.dir)?;
        if problems.is_empty() {
            Ok(Found::Done)
        } else {
            tracing::warn!("{}: {} (redoing it)", self.dir.display(), problems[0]);
            Ok(Found::Redo)
        }
    }

    /// Starts the dataset's writer (which creates the directory and its parents).
    fn writer(&self, inputs: &Inputs, options: &MixOptions, found: Found) -> Result<DatasetWriter> {
        let source = match self.layout.synthetic_rows {
            0 => "real",
            s if s == self.rows() => "synthetic",
            _ => "mixed",
        };
        let info = DatasetInfo {
            name: self.name.clone(),
            classes: inputs.classes.clone(),
            image: inputs.image,
            source: source.to_string(),
            recipe: Recipe {
                command: options.command.clone(),
                seed: Some(options.seed),
                config: self.request.clone(),
            },
        };
        let mode = if found == Found::Nothing {
            WriteMode::Fresh
        } else {
            WriteMode::Force
        };
        let plan = [SplitPlan {
            name: TRAIN.to_string(),
            rows: self.rows(),
        }];
        Ok(DatasetWriter::create(&self.dir, info, &plan, mode)?)
    }

    /// The layout's rows that shard `slot` holds.
    fn slot_rows(&self, writer: &DatasetWriter, slot: usize) -> &[RowRef] {
        let rows = &writer.slots()[slot].rows;
        &self.layout.rows[rows.start as usize..rows.end as usize]
    }

    /// Writes the card and the manifest once every shard is written.
    fn finish(&self, writer: DatasetWriter) -> Result<Manifest> {
        let phases = self.phases(&writer);
        let mix = serde_json::json!({ "request": self.request, "record": self.record });
        Ok(writer.finish(phases, Some(mix))?)
    }

    fn phases(&self, writer: &DatasetWriter) -> Vec<Phase> {
        self.layout
            .phases
            .iter()
            .map(|p| Phase {
                name: p.name.clone(),
                source: p.source,
                start: p.start,
                end: p.end,
                synthetic_share: p.synthetic_share,
                shards: writer.shards_covering(TRAIN, p.start..p.end),
            })
            .collect()
    }
}

/// Checks every job's directory first (so a conflict stops the run before anything is
/// written), then writes the jobs not already done. On any error, every output not finished
/// is removed.
pub(crate) fn write_jobs(
    inputs: &Inputs,
    jobs: &[Job],
    options: &MixOptions,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Vec<SubsetSummary>> {
    let found = jobs
        .iter()
        .map(|job| job.found(options.force))
        .collect::<Result<Vec<Found>>>()?;
    let rows = jobs
        .iter()
        .zip(&found)
        .filter(|(_, f)| **f != Found::Done)
        .map(|(job, _)| job.rows())
        .sum();
    progress(Progress::Planned { rows });
    for (job, _) in jobs.iter().zip(&found).filter(|(_, f)| **f == Found::Done) {
        progress(Progress::Finished {
            name: &job.name,
            kept: true,
        });
    }
    let mut writers: Vec<Option<DatasetWriter>> = jobs.iter().map(|_| None).collect();
    let written = write_pending(inputs, jobs, &found, &mut writers, options, progress);
    if written.is_err() {
        writers.into_iter().flatten().for_each(DatasetWriter::abort);
    }
    written?;
    Ok(jobs
        .iter()
        .zip(&found)
        .map(|(job, &found)| SubsetSummary {
            name: job.name.clone(),
            dir: job.dir.clone(),
            rows: job.rows(),
            synthetic_rows: job.layout.synthetic_rows,
            kept: found == Found::Done,
        })
        .collect())
}

/// Writes the shards of the jobs not done, in job order, in groups whose rows fit the memory
/// budget (at least one shard a group): each group reads what it needs from the inputs once
/// ([`Inputs::gather`]) and writes its shards in parallel; a job's manifest follows its last
/// shard. `writers` holds the writers started and not yet finished.
fn write_pending(
    inputs: &Inputs,
    jobs: &[Job],
    found: &[Found],
    writers: &mut [Option<DatasetWriter>],
    options: &MixOptions,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<()> {
    let mut shards: Vec<(usize, usize)> = Vec::new();
    for (j, job) in jobs.iter().enumerate() {
        if found[j] != Found::Done {
            let writer = job.writer(inputs, options, found[j])?;
            shards.extend((0..writer.slots().len()).map(|slot| (j, slot)));
            writers[j] = Some(writer);
        }
    }
    let budget_rows = inputs.rows_within(options.memory_budget.unwrap_or_else(default_budget));
    let on_rows = |n: u64| progress(Progress::Rows(n));
    let mut same_bytes = 0;
    let mut start = 0;
    while start < shards.len() {
        let mut end = start;
        let mut rows = 0;
        while end < shards.len() {
            let (j, slot) = shards[end];
            let n = jobs[j].slot_rows(started(writers, j), slot).len();
            if end > start && rows + n > budget_rows {
                break;
            }
            rows += n;
            end += 1;
        }
        let group = &shards[start..end];
        let lists: Vec<&[RowRef]> = group
            .iter()
            .map(|&(j, slot)| jobs[j].slot_rows(started(writers, j), slot))
            .collect();
        let (gathered, same) = inputs.gather(&lists)?;
        same_bytes += same;
        let batches: Vec<&RecordBatch> = gathered.parts.iter().collect();
        group
            .par_iter()
            .zip(&gathered.lists)
            .try_for_each(|(&(j, slot), rows)| {
                write_shard(started(writers, j), slot, &batches, rows, &on_rows)
            })?;
        for &(j, slot) in group {
            if slot + 1 == started(writers, j).slots().len() {
                let writer = writers[j].take().expect("finished once");
                jobs[j].finish(writer)?;
                progress(Progress::Finished {
                    name: &jobs[j].name,
                    kept: false,
                });
            }
        }
        start = end;
    }
    if same_bytes > 0 {
        tracing::warn!(
            "{same_bytes} mixed row(s) have the same PNG bytes as a held-out row of {} (different uids)",
            inputs.real_dir.display()
        );
    }
    Ok(())
}

fn started(writers: &[Option<DatasetWriter>], job: usize) -> &DatasetWriter {
    writers[job]
        .as_ref()
        .expect("a writer started for every job not done")
}

/// Writes shard `slot`: `rows` of `batches`, a row group at a time.
fn write_shard(
    writer: &DatasetWriter,
    slot: usize,
    batches: &[&RecordBatch],
    rows: &[RowRef],
    on_rows: &(dyn Fn(u64) + Sync),
) -> Result<()> {
    let mut shard = writer.shard(slot)?;
    for chunk in rows.chunks(ROWS_PER_ROW_GROUP) {
        shard.push_batch(&interleave_record_batch(batches, chunk)?)?;
        on_rows(chunk.len() as u64);
    }
    shard.finish()?;
    Ok(())
}
