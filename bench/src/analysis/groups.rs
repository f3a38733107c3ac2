//! The runs grouped as the report shows them: per regime, one [`Group`] per (pair,
//! architecture), one [`Series`] per strategy, by point — with what the tables and plots read
//! off them (best cells, every pair of strategies compared paired by seed, the accuracy at the
//! endpoints).

use std::collections::{BTreeMap, BTreeSet};

use datasets::point::{Point, Regime};
use trainer::{ModelKind, Strategy};

use super::fit::Fit;
use super::stats::{Difference, Stat};
use crate::records::CellResult;

/// The cells of one strategy of one (pair, architecture) group, by share (or by multiple k in
/// the added-synthetic regime).
pub struct Series {
    pub strategy: Strategy,
    pub by_share: BTreeMap<Point, Stat>,
    /// The accuracy of every successful run by (point, seed): what comparisons pair by seed.
    pub by_seed: BTreeMap<(Point, u64), f64>,
    /// Every successful run as `(share, accuracy)`, what the curves are fitted to.
    pub points: Vec<(f64, f64)>,
    /// The mixing curves (share sweep only: they are laws of the share).
    pub fits: Vec<Fit>,
}

impl Series {
    pub fn new(strategy: Strategy, regime: Regime, cells: &[&CellResult]) -> Series {
        let mut values: BTreeMap<Point, Vec<f64>> = BTreeMap::new();
        let mut by_seed = BTreeMap::new();
        let mut points = Vec::new();
        let key = |c: &CellResult| c.point;
        // Where the strategy is the SM run (the endpoints), SM's run serves it, unless it was
        // trained there itself.
        let shared =
            |c: &CellResult| c.strategy != strategy && c.strategy == strategy.run_at(c.point);
        let trained: Vec<(Point, u64)> = cells
            .iter()
            .filter(|c| c.strategy == strategy && c.strategy != strategy.run_at(c.point))
            .map(|c| (key(c), c.seed))
            .collect();
        let counts = |c: &&&CellResult| {
            c.strategy == strategy || (shared(c) && !trained.contains(&(key(c), c.seed)))
        };
        for cell in cells.iter().filter(counts) {
            if let Some(acc) = cell.accuracy {
                values.entry(key(cell)).or_default().push(acc);
                by_seed.insert((key(cell), cell.seed), acc);
                points.push((cell.position(), acc));
            }
        }
        let by_share = values
            .into_iter()
            .filter_map(|(k, v)| Stat::of(&v).map(|s| (k, s)))
            .collect();
        let fits = match regime {
            Regime::FixedSize => Fit::fit_all(&points),
            Regime::AddedSynthetic => Vec::new(),
        };
        Series {
            strategy,
            by_share,
            by_seed,
            points,
            fits,
        }
    }

    /// The share with the highest mean accuracy (the lowest such share on a tie).
    pub fn best(&self) -> Option<(Point, Stat)> {
        self.by_share
            .iter()
            .map(|(&k, &s)| (k, s))
            .reduce(|best, next| {
                if next.1.mean > best.1.mean {
                    next
                } else {
                    best
                }
            })
    }

    /// The seeds with a successful run, in order.
    pub fn seeds(&self) -> Vec<u64> {
        let seeds: BTreeSet<u64> = self.by_seed.keys().map(|&(_, seed)| seed).collect();
        seeds.into_iter().collect()
    }

    /// The fit with the higher R², drawn on the plot.
    pub fn best_fit(&self) -> Option<Fit> {
        self.fits
            .iter()
            .copied()
            .max_by(|a, b| a.r2().total_cmp(&b.r2()))
    }
}

/// Two strategies of a group compared, `of − against` paired by seed: FT − SM, and with the
/// ramp RAMP − SM and RAMP − FT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comparison {
    pub of: Strategy,
    pub against: Strategy,
}

impl Comparison {
    /// The seed paper's comparison.
    pub const FT_SM: Comparison = Comparison {
        of: Strategy::Ft,
        against: Strategy::Sm,
    };

    /// `FT − SM`.
    pub fn label(&self) -> String {
        format!("{} − {}", upper(self.of), upper(self.against))
    }
}

/// A strategy as the report names it: `SM`, `FT`, `RAMP`.
pub fn upper(strategy: Strategy) -> String {
    strategy.to_string().to_uppercase()
}

/// The runs of one (pair, architecture) in one regime: one table and one plot, a series per
/// strategy.
pub struct Group {
    pub pair: String,
    pub model: ModelKind,
    pub regime: Regime,
    /// SM, FT and every other strategy the group has runs of (the ramp, SM class-wise), in
    /// [`Strategy::ALL`]'s order.
    pub series: Vec<Series>,
    /// The real rows every training set of the group holds, when they all hold the same (R of
    /// the added-synthetic regime).
    pub real_rows: Option<u64>,
}

impl Group {
    /// What the x axis of the group's tables and plots is called.
    pub fn axis(&self) -> &'static str {
        match self.regime {
            Regime::FixedSize => "share",
            Regime::AddedSynthetic => "k",
        }
    }

    /// The largest share or multiple measured (at least 1): the x axis of the group's plot.
    pub fn axis_end(&self) -> f64 {
        self.series
            .iter()
            .flat_map(|s| s.by_share.keys())
            .map(|k| k.value().as_f64())
            .fold(1.0, f64::max)
    }

    fn series_of(&self, strategy: Strategy) -> Option<&Series> {
        self.series.iter().find(|s| s.strategy == strategy)
    }

    /// Every pair of the group's strategies, the later one against the earlier one.
    pub fn comparisons(&self) -> Vec<Comparison> {
        let mut comparisons = Vec::new();
        for (i, against) in self.series.iter().enumerate() {
            for of in &self.series[i + 1..] {
                comparisons.push(Comparison {
                    of: of.strategy,
                    against: against.strategy,
                });
            }
        }
        comparisons
    }

    /// `c` of every seed with both runs at `share`, keyed by seed. Empty at shares 0 and 1,
    /// where every strategy is the SM run.
    pub fn paired_differences(&self, share: Point, c: Comparison) -> BTreeMap<u64, f64> {
        let (Some(of), Some(against)) = (self.series_of(c.of), self.series_of(c.against)) else {
            return BTreeMap::new();
        };
        if c.of.run_at(share) == c.against.run_at(share) {
            return BTreeMap::new();
        }
        of.by_seed
            .range((share, 0)..=(share, u64::MAX))
            .filter_map(|(&(_, seed), &f)| Some((seed, f - against.by_seed.get(&(share, seed))?)))
            .collect()
    }

    /// `c` at `share` over seeds, with its 95 % interval paired by seed.
    pub fn difference(&self, share: Point, c: Comparison) -> Option<Difference> {
        let differences: Vec<f64> = self.paired_differences(share, c).into_values().collect();
        Difference::of(&differences)
    }

    /// The shares strictly between 0 and 1 where both strategies of `c` ran.
    pub fn mixed_shares(&self, c: Comparison) -> Vec<Point> {
        let (Some(of), Some(against)) = (self.series_of(c.of), self.series_of(c.against)) else {
            return Vec::new();
        };
        against
            .by_share
            .keys()
            .filter(|k| !k.is_endpoint() && of.by_share.contains_key(k))
            .copied()
            .collect()
    }

    /// `c` averaged over the mixed shares, paired by seed: per seed the mean difference over
    /// the shares, then the interval over seeds.
    pub fn mean_difference(&self, c: Comparison) -> Option<Difference> {
        let mut per_seed: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
        for share in self.mixed_shares(c) {
            for (seed, d) in self.paired_differences(share, c) {
                per_seed.entry(seed).or_default().push(d);
            }
        }
        let means: Vec<f64> = per_seed
            .into_values()
            .map(|d| d.iter().sum::<f64>() / d.len() as f64)
            .collect();
        Difference::of(&means)
    }

    /// The accuracy at a point where FT is the SM run (share 0: real only, 1: synthetic only).
    pub fn endpoint(&self, point: Point) -> Option<Stat> {
        self.series[0].by_share.get(&point).copied()
    }

    /// The best measured cell: share, strategy (none at the endpoints, where both are one run)
    /// and its accuracy; the lowest share, then SM, on a tie.
    pub fn best(&self) -> Option<(Point, Option<Strategy>, Stat)> {
        self.series
            .iter()
            .filter_map(|s| s.best().map(|(k, stat)| (k, s.strategy, stat)))
            .reduce(|best, next| {
                if next.2.mean > best.2.mean || (next.2.mean == best.2.mean && next.0 < best.0) {
                    next
                } else {
                    best
                }
            })
            .map(|(k, strategy, stat)| {
                let one_run = k.is_endpoint();
                (k, (!one_run).then_some(strategy), stat)
            })
    }
}

/// The groups of the runs of `regime`.
pub fn groups(results: &[CellResult], regime: Regime) -> Vec<Group> {
    let mut by_key: BTreeMap<(String, ModelKind), Vec<&CellResult>> = BTreeMap::new();
    for cell in results.iter().filter(|c| c.regime() == regime) {
        by_key
            .entry((cell.pair.clone(), cell.model))
            .or_default()
            .push(cell);
    }
    by_key
        .into_iter()
        .map(|((pair, model), cells)| {
            let mut real_rows: Vec<u64> = cells.iter().filter_map(|c| c.real_rows).collect();
            real_rows.sort_unstable();
            real_rows.dedup();
            // SM and FT always (an endpoint run serves both); the others where they were
            // trained.
            let strategies = Strategy::ALL.into_iter().filter(|&s| {
                matches!(s, Strategy::Sm | Strategy::Ft) || cells.iter().any(|c| c.strategy == s)
            });
            Group {
                pair,
                model,
                regime,
                series: strategies
                    .map(|strategy| Series::new(strategy, regime, &cells))
                    .collect(),
                real_rows: match real_rows.as_slice() {
                    [rows] => Some(*rows),
                    _ => None,
                },
            }
        })
        .collect()
}
