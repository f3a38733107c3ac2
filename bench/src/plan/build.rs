//! How a plan is made from its experiment, stage by stage: the sweep's ([`Plan::build`]) and an
//! advice's ([`Plan::advise`]).

use std::collections::HashMap;

use datasets::point::{Point, Regime, Strategy};

use super::{Plan, Task};
use crate::experiment::{Experiment, SyntheticSource, search_start};
use crate::records::SearchKey;
use crate::work::{Advise, Cell, Choose, Gap, Import, Mix, Probe, Render, Report, Train, Work};

impl Plan {
    /// The tasks of `experiment`, stage by stage. Datasets that several pairs share (the same
    /// real source, the same preset) are one task. Linear in the number of tasks.
    pub fn build(experiment: &Experiment) -> Plan {
        let mut builder = Builder::new(experiment);
        let data = builder.data();
        // The report reads every pair's gap beside its runs; a class-wise sweep mixes by it,
        // so there the gaps come first.
        let (mixes, mut read) = match experiment.strategies.contains(&Strategy::SmClasswise) {
            true => {
                let gaps = builder.gaps(&data);
                (builder.mixes(&data, &gaps), gaps)
            }
            false => (builder.mixes(&data, &[]), builder.gaps(&data)),
        };
        let swept = builder.cells(&mixes, &mut read);
        builder.searches(&mixes, swept, &mut read);
        builder.add_once(Work::Report(Report {}), read);
        builder.plan
    }

    /// The plan of an advice (`synmix advise`): the data of the experiment's one pair, its
    /// pilot runs for its one architecture — the added regime's where the experiment has one,
    /// else the share sweep's — and the advice, which reads them.
    pub fn advise(experiment: &Experiment) -> Plan {
        let mut builder = Builder::new(experiment);
        let data = builder.data();
        let mixes = builder.mixes(&data, &[]);
        let regime = match experiment.added {
            Some(_) => Regime::AddedSynthetic,
            None => Regime::FixedSize,
        };
        let advise = Advise {
            pair: experiment.pairs[0].name.clone(),
            model: experiment.architectures[0],
            regime,
        };
        let pilots = advise
            .cells(experiment)
            .into_iter()
            .map(|cell| {
                let mix = mixes[&(cell.pair.clone(), cell.seed, regime)];
                builder.add_once(Work::Train(Train { cell }), vec![mix])
            })
            .collect();
        builder.add_once(Work::Advise(advise), pilots);
        builder.plan
    }
}

/// The data tasks of one pair: its import, and its render if it renders a preset.
struct PairData {
    import: usize,
    render: Option<usize>,
}

impl PairData {
    fn needs(&self) -> Vec<usize> {
        std::iter::once(self.import).chain(self.render).collect()
    }
}

/// A plan being built, stage by stage, with each task's id by its work so a shared one is
/// added once.
struct Builder<'a> {
    experiment: &'a Experiment,
    plan: Plan,
    ids: HashMap<Work, usize>,
}

impl<'a> Builder<'a> {
    fn new(experiment: &'a Experiment) -> Builder<'a> {
        Builder {
            experiment,
            plan: Plan {
                experiment: blake3::hash(experiment.pin_text().as_bytes())
                    .to_hex()
                    .to_string(),
                tasks: Vec::new(),
            },
            ids: HashMap::new(),
        }
    }

    fn add_once(&mut self, work: Work, needs: Vec<usize>) -> usize {
        if let Some(&id) = self.ids.get(&work) {
            return id;
        }
        let id = self.plan.tasks.len();
        self.ids.insert(work.clone(), id);
        self.plan.tasks.push(Task { id, work, needs });
        id
    }

    /// Every pair's import, then every pair's render: a render follows the real class counts
    /// of every pair that pairs the preset, so it waits for all their imports.
    fn data(&mut self) -> Vec<PairData> {
        let experiment = self.experiment;
        let imports: Vec<usize> = experiment
            .pairs
            .iter()
            .map(|pair| {
                let work = Work::Import(Import {
                    source: pair.real.clone(),
                });
                self.add_once(work, Vec::new())
            })
            .collect();
        let mut data = Vec::new();
        for (pair, import) in experiment.pairs.iter().zip(imports) {
            let render = match &pair.synthetic {
                SyntheticSource::Preset(preset) => {
                    let work = Work::Render(Render {
                        preset: preset.clone(),
                    });
                    let render = self.add_once(work, Vec::new());
                    let needs = &mut self.plan.tasks[render].needs;
                    if !needs.contains(&import) {
                        needs.push(import);
                    }
                    Some(render)
                }
                SyntheticSource::Dataset(_) => None,
            };
            data.push(PairData { import, render });
        }
        data
    }

    /// The mix of every pair, seed and regime, each regime's beside the other's; a share
    /// sweep's needs its pair's gap where `gaps` holds them (a class-wise sweep).
    fn mixes(
        &mut self,
        data: &[PairData],
        gaps: &[usize],
    ) -> HashMap<(String, u64, Regime), usize> {
        let experiment = self.experiment;
        let mut mixes = HashMap::new();
        for (i, (pair, data)) in experiment.pairs.iter().zip(data).enumerate() {
            for &seed in &experiment.seeds {
                for axis in experiment.axes() {
                    let work = Work::Mix(Mix {
                        pair: pair.name.clone(),
                        seed,
                        regime: axis.regime,
                    });
                    let gap = gaps.get(i).filter(|_| axis.regime == Regime::FixedSize);
                    let needs = data.needs().into_iter().chain(gap.copied()).collect();
                    let id = self.add_once(work, needs);
                    mixes.insert((pair.name.clone(), seed, axis.regime), id);
                }
            }
        }
        mixes
    }

    /// Every pair's gap.
    fn gaps(&mut self, data: &[PairData]) -> Vec<usize> {
        let experiment = self.experiment;
        experiment
            .pairs
            .iter()
            .zip(data)
            .map(|(pair, data)| {
                let work = Work::Gap(Gap {
                    pair: pair.name.clone(),
                });
                self.add_once(work, data.needs())
            })
            .collect()
    }

    /// Every cell of every regime (a search's share sweep: its starting shares only), added to
    /// `read`; returns the share sweep's cells, what a search's decisions read.
    fn cells(
        &mut self,
        mixes: &HashMap<(String, u64, Regime), usize>,
        read: &mut Vec<usize>,
    ) -> Vec<(usize, Cell)> {
        let experiment = self.experiment;
        let mut swept = Vec::new();
        for axis in experiment.axes() {
            let points: Vec<Point> = match (&experiment.search, axis.regime) {
                (Some(_), Regime::FixedSize) => {
                    search_start().into_iter().map(Point::Share).collect()
                }
                _ => axis.points().collect(),
            };
            for pair in &experiment.pairs {
                for &seed in &experiment.seeds {
                    let mix = mixes[&(pair.name.clone(), seed, axis.regime)];
                    for &model in &experiment.architectures {
                        let cells = cells_of(experiment, &pair.name, model, seed, &points);
                        for cell in cells {
                            let id =
                                self.add_once(Work::Train(Train { cell: cell.clone() }), vec![mix]);
                            if axis.regime == Regime::FixedSize {
                                swept.push((id, cell));
                            }
                            read.push(id);
                        }
                    }
                }
            }
        }
        swept
    }

    /// For each (pair, architecture, strategy) of a search, as many probes as the budget
    /// allows: a decision reading the series' runs so far, then one training per seed.
    fn searches(
        &mut self,
        mixes: &HashMap<(String, u64, Regime), usize>,
        swept: Vec<(usize, Cell)>,
        read: &mut Vec<usize>,
    ) {
        let experiment = self.experiment;
        let Some(search) = &experiment.search else {
            return;
        };
        let probes = search.probes(experiment.sweep().values.len());
        for pair in &experiment.pairs {
            for &model in &experiment.architectures {
                for &strategy in &experiment.strategies {
                    // The runs of the strategy's series: its own, and those it shares.
                    let mut reads: Vec<usize> = swept
                        .iter()
                        .filter(|(_, c)| c.pair == pair.name && c.model == model)
                        .filter(|(_, c)| {
                            c.strategy == strategy.run_at(c.point) || c.strategy == strategy
                        })
                        .map(|(id, _)| *id)
                        .collect();
                    let key = SearchKey {
                        pair: pair.name.clone(),
                        model,
                        strategy,
                    };
                    for probe in 1..=probes {
                        let choose = Work::Choose(Choose {
                            search: key.clone(),
                            probe,
                        });
                        let choose = self.add_once(choose, reads.clone());
                        read.push(choose);
                        reads.push(choose);
                        for &seed in &experiment.seeds {
                            let mix = mixes[&(pair.name.clone(), seed, Regime::FixedSize)];
                            let work = Work::Probe(Probe {
                                search: key.clone(),
                                probe,
                                seed,
                            });
                            let id = self.add_once(work, vec![mix, choose]);
                            read.push(id);
                            reads.push(id);
                        }
                    }
                }
            }
        }
    }
}

/// The cells of one pair, architecture and seed at `points`: every strategy, except where a
/// strategy is the SM run (the endpoints) and SM is trained, which is trained once.
fn cells_of(
    experiment: &Experiment,
    pair: &str,
    model: trainer::ModelKind,
    seed: u64,
    points: &[Point],
) -> Vec<Cell> {
    let trains_sm = experiment.strategies.contains(&Strategy::Sm);
    let mut cells = Vec::new();
    for &point in points {
        for &strategy in &experiment.strategies {
            if strategy.run_at(point) != strategy && trains_sm {
                continue;
            }
            // Class-wise shares are a share sweep's: the added regime has none.
            if strategy == Strategy::SmClasswise && point.regime() != Regime::FixedSize {
                continue;
            }
            cells.push(Cell {
                pair: pair.to_string(),
                model,
                strategy,
                point,
                seed,
            });
        }
    }
    cells
}
