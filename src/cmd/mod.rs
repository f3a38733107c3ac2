//! One module per subcommand: its arguments and the call into the library that does it.

pub mod bench;
pub mod generate;
pub mod import;
pub mod inspect;
pub mod mix;
pub mod report;
pub mod train;
pub mod verify;

use datasets::WriteMode;

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
