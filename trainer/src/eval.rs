//! Scoring a trained model on a labelled split.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::data::ImageStore;
use crate::models::Classifier;

/// Rows per evaluation batch: no gradients are kept, so larger batches than training are fine.
const EVAL_BATCH: usize = 256;

/// Classification metrics of one split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub samples: usize,
    pub accuracy: f64,
    /// Unweighted mean of the per-class F1 scores over the classes that occur in the labels or
    /// the predictions.
    pub macro_f1: f64,
    /// Recall of each class; `null` for a class with no test rows.
    pub per_class_accuracy: Vec<Option<f64>>,
    /// `confusion[label][prediction]` counts.
    pub confusion: Vec<Vec<u64>>,
}

impl Metrics {
    pub fn from_predictions(labels: &[u32], predictions: &[u32], classes: usize) -> Metrics {
        let mut confusion = vec![vec![0u64; classes]; classes];
        for (&label, &prediction) in labels.iter().zip(predictions) {
            confusion[label as usize][prediction as usize] += 1;
        }
        let correct: u64 = (0..classes).map(|c| confusion[c][c]).sum();
        let support = |c: usize| confusion[c].iter().sum::<u64>();
        let predicted = |c: usize| confusion.iter().map(|row| row[c]).sum::<u64>();
        let per_class_accuracy = (0..classes)
            .map(|c| (support(c) > 0).then(|| confusion[c][c] as f64 / support(c) as f64))
            .collect();
        let f1s: Vec<f64> = (0..classes)
            .filter(|&c| support(c) + predicted(c) > 0)
            .map(|c| 2.0 * confusion[c][c] as f64 / (support(c) + predicted(c)) as f64)
            .collect();
        Metrics {
            samples: labels.len(),
            accuracy: if labels.is_empty() {
                0.0
            } else {
                correct as f64 / labels.len() as f64
            },
            macro_f1: if f1s.is_empty() {
                0.0
            } else {
                f1s.iter().sum::<f64>() / f1s.len() as f64
            },
            per_class_accuracy,
            confusion,
        }
    }
}

/// The predicted class of every row of `store`, with `model` on a plain (non-autodiff) `device`.
pub fn predict<M: Classifier>(model: &M, store: &ImageStore, device: &Device) -> Result<Vec<u32>> {
    let rows: Vec<usize> = (0..store.len()).collect();
    let mut predictions = Vec::with_capacity(store.len());
    for chunk in rows.chunks(EVAL_BATCH) {
        let logits = model.forward(store.images(chunk, device)?);
        predictions.extend(logits.argmax(1).into_data().iter::<i64>().map(|p| p as u32));
    }
    Ok(predictions)
}

pub fn evaluate<M: Classifier>(model: &M, store: &ImageStore, device: &Device) -> Result<Metrics> {
    Ok(Metrics::from_predictions(
        &store.labels,
        &predict(model, store, device)?,
        store.shape.classes,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_of_known_predictions() {
        // Class 0: 2 rows, both right; class 1: 2 rows, one taken for 0; class 2: no rows.
        let m = Metrics::from_predictions(&[0, 0, 1, 1], &[0, 0, 0, 1], 3);
        assert_eq!(m.accuracy, 0.75);
        assert_eq!(m.per_class_accuracy, vec![Some(1.0), Some(0.5), None]);
        assert_eq!(
            m.confusion,
            vec![vec![2, 0, 0], vec![1, 1, 0], vec![0, 0, 0]]
        );
        // F1: class 0 = 2·2/(2+3) = 0.8, class 1 = 2·1/(2+1) = 2/3.
        assert!((m.macro_f1 - (0.8 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
    }
}
