//! `synmix status`: where a planned bench stands — done, failed, running and missing tasks per
//! stage — and the command that runs the missing ones again on the engine last used.

use std::fmt::Write as _;

use anyhow::{Result, bail};

use crate::dir::BenchDir;
use crate::layout;
use crate::plan::{Plan, ranges};
use crate::records::Launch;
use crate::stage::Stage;
use crate::tasks::{self, State};

/// The status of the bench directory `out`, as printed. `rerun` words the command that runs a
/// bench directory launched by no recorded command (the binary's words, not the library's).
pub fn describe(out: &BenchDir, rerun: impl Fn(&BenchDir) -> String) -> Result<String> {
    let plan = Plan::load(out)?;
    tasks::sync(&plan, out)?;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{}: {} tasks (experiment {})",
        out.display(),
        plan.tasks.len(),
        &plan.experiment[..12]
    );
    let _ = writeln!(
        text,
        "{:<8} {:>6} {:>6} {:>8} {:>8}",
        "stage", "done", "failed", "running", "missing"
    );
    let mut failed = Vec::new();
    let mut missing = Vec::new();
    for stage in Stage::ALL {
        let (mut done, mut failing, mut running, mut absent) = (0, 0, 0, 0);
        for task in plan.stage(stage) {
            match tasks::state(out, task.id) {
                State::Done(_) if let Some(why) = task.work.kind().damaged(out) => {
                    failing += 1;
                    failed.push((
                        task.id,
                        task.work.to_string(),
                        format!("outputs damaged: {why}"),
                    ));
                }
                State::Done(_) => done += 1,
                State::Failed(record) => {
                    failing += 1;
                    failed.push((task.id, task.work.to_string(), record.message));
                }
                State::Missing if tasks::is_running(out, task.id) => running += 1,
                State::Missing => {
                    absent += 1;
                    missing.push(task.id);
                }
            }
        }
        let _ = writeln!(
            text,
            "{:<8} {done:>6} {failing:>6} {running:>8} {absent:>8}",
            stage.name()
        );
    }
    if !failed.is_empty() {
        let _ = writeln!(text, "\nfailed:");
        for (id, work, error) in &failed {
            let first_line = error.lines().next().unwrap_or_default();
            let _ = writeln!(text, "  task {id} ({work}): {first_line}");
        }
    }
    if !missing.is_empty() {
        let _ = writeln!(text, "\nmissing: tasks {}", ranges(&missing));
    }
    if failed.is_empty() && missing.is_empty() {
        let _ = writeln!(text, "\nevery task is done");
    } else {
        let command = match Launch::last(out) {
            // Finished Jobs keep their names: delete them before applying the stages again.
            Some(launch) if launch.engine == "k8s" => format!(
                "kubectl delete job -l synmix/plan={} && {} | kubectl apply -f -",
                &plan.experiment[..8],
                launch.command
            ),
            Some(launch) => launch.command,
            None => rerun(out),
        };
        let _ = writeln!(
            text,
            "\nto run the failed and missing tasks again (done ones are skipped):\n  {command}"
        );
    }
    Ok(text)
}

/// Refuses while training tasks are missing: the report of a planned bench is its last task.
pub fn check_report_ready(out: &BenchDir) -> Result<()> {
    if !layout::plan_file(out).exists() {
        return Ok(()); // a bench directory from before plans: report what is there
    }
    let plan = Plan::load(out)?;
    let mut missing = Vec::new();
    let mut damage = None;
    for task in plan.stage(Stage::Train) {
        let why = match tasks::state(out, task.id) {
            State::Missing => None,
            State::Done(_) => match task.work.kind().damaged(out) {
                None => continue,
                why => why,
            },
            State::Failed(_) => continue,
        };
        missing.push(task.id);
        damage = damage.or(why);
    }
    if !missing.is_empty() {
        let (state, why) = match damage {
            None => ("not finished yet", String::new()),
            Some(why) => ("not finished or damaged", format!("; {why}")),
        };
        bail!(
            "{}: {} training task(s) {state} (tasks {}{why}); run them first (`synmix status {}`)",
            out.display(),
            missing.len(),
            ranges(&missing),
            out.display()
        );
    }
    Ok(())
}

/// Marks the report task of a planned bench done after `synmix report` wrote the report.
pub fn report_written(out: &BenchDir, markdown: &std::path::Path) -> Result<()> {
    let Ok(plan) = Plan::load(out) else {
        return Ok(());
    };
    let task = &plan.stage(Stage::Report)[0];
    tasks::record(out, task, &Ok(out.shown(markdown).display().to_string()))
}
