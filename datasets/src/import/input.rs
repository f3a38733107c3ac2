//! What an importer reads: the input's classes and splits of images as they come (raw pixels,
//! encoded bytes, files to read later), and the input files it cannot use.

use std::path::PathBuf;

/// One image as read from the input, before conversion.
#[derive(Debug, Clone)]
pub enum InputPixels {
    /// Raw pixels (`channels` bytes per pixel), as IDX and CIFAR store them.
    Raw {
        width: u32,
        height: u32,
        channels: u8,
        data: Vec<u8>,
    },
    /// An encoded image (PNG, JPEG) to decode.
    Encoded(Vec<u8>),
    /// An encoded image file, read only when its rows are converted: an image folder is never
    /// held in memory whole.
    File(PathBuf),
    /// An encoded image in a Parquet input, likewise read when its rows are converted.
    Parquet(super::parquet_images::ParquetRow),
}

#[derive(Debug, Clone)]
pub struct InputImage {
    pub pixels: InputPixels,
    /// Index into the input's class names.
    pub label: u32,
    /// Where it came from (file, index), kept in `meta` and in error messages.
    pub origin: String,
}

#[derive(Debug, Clone)]
pub struct InputSplit {
    pub name: String,
    pub images: Vec<InputImage>,
}

/// What an importer read: class names and splits.
#[derive(Debug, Clone, Default)]
pub struct Input {
    pub classes: Vec<String>,
    pub splits: Vec<InputSplit>,
    /// Recorded in the recipe: the input files or directory.
    pub from: String,
    /// Input files left out of `splits` because they cannot be imported.
    pub problems: Vec<Problem>,
}

/// An input file that cannot be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file, as the input names it (relative to the input's root).
    pub file: String,
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.file, self.reason)
    }
}
