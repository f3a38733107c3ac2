//! `synmix status`: done, failed, running and missing tasks of a planned bench.

use bench::{BenchDir, status};
use clap::Args;
use datasets::Location;

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  synmix status runs/default\n  synmix status s3://bucket/b\n\n\
Reads DIR/plan.json and the task records under DIR/tasks/, lists the tasks per stage, the failed ones \
with their errors, and prints the command that runs the failed and missing ones again on the engine \
last used (local, Slurm or Kubernetes)."
)]
pub struct StatusArgs {
    /// Bench directory (the --out of `synmix bench`): a path or object storage.
    #[arg(value_name = "DIR")]
    dir: Location,
}

pub fn run(args: StatusArgs, _quiet: bool) -> anyhow::Result<()> {
    // A bench directory no recorded command launched reruns with the plain command.
    let rerun = |out: &BenchDir| format!("synmix bench --out {}", out.display());
    print!("{}", status::describe(&bench::open(args.dir)?, rerun)?);
    Ok(())
}
