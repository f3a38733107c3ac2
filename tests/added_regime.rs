//! The added-synthetic regime of `synmix bench`: R real rows kept, k·R synthetic rows added,
//! selected by the experiment file's `[added]` section.

mod common;

use std::path::Path;

use common::*;

/// The tiny experiment with an `[added]` section.
fn with_added(experiment: &Path, section: &str) {
    let text = std::fs::read_to_string(experiment).unwrap();
    std::fs::write(experiment, format!("{text}\n[added]\n{section}\n")).unwrap();
}

#[test]
fn a_bench_with_the_added_regime_trains_reports_and_exports_it() {
    let tmp = tempfile::tempdir().unwrap();
    let real = import_tiny_fashion_mnist(tmp.path(), "real", 300, 100);
    let experiment = tmp.path().join("exp.toml");
    write_tiny_experiment(&experiment, &real, &["mlp"]);
    // k = 4 takes 200 synthetic rows, 20 of each class: more than share 1 of N = 100 does,
    // so the render must be sized for the regime.
    with_added(&experiment, "real = 50\nmultiples = [0, 1, 4]");
    let out = tmp.path().join("bench");
    ok(&bench_args(&experiment, &out));

    // The share sweep's 3 SM + 1 FT runs, and the regime's 3 SM + 2 FT (at k = 0 FT is the
    // SM run, trained once).
    let runs = results(&out);
    let names: Vec<&str> = runs.iter().map(|(file, _)| file.as_str()).collect();
    assert_eq!(
        names,
        [
            "near/mlp/ft-k100-s0/result.json",
            "near/mlp/ft-k400-s0/result.json",
            "near/mlp/ft-r050-s0/result.json",
            "near/mlp/sm-k000-s0/result.json",
            "near/mlp/sm-k100-s0/result.json",
            "near/mlp/sm-k400-s0/result.json",
            "near/mlp/sm-r000-s0/result.json",
            "near/mlp/sm-r050-s0/result.json",
            "near/mlp/sm-r100-s0/result.json",
        ]
    );
    let k4 = &runs[1].1;
    assert_eq!(k4["config"]["cell"]["regime"], "added-synthetic", "{k4}");
    assert_eq!(k4["config"]["cell"]["multiple"], 4.0, "{k4}");
    assert_eq!(
        (
            k4["data"]["real_rows"].as_u64(),
            k4["data"]["synthetic_rows"].as_u64()
        ),
        (Some(50), Some(200)),
        "{k4}"
    );
    assert_eq!(runs[2].1["config"]["cell"]["regime"], "fixed-size");
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    let added = &report[report
        .find("## Adding synthetic data to a fixed real set")
        .expect("the regime's section")..];
    assert!(added.contains("R = 50 real rows"), "{added}");
    assert!(
        added.contains("### near — mlp: R real + k·R synthetic"),
        "{added}"
    );
    assert!(
        added.contains("| k | SM accuracy | FT accuracy |"),
        "{added}"
    );
    for k in ["| 0.00 |", "| 1.00 |", "| 4.00 |"] {
        assert!(added.contains(k), "{added}");
    }
    assert!(out.join("plots/added-near-mlp.svg").is_file());

    // results.csv: one row per run, with its regime and multiple.
    let csv = std::fs::read_to_string(out.join("results.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let mut rows: Vec<(String, String, String, String)> = lines
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            let field = |name: &str| fields[column(name)].to_string();
            (
                field("strategy"),
                field("regime"),
                field("multiple"),
                field("accuracy"),
            )
        })
        .collect();
    let mut expected: Vec<(String, String, String, String)> = runs
        .iter()
        .map(|(_, run)| {
            let cell = &run["config"]["cell"];
            let multiple = cell["multiple"]
                .as_f64()
                .map_or(String::new(), |k| k.to_string());
            (
                run["config"]["strategy"].as_str().unwrap().to_string(),
                cell["regime"].as_str().unwrap().to_string(),
                multiple,
                run["metrics"]["accuracy"].as_f64().unwrap().to_string(),
            )
        })
        .collect();
    rows.sort();
    expected.sort();
    assert_eq!(rows, expected);
}

#[test]
fn an_added_regime_the_data_cannot_hold_is_refused_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    // 30 train rows of each class.
    let real = import_tiny_fashion_mnist(tmp.path(), "real", 300, 20);
    let out = tmp.path().join("bench");
    let refused = |section: &str, synthetic_is_real: bool| {
        let experiment = tmp.path().join("exp.toml");
        write_tiny_experiment(&experiment, &real, &["mlp"]);
        if synthetic_is_real {
            let text = std::fs::read_to_string(&experiment).unwrap().replace(
                "synthetic = { preset = \"fashion\" }",
                &format!("synthetic = {{ dataset = \"{}\" }}", real.display()),
            );
            std::fs::write(&experiment, text).unwrap();
        }
        with_added(&experiment, section);
        let err = fails(&bench_args(&experiment, &out));
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(!out.exists(), "nothing written: {err}");
        err
    };
    let err = refused("real = 400\nmultiples = [0, 1]", false);
    assert!(
        err.contains("added.real 400: pair 'near' needs 40 real rows of class")
            && err.contains("has 30; give a smaller added.real"),
        "{err}"
    );
    // k = 8 of 50 real rows takes 40 synthetic rows of each class.
    let err = refused("real = 50\nmultiples = [0, 4, 8]", true);
    assert!(
        err.contains("the added-synthetic regime needs 40 synthetic train rows but")
            && err.contains(
                "has 30; give a larger synthetic dataset or smaller added.multiples (k = 8 of added.real 50)"
            ),
        "{err}"
    );
    let err = refused("real = 50\nmultiples = []", false);
    assert!(
        err.contains("exp.toml") && err.contains("added.multiples is empty"),
        "{err}"
    );
    let err = refused("real = 50\nmultiples = [0, -1]", false);
    assert!(
        err.contains("added.multiples: -1 is not a number ≥ 0"),
        "{err}"
    );
    let err = refused("real = 50\nmultiples = [1, 1.001]", false);
    assert!(
        err.contains("1.001 is not a whole number of hundredths"),
        "{err}"
    );
    let err = refused("real = 50\nmultiples = [1, 1.0]", false);
    assert!(err.contains("k = 1 is given twice"), "{err}");
    let err = refused("real = 0\nmultiples = [1]", false);
    assert!(err.contains("added.real must be at least 1"), "{err}");
    let err = refused("real = 5\nmultiples = [1]", false);
    assert!(err.contains("added.real 5: too few rows"), "{err}");
    let err = refused("reals = 5\nmultiples = [1]", false);
    assert!(err.contains("reals"), "{err}");
}
