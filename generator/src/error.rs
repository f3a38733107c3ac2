/// Everything that can stop a generation run. Each message is one line naming the option
/// or file at fault and what to do about it. Options are named by their field in
/// `GenerateOptions`, through the datasets crate's `Setting`
/// error, so that a front end words them as its own options in one place.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("config {origin}: {message}")]
    Config { origin: String, message: String },
    #[error("PNG encoding: {0}")]
    Encode(String),
    #[error("GPU renderer: {0}")]
    Gpu(String),
    /// A preset's `shade` returned a colour that is not a finite number for sample `sample` of
    /// a render call; the caller, which knows the sample, names it (`PresetFile::not_finite`).
    #[error(
        "the preset's shader returned a colour that is not a finite number (NaN or infinite) for sample {sample} of a batch"
    )]
    NotFinite { sample: usize },
    #[error(transparent)]
    Dataset(#[from] datasets::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An option that cannot work, named by its field (`per_class`).
    pub fn setting(setting: &'static str, message: impl Into<String>) -> Self {
        Error::Dataset(datasets::Error::setting(setting, message))
    }
}
