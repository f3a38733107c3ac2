//! The experiment file of `synmix bench`: which dataset pairs, architectures, strategies,
//! shares, seeds and budgets make up the sweep.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use datasets::path_name::check_path_name;
use datasets::point::{Hundredths, Regime};
use serde::{Deserialize, Serialize};
use trainer::config::{OptimizerKind, TrainConfig};
use trainer::schedule::Schedule;
use trainer::{ModelKind, Strategy};

pub use crate::axis::Axis;
use crate::search::Search;

const DEFAULT: &str = include_str!("default.toml");
const FULL: &str = include_str!("full.toml");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    pub name: String,
    /// `start:end:step` or a comma list, as `synmix mix --shares` takes.
    pub shares: String,
    pub seeds: Vec<u64>,
    pub architectures: Vec<ModelKind>,
    pub strategies: Vec<Strategy>,
    pub data: DataBudget,
    pub train: TrainBudget,
    /// The added-synthetic regime, run beside the share sweep [default: not run].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added: Option<AddedRegime>,
    /// Search the best share adaptively instead of training every share of the sweep
    /// [default: the whole grid]; see [`crate::search`].
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
    pub multiples: Vec<f64>,
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
    /// architectures, whose settings [`Experiment::check`] has made sure of.
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
    /// An existing synmix dataset with `train` and `test` splits.
    Dataset(PathBuf),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "lowercase")]
pub enum SyntheticSource {
    /// A generator preset, rendered for this experiment: a built-in name or the path of a
    /// preset file (`.toml`), relative to the experiment file.
    Preset(String),
    /// An existing synmix dataset (a `test` split, if any, measures the domain gap).
    Dataset(PathBuf),
}

/// The most rows a subset (or a synthetic test split's class) may have: the mixer's bound.
pub use mixer::quotas::MAX_SUBSET_ROWS;

/// The most runs one experiment plans.
const MAX_CELLS: usize = 1_000_000;

/// The real datasets the bench imports itself (`real = { builtin = "…" }`).
pub const BUILTIN_REAL: [&str; 1] = ["fashion-mnist"];

impl Pair {
    /// Its name becomes a directory; a built-in source or preset must exist.
    fn check(&self) -> Result<()> {
        check_path_name("pairs.name", &self.name).map_err(anyhow::Error::msg)?;
        if let RealSource::Builtin(name) = &self.real
            && !BUILTIN_REAL.contains(&name.as_str())
        {
            bail!(
                "pair '{}': real source '{name}' is not built in: use {} or dataset = \"DIR\"",
                self.name,
                BUILTIN_REAL.join(", ")
            );
        }
        if let SyntheticSource::Preset(preset) = &self.synthetic {
            let spec = generator::PresetSpec::parse(preset)
                .with_context(|| format!("pair '{}'", self.name))?;
            // Its render is a directory named after it.
            check_path_name("the preset's name", spec.name())
                .map_err(|why| anyhow::anyhow!("pair '{}': {preset}: {why}", self.name))?;
        }
        Ok(())
    }
}

/// Makes the preset files of `experiment` (read from `file`) paths relative to where `file`
/// is, so that the experiment pinned in a bench directory names the same files.
fn resolve_preset_files(experiment: &mut Experiment, file: &Path) {
    let base = file.parent().unwrap_or(Path::new(""));
    for pair in &mut experiment.pairs {
        if let SyntheticSource::Preset(preset) = &mut pair.synthetic
            && preset.ends_with(".toml")
            && Path::new(preset.as_str()).is_relative()
        {
            let resolved = base.join(preset.as_str());
            // Where the file is missing, Pair::check says so, naming this path.
            let resolved = resolved
                .canonicalize()
                .or_else(|_| std::path::absolute(&resolved))
                .unwrap_or(resolved);
            *preset = resolved.display().to_string();
        }
    }
}

impl AddedRegime {
    /// What needs no data to check; whether the data holds R and k·R rows of every class is
    /// checked against the datasets before any work.
    fn check(&self) -> Result<Vec<Hundredths>> {
        if self.real == 0 {
            bail!("added.real must be at least 1 (the real rows kept in every subset)");
        }
        if self.multiples.is_empty() {
            bail!(
                "added.multiples is empty: give at least one multiple k of the real rows, e.g. [0, 0.5, 1, 2, 4]"
            );
        }
        let mut multiples = Vec::with_capacity(self.multiples.len());
        for &k in &self.multiples {
            multiples.push(Hundredths::exact(k).map_err(|why| {
                anyhow::anyhow!(
                    "added.multiples: {why}; the synthetic rows added are k ≥ 0 times added.real"
                )
            })?);
        }
        let mut sorted = multiples.clone();
        sorted.sort();
        if let Some(pair) = sorted.windows(2).find(|w| w[0] == w[1]) {
            bail!(
                "added.multiples: k = {} is given twice; drop one",
                pair[0].as_f64()
            );
        }
        Ok(multiples)
    }
}

/// The experiment a bench runs: a named profile or a file.
pub fn load(config: Option<&Path>, profile: &str) -> Result<Experiment> {
    let (text, origin) = match config {
        Some(path) => (
            std::fs::read_to_string(path)
                .with_context(|| format!("{}: cannot read the experiment file", path.display()))?,
            path.display().to_string(),
        ),
        None => match profile {
            "default" => (DEFAULT.to_string(), "the default profile".to_string()),
            "full" => (FULL.to_string(), "the full profile".to_string()),
            other => {
                bail!("--profile '{other}' is unknown: use default or full, or give --config FILE")
            }
        },
    };
    let mut experiment: Experiment = toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{origin}: {}", e.to_string().replace('\n', " ").trim()))?;
    if let Some(file) = config {
        resolve_preset_files(&mut experiment, file);
    }
    experiment.check().with_context(|| origin.clone())?;
    Ok(experiment)
}

impl Experiment {
    fn check(&self) -> Result<()> {
        if self.pairs.is_empty()
            || self.seeds.is_empty()
            || self.architectures.is_empty()
            || self.strategies.is_empty()
        {
            bail!("pairs, seeds, architectures and strategies must each name at least one");
        }
        // Whether every class gets rows is checked against the real class counts.
        if self.data.size == 0 {
            bail!("data.size must be positive");
        }
        if self.data.size > MAX_SUBSET_ROWS {
            bail!(
                "data.size {} is over {MAX_SUBSET_ROWS} rows per subset",
                self.data.size
            );
        }
        if self.data.synthetic_test_per_class > MAX_SUBSET_ROWS {
            bail!(
                "data.synthetic_test_per_class {} is over {MAX_SUBSET_ROWS}",
                self.data.synthetic_test_per_class
            );
        }
        let mut strategies = self.strategies.clone();
        strategies.sort_by_key(|s| s.to_string());
        if let Some(twice) = strategies.windows(2).find(|w| w[0] == w[1]) {
            bail!("strategies names '{}' twice; drop one", twice[0]);
        }
        let mut names: Vec<&str> = self.pairs.iter().map(|p| p.name.as_str()).collect();
        names.sort();
        names.dedup();
        if names.len() != self.pairs.len() {
            bail!("pair names must differ");
        }
        for pair in &self.pairs {
            pair.check()?;
        }
        // Each preset renders into a directory of its name: two files may not share one.
        let mut presets: BTreeMap<String, &str> = BTreeMap::new();
        for pair in &self.pairs {
            if let SyntheticSource::Preset(preset) = &pair.synthetic {
                let name = generator::PresetSpec::parse(preset)?.name().to_string();
                if let Some(other) = presets.insert(name.clone(), preset)
                    && other != preset
                {
                    bail!(
                        "presets {other} and {preset} are both named '{name}': give one another name"
                    );
                }
            }
        }
        for &model in &self.architectures {
            let missing = |setting: &str| {
                anyhow::anyhow!("train.{setting} gives none for {model}: add `{model} = …` to it")
            };
            let epochs = self
                .train
                .epochs
                .of(model)
                .ok_or_else(|| missing("epochs"))?;
            let lr = self
                .train
                .learning_rate
                .of(model)
                .ok_or_else(|| missing("learning_rate"))?;
            if epochs == 0 || !(lr > 0.0 && lr.is_finite()) {
                bail!("train.epochs and train.learning_rate of {model} must be positive");
            }
        }
        if self.train.batch_size == 0 {
            bail!("train.batch_size must be positive");
        }
        if !(0.0..1.0).contains(&self.train.warmup) {
            bail!(
                "train.warmup {} must be a fraction of each phase's steps in [0, 1)",
                self.train.warmup
            );
        }
        let axes = self.axes()?;
        if let Some(search) = &self.search {
            search.check(self.seeds.len(), &axes[0].values)?;
        }
        if let Some(added) = axes.iter().find(|a| a.regime == Regime::AddedSynthetic) {
            let largest = added.values.iter().max().map_or(0.0, |k| k.as_f64());
            if added.rows as f64 * (1.0 + largest) > MAX_SUBSET_ROWS as f64 {
                bail!(
                    "added.real {} with k = {largest} is over {MAX_SUBSET_ROWS} rows per subset",
                    added.rows
                );
            }
        }
        let points: usize = axes.iter().map(|a| a.values.len()).sum();
        let cells = [
            self.pairs.len(),
            self.seeds.len(),
            self.architectures.len(),
            self.strategies.len(),
            points,
        ]
        .iter()
        .try_fold(1usize, |product, &n| product.checked_mul(n))
        .filter(|&cells| cells <= MAX_CELLS);
        if cells.is_none() {
            bail!(
                "pairs × seeds × architectures × strategies × shares and multiples is over {MAX_CELLS} runs; \
                 split the experiment"
            );
        }
        Ok(())
    }

    /// The regimes this experiment runs: the share sweep, then the added-synthetic regime if
    /// it has an `[added]` section. [`Experiment::check`] has made sure each can be read.
    pub fn axes(&self) -> Result<Vec<Axis>> {
        let mut axes = vec![Axis {
            regime: Regime::FixedSize,
            rows: self.data.size,
            values: mixer::parse_shares(&self.shares)?,
        }];
        if let Some(added) = &self.added {
            axes.push(Axis {
                regime: Regime::AddedSynthetic,
                rows: added.real,
                values: added.check()?,
            });
        }
        Ok(axes)
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

    /// The axis of `regime`, if the experiment runs it.
    pub fn axis(&self, regime: Regime) -> Result<Axis> {
        self.axes()?
            .into_iter()
            .find(|axis| axis.regime == regime)
            .with_context(|| format!("the experiment does not run the {regime} regime"))
    }
}
