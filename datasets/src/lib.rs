//! The synmix dataset format, shared by every stage.
//!
//! A dataset is a directory (on a local disk, or a prefix of an object store: [`store`]) laid
//! out like a Hugging Face Hub dataset: Parquet shards under
//! `data/<split>-NNNNN-of-NNNNN.parquet` (PNG images in the Hugging Face `Image` struct, an
//! `int64` label, the sample's source, a stable uid and a JSON `meta` string), a dataset card
//! `README.md`, and a `manifest.json` with counts, hashes and the recipe that made it.
//!
//! This crate writes such directories ([`DatasetWriter`]), reads them back ([`Dataset`]),
//! checks them ([`verify`]), summarises them ([`inspect`]), copies subsets of a split into
//! new ones ([`subset`]), gathers rows a row group at a time ([`gather`]), encodes images while
//! writing them ([`pipeline`]), imports real data from common formats ([`import`]) and locks a
//! directory for its one writer ([`lock`]).
//!
//! Its errors name no command-line flags: options by their field names
//! ([`Error::Setting`]) and output-directory clashes by their [`Remedy`]s
//! ([`Error::OutputInUse`]); a front end words those its own way.

pub mod apportion;
pub mod atomic;
mod card;
mod error;
pub mod gather;
pub mod grid;
pub mod import;
pub mod inspect;
mod journal;
pub mod lock;
mod manifest;
pub mod memory;
pub mod path_name;
pub mod pipeline;
pub mod png;
pub mod point;
pub mod progress;
mod reader;
pub mod rng;
pub mod schema;
pub mod store;
pub mod subset;
mod types;
pub mod verify;
mod writer;

pub use error::{Error, OutputConflict, Remedy, Result};
pub use manifest::{
    FORMAT_VERSION, MANIFEST_FILE, Manifest, Phase, ShardInfo, SplitManifest, Visits,
    changed_config_keys,
};
pub use progress::Progress;
pub use reader::{Columns, Dataset, DecodedSplit, KeyColumns, ShardFile, read_shard};
pub use store::Location;
pub use types::{DatasetInfo, ImageSpec, Recipe, Row, Source, SplitPlan};
pub use writer::{DatasetWriter, ShardSlot, ShardWriter, WriteMode};

/// The version of synmix that wrote a dataset; recorded in every manifest.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Shards hold at most this many rows, so one split of 60,000 images is a handful of files.
pub const DEFAULT_ROWS_PER_SHARD: u64 = 20_000;

/// Rows per Parquet row group: a few hundred images keeps a row group around 100-500 KiB.
pub const ROWS_PER_ROW_GROUP: usize = 512;
