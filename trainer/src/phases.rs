//! The phases a run trains through, in order: which rows of the `train` split each one visits, for
//! how many epochs and at which learning rate.
//!
//! - SM (Simple Mixed): one phase over the whole split, reshuffled every epoch.
//! - FT (Fine-Tuned): the synthetic rows first, then the real rows, on the same weights. The phase
//!   plan of the manifest is used as written when it has single-source phases; a dataset without
//!   one (e.g. an SM mix) is split by source, keeping the row order within each source. At shares
//!   0 and 1 there is only one phase.

use std::fmt;

use datasets::{Phase, Source};
use serde::{Deserialize, Serialize};

use crate::config::TrainConfig;
use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// Simple Mixed: one shuffled set.
    #[cfg_attr(feature = "clap", value(alias = "simple-mixed"))]
    Sm,
    /// Fine-Tuned: a synthetic phase, then a real phase.
    #[cfg_attr(feature = "clap", value(alias = "fine-tuned"))]
    Ft,
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Strategy::Sm => "sm",
            Strategy::Ft => "ft",
        })
    }
}

/// One phase of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct PhasePlan {
    pub name: String,
    /// The single source of the phase's rows, if it has only one.
    pub source: Option<Source>,
    /// Rows of the `train` split, in the order the phase holds them (shuffled per epoch).
    pub rows: Vec<usize>,
    pub samples: usize,
    pub epochs: usize,
    pub lr: f64,
}

/// A phase as a run's result records it (without its rows).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseSummary {
    pub name: String,
    pub source: Option<Source>,
    pub samples: usize,
    pub epochs: usize,
    pub lr: f64,
}

impl PhasePlan {
    pub fn summary(&self) -> PhaseSummary {
        PhaseSummary {
            name: self.name.clone(),
            source: self.source,
            samples: self.samples,
            epochs: self.epochs,
            lr: self.lr,
        }
    }
}

/// The phases of a run over a split with these `sources` (one per row) and manifest `phases`.
pub fn plan(
    strategy: Strategy,
    phases: &[Phase],
    sources: &[Source],
    config: &TrainConfig,
) -> Result<Vec<PhasePlan>> {
    let n = sources.len();
    if n == 0 {
        return Err(Error::invalid(
            "the training split has no rows: this share has no data to train on",
        ));
    }
    let groups: Vec<(String, Option<Source>, Vec<usize>)> = match strategy {
        Strategy::Sm => {
            let name = match phases {
                [only] => only.name.clone(),
                _ => "mixed".to_string(),
            };
            vec![(name, single_source(sources, 0..n), (0..n).collect())]
        }
        Strategy::Ft if !phases.is_empty() && phases.iter().all(|p| p.source.is_some()) => {
            let mut groups = Vec::new();
            for phase in phases {
                let (start, end) = (phase.start as usize, phase.end as usize);
                if start > end || end > n {
                    return Err(Error::invalid(format!(
                        "manifest phase '{}' covers rows {start}..{end} but the train split has {n} rows",
                        phase.name
                    )));
                }
                if let Some(row) = (start..end).find(|&r| Some(sources[r]) != phase.source) {
                    return Err(Error::invalid(format!(
                        "manifest phase '{}' is declared {} but row {row} is {}",
                        phase.name,
                        phase.source.map_or("mixed", Source::as_str),
                        sources[row]
                    )));
                }
                if end > start {
                    groups.push((phase.name.clone(), phase.source, (start..end).collect()));
                }
            }
            groups
        }
        Strategy::Ft => [Source::Synthetic, Source::Real]
            .into_iter()
            .filter_map(|source| {
                let rows: Vec<usize> = (0..n).filter(|&r| sources[r] == source).collect();
                (!rows.is_empty()).then(|| (source.to_string(), Some(source), rows))
            })
            .collect(),
    };
    if groups.is_empty() {
        return Err(Error::invalid(
            "the manifest's phases hold no rows: this share has no data to train on",
        ));
    }
    Ok(groups
        .into_iter()
        .enumerate()
        .map(|(i, (name, source, rows))| {
            // Only a phase after the first is fine-tuning; alone, a phase is plain training.
            let (epochs, lr) = if i == 0 {
                (config.epochs, config.lr)
            } else {
                (
                    config.finetune_epochs.unwrap_or(config.epochs),
                    config.finetune_lr.unwrap_or(config.lr),
                )
            };
            PhasePlan {
                name,
                source,
                samples: rows.len(),
                rows,
                epochs,
                lr,
            }
        })
        .collect())
}

fn single_source(sources: &[Source], rows: std::ops::Range<usize>) -> Option<Source> {
    let first = *sources.get(rows.start)?;
    sources[rows].iter().all(|&s| s == first).then_some(first)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use Source::{Real as R, Synthetic as S};

    /// A manifest phase of one source over rows `start..end`.
    pub(crate) fn phase(name: &str, source: Source, start: u64, end: u64) -> Phase {
        Phase {
            name: name.into(),
            source: Some(source),
            start,
            end,
            synthetic_share: 0.0,
            shards: vec![],
        }
    }

    #[test]
    fn sm_is_one_phase_over_every_row() {
        let plan = plan(Strategy::Sm, &[], &[R, S, R], &TrainConfig::new()).unwrap();
        assert_eq!(plan.len(), 1);
        assert_eq!(plan[0].rows, vec![0, 1, 2]);
        assert_eq!(plan[0].source, None);
    }

    #[test]
    fn ft_follows_the_manifest_phases_and_applies_finetune_settings() {
        let phases = [phase("synthetic", S, 0, 2), phase("real", R, 2, 5)];
        let config = TrainConfig::new()
            .with_epochs(3)
            .with_finetune_lr(Some(1e-4));
        let plan = plan(Strategy::Ft, &phases, &[S, S, R, R, R], &config).unwrap();
        assert_eq!(
            plan.iter().map(|p| p.rows.clone()).collect::<Vec<_>>(),
            vec![vec![0, 1], vec![2, 3, 4]]
        );
        assert_eq!((plan[0].epochs, plan[0].lr), (3, config.lr));
        assert_eq!((plan[1].epochs, plan[1].lr), (3, 1e-4));
    }

    #[test]
    fn ft_without_a_phase_plan_groups_rows_by_source() {
        let plan = plan(Strategy::Ft, &[], &[R, S, R, S], &TrainConfig::new()).unwrap();
        assert_eq!(plan[0].source, Some(S));
        assert_eq!(plan[0].rows, vec![1, 3]);
        assert_eq!(plan[1].rows, vec![0, 2]);
        // Share 0: a single real phase.
        assert_eq!(plan_len(&[R, R]), 1);
    }

    fn plan_len(sources: &[Source]) -> usize {
        plan(Strategy::Ft, &[], sources, &TrainConfig::new())
            .unwrap()
            .len()
    }

    #[test]
    fn bad_plans_are_rejected() {
        let err = plan(Strategy::Sm, &[], &[], &TrainConfig::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains("no data"), "{err}");
        let err = plan(
            Strategy::Ft,
            &[phase("real", R, 0, 2)],
            &[R, S],
            &TrainConfig::new(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("row 1 is synthetic"), "{err}");
    }
}
