//! The report's tables (per group, the synthetic-vs-real gap, the failed runs) and their
//! markdown and HTML forms.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use datasets::point::{Point, Regime};

use crate::analysis::groups::Group;
use crate::analysis::groups::upper;
use crate::analysis::stats::Stat;
use crate::records::CellResult;

/// A table of text cells, written as markdown or as HTML.
pub struct Table {
    header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[impl AsRef<str>]) -> Table {
        Table {
            header: header.iter().map(|h| h.as_ref().to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn markdown(&self) -> String {
        let line = |cells: &[String]| format!("| {} |\n", cells.join(" | "));
        let mut out = line(&self.header);
        out += &line(&vec!["---".to_string(); self.header.len()]);
        for row in &self.rows {
            out += &line(row);
        }
        out
    }

    pub fn html(&self) -> String {
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

/// Text for HTML element content: `&`, `<` and `>` escaped.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub fn stat_cell(stat: Option<&Stat>) -> String {
    stat.map_or("–".into(), Stat::describe)
}

/// Per share (or k): mean ± std of each strategy and every pair of strategies compared with its
/// 95 % interval paired by seed (`*`: the interval excludes 0).
pub fn group_table(group: &Group) -> Table {
    let mut keys: Vec<Point> = group
        .series
        .iter()
        .flat_map(|s| s.by_share.keys())
        .copied()
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let comparisons = group.comparisons();
    let mut header = vec![group.axis().to_string()];
    header.extend(
        group
            .series
            .iter()
            .map(|s| format!("{} accuracy", upper(s.strategy))),
    );
    header.extend(
        comparisons
            .iter()
            .map(|c| format!("{} [95 % CI]", c.label())),
    );
    let mut table = Table::new(&header);
    for k in keys {
        let mut row = vec![format!("{:.2}", k.value().as_f64())];
        row.extend(group.series.iter().map(|s| stat_cell(s.by_share.get(&k))));
        row.extend(comparisons.iter().map(|&c| {
            if k.is_endpoint() {
                "(one run)".into()
            } else {
                group.difference(k, c).map_or("–".into(), |d| d.describe())
            }
        }));
        table.rows.push(row);
    }
    table
}

/// Per pair and share of the share sweep: real-test against synthetic-test accuracy of the runs
/// that have both, as plain means: the runs pooled here differ in architecture and strategy, so
/// their spread is no measure of uncertainty.
pub fn gap_table(results: &[CellResult]) -> Table {
    let mut by: BTreeMap<(String, Point), (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for c in results.iter().filter(|c| c.regime() == Regime::FixedSize) {
        if let (Some(real), Some(syn)) = (c.accuracy, c.synthetic_accuracy) {
            let entry = by.entry((c.pair.clone(), c.point)).or_default();
            entry.0.push(real);
            entry.1.push(syn);
        }
    }
    let mut table = Table::new(&[
        "pair",
        "share",
        "runs",
        "real-test accuracy",
        "synthetic-test accuracy",
        "gap",
    ]);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    for ((pair, k), (real, syn)) in by {
        let (r, s) = (mean(&real), mean(&syn));
        table.rows.push(vec![
            pair,
            format!("{:.2}", k.value().as_f64()),
            real.len().to_string(),
            format!("{r:.4}"),
            format!("{s:.4}"),
            format!("{:+.4}", s - r),
        ]);
    }
    table
}

/// The runs that failed, with their reasons.
pub fn failed_table(failed: &[&CellResult]) -> Table {
    let mut table = Table::new(&["pair", "arch", "strategy", "share or k", "seed", "reason"]);
    for c in failed {
        let point = match c.point {
            Point::Share(r) => format!("{:.2}", r.as_f64()),
            Point::Added(k) => format!("k = {:.2}", k.as_f64()),
        };
        table.rows.push(vec![
            c.pair.clone(),
            c.model.to_string(),
            c.strategy.to_string(),
            point,
            c.seed.to_string(),
            c.failure.clone().unwrap_or_default(),
        ]);
    }
    table
}
