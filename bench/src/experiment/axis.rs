//! The regimes an experiment runs, as the plan, the data checks and the mix work see them:
//! each an [`Axis`] of points around a number of rows.

use datasets::point::{Hundredths, Point, Regime};

/// One regime of an experiment: the rows every subset is built around (N of the share sweep,
/// R real rows of the added-synthetic regime) and its points, in the experiment's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub regime: Regime,
    pub rows: u64,
    pub values: Vec<Hundredths>,
    /// Whether its subsets include class-wise ones, which may take up to every row of a class
    /// synthetic.
    pub classwise: bool,
}

impl Axis {
    pub fn points(&self) -> impl Iterator<Item = Point> + '_ {
        self.values.iter().map(|&v| self.regime.at(v))
    }

    /// The synthetic train rows of each class (in the order of `class_weights`, the real train
    /// split's class counts) that the regime's subsets take: the most any point takes.
    pub fn synthetic_needs(&self, class_weights: &[u64]) -> Vec<u64> {
        match self.regime {
            Regime::FixedSize if self.classwise => {
                mixer::quotas::largest_remainder(self.rows, class_weights)
            }
            Regime::FixedSize => mixer::synthetic_needs(self.rows, &self.values, class_weights),
            Regime::AddedSynthetic => {
                mixer::added::synthetic_needs(self.rows, &self.values, class_weights)
            }
        }
    }

    /// The real train rows of each class (in the order of `class_weights`) that the regime's
    /// subsets take: the most any point takes.
    pub fn real_needs(&self, class_weights: &[u64]) -> Vec<u64> {
        match self.regime {
            Regime::FixedSize => {
                let mut needs = vec![0; class_weights.len()];
                for table in mixer::quota_tables(self.rows, &self.values, class_weights) {
                    for (need, &rows) in needs.iter_mut().zip(&table.real) {
                        *need = (*need).max(rows);
                    }
                }
                needs
            }
            Regime::AddedSynthetic => mixer::added::real_needs(self.rows, class_weights),
        }
    }

    /// The experiment's setting of the rows every subset is built around.
    pub fn rows_setting(&self) -> &'static str {
        match self.regime {
            Regime::FixedSize => "data.size",
            Regime::AddedSynthetic => "added.real",
        }
    }

    /// The setting a user changes when the data cannot hold this regime, in words.
    pub fn remedy(&self) -> String {
        match self.regime {
            Regime::FixedSize => "a smaller data.size".into(),
            Regime::AddedSynthetic => {
                let largest = self
                    .values
                    .iter()
                    .max()
                    .copied()
                    .unwrap_or(Hundredths::ZERO);
                format!(
                    "smaller added.multiples (k = {} of added.real {})",
                    largest.as_f64(),
                    self.rows
                )
            }
        }
    }
}
