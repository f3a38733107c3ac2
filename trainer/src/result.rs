//! The record of one run: its configuration ([`RunConfig`]) and the `result.json` it ends with
//! ([`RunResult`]): status, versions, what it trained on, the phases, metrics and timings.
//! Readers of results (the bench report, users' scripts) depend on this schema alone.

use std::path::{Path, PathBuf};

use datasets::Location;
use datasets::atomic::write_json;
use datasets::point::{Hundredths, Point, Regime};
use serde::{Deserialize, Serialize};

use crate::backend::BackendKind;
use crate::checkpoint::EpochRecord;
use crate::config::TrainConfig;
use crate::data::InputShape;
use crate::eval::Metrics;
use crate::models::ModelKind;
use crate::phases::{PhaseSummary, Strategy};
use crate::{Error, Result};

pub const RESULT_FILE: &str = "result.json";

/// Where a run sits in an experiment: what the report groups it by (with model, strategy and
/// seed). Recorded as `pair`, `share` (the synthetic share of its rows: k / (1 + k) in the
/// added-synthetic regime), `regime` and, in that regime, `multiple` (k), for readers that take
/// `result.json` as plain JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "CellRecord", try_from = "CellRecord")]
pub struct CellLabel {
    /// The dataset pair (real + synthetic source) the mix was drawn from.
    pub pair: String,
    pub point: Point,
}

/// [`CellLabel`] as `result.json` holds it.
#[derive(Serialize, Deserialize)]
struct CellRecord {
    pair: String,
    share: f64,
    /// [default: fixed-size, what results written before the added-synthetic regime existed
    /// belong to]
    #[serde(default)]
    regime: Regime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    multiple: Option<f64>,
}

impl From<CellLabel> for CellRecord {
    fn from(cell: CellLabel) -> CellRecord {
        let point = cell.point;
        CellRecord {
            pair: cell.pair,
            share: point.synthetic_share(),
            regime: point.regime(),
            multiple: match point {
                Point::Share(_) => None,
                Point::Added(k) => Some(k.as_f64()),
            },
        }
    }
}

impl TryFrom<CellRecord> for CellLabel {
    type Error = String;

    fn try_from(record: CellRecord) -> std::result::Result<CellLabel, String> {
        let value = match record.regime {
            Regime::FixedSize => record.share,
            Regime::AddedSynthetic => record
                .multiple
                .ok_or("a cell of the added-synthetic regime without its multiple")?,
        };
        Ok(CellLabel {
            pair: record.pair,
            point: record.regime.at(Hundredths::rounded(value)),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    /// The training dataset (its `train` split, and its phase plan for FT).
    pub data: Location,
    /// The dataset whose `test` split (real) scores the run.
    pub test: Location,
    /// A dataset whose `test` split (synthetic) is scored as well.
    pub synthetic_test: Option<Location>,
    /// The run directory.
    pub out: PathBuf,
    pub model: ModelKind,
    pub strategy: Strategy,
    pub backend: BackendKind,
    pub train: TrainConfig,
    pub cell: Option<CellLabel>,
    /// Bytes of decoded images a split may take in memory before it is streamed from its
    /// shards [default: `datasets::memory::default_budget`]. Not recorded: results do not
    /// depend on it.
    #[serde(skip)]
    pub memory_budget: Option<u64>,
}

impl RunConfig {
    pub fn result_path(&self) -> PathBuf {
        self.out.join(RESULT_FILE)
    }

    /// Whether `other` is the same experiment (paths may differ: a sweep directory can move).
    pub(crate) fn same_experiment(&self, other: &RunConfig) -> bool {
        (self.model, self.strategy, &self.train, &self.cell)
            == (other.model, other.strategy, &other.train, &other.cell)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Versions {
    pub synmix_trainer: String,
    pub burn: String,
}

impl Versions {
    pub(crate) fn current() -> Self {
        Versions {
            synmix_trainer: env!("CARGO_PKG_VERSION").into(),
            burn: crate::BURN_VERSION.into(),
        }
    }
}

/// What the run trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataSummary {
    pub train_dataset: String,
    pub test_dataset: String,
    pub classes: Vec<String>,
    pub input: InputShape,
    pub train_rows: usize,
    pub synthetic_rows: usize,
    pub real_rows: usize,
    /// Measured synthetic share of the training rows.
    pub synthetic_share: f64,
    pub test_rows: usize,
    pub synthetic_test_rows: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    pub train_seconds: f64,
    pub eval_seconds: f64,
    pub samples: usize,
    pub samples_per_second: f64,
    /// Worker threads of the CPU backend (rayon's pool).
    pub threads: usize,
}

/// The `result.json` of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    pub status: Status,
    pub reason: Option<String>,
    /// Whether running again could end otherwise: false for a success and for a divergence
    /// (the same seed diverges again), true for other failures a sweep records.
    pub retry: bool,
    pub config: RunConfig,
    pub model_config: serde_json::Value,
    pub versions: Versions,
    pub data: Option<DataSummary>,
    pub phases: Vec<PhaseSummary>,
    /// Metrics on the real test set.
    pub metrics: Option<Metrics>,
    pub synthetic_test: Option<Metrics>,
    pub epochs: Vec<EpochRecord>,
    pub timings: Option<Timings>,
}

impl RunResult {
    /// The record of a run that could not train, for a sweep that goes on past it.
    pub fn failure(config: &RunConfig, reason: impl Into<String>) -> RunResult {
        RunResult {
            status: Status::Failed,
            reason: Some(reason.into()),
            retry: true,
            config: config.clone(),
            model_config: serde_json::Value::Null,
            versions: Versions::current(),
            data: None,
            phases: Vec::new(),
            metrics: None,
            synthetic_test: None,
            epochs: Vec::new(),
            timings: None,
        }
    }

    pub fn read(path: &Path) -> Result<RunResult> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        serde_json::from_str(&text).map_err(|e| Error::file(path, format!("not a run result: {e}")))
    }

    /// Writes the result to `config.out/result.json` (temporary file, then rename).
    pub fn write(&self) -> Result<()> {
        Ok(write_json(&self.config.result_path(), self)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_keep_their_json_and_read_old_ones_as_fixed_size() {
        let old: CellLabel = serde_json::from_str(r#"{"pair":"near","share":0.3}"#).unwrap();
        assert_eq!(old.point, "r030".parse().unwrap());
        let added = CellLabel {
            pair: "near".into(),
            point: "k200".parse().unwrap(),
        };
        let text = serde_json::to_string(&added).unwrap();
        assert_eq!(
            text,
            r#"{"pair":"near","share":0.6666666666666666,"regime":"added-synthetic","multiple":2.0}"#
        );
        assert_eq!(serde_json::from_str::<CellLabel>(&text).unwrap(), added);
        let fixed = CellLabel {
            pair: "far".into(),
            point: "r030".parse().unwrap(),
        };
        let text = serde_json::to_string(&fixed).unwrap();
        assert_eq!(text, r#"{"pair":"far","share":0.3,"regime":"fixed-size"}"#);
    }
}
