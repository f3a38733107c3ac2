//! Datasets on object storage, against a real S3-compatible server the test starts (moto's
//! standalone server, [`common::s3`]): the pipeline writes and reads `s3://` datasets with the
//! bytes and results of a local run; pyarrow and Hugging Face `datasets` read the shards from
//! the same server; a killed upload leaves nothing a rerun takes for finished; wrong
//! credentials, a missing bucket and an unreachable endpoint are one clear line each.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::s3::S3Server;
use common::*;

const BUCKET: &str = "synmix-test";

/// The shards a manifest lists (file, rows, bytes, hash): equal lists mean equal bytes.
fn shards(manifest: &serde_json::Value) -> Vec<serde_json::Value> {
    manifest["splits"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|split| split["shards"].as_array().unwrap().clone())
        .collect()
}

/// A run's result without what differs between two runs (timings, paths, the command line).
fn comparable(result: &str) -> serde_json::Value {
    let mut value: serde_json::Value = serde_json::from_str(result).unwrap();
    value.as_object_mut().unwrap().remove("timings");
    for epoch in value["epochs"].as_array_mut().unwrap() {
        epoch.as_object_mut().unwrap().remove("seconds");
    }
    let config = value["config"].as_object_mut().unwrap();
    for key in ["data", "test", "synthetic_test", "out"] {
        config.remove(key);
    }
    value
}

/// A fresh S3 server holding the bucket [`BUCKET`]; none where moto is missing and the tests
/// may skip (see `S3Server::start`).
fn server_with_bucket() -> Option<S3Server> {
    let server = S3Server::start()?;
    server.create_bucket(BUCKET);
    Some(server)
}

#[test]
fn a_pipeline_on_object_storage_gives_the_bytes_and_results_of_a_local_one() {
    let Some(server) = server_with_bucket() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let raw = tiny_fashion_mnist_raw(&tmp.path().join("raw"), 300, 100);
    let local = |name: &str| tmp.path().join(name).display().to_string();
    let remote = |name: &str| format!("s3://{BUCKET}/bench/{name}");

    for (place, at) in [("disk", &local as &dyn Fn(&str) -> String), ("s3", &remote)] {
        let (real, synthetic, mix) = (at("fmnist"), at("fashion"), at("mix"));
        server.import_fashion_mnist(&raw, &real);
        server.ok(&[
            "generate",
            "--preset",
            "fashion",
            "--per-class",
            "10",
            "--test-per-class",
            "2",
            "--out",
            &synthetic,
            "-q",
        ]);
        server.ok(&[
            "mix",
            "--synthetic",
            &synthetic,
            "--real",
            &real,
            "--size",
            "100",
            "--shares",
            "0,0.5",
            "--out",
            &mix,
            "-q",
        ]);
        for dataset in [
            &real,
            &synthetic,
            &format!("{mix}/sm-r050"),
            &format!("{mix}/ft-r050"),
        ] {
            assert!(
                server.ok(&["verify", dataset]).contains(": ok"),
                "{dataset}"
            );
        }
        server.ok(&[
            "train",
            "--data",
            &format!("{mix}/ft-r050"),
            "--test",
            &real,
            "--synthetic-test",
            &synthetic,
            "--model",
            "mlp",
            "--strategy",
            "ft",
            "--epochs",
            "1",
            "--out",
            &local(&format!("run-{place}")),
            "-q",
        ]);
    }
    // Streamed from the server (`--memory 0`: no split decoded whole, every window read from
    // the shards), row groups read again coming from a bounded local cache: the same run.
    let cache = tmp.path().join("cache");
    server.ok_with(
        &[
            ("SYNMIX_CACHE_DIR", path_str(&cache)),
            ("SYNMIX_CACHE_MIB", "1"),
        ],
        &[
            "train",
            "--data",
            &remote("mix/ft-r050"),
            "--test",
            &remote("fmnist"),
            "--synthetic-test",
            &remote("fashion"),
            "--model",
            "mlp",
            "--strategy",
            "ft",
            "--epochs",
            "1",
            "--memory",
            "0",
            "--out",
            &local("run-streamed"),
            "-q",
        ],
    );
    let cached: Vec<u64> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .collect();
    assert!(
        !cached.is_empty() && cached.iter().sum::<u64>() <= 1 << 20,
        "{cached:?}"
    );
    let inspected = server.ok(&["inspect", &remote("fmnist")]);
    assert!(inspected.contains(&remote("fmnist")), "{inspected}");

    // Byte for byte the same shards, wherever they were written.
    for name in ["fmnist", "fashion", "mix/sm-r050", "mix/ft-r050"] {
        let here = manifest(&tmp.path().join(name));
        let there: serde_json::Value =
            serde_json::from_slice(&server.get(BUCKET, &format!("bench/{name}/manifest.json")))
                .unwrap();
        assert_eq!(shards(&here), shards(&there), "{name}");
        assert_eq!(here["splits"], there["splits"], "{name}");
    }
    // The same training run, streamed from the server or read from the disk.
    let run = |place: &str| {
        std::fs::read_to_string(tmp.path().join(format!("run-{place}/result.json"))).unwrap()
    };
    let (here, there) = (comparable(&run("disk")), comparable(&run("s3")));
    assert_eq!(here["status"], "ok");
    assert_eq!(here, there);
    assert_eq!(here, comparable(&run("streamed")));
}

#[test]
fn pyarrow_and_huggingface_read_the_shards_from_the_server() {
    let Some(server) = server_with_bucket() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let raw = tiny_fashion_mnist_raw(&tmp.path().join("raw"), 40, 10);
    let url = format!("s3://{BUCKET}/fmnist");
    server.import_fashion_mnist(&raw, &url);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop_s3.py");
    let said = server.python(
        script,
        &[&url, &tmp.path().join("hf").display().to_string()],
    );
    assert!(said.contains("interop over S3 ok: 40 rows"), "{said}");
}

#[test]
fn store_failures_are_one_clear_line_each() {
    let Some(server) = server_with_bucket() else {
        return;
    };
    let one_line = |stderr: &str, says: &str| {
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{stderr}");
        assert!(lines[0].contains(says), "{stderr}");
    };
    let said = server.fails(&["verify", "s3://no-such-bucket/fmnist"]);
    one_line(&said, "the bucket does not exist");
    let said = server.fails(&["verify", &format!("s3://{BUCKET}/nothing-here")]);
    one_line(&said, "not a synmix dataset (no manifest.json)");
    let said = server.fails(&["train", "--data", "d", "--test", "t", "--out", "s3://b/run"]);
    assert!(said.contains("this flag takes a local path"), "{said}");
    // A bench directory may live there, and its store's failures are one line too.
    let said = server.fails(&["bench", "--out", "s3://no-such-bucket/bench", "--plan-only"]);
    one_line(&said, "the bucket does not exist");
    let said = server.fails(&["status", &format!("s3://{BUCKET}/no-bench")]);
    one_line(
        &said,
        &format!("s3://{BUCKET}/no-bench: not a planned bench directory"),
    );
    assert!(!Path::new("s3:").exists());
    let said = server.fails(&["verify", "s3://"]);
    assert!(said.contains("names no bucket"), "{said}");

    let mut gone = S3Server::start().unwrap();
    gone.kill();
    let said = gone.fails(&["verify", &format!("s3://{BUCKET}/fmnist")]);
    one_line(&said, "cannot reach the object store at http://127.0.0.1:");

    let strict = S3Server::start_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", "0")]).unwrap();
    let said = strict.fails(&["verify", &format!("s3://{BUCKET}/fmnist")]);
    one_line(&said, "refused the credentials");
}

/// Writes IDX files of `count` 28×28 images of noise (PNG cannot shrink them), ten classes.
fn noise_idx(dir: &Path, count: u32) {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut images = vec![0, 0, 8, 3];
    for d in [count, 28, 28] {
        images.extend(d.to_be_bytes());
    }
    let mut labels = vec![0, 0, 8, 1];
    labels.extend(count.to_be_bytes());
    for i in 0..count {
        labels.push((i % 10) as u8);
        images.extend((0..28 * 28).map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        }));
    }
    for (name, bytes) in [
        ("train-images-idx3-ubyte", images),
        ("train-labels-idx1-ubyte", labels),
    ] {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

/// Starts `synmix import idx` of `raw` to `url` (`s3://BUCKET/prefix`) and kills it once an
/// upload is under way.
fn import_killed_mid_upload(server: &S3Server, raw: &Path, url: &str) {
    let prefix = &url[format!("s3://{BUCKET}/").len()..];
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_synmix"))
        .args([
            "import",
            "idx",
            "--images",
            &format!("{}/train-images-idx3-ubyte", raw.display()),
            "--labels",
            &format!("{}/train-labels-idx1-ubyte", raw.display()),
            "--out",
            url,
            "-q",
        ])
        .envs(server.env())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !server.uploads_in_progress(BUCKET, prefix) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import ended before an upload was seen"
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no upload began"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_killed_upload_leaves_nothing_a_rerun_takes_for_finished() {
    let Some(mut server) = S3Server::start() else {
        return;
    };
    server.create_bucket(BUCKET);
    let tmp = tempfile::tempdir().unwrap();
    noise_idx(tmp.path(), 20_000);
    let images = format!("{}/train-images-idx3-ubyte", tmp.path().display());
    let labels = format!("{}/train-labels-idx1-ubyte", tmp.path().display());
    let url = format!("s3://{BUCKET}/noise");

    // The writer killed mid-upload: no shard object, no manifest; the rerun resumes.
    import_killed_mid_upload(&server, tmp.path(), &url);
    assert!(!server.exists(BUCKET, "noise/manifest.json"));
    assert!(!server.exists(BUCKET, "noise/data/train-00000-of-00001.parquet"));
    let said = server.fails(&["verify", &url]);
    assert!(said.contains("not a synmix dataset"), "{said}");
    let import = [
        "import", "idx", "--images", &images, "--labels", &labels, "--out", &url, "-q",
    ];
    let said = server.fails(&import);
    assert!(said.contains("--resume"), "{said}");
    server.ok(&[&import[..], &["--resume"]].concat());
    assert!(server.ok(&["verify", &url]).contains(": ok"));

    // The server killed mid-upload: the writer says so in one line; restarted (empty), a
    // rerun writes the dataset whole.
    let again = format!("s3://{BUCKET}/again");
    let child = server.spawn_with(
        &[],
        &[
            "import", "idx", "--images", &images, "--labels", &labels, "--out", &again, "-q",
        ],
    );
    wait_until("an upload", || server.uploads_in_progress(BUCKET, "again/"));
    server.kill();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && !stderr.contains("panicked"),
        "{stderr}"
    );
    assert!(stderr.contains(&again), "{stderr}");
    server.restart();
    server.create_bucket(BUCKET);
    server.ok(&[
        "import", "idx", "--images", &images, "--labels", &labels, "--out", &again, "-q",
    ]);
    assert!(server.ok(&["verify", &again]).contains(": ok"));
}

#[test]
fn a_bench_reads_a_dataset_named_by_url_with_the_results_of_a_local_one() {
    let Some(server) = server_with_bucket() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let real = import_tiny_fashion_mnist(tmp.path(), "real", 300, 100);
    let url = format!("s3://{BUCKET}/real");
    let raw = tmp.path().join("real-raw");
    server.import_fashion_mnist(&raw, &url);
    let mut found = Vec::new();
    for (name, dataset) in [("disk", real.as_path()), ("s3", Path::new(&url))] {
        let experiment = tmp.path().join(format!("{name}.toml"));
        write_tiny_experiment(&experiment, dataset, &["mlp"]);
        let out = tmp.path().join(format!("bench-{name}"));
        server.ok(&bench_args(&experiment, &out));
        found.push(results(&out));
    }
    assert_eq!(found[0].len(), 4);
    assert_eq!(found[0], found[1]);
}

/// The tiny bench run on the real data on disk (its bench directory, whose results the others
/// must give), and the same experiment with the real data on `server` (its file): in a
/// temporary directory, which also holds the real data's IDX files (`real-raw/`).
fn tiny_bench_both_ways(server: &S3Server) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let real = import_tiny_fashion_mnist(tmp.path(), "real", 300, 100);
    let real_url = format!("s3://{BUCKET}/real");
    server.import_fashion_mnist(&tmp.path().join("real-raw"), &real_url);
    let local_experiment = tmp.path().join("local.toml");
    write_tiny_experiment(&local_experiment, &real, &["mlp"]);
    let local = tmp.path().join("bench-local");
    server.ok(&bench_args(&local_experiment, &local));
    let experiment = tmp.path().join("s3.toml");
    write_tiny_experiment(&experiment, Path::new(&real_url), &["mlp"]);
    (tmp, local, experiment)
}

#[test]
fn a_bench_directory_on_object_storage_runs_end_to_end_with_the_results_of_a_local_one() {
    let Some(server) = server_with_bucket() else {
        return;
    };
    let (tmp, local, experiment) = tiny_bench_both_ways(&server);
    let bench = format!("s3://{BUCKET}/bench");
    // Each command as if on another machine: with a working copy of its own.
    let on = |machine: &str, args: &[&str]| {
        let work = tmp.path().join("work").join(machine);
        server.ok_with(&[("SYNMIX_WORK_DIR", path_str(&work))], args)
    };
    let result_key = "bench/runs/near/mlp/sm-r050-s0/result.json";
    let result = || String::from_utf8(server.get(BUCKET, result_key)).unwrap();

    let config = path_str(&experiment);
    // The Kubernetes Jobs of a bench on object storage mount nothing.
    let yaml = on(
        "emit",
        &[
            "bench", "--config", config, "--out", &bench, "--emit", "k8s", "--secret", "s3",
        ],
    );
    assert!(
        yaml.contains(&bench) && yaml.contains("secretRef"),
        "{yaml}"
    );
    assert!(!yaml.contains("volume"), "{yaml}");
    on(
        "a",
        &[
            "bench", "--config", config, "--out", &bench, "--jobs", "2", "-q",
        ],
    );
    for key in [
        "bench/plan.json",
        "bench/report.md",
        "bench/results.csv",
        "bench/mix/near/s0/mix.json",
        result_key,
        "bench/tasks/00000.done",
    ] {
        assert!(server.exists(BUCKET, key), "{key} is not in the store");
    }

    // Another machine reads the status and writes the report from the store alone; the runs
    // it pulls are the local bench's.
    let status = on("b", &["status", &bench]);
    assert!(status.contains("every task is done"), "{status}");
    on("b", &["report", &bench, "-q"]);
    let copies = tmp.path().join("work/b");
    let copy = std::fs::read_dir(&copies)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert_eq!(results(&copy).len(), 4);
    assert_eq!(results(&copy), results(&local));

    // A rerun elsewhere finds every task done in the store and trains nothing again.
    let before = result();
    on("c", &["bench", "--out", &bench, "-q"]);
    assert_eq!(result(), before);

    // A run lost from the store is trained again, with the same result.
    server.delete(BUCKET, result_key);
    on("c", &["bench", "--out", &bench, "-q"]);
    assert_eq!(comparable(&result()), comparable(&before));

    // A task another pod holds (its lease is live) is waited for, not run beside it; found
    // done once that pod lets go, it is not run again.
    let plan: serde_json::Value =
        serde_json::from_slice(&server.get(BUCKET, "bench/plan.json")).unwrap();
    let id = plan["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["work"]["strategy"] == "sm" && t["work"]["point"] == "r050")
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    let (done, lease) = (
        format!("bench/tasks/{id:05}.done"),
        format!("bench/tasks/{id:05}.lock"),
    );
    let record = server.get(BUCKET, &done);
    let finished = server.get(BUCKET, result_key);
    server.delete(BUCKET, &done);
    server.delete(BUCKET, result_key);
    let expires = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 60_000;
    let held = format!(r#"{{"holder": "another-pod", "expires_ms": {expires}}}"#);
    server.put(BUCKET, &lease, held.as_bytes());
    let mut worker = server.spawn_with(
        &[("SYNMIX_WORK_DIR", path_str(&tmp.path().join("work/d")))],
        &["-q", "bench", "--out", &bench, "--task", &id.to_string()],
    );
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        worker.try_wait().unwrap().is_none(),
        "it ran beside the lease's holder"
    );
    server.put(BUCKET, result_key, &finished);
    server.put(BUCKET, &done, &record);
    server.delete(BUCKET, &lease);
    let ended = worker.wait_with_output().unwrap();
    assert!(
        ended.status.success(),
        "{}",
        String::from_utf8_lossy(&ended.stderr)
    );
    assert_eq!(
        server.get(BUCKET, result_key),
        finished,
        "the task was run again"
    );
}

#[test]
fn a_bench_whose_server_dies_midway_is_finished_by_a_rerun() {
    let Some(mut server) = server_with_bucket() else {
        return;
    };
    let (tmp, local, experiment) = tiny_bench_both_ways(&server);
    let bench = format!("s3://{BUCKET}/bench");
    let work = tmp.path().join("work");
    let args = bench_args(&experiment, Path::new(&bench));
    let running = server.spawn_with(&[("SYNMIX_WORK_DIR", path_str(&work))], &args);
    // The server dies once the first run is being trained.
    wait_until("a run", || {
        files_under(&work).iter().any(|f| f.contains("/runs/"))
    });
    server.kill();
    let died = running.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&died.stderr);
    assert!(
        !died.status.success(),
        "the bench ended before the server died"
    );
    assert!(stderr.contains("cannot reach the object store"), "{stderr}");

    // moto keeps its objects in memory: the restarted store is empty, and the rerun makes
    // again what it held, keeping the finished runs of its working copy.
    server.restart();
    server.create_bucket(BUCKET);
    server.import_fashion_mnist(&tmp.path().join("real-raw"), &format!("s3://{BUCKET}/real"));
    let work = path_str(&work);
    server.ok_with(&[("SYNMIX_WORK_DIR", work)], &args);
    let status = server.ok_with(&[("SYNMIX_WORK_DIR", work)], &["status", &bench]);
    assert!(status.contains("every task is done"), "{status}");
    let copy = std::fs::read_dir(work)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert_eq!(results(&copy), results(&local));
}

#[test]
fn a_run_stopped_on_one_machine_continues_from_its_checkpoint_on_another() {
    let Some(server) = server_with_bucket() else {
        return;
    };
    let (tmp, _, experiment) = tiny_bench_both_ways(&server);
    // Runs long enough to be stopped midway (the checkpoint is in the store after the first
    // epoch).
    let text = std::fs::read_to_string(&experiment).unwrap();
    std::fs::write(&experiment, text.replace("epochs = 1\n", "epochs = 30\n")).unwrap();
    let bench = format!("s3://{BUCKET}/bench");
    let args = bench_args(&experiment, Path::new(&bench));
    let mut first = server.spawn_with(
        &[("SYNMIX_WORK_DIR", path_str(&tmp.path().join("work/first")))],
        &args,
    );
    let checkpoint = || {
        server
            .keys(BUCKET, "bench/runs/")
            .into_iter()
            .find(|key| key.ends_with("/checkpoint/state.json"))
    };
    wait_until("a checkpoint in the store", || checkpoint().is_some());
    // The machine is lost (its lease then expires: here, at once).
    first.kill().unwrap();
    first.wait().unwrap();
    let state_key = checkpoint().unwrap();
    let state: serde_json::Value = serde_json::from_slice(&server.get(BUCKET, &state_key)).unwrap();
    for key in server.keys(BUCKET, "bench/tasks/") {
        if key.ends_with(".lock") {
            server.delete(BUCKET, &key);
        }
    }

    let work = tmp.path().join("work/second");
    server.ok_with(&[("SYNMIX_WORK_DIR", path_str(&work))], &args);
    let run = state_key.trim_end_matches("checkpoint/state.json");
    let result: serde_json::Value =
        serde_json::from_slice(&server.get(BUCKET, &format!("{run}result.json"))).unwrap();
    // The epochs the first machine trained are the checkpoint's, to the bit (their measured
    // seconds included): the second machine went on from there.
    let kept = state["epochs"].as_array().unwrap();
    assert!(!kept.is_empty() && kept.len() < 30, "{state}");
    assert_eq!(
        &result["epochs"].as_array().unwrap()[..kept.len()],
        &kept[..]
    );
    assert!(
        server
            .keys(BUCKET, run)
            .iter()
            .all(|key| !key.contains("/checkpoint/")),
        "a finished run's checkpoint is gone from the store"
    );
}
