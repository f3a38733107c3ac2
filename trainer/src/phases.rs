//! The phases a run trains through, in order: which rows of the `train` split each one visits, for
//! how many epochs and at which learning rate.
//!
//! - SM (Simple Mixed): one phase over the whole split, reshuffled every epoch.
//! - FT (Fine-Tuned): the synthetic rows first, then the real rows, on the same weights. The phase
//!   plan of the manifest is used as written when it has single-source phases; a dataset without
//!   one (e.g. an SM mix) is split by source, keeping the row order within each source. At shares
//!   0 and 1 there is only one phase.
//! - Ramp: one phase over the whole split whose batches follow the visits the mixer laid out
//!   for the run's epochs and batch size (`synmix mix --ramp`): how many rows of each batch are
//!   synthetic. Each source's rows are taken in seeded passes over that source, one after the
//!   other, so every row is visited once per epoch on average and `epochs` times in all.

pub use datasets::point::Strategy;
use datasets::rng::SplitMix64;
use datasets::{Phase, Source, Visits};
use serde::{Deserialize, Serialize};

use crate::config::TrainConfig;
use crate::{Error, Result};

/// One phase of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct PhasePlan {
    pub name: String,
    /// The single source of the phase's rows, if it has only one.
    pub source: Option<Source>,
    /// Rows of the `train` split, in the order the phase holds them (shuffled per epoch).
    pub rows: Vec<usize>,
    /// The rows each epoch visits, in order, where the data fixes them (the ramp); otherwise
    /// every epoch visits `rows` in its own shuffle.
    pub visits: Option<Vec<Vec<usize>>>,
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
    if strategy == Strategy::Ramp {
        return Ok(vec![ramp_phase(phases, sources, config)?]);
    }
    let groups: Vec<(String, Option<Source>, Vec<usize>)> = match strategy {
        Strategy::Ramp => unreachable!("planned above"),
        // The class-wise subset is trained as SM: its rows differ, not how they are visited.
        Strategy::Sm | Strategy::SmClasswise => {
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
                visits: None,
                epochs,
                lr,
            }
        })
        .collect())
}

/// The ramp's one phase: the visits its manifest phase holds for the run's recipe.
fn ramp_phase(phases: &[Phase], sources: &[Source], config: &TrainConfig) -> Result<PhasePlan> {
    let n = sources.len();
    let [phase] = phases
        .iter()
        .filter(|p| !p.visits.is_empty())
        .collect::<Vec<_>>()[..]
    else {
        return Err(Error::setting(
            "strategy",
            "ramp needs a ramp subset (ramp-rXXX, which a mix writes when given ramp recipes \
             EPOCHSxBATCH); this dataset has no ramp phase",
        ));
    };
    let recipe = |v: &Visits| format!("{}x{}", v.epochs, v.batch_size);
    let visits = phase
        .visits
        .iter()
        .find(|v| v.epochs == config.epochs as u64 && v.batch_size == config.batch_size as u64)
        .ok_or_else(|| {
            let laid_out: Vec<String> = phase.visits.iter().map(recipe).collect();
            Error::setting("strategy", format!(
                "ramp: this ramp subset is laid out for {} (EPOCHSxBATCH), not for {} epochs in batches of {}: \
                 train with one of those, or mix it again with the ramp recipe {}x{}",
                laid_out.join(", "),
                config.epochs,
                config.batch_size,
                config.epochs,
                config.batch_size
            ))
        })?;
    if (phase.start, phase.end) != (0, n as u64) {
        return Err(Error::invalid(format!(
            "manifest phase '{}' covers rows {}..{} but a ramp covers the whole train split of {n} rows",
            phase.name, phase.start, phase.end
        )));
    }
    let by_source =
        |source: Source| -> Vec<usize> { (0..n).filter(|&r| sources[r] == source).collect() };
    let orders = ramp_visits(
        visits,
        &by_source(Source::Synthetic),
        &by_source(Source::Real),
        config.seed,
    )
    .map_err(|why| Error::invalid(format!("manifest phase '{}': {why}", phase.name)))?;
    Ok(PhasePlan {
        name: phase.name.clone(),
        source: single_source(sources, 0..n),
        samples: n,
        rows: (0..n).collect(),
        visits: Some(orders),
        epochs: config.epochs,
        lr: config.lr,
    })
}

/// The rows every epoch of a ramp visits, batch by batch as `visits` counts them: the first
/// rows of a batch synthetic, the rest real, each source's rows taken from its seeded passes.
fn ramp_visits(
    visits: &Visits,
    synthetic: &[usize],
    real: &[usize],
    seed: u64,
) -> std::result::Result<Vec<Vec<usize>>, String> {
    let rows = synthetic.len() + real.len();
    let (epochs, batch_size) = (visits.epochs as usize, visits.batch_size as usize);
    let per_epoch = rows.div_ceil(batch_size);
    let counts = &visits.synthetic_per_batch;
    if counts.len() != epochs * per_epoch
        || counts.iter().sum::<u64>() != (epochs * synthetic.len()) as u64
    {
        return Err(format!(
            "its visits for {epochs}x{batch_size} do not fit {rows} rows ({} synthetic): \
             mix the subset again",
            synthetic.len()
        ));
    }
    let mut streams = [Passes::new(synthetic, seed, 0), Passes::new(real, seed, 1)];
    let mut orders = Vec::with_capacity(epochs);
    for epoch in 0..epochs {
        let mut order = Vec::with_capacity(rows);
        for b in 0..per_epoch {
            let batch = batch_size.min(rows - b * batch_size);
            let from_synthetic = counts[epoch * per_epoch + b] as usize;
            if from_synthetic > batch {
                return Err(format!(
                    "batch {b} of epoch {} has more synthetic rows than rows",
                    epoch + 1
                ));
            }
            streams[0].take(from_synthetic, &mut order);
            streams[1].take(batch - from_synthetic, &mut order);
        }
        orders.push(order);
    }
    Ok(orders)
}

/// One source's rows in seeded passes, one pass after the other: every row once per pass.
struct Passes<'a> {
    rows: &'a [usize],
    /// The stream's key before the pass: the run seed and the source.
    key: [u64; 2],
    pass: u64,
    order: Vec<usize>,
    next: usize,
}

impl<'a> Passes<'a> {
    fn new(rows: &'a [usize], seed: u64, source: u64) -> Self {
        Passes {
            rows,
            key: [seed, source],
            pass: 0,
            order: Vec::new(),
            next: 0,
        }
    }

    /// Appends the next `count` rows to `out` (the visits' totals, checked before, never ask an
    /// empty source for any).
    fn take(&mut self, count: usize, out: &mut Vec<usize>) {
        for _ in 0..count {
            if self.next == self.order.len() {
                // Four keys: no per-epoch shuffle (three keys) draws the same stream.
                self.order = self.rows.to_vec();
                SplitMix64::keyed(&[self.key[0], RAMP_STREAM, self.key[1], self.pass])
                    .shuffle(&mut self.order);
                self.pass += 1;
                self.next = 0;
            }
            out.push(self.order[self.next]);
            self.next += 1;
        }
    }
}

/// The ramp's streams' tag, after the seed.
const RAMP_STREAM: u64 = 0x7261_6d70; // "ramp"

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
            visits: vec![],
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

    /// A ramp phase over `sources` with `visits` for one recipe.
    fn ramp(sources: &[Source], visits: Visits) -> Phase {
        Phase {
            visits: vec![visits],
            ..phase("ramp", R, 0, sources.len() as u64)
        }
    }

    #[test]
    fn a_ramp_visits_each_batch_as_counted_and_every_row_epochs_times() {
        // 10 rows, 4 synthetic, 3 epochs in batches of 4 (4, 4, 2): 12 synthetic visits.
        let sources = [S, R, S, R, R, S, R, R, S, R];
        let counts = vec![4, 3, 1, 2, 1, 0, 1, 0, 0];
        let visits = Visits {
            epochs: 3,
            batch_size: 4,
            synthetic_per_batch: counts.clone(),
        };
        let config = TrainConfig::new().with_epochs(3).with_batch_size(4);
        let plan = plan(Strategy::Ramp, &[ramp(&sources, visits)], &sources, &config).unwrap();
        assert_eq!(plan.len(), 1);
        let orders = plan[0].visits.as_ref().unwrap();
        let batches: Vec<&[usize]> = orders.iter().flat_map(|o| o.chunks(4)).collect();
        let synthetic: Vec<u64> = batches
            .iter()
            .map(|b| b.iter().filter(|&&r| sources[r] == S).count() as u64)
            .collect();
        assert_eq!(synthetic, counts);
        let mut visited = [0; 10];
        for &row in orders.iter().flatten() {
            visited[row] += 1;
        }
        assert_eq!(visited, [3; 10]);
        // Another seed visits the same counts in another order.
        let other = super::plan(
            Strategy::Ramp,
            &[ramp(&sources, plan_visits(&counts))],
            &sources,
            &config.clone().with_seed(9),
        )
        .unwrap();
        assert_ne!(other[0].visits, plan[0].visits);
    }

    fn plan_visits(counts: &[u64]) -> Visits {
        Visits {
            epochs: 3,
            batch_size: 4,
            synthetic_per_batch: counts.to_vec(),
        }
    }

    #[test]
    fn a_ramp_needs_visits_for_the_runs_recipe() {
        let sources = [S, R, S, R];
        let config = TrainConfig::new().with_epochs(3).with_batch_size(4);
        let err = |phases: &[Phase]| {
            plan(Strategy::Ramp, phases, &sources, &config)
                .unwrap_err()
                .to_string()
        };
        assert!(
            err(&[]).contains("ramp recipes EPOCHSxBATCH"),
            "{}",
            err(&[])
        );
        let other_recipe = Visits {
            epochs: 2,
            ..plan_visits(&[2, 2, 2])
        };
        let said = err(&[ramp(&sources, other_recipe)]);
        assert!(
            said.contains("laid out for 2x4") && said.contains("the ramp recipe 3x4"),
            "{said}"
        );
        let said = err(&[ramp(&sources, plan_visits(&[2, 2, 1]))]);
        assert!(said.contains("mix the subset again"), "{said}");
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
