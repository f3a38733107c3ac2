//! `--out DIR`: the measurement as a page a person tuning a preset reads — the table, per-class
//! bars of every measure, TSTR's confusion matrix, and for the classes furthest from the real
//! ones a strip of synthetic samples above their nearest real neighbours in feature space.
//! Beside it `gap.json` (what `--json` prints). Every file is written atomically.

use std::fmt::Write as _;
use std::path::Path;

use datasets::atomic::write_atomic;
use datasets::grid::{contact_sheet, save};

use crate::features::Features;
use crate::measures::Measures;
use crate::run::Measured;
use crate::{Error, Result};

/// Classes shown with sample strips, and samples per strip.
const WORST: usize = 3;
const STRIP: usize = 10;

/// The measures drawn as bars: name and how to read it off a class's measures.
type Field = (&'static str, fn(&Measures) -> f64);
const BARS: [Field; 9] = [
    ("FD", |m| m.fd),
    ("KID", |m| m.kid),
    ("precision", |m| m.precision),
    ("recall", |m| m.recall),
    ("density", |m| m.density),
    ("coverage", |m| m.coverage),
    ("proxy A-distance", |m| m.pad),
    ("TSTR accuracy", |m| m.tstr.unwrap_or(0.0)),
    ("TRTS accuracy", |m| m.trts.unwrap_or(0.0)),
];

pub fn write(dir: &Path, measured: &Measured) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let report = &measured.report;
    let json = serde_json::to_vec_pretty(report).expect("reports serialise");
    write_atomic(&dir.join("gap.json"), &json)?;
    let bars = bars_svg(measured);
    let confusion = confusion_svg(&report.classes, &report.tstr_metrics.confusion);

    let mut strips = String::new();
    for class in report.worst_classes(WORST) {
        let file = format!("nearest-{}.png", slug(class));
        strip(measured, class, &dir.join(&file))?;
        let _ = writeln!(
            strips,
            "<h3>{}</h3><p>top: synthetic samples; bottom: the nearest real test image of each in feature space</p><img src=\"{file}\" alt=\"{}\">",
            escape(class),
            escape(class)
        );
    }
    let page = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>synmix gap</title>\
<style>body{{font-family:sans-serif;max-width:1200px;margin:1em auto}}pre{{font-size:12px}}</style></head><body>\
<h1>How far is the synthetic set from the real one?</h1><pre>{}</pre>\
<h2>Per class</h2>{bars}<h2>TSTR confusion matrix</h2><p>rows: real label, columns: prediction of the model trained on the synthetic set</p>{confusion}\
<h2>The classes furthest from the real ones (by FD)</h2>{strips}</body></html>\n",
        escape(&report.table()),
    );
    write_atomic(&dir.join("index.html"), page.as_bytes())?;
    Ok(())
}

/// One small bar chart per measure, a bar per class, three to a row. Written as plain SVG, whose
/// text the browser lays out (plotters would need a font file to measure it).
fn bars_svg(measured: &Measured) -> String {
    let classes: Vec<(&str, &Measures)> = measured.report.classes_in_order().collect();
    let (panel_w, panel_h, top, bottom, left) = (380, 220, 24, 56, 50);
    let columns = 3;
    let rows = BARS.len().div_ceil(columns);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" font-size=\"10\">\n",
        columns * panel_w,
        rows * panel_h
    );
    let plot_h = (panel_h - top - bottom) as f64;
    let slot = (panel_w - left - 10) as f64 / classes.len().max(1) as f64;
    for (n, (name, get)) in BARS.iter().enumerate() {
        let (x0, y0) = ((n % columns) * panel_w, (n / columns) * panel_h);
        let values: Vec<f64> = classes.iter().map(|(_, m)| get(m)).collect();
        let low = values.iter().copied().fold(0.0, f64::min);
        let high = values.iter().copied().fold(0.0, f64::max);
        let span = (high - low).max(1e-12);
        let y = |v: f64| y0 as f64 + top as f64 + plot_h * (high - v) / span;
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"13\">{name}</text>",
            x0 + left,
            y0 + 16
        );
        let _ = writeln!(
            svg,
            "<line x1=\"{}\" x2=\"{}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#888\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            x0 + left,
            x0 + panel_w - 10,
            y(0.0),
            y(0.0),
            x0 + left - 4,
            y(high) + 4.0,
            short(high),
            x0 + left - 4,
            y(low) + 4.0,
            short(low)
        );
        for (i, (&v, (class, _))) in values.iter().zip(&classes).enumerate() {
            let x = x0 as f64 + left as f64 + slot * i as f64;
            let (a, b) = (y(v.max(0.0)), y(v.min(0.0)));
            let _ = writeln!(
                svg,
                "<rect x=\"{:.1}\" y=\"{a:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"rgb(31,119,180)\"><title>{}: {v:.4}</title></rect>",
                x + 2.0,
                slot - 4.0,
                (b - a).max(0.5),
                escape(class)
            );
            let (lx, ly) = (x + slot / 2.0, (y0 + panel_h - bottom) as f64 + 10.0);
            let _ = writeln!(
                svg,
                "<text x=\"{lx:.1}\" y=\"{ly:.1}\" text-anchor=\"end\" transform=\"rotate(-45 {lx:.1} {ly:.1})\">{}</text>",
                escape(class)
            );
        }
    }
    svg.push_str("</svg>\n");
    svg
}

/// A value as an axis shows it: four significant digits at most.
fn short(v: f64) -> String {
    format!("{v:.4}")
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_string()
}

/// The confusion matrix as an SVG grid, darker for more of the row's images.
fn confusion_svg(classes: &[String], confusion: &[Vec<u64>]) -> String {
    let (cell, label) = (40, 110);
    let side = label + cell * classes.len() as i32;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{side}\" height=\"{side}\" font-family=\"sans-serif\" font-size=\"10\">\n"
    );
    for (r, row) in confusion.iter().enumerate() {
        let total = row.iter().sum::<u64>().max(1) as f64;
        let y = label + cell * r as i32;
        let _ = writeln!(
            svg,
            "<text x=\"2\" y=\"{}\">{}</text>",
            y + cell / 2,
            escape(&classes[r])
        );
        for (c, &n) in row.iter().enumerate() {
            let x = label + cell * c as i32;
            let shade = 255 - (200.0 * n as f64 / total) as i32;
            let _ = writeln!(
                svg,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{cell}\" height=\"{cell}\" fill=\"rgb({shade},{shade},255)\" stroke=\"#ccc\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{n}</text>",
                x + cell / 2,
                y + cell / 2 + 3
            );
        }
    }
    for (c, name) in classes.iter().enumerate() {
        let x = label + cell * c as i32 + cell / 2;
        let _ = writeln!(
            svg,
            "<text x=\"{x}\" y=\"{}\" transform=\"rotate(-60 {x} {})\">{}</text>",
            label - 4,
            label - 4,
            escape(name)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// The strip of `class`: its first synthetic samples, and under each the real test image
/// nearest to it in feature space.
fn strip(measured: &Measured, class: &str, path: &Path) -> Result<()> {
    let sets = &measured.sets;
    let label = sets
        .classes
        .iter()
        .position(|c| c == class)
        .expect("a known class") as u32;
    let synthetic: Vec<usize> = (0..sets.synthetic_train.len())
        .filter(|&r| sets.synthetic_train.labels[r] == label)
        .take(STRIP)
        .collect();
    let nearest: Vec<usize> = synthetic
        .iter()
        .map(|&r| nearest_row(&measured.real_features, &measured.synthetic_features, r))
        .collect();
    let rows = vec![
        synthetic
            .iter()
            .map(|&r| sets.synthetic_train.image_pixels(r))
            .collect(),
        nearest
            .iter()
            .map(|&r| sets.real_test.image_pixels(r))
            .collect(),
    ];
    save(&contact_sheet(sets.real_test.image, &rows, 3), path)?;
    Ok(())
}

fn nearest_row(real: &Features, synthetic: &Features, row: usize) -> usize {
    let query = synthetic.row(row);
    (0..real.nrows())
        .min_by(|&a, &b| {
            (real.row(a) - query)
                .norm_squared()
                .total_cmp(&(real.row(b) - query).norm_squared())
        })
        .unwrap_or(0)
}

fn slug(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
