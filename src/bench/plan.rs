//! The experiment as a plan: numbered tasks in stages, the contract every engine (the local
//! worker pool, Slurm job arrays, Kubernetes Indexed Jobs) runs.
//!
//! Stages run in order — import the real datasets, render the synthetic ones, mix the subsets
//! of every pair and seed, train every cell, write the report — and each task names the
//! tasks it needs. The plan follows from the experiment alone (no data is read to make it),
//! so `--plan-only`, every `--task K` and every engine see the same numbering; `plan.json`
//! stores it in the bench directory for people and for `synmix status`.

use std::fmt;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use trainer::{ModelKind, Regime, Strategy};

use super::config::{Experiment, RealSource, SyntheticSource};
use super::layout::{self, ShareKey};

/// The stages of a bench, in the order they run.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Import each real dataset (and cut its test subset).
    Real,
    /// Render each generator preset.
    Render,
    /// Mix the SM and FT subsets of one pair and seed (and those of the added-synthetic
    /// regime).
    Mix,
    /// Train one cell.
    Train,
    /// Write the report.
    Report,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::Real,
        Stage::Render,
        Stage::Mix,
        Stage::Train,
        Stage::Report,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Real => "real",
            Stage::Render => "render",
            Stage::Mix => "mix",
            Stage::Train => "train",
            Stage::Report => "report",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One training run of the sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub pair: String,
    pub model: ModelKind,
    pub strategy: Strategy,
    /// Nominal synthetic share: k / (1 + k) in the added-synthetic regime.
    pub share: f64,
    pub seed: u64,
    /// The multiple k of a cell of the added-synthetic regime; none in the share sweep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiple: Option<f64>,
}

impl Cell {
    pub fn regime(&self) -> Regime {
        match self.multiple {
            Some(_) => Regime::AddedSynthetic,
            None => Regime::FixedSize,
        }
    }
}

/// What a task does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Work {
    Real {
        source: RealSource,
    },
    Render {
        preset: String,
    },
    Mix {
        pair: String,
        seed: u64,
    },
    /// The added-synthetic subsets of one pair and seed.
    #[serde(rename = "mix-added")]
    MixAdded {
        pair: String,
        seed: u64,
    },
    Train(Cell),
    Report,
}

impl Work {
    pub fn stage(&self) -> Stage {
        match self {
            Work::Real { .. } => Stage::Real,
            Work::Render { .. } => Stage::Render,
            Work::Mix { .. } | Work::MixAdded { .. } => Stage::Mix,
            Work::Train(_) => Stage::Train,
            Work::Report => Stage::Report,
        }
    }
}

impl fmt::Display for Work {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Work::Real {
                source: RealSource::Builtin(name),
            } => write!(f, "import {name}"),
            Work::Real {
                source: RealSource::Dataset(dir),
            } => write!(f, "check {}", dir.display()),
            Work::Render { preset } => write!(f, "render {preset}"),
            Work::Mix { pair, seed } => write!(f, "mix {pair} seed {seed}"),
            Work::MixAdded { pair, seed } => write!(f, "mix {pair} seed {seed} added synthetic"),
            Work::Train(c) => {
                let point = match c.multiple {
                    Some(k) => format!("k={k:.2}"),
                    None => format!("r={:.2}", c.share),
                };
                write!(
                    f,
                    "train {} {} {} {point} seed {}",
                    c.pair, c.model, c.strategy, c.seed
                )
            }
            Work::Report => f.write_str("report"),
        }
    }
}

/// One numbered task: what it does and the tasks whose outputs it reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub id: usize,
    pub work: Work,
    pub needs: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// BLAKE3 of the pinned experiment (`experiment.toml`): a plan belongs to one experiment.
    pub experiment: String,
    pub tasks: Vec<Task>,
}

impl Plan {
    /// The tasks of `experiment`, stage by stage. Datasets that several pairs share (the same
    /// real source, the same preset) are one task.
    pub fn build(experiment: &Experiment, pinned_text: &str) -> Result<Plan> {
        let mut plan = Plan {
            experiment: blake3::hash(pinned_text.as_bytes()).to_hex().to_string(),
            tasks: Vec::new(),
        };
        let mut real_of = Vec::new();
        for pair in &experiment.pairs {
            let work = Work::Real {
                source: pair.real.clone(),
            };
            real_of.push(plan.add_once(work, Vec::new()));
        }
        let mut render_of = Vec::new();
        for (pair, &real) in experiment.pairs.iter().zip(&real_of) {
            render_of.push(match &pair.synthetic {
                // The render follows the real class counts of every pair that pairs the
                // preset, so it waits for all their imports.
                SyntheticSource::Preset(preset) => {
                    let work = Work::Render {
                        preset: preset.clone(),
                    };
                    let render = plan.add_once(work, Vec::new());
                    let needs = &mut plan.tasks[render].needs;
                    if !needs.contains(&real) {
                        needs.push(real);
                    }
                    Some(render)
                }
                SyntheticSource::Dataset(_) => None,
            });
        }
        let mut mix_of = Vec::new();
        let mut added_mix_of = Vec::new();
        for ((pair, &real), render) in experiment.pairs.iter().zip(&real_of).zip(&render_of) {
            for &seed in &experiment.seeds {
                let needs: Vec<usize> = std::iter::once(real).chain(*render).collect();
                let name = pair.name.clone();
                let work = Work::Mix {
                    pair: name.clone(),
                    seed,
                };
                mix_of.push((name.clone(), seed, plan.add_once(work, needs.clone())));
                if experiment.added.is_some() {
                    let work = Work::MixAdded {
                        pair: name.clone(),
                        seed,
                    };
                    added_mix_of.push((name, seed, plan.add_once(work, needs)));
                }
            }
        }
        // A cell's point on its regime's axis: (share, multiple).
        let shares: Vec<(f64, Option<f64>)> = experiment
            .share_list()?
            .into_iter()
            .map(|share| (share, None))
            .collect();
        let multiples: Vec<(f64, Option<f64>)> = experiment
            .added_multiples()
            .iter()
            .map(|&k| (k / (1.0 + k), Some(k)))
            .collect();
        let mut cells = Vec::new();
        for (mixes, points) in [(&mix_of, &shares), (&added_mix_of, &multiples)] {
            for (pair, seed, mix) in mixes {
                for &model in &experiment.architectures {
                    for &(share, multiple) in points {
                        for &strategy in &experiment.strategies {
                            let cell = Cell {
                                pair: pair.clone(),
                                model,
                                strategy,
                                share,
                                seed: *seed,
                                multiple,
                            };
                            // Where FT is the SM run (shares 0 and 1, k = 0), it is trained once.
                            let key = ShareKey::of(multiple.unwrap_or(share));
                            if strategy == Strategy::Ft
                                && key.is_endpoint_in(cell.regime())
                                && experiment.strategies.contains(&Strategy::Sm)
                            {
                                continue;
                            }
                            cells.push(plan.add_once(Work::Train(cell), vec![*mix]));
                        }
                    }
                }
            }
        }
        plan.add_once(Work::Report, cells);
        Ok(plan)
    }

    fn add_once(&mut self, work: Work, needs: Vec<usize>) -> usize {
        if let Some(task) = self.tasks.iter().find(|t| t.work == work) {
            return task.id;
        }
        let id = self.tasks.len();
        self.tasks.push(Task { id, work, needs });
        id
    }

    /// The tasks of `stage`, in order; their ids are consecutive.
    pub fn stage(&self, stage: Stage) -> &[Task] {
        let first = self
            .tasks
            .iter()
            .position(|t| t.work.stage() == stage)
            .unwrap_or(self.tasks.len());
        let count = self.tasks[first..]
            .iter()
            .take_while(|t| t.work.stage() == stage)
            .count();
        &self.tasks[first..first + count]
    }

    /// Task `id`, or an error naming the valid range.
    pub fn task(&self, id: usize) -> Result<&Task> {
        self.tasks.get(id).with_context(|| {
            format!(
                "--task {id} is out of range: this plan has tasks 0 to {} (see plan.json or `synmix status`)",
                self.tasks.len() - 1
            )
        })
    }

    /// Task `index` of `stage`, counted from the stage's first task.
    pub fn task_in_stage(&self, stage: Stage, index: usize) -> Result<&Task> {
        let tasks = self.stage(stage);
        tasks.get(index).with_context(|| {
            format!(
                "--task {index} is out of range: stage {stage} has {} task(s), 0 to {}",
                tasks.len(),
                tasks.len().saturating_sub(1)
            )
        })
    }

    /// Writes `plan.json`, or checks that the one there is this plan.
    pub fn store(&self, out: &Path) -> Result<()> {
        let path = layout::plan_file(out);
        let text = serde_json::to_string_pretty(self).expect("plans serialise");
        if path.exists() {
            let stored = Plan::load(out)?;
            if stored != *self {
                bail!(
                    "{}: holds the plan of another experiment (or another synmix version); \
                     choose another --out",
                    path.display()
                );
            }
            return Ok(());
        }
        Ok(datasets::atomic::write_atomic(&path, text.as_bytes())?)
    }

    /// The plan stored in the bench directory `out`.
    pub fn load(out: &Path) -> Result<Plan> {
        let path = layout::plan_file(out);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "{}: not a planned bench directory (no plan.json); run `synmix bench --out {} --plan-only` first",
                out.display(),
                out.display()
            )
        })?;
        serde_json::from_str(&text)
            .with_context(|| format!("{}: damaged plan; plan the bench again", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::config;

    fn default_plan() -> Plan {
        let experiment = config::load(None, "default").unwrap();
        Plan::build(&experiment, "text").unwrap()
    }

    #[test]
    fn stages_are_consecutive_and_shared_data_is_one_task() {
        let plan = default_plan();
        let counts: Vec<usize> = Stage::ALL.iter().map(|&s| plan.stage(s).len()).collect();
        // Both pairs read Fashion-MNIST; two presets; 2 pairs × 3 seeds; 2 × 3 models × 10 cells
        // (SM at 6 shares, FT at the 4 inside) × 3 seeds.
        assert_eq!(counts, [1, 2, 6, 180, 1]);
        for (i, task) in plan.tasks.iter().enumerate() {
            assert_eq!(task.id, i);
            assert!(task.needs.iter().all(|&n| n < i), "needs come first");
        }
        let stages: Vec<Stage> = plan.tasks.iter().map(|t| t.work.stage()).collect();
        assert!(stages.is_sorted());
        assert_eq!(plan.stage(Stage::Report)[0].needs.len(), 180);
    }

    #[test]
    fn the_added_regime_adds_a_mix_per_pair_and_seed_and_its_cells() {
        let mut experiment = config::load(None, "default").unwrap();
        experiment.added = Some(config::AddedRegime {
            real: 200,
            multiples: vec![0.0, 0.5, 1.0, 2.0, 4.0],
        });
        let plan = Plan::build(&experiment, "text").unwrap();
        let counts: Vec<usize> = Stage::ALL.iter().map(|&s| plan.stage(s).len()).collect();
        // 2 pairs × 3 seeds mix each regime; per pair, seed and model the regime trains
        // SM at 5 multiples and FT at the 4 above 0 (at k = 0 FT is the SM run).
        assert_eq!(counts, [1, 2, 12, 180 + 2 * 3 * 3 * 9, 1]);
        let added: Vec<&Cell> = plan
            .stage(Stage::Train)
            .iter()
            .filter_map(|t| match &t.work {
                Work::Train(cell) if cell.regime() == Regime::AddedSynthetic => Some(cell),
                _ => None,
            })
            .collect();
        assert_eq!(added.len(), 162);
        assert!(
            !added
                .iter()
                .any(|c| c.strategy == Strategy::Ft && c.multiple == Some(0.0))
        );
        let k2 = added.iter().find(|c| c.multiple == Some(2.0)).unwrap();
        assert!((k2.share - 2.0 / 3.0).abs() < 1e-12);
        // Each regime's cells need their own mix task.
        for task in plan.stage(Stage::Train) {
            let Work::Train(cell) = &task.work else {
                unreachable!()
            };
            let need = &plan.tasks[task.needs[0]].work;
            assert_eq!(
                matches!(need, Work::MixAdded { .. }),
                cell.multiple.is_some(),
                "{}",
                task.work
            );
        }
        assert_eq!(plan.stage(Stage::Report)[0].needs.len(), 180 + 162);
    }

    #[test]
    fn tasks_are_found_globally_and_within_a_stage() {
        let plan = default_plan();
        let first_train = plan.stage(Stage::Train)[0].id;
        assert_eq!(plan.task_in_stage(Stage::Train, 0).unwrap().id, first_train);
        let err = plan.task(999).unwrap_err().to_string();
        assert!(err.contains("0 to 189"), "{err}");
        let err = plan.task_in_stage(Stage::Mix, 6).unwrap_err().to_string();
        assert!(err.contains("stage mix has 6 task(s)"), "{err}");
    }

    #[test]
    fn a_stored_plan_must_match() {
        let tmp = tempfile::tempdir().unwrap();
        let plan = default_plan();
        plan.store(tmp.path()).unwrap();
        plan.store(tmp.path()).unwrap();
        let other = Plan::build(&config::load(None, "full").unwrap(), "other").unwrap();
        let err = other.store(tmp.path()).unwrap_err().to_string();
        assert!(err.contains("another experiment"), "{err}");
        assert_eq!(Plan::load(tmp.path()).unwrap(), plan);
    }
}
