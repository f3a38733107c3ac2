//! The kinds of work a plan's tasks do, one file each, behind one trait ([`Kind`]), as
//! DataTrove's pipeline steps share one base: what a task of that kind makes, how it runs, and
//! how to tell whether what it finished can still be trusted. [`Work`] is the plan's record of
//! a task's work (`plan.json`) and the one place that lists the kinds; the task contract
//! ([`crate::tasks`]) and the engines run any of them alike.
//!
//! Adding a kind of work is a file here implementing [`Kind`], its variant in [`Work`], and the
//! tasks [`crate::plan`] adds for it.

mod advise;
mod choose;
mod gap;
mod import;
mod inputs;
mod mix;
mod probe;
mod render;
mod report;
mod train;

use std::fmt;

use anyhow::Result;
use datasets::Location;
use serde::{Deserialize, Serialize};

pub use advise::Advise;
pub use choose::Choose;
pub use gap::Gap;
pub use import::Import;
pub(crate) use inputs::check_real_holds;
pub use mix::Mix;
pub use probe::Probe;
pub use render::Render;
pub use report::{Report, report_context};
pub use train::{Cell, Train};

use crate::dir::BenchDir;
pub use crate::error::DamagedInput;
use crate::experiment::Experiment;
use crate::options::BenchOptions;
use crate::stage::Stage;

/// What a task is given to run: the experiment, how the bench runs, and how the tasks it needs
/// ended.
pub struct Context<'a> {
    pub experiment: &'a Experiment,
    pub options: &'a BenchOptions,
    /// The tasks it needs whose last attempt failed (only a kind that
    /// [`reads failures`](Kind::reads_failures) runs with any).
    pub failed_needs: Vec<&'a Work>,
}

/// One kind of work.
pub trait Kind: fmt::Display {
    /// The stage its tasks run in.
    fn stage(&self) -> Stage;

    /// Does the work, keeping what an earlier attempt finished; returns the one-line summary
    /// the task's completion record keeps. An input found damaged is a [`DamagedInput`]
    /// error, so the task contract can send the task that made it back to work.
    fn run(&self, context: &Context) -> Result<String>;

    /// What it makes in the bench directory `out`: an input found damaged under one of these
    /// is this task's to make again, and on object storage the files among them are what it
    /// pushes when it ends and what the tasks reading it pull ([`BenchDir::pull`]).
    fn outputs(&self, out: &BenchDir) -> Vec<Location>;

    /// Why what a task of this kind finished cannot be trusted any more (gone, unreadable,
    /// a failed run), or `None`. Cheap — what a reader opens first — so a whole bench is
    /// checked at every launch; shards are checked against their hashes by the task that
    /// reads them.
    fn damaged(&self, out: &BenchDir) -> Option<String>;

    /// Whether it runs once the tasks it needs have ended, reading the failed ones as
    /// failures (the report, a search's decision), rather than waiting for them to succeed.
    fn reads_failures(&self) -> bool {
        false
    }

    /// Whether it summarises what the tasks it needs made (the report, a search's decision, an
    /// advice): made again whenever one of them is.
    fn summarises(&self) -> bool {
        false
    }

    /// Writes what it can of its outputs from the needs done so far, marked partial, while
    /// `left` of them are still to be done (the report while runs finish); false where the kind
    /// has nothing to show before it runs.
    fn preview(&self, _out: &BenchDir, _experiment: &Experiment, _left: usize) -> Result<bool> {
        Ok(false)
    }

    /// The task in a progress line.
    fn label(&self) -> String {
        self.to_string()
    }
}

/// What a task does, as the plan records it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Work {
    Import(Import),
    Render(Render),
    Mix(Mix),
    Gap(Gap),
    Train(Train),
    Choose(Choose),
    Probe(Probe),
    Report(Report),
    Advise(Advise),
}

impl Work {
    /// The kind of work, to run or ask.
    pub fn kind(&self) -> &dyn Kind {
        match self {
            Work::Import(work) => work,
            Work::Render(work) => work,
            Work::Mix(work) => work,
            Work::Gap(work) => work,
            Work::Train(work) => work,
            Work::Choose(work) => work,
            Work::Probe(work) => work,
            Work::Report(work) => work,
            Work::Advise(work) => work,
        }
    }

    pub fn stage(&self) -> Stage {
        self.kind().stage()
    }
}

impl fmt::Display for Work {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind().fmt(f)
    }
}

/// Fails with a [`DamagedInput`] unless the dataset in `dir` is finished and its shards match
/// its manifest: a task never reads a damaged input.
pub(crate) fn check_input(dir: impl Into<datasets::Location>) -> Result<()> {
    use datasets::verify::{Depth, Finished, finished};
    let dir = dir.into();
    let why = match finished(&dir, Depth::Hashes) {
        Finished::Yes => return Ok(()),
        Finished::No => "not finished: it has no manifest".to_string(),
        Finished::Damaged(why) => why,
    };
    Err(DamagedInput { path: dir, why }.into())
}

/// Why the dataset a finished task made cannot be trusted, reading its manifest only.
pub(crate) fn dataset_damaged(dir: impl Into<datasets::Location>) -> Option<String> {
    use datasets::verify::{Depth, Finished, finished};
    let dir = dir.into();
    match finished(&dir, Depth::Manifest) {
        Finished::Yes => None,
        Finished::No => Some(format!("{dir}: missing")),
        Finished::Damaged(why) => Some(format!("{dir}: {why}")),
    }
}
