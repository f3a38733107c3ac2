//! One module per subcommand: its arguments and the call into the library that does it.

pub mod advise;
pub mod array_index;
pub mod bench;
pub mod gap;
pub mod generate;
pub mod hints;
pub mod import;
pub mod inspect;
pub mod mix;
pub mod report;
pub mod speed;
pub mod status;
pub mod train;
pub mod verify;

use datasets::WriteMode;
use trainer::backend::BackendKind;

/// The command line as typed, recorded in manifests' recipes.
pub fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    format!("synmix {}", args.join(" "))
}

/// `--force` / `--resume` as a write mode.
pub fn write_mode(force: bool, resume: bool) -> WriteMode {
    match (force, resume) {
        (true, _) => WriteMode::Force,
        (false, true) => WriteMode::Resume,
        _ => WriteMode::Fresh,
    }
}

/// `--backend`, checked against what this binary was built with: the trainer knows its own
/// features, the binary knows the build flag that turns them on.
pub fn training_backend(backend: BackendKind) -> anyhow::Result<BackendKind> {
    if backend == BackendKind::Wgpu && !cfg!(feature = "gpu-training") {
        anyhow::bail!(
            "--backend wgpu: this synmix was built without the GPU backend; rebuild it with \
             `cargo build --release --features gpu-training`, or use --backend flex"
        );
    }
    Ok(backend)
}

/// A flag that names a local file or directory (a run directory, a picture, a cache): an
/// object-store URL there is refused in one line, rather than written to a local folder named
/// `s3:`. Datasets and bench directories take [`datasets::Location`]s instead.
pub fn local_path(text: &str) -> Result<std::path::PathBuf, String> {
    match datasets::Location::parse(text) {
        Ok(datasets::Location::Local(path)) => Ok(path),
        Ok(datasets::Location::Object(_)) => Err(format!(
            "{text} is object storage; this flag takes a local path (datasets may live in object storage)"
        )),
        Err(e) => Err(e.to_string()),
    }
}
