//! Every path of the bench directory, for the tasks that write it and the report, the status
//! and the engines that read it:
//!
//! ```text
//! OUT/experiment.toml                                   the experiment pin
//! OUT/plan.json                                         the numbered tasks ([`super::plan`])
//! OUT/tasks/<id>.{done,failed,lock,log}                 each task's record, lock and log
//! OUT/tasks/launch.json                                 how the plan was last launched
//! OUT/data/real-<builtin>/, synthetic-<preset>/         imported and rendered datasets
//! OUT/data/<real>-test<limit>/                          a real test split cut to its limit
//! OUT/gap/<pair>.json, gap/cache/                       the domain gap of one pair; feature networks
//! OUT/mix/<pair>/s<seed>/<strategy>-rXXX/               the mixed subsets of one pair and seed
//! OUT/mix/<pair>/added-s<seed>/<strategy>-kXXX/         the added-synthetic subsets of one pair and seed
//! OUT/runs/<pair>/<arch>/<strategy>-rXXX-s<seed>/       one run (cell) of the sweep
//! OUT/runs/<pair>/<arch>/<strategy>-kXXX-s<seed>/       one run of the added-synthetic regime
//! OUT/search/<pair>/<arch>/<strategy>/probe-N.json      an adaptive search's decisions
//! OUT/report.md, report.html, plots/                    the report
//! OUT/advice.{json,md,html}, class-shares.toml          what `synmix advise` answered
//! OUT/results.{csv,parquet}, gap.{csv,parquet}          every run, every pair's gap as a table
//! ```
//!
//! `rXXX` is the share in whole percent, `kXXX` the multiple of the real rows in hundredths: the
//! cell's [`Point`]; a subset's name is [`subset_name`]'s.
//!
//! Datasets and task records are named by where they live ([`BenchDir::place`]: in the store of
//! a bench on object storage), every other file by its path in the bench's working copy
//! ([`crate::dir`]).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use datasets::Location;
use datasets::point::{Point, Regime, Strategy, subset_name};
use trainer::ModelKind;

use crate::dir::BenchDir;

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

/// A local file of task `id`: `lock` (held while it runs, on a local disk) or `log` (a
/// worker's output).
pub fn task_file(out: &Path, id: usize, kind: &str) -> PathBuf {
    tasks_dir(out).join(task_name(id, kind))
}

/// A record of task `id` where the bench lives: `done` (its completion record, written last),
/// `failed` (its error), or `lock` (a lease, on an object store).
pub fn task_record(out: &BenchDir, id: usize, kind: &str) -> Location {
    out.place(&format!("tasks/{}", task_name(id, kind)))
}

fn task_name(id: usize, kind: &str) -> String {
    format!("{id:05}.{kind}")
}

/// How the plan was last launched, for `synmix status` to repeat.
pub fn launch_file(out: &Path) -> PathBuf {
    tasks_dir(out).join("launch.json")
}

/// Where the bench keeps the datasets it imports, renders or cuts (once per bench directory).
fn data_dir(out: &BenchDir) -> Location {
    out.place("data")
}

/// A built-in real dataset, imported by the bench.
pub fn real_dataset(out: &BenchDir, builtin: &str) -> Location {
    data_dir(out).join(format!("real-{builtin}"))
}

/// A generator preset's dataset, rendered by the bench.
pub fn synthetic_dataset(out: &BenchDir, preset: &str) -> Location {
    data_dir(out).join(format!("synthetic-{preset}"))
}

/// The real test set cut from the real dataset named `real` (its manifest's name) at `limit`
/// rows.
pub fn real_test_dataset(out: &BenchDir, real: &str, limit: u64) -> Location {
    data_dir(out).join(format!("{real}-test{limit}"))
}

/// Where the bench's gap measurements live: one file per pair, and their cache.
pub fn gap_dir(out: &Path) -> PathBuf {
    out.join("gap")
}

/// The domain gap of a pair, as `synmix gap --json` writes it.
pub fn gap_file(out: &Path, pair: &str) -> PathBuf {
    gap_dir(out).join(format!("{pair}.json"))
}

/// Where the gap measurements keep their feature networks (one per real dataset).
pub fn gap_cache(out: &Path) -> PathBuf {
    gap_dir(out).join("cache")
}

/// The mixer's output for one pair, seed and regime: the SM and FT subsets of every point.
pub fn mix_dir(out: &BenchDir, pair: &str, seed: u64, regime: Regime) -> Location {
    let dir = match regime {
        Regime::FixedSize => format!("s{seed}"),
        Regime::AddedSynthetic => format!("added-s{seed}"),
    };
    out.place(&format!("mix/{pair}/{dir}"))
}

/// The subset of `mix_dir` a strategy trains on at a point: `sm-r030`, `ft-k200`.
pub fn subset_dir(mix_dir: &Location, strategy: Strategy, point: Point) -> Location {
    mix_dir.join(subset_name(strategy, point))
}

/// `search/<pair>/<arch>/<strategy>/probe-N.json`: the decision of an adaptive search's probe.
pub fn decision_file(
    out: &Path,
    pair: &str,
    model: ModelKind,
    strategy: Strategy,
    probe: usize,
) -> PathBuf {
    out.join("search")
        .join(pair)
        .join(model.to_string())
        .join(strategy.to_string())
        .join(format!("probe-{probe}.json"))
}

/// What `synmix advise` answered: as JSON, as a page (Markdown and HTML), and its per-class
/// shares as `synmix mix --class-shares` reads them.
pub fn advice_file(out: &Path) -> PathBuf {
    out.join("advice.json")
}

pub fn advice_page(out: &Path, ext: &str) -> PathBuf {
    out.join(format!("advice.{ext}"))
}

pub fn advice_class_shares(out: &Path) -> PathBuf {
    out.join("class-shares.toml")
}

/// The report in Markdown.
pub fn report_markdown(out: &Path) -> PathBuf {
    out.join("report.md")
}

/// The report as one self-contained HTML page.
pub fn report_html(out: &Path) -> PathBuf {
    out.join("report.html")
}

/// The report's plots (SVG and PNG), and its sample strips.
pub fn plots_dir(out: &Path) -> PathBuf {
    out.join("plots")
}

/// The strip of real and synthetic samples of `pair`.
pub fn samples_strip(out: &Path, pair: &str) -> PathBuf {
    plots_dir(out).join(format!("samples-{pair}.png"))
}

/// A table the report exports (`results`, `gap`) with the extension `ext` (`csv`, `parquet`).
pub fn export_file(out: &Path, table: &str, ext: &str) -> PathBuf {
    out.join(format!("{table}.{ext}"))
}

fn runs_dir(out: &Path) -> PathBuf {
    out.join("runs")
}

/// `runs/<pair>/<model>/<strategy>-<point>-s<seed>`: the run directory of one cell.
pub fn cell_dir(
    out: &Path,
    pair: &str,
    model: ModelKind,
    strategy: Strategy,
    point: Point,
    seed: u64,
) -> PathBuf {
    runs_dir(out)
        .join(pair)
        .join(model.to_string())
        .join(format!("{strategy}-{point}-s{seed}"))
}

/// Every cell directory under `OUT/runs/<pair>/<arch>/`, with its pair, in path order.
pub fn cell_dirs(out: &BenchDir) -> Result<Vec<(String, PathBuf)>> {
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
    fn subsets_and_runs_are_named_by_strategy_and_point() {
        let share = "r030".parse().unwrap();
        let bench = BenchDir::local("b");
        let mix = mix_dir(&bench, "digits", 7, Regime::FixedSize);
        assert_eq!(
            subset_dir(&mix, Strategy::Ft, share),
            Location::Local("b/mix/digits/s7/ft-r030".into())
        );
        let k = "k050".parse().unwrap();
        let mix = mix_dir(&bench, "near", 2, Regime::AddedSynthetic);
        assert_eq!(
            subset_dir(&mix, Strategy::Sm, k),
            Location::Local("b/mix/near/added-s2/sm-k050".into())
        );
        assert_eq!(
            cell_dir(
                Path::new("b"),
                "near",
                ModelKind::Cnn,
                Strategy::Ft,
                "k400".parse().unwrap(),
                2
            ),
            Path::new("b/runs/near/cnn/ft-k400-s2")
        );
    }
}
