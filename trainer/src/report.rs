//! The sweep report: real-test accuracy against the synthetic share, SM against FT, per dataset
//! pair and architecture.
//!
//! Results are read from the bench layout
//! `BENCH/runs/<pair>/<arch>/<strategy>-r<share×100, 3 digits>-s<seed>/result.json` (see
//! [`cell_dir`]); [`write_report`] writes `BENCH/report.md`, a self-contained `BENCH/report.html`
//! (plots inlined as SVG) and `BENCH/plots/<pair>-<arch>.{svg,png}`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::{Deserialize, Serialize};

use crate::models::ModelKind;
use crate::plan::Strategy;
use crate::run::{RESULT_FILE, RunResult, Status};
use crate::{Error, Result};

/// The shares of a standard sweep: 0, 0.1, …, 1.0.
pub fn shares() -> Vec<f64> {
    (0..=10).map(|i| i as f64 / 10.0).collect()
}

/// The run directory of one cell of a sweep.
pub fn cell_dir(
    bench: &Path,
    pair: &str,
    model: ModelKind,
    strategy: Strategy,
    share: f64,
    seed: u64,
) -> PathBuf {
    bench
        .join("runs")
        .join(pair)
        .join(model.to_string())
        .join(format!(
            "{strategy}-r{:03}-s{seed}",
            (share * 100.0).round() as u32
        ))
}

/// One run as the report sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellResult {
    pub pair: String,
    pub model: ModelKind,
    pub strategy: Strategy,
    pub share: f64,
    pub seed: u64,
    /// Real-test accuracy; `None` for a failed run.
    pub accuracy: Option<f64>,
    pub macro_f1: Option<f64>,
    pub synthetic_accuracy: Option<f64>,
    pub failure: Option<String>,
}

impl CellResult {
    /// The report's view of a run; `pair` names the pair when the run carries no cell label.
    pub fn from_run(run: &RunResult, pair: &str) -> CellResult {
        let (pair, share) = match &run.config.cell {
            Some(cell) => (cell.pair.clone(), cell.share),
            None => (
                pair.to_string(),
                run.data.as_ref().map_or(0.0, |d| d.synthetic_share),
            ),
        };
        let ok = run.status == Status::Ok;
        CellResult {
            pair,
            model: run.config.model,
            strategy: run.config.strategy,
            share,
            seed: run.config.train.seed,
            accuracy: run.metrics.as_ref().filter(|_| ok).map(|m| m.accuracy),
            macro_f1: run.metrics.as_ref().filter(|_| ok).map(|m| m.macro_f1),
            synthetic_accuracy: run
                .synthetic_test
                .as_ref()
                .filter(|_| ok)
                .map(|m| m.accuracy),
            failure: (!ok).then(|| run.reason.clone().unwrap_or_else(|| "failed".into())),
        }
    }
}

/// Every `result.json` under `BENCH/runs/<pair>/<arch>/<cell>/`, in path order.
pub fn scan(bench: &Path) -> Result<Vec<CellResult>> {
    let runs = bench.join("runs");
    if !runs.is_dir() {
        return Err(Error::file(
            bench,
            "has no runs/ directory: not a bench directory",
        ));
    }
    let mut results = Vec::new();
    for pair in sorted_dirs(&runs)? {
        let pair_name = pair
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for arch in sorted_dirs(&pair)? {
            for cell in sorted_dirs(&arch)? {
                let path = cell.join(RESULT_FILE);
                if path.is_file() {
                    results.push(CellResult::from_run(&RunResult::read(&path)?, &pair_name));
                }
            }
        }
    }
    Ok(results)
}

fn sorted_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut dirs = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        if path.is_dir() {
            dirs.push(path);
        }
    }
    dirs.sort();
    Ok(dirs)
}

/// Mean and sample standard deviation of some values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stat {
    pub mean: f64,
    pub std: f64,
    pub n: usize,
}

impl Stat {
    pub fn of(values: &[f64]) -> Option<Stat> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let var = if n > 1 {
            values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64
        } else {
            0.0
        };
        Some(Stat {
            mean,
            std: var.sqrt(),
            n,
        })
    }
}

/// Share as the key of a cell: hundredths, so 0.1 + 0.2 and 0.3 meet.
fn share_key(share: f64) -> u32 {
    (share * 100.0).round() as u32
}

/// A curve `acc(r)` fitted by least squares to the accuracies of one strategy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fit {
    /// The exponential mixing law `a − b·exp(c·r)`.
    Exponential { a: f64, b: f64, c: f64, r2: f64 },
    /// `a + b·r + c·r²`.
    Quadratic { a: f64, b: f64, c: f64, r2: f64 },
}

impl Fit {
    pub fn eval(&self, r: f64) -> f64 {
        match *self {
            Fit::Exponential { a, b, c, .. } => a - b * (c * r).exp(),
            Fit::Quadratic { a, b, c, .. } => a + b * r + c * r * r,
        }
    }

    pub fn r2(&self) -> f64 {
        match *self {
            Fit::Exponential { r2, .. } | Fit::Quadratic { r2, .. } => r2,
        }
    }

    /// The share in [0, 1] (to 0.01) where the curve peaks.
    pub fn best_share(&self) -> f64 {
        (0..=100).map(|i| i as f64 / 100.0).fold(0.0, |best, r| {
            if self.eval(r) > self.eval(best) {
                r
            } else {
                best
            }
        })
    }

    pub fn describe(&self) -> String {
        // "+ -0.1" reads badly: every term after the first carries its own sign.
        let term = |v: f64, what: &str| {
            format!(" {} {:.4}{what}", if v < 0.0 { '−' } else { '+' }, v.abs())
        };
        match *self {
            Fit::Exponential { a, b, c, r2 } => format!(
                "{a:.4}{} (R² {r2:.3})",
                term(-b, &format!("·exp({c:.2}·r)"))
            ),
            Fit::Quadratic { a, b, c, r2 } => {
                format!("{a:.4}{}{} (R² {r2:.3})", term(b, "·r"), term(c, "·r²"))
            }
        }
    }

    /// Both curves fitted to `(share, accuracy)` points; none below 3 distinct shares.
    pub fn fit_all(points: &[(f64, f64)]) -> Vec<Fit> {
        let mut distinct: Vec<u32> = points.iter().map(|p| share_key(p.0)).collect();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() < 3 {
            return Vec::new();
        }
        [fit_exponential(points), fit_quadratic(points)]
            .into_iter()
            .flatten()
            .collect()
    }
}

fn r_squared(points: &[(f64, f64)], f: impl Fn(f64) -> f64) -> f64 {
    let mean = points.iter().map(|p| p.1).sum::<f64>() / points.len() as f64;
    let sst: f64 = points.iter().map(|p| (p.1 - mean).powi(2)).sum();
    let sse: f64 = points.iter().map(|p| (p.1 - f(p.0)).powi(2)).sum();
    if sst > 0.0 { 1.0 - sse / sst } else { 1.0 }
}

/// For a fixed rate `c` the law is linear in `a` and `b`; the rate is searched on a grid.
fn fit_exponential(points: &[(f64, f64)]) -> Option<Fit> {
    let n = points.len() as f64;
    let mut best: Option<(f64, Fit)> = None;
    for step in -400..=400 {
        let c = step as f64 * 0.05;
        if step == 0 {
            continue;
        }
        let g: Vec<f64> = points.iter().map(|p| (c * p.0).exp()).collect();
        let gm = g.iter().sum::<f64>() / n;
        let ym = points.iter().map(|p| p.1).sum::<f64>() / n;
        let var: f64 = g.iter().map(|v| (v - gm).powi(2)).sum();
        if var < 1e-12 {
            continue;
        }
        let cov: f64 = g
            .iter()
            .zip(points)
            .map(|(v, p)| (v - gm) * (p.1 - ym))
            .sum();
        let slope = cov / var;
        let (a, b) = (ym - slope * gm, -slope);
        let sse: f64 = points
            .iter()
            .map(|p| (p.1 - (a - b * (c * p.0).exp())).powi(2))
            .sum();
        if best.as_ref().is_none_or(|(s, _)| sse < *s) {
            best = Some((sse, Fit::Exponential { a, b, c, r2: 0.0 }));
        }
    }
    best.map(|(_, fit)| match fit {
        Fit::Exponential { a, b, c, .. } => Fit::Exponential {
            a,
            b,
            c,
            r2: r_squared(points, |r| a - b * (c * r).exp()),
        },
        other => other,
    })
}

/// Normal equations of `a + b·r + c·r²`, solved by Cramer's rule.
fn fit_quadratic(points: &[(f64, f64)]) -> Option<Fit> {
    let s = |k: i32| points.iter().map(|p| p.0.powi(k)).sum::<f64>();
    let t = |k: i32| points.iter().map(|p| p.0.powi(k) * p.1).sum::<f64>();
    let m = [[s(0), s(1), s(2)], [s(1), s(2), s(3)], [s(2), s(3), s(4)]];
    let v = [t(0), t(1), t(2)];
    let det = |m: [[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let d = det(m);
    if d.abs() < 1e-12 {
        return None;
    }
    let solve = |col: usize| {
        let mut mc = m;
        for row in 0..3 {
            mc[row][col] = v[row];
        }
        det(mc) / d
    };
    let (a, b, c) = (solve(0), solve(1), solve(2));
    Some(Fit::Quadratic {
        a,
        b,
        c,
        r2: r_squared(points, |r| a + b * r + c * r * r),
    })
}

/// The cells of one strategy of one (pair, architecture) group, by share.
struct Series {
    strategy: Strategy,
    by_share: BTreeMap<u32, Stat>,
    /// Every successful run as `(share, accuracy)`, what the curves are fitted to.
    points: Vec<(f64, f64)>,
    fits: Vec<Fit>,
}

impl Series {
    fn new(strategy: Strategy, cells: &[&CellResult]) -> Series {
        let mut values: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
        let mut points = Vec::new();
        // At shares 0 and 1 FT has a single phase and is the SM run, which a sweep trains
        // once: such a run counts for both strategies unless the other one was trained too.
        let endpoint = |c: &CellResult| c.share == 0.0 || c.share == 1.0;
        let trained: Vec<(u32, u64)> = cells
            .iter()
            .filter(|c| c.strategy == strategy && endpoint(c))
            .map(|c| (share_key(c.share), c.seed))
            .collect();
        let counts = |c: &&&CellResult| {
            c.strategy == strategy
                || (endpoint(c) && !trained.contains(&(share_key(c.share), c.seed)))
        };
        for cell in cells.iter().filter(counts) {
            if let Some(acc) = cell.accuracy {
                values.entry(share_key(cell.share)).or_default().push(acc);
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
    fn best(&self) -> Option<(u32, Stat)> {
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

struct Group {
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
    pub plots: Vec<PathBuf>,
}

/// Writes the report of `results` (e.g. from [`scan`]) into `bench`.
pub fn write_report(bench: &Path, results: &[CellResult]) -> Result<ReportFiles> {
    let plots_dir = bench.join("plots");
    std::fs::create_dir_all(&plots_dir).map_err(|e| Error::io(&plots_dir, e))?;
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
    let mut plots = Vec::new();
    for group in &groups {
        let stem = format!("{}-{}", group.pair, group.model);
        let svg = plot_svg(group)?;
        let svg_path = plots_dir.join(format!("{stem}.svg"));
        std::fs::write(&svg_path, &svg).map_err(|e| Error::io(&svg_path, e))?;
        let png_path = plots_dir.join(format!("{stem}.png"));
        plot_png(group, &png_path)?;
        plots.extend([svg_path, png_path]);

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
        let mut table = Table::new(&["pair", "arch", "strategy", "share", "seed", "reason"]);
        for c in failed {
            table.rows.push(vec![
                c.pair.clone(),
                c.model.to_string(),
                c.strategy.to_string(),
                format!("{:.2}", c.share),
                c.seed.to_string(),
                c.failure.clone().unwrap_or_default(),
            ]);
        }
        let _ = writeln!(md, "## Failed runs\n\n{}", table.markdown());
        let _ = writeln!(html, "<h2>Failed runs</h2>\n{}", table.html());
    }
    html.push_str("</body></html>\n");
    let markdown = bench.join("report.md");
    let html_path = bench.join("report.html");
    std::fs::write(&markdown, md).map_err(|e| Error::io(&markdown, e))?;
    std::fs::write(&html_path, html).map_err(|e| Error::io(&html_path, e))?;
    Ok(ReportFiles {
        markdown,
        html: html_path,
        plots,
    })
}

const HTML_HEAD: &str = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>synmix benchmark report</title>\n\
<style>body{font-family:sans-serif;max-width:960px;margin:2em auto}table{border-collapse:collapse;margin:1em 0}\
td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}th{background:#f4f4f4}</style></head><body>\n";

struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    fn markdown(&self) -> String {
        let line = |cells: &[String]| format!("| {} |\n", cells.join(" | "));
        let mut out = line(&self.header);
        out += &line(&vec!["---".to_string(); self.header.len()]);
        for row in &self.rows {
            out += &line(row);
        }
        out
    }

    fn html(&self) -> String {
        let mut out = String::from("<table><tr>");
        for h in &self.header {
            let _ = write!(out, "<th>{}</th>", escape(h));
        }
        out.push_str("</tr>\n");
        for row in &self.rows {
            out.push_str("<tr>");
            for cell in row {
                let _ = write!(out, "<td>{}</td>", escape(cell));
            }
            out.push_str("</tr>\n");
        }
        out + "</table>"
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn stat_cell(stat: Option<&Stat>) -> String {
    stat.map_or("–".into(), |s| {
        format!("{:.4} ± {:.4} (n={})", s.mean, s.std, s.n)
    })
}

/// Per share: mean ± std of each strategy and FT − SM.
fn group_table(group: &Group) -> Table {
    let [sm, ft] = &group.series;
    let mut keys: Vec<u32> = sm
        .by_share
        .keys()
        .chain(ft.by_share.keys())
        .copied()
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let mut table = Table::new(&["share", "SM accuracy", "FT accuracy", "FT − SM"]);
    for k in keys {
        let (a, b) = (sm.by_share.get(&k), ft.by_share.get(&k));
        let diff = match (a, b) {
            (Some(a), Some(b)) => format!("{:+.4}", b.mean - a.mean),
            _ => "–".into(),
        };
        table.rows.push(vec![
            format!("{:.2}", k as f64 / 100.0),
            stat_cell(a),
            stat_cell(b),
            diff,
        ]);
    }
    table
}

/// Best measured share and the fitted curves of each strategy.
fn summary_lines(group: &Group) -> Vec<String> {
    let mut lines = Vec::new();
    for series in &group.series {
        let name = series.strategy.to_string().to_uppercase();
        if let Some((k, s)) = series.best() {
            lines.push(format!(
                "- {name}: best measured share {:.2} (accuracy {:.4})",
                k as f64 / 100.0,
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

/// Per pair and share: real-test against synthetic-test accuracy of the runs that have both.
fn gap_table(results: &[CellResult]) -> Table {
    let mut by: BTreeMap<(String, u32), (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for c in results {
        if let (Some(real), Some(syn)) = (c.accuracy, c.synthetic_accuracy) {
            let entry = by.entry((c.pair.clone(), share_key(c.share))).or_default();
            entry.0.push(real);
            entry.1.push(syn);
        }
    }
    let mut table = Table::new(&[
        "pair",
        "share",
        "real-test accuracy",
        "synthetic-test accuracy",
        "gap",
    ]);
    for ((pair, k), (real, syn)) in by {
        let (r, s) = (
            Stat::of(&real).expect("non-empty"),
            Stat::of(&syn).expect("non-empty"),
        );
        table.rows.push(vec![
            pair,
            format!("{:.2}", k as f64 / 100.0),
            stat_cell(Some(&r)),
            stat_cell(Some(&s)),
            format!("{:+.4}", s.mean - r.mean),
        ]);
    }
    table
}

const WIDTH: u32 = 640;
const HEIGHT: u32 = 400;
/// Plot frame inside the image: left, top, right, bottom.
const FRAME: (i32, i32, i32, i32) = (64, 36, 624, 356);
const COLORS: [RGBColor; 2] = [RGBColor(31, 119, 180), RGBColor(214, 39, 40)];

/// A font for bitmap text, if the system has one: plotters rasterises PNG text with ab_glyph and
/// needs font bytes, which no crate here ships. SVG text needs none (the viewer renders it).
fn bitmap_font() -> bool {
    static FOUND: OnceLock<bool> = OnceLock::new();
    *FOUND.get_or_init(|| {
        let candidates = std::env::var_os("SYNMIX_FONT")
            .map(PathBuf::from)
            .into_iter()
            .chain(
                [
                    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                    "/usr/share/fonts/TTF/DejaVuSans.ttf",
                    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
                    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
                    "/System/Library/Fonts/Supplemental/Arial.ttf",
                    "C:\\Windows\\Fonts\\arial.ttf",
                ]
                .into_iter()
                .map(PathBuf::from),
            );
        candidates
            .filter_map(|path| std::fs::read(path).ok())
            .any(|bytes| {
                // Registered fonts live for the whole process.
                plotters::style::register_font(
                    "sans-serif",
                    FontStyle::Normal,
                    Box::leak(bytes.into_boxed_slice()),
                )
                .is_ok()
            })
    })
}

fn plot_svg(group: &Group) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        draw_plot(&root, group, true)
            .map_err(|e| Error::invalid(format!("plotting {}: {e}", group.pair)))?;
        root.present()
            .map_err(|e| Error::invalid(format!("plotting {}: {e}", group.pair)))?;
    }
    Ok(svg)
}

fn plot_png(group: &Group, path: &Path) -> Result<()> {
    let root = BitMapBackend::new(path, (WIDTH, HEIGHT)).into_drawing_area();
    draw_plot(&root, group, bitmap_font()).map_err(|e| Error::file(path, e))?;
    root.present().map_err(|e| Error::file(path, e))
}

/// Accuracy against share: per strategy a ±1 std band, the mean line with markers and the best
/// fitted curve (thin). Drawn in pixel coordinates with text only where `text` is set, so the
/// same code serves the SVG (text always) and the PNG (text when a font was found).
fn draw_plot<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    group: &Group,
    text: bool,
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let (left, top, right, bottom) = FRAME;
    let (lo, hi) = y_range(group);
    let px = |r: f64| left + ((right - left) as f64 * r).round() as i32;
    let py = |a: f64| {
        bottom - ((bottom - top) as f64 * (a.clamp(lo, hi) - lo) / (hi - lo)).round() as i32
    };
    let grid = RGBColor(220, 220, 220);
    let style = |size: i32, anchor: Pos| ("sans-serif", size).into_font().color(&BLACK).pos(anchor);

    for i in 0..=5 {
        let r = i as f64 / 5.0;
        let a = lo + (hi - lo) * r;
        root.draw(&PathElement::new(vec![(px(r), top), (px(r), bottom)], grid))?;
        root.draw(&PathElement::new(vec![(left, py(a)), (right, py(a))], grid))?;
        if text {
            root.draw(&Text::new(
                format!("{r:.1}"),
                (px(r), bottom + 6),
                style(12, Pos::new(HPos::Center, VPos::Top)),
            ))?;
            root.draw(&Text::new(
                format!("{a:.2}"),
                (left - 6, py(a)),
                style(12, Pos::new(HPos::Right, VPos::Center)),
            ))?;
        }
    }
    root.draw(&Rectangle::new([(left, top), (right, bottom)], BLACK))?;

    for (series, color) in group.series.iter().zip(COLORS) {
        let stats: Vec<(f64, Stat)> = series
            .by_share
            .iter()
            .map(|(&k, &s)| (k as f64 / 100.0, s))
            .collect();
        if stats.is_empty() {
            continue;
        }
        let band: Vec<(i32, i32)> = stats
            .iter()
            .map(|(r, s)| (px(*r), py(s.mean + s.std)))
            .chain(
                stats
                    .iter()
                    .rev()
                    .map(|(r, s)| (px(*r), py(s.mean - s.std))),
            )
            .collect();
        root.draw(&Polygon::new(band, color.mix(0.18).filled()))?;
        if let Some(fit) = series.best_fit() {
            let curve: Vec<_> = (0..=50)
                .map(|i| i as f64 / 50.0)
                .map(|r| (px(r), py(fit.eval(r))))
                .collect();
            root.draw(&PathElement::new(curve, color.mix(0.6).stroke_width(1)))?;
        }
        root.draw(&PathElement::new(
            stats
                .iter()
                .map(|(r, s)| (px(*r), py(s.mean)))
                .collect::<Vec<_>>(),
            color.stroke_width(2),
        ))?;
        for (r, s) in &stats {
            root.draw(&Circle::new((px(*r), py(s.mean)), 3, color.filled()))?;
        }
    }

    // Legend swatches (always) and their names, axis titles and the title (with text).
    for (i, (series, color)) in group.series.iter().zip(COLORS).enumerate() {
        let y = top + 14 + 18 * i as i32;
        root.draw(&PathElement::new(
            vec![(right - 70, y), (right - 46, y)],
            color.stroke_width(3),
        ))?;
        if text {
            let name = series.strategy.to_string().to_uppercase();
            root.draw(&Text::new(
                name,
                (right - 40, y),
                style(12, Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
    }
    if text {
        let title = format!(
            "{} — {}: real-test accuracy vs synthetic share (±1 std)",
            group.pair, group.model
        );
        root.draw(&Text::new(
            title,
            ((left + right) / 2, 8),
            style(14, Pos::new(HPos::Center, VPos::Top)),
        ))?;
        root.draw(&Text::new(
            "synthetic share",
            ((left + right) / 2, bottom + 24),
            style(12, Pos::new(HPos::Center, VPos::Top)),
        ))?;
    }
    Ok(())
}

/// Accuracy range shown: the bands with a margin, at least 0.1 tall, inside [0, 1].
fn y_range(group: &Group) -> (f64, f64) {
    let stats = group.series.iter().flat_map(|s| s.by_share.values());
    let (lo, hi) = stats.fold((f64::MAX, f64::MIN), |(lo, hi), s| {
        (lo.min(s.mean - s.std), hi.max(s.mean + s.std))
    });
    if lo > hi {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.1).max(0.05);
    ((lo - pad).max(0.0), (hi + pad).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(strategy: Strategy, share: f64, seed: u64, accuracy: f64) -> CellResult {
        CellResult {
            pair: "digits".into(),
            model: ModelKind::Cnn,
            strategy,
            share,
            seed,
            accuracy: Some(accuracy),
            macro_f1: Some(accuracy),
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
        for plot in &files.plots {
            assert!(
                std::fs::metadata(plot).unwrap().len() > 500,
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
        let shares: Vec<u32> = ft.by_share.keys().copied().collect();
        assert_eq!(shares, vec![share_key(0.0), share_key(0.5), share_key(1.0)]);
        assert_eq!(ft.by_share[&share_key(0.0)].mean, 0.8);
        assert_eq!(
            group.series[0].by_share.len(),
            3,
            "SM keeps only its own runs"
        );
    }

    #[test]
    fn cell_dirs_follow_the_bench_layout() {
        let dir = cell_dir(
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
