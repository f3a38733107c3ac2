//! The report's explanatory text: what a section shows, how many seeds back it, and the
//! summary lines of a group.

use datasets::point::Regime;

use crate::analysis::fit::Fit;
use crate::analysis::groups::{Group, upper};
use crate::analysis::optimum::{Optimum, optimum};
use crate::analysis::transfer::{TransferGap, transfer_gap};
use crate::records::CellResult;

/// What the added-synthetic sections show, with R as the runs measured it.
pub fn added_note(results: &[CellResult]) -> String {
    let mut real_rows: Vec<u64> = results
        .iter()
        .filter(|c| c.regime() == Regime::AddedSynthetic)
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
pub fn seeds_note(results: &[CellResult]) -> String {
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

/// Best measured share (or k) and the fitted curves of each strategy; FT − SM over the
/// multiples of the added-synthetic regime.
pub fn summary_lines(group: &Group) -> Vec<String> {
    let mut lines = Vec::new();
    for series in &group.series {
        let name = upper(series.strategy);
        if let Some((k, s)) = series.best() {
            lines.push(format!(
                "{name}: best measured {} {:.2} (accuracy {:.4})",
                group.axis(),
                k.value().as_f64(),
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
        if let Some(best) = optimum(series) {
            lines.push(optimum_line(&name, &best));
        }
    }
    if group.regime == Regime::AddedSynthetic
        && let Some(real_rows) = group.real_rows
    {
        for series in &group.series {
            let name = upper(series.strategy);
            if let Some(gap) = transfer_gap(series, real_rows) {
                lines.push(transfer_line(&name, &gap));
            }
        }
    }
    if group.regime == Regime::AddedSynthetic {
        for c in group.comparisons() {
            if let Some(d) = group.mean_difference(c) {
                lines.push(format!(
                    "{} over k > 0 (per seed the mean over the multiples): {}",
                    c.label(),
                    d.describe()
                ));
            }
        }
    }
    lines
}

/// r* with its interval, the accuracy there and the gain over real only.
fn optimum_line(name: &str, best: &Optimum) -> String {
    let curve = match best.fit {
        Fit::Exponential { .. } => "exponential law",
        Fit::Quadratic { .. } => "quadratic",
    };
    match best.intervals {
        Some(i) => format!(
            "{name}: best share r* = {:.2} [{:.2}, {:.2}] ({curve}), accuracy {:.4} there, {:+.4} \
             [{:+.4}, {:+.4}] over real only (95 % intervals, bootstrap over seeds)",
            best.share, i.share.0, i.share.1, best.accuracy, best.gain, i.gain.0, i.gain.1
        ),
        None => format!(
            "{name}: best share r* = {:.2} ({curve}), accuracy {:.4} there, {:+.4} over real only \
             (one seed: no interval)",
            best.share, best.accuracy, best.gain
        ),
    }
}

/// The power law of the error over the synthetic rows added, its C, and the best multiple.
fn transfer_line(name: &str, gap: &TransferGap) -> String {
    let interval = |i: Option<(f64, f64)>| {
        i.map_or(String::new(), |(low, high)| {
            format!(" [{low:.4}, {high:.4}]")
        })
    };
    let best = match gap.best_k_interval {
        Some((low, high)) => format!("best k = {:.2} [{low:.2}, {high:.2}]", gap.best_k),
        None => format!("best k = {:.2}", gap.best_k),
    };
    let law = match gap.law {
        Some(law) => format!(
            "error = {:.4}·n^−{:.2} + {:.4} over the synthetic rows n (R² {:.3}{}), transfer gap C = {:.4}{}; ",
            law.d,
            law.alpha,
            law.c,
            law.r2,
            if law.r2 < 0.5 {
                ": the law describes these runs poorly"
            } else {
                ""
            },
            law.c,
            interval(gap.c_interval)
        ),
        None => "fewer than 3 multiples above 0, no power law fitted; ".into(),
    };
    let note = if gap.best_k_interval.is_some() {
        " (95 % intervals, bootstrap over seeds)"
    } else {
        ""
    };
    format!("{name}: {law}{best}{note}")
}
