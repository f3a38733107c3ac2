//! The bench directory, for the bench that writes it and the report that reads it:
//!
//! ```text
//! OUT/experiment.toml                                   the experiment pin
//! OUT/plan.json                                         the numbered tasks ([`super::plan`])
//! OUT/tasks/<id>.{done,failed,lock,log}                 each task's record, lock and log
//! OUT/tasks/launch.json                                 how the plan was last launched
//! OUT/data/                                             imported, rendered and test-subset datasets
//! OUT/mix/<pair>/s<seed>/{sm,ft}-rXXX/                  the mixed subsets of one pair and seed
//! OUT/mix/<pair>/added-s<seed>/{sm,ft}-kXXX/            the added-synthetic subsets of one pair and seed
//! OUT/runs/<pair>/<arch>/<strategy>-rXXX-s<seed>/       one run (cell) of the sweep
//! OUT/runs/<pair>/<arch>/<strategy>-kXXX-s<seed>/       one run of the added-synthetic regime
//! ```
//!
//! `rXXX` is the share in whole percent, `kXXX` the multiple of the real rows in hundredths,
//! both named by the mixer ([`mixer::sweep::share_name`], [`mixer::added::multiple_name`]).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use trainer::{ModelKind, Regime, Strategy};

/// A synthetic share (or, in the added-synthetic regime, a multiple k) as the bench keys it:
/// whole hundredths, the resolution of the directory names, so shares that print alike
/// (0.1 + 0.2 and 0.3) are one share and no two floats are ever compared for equality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ShareKey(u32);

impl ShareKey {
    pub fn of(share: f64) -> ShareKey {
        ShareKey((share * 100.0).round() as u32)
    }

    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// At shares 0 and 1 FT has one phase and is the SM run: it is trained once and counts
    /// for both strategies.
    pub fn is_endpoint(self) -> bool {
        self.0 == 0 || self.0 == 100
    }

    /// Whether FT is the SM run at this point of `regime`: shares 0 and 1 of the sweep; k = 0
    /// of the added-synthetic regime, where the subset is the real rows alone.
    pub fn is_endpoint_in(self, regime: Regime) -> bool {
        match regime {
            Regime::FixedSize => self.is_endpoint(),
            Regime::AddedSynthetic => self.0 == 0,
        }
    }
}

/// The file that pins the experiment of a bench directory.
pub fn experiment_file(out: &Path) -> PathBuf {
    out.join("experiment.toml")
}

/// The plan of the bench directory.
pub fn plan_file(out: &Path) -> PathBuf {
    out.join("plan.json")
}

/// Where tasks leave their completion records, locks and logs.
pub fn tasks_dir(out: &Path) -> PathBuf {
    out.join("tasks")
}

/// A file of task `id`: `done` (its completion record, written last), `failed` (its error),
/// `lock` (held while it runs) or `log` (a worker's output).
pub fn task_file(out: &Path, id: usize, kind: &str) -> PathBuf {
    tasks_dir(out).join(format!("{id:05}.{kind}"))
}

/// How the plan was last launched, for `synmix status` to repeat.
pub fn launch_file(out: &Path) -> PathBuf {
    tasks_dir(out).join("launch.json")
}

/// Where the bench keeps the datasets it imports, renders or cuts (once per bench directory).
pub fn data_dir(out: &Path) -> PathBuf {
    out.join("data")
}

/// A built-in real dataset, imported by the bench.
pub fn real_dataset(out: &Path, builtin: &str) -> PathBuf {
    data_dir(out).join(format!("real-{builtin}"))
}

/// A generator preset's dataset, rendered by the bench.
pub fn synthetic_dataset(out: &Path, preset: &str) -> PathBuf {
    data_dir(out).join(format!("synthetic-{preset}"))
}

/// The mixer's output for one pair and seed: every share's SM and FT subsets.
pub fn mix_dir(out: &Path, pair: &str, seed: u64) -> PathBuf {
    out.join("mix").join(pair).join(format!("s{seed}"))
}

/// The subset of `mix_dir` a strategy trains on at a share: `sm-r030`, `ft-r030`.
pub fn subset_dir(mix_dir: &Path, strategy: Strategy, share: f64) -> PathBuf {
    mix_dir.join(format!("{strategy}-{}", mixer::sweep::share_name(share)))
}

/// The added-synthetic subsets of one pair and seed: every multiple's SM and FT subsets.
pub fn added_mix_dir(out: &Path, pair: &str, seed: u64) -> PathBuf {
    out.join("mix").join(pair).join(format!("added-s{seed}"))
}

/// The subset of `added_mix_dir` a strategy trains on at a multiple: `sm-k050`, `ft-k200`.
pub fn added_subset_dir(added_mix_dir: &Path, strategy: Strategy, multiple: f64) -> PathBuf {
    added_mix_dir.join(format!(
        "{strategy}-{}",
        mixer::added::multiple_name(multiple)
    ))
}

fn runs_dir(out: &Path) -> PathBuf {
    out.join("runs")
}

/// The run directory of one cell of the sweep.
pub fn cell_dir(
    out: &Path,
    pair: &str,
    model: ModelKind,
    strategy: Strategy,
    share: f64,
    seed: u64,
) -> PathBuf {
    run_dir(
        out,
        pair,
        model,
        strategy,
        &mixer::sweep::share_name(share),
        seed,
    )
}

/// The run directory of one cell of the added-synthetic regime.
pub fn added_cell_dir(
    out: &Path,
    pair: &str,
    model: ModelKind,
    strategy: Strategy,
    multiple: f64,
    seed: u64,
) -> PathBuf {
    run_dir(
        out,
        pair,
        model,
        strategy,
        &mixer::added::multiple_name(multiple),
        seed,
    )
}

/// `runs/<pair>/<model>/<strategy>-<subset>-s<seed>`: one run directory for both regimes.
fn run_dir(
    out: &Path,
    pair: &str,
    model: ModelKind,
    strategy: Strategy,
    subset: &str,
    seed: u64,
) -> PathBuf {
    runs_dir(out)
        .join(pair)
        .join(model.to_string())
        .join(format!("{strategy}-{subset}-s{seed}"))
}

/// Every cell directory under `OUT/runs/<pair>/<arch>/`, with its pair, in path order.
pub fn cell_dirs(out: &Path) -> Result<Vec<(String, PathBuf)>> {
    let runs = runs_dir(out);
    if !runs.is_dir() {
        bail!(
            "{}: has no runs/ directory: not a bench directory",
            out.display()
        );
    }
    let mut cells = Vec::new();
    for pair in sorted_dirs(&runs)? {
        let pair_name = pair
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for arch in sorted_dirs(&pair)? {
            for cell in sorted_dirs(&arch)? {
                cells.push((pair_name.clone(), cell));
            }
        }
    }
    Ok(cells)
}

fn sorted_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let read_error = || format!("{}: cannot read the directory", dir.display());
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(read_error)? {
        let path = entry.with_context(read_error)?.path();
        if path.is_dir() {
            dirs.push(path);
        }
    }
    dirs.sort();
    Ok(dirs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsets_are_named_by_strategy_and_share() {
        assert_eq!(
            subset_dir(&mix_dir(Path::new("b"), "digits", 7), Strategy::Ft, 0.3),
            Path::new("b/mix/digits/s7/ft-r030")
        );
    }

    #[test]
    fn added_subsets_and_runs_are_named_by_multiple() {
        let mix = added_mix_dir(Path::new("b"), "near", 2);
        assert_eq!(
            added_subset_dir(&mix, Strategy::Sm, 0.5),
            Path::new("b/mix/near/added-s2/sm-k050")
        );
        assert_eq!(
            added_cell_dir(Path::new("b"), "near", ModelKind::Cnn, Strategy::Ft, 4.0, 2),
            Path::new("b/runs/near/cnn/ft-k400-s2")
        );
        let key = |k: f64| ShareKey::of(k);
        assert!(key(0.0).is_endpoint_in(Regime::AddedSynthetic));
        assert!(!key(1.0).is_endpoint_in(Regime::AddedSynthetic));
        assert!(key(1.0).is_endpoint_in(Regime::FixedSize));
    }

    #[test]
    fn shares_are_keyed_by_hundredths() {
        assert_eq!(ShareKey::of(0.1 + 0.2), ShareKey::of(0.3));
        assert!(
            ShareKey::of(0.0).is_endpoint() && ShareKey::of(0.7 + 0.1 + 0.1 + 0.1).is_endpoint()
        );
        assert!(!ShareKey::of(0.5).is_endpoint());
        assert_eq!(ShareKey::of(0.25).as_f64(), 0.25);
    }
}
