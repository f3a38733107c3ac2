//! `synmix train`: train one model on one dataset and score it on a real test set. (Its
//! speed is measured by `synmix speed train`.)

use std::ops::ControlFlow;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use datasets::Location;
use trainer::backend::BackendKind;
use trainer::config::{OptimizerKind, TrainConfig};
use trainer::run::run_training;
use trainer::schedule::Schedule;
use trainer::train::TrainEvent;
use trainer::{ModelKind, RunConfig, Status, Strategy};

#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
synmix train --data data/mix/sm-r030 --test data/fmnist --model cnn --strategy sm --out runs/cnn-sm-r030\n  \
synmix train --data data/mix/ft-r030 --test data/fmnist --synthetic-test data/fashion --model vit --strategy ft \\\n      \
--finetune-lr 3e-4 --epochs 10 --schedule cosine --warmup 0.1 --seed 1 --out runs/vit-ft-r030-s1\n\n\
The run directory gets result.json (config, versions, metrics, timings, status) and, while training, \
a checkpoint after every epoch: running the same command again resumes an interrupted run, and returns \
at once for a finished one. A run whose loss stops being finite is recorded as failed.")]
pub struct TrainArgs {
    /// Training dataset: its `train` split, and for FT its phase plan (synthetic, then real).
    #[arg(long, value_name = "DIR")]
    data: Location,
    /// Dataset whose `test` split (real images) scores the model.
    #[arg(long, value_name = "DATASET")]
    test: Location,
    /// Dataset whose `test` split (synthetic images) is scored as well.
    #[arg(long, value_name = "DATASET")]
    synthetic_test: Option<Location>,
    /// Architecture.
    #[arg(long, value_enum, default_value_t = ModelKind::Cnn)]
    model: ModelKind,
    /// sm (one shuffled mix), ft (synthetic phase, then real phase on the same weights) or ramp
    /// (a ramp-rXXX subset's batches, synthetic share falling linearly; `synmix mix --ramp`).
    #[arg(long, value_enum, default_value_t = Strategy::Sm)]
    strategy: Strategy,
    /// Optimizer (sgd: with momentum).
    #[arg(long, value_enum, default_value_t = OptimizerKind::Adam)]
    optimizer: OptimizerKind,
    /// Learning rate [default: 1e-3].
    #[arg(long)]
    lr: Option<f64>,
    /// FT: learning rate of the real phase [default: --lr].
    #[arg(long)]
    finetune_lr: Option<f64>,
    /// FT: epochs of the real phase [default: --epochs].
    #[arg(long)]
    finetune_epochs: Option<usize>,
    /// FT: carry the optimizer state (Adam moments, SGD momentum) into the real phase instead of
    /// starting it fresh.
    #[arg(long)]
    keep_optimizer: bool,
    /// SGD momentum [default: 0.9].
    #[arg(long)]
    momentum: Option<f64>,
    /// Rows per training step [default: 64].
    #[arg(long)]
    batch_size: Option<usize>,
    /// Epochs per phase (FT trains this many over the synthetic rows, then over the real rows, so
    /// it sees as many samples as SM) [default: 5].
    #[arg(long)]
    epochs: Option<usize>,
    /// How the learning rate moves within each phase, from --lr (FT: --finetune-lr) as its peak:
    /// constant, or a cosine decay towards zero; each phase restarts it.
    #[arg(long, value_enum, default_value_t = Schedule::Constant)]
    schedule: Schedule,
    /// Fraction of each phase's steps over which the learning rate rises linearly to its peak
    /// [default: 0].
    #[arg(long)]
    warmup: Option<f64>,
    /// Seed of the initialisation and of the shuffling [default: 0].
    #[arg(long)]
    seed: Option<u64>,
    /// Run directory (result.json, checkpoint).
    #[arg(long, value_name = "RUN_DIR", value_parser = super::local_path)]
    out: PathBuf,
    /// Compute backend: flex (CPU, always built) or wgpu (builds with `--features gpu-training`).
    #[arg(long, value_enum, default_value_t = BackendKind::Flex)]
    backend: BackendKind,
    /// MiB of decoded images a split may take in memory; a larger split is decoded from its
    /// shards batch by batch, a thread staying ahead of the steps, with the same results
    /// [default: a sixteenth of the machine's memory, 64 to 256 MiB].
    #[arg(long, value_name = "MIB")]
    memory: Option<u64>,
}

pub fn run(args: TrainArgs, quiet: bool) -> anyhow::Result<()> {
    let train = train_config(&args)?;
    let backend = super::training_backend(args.backend)?;
    let config = RunConfig {
        data: args.data.clone(),
        test: args.test.clone(),
        synthetic_test: args.synthetic_test.clone(),
        out: args.out.clone(),
        model: args.model,
        strategy: args.strategy,
        backend,
        train,
        cell: None,
        memory_budget: args.memory.map(|mib| mib << 20),
    };
    let bar = datasets::progress::bars::bar(0, "samples", quiet);
    let result = run_training(&config, &mut |progress| {
        match progress {
            TrainEvent::Start {
                total_samples,
                done_samples,
            } => {
                bar.set_length(*total_samples as u64);
                bar.set_position(*done_samples as u64);
            }
            TrainEvent::Batch { phase, epoch, rows } => {
                bar.set_message(format!("{phase} epoch {epoch}"));
                bar.inc(rows.len() as u64);
            }
            TrainEvent::Epoch(record) => {
                bar.println(format!(
                    "{} epoch {}: loss {:.4} ({:.1} s)",
                    record.phase, record.epoch, record.loss, record.seconds
                ));
            }
        }
        ControlFlow::Continue(())
    });
    bar.finish_and_clear();
    let result = result?;
    let path = config.result_path();
    match (result.status, &result.metrics) {
        (Status::Ok, Some(test)) => {
            let timings = result
                .timings
                .as_ref()
                .context("a finished run records its timings")?;
            let synthetic = result.synthetic_test.as_ref().map_or(String::new(), |m| {
                format!(", synthetic test {:.4}", m.accuracy)
            });
            println!(
                "{} {}: test accuracy {:.4}, macro-F1 {:.4}{synthetic}; {:.1} s, {:.0} samples/s; {}",
                config.model,
                config.strategy,
                test.accuracy,
                test.macro_f1,
                timings.train_seconds,
                timings.samples_per_second,
                path.display()
            );
            Ok(())
        }
        _ => bail!(
            "run failed: {} (recorded in {})",
            result.reason.as_deref().unwrap_or("no reason recorded"),
            path.display()
        ),
    }
}

/// The trainer's defaults, overridden by the flags that were given.
fn train_config(args: &TrainArgs) -> anyhow::Result<TrainConfig> {
    let defaults = TrainConfig::new();
    Ok(TrainConfig {
        optimizer: args.optimizer,
        lr: args.lr.unwrap_or(defaults.lr),
        batch_size: args.batch_size.unwrap_or(defaults.batch_size),
        epochs: args.epochs.unwrap_or(defaults.epochs),
        seed: args.seed.unwrap_or(defaults.seed),
        finetune_lr: args.finetune_lr,
        finetune_epochs: args.finetune_epochs,
        reset_optimizer: !args.keep_optimizer,
        momentum: args.momentum.unwrap_or(defaults.momentum),
        schedule: args.schedule,
        warmup: args.warmup.unwrap_or(defaults.warmup),
    })
}
