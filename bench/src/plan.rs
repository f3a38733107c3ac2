//! The experiment as a plan: numbered tasks in stages, the contract every engine (the local
//! worker pool, Slurm job arrays, Kubernetes Indexed Jobs) runs.
//!
//! Stages run in order — import the real datasets, render the synthetic ones, mix the subsets
//! of every pair and seed, train every cell, write the report — and each task names the
//! tasks it needs. The plan follows from the experiment alone (no data is read to make it),
//! so `--plan-only`, every `--task K` and every engine see the same numbering; `plan.json`
//! stores it in the bench directory for people and for `synmix status`.

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::dir::BenchDir;
use crate::error::Error;
use crate::layout;
use crate::stage::Stage;
use crate::work::Work;

/// One numbered task: what it does and the tasks whose outputs it reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub id: usize,
    pub work: Work,
    pub needs: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// BLAKE3 of the pinned experiment (`experiment.toml`): a plan belongs to one experiment.
    pub experiment: String,
    pub tasks: Vec<Task>,
}

impl Plan {
    /// Whether some task of `stage` needs another task of the same stage (an adaptive search's
    /// decisions and probes): an engine that starts a stage's tasks all at once has them wait.
    pub fn waits_within(&self, stage: Stage) -> bool {
        self.stage(stage)
            .iter()
            .any(|t| t.needs.iter().any(|&n| self.tasks[n].work.stage() == stage))
    }

    /// The tasks of `stage`, in order; their ids are consecutive.
    pub fn stage(&self, stage: Stage) -> &[Task] {
        let first = self
            .tasks
            .iter()
            .position(|t| t.work.stage() == stage)
            .unwrap_or(self.tasks.len());
        let count = self.tasks[first..]
            .iter()
            .take_while(|t| t.work.stage() == stage)
            .count();
        &self.tasks[first..first + count]
    }

    /// Task `id`, or an error naming the valid range.
    pub fn task(&self, id: usize) -> Result<&Task, Error> {
        self.tasks.get(id).ok_or(Error::TaskOutOfRange {
            task: id,
            stage: None,
            count: self.tasks.len(),
        })
    }

    /// Task `index` of `stage`, counted from the stage's first task.
    pub fn task_in_stage(&self, stage: Stage, index: usize) -> Result<&Task, Error> {
        let tasks = self.stage(stage);
        tasks.get(index).ok_or(Error::TaskOutOfRange {
            task: index,
            stage: Some(stage),
            count: tasks.len(),
        })
    }

    /// Whether `out` holds this plan already (false: none); refused if it holds another.
    pub fn check_stored(&self, out: &BenchDir) -> Result<bool, Error> {
        let path = layout::plan_file(out);
        if !path.exists() {
            return Ok(false);
        }
        if Plan::load(out)? != *self {
            return Err(Error::OtherPlan {
                path: out.shown(&path),
            });
        }
        Ok(true)
    }

    /// Writes `plan.json`, or checks that the one there is this plan.
    pub fn store(&self, out: &BenchDir) -> Result<()> {
        if self.check_stored(out)? {
            return Ok(());
        }
        Ok(datasets::atomic::write_json(&layout::plan_file(out), self)?)
    }

    /// The plan stored in the bench directory `out`.
    pub fn load(out: &BenchDir) -> Result<Plan, Error> {
        let path = layout::plan_file(out);
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Err(Error::NotPlanned {
                dir: out.store().shown(),
            });
        };
        let damaged = |why: String| Error::DamagedPlan {
            path: out.shown(&path),
            dir: out.store().shown(),
            why,
        };
        let plan: Plan = serde_json::from_str(&text).map_err(|e| damaged(e.to_string()))?;
        plan.check_shape().map_err(damaged)?;
        Ok(plan)
    }

    /// What every reader of a plan relies on: tasks numbered in order, each needing only
    /// earlier ones, stages in order, one report task, an experiment hash.
    fn check_shape(&self) -> std::result::Result<(), String> {
        if self.experiment.len() < 12 || !self.experiment.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("its experiment hash is not a BLAKE3 hash".into());
        }
        for (i, task) in self.tasks.iter().enumerate() {
            if task.id != i {
                return Err(format!("task {i} is numbered {}", task.id));
            }
            if let Some(need) = task.needs.iter().find(|&&n| n >= i) {
                return Err(format!(
                    "task {i} needs task {need}, which does not come before it"
                ));
            }
        }
        if !self.tasks.iter().map(|t| t.work.stage()).is_sorted() {
            return Err("its stages are out of order".into());
        }
        if self.stage(Stage::Report).len() != 1 {
            return Err("it does not end with one report task".into());
        }
        Ok(())
    }
}

/// Task ids as ranges: `0-3,7,9-12`. Slurm's `--array` takes the same form.
pub fn ranges(ids: &[usize]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < ids.len() {
        let start = ids[i];
        let mut end = start;
        while i + 1 < ids.len() && ids[i + 1] == end + 1 {
            i += 1;
            end = ids[i];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    parts.join(",")
}

mod build;
#[cfg(test)]
mod tests;
