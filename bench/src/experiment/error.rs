//! What can stop an experiment from being read. The library names no flags: the binary's
//! hints word [`Error::UnknownProfile`] as its own option.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A built-in experiment that does not exist.
    #[error("profile '{0}' is unknown: use default or full, or give an experiment file")]
    UnknownProfile(String),
    #[error("{}: cannot read the experiment file: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file does not parse, or a setting cannot work; `origin` names the file or profile.
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
}
