//! The one place where library errors get the command line's words.
//!
//! The libraries name no flags: a wrong or missing option is a `Setting { setting, message }`
//! error naming the option's field (`classes`), and a clash with what an output directory
//! holds is `datasets::Error::OutputInUse { dir, conflict }`, whose conflict lists
//! `datasets::Remedy`s. [`for_cli`] rewrites those into flags as `main` prints an error,
//! so every subcommand says the same thing the same way.

use std::error::Error as StdError;

use datasets::Remedy;

/// How the user sets a library option: its flag, `classes` → `--classes`,
/// `rows_per_shard` → `--rows-per-shard`, unless the table below says otherwise.
pub fn flag(setting: &str) -> String {
    match setting {
        // The stratified test subset of `bench`: set in the experiment file, not by a flag.
        "test_limit" => "data.real_test_limit".to_string(),
        // `mix --map SYN=REAL`: the mixer's renames of synthetic classes.
        "class_renames" => "--map".to_string(),
        _ => format!("--{}", setting.replace('_', "-")),
    }
}

/// A way out of an output-directory conflict, as a command-line instruction.
pub fn remedy(remedy: Remedy) -> &'static str {
    match remedy {
        Remedy::Resume => "pass --resume to continue the interrupted run",
        Remedy::Force => "pass --force to replace it",
        Remedy::Elsewhere => "choose another --out",
        // Names no option: the library's words serve as they are.
        Remedy::SameArguments => remedy.words(),
    }
}

/// Rewrites every link of `error`'s chain that is a setting or output-directory error into
/// flag names (see [`flag`], [`remedy`]); the other links keep their text, and an error with
/// no such link is returned as it is. The result prints with `{:#}` as the original would,
/// links joined by ": ".
///
/// For the libraries: report a wrong or missing option as a `Setting` variant naming your
/// options struct's field, and reach `datasets::Error` through a `Dataset` variant; a new
/// library error type gets its arm in `cli_line` below.
pub fn for_cli(error: anyhow::Error) -> anyhow::Error {
    let lines: Vec<Option<String>> = error.chain().map(cli_line).collect();
    if lines.iter().all(Option::is_none) {
        return error;
    }
    let text: Vec<String> = error
        .chain()
        .zip(lines)
        .map(|(link, line)| line.unwrap_or_else(|| link.to_string()))
        .collect();
    anyhow::anyhow!(text.join(": "))
}

/// `error` as `main` prints it: [`for_cli`]'s words, links joined by ": ", on one line (a
/// control character that a library's message quotes from the input, such as a carriage
/// return in a file, becomes a space).
pub fn line(error: anyhow::Error) -> String {
    format!("{:#}", for_cli(error))
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// One link in flag words, if it names settings or remedies.
fn cli_line(link: &(dyn StdError + 'static)) -> Option<String> {
    if let Some(error) = link.downcast_ref::<bench::Error>() {
        return Some(bench_line(error));
    }
    if let Some(bench::experiment::Error::UnknownProfile(name)) = link.downcast_ref() {
        return Some(format!(
            "--profile '{name}' is unknown: use default or full, or give --config FILE"
        ));
    }
    match dataset_error(link)? {
        datasets::Error::Setting { setting, message } => {
            Some(format!("{}: {message}", flag(setting)))
        }
        datasets::Error::OutputInUse { dir, conflict } => {
            Some(format!("{}: {}", dir.display(), conflict.describe(remedy)))
        }
        _ => None,
    }
}

/// A bench directory's or a task's refusal, in flag words.
fn bench_line(error: &bench::Error) -> String {
    use bench::Error;
    let plan_it = |dir: &std::path::Path| {
        format!(
            "`synmix bench --out {} --plan-only` plans it",
            dir.display()
        )
    };
    match error {
        Error::OtherExperiment { dir } => format!(
            "{}: holds another experiment; choose another --out (or delete it to start over)",
            dir.display()
        ),
        Error::UnpinnedPlan { dir } => format!(
            "{}: has a plan.json but no experiment.toml; give the bench's experiment with --config (or choose another --out)",
            dir.display()
        ),
        Error::NotABench { dir } => format!(
            "{}: not a bench directory (no experiment.toml); {}",
            dir.display(),
            plan_it(dir)
        ),
        Error::NotPlanned { dir } => format!(
            "{}: not a planned bench directory (no plan.json); {} first",
            dir.display(),
            plan_it(dir)
        ),
        Error::DamagedPlan { path, dir, why } => format!(
            "{}: damaged plan ({why}); delete it and plan the bench again ({}; finished tasks are kept)",
            path.display(),
            plan_it(dir)
        ),
        Error::OtherPlan { path } => format!(
            "{}: holds the plan of another experiment (or another synmix version); choose another --out",
            path.display()
        ),
        Error::TaskOutOfRange {
            task,
            stage: None,
            count,
        } => format!(
            "--task {task} is out of range: this plan has tasks 0 to {} (see plan.json or `synmix status`)",
            count.saturating_sub(1)
        ),
        Error::TaskOutOfRange {
            task,
            stage: Some(stage),
            count,
        } => format!(
            "--task {task} is out of range: --stage {stage} has {count} task(s), 0 to {}",
            count.saturating_sub(1)
        ),
    }
}

/// The `datasets::Error` a link is, or wraps as the stage crates do.
fn dataset_error<'a>(link: &'a (dyn StdError + 'static)) -> Option<&'a datasets::Error> {
    if let Some(error) = link.downcast_ref::<datasets::Error>() {
        return Some(error);
    }
    if let Some(mixer::Error::Dataset(error)) = link.downcast_ref::<mixer::Error>() {
        return Some(error);
    }
    if let Some(generator::Error::Dataset(error)) = link.downcast_ref::<generator::Error>() {
        return Some(error);
    }
    if let Some(trainer::Error::Dataset(error)) = link.downcast_ref::<trainer::Error>() {
        return Some(error);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;
    use datasets::OutputConflict;

    #[test]
    fn settings_and_remedies_become_flags_inside_a_chain() {
        let error = Err::<(), _>(datasets::Error::output_in_use(
            "/d",
            OutputConflict::HoldsData,
        ))
        .context("importing")
        .unwrap_err();
        assert_eq!(
            format!("{:#}", for_cli(error)),
            "importing: /d: already holds data; pass --resume to continue the interrupted run, \
             pass --force to replace it, or choose another --out"
        );
        let error = anyhow::Error::from(mixer::Error::Dataset(datasets::Error::setting(
            "classes",
            "names 3 classes",
        )));
        assert_eq!(
            format!("{:#}", for_cli(error)),
            "--classes: names 3 classes"
        );
        let plain = anyhow::anyhow!("nothing to rewrite");
        assert_eq!(format!("{:#}", for_cli(plain)), "nothing to rewrite");
        let quoted = anyhow::anyhow!("exp.toml: at | a\rb\n | ^");
        assert_eq!(line(quoted), "exp.toml: at | a b  | ^");
    }
}
