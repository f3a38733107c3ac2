//! Advise from a question's pilot runs (`synmix advise`): read them, apply the rule of
//! [`crate::analysis::advice`], give each class its synthetic share, and write the advice
//! (`OUT/advice.json`, its page and `class-shares.toml`). The last task of an advice's plan.

use std::collections::BTreeMap;
use std::fmt;

use anyhow::{Context as _, Result};
use datasets::point::{Hundredths, Point, Regime};
use datasets::{Dataset, Location};
use serde::{Deserialize, Serialize};
use trainer::{ModelKind, RESULT_FILE, RunResult, Status};

use super::{Cell, Context, Kind, inputs};
use crate::analysis::advice::{MARGIN, Pilot, advise, pilots};
use crate::dir::BenchDir;
use crate::experiment::Experiment;
use crate::layout;
use crate::records::{AdviceRecord, Cost, Estimate, PilotRecord, Question};
use crate::report;
use crate::stage::Stage;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Advise {
    pub pair: String,
    pub model: ModelKind,
    pub regime: Regime,
}

impl Advise {
    /// The pilot cells it reads: every seed of the experiment at every pilot of its question.
    pub fn cells(&self, experiment: &Experiment) -> Vec<Cell> {
        let mut cells = Vec::new();
        for &seed in &experiment.seeds {
            for (strategy, point) in pilots(self.regime) {
                cells.push(Cell {
                    pair: self.pair.clone(),
                    model: self.model,
                    strategy,
                    point,
                    seed,
                });
            }
        }
        cells
    }
}

impl fmt::Display for Advise {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "advise {} {} {}", self.pair, self.model, self.regime)
    }
}

impl Kind for Advise {
    fn stage(&self) -> Stage {
        Stage::Report
    }

    fn run(&self, context: &Context) -> Result<String> {
        let (experiment, out) = (context.experiment, &context.options.out);
        let mut runs = Vec::new();
        for cell in self.cells(experiment) {
            let path = cell.dir(out).join(RESULT_FILE);
            let run = RunResult::read(&path)?;
            if run.status != Status::Ok {
                anyhow::bail!("{}: the pilot did not finish", path.display());
            }
            runs.push((cell, run));
        }
        let pilot_records: Vec<PilotRecord> = runs
            .iter()
            .map(|(cell, run)| PilotRecord {
                strategy: cell.strategy,
                point: cell.point,
                seed: cell.seed,
                accuracy: run.metrics.as_ref().map_or(0.0, |m| m.accuracy),
                samples: run.timings.as_ref().map_or(0, |t| t.samples as u64),
                seconds: run.timings.as_ref().map_or(0.0, |t| t.train_seconds),
            })
            .collect();
        let pilots: Vec<Pilot> = pilot_records.iter().map(Pilot::from).collect();
        let advice = advise(&pilots).context("the pilots give no advice: real only has no run")?;
        let pair = inputs::pair(experiment, &self.pair)?;
        let data = inputs::pair_data(pair, experiment, context.options)?;
        let real = Dataset::open(&data.real)?;
        let rows = match self.regime {
            Regime::FixedSize => experiment.data.size,
            Regime::AddedSynthetic => experiment.added.as_ref().map_or(0, |a| a.real),
        };
        let point = self.regime.at(Hundredths::rounded(advice.point.value));
        let share = match advice.strategy {
            Some(_) => point.synthetic_share(),
            None => 0.0,
        };
        let per_class = class_shares(&real, &runs, point, rows, share)?;
        let to_share = |k: f64| match self.regime {
            Regime::FixedSize => k,
            Regime::AddedSynthetic => k / (1.0 + k),
        };
        let record = AdviceRecord {
            strategy: advice
                .strategy
                .map_or("real-only".to_string(), |s| s.to_string()),
            share: match advice.strategy {
                Some(_) => advice.point.map(to_share),
                None => Estimate {
                    value: 0.0,
                    ..advice.point.map(to_share)
                },
            },
            multiple: (self.regime == Regime::AddedSynthetic).then_some(advice.point),
            accuracy: advice.accuracy.map(round4),
            gain: advice.gain.map(round4),
            per_class,
            cost: Cost {
                runs: pilot_records.len(),
                seconds: pilot_records.iter().map(|p| p.seconds).sum(),
                samples: pilot_records.iter().map(|p| p.samples).sum(),
            },
            question: Question {
                regime: self.regime,
                rows,
            },
            model: self.model,
            pilots: pilot_records,
            reason: advice.reason,
            margin: MARGIN,
            tool_version: datasets::TOOL_VERSION.to_string(),
        };
        record.write(out)?;
        datasets::atomic::write_atomic(
            &layout::advice_class_shares(out),
            record.class_shares_toml().as_bytes(),
        )?;
        report::write_advice_page(out, &record)?;
        Ok(report::headline(&record))
    }

    fn outputs(&self, out: &BenchDir) -> Vec<Location> {
        vec![
            layout::advice_file(out),
            layout::advice_page(out, "md"),
            layout::advice_page(out, "html"),
            layout::advice_class_shares(out),
        ]
        .into_iter()
        .map(Location::from)
        .collect()
    }

    fn damaged(&self, out: &BenchDir) -> Option<String> {
        AdviceRecord::read(out).err().map(|e| format!("{e:#}"))
    }

    fn summarises(&self) -> bool {
        true
    }
}

/// Accuracies to four decimals, as the pilots are scored (on a few thousand images).
fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// The synthetic share of each class at the subset's `share` of the advised `point`: classes in
/// proportion to how often the real-only pilots recognised their synthetic test images (TRTS;
/// mean over seeds; every class alike without a synthetic test split).
fn class_shares(
    real: &Dataset,
    runs: &[(Cell, RunResult)],
    point: Point,
    rows: u64,
    share: f64,
) -> Result<BTreeMap<String, f64>> {
    let classes = &real.manifest.classes;
    let mut transfer = vec![0.0; classes.len()];
    let mut counted = 0.0;
    let real_only = runs
        .iter()
        .filter(|(c, _)| c.point.value() == Hundredths::ZERO);
    for (_, run) in real_only {
        let Some(synthetic) = &run.synthetic_test else {
            continue;
        };
        for (t, class) in transfer.iter_mut().zip(&synthetic.per_class_accuracy) {
            *t += class.unwrap_or(0.0);
        }
        counted += 1.0;
    }
    if counted == 0.0 {
        transfer = vec![1.0; classes.len()];
    }
    let weights = &real.split("train")?.class_counts;
    let subset_rows = match point {
        Point::Share(_) => rows,
        Point::Added(k) => (rows as f64 * (1.0 + k.as_f64())).round() as u64,
    };
    let class_rows = mixer::quotas::largest_remainder(subset_rows, weights);
    let shares = mixer::quotas::class_shares(share, &transfer, &class_rows);
    Ok(classes
        .iter()
        .cloned()
        .zip(shares.into_iter().map(round4))
        .collect())
}
