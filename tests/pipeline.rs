//! End-to-end tests of the whole pipeline through the binary: generate → mix → train →
//! report, and `bench` with its resume, on data made here.

mod common;

use common::*;

#[test]
fn generate_mix_train_report_by_hand() {
    let tmp = tempfile::tempdir().unwrap();
    let real = import_tiny_fashion_mnist(tmp.path(), "real", 300, 100);
    let synthetic = tmp.path().join("synthetic");
    ok(&[
        "generate",
        "--preset",
        "fashion",
        "--per-class",
        "10",
        "--test-per-class",
        "2",
        "--out",
        path_str(&synthetic),
        "-q",
    ]);
    ok(&["verify", path_str(&synthetic)]);

    let mix = tmp.path().join("mix");
    ok(&[
        "mix",
        "--synthetic",
        path_str(&synthetic),
        "--real",
        path_str(&real),
        "--size",
        "100",
        "--shares",
        "0,0.3,1",
        "--out",
        path_str(&mix),
        "-q",
    ]);
    for subset in ["sm-r000", "sm-r030", "ft-r030", "sm-r100"] {
        ok(&["verify", path_str(&mix.join(subset))]);
    }
    let ft = manifest(&mix.join("ft-r030"));
    assert_eq!(ft["phases"][0]["name"], "synthetic");
    assert_eq!(ft["phases"][0]["end"], 30);
    assert_eq!(ft["phases"][1]["source"], "real");

    let run = tmp.path().join("run");
    ok(&[
        "train",
        "--data",
        path_str(&mix.join("ft-r030")),
        "--test",
        path_str(&real),
        "--synthetic-test",
        path_str(&synthetic),
        "--model",
        "mlp",
        "--strategy",
        "ft",
        "--epochs",
        "1",
        "--out",
        path_str(&run),
        "-q",
    ]);
    let result: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("result.json")).unwrap()).unwrap();
    assert_eq!(result["status"], "ok");
    assert!(result["metrics"]["accuracy"].is_number());
    assert!(result["synthetic_test"]["accuracy"].is_number());

    // The real images here encode their class in their brightness: a model trained on them
    // must score far above chance (0.1) on their test split (seeds 0-3 gave 0.8 to 1.0).
    let real_run = tmp.path().join("real-run");
    ok(&[
        "train",
        "--data",
        path_str(&mix.join("sm-r000")),
        "--test",
        path_str(&real),
        "--model",
        "cnn",
        "--epochs",
        "10",
        "--lr",
        "0.003",
        "--batch-size",
        "10",
        "--out",
        path_str(&real_run),
        "-q",
    ]);
    let result: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(real_run.join("result.json")).unwrap())
            .unwrap();
    let accuracy = result["metrics"]["accuracy"].as_f64().unwrap();
    assert!(accuracy >= 0.6, "accuracy {accuracy} on a learnable set");

    // A model whose input does not fit the data is refused with one line.
    let err = fails(&[
        "train",
        "--data",
        path_str(&mix.join("sm-r030")),
        "--test",
        path_str(&synthetic),
        "--model",
        "transformer",
        "--out",
        path_str(&tmp.path().join("x")),
    ]);
    assert!(err.contains("transformer"), "{err}");

    // A backend this build lacks is refused with the build flag that adds it.
    if !cfg!(feature = "gpu-training") {
        let err = fails(&[
            "train",
            "--data",
            path_str(&mix.join("sm-r030")),
            "--test",
            path_str(&real),
            "--backend",
            "wgpu",
            "--out",
            path_str(&tmp.path().join("y")),
        ]);
        assert!(err.contains("--features gpu-training"), "{err}");
    }
}

#[test]
fn bench_runs_every_cell_once_and_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let real = import_tiny_fashion_mnist(tmp.path(), "real", 300, 100);
    let experiment = tmp.path().join("exp.toml");
    write_tiny_experiment(&experiment, &real, &["mlp", "cnn"]);
    let out = tmp.path().join("bench");
    let run_bench = || {
        ok(&[
            "bench",
            "--config",
            path_str(&experiment),
            "--out",
            path_str(&out),
            "-q",
        ])
    };
    run_bench();

    // 2 models × (3 SM + 1 FT): the FT endpoints are the SM runs, trained once.
    let results: Vec<String> = files_under(&out.join("runs"))
        .into_iter()
        .filter(|f| f.ends_with("result.json"))
        .collect();
    assert_eq!(results.len(), 8, "{results:?}");
    assert!(
        !results
            .iter()
            .any(|r| r.contains("ft-r000") || r.contains("ft-r100")),
        "{results:?}"
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("near") && report.contains("cnn"),
        "{report}"
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("<h2>Overview</h2>") && html.contains("src=\"data:image/png;base64,"),
        "the overview and an inlined sample strip"
    );
    assert!(out.join("plots/samples-near.png").is_file());
    // One header and a row per run.
    let csv = std::fs::read_to_string(out.join("results.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + results.len(), "{csv}");
    // The recipe is recorded in every run.
    let run = std::fs::read_to_string(out.join("runs").join(&results[0])).unwrap();
    let run: serde_json::Value = serde_json::from_str(&run).unwrap();
    assert_eq!(run["config"]["train"]["schedule"], "cosine", "{run}");
    assert_eq!(run["config"]["train"]["warmup"], 0.1, "{run}");

    // A rerun trains nothing: every result file is left as it was.
    let stamp = |p: &str| {
        std::fs::metadata(out.join("runs").join(p))
            .unwrap()
            .modified()
            .unwrap()
    };
    let before: Vec<_> = results.iter().map(|r| stamp(r)).collect();
    run_bench();
    let after: Vec<_> = results.iter().map(|r| stamp(r)).collect();
    assert_eq!(before, after);

    // Another experiment into the same directory is refused.
    std::fs::write(
        &experiment,
        std::fs::read_to_string(&experiment)
            .unwrap()
            .replace("epochs = 1", "epochs = 2"),
    )
    .unwrap();
    let err = fails(&[
        "bench",
        "--config",
        path_str(&experiment),
        "--out",
        path_str(&out),
    ]);
    assert!(err.contains("another experiment"), "{err}");
    std::fs::write(&experiment, "name = 1").unwrap();
    let err = fails(&[
        "bench",
        "--config",
        path_str(&experiment),
        "--out",
        path_str(&tmp.path().join("b2")),
    ]);
    assert!(err.contains("exp.toml"), "{err}");
}

/// The shards of one render as array tasks: every shard in its own process at the same time,
/// the index from the array job's environment. The shard that completes the set writes the
/// manifest, and the dataset equals a one-process render byte for byte.
#[test]
fn shards_rendered_at_once_by_array_tasks_make_the_one_process_dataset() {
    let tmp = tempfile::tempdir().unwrap();
    let render = |out: &std::path::Path, extra: &[&str]| {
        let mut args = vec![
            "generate",
            "--preset",
            "sketch",
            "--per-class",
            "3",
            "--test-per-class",
            "2",
            "--device",
            "cpu",
            "--seed",
            "5",
            "-q",
            "--out",
            path_str(out),
        ];
        args.extend(extra);
        args.iter().map(|a| a.to_string()).collect::<Vec<String>>()
    };
    let whole = tmp.path().join("whole");
    ok(&render(&whole, &[])
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>());
    for round in 0..3 {
        let sharded = tmp.path().join(format!("sharded-{round}"));
        let workers: Vec<_> = (0..2)
            .map(|index| {
                std::process::Command::new(env!("CARGO_BIN_EXE_synmix"))
                    .args(render(
                        &sharded,
                        &["--num-shards", "2", "--shard-index", "env"],
                    ))
                    .env("SLURM_ARRAY_TASK_ID", index.to_string())
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for worker in workers {
            let output = worker.wait_with_output().unwrap();
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        ok(&["verify", path_str(&sharded), "-q"]);
        assert_eq!(manifest(&sharded)["splits"], manifest(&whole)["splits"]);
        assert_eq!(files_under(&sharded), files_under(&whole));
    }
}
