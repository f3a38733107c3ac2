//! The runs of a bench directory as the report sees them: one [`CellResult`] per `result.json`.

use anyhow::Result;
use datasets::point::{Hundredths, Point, Regime};
use trainer::{ModelKind, RESULT_FILE, RunResult, Status, Strategy};

use crate::dir::BenchDir;
use crate::layout;

/// One run as the report sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct CellResult {
    pub pair: String,
    pub model: ModelKind,
    pub strategy: Strategy,
    pub point: Point,
    pub seed: u64,
    /// Real-test accuracy; `None` for a failed run.
    pub accuracy: Option<f64>,
    /// Real-test macro-F1; `None` for a failed run.
    pub macro_f1: Option<f64>,
    pub synthetic_accuracy: Option<f64>,
    /// Epochs of each phase (FT trains this many over its synthetic rows, then its real rows).
    pub epochs: usize,
    /// Real rows of the training set (R in the added-synthetic regime); none if it failed
    /// before reading them.
    pub real_rows: Option<u64>,
    pub train_seconds: Option<f64>,
    pub samples_per_second: Option<f64>,
    pub failure: Option<String>,
}

impl CellResult {
    /// The report's view of a run; `pair` names the pair when the run carries no cell label.
    pub fn from_run(run: &RunResult, pair: &str) -> CellResult {
        let (pair, point) = match &run.config.cell {
            Some(cell) => (cell.pair.clone(), cell.point),
            None => (
                pair.to_string(),
                Point::Share(Hundredths::rounded(
                    run.data.as_ref().map_or(0.0, |d| d.synthetic_share),
                )),
            ),
        };
        let ok = run.status == Status::Ok;
        let timings = run.timings.as_ref().filter(|_| ok);
        CellResult {
            pair,
            model: run.config.model,
            strategy: run.config.strategy,
            point,
            seed: run.config.train.seed,
            accuracy: run.metrics.as_ref().filter(|_| ok).map(|m| m.accuracy),
            macro_f1: run.metrics.as_ref().filter(|_| ok).map(|m| m.macro_f1),
            synthetic_accuracy: run
                .synthetic_test
                .as_ref()
                .filter(|_| ok)
                .map(|m| m.accuracy),
            epochs: run.config.train.epochs,
            real_rows: run.data.as_ref().map(|d| d.real_rows as u64),
            train_seconds: timings.map(|t| t.train_seconds),
            samples_per_second: timings.map(|t| t.samples_per_second),
            failure: (!ok).then(|| run.reason.clone().unwrap_or_else(|| "failed".into())),
        }
    }
}

impl CellResult {
    pub fn regime(&self) -> Regime {
        self.point.regime()
    }

    /// Where the run sits on its regime's axis: the share, or the multiple k.
    pub fn position(&self) -> f64 {
        self.point.value().as_f64()
    }
}

#[cfg(test)]
impl CellResult {
    /// A successful MLP run of pair `near` with 100 real rows, for the report's tests.
    pub(crate) fn ok_run(strategy: Strategy, point: Point, seed: u64, accuracy: f64) -> CellResult {
        CellResult {
            pair: "near".into(),
            model: ModelKind::Mlp,
            strategy,
            point,
            seed,
            accuracy: Some(accuracy),
            macro_f1: Some(accuracy),
            synthetic_accuracy: None,
            epochs: 1,
            real_rows: Some(100),
            train_seconds: Some(1.0),
            samples_per_second: Some(1.0),
            failure: None,
        }
    }
}

/// Every `result.json` of the cells of the bench directory `bench`, in path order.
pub fn scan(bench: &BenchDir) -> Result<Vec<CellResult>> {
    let mut results = Vec::new();
    for (pair, cell) in layout::cell_dirs(bench)? {
        let path = cell.join(RESULT_FILE);
        if path.is_file() {
            results.push(CellResult::from_run(&RunResult::read(&path)?, &pair));
        }
    }
    Ok(results)
}
