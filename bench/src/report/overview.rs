//! The report's overview: one row per (pair, architecture) with what the sweep found, and a
//! one-line verdict per pair.

use std::collections::BTreeMap;

use datasets::point::{Hundredths, Point};

use super::tables::{Table, stat_cell};
use crate::analysis::advice::from_sweep;
use crate::analysis::groups::Group;
use crate::analysis::groups::{Comparison, upper};

/// The share-sweep points where FT is the SM run: real rows only, synthetic rows only.
const REAL_ONLY: Point = Point::Share(Hundredths::ZERO);
const SYNTHETIC_ONLY: Point = Point::Share(Hundredths::ONE);

/// Every comparison of strategies some group makes, in the groups' order.
fn comparisons<'a>(groups: impl IntoIterator<Item = &'a Group>) -> Vec<Comparison> {
    let mut all: Vec<Comparison> = Vec::new();
    for c in groups.into_iter().flat_map(Group::comparisons) {
        if !all.contains(&c) {
            all.push(c);
        }
    }
    all
}

/// Real only, synthetic only, the best cell and every comparison of strategies over the mixed
/// shares, per group.
pub fn overview_table(groups: &[Group]) -> Table {
    let comparisons = comparisons(groups);
    let mut header: Vec<String> = [
        "pair",
        "arch",
        "real only (share 0)",
        "synthetic only (share 1)",
        "best share",
    ]
    .map(String::from)
    .to_vec();
    header.extend(
        comparisons
            .iter()
            .map(|c| format!("mean {} [95 % CI]", c.label())),
    );
    let mut table = Table::new(&header);
    for group in groups {
        let best = group.best().map_or("–".into(), |(k, strategy, stat)| {
            let strategy = strategy.map_or(String::new(), |s| format!(" {}", upper(s)));
            format!("{:.2}{strategy} ({:.4})", k.value().as_f64(), stat.mean)
        });
        let mut row = vec![
            group.pair.clone(),
            group.model.to_string(),
            stat_cell(group.endpoint(REAL_ONLY).as_ref()),
            stat_cell(group.endpoint(SYNTHETIC_ONLY).as_ref()),
            best,
        ];
        row.extend(comparisons.iter().map(|&c| {
            group
                .mean_difference(c)
                .map_or("–".into(), |d| d.describe())
        }));
        table.rows.push(row);
    }
    table
}

/// One line per pair: how far synthetic data alone gets, whether mixing it in helps, and which
/// strategy wins where the difference is significant.
pub fn verdicts(groups: &[Group]) -> Vec<String> {
    let mut by_pair: BTreeMap<&str, Vec<&Group>> = BTreeMap::new();
    for group in groups {
        by_pair.entry(&group.pair).or_default().push(group);
    }
    by_pair
        .into_iter()
        .map(|(pair, groups)| format!("{pair}: {}", verdict(&groups)))
        .collect()
}

/// Synthetic-only over real-only accuracy from which a gap counts as near: synthetic data alone
/// then gets well over half of the way.
const NEAR_GAP: f64 = 0.6;

fn verdict(groups: &[&Group]) -> String {
    let mut parts = Vec::new();
    let ratios: Vec<f64> = groups
        .iter()
        .filter_map(|g| Some(g.endpoint(SYNTHETIC_ONLY)?.mean / g.endpoint(REAL_ONLY)?.mean))
        .collect();
    if !ratios.is_empty() {
        let ratio = ratios.iter().sum::<f64>() / ratios.len() as f64;
        parts.push(format!(
            "synthetic data alone reaches {:.0} % of real-only accuracy ({})",
            100.0 * ratio,
            if ratio >= NEAR_GAP {
                "a near gap"
            } else {
                "a far gap"
            }
        ));
    }
    let helped: Vec<String> = groups
        .iter()
        .filter_map(|g| {
            let (k, strategy, best) = g.best()?;
            let real = g.endpoint(REAL_ONLY)?;
            (k != REAL_ONLY && best.mean > real.mean).then(|| {
                let strategy = strategy.map_or(String::new(), |s| format!(" {}", upper(s)));
                format!("{} at {:.2}{strategy}", g.model, k.value().as_f64())
            })
        })
        .collect();
    parts.push(if helped.is_empty() {
        "no mix beats real only".to_string()
    } else {
        format!("a mix beats real only for {}", helped.join(", "))
    });
    for c in comparisons(groups.iter().copied()) {
        if let Some(said) = winner(groups, c) {
            parts.push(said);
        }
    }
    parts.join("; ") + "."
}

/// Which strategy of `c` wins for which architectures, where the difference over the mixed
/// shares is significant.
fn winner(groups: &[&Group], c: Comparison) -> Option<String> {
    let (of, against) = (upper(c.of), upper(c.against));
    let differences: Vec<(&Group, _)> = groups
        .iter()
        .filter_map(|g| Some((*g, g.mean_difference(c)?)))
        .collect();
    if differences.iter().any(|(_, d)| d.interval.is_some()) {
        let wins = |sign: f64| -> Vec<String> {
            differences
                .iter()
                .filter(|(_, d)| d.significant() && d.stat.mean * sign > 0.0)
                .map(|(g, _)| g.model.to_string())
                .collect()
        };
        let (ahead, behind) = (wins(1.0), wins(-1.0));
        Some(match (ahead.is_empty(), behind.is_empty()) {
            (true, true) => format!("{of} and {against} do not differ significantly"),
            _ => {
                let mut said = Vec::new();
                if !ahead.is_empty() {
                    said.push(format!(
                        "{of} beats {against} significantly for {}",
                        ahead.join(", ")
                    ));
                }
                if !behind.is_empty() {
                    said.push(format!(
                        "{against} beats {of} significantly for {}",
                        behind.join(", ")
                    ));
                }
                said.join("; ")
            }
        })
    } else if !differences.is_empty() {
        Some(format!("one seed: {} has no interval", c.label()))
    } else {
        None
    }
}

/// Per group, the advice `synmix advise` would have given from the sweep's own cheapest runs
/// (its three pilots, as the lowest seed trained them) beside what the whole sweep measured;
/// nothing for a group whose sweep lacks a pilot's cell.
pub fn advice_lines(groups: &[Group]) -> Vec<String> {
    groups
        .iter()
        .filter_map(|group| {
            let (seed, advice) = from_sweep(group)?;
            let (point, strategy, best) = group.best()?;
            let advised = match advice.strategy {
                None => "real only".to_string(),
                Some(strategy) => format!(
                    "{} at {} {} ({:+.1} points)",
                    upper(strategy),
                    group.axis(),
                    advice.point.value,
                    advice.gain.value * 100.0
                ),
            };
            let measured = match strategy {
                Some(strategy) => format!("{} at {} {}", upper(strategy), group.axis(), point.value().as_f64()),
                None if point.value() == Hundredths::ZERO => "real only".to_string(),
                None => format!("{} {}", group.axis(), point.value().as_f64()),
            };
            Some(format!(
                "{} {}: advise, from seed {seed}'s three pilot runs, would say {advised}; the sweep's best is {measured} ({:.4}).",
                group.pair, group.model, best.mean
            ))
        })
        .collect()
}
