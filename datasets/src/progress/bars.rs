//! Progress bars that appear only for a person watching: hidden with `--quiet` or when
//! stderr is not a terminal, so logs and CI output stay clean.

use std::io::IsTerminal;
use std::time::Duration;

use super::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar over `total` steps of `unit` (images, rows, cells), with rate and ETA.
pub fn bar(total: u64, unit: &str, quiet: bool) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), target(quiet));
    let template = format!(
        "{{spinner}} {{msg}} [{{bar:30}}] {{pos}}/{{len}} {unit} ({{per_sec}}, eta {{eta}})"
    );
    bar.set_style(
        ProgressStyle::with_template(&template)
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Follows a stage that writes datasets (the generator, the mixer) on `bar`: each planned pass
/// sets the length and starts over, written rows advance it, finished outputs show their name.
pub fn follow(bar: &ProgressBar) -> impl Fn(Progress<'_>) + Sync + '_ {
    move |event| match event {
        Progress::Planned { rows } => {
            bar.set_length(rows);
            bar.set_position(0);
        }
        Progress::Rows(rows) => bar.inc(rows),
        Progress::Finished { name, kept } => {
            bar.set_message(format!("{name} {}", if kept { "kept" } else { "done" }))
        }
    }
}

/// A spinner for work of unknown length.
pub fn spinner(message: &str, quiet: bool) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, target(quiet));
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("valid template"),
    );
    bar.set_message(message.to_string());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn target(quiet: bool) -> ProgressDrawTarget {
    if quiet || !std::io::stderr().is_terminal() {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    }
}
