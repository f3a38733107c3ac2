//! The experiment file of `synmix bench`, parsed and checked once into typed values: which
//! dataset pairs, architectures, strategies and seeds, the regimes as [`Axis`]es (the share
//! sweep, the added-synthetic regime), the adaptive [`Search`] and the training recipe of every
//! cell. It depends on nothing else of the bench: the plan is made from it alone.
//!
//! The file's text form is also its pin (`OUT/experiment.toml`, [`Experiment::pin_text`]): the
//! shares and multiples keep the text they were given in, so a pinned experiment reads back as
//! the same text.

mod axis;
mod check;
mod error;
mod search;
mod values;

use std::collections::BTreeMap;
use std::path::Path;

use datasets::Location;
use datasets::point::{Regime, Strategy};
use serde::{Deserialize, Serialize};
use trainer::ModelKind;
use trainer::config::{OptimizerKind, TrainConfig};
use trainer::schedule::Schedule;

pub use axis::Axis;
pub use error::Error;
pub use search::{Search, start as search_start};
pub use values::{Multiples, Shares};

const DEFAULT: &str = include_str!("../default.toml");
const FULL: &str = include_str!("../full.toml");

/// The built-in experiments, by `--profile` name.
pub const PROFILES: [&str; 2] = ["default", "full"];

/// The real datasets the bench imports itself (`real = { builtin = "…" }`).
pub const BUILTIN_REAL: [&str; 1] = ["fashion-mnist"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    pub name: String,
    /// The share sweep: `start:end:step` or a comma list, as `synmix mix` takes it.
    pub shares: Shares,
    pub seeds: Vec<u64>,
    pub architectures: Vec<ModelKind>,
    pub strategies: Vec<Strategy>,
    pub data: DataBudget,
    pub train: TrainBudget,
    /// The added-synthetic regime, run beside the share sweep [default: not run].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added: Option<AddedRegime>,
    /// Search the best share adaptively instead of training every share of the sweep
    /// [default: the whole grid].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<Search>,
    pub pairs: Vec<Pair>,
}

/// The added-synthetic regime: R real rows (in the real train split's class proportions, the
/// same rows at every multiple) plus k·R synthetic rows for every multiple k, trained with the
/// experiment's architectures, strategies, seeds and recipe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddedRegime {
    /// Real rows of every subset (R).
    pub real: u64,
    /// Synthetic rows added, as multiples k of R (0: the real rows alone).
    pub multiples: Multiples,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataBudget {
    /// Rows of every training subset.
    pub size: u64,
    /// Synthetic test images per class (0: no synthetic test).
    pub synthetic_test_per_class: u64,
    /// Real test images that score each run: the first rows of each class of the real test
    /// split, as many of each as keep the split's class proportions (0, or a split of no more
    /// rows: the whole test split).
    #[serde(default)]
    pub real_test_limit: u64,
}

impl DataBudget {
    /// Which real test rows score the runs, in words for the report.
    pub fn real_test_words(&self) -> String {
        match self.real_test_limit {
            0 => "the whole real test split of each pair".to_string(),
            limit => format!(
                "{limit} rows of each pair's real test split in its class proportions \
                 (the first rows of each class), or the whole split where it holds no more"
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainBudget {
    /// Epochs of every phase: one number, or a table by architecture (`{ mlp = 20, cnn = 15 }`).
    pub epochs: ByArchitecture<usize>,
    pub batch_size: usize,
    /// The peak learning rate of every phase: one number, or a table by architecture.
    pub learning_rate: ByArchitecture<f64>,
    pub optimizer: OptimizerKind,
    /// How the rate moves within a phase (`constant` or `cosine`) [default: constant].
    #[serde(default)]
    pub schedule: Schedule,
    /// Fraction of each phase's steps spent warming the rate up linearly [default: 0].
    #[serde(default)]
    pub warmup: f64,
}

/// A setting for every architecture alike (`5`), or a table by architecture (`{ mlp = 5 }`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ByArchitecture<T> {
    All(T),
    Each(BTreeMap<ModelKind, T>),
}

impl<T: Copy> ByArchitecture<T> {
    pub fn of(&self, model: ModelKind) -> Option<T> {
        match self {
            ByArchitecture::All(value) => Some(*value),
            ByArchitecture::Each(table) => table.get(&model).copied(),
        }
    }
}

impl TrainBudget {
    /// The training recipe of one cell: the same for every strategy and share, so that SM and
    /// FT differ only in the order of the rows (FT runs the schedule over each of its phases,
    /// each phase as many epochs as SM trains). `model` must be one of the experiment's
    /// architectures, whose settings the checks have made sure of.
    pub fn config(&self, model: ModelKind, seed: u64) -> TrainConfig {
        TrainConfig::new()
            .with_optimizer(self.optimizer)
            .with_lr(self.learning_rate.of(model).unwrap_or(f64::NAN))
            .with_batch_size(self.batch_size)
            .with_epochs(self.epochs.of(model).unwrap_or_default())
            .with_schedule(self.schedule)
            .with_warmup(self.warmup)
            .with_seed(seed)
    }
}

/// One real dataset against one synthetic dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pair {
    pub name: String,
    pub real: RealSource,
    pub synthetic: SyntheticSource,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "lowercase")]
pub enum RealSource {
    /// A built-in importer (`fashion-mnist`).
    Builtin(String),
    /// An existing synmix dataset with `train` and `test` splits (a directory or an
    /// object-store prefix).
    Dataset(Location),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "lowercase")]
pub enum SyntheticSource {
    /// A generator preset, rendered for this experiment: a built-in name or the path of a
    /// preset file (`.toml`), relative to the experiment file.
    Preset(String),
    /// An existing synmix dataset (a `test` split, if any, measures the domain gap; a
    /// directory or an object-store prefix).
    Dataset(Location),
}

impl Experiment {
    /// A built-in experiment ([`PROFILES`]).
    pub fn profile(name: &str) -> Result<Experiment, Error> {
        let text = match name {
            "default" => DEFAULT,
            "full" => FULL,
            other => return Err(Error::UnknownProfile(other.to_string())),
        };
        Experiment::parse(text, &format!("the {name} profile"), None)
    }

    /// The experiment of a file; preset files it names are read relative to it.
    pub fn file(path: &Path) -> Result<Experiment, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Experiment::parse(&text, &path.display().to_string(), Some(path))
    }

    /// Parses and checks `text`, from `origin` (named in errors); `file` is where it was read
    /// from, against which preset files are resolved.
    pub fn parse(text: &str, origin: &str, file: Option<&Path>) -> Result<Experiment, Error> {
        let invalid = |message: String| Error::Invalid {
            origin: origin.to_string(),
            message,
        };
        let mut experiment: Experiment = toml::from_str(text)
            .map_err(|e| invalid(e.to_string().replace('\n', " ").trim().to_string()))?;
        if let Some(file) = file {
            check::resolve_preset_files(&mut experiment, file);
        }
        experiment.check().map_err(invalid)?;
        Ok(experiment)
    }

    /// The experiment as the text its bench directory pins.
    pub fn pin_text(&self) -> String {
        toml::to_string_pretty(self).expect("experiments serialise")
    }

    /// The share sweep.
    pub fn sweep(&self) -> Axis {
        Axis {
            regime: Regime::FixedSize,
            rows: self.data.size,
            values: self.shares.values().to_vec(),
            classwise: self.strategies.contains(&Strategy::SmClasswise),
        }
    }

    /// The regimes this experiment runs: the share sweep, then the added-synthetic regime if
    /// it has an `[added]` section.
    pub fn axes(&self) -> Vec<Axis> {
        let added = self.added.as_ref().map(|added| Axis {
            regime: Regime::AddedSynthetic,
            rows: added.real,
            values: added.multiples.values().to_vec(),
            classwise: false,
        });
        std::iter::once(self.sweep()).chain(added).collect()
    }

    /// The axis of `regime`, if the experiment runs it.
    pub fn axis(&self, regime: Regime) -> Option<Axis> {
        self.axes().into_iter().find(|axis| axis.regime == regime)
    }

    /// The pair named `name`.
    pub fn pair(&self, name: &str) -> Option<&Pair> {
        self.pairs.iter().find(|p| p.name == name)
    }

    /// The training recipes the ramp subsets are laid out for: each architecture's epochs at
    /// the batch size, once each; none when the experiment does not train the ramp.
    pub fn ramp_recipes(&self) -> Vec<mixer::RampRecipe> {
        if !self.strategies.contains(&Strategy::Ramp) {
            return Vec::new();
        }
        let mut recipes: Vec<mixer::RampRecipe> = self
            .architectures
            .iter()
            .map(|&model| mixer::RampRecipe {
                epochs: self.train.epochs.of(model).unwrap_or_default() as u64,
                batch_size: self.train.batch_size as u64,
            })
            .collect();
        recipes.sort();
        recipes.dedup();
        recipes
    }
}

#[cfg(test)]
mod tests;
