//! What `synmix advise` answered (`OUT/advice.json`, also what `--json` prints): the strategy,
//! the share (and, for the added regime, the multiple) with their ranges, the accuracy expected
//! and its gain over real only with their intervals, a synthetic share per class, the evidence
//! — the pilots and the rule — and what it cost.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use datasets::point::{Point, Regime, Strategy};
use serde::{Deserialize, Serialize};
use trainer::ModelKind;

use crate::layout;

/// A value with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

impl Estimate {
    /// A value known exactly.
    pub fn exact(value: f64) -> Estimate {
        Estimate {
            value,
            low: value,
            high: value,
        }
    }

    /// `value` ± `half_width`.
    pub fn around(value: f64, half_width: f64) -> Estimate {
        Estimate {
            value,
            low: value - half_width,
            high: value + half_width,
        }
    }

    /// Each of the three through `f`.
    pub fn map(self, f: impl Fn(f64) -> f64) -> Estimate {
        Estimate {
            value: f(self.value),
            low: f(self.low),
            high: f(self.high),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdviceRecord {
    /// `sm`, `ft` or `real-only`.
    pub strategy: String,
    /// The synthetic share of the training set: r, or k/(1 + k) in the added regime.
    pub share: Estimate,
    /// k, the synthetic rows added per real row (the added regime only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiple: Option<Estimate>,
    /// Real-test accuracy expected at the advised point, and its gain over real only.
    pub accuracy: Estimate,
    pub gain: Estimate,
    /// The synthetic share of each class at the advised share (the subset's share kept), by
    /// class name: `synmix mix --class-shares` takes it.
    pub per_class: BTreeMap<String, f64>,
    pub cost: Cost,
    pub question: Question,
    pub model: ModelKind,
    pub pilots: Vec<PilotRecord>,
    /// Why, in words, and the rule's margin.
    pub reason: String,
    pub margin: f64,
    pub tool_version: String,
}

/// What the advice asked: the share of N rows, or the multiple of R real rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    pub regime: Regime,
    /// N (fixed size) or R (added synthetic).
    pub rows: u64,
}

/// One pilot run, as the advice read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PilotRecord {
    pub strategy: Strategy,
    pub point: Point,
    pub seed: u64,
    pub accuracy: f64,
    /// Rows trained (rows × epochs of every phase), and seconds.
    pub samples: u64,
    pub seconds: f64,
}

/// What the advice trained to answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    pub runs: usize,
    /// Training seconds of every pilot.
    pub seconds: f64,
    /// Rows trained over every pilot (rows × epochs).
    pub samples: u64,
}

impl AdviceRecord {
    pub fn read(out: &Path) -> Result<AdviceRecord> {
        let path = layout::advice_file(out);
        let text = std::fs::read(&path)
            .with_context(|| format!("{}: cannot read the advice", path.display()))?;
        serde_json::from_slice(&text).with_context(|| format!("{}: not an advice", path.display()))
    }

    pub fn write(&self, out: &Path) -> Result<()> {
        Ok(datasets::atomic::write_json(
            &layout::advice_file(out),
            self,
        )?)
    }

    /// The per-class shares as `synmix mix --class-shares` reads them.
    pub fn class_shares_toml(&self) -> String {
        let mut text = String::from("# Synthetic share of each class (synmix advise)\n");
        for (class, share) in &self.per_class {
            let name = toml::Value::String(class.clone());
            text.push_str(&format!("{name} = {share:.4}\n"));
        }
        text
    }
}
