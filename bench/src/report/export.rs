//! Every run of a bench as one row of `results.csv` and `results.parquet`, to be loaded into
//! pandas, DuckDB or a spreadsheet. One column list makes both files.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray, UInt64Array};
use arrow_schema::{DataType, Field, Schema};
use datasets::atomic::write_atomic;
use datasets::point::Point;
use parquet::arrow::ArrowWriter;

use gap::{GapReport, Measures};

use crate::layout;
use crate::records::CellResult;

/// The values of one column, `None` where a failed run has none.
enum Values {
    Text(Vec<Option<String>>),
    Float(Vec<Option<f64>>),
    Count(Vec<Option<u64>>),
}

/// The columns of the results table, in file order.
fn columns(results: &[CellResult]) -> Vec<(&'static str, Values)> {
    let text = |f: fn(&CellResult) -> Option<String>| Values::Text(results.iter().map(f).collect());
    let float = |f: fn(&CellResult) -> Option<f64>| Values::Float(results.iter().map(f).collect());
    let count = |f: fn(&CellResult) -> Option<u64>| Values::Count(results.iter().map(f).collect());
    vec![
        ("pair", text(|c| Some(c.pair.clone()))),
        ("architecture", text(|c| Some(c.model.to_string()))),
        ("strategy", text(|c| Some(c.strategy.to_string()))),
        ("regime", text(|c| Some(c.regime().name().into()))),
        ("share", float(|c| Some(c.point.synthetic_share()))),
        (
            "multiple",
            float(|c| match c.point {
                Point::Share(_) => None,
                Point::Added(k) => Some(k.as_f64()),
            }),
        ),
        ("seed", count(|c| Some(c.seed))),
        (
            "status",
            text(|c| Some(if c.failure.is_some() { "failed" } else { "ok" }.into())),
        ),
        ("accuracy", float(|c| c.accuracy)),
        ("macro_f1", float(|c| c.macro_f1)),
        ("synthetic_accuracy", float(|c| c.synthetic_accuracy)),
        ("epochs", count(|c| Some(c.epochs as u64))),
        ("real_rows", count(|c| c.real_rows)),
        ("train_seconds", float(|c| c.train_seconds)),
        ("samples_per_second", float(|c| c.samples_per_second)),
    ]
}

/// Writes `bench/results.csv` and `bench/results.parquet` (each atomically): one row per run.
pub fn write_results(bench: &Path, results: &[CellResult]) -> Result<()> {
    write_table(bench, "results", columns(results), results.len())
}

/// The columns of the gap table: a row per pair and class (`all` for the whole set).
fn gap_columns(gaps: &[(String, GapReport)]) -> (Vec<(&'static str, Values)>, usize) {
    let rows: Vec<(&str, &str, &Measures)> = gaps
        .iter()
        .flat_map(|(pair, gap)| {
            std::iter::once((pair.as_str(), "all", &gap.overall)).chain(
                gap.classes_in_order()
                    .map(move |(class, m)| (pair.as_str(), class, m)),
            )
        })
        .collect();
    let text = |f: &dyn Fn(&(&str, &str, &Measures)) -> String| {
        Values::Text(rows.iter().map(|r| Some(f(r))).collect())
    };
    let float = |f: fn(&Measures) -> Option<f64>| {
        Values::Float(rows.iter().map(|(_, _, m)| f(m)).collect())
    };
    let count = |f: fn(&Measures) -> usize| {
        Values::Count(rows.iter().map(|(_, _, m)| Some(f(m) as u64)).collect())
    };
    let columns = vec![
        ("pair", text(&|(pair, _, _)| pair.to_string())),
        ("class", text(&|(_, class, _)| class.to_string())),
        ("fd", float(|m| Some(m.fd))),
        ("kid", float(|m| Some(m.kid))),
        ("kid_std", float(|m| Some(m.kid_std))),
        ("precision", float(|m| Some(m.precision))),
        ("recall", float(|m| Some(m.recall))),
        ("density", float(|m| Some(m.density))),
        ("coverage", float(|m| Some(m.coverage))),
        ("pad", float(|m| Some(m.pad))),
        ("pad_low", float(|m| Some(m.pad_low))),
        ("pad_high", float(|m| Some(m.pad_high))),
        ("tstr", float(|m| m.tstr)),
        ("trts", float(|m| m.trts)),
        ("real_rows", count(|m| m.real_rows)),
        ("synthetic_rows", count(|m| m.synthetic_rows)),
    ];
    (columns, rows.len())
}

/// Writes `bench/gap.csv` and `bench/gap.parquet`, the companions of the results table: the
/// domain gap of every pair, overall and per class.
pub fn write_gaps(bench: &Path, gaps: &[(String, GapReport)]) -> Result<()> {
    let (columns, rows) = gap_columns(gaps);
    write_table(bench, "gap", columns, rows)
}

/// Writes `bench/<name>.csv` and `bench/<name>.parquet` (each atomically).
fn write_table(bench: &Path, name: &str, columns: Vec<(&str, Values)>, rows: usize) -> Result<()> {
    let csv = layout::export_file(bench, name, "csv");
    write_atomic(&csv, csv_text(&columns, rows).as_bytes())
        .with_context(|| format!("{}: cannot write", csv.display()))?;
    let parquet = layout::export_file(bench, name, "parquet");
    let bytes = parquet_bytes(columns).with_context(|| format!("{}", parquet.display()))?;
    write_atomic(&parquet, &bytes).with_context(|| format!("{}: cannot write", parquet.display()))
}

/// RFC 4180 CSV: a header, then a row per run; an empty field where a value is missing.
fn csv_text(columns: &[(&str, Values)], rows: usize) -> String {
    let quote = |text: &str| {
        if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_string()
        }
    };
    let mut out = columns
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(",")
        + "\n";
    for row in 0..rows {
        let fields: Vec<String> = columns
            .iter()
            .map(|(_, values)| match values {
                Values::Text(v) => v[row].as_deref().map(quote).unwrap_or_default(),
                Values::Float(v) => v[row].map(|x| x.to_string()).unwrap_or_default(),
                Values::Count(v) => v[row].map(|x| x.to_string()).unwrap_or_default(),
            })
            .collect();
        out += &fields.join(",");
        out.push('\n');
    }
    out
}

fn parquet_bytes(columns: Vec<(&str, Values)>) -> Result<Vec<u8>> {
    let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = columns
        .into_iter()
        .map(|(name, values)| {
            let (kind, array): (DataType, ArrayRef) = match values {
                Values::Text(v) => (DataType::Utf8, Arc::new(StringArray::from(v))),
                Values::Float(v) => (DataType::Float64, Arc::new(Float64Array::from(v))),
                Values::Count(v) => (DataType::UInt64, Arc::new(UInt64Array::from(v))),
            };
            (Field::new(name, kind, true), array)
        })
        .unzip();
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?;
    let mut bytes = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut bytes, batch.schema(), None)?;
    writer.write(&batch)?;
    writer.close()?;
    Ok(bytes)
}
