//! The sweep report: real-test accuracy against the synthetic share, SM against FT, per dataset
//! pair and architecture, from the records of a bench directory alone (run results, gaps, a
//! search's decisions: [`crate::records`]); and, for the added-synthetic regime, accuracy
//! against k, the synthetic rows added per real row. The numbers come from
//! [`crate::analysis`]; here they are laid out:
//!
//! - [`tables`]: the tables, as markdown and HTML; [`overview`]: the overview table and verdicts;
//! - [`plot`]: the SVG and PNG plots, and the grid of them all; [`heatmap`]: FT − SM by share;
//! - [`gap`]: the gap panel; [`search`]: the adaptive search's table; [`advice`]: the page of
//!   `synmix advise`;
//! - [`samples`]: a strip of real and synthetic images per pair;
//! - [`export`]: every run as a row of `results.csv` and `results.parquet`;
//! - [`doc`]: Markdown and HTML side by side; [`words`]: the explanatory text;
//! - here: the report's sections in order, and the files.

mod advice;
mod doc;
mod export;
mod gap;
mod heatmap;
mod overview;
mod plot;
mod samples;
mod search;
mod tables;
mod words;

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result};
use datasets::point::Regime;

use crate::analysis::groups::groups;
use crate::dir::BenchDir;
use crate::layout;
use crate::records::{CellResult, SearchKey, read_gaps};
pub use advice::{headline, write_advice_page};
use doc::{Doc, write_file};
use tables::{failed_table, gap_table};

/// Files the report was written to.
#[derive(Debug, Clone)]
pub struct ReportFiles {
    pub markdown: PathBuf,
    pub html: PathBuf,
}

/// What the report says of the experiment beyond its records, given by whoever writes it.
#[derive(Debug, Clone, Default)]
pub struct ReportSetting {
    /// Which real test rows scored the runs, in words.
    pub real_test: Option<String>,
    /// The adaptive search, when the experiment searches.
    pub search: Option<SearchSetting>,
    /// While the bench runs: the training tasks still to be done (a partial report).
    pub left: Option<usize>,
}

/// An adaptive search as its table shows it.
#[derive(Debug, Clone)]
pub struct SearchSetting {
    /// Every search, in the order of the table's rows.
    pub keys: Vec<SearchKey>,
    /// Shares of the grid, seeds of the experiment.
    pub grid: usize,
    pub seeds: usize,
    /// The most shares a search may train, and its probes after the starting shares.
    pub shares: usize,
    pub probes: usize,
}

/// Writes the report of `results` (e.g. from [`crate::records::scan`]) into `bench`:
/// `report.md`, a self-contained `report.html` (plots inlined as SVG, sample images as PNG
/// data), the plots under `plots/` and every run as a row of `results.csv` and
/// `results.parquet`.
pub fn write_report(
    bench: &BenchDir,
    results: &[CellResult],
    setting: &ReportSetting,
) -> Result<ReportFiles> {
    let plots_dir = layout::plots_dir(bench);
    std::fs::create_dir_all(&plots_dir)
        .with_context(|| format!("{}: cannot create", plots_dir.display()))?;
    export::write_results(bench, results)?;
    let gaps = read_gaps(bench)?;
    export::write_gaps(bench, &gaps.measured)?;
    let added = groups(results, Regime::AddedSynthetic);
    let groups = groups(results, Regime::FixedSize);
    let mut doc = Doc::default();
    let ok = results.iter().filter(|c| c.accuracy.is_some()).count();
    doc.heading(1, "synmix benchmark report");
    if let Some(left) = setting.left {
        doc.paragraph(&format!(
            "Partial report: {} runs so far, {left} training task(s) left. It is written again as \
             runs finish, and whole when the bench ends.",
            results.len()
        ));
    }
    doc.paragraph(&format!(
        "{} runs: {ok} ok, {} failed. Every run is a row of results.csv and results.parquet. {}",
        results.len(),
        results.len() - ok,
        words::seeds_note(results)
    ));
    if let Some(words) = &setting.real_test {
        doc.paragraph(&format!("Real test set: {words}."));
    }

    doc.heading(2, "Overview");
    doc.list(&overview::verdicts(&groups));
    doc.table(&overview::overview_table(&groups));
    doc.paragraph(
        "Real only and synthetic only: mean ± std over seeds at shares 0 and 1. Best share: the \
         highest mean accuracy of any cell. Mean FT − SM (and each other pair of strategies \
         trained): per seed the mean over the mixed shares, then the mean over seeds with its \
         95 % t-interval (*: the interval excludes 0).",
    );
    let advice: Vec<String> = overview::advice_lines(&groups)
        .into_iter()
        .chain(overview::advice_lines(&added))
        .collect();
    if !advice.is_empty() {
        doc.heading(3, "What advise would have said");
        doc.list(&advice);
        doc.paragraph(
            "`synmix advise` answers from three pilot runs (real only and two mixes) instead of a \
             sweep: synthetic data only where a mix gains more than one point over real only. Here \
             it reads those runs from the sweep itself, the lowest seed's, beside the sweep's best \
             cell over every seed.",
        );
    }
    if let Some(search) = &setting.search {
        let table = search::search_table(bench, search, results);
        doc.heading(3, "Adaptive search of the best share");
        doc.table(&table);
        doc.paragraph(
            "Each search trained shares 0, 0.5 and 1, then one share at a time: the share of the \
             grid not yet trained nearest r* (the peak of the better-fitting curve, its 95 % \
             interval bootstrapped over seeds), until that interval was within the tolerance \
             with the share nearest r* trained, or the budget was spent. Runs count every seed; the endpoints are shared by the \
             strategies.",
        );
    }
    if !groups.is_empty() {
        let grid = plot::grid_svg(&groups)?;
        write_file(&plots_dir.join("grid.svg"), &grid)?;
        doc.heading(3, "Accuracy against synthetic share");
        doc.figure("plots/grid.svg", "accuracy against synthetic share", &grid);
    }
    if !gaps.measured.is_empty() {
        doc.heading(3, "Domain gap per pair");
        doc.table(&gap::gap_table(&gaps.measured));
        doc.paragraph(
            "Measured as `synmix gap` measures it: the real test split against the synthetic \
             train split, embedded by a network trained on the real train split. FD and KID \
             (in the features' own units: compare pairs, not across benches) fall and precision, recall, density and \
             coverage rise as the sets come closer; PAD is the proxy A-distance of a classifier \
             telling them apart (0: it cannot, 2: always); TSTR is the accuracy on real test \
             images of a model trained on the synthetic set, TRTS the reverse. Per pair, the \
             whole sets, then the three classes furthest by FD; gap.csv and gap.parquet hold \
             every class.",
        );
    }
    for (pair, why) in &gaps.not_measured {
        doc.paragraph(&format!("The gap of pair {pair} was not measured: {why}"));
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
        doc.paragraph(&words::added_note(results));
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
    let markdown = layout::report_markdown(bench);
    let html_path = layout::report_html(bench);
    write_file(&markdown, &doc.md)?;
    write_file(&html_path, &(doc.html + "</body></html>\n"))?;
    Ok(ReportFiles {
        markdown,
        html: html_path,
    })
}

#[cfg(test)]
mod tests;
