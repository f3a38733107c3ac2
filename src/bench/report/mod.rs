//! The sweep report: real-test accuracy against the synthetic share, SM against FT, per dataset
//! pair and architecture, from the run results of a bench directory (see [`crate::bench::layout`]).
//!
//! - `scan`: the `result.json` of every cell, read into [`CellResult`]s;
//! - [`stats`]: mean ± std of a cell's runs over seeds;
//! - [`fit`]: the mixing curves fitted to a strategy's accuracies;
//! - [`tables`]: the tables, as markdown and HTML;
//! - [`plot`]: the SVG and PNG plots;
//! - here: the runs grouped by (pair, architecture) and strategy, and the report files.

mod fit;
mod plot;
mod scan;
mod stats;
mod tables;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use trainer::{ModelKind, Strategy};

use crate::bench::layout::ShareKey;
use fit::Fit;
use plot::{plot_png, plot_svg};
pub use scan::{CellResult, scan};
use stats::Stat;
use tables::{escape, failed_table, gap_table, group_table};

/// The cells of one strategy of one (pair, architecture) group, by share.
struct Series {
    strategy: Strategy,
    by_share: BTreeMap<ShareKey, Stat>,
    /// Every successful run as `(share, accuracy)`, what the curves are fitted to.
    points: Vec<(f64, f64)>,
    fits: Vec<Fit>,
}

impl Series {
    fn new(strategy: Strategy, cells: &[&CellResult]) -> Series {
        let mut values: BTreeMap<ShareKey, Vec<f64>> = BTreeMap::new();
        let mut points = Vec::new();
        // An endpoint run serves both strategies, unless the other one was trained there too.
        let endpoint = |c: &CellResult| ShareKey::of(c.share).is_endpoint();
        let trained: Vec<(ShareKey, u64)> = cells
            .iter()
            .filter(|c| c.strategy == strategy && endpoint(c))
            .map(|c| (ShareKey::of(c.share), c.seed))
            .collect();
        let counts = |c: &&&CellResult| {
            c.strategy == strategy
                || (endpoint(c) && !trained.contains(&(ShareKey::of(c.share), c.seed)))
        };
        for cell in cells.iter().filter(counts) {
            if let Some(acc) = cell.accuracy {
                values
                    .entry(ShareKey::of(cell.share))
                    .or_default()
                    .push(acc);
                points.push((cell.share, acc));
            }
        }
        let by_share = values
            .into_iter()
            .filter_map(|(k, v)| Stat::of(&v).map(|s| (k, s)))
            .collect();
        let fits = Fit::fit_all(&points);
        Series {
            strategy,
            by_share,
            points,
            fits,
        }
    }

    /// The share with the highest mean accuracy (the lowest such share on a tie).
    fn best(&self) -> Option<(ShareKey, Stat)> {
        self.by_share
            .iter()
            .map(|(&k, &s)| (k, s))
            .reduce(|best, next| {
                if next.1.mean > best.1.mean {
                    next
                } else {
                    best
                }
            })
    }

    /// The fit with the higher R², drawn on the plot.
    fn best_fit(&self) -> Option<Fit> {
        self.fits
            .iter()
            .copied()
            .max_by(|a, b| a.r2().total_cmp(&b.r2()))
    }
}

/// The runs of one (pair, architecture): one table and one plot, a series per strategy.
pub struct Group {
    pair: String,
    model: ModelKind,
    series: [Series; 2],
}

fn groups(results: &[CellResult]) -> Vec<Group> {
    let mut by_key: BTreeMap<(String, ModelKind), Vec<&CellResult>> = BTreeMap::new();
    for cell in results {
        by_key
            .entry((cell.pair.clone(), cell.model))
            .or_default()
            .push(cell);
    }
    by_key
        .into_iter()
        .map(|((pair, model), cells)| Group {
            pair,
            model,
            series: [
                Series::new(Strategy::Sm, &cells),
                Series::new(Strategy::Ft, &cells),
            ],
        })
        .collect()
}

/// Files the report was written to.
#[derive(Debug, Clone)]
pub struct ReportFiles {
    pub markdown: PathBuf,
    pub html: PathBuf,
}

/// The Markdown report of the bench directory `bench`.
pub fn markdown_path(bench: &Path) -> PathBuf {
    bench.join("report.md")
}

/// Writes the report of `results` (e.g. from [`scan`]) into `bench`: `report.md`, a
/// self-contained `report.html` (plots inlined as SVG) and `plots/<pair>-<arch>.{svg,png}`.
pub fn write_report(bench: &Path, results: &[CellResult]) -> Result<ReportFiles> {
    let plots_dir = bench.join("plots");
    std::fs::create_dir_all(&plots_dir)
        .with_context(|| format!("{}: cannot create", plots_dir.display()))?;
    let groups = groups(results);
    let mut md = String::new();
    let mut html = String::from(HTML_HEAD);
    let ok = results.iter().filter(|c| c.accuracy.is_some()).count();
    let _ = writeln!(
        md,
        "# synmix benchmark report\n\n{} runs: {ok} ok, {} failed.\n",
        results.len(),
        results.len() - ok
    );
    let _ = writeln!(
        html,
        "<h1>synmix benchmark report</h1>\n<p>{} runs: {ok} ok, {} failed.</p>",
        results.len(),
        results.len() - ok
    );
    // Which real test rows scored the runs, as the pinned experiment chose them.
    if crate::bench::is_pinned(bench) {
        let words = crate::bench::pinned_experiment(bench)?
            .data
            .real_test_words();
        let _ = writeln!(md, "Real test set: {words}.\n");
        let _ = writeln!(html, "<p>Real test set: {}.</p>", escape(&words));
    }
    for group in &groups {
        let stem = format!("{}-{}", group.pair, group.model);
        let svg = plot_svg(group)?;
        write_file(&plots_dir.join(format!("{stem}.svg")), &svg)?;
        plot_png(group, &plots_dir.join(format!("{stem}.png")))?;

        let title = format!("{} — {}", group.pair, group.model);
        let table = group_table(group);
        let _ = writeln!(
            md,
            "## {title}\n\n![{title}](plots/{stem}.svg)\n\n{}\n{}\n",
            table.markdown(),
            summary_lines(group).join("\n")
        );
        let _ = writeln!(
            html,
            "<h2>{}</h2>\n{svg}\n{}\n<ul>",
            escape(&title),
            table.html()
        );
        for line in summary_lines(group) {
            let _ = writeln!(html, "<li>{}</li>", escape(line.trim_start_matches("- ")));
        }
        html.push_str("</ul>\n");
    }
    let gap = gap_table(results);
    if !gap.rows.is_empty() {
        let intro = "Accuracy on the held-out synthetic test set against the real test set \
                     (mean over architectures, strategies and seeds); gap = synthetic − real.";
        let _ = writeln!(
            md,
            "## Synthetic-test vs real-test accuracy\n\n{intro}\n\n{}",
            gap.markdown()
        );
        let _ = writeln!(
            html,
            "<h2>Synthetic-test vs real-test accuracy</h2>\n<p>{}</p>\n{}",
            escape(intro),
            gap.html()
        );
    }
    let failed: Vec<&CellResult> = results.iter().filter(|c| c.failure.is_some()).collect();
    if !failed.is_empty() {
        let table = failed_table(&failed);
        let _ = writeln!(md, "## Failed runs\n\n{}", table.markdown());
        let _ = writeln!(html, "<h2>Failed runs</h2>\n{}", table.html());
    }
    html.push_str("</body></html>\n");
    let markdown = markdown_path(bench);
    let html_path = bench.join("report.html");
    write_file(&markdown, &md)?;
    write_file(&html_path, &html)?;
    Ok(ReportFiles {
        markdown,
        html: html_path,
    })
}

const HTML_HEAD: &str = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>synmix benchmark report</title>\n\
<style>body{font-family:sans-serif;max-width:960px;margin:2em auto}table{border-collapse:collapse;margin:1em 0}\
td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}th{background:#f4f4f4}</style></head><body>\n";

/// Best measured share and the fitted curves of each strategy.
fn summary_lines(group: &Group) -> Vec<String> {
    let mut lines = Vec::new();
    for series in &group.series {
        let name = series.strategy.to_string().to_uppercase();
        if let Some((k, s)) = series.best() {
            lines.push(format!(
                "- {name}: best measured share {:.2} (accuracy {:.4})",
                k.as_f64(),
                s.mean
            ));
        }
        for fit in &series.fits {
            let kind = if matches!(fit, Fit::Exponential { .. }) {
                "exponential law"
            } else {
                "quadratic"
            };
            lines.push(format!(
                "- {name} {kind}: acc(r) = {}, predicted best share {:.2}",
                fit.describe(),
                fit.best_share()
            ));
        }
        if series.fits.is_empty() && !series.points.is_empty() {
            lines.push(format!("- {name}: fewer than 3 shares, no curve fitted"));
        }
    }
    lines
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("{}: cannot write", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::layout;

    /// The shares of a standard sweep: 0, 0.1, …, 1.0.
    fn shares() -> Vec<f64> {
        (0..=10).map(|i| i as f64 / 10.0).collect()
    }

    fn cell(strategy: Strategy, share: f64, seed: u64, accuracy: f64) -> CellResult {
        CellResult {
            pair: "digits".into(),
            model: ModelKind::Cnn,
            strategy,
            share,
            seed,
            accuracy: Some(accuracy),
            synthetic_accuracy: Some(accuracy + 0.1),
            failure: None,
        }
    }

    #[test]
    fn fits_recover_known_curves() {
        let law = |r: f64| 0.9 - 0.2 * (2.0 * r).exp() / 7.389;
        let points: Vec<(f64, f64)> = shares().into_iter().map(|r| (r, law(r))).collect();
        let fits = Fit::fit_all(&points);
        let exp = fits
            .iter()
            .find(|f| matches!(f, Fit::Exponential { .. }))
            .unwrap();
        assert!(exp.r2() > 0.9999, "{exp:?}");
        assert_eq!(exp.best_share(), 0.0);
        let bowl: Vec<(f64, f64)> = shares()
            .into_iter()
            .map(|r| (r, 0.8 - (r - 0.3).powi(2)))
            .collect();
        let quad = Fit::fit_all(&bowl)
            .into_iter()
            .find(|f| matches!(f, Fit::Quadratic { .. }))
            .unwrap();
        assert!(
            (quad.best_share() - 0.3).abs() < 1e-9 && quad.r2() > 0.9999,
            "{quad:?}"
        );
        assert!(Fit::fit_all(&points[..2]).is_empty());
    }

    #[test]
    fn report_has_tables_plots_and_gaps() {
        let dir = tempfile::tempdir().unwrap();
        let mut results = Vec::new();
        for (i, r) in shares().into_iter().enumerate() {
            for seed in 0..2 {
                results.push(cell(
                    Strategy::Sm,
                    r,
                    seed,
                    0.9 - 0.03 * i as f64 + 0.01 * seed as f64,
                ));
                results.push(cell(Strategy::Ft, r, seed, 0.91 - 0.02 * i as f64));
            }
        }
        results.push(CellResult {
            accuracy: None,
            failure: Some("training loss became NaN".into()),
            ..cell(Strategy::Sm, 0.5, 9, 0.0)
        });
        let files = write_report(dir.path(), &results).unwrap();
        let md = std::fs::read_to_string(&files.markdown).unwrap();
        assert!(md.contains("## digits — cnn"), "{md}");
        assert!(
            md.contains("| 0.00 | 0.9050 ± 0.0071 (n=2) | 0.9100 ± 0.0000 (n=2) | +0.0050 |"),
            "{md}"
        );
        assert!(md.contains("SM: best measured share 0.00"), "{md}");
        assert!(md.contains("predicted best share"), "{md}");
        assert!(md.contains("| digits | 1.00 |"), "{md}");
        assert!(md.contains("training loss became NaN"), "{md}");
        let html = std::fs::read_to_string(&files.html).unwrap();
        assert!(
            html.contains("<svg") && html.contains("<table>"),
            "self-contained html"
        );
        let plots = std::fs::read_dir(dir.path().join("plots")).unwrap();
        for plot in plots.map(|entry| entry.unwrap().path()) {
            assert!(
                std::fs::metadata(&plot).unwrap().len() > 500,
                "{}",
                plot.display()
            );
        }
    }

    #[test]
    fn endpoint_runs_serve_both_strategies() {
        let results = vec![
            cell(Strategy::Sm, 0.0, 0, 0.8),
            cell(Strategy::Sm, 0.5, 0, 0.7),
            cell(Strategy::Ft, 0.5, 0, 0.75),
            cell(Strategy::Sm, 1.0, 0, 0.4),
        ];
        let group = groups(&results).remove(0);
        let ft = &group.series[1];
        let shares: Vec<ShareKey> = ft.by_share.keys().copied().collect();
        assert_eq!(
            shares,
            vec![ShareKey::of(0.0), ShareKey::of(0.5), ShareKey::of(1.0)]
        );
        assert_eq!(ft.by_share[&ShareKey::of(0.0)].mean, 0.8);
        assert_eq!(
            group.series[0].by_share.len(),
            3,
            "SM keeps only its own runs"
        );
    }

    #[test]
    fn cell_dirs_follow_the_bench_layout() {
        let dir = layout::cell_dir(
            Path::new("b"),
            "digits",
            ModelKind::Vit,
            Strategy::Ft,
            0.3,
            7,
        );
        assert_eq!(dir, Path::new("b/runs/digits/vit/ft-r030-s7"));
        assert!(
            scan(Path::new("/nonexistent"))
                .unwrap_err()
                .to_string()
                .contains("not a bench directory")
        );
    }
}
