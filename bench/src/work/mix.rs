//! Mix the subsets of every point of one pair, seed and regime — SM and FT, the ramp's laid out
//! for each architecture's recipe and the class-wise ones following the pair's gap when the
//! experiment trains them — from the pair's real and synthetic datasets, checked against their
//! hashes first.

use std::fmt;
use std::path::Path;

use anyhow::{Context as _, Result};
use datasets::Location;
use datasets::point::{Regime, Strategy};
use serde::{Deserialize, Serialize};

use super::{Context, Kind, check_input, dataset_damaged, inputs};
use crate::dir::BenchDir;
use crate::experiment::Axis;
use crate::layout;
use crate::records::PairGap;
use crate::stage::Stage;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Mix {
    pub pair: String,
    pub seed: u64,
    pub regime: Regime,
}

impl fmt::Display for Mix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.regime {
            Regime::FixedSize => write!(f, "mix {} seed {}", self.pair, self.seed),
            Regime::AddedSynthetic => {
                write!(f, "mix {} seed {} added synthetic", self.pair, self.seed)
            }
        }
    }
}

impl Kind for Mix {
    fn stage(&self) -> Stage {
        Stage::Mix
    }

    fn run(&self, context: &Context) -> Result<String> {
        let (experiment, options) = (context.experiment, context.options);
        let data = inputs::pair_data(inputs::pair(experiment, &self.pair)?, experiment, options)?;
        // A damaged input is made again (or, given by the user, named), never mixed.
        check_input(&data.real)?;
        check_input(&data.synthetic)?;
        let axis = experiment
            .axis(self.regime)
            .with_context(|| format!("the experiment does not run the {} regime", self.regime))?;
        let dir = layout::mix_dir(&options.out, &self.pair, self.seed, self.regime);
        let mix_options = mixer::MixOptions {
            synthetic: data.synthetic.clone(),
            real: data.real.clone(),
            class_renames: mixer::ClassRenames::default(),
            seed: self.seed,
            order: mixer::Order::default(),
            force: false,
            command: options.command.clone(),
            memory_budget: None,
        };
        let class_transfer = match self.regime {
            Regime::FixedSize if experiment.strategies.contains(&Strategy::SmClasswise) => {
                Some(class_transfer(&options.out, &self.pair, &data.real)?)
            }
            _ => None,
        };
        let spinner =
            datasets::progress::bars::spinner(&format!("mixing {}", dir.display()), options.quiet);
        mix(
            mix_options,
            &dir,
            &axis,
            experiment.ramp_recipes(),
            class_transfer,
        )?;
        spinner.finish_and_clear();
        Ok(format!("{}", dir.display()))
    }

    fn outputs(&self, out: &BenchDir) -> Vec<Location> {
        vec![layout::mix_dir(out, &self.pair, self.seed, self.regime)]
    }

    /// Every subset `mix.json` lists, of every strategy.
    fn damaged(&self, out: &BenchDir) -> Option<String> {
        let dir = layout::mix_dir(out, &self.pair, self.seed, self.regime);
        let record = match mixer::MixRecord::read(&dir) {
            Ok(record) => record,
            Err(e) => return Some(e.to_string()),
        };
        record
            .subset_names()
            .into_iter()
            .find_map(|name| dataset_damaged(dir.join(name)))
    }
}

/// How well each class of the real dataset `real` transfers, for the class-wise subsets: the
/// pair's gap task's TRTS per class (the share of a class's synthetic images that a network
/// trained on the real data recognises), by class name. A gap the data could not give leaves
/// every class alike, so the class-wise subsets are SM's quotas.
fn class_transfer(out: &Path, pair: &str, real: &datasets::Location) -> Result<Vec<f64>> {
    let classes = datasets::Dataset::open(real)?.manifest.classes;
    Ok(match PairGap::read(out, pair)? {
        PairGap::Measured(gap) => classes
            .iter()
            .map(|class| gap.per_class.get(class).and_then(|m| m.trts).unwrap_or(0.0))
            .collect(),
        PairGap::NotMeasured { .. } => vec![1.0; classes.len()],
    })
}

/// Mixes the subsets of `axis` into `dir` (the mixer keeps finished ones).
fn mix(
    options: mixer::MixOptions,
    dir: &Location,
    axis: &Axis,
    ramp: Vec<mixer::RampRecipe>,
    class_transfer: Option<Vec<f64>>,
) -> Result<()> {
    match axis.regime {
        Regime::FixedSize => {
            let spec = mixer::SweepSpec {
                options,
                out: dir.into(),
                size: axis.rows,
                shares: axis.values.clone(),
                draw: mixer::Draw::Nested,
                ramp,
                class_transfer,
            };
            mixer::sweep(&spec, &|_| {})?;
        }
        Regime::AddedSynthetic => {
            let spec = mixer::AddedSpec {
                options,
                out: dir.into(),
                real_rows: axis.rows,
                multiples: axis.values.clone(),
                ramp,
            };
            mixer::added_synthetic(&spec, &|_| {})?;
        }
    }
    Ok(())
}
