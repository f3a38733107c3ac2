use std::path::PathBuf;

/// Everything that can stop a generation run. Each message is one line naming the flag or
/// file at fault and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A command-line value that makes no sense.
    #[error("{0}")]
    Usage(String),
    #[error("config {origin}: {message}")]
    Config { origin: String, message: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "--device gpu: no GPU adapter found; install a Vulkan driver (`apt-get install mesa-vulkan-drivers` \
         for the CPU driver lavapipe, or your GPU's driver) or pass --device cpu"
    )]
    NoAdapter,
    #[error("PNG encoding: {0}")]
    Encode(String),
    #[error("GPU renderer: {0}")]
    Gpu(String),
    #[error(transparent)]
    Dataset(#[from] datasets::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
