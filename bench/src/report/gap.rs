//! The gap panel: each pair's domain gap as `synmix gap` measures it (the same code, run by the
//! bench's gap task), beside the accuracy the pair's runs reached.

use gap::{GapReport, Measures};

use super::tables::Table;

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
