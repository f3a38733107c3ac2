use anyhow::{Result, bail};
use clap::Args;
use datasets::Location;

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  synmix verify data/fmnist\n  synmix verify s3://bucket/data/fmnist\n  for d in data/mix/*/; do synmix verify \"$d\"; done"
)]
pub struct VerifyArgs {
    /// Dataset directory or object-store prefix (s3://bucket/prefix).
    dir: Location,
}

pub fn run(args: VerifyArgs, quiet: bool) -> Result<()> {
    let problems = datasets::verify::verify(&args.dir)?;
    if problems.is_empty() {
        if !quiet {
            println!("{}: ok", args.dir.display());
        }
        return Ok(());
    }
    for problem in &problems {
        eprintln!("{problem}");
    }
    bail!(
        "{}: {} problem(s) found",
        args.dir.display(),
        problems.len()
    )
}
