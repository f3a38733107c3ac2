//! What a gap measurement found, as `--json` prints it and the table and the HTML page show it.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::{Deserialize, Serialize};
use trainer::eval::Metrics;

use crate::measures::Measures;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GapReport {
    pub real: String,
    pub synthetic: String,
    pub classes: Vec<String>,
    /// What embedded the images, and the feature space's dimension.
    pub encoder: String,
    pub features: usize,
    /// The feature network's cache entry, and whether it was loaded rather than trained.
    pub feature_network: String,
    pub feature_network_cached: bool,
    pub seed: u64,
    pub overall: Measures,
    /// Keyed by class name.
    pub per_class: BTreeMap<String, Measures>,
    /// TSTR's per-class accuracy and confusion matrix (`confusion[real label][prediction]`).
    pub tstr_metrics: Metrics,
    pub trts_metrics: Metrics,
    pub seconds: f64,
    pub tool_version: String,
}

impl GapReport {
    /// Classes in the manifest's order, with their measures.
    pub fn classes_in_order(&self) -> impl Iterator<Item = (&str, &Measures)> {
        self.classes
            .iter()
            .map(|c| (c.as_str(), &self.per_class[c]))
    }

    /// The classes furthest from the real ones first: by FD (which every feature space has).
    pub fn worst_classes(&self, count: usize) -> Vec<&str> {
        let mut classes: Vec<(&str, &Measures)> = self.classes_in_order().collect();
        classes.sort_by(|a, b| b.1.fd.total_cmp(&a.1.fd));
        classes.into_iter().take(count).map(|(c, _)| c).collect()
    }

    /// The plain-text table `synmix gap` prints: one row per class, then all.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "real:      {}\nsynthetic: {}\nfeatures:  {} ({} dimensions)\n",
            self.real, self.synthetic, self.encoder, self.features
        );
        let width = self
            .classes
            .iter()
            .map(|c| c.len())
            .max()
            .unwrap_or(0)
            .max(7);
        let _ = writeln!(
            out,
            "{:<width$}  {:>9} {:>9} {:>8} {:>6} {:>6} {:>7} {:>6} {:>17} {:>6} {:>6}",
            "class",
            "FD",
            "KID",
            "±std",
            "prec",
            "recall",
            "density",
            "cover",
            "PAD [95 %]",
            "TSTR",
            "TRTS"
        );
        let row = |out: &mut String, name: &str, m: &Measures| {
            let pct = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{:.1}", 100.0 * v));
            let _ = writeln!(
                out,
                "{:<width$}  {:>9.3} {:>9.4} {:>8.4} {:>6.3} {:>6.3} {:>7.3} {:>6.3} {:>5.2} [{:>5.2},{:>5.2}] {:>6} {:>6}",
                name,
                m.fd,
                m.kid,
                m.kid_std,
                m.precision,
                m.recall,
                m.density,
                m.coverage,
                m.pad,
                m.pad_low,
                m.pad_high,
                pct(m.tstr),
                pct(m.trts)
            );
        };
        for (name, m) in self.classes_in_order() {
            row(&mut out, name, m);
        }
        row(&mut out, "all", &self.overall);
        let _ = writeln!(
            out,
            "\nFD, KID: 0 for identical distributions (KID is unbiased: ±std straddles 0 then). precision, recall, coverage: \
1 at best; density near 1. PAD: proxy A-distance of a real-vs-synthetic classifier, 0 = indistinguishable, 2 = always told apart. \
TSTR: % accuracy on real test images of a model trained on the synthetic set; TRTS: the real-trained model's % accuracy on synthetic images."
        );
        out
    }
}
