//! The hyper-parameters of a run ([`TrainConfig`]) and the optimizers they build.

use std::fmt;

use burn::optim::momentum::MomentumConfig;
use burn::optim::{ModuleOptimizer, SgdConfig};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::optim::FusedAdam;
use crate::schedule::Schedule;
use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    Adam,
    /// SGD with (undampened) momentum.
    Sgd,
}

impl fmt::Display for OptimizerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OptimizerKind::Adam => "adam",
            OptimizerKind::Sgd => "sgd",
        })
    }
}

/// Hyper-parameters of a run; every default is recorded in the run's result.
#[derive(Config, Debug, PartialEq)]
pub struct TrainConfig {
    #[config(default = "OptimizerKind::Adam")]
    pub optimizer: OptimizerKind,
    #[config(default = 1e-3)]
    pub lr: f64,
    #[config(default = 64)]
    pub batch_size: usize,
    /// Epochs of each phase (FT: over the synthetic rows, then over the real rows, so FT and SM
    /// see the same number of samples).
    #[config(default = 5)]
    pub epochs: usize,
    #[config(default = 0)]
    pub seed: u64,
    /// FT: learning rate of the phases after the first (default: `lr`).
    pub finetune_lr: Option<f64>,
    /// FT: epochs of the phases after the first (default: `epochs`).
    pub finetune_epochs: Option<usize>,
    /// FT: start each phase after the first with a fresh optimizer state (Adam moments, SGD
    /// momentum) rather than the state the previous phase left.
    #[config(default = true)]
    pub reset_optimizer: bool,
    /// Momentum of SGD.
    #[config(default = 0.9)]
    pub momentum: f64,
    /// How the learning rate moves within each phase (from the phase's rate as its peak).
    #[config(default = "Schedule::Constant")]
    pub schedule: Schedule,
    /// Fraction of each phase's steps over which the learning rate rises linearly to its peak.
    #[config(default = 0.0)]
    pub warmup: f64,
}

impl TrainConfig {
    pub fn check(&self) -> Result<()> {
        let lr_ok = |lr: f64| lr.is_finite() && lr > 0.0;
        if self.batch_size == 0 {
            return Err(Error::invalid("batch size must be at least 1"));
        }
        if !lr_ok(self.lr) || !self.finetune_lr.is_none_or(lr_ok) {
            return Err(Error::invalid("learning rates must be positive"));
        }
        if !(0.0..1.0).contains(&self.warmup) {
            return Err(Error::invalid(format!(
                "warm-up {} must be a fraction of each phase's steps in [0, 1)",
                self.warmup
            )));
        }
        Ok(())
    }

    pub(crate) fn optimizer(&self) -> ModuleOptimizer {
        match self.optimizer {
            OptimizerKind::Adam => ModuleOptimizer::from(FusedAdam::new()),
            OptimizerKind::Sgd => SgdConfig::new()
                .with_momentum(Some(
                    MomentumConfig::new()
                        .with_momentum(self.momentum)
                        .with_dampening(0.0),
                ))
                .init(),
        }
    }
}
