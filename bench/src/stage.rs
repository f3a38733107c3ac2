//! The stages of a bench: every task's kind of work runs in one, and the stages run in order.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The stages of a bench, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Import each real dataset (and cut its test subset).
    #[cfg_attr(feature = "clap", value(alias = "real"))]
    Import,
    /// Render each generator preset.
    Render,
    /// Mix the subsets of one pair, seed and regime (and measure each pair's gap).
    Mix,
    /// Train one cell (and, in an adaptive search, decide each probe's share: the decisions
    /// sit between the trainings they read and the trainings they start).
    Train,
    /// Write the report.
    Report,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::Import,
        Stage::Render,
        Stage::Mix,
        Stage::Train,
        Stage::Report,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Import => "import",
            Stage::Render => "render",
            Stage::Mix => "mix",
            Stage::Train => "train",
            Stage::Report => "report",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
