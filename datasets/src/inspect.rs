//! `synmix inspect`: what a dataset holds, as text.

use std::fmt::Write;

use crate::reader::Dataset;

/// A human-readable summary: schema, classes, counts per class and per source, image size.
pub fn summary(dataset: &Dataset) -> String {
    let m = &dataset.manifest;
    let mut out = String::new();
    let _ = writeln!(out, "dataset   {} ({})", m.name, dataset.dir);
    let _ = writeln!(out, "source    {}", m.source);
    let _ = writeln!(
        out,
        "images    {} (width x height x channels), PNG",
        m.image
    );
    let _ = writeln!(
        out,
        "schema    image struct<bytes: binary, path: string>, label int64, source string, uid string, meta string"
    );
    let _ = writeln!(
        out,
        "recipe    {} (seed {}), synmix {}, created {}",
        m.recipe.command,
        m.recipe.seed.map_or("none".to_string(), |s| s.to_string()),
        m.tool_version,
        m.created
    );
    for (name, split) in &m.splits {
        let sources: Vec<String> = split
            .source_counts
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        let _ = writeln!(
            out,
            "\nsplit {name}: {} rows in {} shard(s); {}",
            split.rows,
            split.shards.len(),
            sources.join(", ")
        );
        let width = m.classes.iter().map(|c| c.len()).max().unwrap_or(0);
        for (label, (class, count)) in m.classes.iter().zip(&split.class_counts).enumerate() {
            let _ = writeln!(out, "  {label:>3} {class:<width$} {count:>8}");
        }
    }
    if !m.phases.is_empty() {
        let _ = writeln!(out, "\nphases (train split)");
        for phase in &m.phases {
            let _ = writeln!(
                out,
                "  {:<12} rows {}..{} synthetic share {:.3}",
                phase.name, phase.start, phase.end, phase.synthetic_share
            );
        }
    }
    out
}
