//! Writing the output datasets from their rows: rows copied as they are (PNG bytes, uid,
//! label, source, meta) with `arrow_select::interleave`, a group of shards at a time whose rows
//! fit the memory budget, each group's shards in parallel, each manifest as soon as its shards
//! are done; and deciding, on a rerun, which outputs are already done.

use std::ops::Range;

use arrow_array::RecordBatch;
use arrow_select::interleave::interleave_record_batch;
use datasets::lock::DirLock;
use datasets::memory::default_budget;
use datasets::verify::{Depth, Finished, finished};
use datasets::{
    DatasetInfo, DatasetWriter, Location, Manifest, Phase, Progress, ROWS_PER_ROW_GROUP, Recipe,
    ShardWriter, SplitPlan, Visits, WriteMode,
};
use rayon::prelude::*;

use crate::draw::SubsetRows;
use crate::error::{Error, Result};
use crate::inputs::{Inputs, RowRef, TRAIN};
use crate::record::MixRecord;
use crate::{MixOptions, SubsetSummary};

/// One output dataset to make.
pub(crate) struct Job {
    pub name: String,
    pub dir: Location,
    pub subset: SubsetRows,
    /// Everything that determines the rows: equal requests mean equal shards, so a finished
    /// output with the same request is kept on a rerun.
    pub request: serde_json::Value,
    /// Recorded in the manifest's `mix` field beside the request (quota tables, inputs).
    pub record: serde_json::Value,
    /// The batch-by-batch visits of its phase (a ramp subset's, one per recipe; else none).
    pub visits: Vec<Visits>,
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
        self.subset.rows.len() as u64
    }

    /// Looks at the job's directory. A finished dataset made with other arguments is an
    /// error without `force`, so a rerun never silently replaces someone's data.
    pub fn found(&self, force: bool) -> Result<Found> {
        match self.dir.entries()?.is_empty() {
            true => return Ok(Found::Nothing),
            false if force => return Ok(Found::Redo),
            false => {}
        }
        if finished(&self.dir, Depth::Manifest) == Finished::No {
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
        match finished(&self.dir, Depth::Hashes) {
            Finished::Yes => Ok(Found::Done),
            Finished::Damaged(why) => {
                tracing::warn!("{}: {why} (redoing it)", self.dir.display());
                Ok(Found::Redo)
            }
            Finished::No => Ok(Found::Redo),
        }
    }

    /// Starts the dataset's writer (which creates the directory and its parents).
    fn writer(&self, inputs: &Inputs, options: &MixOptions, found: Found) -> Result<DatasetWriter> {
        let source = match self.subset.synthetic_rows {
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

    /// The rows that shard `slot` holds.
    fn slot_rows(&self, writer: &DatasetWriter, slot: usize) -> &[RowRef] {
        let rows = &writer.slots()[slot].rows;
        &self.subset.rows[rows.start as usize..rows.end as usize]
    }

    /// Writes the card and the manifest once every shard is written.
    fn finish(&self, writer: &DatasetWriter) -> Result<Manifest> {
        let phases = self.phases(writer);
        let mix = serde_json::json!({ "request": self.request, "record": self.record });
        Ok(writer.finish(phases, Some(mix))?)
    }

    fn phases(&self, writer: &DatasetWriter) -> Vec<Phase> {
        self.subset
            .phases
            .iter()
            .map(|p| Phase {
                name: p.name.clone(),
                source: p.source,
                start: p.start,
                end: p.end,
                synthetic_share: p.synthetic_share,
                shards: writer.shards_covering(TRAIN, p.start..p.end),
                visits: self.visits.clone(),
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
            synthetic_rows: job.subset.synthetic_rows,
            kept: found == Found::Done,
        })
        .collect())
}

/// Writes the shards of the jobs not done, in job order, in groups of pieces whose rows fit
/// the memory budget (at least one piece a group): each group reads what it needs from the
/// inputs once ([`Inputs::gather`]) and writes its shards in parallel; a job's manifest
/// follows its last shard. `writers` holds the writers started and not yet finished.
///
/// A piece is up to the budget's rows of one shard, cut at whole row groups, so a shard larger
/// than the budget is written over several groups (its writer kept open between them) and
/// comes out as it would in one: memory holds a budget's rows whatever the shard size.
fn write_pending(
    inputs: &Inputs,
    jobs: &[Job],
    found: &[Found],
    writers: &mut [Option<DatasetWriter>],
    options: &MixOptions,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<()> {
    for (j, job) in jobs.iter().enumerate() {
        if found[j] != Found::Done {
            writers[j] = Some(job.writer(inputs, options, found[j])?);
        }
    }
    let mut finished = vec![false; jobs.len()];
    let written = write_pieces(inputs, jobs, writers, &mut finished, options, progress);
    // Finished outputs are complete datasets: nothing to remove if a later one fails.
    for (writer, done) in writers.iter_mut().zip(finished) {
        if done {
            *writer = None;
        }
    }
    written
}

/// One piece of the output: rows `rows` of shard `slot` of job `job`.
struct Piece {
    job: usize,
    slot: usize,
    rows: Range<usize>,
}

/// The loop of [`write_pending`] over the started `writers`; marks each job whose manifest
/// is written in `finished`.
fn write_pieces(
    inputs: &Inputs,
    jobs: &[Job],
    writers: &[Option<DatasetWriter>],
    finished: &mut [bool],
    options: &MixOptions,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<()> {
    let budget = options.memory_budget.unwrap_or_else(default_budget);
    // Besides the rows a group gathers, each thread holds an input row group being read, an
    // output row group being buffered by its shard's writer and the interleaved copy of it,
    // and its shard's upload buffers (parts in flight to an object store).
    let threads = rayon::current_num_threads();
    let in_flight = 3 * ROWS_PER_ROW_GROUP * threads;
    let uploads = jobs
        .first()
        .map_or(0, |job| job.dir.upload_buffer_bytes() * threads as u64);
    let budget_rows = inputs
        .rows_within(budget.saturating_sub(uploads))
        .saturating_sub(in_flight);
    let piece_rows = (budget_rows / ROWS_PER_ROW_GROUP).max(1) * ROWS_PER_ROW_GROUP;
    let mut pieces = Vec::new();
    for (j, writer) in writers.iter().enumerate() {
        let Some(writer) = writer else { continue };
        for slot in 0..writer.slots().len() {
            let rows = jobs[j].slot_rows(writer, slot).len();
            pieces.extend((0..rows).step_by(piece_rows).map(|start| Piece {
                job: j,
                slot,
                rows: start..rows.min(start + piece_rows),
            }));
        }
    }
    let on_rows = |n: u64| progress(Progress::Rows(n));
    let mut same_bytes = 0;
    // The shard left unfinished by the group before: its next piece starts the next group.
    let mut open: Option<ShardWriter<'_>> = None;
    let mut start = 0;
    while start < pieces.len() {
        let mut end = start;
        let mut rows = 0;
        while end < pieces.len() {
            let n = pieces[end].rows.len();
            if end > start && rows + n > budget_rows {
                break;
            }
            rows += n;
            end += 1;
        }
        let group = &pieces[start..end];
        let lists: Vec<&[RowRef]> = group
            .iter()
            .map(|p| &jobs[p.job].slot_rows(started(writers, p.job), p.slot)[p.rows.clone()])
            .collect();
        let (gathered, same) = inputs.gather(&lists)?;
        same_bytes += same;
        let batches: Vec<&RecordBatch> = gathered.parts.iter().collect();
        // The group's pieces as runs of one shard each, in order; the runs in parallel.
        let mut runs: Vec<(Option<ShardWriter<'_>>, Vec<usize>)> = Vec::new();
        for (i, piece) in group.iter().enumerate() {
            match runs.last_mut() {
                Some((_, run)) if same_shard(&group[run[0]], piece) => run.push(i),
                _ => runs.push((None, vec![i])),
            }
        }
        runs[0].0 = open.take();
        runs.par_iter_mut().try_for_each(|(shard, run)| {
            let first = &group[run[0]];
            let writer = started(writers, first.job);
            let mut current = match shard.take() {
                Some(open) => open,
                None => writer.shard(first.slot)?,
            };
            for &i in run.iter() {
                let rows = &gathered.lists[i];
                for chunk in rows.chunks(ROWS_PER_ROW_GROUP) {
                    current.push_batch(&interleave_record_batch(&batches, chunk)?)?;
                    on_rows(chunk.len() as u64);
                }
            }
            let last = &group[*run.last().expect("a run has a piece")];
            if last.rows.end == jobs[last.job].slot_rows(writer, last.slot).len() {
                current.finish()?;
            } else {
                *shard = Some(current);
            }
            Ok::<_, Error>(())
        })?;
        open = runs.pop().and_then(|(shard, _)| shard);
        for piece in group {
            let writer = started(writers, piece.job);
            let last_piece = piece.rows.end == jobs[piece.job].slot_rows(writer, piece.slot).len();
            if last_piece && piece.slot + 1 == writer.slots().len() {
                jobs[piece.job].finish(writer)?;
                finished[piece.job] = true;
                progress(Progress::Finished {
                    name: &jobs[piece.job].name,
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

fn same_shard(a: &Piece, b: &Piece) -> bool {
    (a.job, a.slot) == (b.job, b.slot)
}

fn started(writers: &[Option<DatasetWriter>], job: usize) -> &DatasetWriter {
    writers[job]
        .as_ref()
        .expect("a writer started for every job not done")
}

/// What a mix wrote: its subsets and its `mix.json`.
#[derive(Debug, Clone)]
pub struct SweepSummary {
    /// The subsets in the order they were planned (SM then FT for each share in a sweep).
    pub subsets: Vec<SubsetSummary>,
    pub mix_file: Location,
}

/// The steps that end every regime once its jobs are planned: no held-out row may enter a
/// subset, the subsets are written, and `mix.json` last.
pub(crate) fn write_regime(
    inputs: &Inputs,
    jobs: &[Job],
    options: &MixOptions,
    out: &Location,
    mix: &MixRecord,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<SweepSummary> {
    inputs.check_held_out(jobs.iter().flat_map(|job| &job.subset.rows))?;
    // Before looking at what the subsets' directories hold: another mix writing them now
    // would have its unfinished subsets taken for a crashed run's and removed.
    let _only_writer = DirLock::take(out)?;
    let subsets = write_jobs(inputs, jobs, options, progress)?;
    let mix_file = mix.write(out)?;
    Ok(SweepSummary { subsets, mix_file })
}
