//! What the bench refuses about a bench directory or a task, typed so the binary words each as
//! its own options (the library names no flags; see `src/cmd/hints.rs`).

use std::path::PathBuf;

use crate::stage::Stage;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The directory pins another experiment: its results would mix with this one's.
    #[error(
        "{}: holds another experiment; write the bench elsewhere (or delete it to start over)",
        dir.display()
    )]
    OtherExperiment { dir: PathBuf },
    /// The directory has a plan but no pinned experiment to tell whose.
    #[error(
        "{}: has a plan.json but no experiment.toml; give the bench's experiment (or write the bench elsewhere)",
        dir.display()
    )]
    UnpinnedPlan { dir: PathBuf },
    /// A task or status asked of a directory no bench has planned.
    #[error("{}: not a bench directory (no experiment.toml); plan a bench there first", dir.display())]
    NotABench { dir: PathBuf },
    #[error("{}: not a planned bench directory (no plan.json); plan a bench there first", dir.display())]
    NotPlanned { dir: PathBuf },
    #[error(
        "{}: damaged plan ({why}); delete it and plan the bench again (finished tasks are kept)",
        path.display()
    )]
    DamagedPlan {
        path: PathBuf,
        /// The bench directory, to plan again.
        dir: PathBuf,
        why: String,
    },
    #[error(
        "{}: holds the plan of another experiment (or another synmix version); write the bench elsewhere",
        path.display()
    )]
    OtherPlan { path: PathBuf },
    /// A task number past the plan (or, with `stage`, past that stage's tasks).
    #[error("{}", task_out_of_range(*task, *stage, *count))]
    TaskOutOfRange {
        task: usize,
        stage: Option<Stage>,
        count: usize,
    },
}

fn task_out_of_range(task: usize, stage: Option<Stage>, count: usize) -> String {
    match stage {
        None => format!(
            "task {task} is out of range: this plan has tasks 0 to {} (see plan.json or its status)",
            count.saturating_sub(1)
        ),
        Some(stage) => format!(
            "task {task} is out of range: stage {stage} has {count} task(s), 0 to {}",
            count.saturating_sub(1)
        ),
    }
}

/// An input of a task that can no longer be trusted (a dataset that no longer matches its
/// manifest, a decision that no longer follows from what it records): the task fails naming
/// it, and the task contract sends the task that made it back to work.
#[derive(Debug, thiserror::Error)]
#[error("{path}: damaged ({why})")]
pub struct DamagedInput {
    pub path: datasets::Location,
    pub why: String,
}
