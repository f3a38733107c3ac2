//! The experiment file of `synmix bench`: which dataset pairs, architectures, strategies,
//! shares, seeds and budgets make up the sweep.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use trainer::config::{OptimizerKind, TrainConfig};
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
    pub pairs: Vec<Pair>,
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
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub optimizer: OptimizerKind,
}

impl TrainBudget {
    /// The training recipe of one cell: the same for every strategy and share, so that SM and
    /// FT differ only in the order of the rows.
    pub fn config(&self, _model: ModelKind, seed: u64) -> TrainConfig {
        TrainConfig::new()
            .with_optimizer(self.optimizer)
            .with_lr(self.learning_rate)
            .with_batch_size(self.batch_size)
            .with_epochs(self.epochs)
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
    let experiment: Experiment = toml::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{origin}: {}",
            e.to_string().replace('\n', " ").trim().to_string()
        )
    })?;
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
        if self.train.epochs == 0 || self.train.batch_size == 0 || !(self.train.learning_rate > 0.0)
        {
            bail!("train.epochs, train.batch_size and train.learning_rate must be positive");
        }
        Ok(())
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
        assert_eq!(default.share_list().unwrap().len(), 11);
        assert_eq!(load(None, "full").unwrap().seeds.len(), 3);
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
        std::fs::write(
            &path,
            DEFAULT.replace("epochs = 3", "epochs = 3\nepoch = 2"),
        )
        .unwrap();
        let err = format!("{:#}", load(Some(&path), "default").unwrap_err());
        assert!(err.contains("exp.toml") && err.contains("epoch"), "{err}");
    }
}
