use std::path::{Path, PathBuf};

/// Everything that can stop a mix. Each message is one line that says what is wrong and,
/// where it helps, what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a dataset failed (the datasets crate names the file).
    #[error(transparent)]
    Dataset(#[from] datasets::Error),
    /// The inputs or the request cannot give what was asked for.
    #[error("{0}")]
    Invalid(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Copying rows between Arrow batches failed; the inputs passed the schema check, so this
    /// points at data Arrow cannot hold (such as more than 2 GiB of PNG bytes in one batch).
    #[error("copying rows: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::Invalid(message.into())
    }

    /// A value of the mix's options that cannot work, named by its field (`size`); the
    /// datasets crate's `Setting` error, so that a front end words every stage's settings
    /// as its own options in one place.
    pub fn setting(setting: &'static str, message: impl Into<String>) -> Self {
        Error::Dataset(datasets::Error::setting(setting, message))
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
