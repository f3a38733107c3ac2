use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use bench::engine::k8s::{K8s, K8sOptions};
use bench::engine::local::{Local, Pool};
use bench::engine::slurm::{Slurm, SlurmOptions};
use bench::engine::{self, Engine, Selection};
use bench::experiment::Experiment;
use bench::plan::Plan;
use bench::stage::Stage;
use bench::{BenchOptions, tasks};
use clap::{Args, ValueEnum};
use datasets::Location;
use generator::DeviceChoice;
use trainer::backend::BackendKind;

use super::array_index::ArrayIndex;

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  synmix bench --jobs 2                         # the default, two cells at a time: ~10 minutes on 2 cores\n  \
synmix bench --profile full --out runs/full      # paper scale: 3 seeds, N = 10,000\n  \
synmix bench --config exp.toml --out runs/exp    # your own pairs, models and budgets\n  \
synmix bench --print-config > exp.toml           # start from the default experiment\n  \
synmix bench --out /shared/b --emit slurm --submit --partition cpu --time 1:00:00\n  \
synmix bench --out /shared/b --emit k8s --image registry/synmix:0.1 --claim bench | kubectl apply -f -\n  \
synmix bench --out s3://bucket/b --emit k8s --secret s3-creds | kubectl apply -f -   # no shared volume\n\n\
A rerun with the same --out skips every finished task. The plan (DIR/plan.json) numbers the tasks in \
stages: import, render, mix, train, report. `--task K` runs one of them (`--task env` takes K from \
SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX; with --stage, K counts within that stage). A task whose \
inputs are not done exits non-zero naming the task it waits for, unless --wait-for-inputs."
)]
pub struct BenchArgs {
    /// Experiment file (TOML): pairs, architectures, strategies, shares, seeds, budgets.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Built-in experiment when no --config is given: default or full (without either, the
    /// experiment already in --out, else default).
    #[arg(long, conflicts_with = "config")]
    profile: Option<String>,
    /// Bench directory: data, mixes, runs and the report — a local or shared filesystem path,
    /// or object storage (s3://bucket/prefix, with a working copy under $SYNMIX_WORK_DIR).
    #[arg(long, default_value = "runs/default")]
    out: Location,
    /// Where synthetic images are rendered.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    device: DeviceChoice,
    /// Training backend (flex is always compiled; wgpu with the gpu-training feature).
    #[arg(long, value_enum, default_value_t = BackendKind::Flex)]
    backend: BackendKind,
    /// Print the experiment (TOML) and exit.
    #[arg(long)]
    print_config: bool,
    /// Fix the experiment's plan in --out, print its tasks per stage, and exit.
    #[arg(long, conflicts_with_all = ["task", "emit"])]
    plan_only: bool,
    /// Run one task of the plan and exit: a number, `env` or `env+OFFSET` (from the array job).
    #[arg(long, value_name = "K", conflicts_with = "emit")]
    task: Option<ArrayIndex>,
    /// With --task: count K within this stage.
    #[arg(long, value_enum, requires = "task")]
    stage: Option<Stage>,
    /// With --task: wait for the tasks it needs instead of exiting non-zero.
    #[arg(long, requires = "task")]
    wait_for_inputs: bool,
    /// Tasks run at once, each in its own worker process.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=1024))]
    jobs: u64,
    /// Threads of each task (default: the cores divided among --jobs; 2 per task with --emit).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    threads: Option<u64>,
    /// Seconds between partial reports while runs finish (0: after every run).
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    report_every: u64,
    /// Print the plan's pending tasks for a cluster instead of running them.
    #[arg(long, value_enum)]
    emit: Option<EngineName>,
    #[command(flatten)]
    slurm: SlurmArgs,
    #[command(flatten)]
    k8s: K8sArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum EngineName {
    /// A bash script of sbatch job arrays, stage after stage.
    Slurm,
    /// Kubernetes Indexed Jobs, one per stage (YAML).
    K8s,
}

#[derive(Args, Debug)]
#[command(next_help_heading = "Slurm (--emit slurm)")]
struct SlurmArgs {
    /// Submit the script (refused while jobs of this plan are queued or running).
    #[arg(long)]
    submit: bool,
    /// sbatch --partition.
    #[arg(long)]
    partition: Option<String>,
    /// sbatch --time of each task, as in 1:00:00.
    #[arg(long)]
    time: Option<String>,
    /// At most this many tasks of one array at once.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    throttle: Option<u64>,
    /// Let Slurm requeue preempted tasks (a cell resumes from its checkpoint).
    #[arg(long)]
    requeue: bool,
}

#[derive(Args, Debug)]
#[command(next_help_heading = "Kubernetes (--emit k8s)")]
struct K8sArgs {
    /// Container image with synmix on its PATH.
    #[arg(long, default_value = concat!("synmix:", env!("CARGO_PKG_VERSION")))]
    image: String,
    /// PersistentVolumeClaim holding a local --out, mounted at --out in every pod (an
    /// object-storage --out needs none).
    #[arg(long, default_value = "synmix-bench")]
    claim: String,
    /// Pods of one stage at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..))]
    parallelism: u64,
    /// Retries of a failed task (backoffLimitPerIndex).
    #[arg(long, default_value_t = 2)]
    retries: u64,
    /// A Secret whose keys every pod gets as environment variables: the object-store
    /// settings and credentials of datasets the experiment names by URL (AWS_ENDPOINT_URL,
    /// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION).
    #[arg(long, value_name = "NAME")]
    secret: Option<String>,
}

/// Threads of each task on a cluster when --threads is not given: small models use more poorly.
const CLUSTER_THREADS: usize = 2;

pub fn run(args: BenchArgs, quiet: bool) -> Result<()> {
    if args.slurm.submit && args.emit != Some(EngineName::Slurm) {
        bail!("--submit goes with --emit slurm");
    }
    let out = match &args.out {
        // Jobs run elsewhere: a local bench directory is named by its absolute path.
        Location::Local(path) if args.emit.is_some() => Location::Local(
            std::path::absolute(path)
                .with_context(|| format!("{}: cannot make the path absolute", path.display()))?,
        ),
        out => out.clone(),
    };
    let out = bench::open(out)?;
    let experiment = match (&args.config, &args.profile) {
        (None, None) if args.task.is_some() || bench::is_pinned(&out) => {
            bench::pinned_experiment(&out)?
        }
        (Some(file), _) => Experiment::file(file)?,
        (None, profile) => Experiment::profile(profile.as_deref().unwrap_or("default"))?,
    };
    if args.print_config {
        print!("{}", experiment.pin_text());
        return Ok(());
    }
    let threads = args.threads.map(|t| t as usize);
    if let Some(threads) = threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
            .context("cannot set up the worker threads")?;
    }
    let options = BenchOptions {
        out,
        device: args.device,
        backend: crate::cmd::training_backend(args.backend)?,
        quiet,
        command: crate::cmd::command_line(),
        worker_args,
    };
    let plan = match args.task {
        // A worker runs its task under the plan stored, which an advice makes too.
        Some(_) => bench::task_plan(&experiment, &options.out)?,
        None => bench::prepare(&experiment, &options.out)?,
    };
    if args.plan_only {
        print!("{}", describe_plan(&plan, &options));
        return Ok(());
    }
    if let Some(index) = args.task {
        let index = index.resolve("--task")?;
        let task = match args.stage {
            Some(stage) => plan.task_in_stage(stage, index)?,
            None => plan.task(index)?,
        };
        if args.wait_for_inputs {
            tasks::wait_for_inputs(&plan, &options.out, task)?;
        }
        let message = tasks::run(&plan, &experiment, &options, task.id)?;
        if !quiet {
            println!("task {} ({}): {message}", task.id, task.work);
        }
        return Ok(());
    }
    let cluster_threads = threads.unwrap_or(CLUSTER_THREADS);
    let engine: Box<dyn Engine> = match args.emit {
        Some(EngineName::Slurm) => Box::new(Slurm {
            options: SlurmOptions {
                partition: args.slurm.partition,
                time: args.slurm.time,
                cpus_per_task: cluster_threads,
                throttle: args.slurm.throttle.map(|t| t as usize),
                requeue: args.slurm.requeue,
            },
            exe: std::env::current_exe().context("cannot find the synmix executable")?,
            submit: args.slurm.submit,
        }),
        Some(EngineName::K8s) => Box::new(K8s {
            options: K8sOptions {
                image: args.k8s.image,
                claim: args.k8s.claim,
                parallelism: args.k8s.parallelism as usize,
                cpus_per_task: cluster_threads,
                retries: args.k8s.retries as usize,
                secret: args.k8s.secret,
            },
        }),
        None => Box::new(Local {
            pool: Pool {
                jobs: args.jobs as usize,
                threads,
            },
            preview_every: Some(Duration::from_secs(args.report_every)),
        }),
    };
    print!(
        "{}",
        engine::launch(engine.as_ref(), &plan, &experiment, &options)?
    );
    Ok(())
}

/// The arguments of a worker process that runs one task (see [`engine::WorkerArgs`]): every
/// engine starts its workers with these.
pub fn worker_args(options: &BenchOptions, selection: &Selection, threads: usize) -> Vec<String> {
    let name = |value: Option<clap::builder::PossibleValue>| {
        value.map(|v| v.get_name().to_string()).unwrap_or_default()
    };
    let mut args: Vec<String> = vec![
        "-q".into(),
        "bench".into(),
        "--out".into(),
        options.out.display().to_string(),
    ];
    match selection {
        Selection::Task(id) => args.extend(["--task".into(), id.to_string()]),
        Selection::FromEnv {
            stage,
            offset,
            wait,
        } => {
            let index = match offset {
                0 => "env".to_string(),
                offset => format!("env+{offset}"),
            };
            args.extend([
                "--stage".into(),
                stage.name().into(),
                "--task".into(),
                index,
            ]);
            if *wait {
                args.push("--wait-for-inputs".into());
            }
        }
    }
    args.extend([
        "--threads".into(),
        threads.to_string(),
        "--device".into(),
        name(options.device.to_possible_value()),
        "--backend".into(),
        name(options.backend.to_possible_value()),
    ]);
    args
}

fn describe_plan(plan: &Plan, options: &BenchOptions) -> String {
    let mut text = format!(
        "planned {}: {} tasks (experiment {})\n",
        options.out.display(),
        plan.tasks.len(),
        &plan.experiment[..12]
    );
    for stage in Stage::ALL {
        let ids: Vec<usize> = plan.stage(stage).iter().map(|t| t.id).collect();
        text.push_str(&format!(
            "  {:<7} {:>5}  (tasks {})\n",
            stage.name(),
            ids.len(),
            bench::plan::ranges(&ids)
        ));
    }
    text
}
