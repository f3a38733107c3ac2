//! The experiment as a plan: numbered tasks in stages, the contract every engine (the local
//! worker pool, Slurm job arrays, Kubernetes Indexed Jobs) runs.
//!
//! Stages run in order — import the real datasets, render the synthetic ones, mix the subsets
//! of every pair and seed, train every cell, write the report — and each task names the
//! tasks it needs. The plan follows from the experiment alone (no data is read to make it),
//! so `--plan-only`, every `--task K` and every engine see the same numbering; `plan.json`
//! stores it in the bench directory for people and for `synmix status`.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use anyhow::{Context, Result, bail};
use datasets::point::{Point, Regime};
use serde::{Deserialize, Serialize};
use trainer::{ModelKind, Strategy};

use super::config::{Experiment, RealSource, SyntheticSource};
use super::layout;
use super::search::{SearchKey, start};

/// The stages of a bench, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Import each real dataset (and cut its test subset).
    #[cfg_attr(feature = "clap", value(alias = "real"))]
    Import,
    /// Render each generator preset.
    Render,
    /// Mix the SM and FT subsets of one pair, seed and regime (and measure each pair's gap).
    Mix,
    /// Train one cell (and, in an adaptive search, decide each probe's share: the decisions
    /// sit between the trainings they read and the trainings they start).
    Train,
    /// Write the report.
    Report,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::Import,
        Stage::Render,
        Stage::Mix,
        Stage::Train,
        Stage::Report,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Import => "import",
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

/// One training run of the experiment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cell {
    pub pair: String,
    pub model: ModelKind,
    pub strategy: Strategy,
    pub point: Point,
    pub seed: u64,
}

/// What a task does.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Work {
    Import {
        source: RealSource,
    },
    Render {
        preset: String,
    },
    /// The SM and FT subsets of every point of one pair, seed and regime.
    Mix {
        pair: String,
        seed: u64,
        regime: Regime,
    },
    /// The domain gap of one pair (`synmix gap`'s measures): its real data against its synthetic
    /// data, for the report's gap panel.
    Gap {
        pair: String,
    },
    Train(Cell),
    /// The adaptive search's decision of one probe: which share its trainings train.
    Choose {
        search: SearchKey,
        probe: usize,
    },
    /// One seed's training of the share a probe's decision names.
    Probe {
        search: SearchKey,
        probe: usize,
        seed: u64,
    },
    Report,
}

impl Work {
    pub fn stage(&self) -> Stage {
        match self {
            Work::Import { .. } => Stage::Import,
            Work::Render { .. } => Stage::Render,
            Work::Mix { .. } | Work::Gap { .. } => Stage::Mix,
            Work::Train(_) | Work::Choose { .. } | Work::Probe { .. } => Stage::Train,
            Work::Report => Stage::Report,
        }
    }
}

impl fmt::Display for Work {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Work::Import {
                source: RealSource::Builtin(name),
            } => write!(f, "import {name}"),
            Work::Import {
                source: RealSource::Dataset(dir),
            } => write!(f, "check {}", dir.display()),
            Work::Render { preset } => write!(f, "render {preset}"),
            Work::Mix {
                pair,
                seed,
                regime: Regime::FixedSize,
            } => write!(f, "mix {pair} seed {seed}"),
            Work::Mix {
                pair,
                seed,
                regime: Regime::AddedSynthetic,
            } => write!(f, "mix {pair} seed {seed} added synthetic"),
            Work::Gap { pair } => write!(f, "measure the gap of {pair}"),
            Work::Train(c) => write!(
                f,
                "train {} {} {} {} seed {}",
                c.pair, c.model, c.strategy, c.point, c.seed
            ),
            Work::Choose { search: k, probe } => write!(
                f,
                "choose {} {} {} probe {probe}",
                k.pair, k.model, k.strategy
            ),
            Work::Probe {
                search: k,
                probe,
                seed,
            } => write!(
                f,
                "train {} {} {} probe {probe} seed {seed}",
                k.pair, k.model, k.strategy
            ),
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
    /// real source, the same preset) are one task. Linear in the number of tasks.
    pub fn build(experiment: &Experiment, pinned_text: &str) -> Result<Plan> {
        let mut builder = Builder {
            plan: Plan {
                experiment: blake3::hash(pinned_text.as_bytes()).to_hex().to_string(),
                tasks: Vec::new(),
            },
            ids: HashMap::new(),
        };
        let mut import_of = Vec::new();
        for pair in &experiment.pairs {
            let work = Work::Import {
                source: pair.real.clone(),
            };
            import_of.push(builder.add_once(work, Vec::new()));
        }
        let mut render_of = Vec::new();
        for (pair, &import) in experiment.pairs.iter().zip(&import_of) {
            render_of.push(match &pair.synthetic {
                // The render follows the real class counts of every pair that pairs the
                // preset, so it waits for all their imports.
                SyntheticSource::Preset(preset) => {
                    let work = Work::Render {
                        preset: preset.clone(),
                    };
                    let render = builder.add_once(work, Vec::new());
                    let needs = &mut builder.plan.tasks[render].needs;
                    if !needs.contains(&import) {
                        needs.push(import);
                    }
                    Some(render)
                }
                SyntheticSource::Dataset(_) => None,
            });
        }
        let axes = experiment.axes()?;
        // Mix tasks pair by pair and seed by seed, each regime's beside the other's.
        let mut mix_of = HashMap::new();
        for ((pair, &import), render) in experiment.pairs.iter().zip(&import_of).zip(&render_of) {
            for &seed in &experiment.seeds {
                let needs: Vec<usize> = std::iter::once(import).chain(*render).collect();
                for axis in &axes {
                    let work = Work::Mix {
                        pair: pair.name.clone(),
                        seed,
                        regime: axis.regime,
                    };
                    let id = builder.add_once(work, needs.clone());
                    mix_of.insert((pair.name.as_str(), seed, axis.regime), id);
                }
            }
        }
        // The report reads every pair's gap beside its runs.
        let mut cells = Vec::new();
        for ((pair, &import), render) in experiment.pairs.iter().zip(&import_of).zip(&render_of) {
            let needs: Vec<usize> = std::iter::once(import).chain(*render).collect();
            cells.push(builder.add_once(
                Work::Gap {
                    pair: pair.name.clone(),
                },
                needs,
            ));
        }
        // The share sweep's cells, what a search's decisions read.
        let mut swept: Vec<(usize, Cell)> = Vec::new();
        for axis in &axes {
            // A search trains its starting shares as cells, the rest as probes.
            let points: Vec<Point> = match (&experiment.search, axis.regime) {
                (Some(_), Regime::FixedSize) => start().into_iter().map(Point::Share).collect(),
                _ => axis.points().collect(),
            };
            for pair in &experiment.pairs {
                for &seed in &experiment.seeds {
                    let mix = mix_of[&(pair.name.as_str(), seed, axis.regime)];
                    for &model in &experiment.architectures {
                        for &point in &points {
                            for &strategy in &experiment.strategies {
                                // Where FT and the ramp are the SM run (shares 0 and 1,
                                // k = 0), it is trained once.
                                if strategy != Strategy::Sm
                                    && point.is_endpoint()
                                    && experiment.strategies.contains(&Strategy::Sm)
                                {
                                    continue;
                                }
                                let cell = Cell {
                                    pair: pair.name.clone(),
                                    model,
                                    strategy,
                                    point,
                                    seed,
                                };
                                let id = builder.add_once(Work::Train(cell.clone()), vec![mix]);
                                if axis.regime == Regime::FixedSize {
                                    swept.push((id, cell));
                                }
                                cells.push(id);
                            }
                        }
                    }
                }
            }
        }
        if let Some(search) = &experiment.search {
            let probes = search.probes(axes[0].values.len());
            for pair in &experiment.pairs {
                for &model in &experiment.architectures {
                    for &strategy in &experiment.strategies {
                        // The runs of the strategy's series: its own, and SM's at the endpoints
                        // (where every strategy is the SM run).
                        let mut reads: Vec<usize> = swept
                            .iter()
                            .filter(|(_, c)| c.pair == pair.name && c.model == model)
                            .filter(|(_, c)| {
                                c.strategy == strategy
                                    || (c.strategy == Strategy::Sm && c.point.is_endpoint())
                            })
                            .map(|(id, _)| *id)
                            .collect();
                        let key = SearchKey {
                            pair: pair.name.clone(),
                            model,
                            strategy,
                        };
                        for probe in 1..=probes {
                            let choose = builder.add_once(
                                Work::Choose {
                                    search: key.clone(),
                                    probe,
                                },
                                reads.clone(),
                            );
                            cells.push(choose);
                            reads.push(choose);
                            for &seed in &experiment.seeds {
                                let mix = mix_of[&(pair.name.as_str(), seed, Regime::FixedSize)];
                                let work = Work::Probe {
                                    search: key.clone(),
                                    probe,
                                    seed,
                                };
                                let id = builder.add_once(work, vec![mix, choose]);
                                cells.push(id);
                                reads.push(id);
                            }
                        }
                    }
                }
            }
        }
        builder.add_once(Work::Report, cells);
        Ok(builder.plan)
    }

    /// Whether some task of `stage` needs another task of the same stage (an adaptive search's
    /// decisions and probes): an engine that starts a stage's tasks all at once has them wait.
    pub fn waits_within(&self, stage: Stage) -> bool {
        self.stage(stage)
            .iter()
            .any(|t| t.needs.iter().any(|&n| self.tasks[n].work.stage() == stage))
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

    /// Whether `out` holds this plan already (false: none); refused if it holds another.
    pub fn check_stored(&self, out: &Path) -> Result<bool> {
        let path = layout::plan_file(out);
        if !path.exists() {
            return Ok(false);
        }
        if Plan::load(out)? != *self {
            bail!(
                "{}: holds the plan of another experiment (or another synmix version); \
                 choose another --out",
                path.display()
            );
        }
        Ok(true)
    }

    /// Writes `plan.json`, or checks that the one there is this plan.
    pub fn store(&self, out: &Path) -> Result<()> {
        if self.check_stored(out)? {
            return Ok(());
        }
        let text = serde_json::to_string_pretty(self).expect("plans serialise");
        Ok(datasets::atomic::write_atomic(
            &layout::plan_file(out),
            text.as_bytes(),
        )?)
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
        let damaged = |why: String| {
            anyhow::anyhow!(
                "{}: damaged plan ({why}); delete it and run `synmix bench --out {} --plan-only` \
                 to plan the bench again (finished tasks are kept)",
                path.display(),
                out.display()
            )
        };
        let plan: Plan = serde_json::from_str(&text).map_err(|e| damaged(e.to_string()))?;
        plan.check_shape().map_err(damaged)?;
        Ok(plan)
    }

    /// What every reader of a plan relies on: tasks numbered in order, each needing only
    /// earlier ones, stages in order, one report task, an experiment hash.
    fn check_shape(&self) -> std::result::Result<(), String> {
        if self.experiment.len() < 12 || !self.experiment.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("its experiment hash is not a BLAKE3 hash".into());
        }
        for (i, task) in self.tasks.iter().enumerate() {
            if task.id != i {
                return Err(format!("task {i} is numbered {}", task.id));
            }
            if let Some(need) = task.needs.iter().find(|&&n| n >= i) {
                return Err(format!(
                    "task {i} needs task {need}, which does not come before it"
                ));
            }
        }
        if !self.tasks.iter().map(|t| t.work.stage()).is_sorted() {
            return Err("its stages are out of order".into());
        }
        if self.stage(Stage::Report).len() != 1 {
            return Err("it does not end with one report task".into());
        }
        Ok(())
    }
}

/// A plan being built, with each task's id by its work so a shared one is added once.
struct Builder {
    plan: Plan,
    ids: HashMap<Work, usize>,
}

impl Builder {
    fn add_once(&mut self, work: Work, needs: Vec<usize>) -> usize {
        if let Some(&id) = self.ids.get(&work) {
            return id;
        }
        let id = self.plan.tasks.len();
        self.ids.insert(work.clone(), id);
        self.plan.tasks.push(Task { id, work, needs });
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    fn default_plan() -> Plan {
        let experiment = config::load(None, "default").unwrap();
        Plan::build(&experiment, "text").unwrap()
    }

    #[test]
    fn a_search_trains_its_starting_shares_then_probes_that_wait_for_their_decisions() {
        let mut experiment = config::load(None, "default").unwrap();
        experiment.shares = "0:1:0.1".into();
        experiment.search = Some(crate::search::Search {
            tolerance: 0.1,
            budget: 0.5,
        });
        let plan = Plan::build(&experiment, "text").unwrap();
        plan.check_shape().unwrap();
        // 0.5 of 11 shares: 5, the 3 starting ones and 2 probes.
        let train = plan.stage(Stage::Train);
        let (pairs, models, seeds) = (2, 3, 3);
        let starting = pairs * models * seeds * (3 + 1); // SM at 0, 0.5, 1 and FT at 0.5
        let searches = pairs * models * 2;
        assert_eq!(train.len(), starting + searches * 2 * (1 + seeds));
        assert!(plan.waits_within(Stage::Train));
        assert!(!default_plan().waits_within(Stage::Train));
        let find = |work: &Work| train.iter().find(|t| t.work == *work).unwrap();
        let key = SearchKey {
            pair: "near".into(),
            model: ModelKind::Cnn,
            strategy: Strategy::Ft,
        };
        let first = find(&Work::Choose {
            search: key.clone(),
            probe: 1,
        });
        // FT's first decision reads its own runs at 0.5 and SM's at the endpoints.
        let read: Vec<String> = first
            .needs
            .iter()
            .map(|&n| plan.tasks[n].work.to_string())
            .collect();
        assert_eq!(read.len(), 9, "{read:?}");
        assert!(
            read.iter().all(|w| w.starts_with("train near cnn")),
            "{read:?}"
        );
        assert_eq!(read.iter().filter(|w| w.contains(" ft r050")).count(), 3);
        let second = find(&Work::Choose {
            search: key.clone(),
            probe: 2,
        });
        let probe = find(&Work::Probe {
            search: key,
            probe: 1,
            seed: 2,
        });
        assert!(probe.needs.contains(&first.id));
        assert!(second.needs.contains(&first.id) && second.needs.contains(&probe.id));
        assert_eq!(plan.tasks[probe.needs[0]].work.stage(), Stage::Mix);
    }

    #[test]
    fn stages_are_consecutive_and_shared_data_is_one_task() {
        let plan = default_plan();
        let counts: Vec<usize> = Stage::ALL.iter().map(|&s| plan.stage(s).len()).collect();
        // Both pairs read Fashion-MNIST; two presets; 2 pairs × 3 seeds mixed and 2 gaps
        // measured; 2 × 3 models × 10 cells (SM at 6 shares, FT at the 4 inside) × 3 seeds.
        assert_eq!(counts, [1, 2, 6 + 2, 180, 1]);
        for (i, task) in plan.tasks.iter().enumerate() {
            assert_eq!(task.id, i);
            assert!(task.needs.iter().all(|&n| n < i), "needs come first");
        }
        let stages: Vec<Stage> = plan.tasks.iter().map(|t| t.work.stage()).collect();
        assert!(stages.is_sorted());
        // The report reads the runs and the gaps.
        assert_eq!(plan.stage(Stage::Report)[0].needs.len(), 180 + 2);
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
        assert_eq!(counts, [1, 2, 12 + 2, 180 + 2 * 3 * 3 * 9, 1]);
        let added: Vec<&Cell> = plan
            .stage(Stage::Train)
            .iter()
            .filter_map(|t| match &t.work {
                Work::Train(cell) if cell.point.regime() == Regime::AddedSynthetic => Some(cell),
                _ => None,
            })
            .collect();
        assert_eq!(added.len(), 162);
        assert!(
            !added
                .iter()
                .any(|c| c.strategy == Strategy::Ft && c.point.to_string() == "k000")
        );
        assert!(added.iter().any(|c| c.point.to_string() == "k200"));
        // Each regime's cells need their own mix task.
        for task in plan.stage(Stage::Train) {
            let Work::Train(cell) = &task.work else {
                unreachable!()
            };
            let need = &plan.tasks[task.needs[0]].work;
            assert!(
                matches!(need, Work::Mix { regime, .. } if *regime == cell.point.regime()),
                "{}",
                task.work
            );
        }
        assert_eq!(plan.stage(Stage::Report)[0].needs.len(), 2 + 180 + 162);
    }

    #[test]
    fn tasks_are_found_globally_and_within_a_stage() {
        let plan = default_plan();
        let first_train = plan.stage(Stage::Train)[0].id;
        assert_eq!(plan.task_in_stage(Stage::Train, 0).unwrap().id, first_train);
        let err = plan.task(999).unwrap_err().to_string();
        assert!(err.contains("0 to 191"), "{err}");
        let err = plan.task_in_stage(Stage::Mix, 8).unwrap_err().to_string();
        assert!(err.contains("stage mix has 8 task(s)"), "{err}");
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
