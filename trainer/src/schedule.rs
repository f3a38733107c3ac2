//! The learning rate of every step of a phase: the phase's peak rate, reached after an optional
//! linear warm-up, then held (`constant`) or decayed along a half cosine towards zero (`cosine`).
//!
//! A schedule restarts with every phase (FT warms up and decays once over its synthetic phase
//! and once over its real phase), and a step's rate depends only on its position in the phase, so
//! a run resumed from a checkpoint steps at exactly the rates it would have used.

use std::f64::consts::PI;
use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    /// The peak rate after the warm-up, to the end of the phase.
    #[default]
    Constant,
    /// Half a cosine from the peak rate after the warm-up towards zero at the end of the phase.
    Cosine,
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Schedule::Constant => "constant",
            Schedule::Cosine => "cosine",
        })
    }
}

impl Schedule {
    /// The rate of step `step` (0-based) of a phase of `steps` steps with peak rate `peak`,
    /// warmed up linearly over the first `warmup` fraction of the steps. No step gets rate 0:
    /// the warm-up starts at `peak / warmup_steps` and the decay ends one step short of zero.
    pub fn lr(self, peak: f64, warmup: f64, step: usize, steps: usize) -> f64 {
        let warmup_steps = (warmup * steps as f64).round() as usize;
        if step < warmup_steps {
            return peak * (step + 1) as f64 / warmup_steps as f64;
        }
        match self {
            Schedule::Constant => peak,
            Schedule::Cosine => {
                let progress = (step - warmup_steps) as f64 / (steps - warmup_steps) as f64;
                peak * 0.5 * (1.0 + (PI * progress).cos())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_without_warmup_is_the_peak() {
        assert!((0..10).all(|s| Schedule::Constant.lr(0.1, 0.0, s, 10) == 0.1));
    }

    #[test]
    fn warmup_rises_linearly_then_cosine_decays_towards_zero() {
        let rates: Vec<f64> = (0..10)
            .map(|s| Schedule::Cosine.lr(1.0, 0.2, s, 10))
            .collect();
        assert_eq!(&rates[..3], &[0.5, 1.0, 1.0]);
        assert!(rates[2..].windows(2).all(|w| w[1] < w[0]), "{rates:?}");
        let last = rates[9];
        assert!(last > 0.0 && last < 0.05, "{rates:?}");
        // Halfway through the decay (step 2 + 4 of 8) the rate is half the peak.
        assert!((rates[6] - 0.5).abs() < 1e-12, "{rates:?}");
        let constant: Vec<f64> = (0..10)
            .map(|s| Schedule::Constant.lr(1.0, 0.2, s, 10))
            .collect();
        assert_eq!(&constant[..3], &[0.5, 1.0, 1.0]);
        assert!(constant[2..].iter().all(|&r| r == 1.0));
    }
}
