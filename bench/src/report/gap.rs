//! The gap panel: each pair's domain gap as `synmix gap` measures it (the same code, run by the
//! bench's gap task), beside the accuracy the pair's runs reached.

use std::path::Path;

use anyhow::{Context, Result};
use gap::{GapReport, Measures};
use serde::{Deserialize, Serialize};

use super::tables::Table;
use crate::layout;

/// What a gap task wrote: the measurement, or why there is none (too few images of a class,
/// images no feature network takes). A pair without a gap is still benched.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PairGap {
    Measured(Box<GapReport>),
    NotMeasured { not_measured: String },
}

/// The gaps of a bench's pairs, by pair name.
#[derive(Default)]
pub struct Gaps {
    pub measured: Vec<(String, GapReport)>,
    /// The pairs not measured, with the reason.
    pub not_measured: Vec<(String, String)>,
}

/// The gap of every pair of `bench`.
pub fn read_gaps(bench: &Path) -> Result<Gaps> {
    let dir = layout::gap_dir(bench);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Gaps::default());
    };
    let mut gaps = Gaps::default();
    for entry in entries {
        let path = entry
            .with_context(|| format!("{}: cannot read", dir.display()))?
            .path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let pair = path
            .file_stem()
            .expect("a file name")
            .to_string_lossy()
            .into_owned();
        let text =
            std::fs::read(&path).with_context(|| format!("{}: cannot read", path.display()))?;
        match serde_json::from_slice(&text)
            .with_context(|| format!("{}: not a gap measurement", path.display()))?
        {
            PairGap::Measured(gap) => gaps.measured.push((pair, *gap)),
            PairGap::NotMeasured { not_measured } => gaps.not_measured.push((pair, not_measured)),
        }
    }
    gaps.measured.sort_by(|a, b| a.0.cmp(&b.0));
    gaps.not_measured.sort();
    Ok(gaps)
}

/// One row per pair (the whole sets), then its worst classes by FD.
pub fn gap_table(gaps: &[(String, GapReport)]) -> Table {
    let mut table = Table::new(&[
        "pair",
        "class",
        "FD",
        "KID",
        "precision",
        "recall",
        "density",
        "coverage",
        "PAD [95 % CI]",
        "TSTR",
        "TRTS",
    ]);
    let row = |pair: &str, class: &str, m: &Measures| {
        let accuracy = |a: Option<f64>| a.map_or("–".into(), |a| format!("{a:.3}"));
        vec![
            pair.to_string(),
            class.to_string(),
            format!("{:.1}", m.fd),
            format!("{:.3} ± {:.3}", m.kid, m.kid_std),
            format!("{:.2}", m.precision),
            format!("{:.2}", m.recall),
            format!("{:.2}", m.density),
            format!("{:.2}", m.coverage),
            format!("{:.2} [{:.2}, {:.2}]", m.pad, m.pad_low, m.pad_high),
            accuracy(m.tstr),
            accuracy(m.trts),
        ]
    };
    for (pair, gap) in gaps {
        table.rows.push(row(pair, "all", &gap.overall));
        for class in gap.worst_classes(WORST) {
            table.rows.push(row(pair, class, &gap.per_class[class]));
        }
    }
    table
}

/// The classes shown per pair, furthest first.
const WORST: usize = 3;
