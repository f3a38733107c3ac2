//! What a bench may be trusted with: names from an experiment file never write outside
//! `--out`; a finished result that goes missing, or a subset whose shards no longer match their
//! hashes, is named and made again rather than skipped or trained on; a refused command leaves
//! the bench directory as it was; a damaged plan is a clear error; hostile numbers are refused
//! before anything is allocated; a killed or stopped worker pool exits non-zero.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// The tiny experiment of `write_tiny_experiment` with `from` replaced by `to`.
fn edited_experiment(dir: &Path, real: &Path, from: &str, to: &str) -> std::path::PathBuf {
    let path = dir.join("exp.toml");
    write_tiny_experiment(&path, real, &["mlp"]);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from}");
    std::fs::write(&path, text.replace(from, to)).unwrap();
    path
}

/// `synmix bench --config EXPERIMENT --out OUT -q --plan-only`.
fn plan_only<'a>(experiment: &'a Path, out: &'a Path) -> Vec<&'a str> {
    let mut args = bench_args(experiment, out);
    args.push("--plan-only");
    args
}

#[test]
fn names_that_would_leave_the_bench_directory_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let real = import_tiny_fashion_mnist(tmp.path(), "real", 300, 100);
    let out = tmp.path().join("sub/bench");
    for bad in ["../../../x", "/tmp/abs", "a/b", "", ".."] {
        let experiment = edited_experiment(
            tmp.path(),
            &real,
            "name = \"near\"",
            &format!("name = \"{bad}\""),
        );
        let err = fails(&bench_args(&experiment, &out));
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains("pairs.name"), "{bad}: {err}");
        assert!(
            !tmp.path().join("sub").exists(),
            "{bad}: something was written"
        );
        assert!(!tmp.path().join("x").exists());
    }
}

#[test]
fn hostile_numbers_are_refused_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let real = import_tiny_fashion_mnist(tmp.path(), "real", 300, 100);
    let out = tmp.path().join("bench");
    let cases = [
        ("size = 100", "size = 1000000000000", "data.size"),
        (
            "synthetic_test_per_class = 2",
            "synthetic_test_per_class = 1000000000000",
            "synthetic_test_per_class",
        ),
        (
            "shares = \"0,0.5,1\"",
            "shares = \"0:1:1e-12\"",
            "at least 0.01",
        ),
        (
            "size = 100",
            "size = 5000",
            "data.size 5000: pair 'near' needs",
        ),
    ];
    for (from, to, expected) in cases {
        let experiment = edited_experiment(tmp.path(), &real, from, to);
        let started = Instant::now();
        let err = fails(&bench_args(&experiment, &out));
        assert!(err.contains(expected), "{to}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(started.elapsed() < Duration::from_secs(10), "{to}");
        assert!(!out.exists(), "{to}: something was written");
    }
    // A million seeds: refused at once rather than planned for an hour.
    let seeds: Vec<String> = (0..1_000_000).map(|s| s.to_string()).collect();
    let experiment = edited_experiment(
        tmp.path(),
        &real,
        "seeds = [0]",
        &format!("seeds = [{}]", seeds.join(",")),
    );
    let started = Instant::now();
    let err = fails(&bench_args(&experiment, &out));
    assert!(err.contains("runs; split the experiment"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(20));
}

/// A bench run to the end, then damaged: a run's result deleted under its completion record,
/// and another cell's subset shard overwritten before that cell trained.
#[test]
fn missing_results_and_damaged_subsets_are_named_and_made_again() {
    let tmp = tempfile::tempdir().unwrap();
    let real = import_tiny_fashion_mnist(tmp.path(), "real", 300, 100);
    let experiment = tmp.path().join("exp.toml");
    write_tiny_experiment(&experiment, &real, &["mlp"]);
    let clean = tmp.path().join("clean");
    ok(&bench_args(&experiment, &clean));

    // A finished run's result.json deleted, its completion record kept.
    let out = tmp.path().join("bench");
    ok(&bench_args(&experiment, &out));
    let written = |path: &Path| std::fs::metadata(path).unwrap().modified().unwrap();
    let first_report = written(&out.join("report.md"));
    let cell = out.join("runs/near/mlp/sm-r050-s0");
    std::fs::remove_file(cell.join("result.json")).unwrap();
    let err = fails(&["report", path_str(&out)]);
    assert!(
        err.contains("not finished or damaged") && err.contains("result.json"),
        "{err}"
    );
    let status = ok(&["status", path_str(&out)]);
    assert!(status.contains("outputs damaged"), "{status}");
    ok(&bench_args(&experiment, &out));
    assert_eq!(results(&out), results(&clean));
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("4 runs: 4 ok"), "{report}");
    // The report read the run made again: it was written again too.
    assert!(written(&out.join("report.md")) > first_report);

    // A subset's shard overwritten before its cell trained: the mix is made again first.
    let damaged = tmp.path().join("damaged");
    ok(&plan_only(&experiment, &damaged));
    for task in ["0", "1", "2"] {
        ok(&["bench", "--out", path_str(&damaged), "--task", task, "-q"]);
    }
    let shard = damaged.join("mix/near/s0/sm-r050/data/train-00000-of-00001.parquet");
    let mut bytes = std::fs::read(&shard).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&shard, bytes).unwrap();
    let err = fails(&bench_args(&experiment, &damaged));
    assert!(
        err.contains("sm-r050: damaged") || err.contains("could not train"),
        "{err}"
    );
    ok(&bench_args(&experiment, &damaged));
    assert_eq!(results(&damaged), results(&clean));
}

/// A ramp subset gone from a finished mix is found when the bench launches, before any cell
/// trains, and the mix is made again in the same launch: `mix.json` lists every strategy's
/// subsets, the ramp's among them.
#[test]
fn a_damaged_ramp_subset_is_found_before_training() {
    let tmp = tempfile::tempdir().unwrap();
    let real = import_tiny_fashion_mnist(tmp.path(), "real", 300, 100);
    let experiment = edited_experiment(
        tmp.path(),
        &real,
        "strategies = [\"sm\", \"ft\"]",
        "strategies = [\"sm\", \"ft\", \"ramp\"]",
    );
    let clean = tmp.path().join("clean");
    ok(&bench_args(&experiment, &clean));

    let out = tmp.path().join("bench");
    ok(&plan_only(&experiment, &out));
    for task in ["0", "1", "2"] {
        ok(&["bench", "--out", path_str(&out), "--task", task, "-q"]);
    }
    let ramp = out.join("mix/near/s0/ramp-r050");
    std::fs::remove_file(ramp.join("manifest.json")).unwrap();
    let status = ok(&["status", path_str(&out)]);
    assert!(
        status.contains("outputs damaged") && status.contains("ramp-r050"),
        "{status}"
    );
    // One launch: the mix is made again before its cells train.
    ok(&bench_args(&experiment, &out));
    assert_eq!(results(&out), results(&clean));
}

#[test]
fn a_refused_command_leaves_the_bench_directory_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let real = import_tiny_fashion_mnist(tmp.path(), "real", 300, 100);
    let experiment = tmp.path().join("exp.toml");
    write_tiny_experiment(&experiment, &real, &["mlp"]);
    let out = tmp.path().join("bench");
    ok(&plan_only(&experiment, &out));
    let plan = std::fs::read(out.join("plan.json")).unwrap();
    std::fs::remove_file(out.join("experiment.toml")).unwrap();
    // Without --config the default profile is not the bench's experiment: refused, nothing
    // pinned, so the bench can still be resumed with its own experiment file.
    let err = fails(&["bench", "--out", path_str(&out), "--plan-only", "-q"]);
    assert!(err.contains("no experiment.toml"), "{err}");
    assert!(!out.join("experiment.toml").exists());
    assert_eq!(std::fs::read(out.join("plan.json")).unwrap(), plan);
    ok(&plan_only(&experiment, &out));

    // A damaged plan: one line naming it and the way out, no panic; the way out works.
    let text = String::from_utf8(plan).unwrap();
    std::fs::write(
        out.join("plan.json"),
        text.replacen("\"id\": 3", "\"id\": 9", 1),
    )
    .unwrap();
    for args in [
        vec!["status", path_str(&out)],
        vec!["report", path_str(&out)],
        vec!["bench", "--out", path_str(&out), "--plan-only", "-q"],
    ] {
        let err = fails(&args);
        assert!(
            err.contains("damaged plan") && err.contains("delete it"),
            "{args:?}: {err}"
        );
    }
    std::fs::remove_file(out.join("plan.json")).unwrap();
    ok(&["bench", "--out", path_str(&out), "--plan-only", "-q"]);
    assert_eq!(
        std::fs::read_to_string(out.join("plan.json")).unwrap(),
        text
    );
}

/// Processes of this bench (workers included) still running, by their command lines.
fn bench_processes(out: &Path) -> Vec<u32> {
    let needle = format!("--out\0{}", out.display());
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline"))
            && String::from_utf8_lossy(&cmdline).contains(&needle)
        {
            pids.push(pid);
        }
    }
    pids
}

/// A worker pool whose worker is killed from outside (as the OOM killer would) or that is
/// itself stopped with SIGTERM exits non-zero, leaves no worker running, and names no report
/// that does not exist; a rerun finishes the bench.
#[test]
fn a_killed_worker_or_a_stopped_pool_is_not_a_finished_bench() {
    let tmp = tempfile::tempdir().unwrap();
    let real = import_tiny_fashion_mnist(tmp.path(), "real", 300, 100);
    // Enough epochs that a training task runs for a while.
    let experiment = edited_experiment(tmp.path(), &real, "epochs = 1", "epochs = 200");
    for signal in ["KILL worker", "TERM pool"] {
        let out = tmp.path().join(signal.replace(' ', "-"));
        let mut args = bench_args(&experiment, &out);
        args.extend(["--jobs", "2"]);
        let pool = Command::new(env!("CARGO_BIN_EXE_synmix"))
            .args(&args)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Wait for a training task's worker.
        let started = Instant::now();
        let worker = loop {
            let workers: Vec<u32> = bench_processes(&out)
                .into_iter()
                .filter(|&pid| pid != pool.id())
                .filter(|pid| {
                    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                    let words: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
                    words
                        .windows(2)
                        .any(|w| w[0] == b"--task" && w[1] >= b"4".as_slice())
                })
                .collect();
            if let Some(&pid) = workers.first() {
                break pid;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "no training worker started"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let target = if signal == "KILL worker" {
            worker
        } else {
            pool.id()
        };
        let name = signal.split(' ').next().unwrap();
        assert!(
            Command::new("kill")
                .args([format!("-{name}"), target.to_string()])
                .status()
                .unwrap()
                .success()
        );
        let output = pool.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{signal}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        if signal == "KILL worker" {
            assert!(stderr.contains("did not finish"), "{stderr}");
        } else {
            assert!(stderr.contains("stopped by SIGTERM"), "{stderr}");
        }
        assert!(
            out.join("report.md").exists() || !stderr.contains("report: "),
            "a report named that does not exist: {stderr}"
        );
        assert!(
            bench_processes(&out).is_empty(),
            "{signal}: workers left running"
        );
        ok(&bench_args(&experiment, &out));
        assert!(out.join("report.md").is_file());
    }
}
