use std::path::{Path, PathBuf};

/// Errors of the trainer; each displays as one line that says what is wrong and where.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input: an unknown name, data that does not fit the model, an empty share, ...
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Dataset(#[from] datasets::Error),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    File { path: PathBuf, message: String },
    /// The progress callback asked the run to stop; the last checkpoint is kept for a resume.
    #[error("run interrupted; run the same command again to resume from the last checkpoint")]
    Interrupted,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::Invalid(message.into())
    }

    /// A value of the run's options that cannot work, named by its field (`strategy`); the
    /// datasets crate's `Setting` error, so that a front end words it as its own option.
    pub fn setting(setting: &'static str, message: impl Into<String>) -> Self {
        Error::Dataset(datasets::Error::setting(setting, message))
    }

    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    pub fn file(path: impl AsRef<Path>, message: impl ToString) -> Self {
        Error::File {
            path: path.as_ref().to_path_buf(),
            message: message.to_string(),
        }
    }
}
