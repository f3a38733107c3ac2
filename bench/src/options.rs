//! How to run an experiment beyond what its file says: where, on which device and training
//! backend, the command line to record, and how to word a worker's command line — the values
//! only the binary knows, handed to the library.

use generator::DeviceChoice;
use trainer::backend::BackendKind;

use crate::dir::BenchDir;
use crate::stage::Stage;

/// How to run an experiment, beyond what the experiment file says.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    pub out: BenchDir,
    pub device: DeviceChoice,
    pub backend: BackendKind,
    pub quiet: bool,
    /// The command line that launched this process, recorded in manifests and launch records.
    pub command: String,
    /// How the engines start a worker process for one task.
    pub worker_args: WorkerArgs,
}

/// Which task a worker process runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Task `id` of the plan.
    Task(usize),
    /// The task of `stage` whose index within the stage is the array job's index (from the
    /// environment) plus `offset`; with `wait`, it waits for its inputs rather than failing.
    FromEnv {
        stage: Stage,
        offset: usize,
        wait: bool,
    },
}

/// The arguments (after the executable) of a worker process that runs `selection` with
/// `threads` threads on `options`' bench directory. The binary supplies them: they are its
/// command line's words, which this library does not know.
pub type WorkerArgs =
    fn(options: &BenchOptions, selection: &Selection, threads: usize) -> Vec<String>;
