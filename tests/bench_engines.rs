//! End-to-end tests of the bench's task contract: the plan run as single tasks in any valid
//! order, by a pool of worker processes, and with faults (a killed task, the same task twice at
//! once) gives the results of one plain `synmix bench`; bad input gets one clear line.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::*;

#[test]
fn tasks_one_by_one_and_a_worker_pool_give_the_plain_bench_results() {
    let tmp = tempfile::tempdir().unwrap();
    let experiment = tiny_bench(tmp.path());

    let plain = tmp.path().join("plain");
    ok(&bench_args(&experiment, &plain));

    let pooled = tmp.path().join("pooled");
    let mut args = bench_args(&experiment, &pooled);
    args.extend(["--jobs", "2"]);
    ok(&args);
    assert_eq!(results(&pooled), results(&plain));
    assert_eq!(report_rows(&pooled), report_rows(&plain));

    // By hand: plan, then every task by number — stages in order, each stage back to front —
    // then the report. A task started before its inputs names the task it waits for.
    let by_hand = tmp.path().join("by-hand");
    let mut args = bench_args(&experiment, &by_hand);
    args.push("--plan-only");
    let planned = ok(&args);
    assert!(planned.contains("train       8  (tasks 4-11)"), "{planned}");
    let early = fails(&["bench", "--out", path_str(&by_hand), "--task", "4"]);
    assert!(
        early.contains("task 4 (train near mlp sm r000 seed 0) waits for task 2 (mix near seed 0)"),
        "{early}"
    );
    let refused = fails(&["report", path_str(&by_hand)]);
    assert!(
        refused.contains("8 training task(s) not finished yet (tasks 4-11)"),
        "{refused}"
    );
    let stages: [&[usize]; 4] = [&[0], &[1], &[3, 2], &[11, 10, 9, 8, 7, 6, 5, 4]];
    for stage in stages {
        for task in stage {
            ok(&[
                "bench",
                "--out",
                path_str(&by_hand),
                "--task",
                &task.to_string(),
                "-q",
            ]);
        }
    }
    ok(&["report", path_str(&by_hand)]);
    assert_eq!(results(&by_hand), results(&plain));
    assert_eq!(report_rows(&by_hand), report_rows(&plain));

    let status = ok(&["status", path_str(&by_hand)]);
    assert!(status.contains("every task is done"), "{status}");
    // The same stage-relative task from an array job's index.
    let out = synmix_with_env(
        &[
            "bench",
            "--out",
            path_str(&by_hand),
            "--stage",
            "train",
            "--task",
            "env+2",
        ],
        ("JOB_COMPLETION_INDEX", "3"),
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("task 9 (train"),
        "{out:?}"
    );
}

fn is_locked(path: &Path) -> bool {
    std::fs::File::open(path).is_ok_and(|file| file.try_lock().is_err())
}

fn synmix_with_env(args: &[&str], (key, value): (&str, &str)) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_synmix"))
        .args(args)
        .env(key, value)
        .output()
        .unwrap()
}

#[test]
fn a_killed_task_and_a_task_run_twice_at_once_end_as_an_undisturbed_run() {
    let tmp = tempfile::tempdir().unwrap();
    let experiment = tiny_bench(tmp.path());
    let plain = tmp.path().join("plain");
    ok(&bench_args(&experiment, &plain));

    let out = tmp.path().join("faults");
    let mut args = bench_args(&experiment, &out);
    args.push("--plan-only");
    ok(&args);
    for task in ["0", "1", "2", "3"] {
        ok(&["bench", "--out", path_str(&out), "--task", task, "-q"]);
    }
    let start = |task: &str| {
        Command::new(env!("CARGO_BIN_EXE_synmix"))
            .args(["bench", "--out", path_str(&out), "--task", task, "-q"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    // SIGKILL a CNN cell once it holds its task lock: whatever it left, the rerun finishes it,
    // and only a finished task has a completion record.
    let mut killed = start("8");
    let lock = out.join("tasks/00008.lock");
    while !(lock.exists() && is_locked(&lock)) {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    killed.kill().unwrap();
    killed.wait().unwrap();
    let done = out.join("tasks/00008.done").exists();
    let result = out.join("runs/near/cnn/sm-r000-s0/result.json").exists();
    assert_eq!(
        done, result,
        "a completion record exactly when the run finished"
    );
    // The same task in two processes at once: one trains, the other waits and finds it done.
    let (first, second) = (start("8"), start("8"));
    for child in [first, second] {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    ok(&["bench", "--out", path_str(&out), "-q"]);
    assert_eq!(results(&out), results(&plain));
}

#[test]
fn bad_engine_input_gets_one_clear_line() {
    let tmp = tempfile::tempdir().unwrap();
    let experiment = tiny_bench(tmp.path());
    let out = tmp.path().join("b");
    let mut args = bench_args(&experiment, &out);
    args.push("--plan-only");
    ok(&args);

    let err = fails(&["bench", "--out", path_str(&out), "--task", "13"]);
    assert!(
        err.contains("--task 13 is out of range: this plan has tasks 0 to 12"),
        "{err}"
    );
    let err = fails(&[
        "bench",
        "--out",
        path_str(&out),
        "--stage",
        "mix",
        "--task",
        "2",
    ]);
    assert!(err.contains("stage mix has 2 task(s)"), "{err}");
    let err = fails(&["bench", "--out", path_str(&out), "--task", "env"]);
    assert!(
        err.contains("neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX"),
        "{err}"
    );
    let mut args = bench_args(&experiment, &out);
    args.extend(["--jobs", "0"]);
    let err = fails(&args);
    assert!(err.contains("--jobs"), "{err}");
    // Another experiment into the same directory.
    let other = tmp.path().join("other.toml");
    let text = std::fs::read_to_string(&experiment)
        .unwrap()
        .replace("size = 100", "size = 200");
    std::fs::write(&other, text).unwrap();
    let err = fails(&bench_args(&other, &out));
    assert!(err.contains("holds another experiment"), "{err}");
    // Directories that are no bench.
    let err = fails(&["status", path_str(tmp.path())]);
    assert!(err.contains("not a planned bench directory"), "{err}");
    let err = fails(&[
        "bench",
        "--out",
        path_str(&tmp.path().join("nothing")),
        "--task",
        "0",
    ]);
    assert!(err.contains("not a bench directory"), "{err}");
}

#[test]
fn the_kubernetes_manifest_is_one_indexed_job_per_stage_left() {
    let tmp = tempfile::tempdir().unwrap();
    let experiment = tiny_bench(tmp.path());
    let out = tmp.path().join("b");
    let mut args = bench_args(&experiment, &out);
    args.extend([
        "--emit",
        "k8s",
        "--image",
        "reg/synmix:1",
        "--claim",
        "pvc",
        "--parallelism",
        "4",
        "--secret",
        "object-store",
    ]);
    let yaml = ok(&args);
    let jobs: Vec<serde_yaml::Value> = serde_yaml::Deserializer::from_str(&yaml)
        .map(|doc| serde::Deserialize::deserialize(doc).unwrap())
        .collect();
    let completions: Vec<u64> = jobs
        .iter()
        .map(|j| j["spec"]["completions"].as_u64().unwrap())
        .collect();
    assert_eq!(completions, [1, 1, 2, 8, 1]);
    let train = &jobs[3];
    assert_eq!(train["kind"], "Job");
    assert_eq!(train["spec"]["completionMode"], "Indexed");
    let plan = &train["metadata"]["labels"]["synmix/plan"];
    assert_eq!(plan.as_str().map(str::len), Some(8), "{plan:?}");
    assert_eq!(train["spec"]["parallelism"], 4);
    assert_eq!(train["spec"]["backoffLimitPerIndex"], 2);
    let pod = &train["spec"]["template"]["spec"];
    assert_eq!(pod["restartPolicy"], "Never");
    assert_eq!(
        pod["volumes"][0]["persistentVolumeClaim"]["claimName"],
        "pvc"
    );
    let container = &pod["containers"][0];
    assert_eq!(container["image"], "reg/synmix:1");
    assert_eq!(container["envFrom"][0]["secretRef"]["name"], "object-store");
    let command: Vec<&str> = container["command"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        command
            .windows(4)
            .any(|w| w == ["--stage", "train", "--task", "env"]),
        "{command:?}"
    );
    assert_eq!(
        container["volumeMounts"][0]["mountPath"].as_str().unwrap(),
        path_str(&out)
    );
}

/// While runs finish the report is written marked partial, with what is left; the bench's last
/// task writes it whole.
#[test]
fn the_report_is_written_partial_as_runs_finish() {
    let tmp = tempfile::tempdir().unwrap();
    let experiment = tiny_bench(tmp.path());
    let out = tmp.path().join("bench");
    let mut args = bench_args(&experiment, &out);
    args.extend(["--report-every", "0"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_synmix"))
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let report = out.join("report.md");
    let mut partial = None;
    while child.try_wait().unwrap().is_none() {
        if let Ok(text) = std::fs::read_to_string(&report)
            && text.contains("Partial report")
        {
            partial = Some(text);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(child.wait().unwrap().success());
    let partial = partial.expect("a partial report while runs finished");
    assert!(partial.contains("training task(s) left"), "{partial}");
    let whole = std::fs::read_to_string(&report).unwrap();
    assert!(
        !whole.contains("Partial report") && whole.contains("8 runs: 8 ok"),
        "{whole}"
    );
}
