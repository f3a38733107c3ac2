//! The local engine: the plan's tasks in this process (`--jobs 1`) or in a pool of worker
//! processes, each a `synmix bench --task K` with its own thread budget. Small models use two
//! cores poorly within one step, so cells side by side finish a sweep sooner than one cell on
//! all cores. Either way a task starts once the tasks it needs are done, and results are the
//! same: every run is seeded, and the trainer gives the same result on any thread count.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use indicatif::ProgressBar;

use super::preview::Preview;
use super::{Engine, Selection};
use crate::dir::BenchDir;
use crate::experiment::Experiment;
use crate::layout;
use crate::options::BenchOptions;
use crate::plan::{Plan, Task};
use crate::stage::Stage;
use crate::tasks::{self, State};

/// How many tasks run at once, and with how many threads each.
#[derive(Debug, Clone, Copy)]
pub struct Pool {
    pub jobs: usize,
    /// Worker threads of each task; by default the cores divided among the jobs.
    pub threads: Option<usize>,
}

impl Pool {
    pub fn threads_per_job(&self) -> usize {
        self.threads.unwrap_or_else(|| (cores() / self.jobs).max(1))
    }
}

pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// What the pool saw finish.
#[derive(Default)]
struct Tally {
    /// The first task outside training that failed: nothing after it can run.
    data_failure: Option<(usize, String)>,
    /// The stop signal that ended the launch, if one did.
    interrupted: Option<&'static str>,
    /// The error of every task that failed in this launch, for the tasks left with no record
    /// of it (the store unreachable, a record unwritable).
    errors: std::collections::BTreeMap<usize, String>,
    attempted: BTreeSet<usize>,
}

/// This machine's engine: runs every task of the plan that is not done, then reports; fails if
/// any run failed.
pub struct Local {
    pub pool: Pool,
    /// How often the plan's last task is previewed while the tasks it needs finish (the report,
    /// marked partial); none: never.
    pub preview_every: Option<Duration>,
}

impl Engine for Local {
    fn name(&self) -> &'static str {
        "local"
    }

    fn check(&self, plan: &Plan, options: &BenchOptions) -> Result<()> {
        let out = &options.out;
        let running = |t: &&Task| {
            !matches!(tasks::state(out, t.id), State::Done(_)) && tasks::is_running(out, t.id)
        };
        if let Some(task) = plan.tasks.iter().find(running) {
            bail!(
                "{}: task {} ({}) is running in another process; wait for it (`synmix status {}`) and run again",
                out.display(),
                task.id,
                task.work,
                out.display()
            );
        }
        Ok(())
    }

    fn launch(
        &self,
        plan: &Plan,
        experiment: &Experiment,
        options: &BenchOptions,
    ) -> Result<String> {
        run(plan, experiment, options, self.pool, self.preview_every)?;
        Ok(String::new())
    }
}

fn run(
    plan: &Plan,
    experiment: &Experiment,
    options: &BenchOptions,
    pool: Pool,
    preview_every: Option<Duration>,
) -> Result<()> {
    let out = &options.out;
    let started = Instant::now();
    let bar = datasets::progress::bars::bar(plan.tasks.len() as u64, "tasks", options.quiet);
    bar.set_message("running the plan");
    let mut tally = Tally::default();
    let mut preview = Preview::new(plan, experiment, out, preview_every);
    if pool.jobs == 1 {
        in_process(plan, experiment, options, &bar, &mut tally, &mut preview);
    } else {
        workers(plan, options, pool, &bar, &mut tally, &mut preview)?;
    }
    bar.finish_and_clear();

    if let Some(signal) = tally.interrupted {
        bail!(
            "stopped by {signal}: the running tasks were stopped and nothing finished is lost; \
             run the same command again to resume"
        );
    }
    if let Some((id, error)) = tally.data_failure {
        bail!("{error} (task {id}: {})", plan.tasks[id].work);
    }
    // Counted from the plan, not from failure records: a worker killed from outside (the OOM
    // killer, a full disk) leaves its task with no record at all.
    let runs = plan.stage(Stage::Train).len();
    let failed = tasks::failed_runs(plan, out);
    let unfinished: Vec<usize> = plan
        .tasks
        .iter()
        .filter(|t| tasks::state(out, t.id) == State::Missing)
        .map(|t| t.id)
        .collect();
    // The plan's last task: the report of a sweep, an advice's advice.
    let last = &plan.stage(Stage::Report)[0];
    let report = layout::report_markdown(out);
    let last_state = tasks::state(out, last.id);
    let report_words = match &last_state {
        State::Done(record) => format!("{}: {}", last.work, record.message),
        _ if report.is_file() => format!("report: {}", out.shown(&report).display()),
        _ => format!("{}: not done", last.work),
    };
    if !options.quiet {
        eprintln!(
            "bench finished: {runs} runs ({failed} failed, {} task(s) unfinished) in {:.1} min; {report_words}",
            unfinished.len(),
            started.elapsed().as_secs_f64() / 60.0,
        );
    }
    if failed > 0 {
        bail!(
            "{failed} of {runs} runs could not train ({}); run the same command again to retry them",
            if report.is_file() {
                format!("see Failed runs in {}", out.shown(&report).display())
            } else {
                "see `synmix status`".to_string()
            }
        );
    }
    if !unfinished.is_empty() {
        let why = unfinished
            .iter()
            .find_map(|id| {
                tally
                    .errors
                    .get(id)
                    .map(|error| format!("; task {id}: {error}"))
            })
            .unwrap_or_default();
        bail!(
            "{} task(s) did not finish (tasks {}; their logs are under {}{why}); run the same command again to resume them",
            unfinished.len(),
            crate::plan::ranges(&unfinished),
            layout::tasks_dir(out).display()
        );
    }
    match last_state {
        State::Done(_) => Ok(()),
        State::Failed(record) => bail!("{} failed: {}", last.work, record.message),
        State::Missing => bail!("{} was not done; run the same command again", last.work),
    }
}

/// The next task to start: not done, not tried in this launch, not running here, and with
/// every task it needs done.
fn next_ready<'a>(
    plan: &'a Plan,
    out: &BenchDir,
    tally: &Tally,
    running: &[usize],
) -> Option<&'a Task> {
    plan.tasks.iter().find(|t| {
        !tally.attempted.contains(&t.id)
            && !running.contains(&t.id)
            && !matches!(tasks::state(out, t.id), State::Done(_))
            && tasks::waiting_for(out, t).is_none()
    })
}

fn in_process(
    plan: &Plan,
    experiment: &Experiment,
    options: &BenchOptions,
    bar: &ProgressBar,
    tally: &mut Tally,
    preview: &mut Preview,
) {
    while tally.data_failure.is_none() {
        let Some(task) = next_ready(plan, &options.out, tally, &[]) else {
            break;
        };
        tally.attempted.insert(task.id);
        let started = Instant::now();
        let outcome = tasks::run(plan, experiment, options, task.id).map_err(|e| format!("{e:#}"));
        finished(task, outcome, started, options.quiet, bar, tally);
        preview.maybe(tally.attempted.contains(&plan.stage(Stage::Report)[0].id));
    }
    bar.set_position(tasks::done(plan, &options.out));
}

fn workers(
    plan: &Plan,
    options: &BenchOptions,
    pool: Pool,
    bar: &ProgressBar,
    tally: &mut Tally,
    preview: &mut Preview,
) -> Result<()> {
    let out = &options.out;
    let exe =
        std::env::current_exe().context("cannot find the synmix executable to start workers")?;
    let threads = pool.threads_per_job();
    let stop = StopSignals::register()?;
    let mut running: Vec<(usize, Child, Instant)> = Vec::new();
    loop {
        if let Some((signal, number)) = stop.received() {
            // The workers get the same signal, and are waited for: none goes on writing
            // records after the launch has ended.
            for (_, child, _) in &mut running {
                // SAFETY: kill(2) with the pid of a child not yet waited for.
                unsafe { libc::kill(child.id() as libc::pid_t, number) };
            }
            for (_, child, _) in &mut running {
                let _ = child.wait();
            }
            tally.interrupted = Some(signal);
            return Ok(());
        }
        while running.len() < pool.jobs && tally.data_failure.is_none() {
            let ids: Vec<usize> = running.iter().map(|(id, _, _)| *id).collect();
            let Some(task) = next_ready(plan, out, tally, &ids) else {
                break;
            };
            tally.attempted.insert(task.id);
            let child = spawn_worker(&exe, task.id, threads, options)?;
            running.push((task.id, child, Instant::now()));
        }
        bar.set_position(tasks::done(plan, out));
        if running.is_empty() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
        let mut still = Vec::new();
        for (id, mut child, started) in running {
            match child.try_wait().context("cannot wait for a worker")? {
                None => still.push((id, child, started)),
                Some(exit) => {
                    let outcome = match tasks::state(out, id) {
                        State::Done(record) => Ok(record.message),
                        State::Failed(record) => Err(record.message),
                        State::Missing => Err(format!(
                            "the worker ended ({exit}) before finishing; see {}",
                            layout::task_file(out, id, "log").display()
                        )),
                    };
                    finished(&plan.tasks[id], outcome, started, options.quiet, bar, tally);
                    preview.maybe(tally.attempted.contains(&plan.stage(Stage::Report)[0].id));
                }
            }
        }
        running = still;
    }
}

/// SIGTERM and SIGINT, noted rather than obeyed while the pool runs, so the workers can be
/// stopped with the launch.
struct StopSignals {
    flags: [(&'static str, libc::c_int, Arc<AtomicBool>); 2],
}

impl StopSignals {
    fn register() -> Result<StopSignals> {
        let flags = [("SIGTERM", libc::SIGTERM), ("SIGINT", libc::SIGINT)]
            .map(|(name, number)| (name, number, Arc::new(AtomicBool::new(false))));
        for (name, number, flag) in &flags {
            signal_hook::flag::register(*number, Arc::clone(flag))
                .with_context(|| format!("cannot watch for {name}"))?;
        }
        Ok(StopSignals { flags })
    }

    /// The first signal received, with its number.
    fn received(&self) -> Option<(&'static str, libc::c_int)> {
        self.flags
            .iter()
            .find(|(_, _, flag)| flag.load(Ordering::Relaxed))
            .map(|(name, number, _)| (*name, *number))
    }
}

/// Starts `synmix bench --task ID` on the same bench directory, its output in the task's log.
fn spawn_worker(exe: &Path, id: usize, threads: usize, options: &BenchOptions) -> Result<Child> {
    let log_path = layout::task_file(&options.out, id, "log");
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("{}: cannot create the task log", log_path.display()))?;
    Command::new(exe)
        .args((options.worker_args)(
            options,
            &Selection::Task(id),
            threads,
        ))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .with_context(|| format!("cannot start a worker ({})", exe.display()))
}

fn finished(
    task: &Task,
    outcome: Result<String, String>,
    started: Instant,
    quiet: bool,
    bar: &ProgressBar,
    tally: &mut Tally,
) {
    if let Err(error) = &outcome {
        tally.errors.insert(task.id, error.clone());
    }
    if task.work.stage() != Stage::Train {
        // A failed report is told at the end; a failed data task stops the launch.
        if let (Err(error), false) = (outcome, task.work.stage() == Stage::Report) {
            tally.data_failure.get_or_insert((task.id, error));
        }
        return;
    }
    let line = match outcome {
        Ok(message) => message,
        Err(error) => format!("FAILED: {error}"),
    };
    if !quiet {
        let what = task.work.kind().label();
        bar.suspend(|| eprintln!("{what}: {line} ({:.1}s)", started.elapsed().as_secs_f64()));
    }
}
