//! The mixer: turns one synthetic and one real dataset into the training sets of the
//! benchmark, without decoding a single image.
//!
//! - [`sweep`] writes, for every synthetic share r, a Simple Mixed subset `sm-rXXX` (N rows,
//!   round(r·N) synthetic, classes balanced within the subset and within each source) and a
//!   Fine-Tuned subset `ft-rXXX` holding the very same rows as two phases, all synthetic
//!   rows then all real rows, plus `mix.json` describing the sweep ([`MixRecord`]).
//! - [`added`] writes the added-synthetic regime: a fixed set of R real rows plus k·R synthetic
//!   rows for every multiple k, again as `sm-kXXX` and `ft-kXXX` of the same rows.
//! - [`ramp`]: asked for training recipes (`--ramp 12x64`), both write beside them `ramp-NAME`,
//!   the SM subset's rows whose manifest phase holds, for each recipe, how many synthetic
//!   rows every batch visits: a synthetic fraction falling linearly over the whole training.
//! - [`classwise`]: given how well each class's synthetic images transfer, a sweep also writes
//!   `sm-classwise-rXXX`, the SM subset's share with a synthetic share per class (fewer
//!   synthetic images of the classes that transfer badly); `mix --class-shares` writes one such
//!   subset of the user's class shares.
//! - [`curriculum`] writes one dataset from a TOML plan of phases and share ramps.
//!
//! Quotas are exact ([`quotas`]); every random choice comes from a named stream of one
//! seed ([`datasets::rng`]), so the same arguments give byte-identical shards on any thread count;
//! reruns keep finished outputs; every output is a complete synmix dataset whose manifest
//! records the quota tables and the regime (`mix`) and the phase plan (`phases`).
//!
//! Manifest phases: a Simple Mixed subset has one phase, "mixed", over all its rows; a
//! Fine-Tuned subset has "synthetic" then "real" (one of them at shares 0 and 1); a
//! curriculum has one per plan phase or ramp block.

pub mod added;
pub mod classwise;
pub mod curriculum;
pub mod draw;
mod error;
pub mod inputs;
pub mod quotas;
pub mod ramp;
mod record;
pub mod speed;
pub mod sweep;
mod write;

use datasets::Location;

pub use added::{AddedSpec, added_synthetic};
pub use classwise::{ClasswiseSpec, classwise};
pub use curriculum::{CurriculumPlan, CurriculumSpec, curriculum};
pub use draw::{Draw, Order};
pub use error::{Error, Result};
pub use inputs::ClassRenames;
pub use quotas::QuotaTable;
pub use ramp::RampRecipe;
pub use record::{InputRecord, MIX_FILE, MixRecord, SubsetRecord};
pub use sweep::{SweepSpec, parse_shares, quota_tables, sweep, synthetic_needs};
pub use write::SweepSummary;

/// What every mix needs besides its shape: the inputs, the seed, the row order, and what to
/// do with existing outputs.
#[derive(Debug, Clone)]
pub struct MixOptions {
    pub synthetic: Location,
    pub real: Location,
    /// Synthetic class names mapped onto real ones, for those named differently.
    pub class_renames: ClassRenames,
    pub seed: u64,
    pub order: Order,
    /// Rewrite outputs even if finished, and replace outputs made with other arguments.
    /// Without it, a rerun keeps finished outputs and redoes unfinished ones.
    pub force: bool,
    /// The command line, recorded in each manifest's recipe.
    pub command: String,
    /// Bytes of input rows held at a time while copying [default:
    /// `datasets::memory::default_budget`]; at least one output shard's rows are.
    pub memory_budget: Option<u64>,
}

/// One output dataset of a mix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubsetSummary {
    pub name: String,
    pub dir: Location,
    pub rows: u64,
    pub synthetic_rows: u64,
    /// Kept from an earlier identical run rather than written now.
    pub kept: bool,
}
