//! The checks an experiment passes before any work: names that become directories, bounds on
//! every number, settings every architecture needs, the plan's size. What needs the data
//! (whether it holds every regime) is checked against the datasets' manifests before any work
//! too, by the bench.

use std::collections::BTreeMap;
use std::path::Path;

use datasets::path_name::check_path_name;

use super::{BUILTIN_REAL, Experiment, Pair, RealSource, SyntheticSource};

/// The most rows a subset (or a synthetic test split's class) may have: the mixer's bound.
pub use mixer::quotas::MAX_SUBSET_ROWS;

/// The most runs one experiment plans.
const MAX_CELLS: usize = 1_000_000;

impl Experiment {
    pub(super) fn check(&self) -> Result<(), String> {
        if self.pairs.is_empty()
            || self.seeds.is_empty()
            || self.architectures.is_empty()
            || self.strategies.is_empty()
        {
            return Err(
                "pairs, seeds, architectures and strategies must each name at least one".into(),
            );
        }
        self.check_data()?;
        let mut strategies = self.strategies.clone();
        strategies.sort();
        if let Some(twice) = strategies.windows(2).find(|w| w[0] == w[1]) {
            return Err(format!("strategies names '{}' twice; drop one", twice[0]));
        }
        self.check_pairs()?;
        self.check_train()?;
        if let Some(search) = &self.search {
            search.check(self.seeds.len(), self.shares.values())?;
        }
        if let Some(added) = &self.added {
            if added.real == 0 {
                return Err(
                    "added.real must be at least 1 (the real rows kept in every subset)".into(),
                );
            }
            let largest = added
                .multiples
                .values()
                .iter()
                .max()
                .map_or(0.0, |k| k.as_f64());
            if added.real as f64 * (1.0 + largest) > MAX_SUBSET_ROWS as f64 {
                return Err(format!(
                    "added.real {} with k = {largest} is over {MAX_SUBSET_ROWS} rows per subset",
                    added.real
                ));
            }
        }
        self.check_size()
    }

    /// Whether every class gets rows is checked against the real class counts.
    fn check_data(&self) -> Result<(), String> {
        if self.data.size == 0 {
            return Err("data.size must be positive".into());
        }
        if self.data.size > MAX_SUBSET_ROWS {
            return Err(format!(
                "data.size {} is over {MAX_SUBSET_ROWS} rows per subset",
                self.data.size
            ));
        }
        if self.data.synthetic_test_per_class > MAX_SUBSET_ROWS {
            return Err(format!(
                "data.synthetic_test_per_class {} is over {MAX_SUBSET_ROWS}",
                self.data.synthetic_test_per_class
            ));
        }
        Ok(())
    }

    fn check_pairs(&self) -> Result<(), String> {
        let mut names: Vec<&str> = self.pairs.iter().map(|p| p.name.as_str()).collect();
        names.sort();
        names.dedup();
        if names.len() != self.pairs.len() {
            return Err("pair names must differ".into());
        }
        for pair in &self.pairs {
            pair.check()?;
        }
        // Each preset renders into a directory of its name: two files may not share one.
        let mut presets: BTreeMap<String, &str> = BTreeMap::new();
        for pair in &self.pairs {
            if let SyntheticSource::Preset(preset) = &pair.synthetic {
                let name = preset_name(preset)?;
                if let Some(other) = presets.insert(name.clone(), preset)
                    && other != preset
                {
                    return Err(format!(
                        "presets {other} and {preset} are both named '{name}': give one another name"
                    ));
                }
            }
        }
        Ok(())
    }

    fn check_train(&self) -> Result<(), String> {
        for &model in &self.architectures {
            let missing = |setting: &str| {
                format!("train.{setting} gives none for {model}: add `{model} = …` to it")
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
                return Err(format!(
                    "train.epochs and train.learning_rate of {model} must be positive"
                ));
            }
        }
        if self.train.batch_size == 0 {
            return Err("train.batch_size must be positive".into());
        }
        if !(0.0..1.0).contains(&self.train.warmup) {
            return Err(format!(
                "train.warmup {} must be a fraction of each phase's steps in [0, 1)",
                self.train.warmup
            ));
        }
        Ok(())
    }

    /// The plan stays within [`MAX_CELLS`] runs.
    fn check_size(&self) -> Result<(), String> {
        let points: usize = self.axes().iter().map(|a| a.values.len()).sum();
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
        match cells {
            Some(_) => Ok(()),
            None => Err(format!(
                "pairs × seeds × architectures × strategies × shares and multiples is over {MAX_CELLS} runs; \
                 split the experiment"
            )),
        }
    }
}

/// The name a preset renders under (a directory of the bench).
fn preset_name(preset: &str) -> Result<String, String> {
    generator::PresetSpec::parse(preset)
        .map(|spec| spec.name().to_string())
        .map_err(|e| e.to_string())
}

impl Pair {
    /// Its name becomes a directory; a built-in source or preset must exist.
    fn check(&self) -> Result<(), String> {
        check_path_name("pairs.name", &self.name)?;
        if let RealSource::Builtin(name) = &self.real
            && !BUILTIN_REAL.contains(&name.as_str())
        {
            return Err(format!(
                "pair '{}': real source '{name}' is not built in: use {} or dataset = \"DIR\"",
                self.name,
                BUILTIN_REAL.join(", ")
            ));
        }
        if let SyntheticSource::Preset(preset) = &self.synthetic {
            let name = preset_name(preset).map_err(|e| format!("pair '{}': {e}", self.name))?;
            // Its render is a directory named after it.
            check_path_name("the preset's name", &name)
                .map_err(|why| format!("pair '{}': {preset}: {why}", self.name))?;
        }
        Ok(())
    }
}

/// Makes the preset files of `experiment` (read from `file`) paths relative to where `file`
/// is, so that the experiment pinned in a bench directory names the same files.
pub(super) fn resolve_preset_files(experiment: &mut Experiment, file: &Path) {
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
