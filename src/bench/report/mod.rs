//! The sweep report: real-test accuracy against the synthetic share, SM against FT, per dataset
//! pair and architecture, from the run results of a bench directory (see [`crate::bench::layout`]);
//! and, for the added-synthetic regime, accuracy against k, the synthetic rows added per real row.
//!
//! - `scan`: the `result.json` of every cell, read into [`CellResult`]s;
//! - [`stats`]: mean ± std of a cell's runs over seeds, the 95 % interval of FT − SM paired by seed;
//! - [`fit`]: the mixing curves fitted to a strategy's accuracies;
//! - [`tables`]: the tables, as markdown and HTML; [`overview`]: the overview table and verdicts;
//! - [`plot`]: the SVG and PNG plots, and the grid of them all; [`heatmap`]: FT − SM by share;
//! - [`samples`]: a strip of real and synthetic images per pair;
//! - [`export`]: every run as a row of `results.csv` and `results.parquet`;
//! - here: the runs grouped by regime, (pair, architecture) and strategy, and the report files.

mod export;
mod fit;
mod heatmap;
mod overview;
mod plot;
mod samples;
mod scan;
mod stats;
mod tables;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use base64::prelude::{BASE64_STANDARD, Engine as _};
use trainer::{ModelKind, Regime, Strategy};

use crate::bench::layout::ShareKey;
use fit::Fit;
use plot::{plot_png, plot_svg};
pub use scan::{CellResult, scan};
use stats::{Difference, Stat};
use tables::{escape, failed_table, gap_table, group_table};

/// The cells of one strategy of one (pair, architecture) group, by share (or by multiple k in
/// the added-synthetic regime).
struct Series {
    strategy: Strategy,
    by_share: BTreeMap<ShareKey, Stat>,
    /// The accuracy of every successful run by (share, seed): what FT − SM pairs by seed.
    by_seed: BTreeMap<(ShareKey, u64), f64>,
    /// Every successful run as `(share, accuracy)`, what the curves are fitted to.
    points: Vec<(f64, f64)>,
    /// The mixing curves (share sweep only: they are laws of the share).
    fits: Vec<Fit>,
}

impl Series {
    fn new(strategy: Strategy, regime: Regime, cells: &[&CellResult]) -> Series {
        let mut values: BTreeMap<ShareKey, Vec<f64>> = BTreeMap::new();
        let mut by_seed = BTreeMap::new();
        let mut points = Vec::new();
        let key = |c: &CellResult| ShareKey::of(c.position());
        // An endpoint run serves both strategies, unless the other one was trained there too.
        let endpoint = |c: &CellResult| key(c).is_endpoint_in(regime);
        let trained: Vec<(ShareKey, u64)> = cells
            .iter()
            .filter(|c| c.strategy == strategy && endpoint(c))
            .map(|c| (key(c), c.seed))
            .collect();
        let counts = |c: &&&CellResult| {
            c.strategy == strategy || (endpoint(c) && !trained.contains(&(key(c), c.seed)))
        };
        for cell in cells.iter().filter(counts) {
            if let Some(acc) = cell.accuracy {
                values.entry(key(cell)).or_default().push(acc);
                by_seed.insert((key(cell), cell.seed), acc);
                points.push((cell.position(), acc));
            }
        }
        let by_share = values
            .into_iter()
            .filter_map(|(k, v)| Stat::of(&v).map(|s| (k, s)))
            .collect();
        let fits = match regime {
            Regime::FixedSize => Fit::fit_all(&points),
            Regime::AddedSynthetic => Vec::new(),
        };
        Series {
            strategy,
            by_share,
            by_seed,
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

/// The runs of one (pair, architecture) in one regime: one table and one plot, a series per
/// strategy.
pub struct Group {
    pair: String,
    model: ModelKind,
    regime: Regime,
    series: [Series; 2],
}

impl Group {
    /// What the x axis of the group's tables and plots is called.
    fn axis(&self) -> &'static str {
        match self.regime {
            Regime::FixedSize => "share",
            Regime::AddedSynthetic => "k",
        }
    }

    /// The largest share or multiple measured (at least 1): the x axis of the group's plot.
    fn axis_end(&self) -> f64 {
        self.series
            .iter()
            .flat_map(|s| s.by_share.keys())
            .map(|k| k.as_f64())
            .fold(1.0, f64::max)
    }

    /// FT − SM of every seed with both runs at `share`, keyed by seed. Empty at shares 0 and 1,
    /// where FT is the SM run.
    fn paired_differences(&self, share: ShareKey) -> BTreeMap<u64, f64> {
        let [sm, ft] = &self.series;
        if share.is_endpoint_in(self.regime) {
            return BTreeMap::new();
        }
        ft.by_seed
            .range((share, 0)..=(share, u64::MAX))
            .filter_map(|(&(_, seed), &f)| Some((seed, f - sm.by_seed.get(&(share, seed))?)))
            .collect()
    }

    /// FT − SM at `share` over seeds, with its 95 % interval paired by seed.
    fn difference(&self, share: ShareKey) -> Option<Difference> {
        let differences: Vec<f64> = self.paired_differences(share).into_values().collect();
        Difference::of(&differences)
    }

    /// The shares strictly between 0 and 1 where both strategies ran.
    fn mixed_shares(&self) -> Vec<ShareKey> {
        let [sm, ft] = &self.series;
        sm.by_share
            .keys()
            .filter(|k| !k.is_endpoint_in(self.regime) && ft.by_share.contains_key(k))
            .copied()
            .collect()
    }

    /// FT − SM averaged over the mixed shares, paired by seed: per seed the mean difference
    /// over the shares, then the interval over seeds.
    fn mean_difference(&self) -> Option<Difference> {
        let mut per_seed: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
        for share in self.mixed_shares() {
            for (seed, d) in self.paired_differences(share) {
                per_seed.entry(seed).or_default().push(d);
            }
        }
        let means: Vec<f64> = per_seed
            .into_values()
            .map(|d| d.iter().sum::<f64>() / d.len() as f64)
            .collect();
        Difference::of(&means)
    }

    /// The accuracy at a share where FT is the SM run (0: real only, 1: synthetic only).
    fn endpoint(&self, share: f64) -> Option<Stat> {
        self.series[0].by_share.get(&ShareKey::of(share)).copied()
    }

    /// The best measured cell: share, strategy (none at the endpoints, where both are one run)
    /// and its accuracy; the lowest share, then SM, on a tie.
    fn best(&self) -> Option<(ShareKey, Option<Strategy>, Stat)> {
        self.series
            .iter()
            .filter_map(|s| s.best().map(|(k, stat)| (k, s.strategy, stat)))
            .reduce(|best, next| {
                if next.2.mean > best.2.mean || (next.2.mean == best.2.mean && next.0 < best.0) {
                    next
                } else {
                    best
                }
            })
            .map(|(k, strategy, stat)| {
                let one_run = k.is_endpoint_in(self.regime);
                (k, (!one_run).then_some(strategy), stat)
            })
    }
}

/// The groups of the runs of `regime`.
fn groups(results: &[CellResult], regime: Regime) -> Vec<Group> {
    let mut by_key: BTreeMap<(String, ModelKind), Vec<&CellResult>> = BTreeMap::new();
    for cell in results.iter().filter(|c| c.regime == regime) {
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
            regime,
            series: [
                Series::new(Strategy::Sm, regime, &cells),
                Series::new(Strategy::Ft, regime, &cells),
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
/// self-contained `report.html` (plots inlined as SVG, sample images as PNG data), the plots
/// under `plots/` and every run as a row of `results.csv` and `results.parquet`.
pub fn write_report(bench: &Path, results: &[CellResult]) -> Result<ReportFiles> {
    let plots_dir = bench.join("plots");
    std::fs::create_dir_all(&plots_dir)
        .with_context(|| format!("{}: cannot create", plots_dir.display()))?;
    export::write_results(bench, results)?;
    let added = groups(results, Regime::AddedSynthetic);
    let groups = groups(results, Regime::FixedSize);
    let mut doc = Doc::default();
    let ok = results.iter().filter(|c| c.accuracy.is_some()).count();
    doc.heading(1, "synmix benchmark report");
    doc.paragraph(&format!(
        "{} runs: {ok} ok, {} failed. Every run is a row of results.csv and results.parquet. {}",
        results.len(),
        results.len() - ok,
        seeds_note(results)
    ));
    // Which real test rows scored the runs, as the pinned experiment chose them.
    if crate::bench::is_pinned(bench) {
        let words = crate::bench::pinned_experiment(bench)?
            .data
            .real_test_words();
        doc.paragraph(&format!("Real test set: {words}."));
    }

    doc.heading(2, "Overview");
    doc.list(&overview::verdicts(&groups));
    doc.table(&overview::overview_table(&groups));
    doc.paragraph(
        "Real only and synthetic only: mean ± std over seeds at shares 0 and 1. Best share: the \
         highest mean accuracy of any cell. Mean FT − SM: per seed the mean over the mixed \
         shares, then the mean over seeds with its 95 % t-interval (*: the interval excludes 0).",
    );
    if !groups.is_empty() {
        let grid = plot::grid_svg(&groups)?;
        write_file(&plots_dir.join("grid.svg"), &grid)?;
        doc.heading(3, "Accuracy against synthetic share");
        doc.figure("plots/grid.svg", "accuracy against synthetic share", &grid);
    }
    if let Some(heatmap) = heatmap::heatmap_svg(&groups) {
        write_file(&plots_dir.join("heatmap.svg"), &heatmap)?;
        doc.heading(3, "FT − SM by share");
        doc.figure("plots/heatmap.svg", "FT − SM by share", &heatmap);
    }
    let mut first_seed: BTreeMap<&str, u64> = BTreeMap::new();
    for cell in results {
        let seed = first_seed.entry(&cell.pair).or_insert(cell.seed);
        *seed = (*seed).min(cell.seed);
    }
    let mut strips = Vec::new();
    for (pair, seed) in first_seed {
        if let Some(strip) = samples::write_strip(bench, pair, seed)? {
            strips.push((pair, strip));
        }
    }
    if !strips.is_empty() {
        doc.heading(3, "Sample images: real (top) and synthetic (bottom)");
        for (pair, strip) in strips {
            doc.image(pair, &strip, bench)?;
        }
    }

    doc.heading(2, "Details");
    for group in &groups {
        let title = format!("{} — {}", group.pair, group.model);
        doc.group(
            group,
            &plots_dir,
            &format!("{}-{}", group.pair, group.model),
            &title,
        )?;
    }
    if !added.is_empty() {
        doc.heading(2, "Adding synthetic data to a fixed real set");
        doc.paragraph(&added_note(results));
        for group in &added {
            let title = format!("{} — {}: R real + k·R synthetic", group.pair, group.model);
            let stem = format!("added-{}-{}", group.pair, group.model);
            doc.group(group, &plots_dir, &stem, &title)?;
        }
    }
    let gap = gap_table(results);
    if !gap.rows.is_empty() {
        doc.heading(3, "Synthetic-test vs real-test accuracy");
        doc.paragraph(
            "Accuracy on the held-out synthetic test set against the real test set (mean over \
             architectures, strategies and seeds); gap = synthetic − real.",
        );
        doc.table(&gap);
    }
    let failed: Vec<&CellResult> = results.iter().filter(|c| c.failure.is_some()).collect();
    if !failed.is_empty() {
        doc.heading(2, "Failed runs");
        doc.table(&failed_table(&failed));
    }
    let markdown = markdown_path(bench);
    let html_path = bench.join("report.html");
    write_file(&markdown, &doc.md)?;
    write_file(&html_path, &(doc.html + "</body></html>\n"))?;
    Ok(ReportFiles {
        markdown,
        html: html_path,
    })
}

/// What the added-synthetic sections show, with R as the runs measured it.
fn added_note(results: &[CellResult]) -> String {
    let mut real_rows: Vec<u64> = results
        .iter()
        .filter(|c| c.regime == Regime::AddedSynthetic)
        .filter_map(|c| c.real_rows)
        .collect();
    real_rows.sort_unstable();
    real_rows.dedup();
    let rows = match real_rows.as_slice() {
        [r] => format!("R = {r} real rows"),
        _ => "R real rows".to_string(),
    };
    format!(
        "Every training set holds the same {rows} (class-matched) plus k·R synthetic rows; k = 0 \
         is the real rows alone (one run for both strategies). Accuracy is mean ± std over seeds; \
         FT − SM is paired by seed with its 95 % t-interval (*: the interval excludes 0)."
    )
}

/// How many seeds the cells have, and what that allows.
fn seeds_note(results: &[CellResult]) -> String {
    let ok = results.iter().filter(|c| c.accuracy.is_some());
    let mut seeds: Vec<u64> = ok.map(|c| c.seed).collect();
    seeds.sort_unstable();
    seeds.dedup();
    match seeds.len() {
        0 => String::new(),
        1 => format!(
            "One seed ({}): no spread and no confidence intervals; run more seeds for them.",
            seeds[0]
        ),
        n => format!("{n} seeds per cell; FT − SM is paired by seed."),
    }
}

/// The report as markdown and as HTML, written side by side.
struct Doc {
    md: String,
    html: String,
}

impl Default for Doc {
    fn default() -> Doc {
        Doc {
            md: String::new(),
            html: HTML_HEAD.to_string(),
        }
    }
}

impl Doc {
    fn heading(&mut self, level: usize, text: &str) {
        let _ = writeln!(self.md, "{} {text}\n", "#".repeat(level));
        let _ = writeln!(self.html, "<h{level}>{}</h{level}>", escape(text));
    }

    fn paragraph(&mut self, text: &str) {
        let _ = writeln!(self.md, "{text}\n");
        let _ = writeln!(self.html, "<p>{}</p>", escape(text));
    }

    fn list(&mut self, lines: &[String]) {
        self.html.push_str("<ul>\n");
        for line in lines {
            let _ = writeln!(self.md, "- {line}");
            let _ = writeln!(self.html, "<li>{}</li>", escape(line));
        }
        self.md.push('\n');
        self.html.push_str("</ul>\n");
    }

    fn table(&mut self, table: &tables::Table) {
        let _ = writeln!(self.md, "{}", table.markdown());
        let _ = writeln!(self.html, "{}", table.html());
    }

    /// A plot: linked from the markdown, inlined in the HTML.
    fn figure(&mut self, file: &str, title: &str, svg: &str) {
        let _ = writeln!(self.md, "![{title}]({file})\n");
        let _ = writeln!(self.html, "<figure>{svg}</figure>");
    }

    /// A group's section: its plot (written under `plots_dir` as `stem`.svg and .png), its
    /// table and its summary lines.
    fn group(&mut self, group: &Group, plots_dir: &Path, stem: &str, title: &str) -> Result<()> {
        let svg = plot_svg(group)?;
        write_file(&plots_dir.join(format!("{stem}.svg")), &svg)?;
        plot_png(group, &plots_dir.join(format!("{stem}.png")))?;
        self.heading(3, title);
        self.figure(&format!("plots/{stem}.svg"), title, &svg);
        self.table(&group_table(group));
        self.list(&summary_lines(group));
        Ok(())
    }

    /// A pair's sample strip: linked from the markdown, inlined as PNG data in the HTML.
    fn image(&mut self, pair: &str, strip: &samples::SampleStrip, bench: &Path) -> Result<()> {
        let bytes = std::fs::read(&strip.png)
            .with_context(|| format!("{}: cannot read", strip.png.display()))?;
        let file = strip.png.strip_prefix(bench).unwrap_or(&strip.png);
        let classes = strip.classes.join(", ");
        let _ = writeln!(
            self.md,
            "**{pair}** ({classes})\n\n![{pair}]({})\n",
            file.display()
        );
        let _ = writeln!(
            self.html,
            "<figure class=\"samples\"><figcaption><b>{}</b>: {}</figcaption>\
             <img alt=\"{} samples\" src=\"data:image/png;base64,{}\"></figure>",
            escape(pair),
            escape(&classes),
            escape(pair),
            BASE64_STANDARD.encode(bytes)
        );
        Ok(())
    }
}

const HTML_HEAD: &str = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>synmix benchmark report</title>\n\
<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}\
th{background:#f4f4f4}figure{margin:1em 0}svg{max-width:100%;height:auto}\
figure.samples img{image-rendering:pixelated;width:100%;max-width:640px}</style></head><body>\n";

/// Best measured share (or k) and the fitted curves of each strategy; FT − SM over the
/// multiples of the added-synthetic regime.
fn summary_lines(group: &Group) -> Vec<String> {
    let mut lines = Vec::new();
    for series in &group.series {
        let name = series.strategy.to_string().to_uppercase();
        if let Some((k, s)) = series.best() {
            lines.push(format!(
                "{name}: best measured {} {:.2} (accuracy {:.4})",
                group.axis(),
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
                "{name} {kind}: acc(r) = {}, predicted best share {:.2}",
                fit.describe(),
                fit.best_share()
            ));
        }
        if group.regime == Regime::FixedSize && series.fits.is_empty() && !series.points.is_empty()
        {
            lines.push(format!("{name}: fewer than 3 shares, no curve fitted"));
        }
    }
    if group.regime == Regime::AddedSynthetic
        && let Some(d) = group.mean_difference()
    {
        lines.push(format!(
            "FT − SM over k > 0 (per seed the mean over the multiples): {}",
            d.describe()
        ));
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
            regime: Regime::FixedSize,
            multiple: None,
            seed,
            accuracy: Some(accuracy),
            macro_f1: Some(accuracy - 0.01),
            synthetic_accuracy: Some(accuracy + 0.1),
            epochs: 4,
            real_rows: Some(100),
            train_seconds: Some(1.5),
            samples_per_second: Some(800.0),
            failure: None,
        }
    }

    /// A sweep over `shares()` and `seeds` in which FT is ahead by 0.02 give or take 0.002 per
    /// seed, plus one failed run.
    fn sweep(seeds: u64) -> Vec<CellResult> {
        let mut results = Vec::new();
        for (i, r) in shares().into_iter().enumerate() {
            for seed in 0..seeds {
                let sm = 0.9 - 0.03 * i as f64 + 0.01 * seed as f64;
                results.push(cell(Strategy::Sm, r, seed, sm));
                if !ShareKey::of(r).is_endpoint() {
                    let jitter = 0.002 * (seed as f64 - 1.0);
                    results.push(cell(Strategy::Ft, r, seed, sm + 0.02 + jitter));
                }
            }
        }
        results.push(CellResult {
            accuracy: None,
            macro_f1: None,
            synthetic_accuracy: None,
            train_seconds: None,
            samples_per_second: None,
            failure: Some("training loss became NaN".into()),
            ..cell(Strategy::Sm, 0.5, 9, 0.0)
        });
        results
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
        assert!(md.contains("### digits — cnn"), "{md}");
        assert!(
            md.contains("| 0.00 | 0.9050 ± 0.0071 (n=2) | 0.9100 ± 0.0000 (n=2) | (one run) |"),
            "{md}"
        );
        // FT − SM at 0.1: 0.89 − 0.87 and 0.89 − 0.88, paired by seed: 0.015 ± 12.71 · 0.00707 / √2.
        assert!(
            md.contains("| 0.10 | 0.8750 ± 0.0071 (n=2) | 0.8900 ± 0.0000 (n=2) | +0.0150 [-0.0485, +0.0785] |"),
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
        let group = groups(&results, Regime::FixedSize).remove(0);
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

    #[test]
    fn overview_gives_intervals_marks_and_verdicts() {
        let dir = tempfile::tempdir().unwrap();
        let files = write_report(dir.path(), &sweep(3)).unwrap();
        let md = std::fs::read_to_string(&files.markdown).unwrap();
        let overview = &md[md.find("## Overview").unwrap()..md.find("## Details").unwrap()];
        // Per seed FT − SM is 0.018, 0.020, 0.022 at every mixed share: mean 0.02, std 0.002,
        // half width 4.3027 · 0.002 / √3 = 0.00497.
        assert!(
            overview.contains("| digits | cnn | 0.9100 ± 0.0100 (n=3) | 0.6100 ± 0.0100 (n=3) | 0.00 (0.9100) | +0.0200 [+0.0150, +0.0250] * |"),
            "{overview}"
        );
        assert!(
            overview.contains("- digits: synthetic data alone reaches 67 % of real-only accuracy (a near gap); no mix beats real only; FT beats SM significantly for cnn."),
            "{overview}"
        );
        assert!(md.contains("3 seeds per cell"), "{md}");
        assert!(md.contains("| 0.50 | 0.7600 ± 0.0100 (n=3) | 0.7800 ± 0.0120 (n=3) | +0.0200 [+0.0150, +0.0250] * |"), "{md}");
        let heatmap = std::fs::read_to_string(dir.path().join("plots/heatmap.svg")).unwrap();
        assert!(
            heatmap.contains("+0.020*") && heatmap.contains("0.90"),
            "{heatmap}"
        );
        assert!(dir.path().join("plots/grid.svg").is_file());
    }

    /// Runs of the added-synthetic regime at k = 0, 0.5, 1, 2 over three seeds, in which FT is
    /// ahead of SM by 0.01 give or take 0.002 per seed.
    fn added_runs() -> Vec<CellResult> {
        let mut runs = Vec::new();
        for (i, k) in [0.0, 0.5, 1.0, 2.0].into_iter().enumerate() {
            for seed in 0..3 {
                let sm = 0.8 + 0.02 * i as f64 + 0.01 * seed as f64;
                let added = |strategy, accuracy| CellResult {
                    share: k / (1.0 + k),
                    regime: Regime::AddedSynthetic,
                    multiple: Some(k),
                    ..cell(strategy, 0.0, seed, accuracy)
                };
                runs.push(added(Strategy::Sm, sm));
                if k > 0.0 {
                    runs.push(added(Strategy::Ft, sm + 0.01 + 0.002 * (seed as f64 - 1.0)));
                }
            }
        }
        runs
    }

    #[test]
    fn the_added_regime_has_its_own_sections_and_columns() {
        let dir = tempfile::tempdir().unwrap();
        let mut results = sweep(3);
        results.extend(added_runs());
        let files = write_report(dir.path(), &results).unwrap();
        let md = std::fs::read_to_string(&files.markdown).unwrap();
        let overview = &md[md.find("## Overview").unwrap()..md.find("## Details").unwrap()];
        assert_eq!(
            overview.matches("| digits | cnn |").count(),
            1,
            "{overview}"
        );
        let added = &md[md
            .find("## Adding synthetic data to a fixed real set")
            .unwrap()..];
        assert!(added.contains("R = 100 real rows"), "{added}");
        assert!(
            added.contains("### digits — cnn: R real + k·R synthetic"),
            "{added}"
        );
        assert!(
            added.contains("| k | SM accuracy | FT accuracy |"),
            "{added}"
        );
        assert!(
            added.contains("| 0.00 | 0.8100 ± 0.0100 (n=3) | 0.8100 ± 0.0100 (n=3) | (one run) |"),
            "{added}"
        );
        // Per seed FT − SM is 0.008, 0.010, 0.012: half width 4.3027 · 0.002 / √3 = 0.00497.
        assert!(
            added.contains("| 0.50 | 0.8300 ± 0.0100 (n=3) | 0.8400 ± 0.0120 (n=3) | +0.0100 [+0.0050, +0.0150] * |"),
            "{added}"
        );
        assert!(added.contains("SM: best measured k 2.00"), "{added}");
        assert!(
            added.contains("FT − SM over k > 0 (per seed the mean over the multiples): +0.0100 [+0.0050, +0.0150] *"),
            "{added}"
        );
        assert!(!added.contains("no curve fitted"), "{added}");
        let svg = std::fs::read_to_string(dir.path().join("plots/added-digits-cnn.svg")).unwrap();
        assert!(svg.contains("k = synthetic rows per real row") && svg.contains("2.0"));
        // The sweep's gap table pools shares only.
        let gap = &md[md.find("### Synthetic-test vs real-test").unwrap()..];
        assert!(!gap.contains("| digits | 0.67 |"), "{gap}");

        let csv = std::fs::read_to_string(dir.path().join("results.csv")).unwrap();
        let rows: Vec<&str> = csv.lines().collect();
        assert_eq!(rows.len(), results.len() + 1);
        assert!(rows[0].starts_with("pair,architecture,strategy,regime,share,multiple,seed,"));
        assert!(
            rows[1].starts_with("digits,cnn,sm,fixed-size,0,,0,ok,"),
            "{}",
            rows[1]
        );
        let k2 = "digits,cnn,ft,added-synthetic,0.6666666666666666,2,2,ok,0.89";
        assert!(rows.iter().any(|r| r.starts_with(k2)), "{csv}");
    }

    #[test]
    fn one_seed_prints_no_plus_minus_and_no_interval() {
        let dir = tempfile::tempdir().unwrap();
        let files = write_report(dir.path(), &sweep(1)).unwrap();
        let md = std::fs::read_to_string(&files.markdown).unwrap();
        let html = std::fs::read_to_string(&files.html).unwrap();
        // Seed 9 is the failed run; the successful runs have seed 0 alone.
        let ok_runs = &md[md.find("## Overview").unwrap()..md.find("## Failed runs").unwrap()];
        assert!(
            !ok_runs.contains("± 0.") && !html.contains("± 0."),
            "{ok_runs}"
        );
        assert!(md.contains("One seed (0): no spread"), "{md}");
        assert!(ok_runs.contains("0.9000 (n=1)"), "{ok_runs}");
        assert!(ok_runs.contains("+0.0180 (n=1, no interval)"), "{ok_runs}");
        assert!(
            ok_runs.contains("one seed: FT − SM has no interval"),
            "{ok_runs}"
        );
    }

    #[test]
    fn results_files_hold_one_row_per_run() {
        use arrow_array::{Array, Float64Array, StringArray, UInt64Array};
        use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

        let dir = tempfile::tempdir().unwrap();
        let mut results = sweep(2);
        results[0].pair = "a, \"quoted\" pair".into();
        write_report(dir.path(), &results).unwrap();

        let csv = std::fs::read_to_string(dir.path().join("results.csv")).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "pair,architecture,strategy,regime,share,multiple,seed,status,accuracy,macro_f1,\
             synthetic_accuracy,epochs,real_rows,train_seconds,samples_per_second"
        );
        assert_eq!(lines.len(), results.len() + 1);
        assert_eq!(
            lines[1],
            "\"a, \"\"quoted\"\" pair\",cnn,sm,fixed-size,0,,0,ok,0.9,0.89,1,4,100,1.5,800"
        );
        assert_eq!(
            lines.last().unwrap(),
            &"digits,cnn,sm,fixed-size,0.5,,9,failed,,,,4,100,,"
        );

        let file = std::fs::File::open(dir.path().join("results.parquet")).unwrap();
        let batches: Vec<_> = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let batch = arrow_select::concat::concat_batches(&batches[0].schema(), &batches).unwrap();
        assert_eq!(batch.num_rows(), results.len());
        let column = |name: &str| batch.column_by_name(name).unwrap().clone();
        let pair = column("pair");
        let pair = pair.as_any().downcast_ref::<StringArray>().unwrap();
        let strategy = column("strategy");
        let strategy = strategy.as_any().downcast_ref::<StringArray>().unwrap();
        let share = column("share");
        let share = share.as_any().downcast_ref::<Float64Array>().unwrap();
        let seed = column("seed");
        let seed = seed.as_any().downcast_ref::<UInt64Array>().unwrap();
        let accuracy = column("accuracy");
        let accuracy = accuracy.as_any().downcast_ref::<Float64Array>().unwrap();
        for (row, run) in results.iter().enumerate() {
            assert_eq!(pair.value(row), run.pair);
            assert_eq!(strategy.value(row), run.strategy.to_string());
            assert_eq!((share.value(row), seed.value(row)), (run.share, run.seed));
            let value = (!accuracy.is_null(row)).then(|| accuracy.value(row));
            assert_eq!(value, run.accuracy);
        }
    }
}
