//! Writing one output dataset from a layout: rows copied as they are (PNG bytes, uid,
//! label, source, meta) with `arrow_select::interleave`, shards in parallel, the manifest
//! last; and deciding, on a rerun, which outputs are already done.

use std::path::PathBuf;

use arrow_array::RecordBatch;
use arrow_select::interleave::interleave_record_batch;
use datasets::{
    DatasetInfo, DatasetWriter, Manifest, Phase, Progress, ROWS_PER_ROW_GROUP, Recipe, SplitPlan,
    WriteMode,
};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::inputs::{Inputs, TRAIN};
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

    /// Writes the dataset; on any error, removes what it wrote.
    pub fn write(
        &self,
        inputs: &Inputs,
        recipe: Recipe,
        found: Found,
        on_rows: &(dyn Fn(u64) + Sync),
    ) -> Result<Manifest> {
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
            recipe,
        };
        let mode = if found == Found::Nothing {
            WriteMode::Fresh
        } else {
            WriteMode::Force
        };
        let writer = DatasetWriter::create(
            &self.dir,
            info,
            &[SplitPlan {
                name: TRAIN.to_string(),
                rows: self.rows(),
            }],
            mode,
        )?;
        match self.write_shards(&writer, inputs, on_rows) {
            Ok(()) => {
                let phases = self.phases(&writer);
                let mix = serde_json::json!({ "request": self.request, "record": self.record });
                Ok(writer.finish(phases, Some(mix))?)
            }
            Err(e) => {
                writer.abort();
                Err(e)
            }
        }
    }

    fn write_shards(
        &self,
        writer: &DatasetWriter,
        inputs: &Inputs,
        on_rows: &(dyn Fn(u64) + Sync),
    ) -> Result<()> {
        let batches: Vec<&RecordBatch> = inputs.batches().iter().collect();
        (0..writer.slots().len())
            .into_par_iter()
            .try_for_each(|index| {
                let slot = &writer.slots()[index];
                let mut shard = writer.shard(index)?;
                let rows = &self.layout.rows[slot.rows.start as usize..slot.rows.end as usize];
                for chunk in rows.chunks(ROWS_PER_ROW_GROUP) {
                    shard.push_batch(&interleave_record_batch(&batches, chunk)?)?;
                    on_rows(chunk.len() as u64);
                }
                shard.finish()?;
                Ok(())
            })
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
/// written), then writes the jobs not already done, in parallel. The dataset writer
/// creates the directories (and their parents).
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
    let on_rows = |n: u64| progress(Progress::Rows(n));
    let results: Vec<Result<bool>> = jobs
        .par_iter()
        .zip(&found)
        .map(|(job, &found)| {
            let kept = found == Found::Done;
            if !kept {
                let recipe = Recipe {
                    command: options.command.clone(),
                    seed: Some(options.seed),
                    config: job.request.clone(),
                };
                job.write(inputs, recipe, found, &on_rows)?;
            }
            progress(Progress::Finished {
                name: &job.name,
                kept,
            });
            Ok(kept)
        })
        .collect();
    jobs.iter()
        .zip(results)
        .map(|(job, kept)| {
            Ok(SubsetSummary {
                name: job.name.clone(),
                dir: job.dir.clone(),
                rows: job.rows(),
                synthetic_rows: job.layout.synthetic_rows,
                kept: kept?,
            })
        })
        .collect()
}
