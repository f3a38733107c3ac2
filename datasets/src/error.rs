use std::fmt;
use std::path::{Path, PathBuf};

/// Everything that can go wrong reading or writing a dataset. Each message is one line
/// that names the file and says what is wrong. A `path` is the file's or object's name as
/// given: a local path or an object-store URL ([`crate::store::Location::shown`]).
///
/// The library names no command-line flags: a wrong option is a [`Error::Setting`] naming
/// the option's field, and a clash with what the output directory holds is an
/// [`Error::OutputInUse`] listing its [`Remedy`]s. A front end (the `synmix` binary) turns
/// both into its own words in one place.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{0}")]
    Usage(String),
    /// An option's value cannot work, or the input needs an option that was not given.
    /// `setting` is the option's field name (as in `ImportOptions::classes`: "classes");
    /// `message` reads after "`setting`: ".
    #[error("{setting}: {message}")]
    Setting {
        setting: &'static str,
        message: String,
    },
    /// An object store could not do what was asked at `url` (an object or a prefix).
    #[error("{url}: {problem}")]
    Store { url: String, problem: StoreProblem },
    /// The output directory `dir` cannot be written as asked.
    #[error("{dir}: {conflict}")]
    OutputInUse {
        dir: PathBuf,
        conflict: OutputConflict,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What an output directory holds that stops a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputConflict {
    /// The path exists and is not a directory.
    NotADirectory,
    /// The directory holds data and the write was to start afresh.
    HoldsData,
    /// The directory holds files synmix did not write, such as `example`.
    ForeignFiles { example: String },
    /// The directory holds an unfinished run made with other arguments.
    OtherArguments,
    /// The directory holds a finished dataset made with other arguments, which `differs` names.
    FinishedWithOtherArguments { differs: String },
    /// `missing` shards (the first is `first`) are not written yet, so no manifest.
    Unfinished { missing: usize, first: String },
    /// A progress record (`record`, relative to the directory) cannot be read.
    DamagedProgress { record: String, reason: String },
    /// Another process is writing the directory now ([`crate::lock::DirLock`]).
    Busy,
}

/// A way out of an [`OutputConflict`]; front ends name each their own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remedy {
    /// Continue the interrupted run ([`crate::WriteMode::Resume`]).
    Resume,
    /// Replace what is there ([`crate::WriteMode::Force`]).
    Force,
    /// Write to another directory.
    Elsewhere,
    /// Rerun with the arguments the unfinished run was started with.
    SameArguments,
}

impl Remedy {
    /// The remedy in the library's own words.
    pub fn words(self) -> &'static str {
        match self {
            Remedy::Resume => "continue the interrupted run (resume)",
            Remedy::Force => "replace it (force)",
            Remedy::Elsewhere => "write elsewhere",
            Remedy::SameArguments => "rerun with the arguments it was started with",
        }
    }
}

impl OutputConflict {
    /// What is wrong, without the remedies.
    pub fn problem(&self) -> String {
        match self {
            OutputConflict::NotADirectory => "exists and is not a directory".into(),
            OutputConflict::HoldsData => "already holds data".into(),
            OutputConflict::ForeignFiles { example } => {
                format!("holds files synmix did not write (such as '{example}')")
            }
            OutputConflict::OtherArguments => {
                "holds an unfinished run made with other arguments".into()
            }
            OutputConflict::FinishedWithOtherArguments { differs } => {
                format!("holds a finished dataset made with other arguments ({differs})")
            }
            OutputConflict::Unfinished { missing, first } => {
                format!("{missing} shard(s) not written yet (first: {first})")
            }
            OutputConflict::DamagedProgress { record, reason } => {
                format!("unreadable progress record {record} ({reason})")
            }
            OutputConflict::Busy => {
                "another synmix process is writing there (wait for it to end)".into()
            }
        }
    }

    /// The ways out, in the order to offer them.
    pub fn remedies(&self) -> &'static [Remedy] {
        match self {
            OutputConflict::NotADirectory
            | OutputConflict::ForeignFiles { .. }
            | OutputConflict::Busy => &[Remedy::Elsewhere],
            OutputConflict::FinishedWithOtherArguments { .. } => {
                &[Remedy::Force, Remedy::Elsewhere]
            }
            OutputConflict::HoldsData => &[Remedy::Resume, Remedy::Force, Remedy::Elsewhere],
            OutputConflict::OtherArguments => &[Remedy::SameArguments, Remedy::Force],
            OutputConflict::DamagedProgress { .. } => &[Remedy::Force],
            OutputConflict::Unfinished { .. } => &[Remedy::Resume],
        }
    }

    /// The problem, then its remedies as `name` words them: "problem; a, b or c".
    pub fn describe(&self, name: impl Fn(Remedy) -> &'static str) -> String {
        let remedies: Vec<&str> = self.remedies().iter().map(|&r| name(r)).collect();
        let list = match remedies.split_last() {
            Some((last, [])) => last.to_string(),
            Some((last, rest)) => format!("{}, or {last}", rest.join(", ")),
            None => return self.problem(),
        };
        format!("{}; {list}", self.problem())
    }
}

impl fmt::Display for OutputConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(Remedy::words))
    }
}

impl Error {
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    pub fn invalid(path: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Error::Invalid {
            path: path.as_ref().to_path_buf(),
            message: message.into(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage(message.into())
    }

    pub fn setting(setting: &'static str, message: impl Into<String>) -> Self {
        Error::Setting {
            setting,
            message: message.into(),
        }
    }

    pub fn output_in_use(dir: impl AsRef<Path>, conflict: OutputConflict) -> Self {
        Error::OutputInUse {
            dir: dir.as_ref().to_path_buf(),
            conflict,
        }
    }
}

/// Attaches the path being worked on to I/O errors.
pub(crate) trait IoContext<T> {
    fn at(self, path: impl AsRef<Path>) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn at(self, path: impl AsRef<Path>) -> Result<T> {
        self.map_err(|e| Error::io(path, e))
    }
}

/// Why an object store could not do what was asked, in one line each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreProblem {
    /// The store refused the credentials (or found none).
    Credentials(String),
    /// The bucket (container) does not exist.
    NoBucket,
    /// No answer from the endpoint.
    Unreachable {
        endpoint: String,
        cause: String,
    },
    /// The object changed between two reads of one file (another writer replaced it).
    Changed,
    /// The store's settings cannot make a client.
    Config(String),
    Other(String),
}

impl fmt::Display for StoreProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreProblem::Credentials(cause) => write!(
                f,
                "the object store refused the credentials ({cause}); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (GOOGLE_SERVICE_ACCOUNT, AZURE_STORAGE_ACCOUNT_KEY) to keys it accepts"
            ),
            StoreProblem::NoBucket => write!(
                f,
                "the bucket does not exist; create it, or check the URL and AWS_ENDPOINT_URL"
            ),
            StoreProblem::Unreachable { endpoint, cause } => write!(
                f,
                "cannot reach the object store at {endpoint} ({cause}); check AWS_ENDPOINT_URL and the network"
            ),
            StoreProblem::Changed => write!(
                f,
                "changed while being read (another writer replaced it); read it again"
            ),
            StoreProblem::Config(cause) => write!(f, "cannot configure the object store: {cause}"),
            StoreProblem::Other(cause) => write!(f, "{cause}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflicts_name_remedies_in_the_librarys_words() {
        let err = Error::output_in_use("/d", OutputConflict::HoldsData);
        assert_eq!(
            err.to_string(),
            "/d: already holds data; continue the interrupted run (resume), replace it (force), or write elsewhere"
        );
        let one = OutputConflict::NotADirectory.describe(|_| "go");
        assert_eq!(one, "exists and is not a directory; go");
        let err = Error::setting("classes", "names 3 classes");
        assert_eq!(err.to_string(), "classes: names 3 classes");
    }
}
