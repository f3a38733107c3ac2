//! The Slurm engine: the plan's pending tasks as job arrays, one stage after another.
//!
//! Each stage with tasks left is one array (split in arrays of at most [`MAX_ARRAY`] indices,
//! under Slurm's default `MaxArraySize`) whose index is the task's number within its stage;
//! each waits for the arrays of the stage before with `--dependency=afterok`, and is cancelled
//! if one of them fails (`--kill-on-invalid-dep`), so the report runs only after every cell.
//! Tasks already done are left out, so submitting again after a failure runs only the
//! missing ones. Every task sees the bench directory through a shared filesystem.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use super::{Engine, Selection};
use crate::experiment::Experiment;
use crate::layout;
use crate::options::BenchOptions;
use crate::plan::Plan;
use crate::stage::Stage;
use crate::tasks;

/// The most indices one array holds (Slurm's default MaxArraySize is 1001: indices 0–1000).
pub const MAX_ARRAY: usize = 1000;

/// The `sbatch` options of every job.
#[derive(Debug, Clone, Default)]
pub struct SlurmOptions {
    pub partition: Option<String>,
    /// Wall-time limit of each task, in any form `sbatch --time` takes.
    pub time: Option<String>,
    pub cpus_per_task: usize,
    /// At most this many tasks of one array run at once (`%` in `--array`).
    pub throttle: Option<usize>,
    /// Let Slurm requeue a preempted task; it resumes from its checkpoint.
    pub requeue: bool,
}

/// The job-name prefix of this plan's jobs: how a resubmission finds jobs still queued.
fn job_prefix(plan: &Plan) -> String {
    format!("synmix-{}", &plan.experiment[..8])
}

/// The Slurm engine: prints the script that submits the pending tasks, or with `submit` runs it.
pub struct Slurm {
    pub options: SlurmOptions,
    /// The synmix executable the jobs run (absolute: they run elsewhere).
    pub exe: PathBuf,
    pub submit: bool,
}

impl Engine for Slurm {
    fn name(&self) -> &'static str {
        "slurm"
    }

    fn check(&self, plan: &Plan, options: &BenchOptions) -> Result<()> {
        if self.submit {
            check_queue(plan, &options.out)?;
        }
        Ok(())
    }

    fn starts_tasks(&self) -> bool {
        self.submit
    }

    fn launch(&self, plan: &Plan, _: &Experiment, options: &BenchOptions) -> Result<String> {
        let script = script(plan, &self.exe, options, &self.options);
        if !self.submit {
            return Ok(script);
        }
        let ids = submit(&script)?;
        Ok(format!(
            "submitted jobs {ids}; follow them with `synmix status {}`\n",
            options.out.display()
        ))
    }
}

/// A bash script that submits the pending tasks of `plan`; it prints the job ids. `exe` and
/// `options.out` should be absolute: the jobs run elsewhere.
fn script(plan: &Plan, exe: &Path, options: &BenchOptions, slurm: &SlurmOptions) -> String {
    let out = &options.out;
    let mut text = String::new();
    let _ = writeln!(text, "#!/usr/bin/env bash");
    let _ = writeln!(
        text,
        "# The pending tasks of the synmix bench {} as Slurm job arrays, each stage after the\n\
         # one before (afterok). Made by `{}`; run that again after a failure: done tasks are left out.",
        out.display(),
        options.command
    );
    let _ = writeln!(text, "set -euo pipefail");
    // A bench on object storage has no directory the nodes share: its logs go where Slurm
    // puts them by default, the directory the script is submitted from.
    let logs = match out.is_remote() {
        true => "slurm-%A_%a.log".to_string(),
        false => format!("{}/slurm-%A_%a.log", layout::tasks_dir(out).display()),
    };
    let mut common = vec![
        format!("--cpus-per-task={}", slurm.cpus_per_task),
        format!("--output={logs}"),
    ];
    if let Some(partition) = &slurm.partition {
        common.push(format!("--partition={partition}"));
    }
    if let Some(time) = &slurm.time {
        common.push(format!("--time={time}"));
    }
    if slurm.requeue {
        common.push("--requeue".into());
    }
    let throttle = slurm.throttle.map(|t| format!("%{t}")).unwrap_or_default();
    let mut before: Vec<String> = Vec::new();
    let mut all = Vec::new();
    for stage in Stage::ALL {
        let first = plan.stage(stage).first().map_or(0, |t| t.id);
        let pending: Vec<usize> = tasks::pending(plan, out, stage)
            .into_iter()
            .map(|id| id - first)
            .collect();
        let mut this_stage = Vec::new();
        for (chunk, indices) in chunks(&pending) {
            let base = chunk * MAX_ARRAY;
            let relative: Vec<usize> = indices.iter().map(|i| i - base).collect();
            let var = format!("{}_{chunk}", stage.name());
            // An adaptive search's probes wait for its decisions, in the same array.
            let select = Selection::FromEnv {
                stage,
                offset: base,
                wait: plan.waits_within(stage),
            };
            let mut args = vec![
                "--parsable".to_string(),
                format!("--job-name={}-{}", job_prefix(plan), stage.name()),
                format!("--array={}{throttle}", crate::plan::ranges(&relative)),
            ];
            args.extend(common.iter().cloned());
            if !before.is_empty() {
                let ids: String = before.iter().map(|v| format!(":${v}")).collect();
                args.push(format!("--dependency=afterok{ids}"));
                args.push("--kill-on-invalid-dep=yes".into());
            }
            let worker = std::iter::once(exe.display().to_string())
                .chain((options.worker_args)(options, &select, slurm.cpus_per_task))
                .map(|a| shell_quote(&a))
                .collect::<Vec<_>>()
                .join(" ");
            args.push(format!("--wrap=exec {worker}"));
            let line = args
                .iter()
                .map(|a| shell_quote(a))
                .collect::<Vec<_>>()
                .join(" ");
            let _ = writeln!(text, "{var}=$(sbatch {line} | cut -d';' -f1)");
            this_stage.push(var.clone());
            all.push(var);
        }
        if !this_stage.is_empty() {
            before = this_stage;
        }
    }
    let ids: Vec<String> = all.iter().map(|v| format!("${v}")).collect();
    if ids.is_empty() {
        let _ = writeln!(text, "echo 'every task is done' >&2");
    } else {
        let _ = writeln!(text, "echo {}", ids.join(" "));
    }
    text
}

/// Stage-relative indices grouped by the array of [`MAX_ARRAY`] that holds them.
fn chunks(indices: &[usize]) -> Vec<(usize, Vec<usize>)> {
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for &index in indices {
        let chunk = index / MAX_ARRAY;
        match groups.last_mut() {
            Some((c, members)) if *c == chunk => members.push(index),
            _ => groups.push((chunk, vec![index])),
        }
    }
    groups
}

/// Refuses while Slurm still holds jobs of this plan: they would run the same tasks.
fn check_queue(plan: &Plan, out: &Path) -> Result<()> {
    let queue = Command::new("squeue")
        .args(["-h", "-o", "%j"])
        .output()
        .context("cannot run squeue: is Slurm installed here (and SLURM_CONF set)?")?;
    if !queue.status.success() {
        bail!(
            "squeue failed: {}",
            String::from_utf8_lossy(&queue.stderr).trim()
        );
    }
    let prefix = job_prefix(plan);
    let queued = String::from_utf8_lossy(&queue.stdout)
        .lines()
        .filter(|name| name.starts_with(&prefix))
        .count();
    if queued > 0 {
        bail!(
            "{}: Slurm still holds {queued} job(s) of this plan ({prefix}-*); wait for them or scancel them, then submit again",
            out.display()
        );
    }
    Ok(())
}

/// Runs the submission `script`; returns the job ids it printed.
fn submit(script: &str) -> Result<String> {
    let submitted = Command::new("bash")
        .arg("-c")
        .arg(script)
        .output()
        .context("cannot run bash to submit the jobs")?;
    if !submitted.status.success() {
        bail!(
            "sbatch failed: {}",
            String::from_utf8_lossy(&submitted.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&submitted.stdout)
        .trim()
        .to_string())
}

/// `value` as one word for bash.
fn shell_quote(value: &str) -> String {
    if value.starts_with("--dependency=") {
        // `$var` must expand: the job ids of the stage before.
        return format!("\"{value}\"");
    }
    if value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./=:%+,".contains(c))
    {
        return value.to_string();
    }
    format!("'{}'", value.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_split_into_arrays_slurm_accepts() {
        let indices: Vec<usize> = (995..1003).chain([2500]).collect();
        let groups = chunks(&indices);
        assert_eq!(groups[0], (0, (995..1000).collect()));
        assert_eq!(groups[1], (1, (1000..1003).collect()));
        assert_eq!(groups[2], (2, vec![2500]));
    }

    #[test]
    fn words_are_quoted_for_bash() {
        assert_eq!(shell_quote("--array=0-3,7%4"), "--array=0-3,7%4");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(
            shell_quote("--dependency=afterok:$real_0"),
            "\"--dependency=afterok:$real_0\""
        );
    }
}
