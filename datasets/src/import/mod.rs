//! Importers that turn real-world image collections into synmix datasets.
//!
//! Each importer reads its input into memory first ([`Input`]: the input's own bytes, raw
//! pixels or encoded files to read later); then [`write_dataset`] picks the split and relabels
//! the classes the options ask for, and resizes ([`Fit`]), converts and PNG-encodes the images
//! chunk by chunk in parallel, writing each chunk while the next is converted, so the converted
//! dataset is never in memory at once. Input files an importer cannot use ([`Problem`]s: a
//! listed image that is missing, a file name its rule does not match, an unreadable image) stop
//! the import before anything is written, unless the options ask to skip them; then the
//! manifest's recipe lists them.
//!
//! By job: `input` (what an importer reads), `problems` (the bad-file policy), `select` (split
//! choice and relabelling), `convert` (decode, fit, colour), `write` (the import through the
//! encode-while-write [`pipeline`](crate::pipeline)); then one module per input format.

mod cifar;
mod classes;
mod convert;
mod fashion;
mod fit;
mod folder;
mod idx;
mod input;
mod lists;
mod names;
mod parquet_images;
mod problems;
mod select;
mod write;

use std::path::Path;

use crate::store::Location;

use crate::error::{Error, Result};
use crate::types::Source;
use crate::writer::WriteMode;

pub use cifar::{CIFAR10_CLASSES, read_cifar10};
pub use classes::{ClassMap, class_pairs};
pub use fashion::{
    FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, FASHION_MNIST_TRAIN_PER_CLASS, read_fashion_mnist,
};
pub use fit::Fit;
pub use folder::read_folder;
pub use idx::{IdxPair, read_idx, read_idx_pair};
pub use input::{Input, InputImage, InputPixels, InputSplit, Problem};
pub use lists::{SplitLists, read_split_lists};
pub use names::{NameRule, read_named};
pub use parquet_images::{ParquetRow, read_parquet};
pub use write::write_dataset;

/// Options every importer shares.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub out: Location,
    /// Dataset name; defaults to the output directory's name.
    pub name: Option<String>,
    pub source: Source,
    /// Multi-split inputs: import only this split. Single-split inputs: the split's name.
    pub split: Option<String>,
    pub size: Option<(u32, u32)>,
    /// How images of another aspect ratio than `size` are fitted to it.
    pub fit: Fit,
    pub channels: Option<u8>,
    pub classes: Option<ClassMap>,
    /// Import without the input files that cannot be used (each image decoded once more
    /// up front to find the unreadable ones), listing them in the recipe, instead of failing.
    pub skip_bad: bool,
    pub mode: WriteMode,
    /// The command line, recorded in the manifest's recipe.
    pub command: String,
}

/// Reads a whole file, naming it in the error.
fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}
