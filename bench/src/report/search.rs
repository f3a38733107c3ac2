//! The adaptive search's section: per pair, architecture and strategy, the shares it trained,
//! its runs against the full grid's, the r* they give and why it stopped.

use std::path::Path;

use anyhow::Result;
use datasets::point::Point;

use super::groups::upper;
use super::optimum::search_estimate;
use super::scan::CellResult;
use super::tables::Table;
use crate::config::Experiment;
use crate::search::{Choice, SearchKey, choice_file, start};

/// The table, when the experiment searches.
pub fn search_table(
    bench: &Path,
    experiment: &Experiment,
    results: &[CellResult],
) -> Result<Option<Table>> {
    let Some(search) = experiment.search else {
        return Ok(None);
    };
    let grid = experiment.axes()?[0].values.len();
    let seeds = experiment.seeds.len();
    let mut table = Table::new(&[
        "pair",
        "arch",
        "strategy",
        "shares trained",
        "runs (of the grid's)",
        "r* [95 % CI]",
        "search",
    ]);
    for pair in &experiment.pairs {
        for &model in &experiment.architectures {
            for &strategy in &experiment.strategies {
                let key = SearchKey {
                    pair: pair.name.clone(),
                    model,
                    strategy,
                };
                let mut trained: Vec<Point> = start().into_iter().map(Point::Share).collect();
                let mut last: Option<Choice> = None;
                for probe in 1..=search.probes(grid) {
                    let Ok(choice) = Choice::read(&choice_file(bench, &key, probe)) else {
                        break;
                    };
                    trained.extend(choice.share);
                    let stopped = choice.share.is_none();
                    last = Some(choice);
                    if stopped {
                        break;
                    }
                }
                trained.sort();
                let (_, estimate) = search_estimate(results, &key);
                let r_star = match estimate {
                    Some((r, Some((lo, hi)))) => format!("{r:.2} [{lo:.2}, {hi:.2}]"),
                    Some((r, None)) => format!("{r:.2}"),
                    None => "–".into(),
                };
                let outcome = match &last {
                    Some(choice) if choice.share.is_none() => format!("stopped: {}", choice.reason),
                    _ if trained.len() >= search.shares(grid) => "budget spent".to_string(),
                    _ => "in progress".to_string(),
                };
                let shares: Vec<String> = trained
                    .iter()
                    .map(|p| format!("{:.1}", p.value().as_f64()))
                    .collect();
                table.rows.push(vec![
                    pair.name.clone(),
                    model.to_string(),
                    upper(strategy),
                    shares.join(", "),
                    format!("{} of {}", trained.len() * seeds, grid * seeds),
                    r_star,
                    outcome,
                ]);
            }
        }
    }
    Ok(Some(table))
}
