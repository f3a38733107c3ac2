//! `synmix advise` end to end on a tiny real set and a preset: the share question and the added
//! question answered from three pilots each, as JSON and as a page; a rerun reuses the pilots;
//! bad questions refused in one line before any work.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

fn advise(real: &Path, out: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "advise",
        "--real",
        path_str(real),
        "--synthetic",
        "fashion",
        "--model",
        "mlp",
        "--json",
        "--out",
        path_str(out),
    ];
    args.extend(extra);
    let json = ok(&args);
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

#[test]
fn the_share_and_the_added_questions_are_answered_from_three_pilots() {
    let tmp = tempfile::tempdir().unwrap();
    let real = import_tiny_fashion_mnist(tmp.path(), "real", 300, 100);
    let out = tmp.path().join("share");
    let advice = advise(&real, &out, &["--size", "100"]);
    let strategy = advice["strategy"].as_str().unwrap();
    assert!(["sm", "ft", "real-only"].contains(&strategy), "{advice}");
    for key in ["share", "accuracy", "gain"] {
        let e = &advice[key];
        let (low, value, high) = (
            e["low"].as_f64().unwrap(),
            e["value"].as_f64().unwrap(),
            e["high"].as_f64().unwrap(),
        );
        assert!(low <= value && value <= high, "{key}: {e}");
    }
    assert!(advice.get("multiple").is_none());
    assert_eq!(advice["cost"]["runs"], 3);
    assert_eq!(advice["per_class"].as_object().unwrap().len(), 10);
    if strategy == "real-only" {
        assert_eq!(advice["gain"]["value"], 0.0);
        assert_eq!(advice["share"]["value"], 0.0);
    }
    let pilots: Vec<String> = advice["pilots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                p["strategy"].as_str().unwrap(),
                p["point"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(pilots, ["sm r000", "sm r020", "ft r020"]);
    for page in ["advice.html", "advice.md", "class-shares.toml"] {
        assert!(out.join(page).is_file(), "{page}");
    }
    let html = std::fs::read_to_string(out.join("advice.html")).unwrap();
    assert!(
        html.contains("The pilots") && html.contains("<table>"),
        "{html}"
    );
    // Asked again: the same answer from the pilots already run.
    assert_eq!(advise(&real, &out, &["--size", "100"]), advice);

    let added = advise(&real, &tmp.path().join("added"), &["--real-count", "50"]);
    assert!(added["multiple"]["value"].is_number(), "{added}");
    let pilots: Vec<&str> = added["pilots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["point"].as_str().unwrap())
        .collect();
    assert_eq!(pilots, ["k000", "k100", "k400"]);
    let k = added["multiple"]["value"].as_f64().unwrap();
    let share = added["share"]["value"].as_f64().unwrap();
    assert!((share - k / (1.0 + k)).abs() < 1e-9, "{added}");
}

#[test]
fn bad_questions_are_refused_in_one_line_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let real = import_tiny_fashion_mnist(tmp.path(), "real", 300, 100);
    let out = tmp.path().join("advice");
    let refused = |extra: &[&str]| {
        let mut args = vec!["advise", "--real", path_str(&real), "--out", path_str(&out)];
        args.extend(extra);
        let err = fails(&args);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(!out.exists(), "nothing written: {err}");
        err
    };
    let err = refused(&["--synthetic", "fashion", "--real-count", "400"]);
    assert!(
        err.contains("--real-count: 400 is more than the 300 rows"),
        "{err}"
    );
    let err = refused(&["--synthetic", "digits"]);
    assert!(
        err.contains("do not cover the real ones") && err.contains("Ankle boot"),
        "{err}"
    );
    let err = refused(&["--synthetic", "fashion", "--budget", "0.0001"]);
    assert!(
        err.contains("--budget: the pilots train for about") && err.contains("give at least"),
        "{err}"
    );
    let err = refused(&[
        "--synthetic",
        "fashion",
        "--size",
        "100",
        "--real-count",
        "50",
    ]);
    assert!(err.contains("ask one at a time"), "{err}");
    let err = refused(&["--synthetic", "nowhere.toml"]);
    assert!(err.contains("nowhere.toml"), "{err}");
}
