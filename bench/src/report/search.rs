//! The adaptive search's section: per pair, architecture and strategy, the shares it trained,
//! its runs against the full grid's, the r* they give and why it stopped — read from its
//! decision records and the run results.

use std::path::Path;

use super::SearchSetting;
use super::tables::Table;
use crate::analysis::groups::upper;
use crate::analysis::optimum::search_estimate;
use crate::records::{CellResult, Choice, counted, decisions};

/// The table of every search of `setting`.
pub fn search_table(bench: &Path, setting: &SearchSetting, results: &[CellResult]) -> Table {
    let mut table = Table::new(&[
        "pair",
        "arch",
        "strategy",
        "shares trained",
        "runs (of the grid's)",
        "r* [95 % CI]",
        "search",
    ]);
    for key in &setting.keys {
        let read: Vec<Choice> = decisions(bench, key, setting.probes)
            .map_while(Result::ok)
            .collect();
        let last = read.last();
        let trained = counted(&read);
        let (_, estimate) = search_estimate(results, key, &trained);
        let r_star = match estimate {
            Some((r, Some((lo, hi)))) => format!("{r:.2} [{lo:.2}, {hi:.2}]"),
            Some((r, None)) => format!("{r:.2}"),
            None => "–".into(),
        };
        let outcome = match last {
            Some(choice) if choice.share.is_none() => format!("stopped: {}", choice.reason),
            _ if trained.len() >= setting.shares => "budget spent".to_string(),
            _ => "in progress".to_string(),
        };
        let shares: Vec<String> = trained
            .iter()
            .map(|p| format!("{:.1}", p.value().as_f64()))
            .collect();
        table.rows.push(vec![
            key.pair.clone(),
            key.model.to_string(),
            upper(key.strategy),
            shares.join(", "),
            format!(
                "{} of {}",
                trained.len() * setting.seeds,
                setting.grid * setting.seeds
            ),
            r_star,
            outcome,
        ]);
    }
    table
}
