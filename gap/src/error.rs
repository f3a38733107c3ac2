use std::path::{Path, PathBuf};

/// What can stop a gap measurement. Every message names the file or the class at fault.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Dataset(#[from] datasets::Error),
    #[error(transparent)]
    Trainer(#[from] trainer::Error),
    /// The two datasets (or a dataset and the encoder) cannot be compared as given.
    #[error("{path}: {message}")]
    Mismatch { path: PathBuf, message: String },
    /// A class has too few images for a measure.
    #[error("class '{class}' has {rows} {set} images; {needed}")]
    TooFew {
        class: String,
        set: &'static str,
        rows: usize,
        needed: String,
    },
    #[error("{path}: {message}")]
    Encoder { path: PathBuf, message: String },
    /// An encoder gave a feature that is not a finite number.
    #[error(
        "the {encoder} gives a feature that is not a finite number (NaN or infinite) for image {image} of the {set} split; the measures need finite features"
    )]
    NotFinite {
        encoder: String,
        set: String,
        image: usize,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Output { path: PathBuf, message: String },
}

impl Error {
    pub(crate) fn mismatch(path: &Path, message: impl Into<String>) -> Error {
        Error::Mismatch {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }

    pub(crate) fn encoder(path: &Path, message: impl ToString) -> Error {
        Error::Encoder {
            path: path.to_path_buf(),
            message: message.to_string(),
        }
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn output(path: &Path, message: impl ToString) -> Error {
        Error::Output {
            path: path.to_path_buf(),
            message: message.to_string(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
