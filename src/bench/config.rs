//! The experiment file of `synmix bench`: which dataset pairs, architectures, strategies,
//! shares, seeds and budgets make up the sweep.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use trainer::config::{OptimizerKind, TrainConfig};
use trainer::schedule::Schedule;
use trainer::{ModelKind, Strategy};

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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// A generator preset, rendered for this experiment.
    Preset(String),
    /// An existing synmix dataset (a `test` split, if any, measures the domain gap).
    Dataset(PathBuf),
}

impl AddedRegime {
    /// What needs no data to check; whether the data holds R and k·R rows of every class is
    /// checked against the datasets before any work.
    fn check(&self) -> Result<()> {
        if self.real == 0 {
            bail!("added.real must be at least 1 (the real rows kept in every subset)");
        }
        if self.multiples.is_empty() {
            bail!(
                "added.multiples is empty: give at least one multiple k of the real rows, e.g. [0, 0.5, 1, 2, 4]"
            );
        }
        if let Some(bad) = self
            .multiples
            .iter()
            .find(|k| !(k.is_finite() && **k >= 0.0))
        {
            bail!(
                "added.multiples: {bad} is not a multiple; the synthetic rows added are k ≥ 0 times added.real"
            );
        }
        let mut names: Vec<String> = self
            .multiples
            .iter()
            .map(|&k| mixer::added::multiple_name(k))
            .collect();
        names.sort();
        if let Some(pair) = names.windows(2).find(|w| w[0] == w[1]) {
            bail!(
                "added.multiples: two multiples are both {} (subsets are named by hundredths); drop one",
                pair[0]
            );
        }
        Ok(())
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
    let experiment: Experiment = toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{origin}: {}", e.to_string().replace('\n', " ").trim()))?;
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
        // Whether every class gets rows is the mixer's check, against the real class counts.
        if self.data.size == 0 {
            bail!("data.size must be positive");
        }
        let mut names: Vec<&str> = self.pairs.iter().map(|p| p.name.as_str()).collect();
        names.sort();
        names.dedup();
        if names.len() != self.pairs.len() {
            bail!("pair names must differ");
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
        if let Some(added) = &self.added {
            added.check()?;
        }
        Ok(())
    }

    /// The multiples of the added-synthetic regime; none when the experiment does not run it.
    pub fn added_multiples(&self) -> &[f64] {
        self.added.as_ref().map_or(&[], |a| a.multiples.as_slice())
    }

    pub fn share_list(&self) -> Result<Vec<f64>> {
        Ok(mixer::parse_shares(&self.shares)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_profiles_load() {
        let default = load(None, "default").unwrap();
        assert_eq!(default.pairs.len(), 2);
        assert_eq!(
            default.share_list().unwrap(),
            [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
        );
        let full = load(None, "full").unwrap();
        assert_eq!(full.seeds.len(), 3);
        assert_eq!(full.added_multiples(), [0.0, 0.5, 1.0, 2.0, 4.0]);
        assert!(default.added.is_none());
        assert!(
            load(None, "huge")
                .unwrap_err()
                .to_string()
                .contains("--profile")
        );
    }

    #[test]
    fn unknown_keys_are_named() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("exp.toml");
        std::fs::write(&path, DEFAULT.replace("[train]\n", "[train]\nepoch = 2\n")).unwrap();
        let err = format!("{:#}", load(Some(&path), "default").unwrap_err());
        assert!(err.contains("exp.toml") && err.contains("epoch"), "{err}");
    }

    #[test]
    fn epochs_by_architecture_build_each_cells_recipe() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("exp.toml");
        let text = DEFAULT.replace(
            &DEFAULT[DEFAULT.find("[train]").unwrap()..DEFAULT.find("[[pairs]]").unwrap()],
            "[train]\nepochs = { mlp = 4, cnn = 2, vit = 6 }\nbatch_size = 32\n\
             learning_rate = { mlp = 0.003, cnn = 0.003, vit = 0.002 }\noptimizer = \"adam\"\n\
             schedule = \"cosine\"\nwarmup = 0.1\n\n",
        );
        std::fs::write(&path, &text).unwrap();
        let experiment = load(Some(&path), "default").unwrap();
        let vit = experiment.train.config(ModelKind::Vit, 3);
        assert_eq!((vit.epochs, vit.seed, vit.batch_size), (6, 3, 32));
        assert_eq!(
            (vit.schedule, vit.warmup, vit.lr),
            (Schedule::Cosine, 0.1, 0.002)
        );
        let mlp = experiment.train.config(ModelKind::Mlp, 0);
        assert_eq!((mlp.epochs, mlp.lr), (4, 0.003));

        std::fs::write(&path, text.replace(", vit = 6", "")).unwrap();
        let err = format!("{:#}", load(Some(&path), "default").unwrap_err());
        assert!(
            err.contains("exp.toml") && err.contains("train.epochs gives none for vit"),
            "{err}"
        );
        std::fs::write(&path, text.replace("warmup = 0.1", "warmup = 1.5")).unwrap();
        let err = format!("{:#}", load(Some(&path), "default").unwrap_err());
        assert!(err.contains("train.warmup 1.5"), "{err}");
    }
}
