//! `synmix`: the command line over the synmix crates. Parsing and wiring only; the work
//! lives in `datasets`, `generator`, `mixer`, `trainer` and the experiment, `bench`.

mod cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// burn's CPU backend allocates fresh buffers for every op of every training step; glibc's malloc
/// hands the large ones back to the kernel on free and takes page faults on every reuse, which
/// halved training throughput. mimalloc keeps freed pages for the next allocation (see `main`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h's `mi_option_e` (the Rust bindings name no constant for
/// it): milliseconds before freed memory is returned to the OS, -1 for never.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

#[derive(Parser, Debug)]
#[command(
    name = "synmix",
    version,
    about = "Build and benchmark hybrid training sets of real and synthetic images",
    long_about = "synmix generates labelled synthetic images (wgpu compute shaders), imports real data, \
mixes the two into class-matched training subsets (Simple Mixed and Fine-Tuned), trains small models on them \
and reports which strategy works best at which synthetic share.",
    after_help = "Examples:\n  synmix bench --out runs/default          # the whole default benchmark\n  \
synmix import fashion-mnist --out data/fmnist\n  synmix generate --preset fashion --per-class 6000 --out data/fashion\n  \
synmix mix --synthetic data/fashion --real data/fmnist --size 10000 --out data/mix\n  synmix verify data/mix/sm-r050"
)]
struct Cli {
    /// No progress bars and no notices; errors are still printed.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// More log output (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Import real (or third-party synthetic) images into a synmix dataset.
    Import(cmd::import::ImportArgs),
    /// Summarise a dataset: schema, classes, counts, image size; optionally a contact sheet.
    Inspect(cmd::inspect::InspectArgs),
    /// Check every shard of a dataset against its manifest (hashes, rows, class counts).
    Verify(cmd::verify::VerifyArgs),
    /// Render labelled synthetic images with wgpu compute shaders (or the CPU reference).
    Generate(cmd::generate::GenerateArgs),
    /// Mix a synthetic and a real dataset into class-matched SM and FT subsets.
    Mix(cmd::mix::MixArgs),
    /// Train one model on one dataset and score it on a real test set.
    Train(cmd::train::TrainArgs),
    /// Run the SM vs FT benchmark: import/generate, mix, train every cell, report.
    Bench(cmd::bench::BenchArgs),
    /// Write report.md and report.html for a bench directory.
    Report(cmd::report::ReportArgs),
    /// List the done, failed and missing tasks of a planned bench, and how to rerun them.
    Status(cmd::status::StatusArgs),
    /// Time a stage on this machine: generate, mix or train.
    Speed(cmd::speed::SpeedArgs),
    /// Measure how far a synthetic dataset is from a real one, overall and per class.
    Gap(cmd::gap::GapArgs),
    /// Advise, from a few pilot runs, whether and how to train with a synthetic set.
    Advise(cmd::advise::AdviseArgs),
}

fn main() -> ExitCode {
    // A training step frees and reallocates the same large buffers every few milliseconds; with
    // mimalloc's default 10 ms purge each reuse faulted in freshly zeroed pages (24k page faults
    // in a short CNN + ViT timing, 600 without purging). The peak RSS stays what a step needs.
    // SAFETY: mimalloc's options may be set at any time; no other thread runs yet.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    let cli = Cli::parse();
    init_logging(cli.quiet, cli.verbose);
    let quiet = cli.quiet;
    let result = match cli.command {
        Command::Import(args) => cmd::import::run(args, quiet),
        Command::Inspect(args) => cmd::inspect::run(args, quiet),
        Command::Verify(args) => cmd::verify::run(args, quiet),
        Command::Generate(args) => cmd::generate::run(args, quiet),
        Command::Mix(args) => cmd::mix::run(args, quiet),
        Command::Train(args) => cmd::train::run(args, quiet),
        Command::Bench(args) => cmd::bench::run(args, quiet),
        Command::Report(args) => cmd::report::run(args, quiet),
        Command::Status(args) => cmd::status::run(args, quiet),
        Command::Speed(args) => cmd::speed::run(args, quiet),
        Command::Gap(args) => cmd::gap::run(args, quiet),
        Command::Advise(args) => cmd::advise::run(args, quiet),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`synmix inspect DIR | head`) is the reader's choice, not a failure.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            // The libraries name no flags; `hints` puts them in, for every subcommand.
            eprintln!("synmix: error: {}", cmd::hints::line(error));
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn init_logging(quiet: bool, verbose: u8) {
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
