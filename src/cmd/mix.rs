use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use datasets::Location;
use mixer::{
    ClassRenames, CurriculumPlan, CurriculumSpec, Draw, MixOptions, Order, SubsetSummary, SweepSpec,
};

#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
synmix mix --synthetic data/fashion --real data/fmnist --size 10000 --shares 0:1:0.1 --seed 7 --out data/mix\n  \
synmix mix --synthetic data/fashion --real data/fmnist --size 10000 --shares 0,0.25,1 --out data/mix-few\n  \
synmix mix --synthetic data/fashion --real data/fmnist --size 10000 --order stratified --batch 100 --out data/mix-strat\n  \
synmix mix --synthetic data/gen --real data/fmnist --map sneaker=Sneaker,boot='Ankle boot' --size 5000 --out data/mix\n  \
synmix mix --synthetic data/fashion --real data/fmnist --size 1000 --ramp 12x64 --ramp 20x64 --out data/mix\n  \
synmix mix --synthetic data/fashion --real data/fmnist --curriculum ramp.toml --seed 7 --out data/ramp\n  \
synmix mix --synthetic data/fashion --real data/fmnist --size 1000 --class-shares shares.toml --out data/classwise\n\n\
Outputs: --out DIR receives sm-rXXX/ (Simple Mixed: one shuffled set, one manifest phase \"mixed\"), \
ft-rXXX/ (Fine-Tuned: the same rows as phases \"synthetic\" then \"real\") for every share (XXX = share in percent), \
with --ramp also ramp-rXXX/ (the same rows, with how many of every training batch are synthetic: \
a share falling linearly from min(1, 2r) to max(0, 2r - 1) over the whole training; `synmix train --strategy ramp`), \
and mix.json describing the sweep. Rerunning the same command keeps finished subsets and redoes the rest; \
--force rewrites everything and replaces outputs made with other arguments. \
With --class-shares FILE (lines of \"CLASS\" = SHARE, one for every real class), --out receives one subset, \
sm-classwise-rXXX/ (XXX: its synthetic share in percent), every class still holding its rows of --size, \
round(SHARE x rows) of them synthetic; `synmix advise` writes such a file.\n\n\
Curriculum plan (TOML):\n  size = 10000\n  [[phase]]\n  name = \"synthetic\"\n  size = 4000\n  synthetic_share = 1.0\n  \
[[phase]]\n  name = \"ramp\"\n  size = 6000\n  ramp = { from = 1.0, to = 0.0, blocks = 4 }")]
pub struct MixArgs {
    /// Synthetic dataset; rows are drawn from its train split.
    #[arg(long)]
    synthetic: Location,
    /// Real dataset; rows are drawn from its train split, and no uid of its other splits may enter.
    #[arg(long)]
    real: Location,
    /// Rows in every subset.
    #[arg(
        long,
        required_unless_present = "curriculum",
        conflicts_with = "curriculum"
    )]
    size: Option<u64>,
    /// Synthetic shares: START:END:STEP (both ends included) or a comma list.
    #[arg(long, default_value = "0:1:0.1", conflicts_with = "curriculum")]
    shares: String,
    /// Write one subset whose classes take the synthetic shares this TOML file gives them
    /// (`"T-shirt/top" = 0.3`, a line for every real class) instead of a sweep.
    #[arg(long, value_name = "FILE.toml", conflicts_with_all = ["curriculum", "ramp", "independent"])]
    class_shares: Option<PathBuf>,
    /// Seed of every draw and shuffle; the same arguments give byte-identical shards.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output directory (the dataset itself with --curriculum).
    #[arg(long)]
    out: Location,
    /// Draw every share afresh instead of nesting (by default the real rows of a larger share
    /// are a subset of those of a smaller one, and the synthetic rows the other way round).
    #[arg(long, conflicts_with = "curriculum")]
    independent: bool,
    #[command(flatten)]
    order: OrderArgs,
    /// Synthetic class names mapped onto real ones: SYN=REAL[,SYN=REAL...]; may be repeated.
    #[arg(long, value_name = "SYN=REAL")]
    map: Vec<String>,
    /// Also write ramp-rXXX/ laid out for training EPOCHS epochs in batches of BATCH rows; may
    /// be repeated, one per recipe its runs will use.
    #[arg(long, value_name = "EPOCHSxBATCH", conflicts_with = "curriculum")]
    ramp: Vec<mixer::RampRecipe>,
    /// Write one dataset following a TOML plan of phases and share ramps (see below).
    #[arg(long, value_name = "PLAN.toml")]
    curriculum: Option<PathBuf>,
    /// Rewrite finished outputs, and replace outputs made with other arguments.
    #[arg(long)]
    force: bool,
    /// MiB of input rows held at a time while copying; at least one output shard's rows are
    /// [default: a sixteenth of the machine's memory, 64 to 256 MiB].
    #[arg(long, value_name = "MIB")]
    memory: Option<u64>,
}

/// The row order of subsets: shared by `mix` and `speed mix`.
#[derive(Args, Debug)]
pub struct OrderArgs {
    /// Row order within each subset or phase.
    #[arg(long, value_enum, default_value_t = OrderArg::Shuffled)]
    order: OrderArg,
    /// Block size of --order stratified: every B consecutive rows hold the share and the class balance.
    #[arg(long, value_name = "B", value_parser = clap::value_parser!(u64).range(1..))]
    batch: Option<u64>,
}

/// `--order`: the kinds of [`Order`], whose stratified kind takes its block size from
/// `--batch`, so the flag cannot be the library's enum itself.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum OrderArg {
    /// A seeded shuffle.
    Shuffled,
    /// Every block of --batch rows holds the exact share, per source and per class.
    Stratified,
}

impl OrderArgs {
    pub fn order(&self) -> Result<Order> {
        Ok(match (self.order, self.batch) {
            (OrderArg::Shuffled, None) => Order::Shuffled,
            (OrderArg::Stratified, Some(batch)) => Order::Stratified { batch },
            (OrderArg::Stratified, None) => {
                bail!("--order stratified needs --batch B (rows per training batch)")
            }
            (OrderArg::Shuffled, Some(_)) => bail!("--batch only applies to --order stratified"),
        })
    }
}

/// `--map` entries, each `SYN=REAL[,SYN=REAL...]`, as one set of class renames.
fn parse_renames(entries: &[String]) -> Result<ClassRenames> {
    let mut renames = ClassRenames::new();
    for entry in entries {
        for (synthetic, real) in datasets::import::class_pairs(mixer::inputs::RENAMES, entry)? {
            if renames.contains_key(&synthetic) {
                bail!("--map names synthetic class '{synthetic}' twice");
            }
            renames.insert(synthetic, real);
        }
    }
    Ok(renames)
}

pub fn run(args: MixArgs, quiet: bool) -> Result<()> {
    let options = MixOptions {
        synthetic: args.synthetic,
        real: args.real,
        class_renames: parse_renames(&args.map)?,
        seed: args.seed,
        order: args.order.order()?,
        force: args.force,
        command: crate::cmd::command_line(),
        memory_budget: args.memory.map(|mib| mib << 20),
    };

    let bar = datasets::progress::bars::bar(0, "rows", quiet);
    let progress = datasets::progress::bars::follow(&bar);
    let subsets = match args.curriculum {
        Some(plan) => {
            let plan = CurriculumPlan::read(&plan)?;
            vec![mixer::curriculum(
                &CurriculumSpec {
                    options,
                    out: args.out,
                    plan,
                },
                &progress,
            )?]
        }
        None if args.class_shares.is_some() => {
            let file = args
                .class_shares
                .as_deref()
                .unwrap_or_else(|| unreachable!());
            let spec = mixer::ClasswiseSpec {
                options,
                out: args.out,
                size: args.size.unwrap_or_default(),
                class_shares: read_class_shares(file)?,
            };
            mixer::classwise(&spec, &progress)?.subsets
        }
        None => {
            let shares = mixer::parse_shares(&args.shares)?;
            let draw = if args.independent {
                Draw::Independent
            } else {
                Draw::Nested
            };
            let size = args.size.unwrap_or_default();
            mixer::sweep(
                &SweepSpec {
                    options,
                    out: args.out,
                    size,
                    shares,
                    draw,
                    ramp: args.ramp,
                    class_transfer: None,
                },
                &progress,
            )?
            .subsets
        }
    };
    bar.finish_and_clear();
    if !quiet {
        report(&subsets);
    }
    Ok(())
}

/// A `--class-shares` file: `"CLASS" = SHARE` lines.
fn read_class_shares(path: &std::path::Path) -> Result<std::collections::BTreeMap<String, f64>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("{}: cannot read the class shares: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}: not a table of class shares (lines of \"CLASS\" = SHARE): {}",
            path.display(),
            e.to_string().replace('\n', " ").trim()
        )
    })
}

fn report(subsets: &[SubsetSummary]) {
    for subset in subsets {
        let what = if subset.kept {
            "kept (finished earlier)"
        } else {
            "written"
        };
        println!(
            "{}: {} rows, {} synthetic, {what}",
            subset.dir.display(),
            subset.rows,
            subset.synthetic_rows
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn map_entries_parse_and_junk_is_refused() {
        let renames = parse_renames(&entries(&["a=A, b = B", "c=C"])).unwrap();
        assert_eq!(renames["a"], "A");
        assert_eq!(renames["b"], "B");
        assert_eq!(renames["c"], "C");
        for junk in ["a", "a=A,", ""] {
            let err = crate::cmd::hints::for_cli(parse_renames(&entries(&[junk])).unwrap_err());
            assert!(err.to_string().starts_with("--map: "), "{err}");
        }
        for twice in [&["a=A,a=B"][..], &["a=A", "a=B"]] {
            let err = parse_renames(&entries(twice)).unwrap_err().to_string();
            assert!(err.contains("'a' twice"), "{err}");
        }
    }
}
