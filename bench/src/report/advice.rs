//! The page of `synmix advise` (`advice.md`, `advice.html`): the recommendation in one
//! sentence, its numbers with their intervals, the pilots it rests on, the synthetic share of
//! each class, and what it cost — from its record alone.

use std::path::Path;

use anyhow::Result;
use datasets::point::Regime;

use super::doc::{Doc, write_file};
use super::tables::Table;
use crate::layout;
use crate::records::{AdviceRecord, Estimate};

/// The recommendation in one sentence.
pub fn headline(advice: &AdviceRecord) -> String {
    let question = match advice.question.regime {
        Regime::FixedSize => format!("{} training rows", advice.question.rows),
        Regime::AddedSynthetic => format!("{} real rows", advice.question.rows),
    };
    let accuracy = format!(
        "accuracy {:.3} [{:.3}, {:.3}]",
        advice.accuracy.value, advice.accuracy.low, advice.accuracy.high
    );
    match (&advice.multiple, advice.strategy.as_str()) {
        (_, "real-only") => format!("{}, {question}: real only ({accuracy}).", advice.model),
        (Some(k), strategy) => format!(
            "{}, {question}: add {} synthetic rows per real row (k {}), {}, {accuracy}, {} over real only.",
            advice.model,
            trim(k.value),
            range(k),
            strategy.to_uppercase(),
            gain(&advice.gain)
        ),
        (None, strategy) => format!(
            "{}, {question}: {} with synthetic share {} ({}), {accuracy}, {} over real only.",
            advice.model,
            strategy.to_uppercase(),
            trim(advice.share.value),
            range(&advice.share),
            gain(&advice.gain)
        ),
    }
}

fn trim(x: f64) -> String {
    format!("{x}")
}

fn range(e: &Estimate) -> String {
    format!("within one point from {} to {}", trim(e.low), trim(e.high))
}

fn gain(e: &Estimate) -> String {
    format!(
        "{:+.1} points [{:+.1}, {:+.1}]",
        e.value * 100.0,
        e.low * 100.0,
        e.high * 100.0
    )
}

/// Writes the page into the advice's directory `out`.
pub fn write_advice_page(out: &Path, advice: &AdviceRecord) -> Result<()> {
    let mut doc = Doc::titled("synmix advice");
    doc.heading(1, "synmix advice");
    doc.paragraph(&headline(advice));
    doc.paragraph(&format!("Why: {}.", advice.reason));
    let mut pilots = Table::new(&[
        "strategy",
        "point",
        "seed",
        "accuracy",
        "rows trained",
        "seconds",
    ]);
    for pilot in &advice.pilots {
        pilots.rows.push(vec![
            pilot.strategy.to_string(),
            pilot.point.to_string(),
            pilot.seed.to_string(),
            format!("{:.4}", pilot.accuracy),
            pilot.samples.to_string(),
            format!("{:.1}", pilot.seconds),
        ]);
    }
    doc.heading(2, "The pilots");
    doc.table(&pilots);
    doc.paragraph(&format!(
        "Synthetic data is advised only where a mixed pilot gains more than {:.0} point over real \
         only. The range of the advised point is where the pilots' curve stays within that margin \
         of it; the intervals are 95 %, from the seeds' spread (or, with fewer than three seeds, \
         the spread the calibration grids showed). Cost: {} runs, {} rows trained, {:.0} s.",
        advice.margin * 100.0,
        advice.cost.runs,
        advice.cost.samples,
        advice.cost.seconds
    ));
    if advice.per_class.values().any(|&s| s > 0.0) {
        let mut classes = Table::new(&["class", "synthetic share"]);
        for (class, share) in &advice.per_class {
            classes
                .rows
                .push(vec![class.clone(), format!("{share:.3}")]);
        }
        doc.heading(2, "Synthetic share per class");
        doc.paragraph(
            "Classes whose synthetic images a model trained on the real data recognises less \
             often take fewer of them, the share kept (class-shares.toml: `synmix mix \
             --class-shares`).",
        );
        doc.table(&classes);
    }
    write_file(&layout::advice_page(out, "md"), &doc.md)?;
    write_file(
        &layout::advice_page(out, "html"),
        &(doc.html + "</body></html>\n"),
    )
}
