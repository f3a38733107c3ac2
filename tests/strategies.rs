//! Strategies beyond SM and FT: the ramp, whose batches' synthetic share falls linearly over
//! the training, mixed by `synmix mix --ramp`, trained by `synmix train --strategy ramp` and run
//! by `synmix bench` beside SM and FT.

mod common;

use std::path::Path;

use common::*;

/// The tiny experiment, trained with `strategies` for `epochs` epochs.
fn with_strategies(experiment: &Path, strategies: &str, epochs: u32) {
    let text = std::fs::read_to_string(experiment)
        .unwrap()
        .replace(
            r#"strategies = ["sm", "ft"]"#,
            &format!("strategies = {strategies}"),
        )
        .replace("epochs = 1", &format!("epochs = {epochs}"));
    std::fs::write(experiment, text).unwrap();
}

#[test]
fn a_bench_trains_the_ramp_on_the_sm_rows_and_compares_every_pair_of_strategies() {
    let tmp = tempfile::tempdir().unwrap();
    let real = import_tiny_fashion_mnist(tmp.path(), "real", 300, 100);
    let experiment = tmp.path().join("exp.toml");
    write_tiny_experiment(&experiment, &real, &["mlp"]);
    with_strategies(&experiment, r#"["sm", "ft", "ramp"]"#, 2);
    let out = tmp.path().join("bench");
    ok(&bench_args(&experiment, &out));

    // At shares 0 and 1 the ramp is the SM run, trained once.
    let runs = results(&out);
    let names: Vec<&str> = runs.iter().map(|(file, _)| file.as_str()).collect();
    assert_eq!(
        names,
        [
            "near/mlp/ft-r050-s0/result.json",
            "near/mlp/ramp-r050-s0/result.json",
            "near/mlp/sm-r000-s0/result.json",
            "near/mlp/sm-r050-s0/result.json",
            "near/mlp/sm-r100-s0/result.json",
        ]
    );

    // The very rows of the SM subset, in its order: the same shard bytes.
    let mix = out.join("mix/near/s0");
    let (sm, ramp) = (
        manifest(&mix.join("sm-r050")),
        manifest(&mix.join("ramp-r050")),
    );
    assert_eq!(
        sm["splits"]["train"]["shards"], ramp["splits"]["train"]["shards"],
        "the ramp subset holds the SM subset's rows"
    );
    // Its one phase holds the visits of the recipe: 2 epochs of 100 rows in batches of 32
    // (32, 32, 32, 4), 50 synthetic rows visited twice, the share falling from 1 to 0.
    let phases = ramp["phases"].as_array().unwrap();
    assert_eq!(phases.len(), 1, "{phases:?}");
    let visits = &phases[0]["visits"][0];
    assert_eq!(
        (visits["epochs"].as_u64(), visits["batch_size"].as_u64()),
        (Some(2), Some(32))
    );
    let counts: Vec<u64> = visits["synthetic_per_batch"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .collect();
    assert_eq!(counts.len(), 8);
    assert_eq!(counts.iter().sum::<u64>(), 100);
    // Each batch holds the line's share at its middle, to within a row: 1 − t at share 0.5.
    let mut visited = 0.0;
    for (&count, batch) in counts.iter().zip([32.0, 32.0, 32.0, 4.0].repeat(2)) {
        let line = 1.0 - (visited + batch / 2.0) / 200.0;
        assert!((count as f64 - batch * line).abs() <= 1.0, "{counts:?}");
        visited += batch;
    }

    // The same number of visits as SM: each row twice.
    let run = |name: &str| &runs.iter().find(|(f, _)| f.contains(name)).unwrap().1;
    let samples = |name: &str| -> u64 {
        run(name)["epochs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["samples"].as_u64().unwrap())
            .sum()
    };
    assert_eq!(samples("ramp-r050"), samples("sm-r050"));
    assert_eq!(samples("ramp-r050"), 200);
    assert_eq!(run("ramp-r050")["config"]["strategy"], "ramp");

    // The report: a column per strategy and every pair compared.
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("| share | SM accuracy | FT accuracy | RAMP accuracy | FT − SM [95 % CI] | RAMP − SM [95 % CI] | RAMP − FT [95 % CI] |"),
        "{report}"
    );
    assert!(report.contains("mean RAMP − SM [95 % CI]"), "{report}");
    assert!(
        report.contains("one seed: RAMP − FT has no interval"),
        "{report}"
    );
    let csv = std::fs::read_to_string(out.join("results.csv")).unwrap();
    assert_eq!(
        csv.lines().filter(|l| l.contains(",ramp,")).count(),
        1,
        "{csv}"
    );
    // The pair's domain gap, measured by the bench as `synmix gap` measures it.
    assert!(report.contains("### Domain gap per pair"), "{report}");
    let gap = std::fs::read_to_string(out.join("gap.csv")).unwrap();
    assert!(gap.starts_with("pair,class,fd,kid,"), "{gap}");
    assert_eq!(
        gap.lines().filter(|l| l.starts_with("near,")).count(),
        11,
        "{gap}"
    );
    assert!(out.join("gap.parquet").is_file());

    // A rerun finds everything done.
    let before = results(&out);
    ok(&bench_args(&experiment, &out));
    assert_eq!(results(&out), before);
}

#[test]
fn the_ramp_is_mixed_and_trained_from_the_command_line_and_bad_asks_say_why() {
    let tmp = tempfile::tempdir().unwrap();
    let real = import_tiny_fashion_mnist(tmp.path(), "real", 300, 100);
    let synthetic = tmp.path().join("syn");
    ok(&[
        "generate",
        "--preset",
        "fashion",
        "--per-class",
        "20",
        "--device",
        "cpu",
        "--out",
        path_str(&synthetic),
        "-q",
    ]);
    let mix = tmp.path().join("mix");
    let mix_args = |extra: &[&str]| -> Vec<String> {
        let mut args: Vec<String> = [
            "mix",
            "--synthetic",
            path_str(&synthetic),
            "--real",
            path_str(&real),
            "--size",
            "100",
            "--shares",
            "0.3",
            "--out",
            path_str(&mix),
            "-q",
        ]
        .map(String::from)
        .to_vec();
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let run_ok = |args: Vec<String>| ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let run_fails = |args: Vec<String>| fails(&args.iter().map(String::as_str).collect::<Vec<_>>());

    let err = run_fails(mix_args(&["--ramp", "3"]));
    assert!(
        err.contains("--ramp") && err.contains("EPOCHSxBATCH"),
        "{err}"
    );
    run_ok(mix_args(&["--ramp", "3x16", "--ramp", "1x50"]));
    let ramp = manifest(&mix.join("ramp-r030"));
    let visits = ramp["phases"][0]["visits"].as_array().unwrap();
    assert_eq!(visits.len(), 2);
    // 3 epochs of 100 rows in batches of 16: share 0.3 falls from 0.6 to 0.
    let counts: Vec<u64> = visits[0]["synthetic_per_batch"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .collect();
    assert_eq!(counts.len(), 21);
    assert_eq!(counts.iter().sum::<u64>(), 90);
    assert!(
        counts[0] >= 9 && counts[0] <= 10 && counts[20] == 0,
        "{counts:?}"
    );
    // The ramp's recipe changed after mixing: the finished ramp subset was made with other
    // arguments, so the rerun refuses it (and writes nothing) rather than train a ramp that no
    // longer follows the recipe; `--force` makes it again for the new recipe.
    let before = std::fs::read_to_string(mix.join("ramp-r030/manifest.json")).unwrap();
    let err = run_fails(mix_args(&["--ramp", "2x16", "--ramp", "1x50"]));
    assert!(
        err.contains("ramp-r030") && err.contains("other arguments") && err.contains("force"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(mix.join("ramp-r030/manifest.json")).unwrap(),
        before
    );
    run_ok(mix_args(&["--ramp", "2x16", "--ramp", "1x50", "--force"]));
    let remade = manifest(&mix.join("ramp-r030"));
    assert_eq!(
        remade["phases"][0]["visits"][0]["synthetic_per_batch"]
            .as_array()
            .unwrap()
            .len(),
        14
    );
    run_ok(mix_args(&["--ramp", "3x16", "--ramp", "1x50", "--force"]));

    let train = |subset: &str, epochs: &str| -> Vec<String> {
        [
            "train",
            "--data",
            path_str(&mix.join(subset)),
            "--test",
            path_str(&real),
            "--model",
            "mlp",
            "--strategy",
            "ramp",
            "--epochs",
            epochs,
            "--batch-size",
            "16",
            "--out",
            path_str(&tmp.path().join(format!("run-{subset}-{epochs}"))),
            "-q",
        ]
        .map(String::from)
        .to_vec()
    };
    run_ok(train("ramp-r030", "3"));
    let err = run_fails(train("ramp-r030", "4"));
    assert!(
        err.contains("laid out for 3x16, 1x50") && err.contains("the ramp recipe 4x16"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let err = run_fails(train("sm-r030", "3"));
    assert!(
        err.contains("--strategy: ramp needs a ramp subset"),
        "{err}"
    );
}

#[test]
fn an_unknown_or_repeated_strategy_is_refused_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let real = import_tiny_fashion_mnist(tmp.path(), "real", 300, 100);
    let experiment = tmp.path().join("exp.toml");
    write_tiny_experiment(&experiment, &real, &["mlp"]);
    let out = tmp.path().join("bench");
    for (strategies, says) in [
        (r#"["sm", "curriculum"]"#, "curriculum"),
        (r#"["sm", "ramp", "ramp"]"#, "'ramp' twice"),
    ] {
        with_strategies(&experiment, strategies, 1);
        let err = fails(&bench_args(&experiment, &out));
        assert!(err.contains(says), "{err}");
        assert!(!out.exists(), "nothing is written before the check");
        write_tiny_experiment(&experiment, &real, &["mlp"]);
    }
}

/// The tiny experiment with seeds 0 to 2, shares 0:1:0.25 and an adaptive search of budget
/// 0.8 (4 of the 5 shares: the 3 starting ones and one probe) and the given tolerance.
fn with_search(experiment: &Path, tolerance: f64) {
    let text = std::fs::read_to_string(experiment)
        .unwrap()
        .replace("seeds = [0]", "seeds = [0, 1, 2]")
        .replace(r#"shares = "0,0.5,1""#, r#"shares = "0:1:0.25""#);
    std::fs::write(
        experiment,
        format!("{text}\n[search]\ntolerance = {tolerance}\nbudget = 0.8\n"),
    )
    .unwrap();
}

#[test]
fn an_adaptive_search_trains_the_share_it_chooses_and_chooses_it_again_on_a_rerun() {
    let tmp = tempfile::tempdir().unwrap();
    let real = import_tiny_fashion_mnist(tmp.path(), "real", 300, 100);
    let experiment = tmp.path().join("exp.toml");
    write_tiny_experiment(&experiment, &real, &["mlp"]);
    with_strategies(&experiment, r#"["sm"]"#, 1);
    with_search(&experiment, 0.001);
    let out = tmp.path().join("bench");
    ok(&bench_args(&experiment, &out));

    let decision = tmp.path().join("bench/search/near/mlp/sm/probe-1.json");
    let choice: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&decision).unwrap()).unwrap();
    let share = choice["share"]
        .as_str()
        .expect("a share was chosen")
        .to_string();
    assert!(["r025", "r075"].contains(&share.as_str()), "{choice}");
    assert_eq!(
        choice["measured"],
        serde_json::json!(["r000", "r050", "r100"])
    );
    assert!(choice["r_star"].as_f64().is_some(), "{choice}");
    // The starting shares and the probe's, each with every seed: 12 of the grid's 15 runs.
    let runs = results(&out);
    let mut trained: Vec<&str> = runs
        .iter()
        .map(|(file, _)| &file.split('/').nth(2).unwrap()[3..7])
        .collect();
    trained.dedup();
    let mut expected = vec!["r000", "r050", "r100", share.as_str()];
    expected.sort();
    assert_eq!(trained, expected);
    assert_eq!(runs.len(), 12);
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("### Adaptive search of the best share"),
        "{report}"
    );
    assert!(report.contains("| near | mlp | SM |"), "{report}");
    assert!(report.contains("| 12 of 15 |"), "{report}");

    // Another bench directory, its tasks run one by one by hand (`--task K`, as an array job
    // would), decides the same from the same runs.
    let again = tmp.path().join("again");
    let mut plan_only = bench_args(&experiment, &again);
    plan_only.push("--plan-only");
    ok(&plan_only);
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(again.join("plan.json")).unwrap()).unwrap();
    let tasks = plan["tasks"].as_array().unwrap().len();
    for task in 0..tasks {
        let task = task.to_string();
        let mut args = bench_args(&experiment, &again);
        args.extend(["--task", task.as_str()]);
        ok(&args);
    }
    let decided = std::fs::read_to_string(&decision).unwrap();
    assert_eq!(
        decided,
        std::fs::read_to_string(again.join("search/near/mlp/sm/probe-1.json")).unwrap()
    );

    // A decision edited by hand to name the other share no longer follows from what it
    // records: a rerun finds it damaged and decides again, the same as before.
    let other = if share == "r025" { "r075" } else { "r025" };
    let edited = decided.replace(
        &format!(r#""share": "{share}""#),
        &format!(r#""share": "{other}""#),
    );
    assert_ne!(edited, decided);
    std::fs::write(&decision, edited).unwrap();
    ok(&bench_args(&experiment, &out));
    assert_eq!(std::fs::read_to_string(&decision).unwrap(), decided);
    assert_eq!(results(&out).len(), 12);

    // A tolerance or budget changed after the decisions were made is another experiment: the
    // bench directory refuses it in one line and keeps its decisions.
    let pinned = std::fs::read_to_string(&experiment).unwrap();
    for (from, to) in [
        ("tolerance = 0.001", "tolerance = 0.5"),
        ("budget = 0.8", "budget = 1"),
    ] {
        std::fs::write(&experiment, pinned.replace(from, to)).unwrap();
        let err = fails(&bench_args(&experiment, &out));
        assert!(
            err.trim().lines().count() == 1 && err.contains("another experiment"),
            "{to}: {err}"
        );
        assert_eq!(std::fs::read_to_string(&decision).unwrap(), decided);
    }
    std::fs::write(&experiment, pinned).unwrap();
}

#[test]
fn a_search_the_experiment_cannot_support_is_refused_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let real = import_tiny_fashion_mnist(tmp.path(), "real", 300, 100);
    let experiment = tmp.path().join("exp.toml");
    let out = tmp.path().join("bench");
    for (edit, says) in [
        ("seeds = [0, 1, 2]", "at least 3 seeds"),
        ("tolerance = 0.1", "tolerance 0 must be"),
        ("budget = 0.8", "allows at least the 3 starting"),
    ] {
        write_tiny_experiment(&experiment, &real, &["mlp"]);
        with_search(&experiment, 0.1);
        let text = std::fs::read_to_string(&experiment).unwrap();
        let broken = match says {
            "at least 3 seeds" => text.replace(edit, "seeds = [0, 1]"),
            "tolerance 0 must be" => text.replace(edit, "tolerance = 0"),
            _ => text.replace(edit, "budget = 0.4"),
        };
        std::fs::write(&experiment, broken).unwrap();
        let err = fails(&bench_args(&experiment, &out));
        assert!(err.contains(says), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(!out.exists(), "nothing is written before the check");
    }
}

/// SM with a synthetic share per class, from the pair's gap: its subsets are mixed after the
/// gap is measured, trained beside SM at every share between 0 and 1, and compared with it.
#[test]
fn a_bench_trains_class_wise_shares_from_the_gap_beside_sm() {
    let tmp = tempfile::tempdir().unwrap();
    let real = import_tiny_fashion_mnist(tmp.path(), "real", 300, 100);
    let experiment = tmp.path().join("exp.toml");
    write_tiny_experiment(&experiment, &real, &["mlp"]);
    with_strategies(&experiment, r#"["sm", "ft", "sm-classwise"]"#, 1);
    let out = tmp.path().join("bench");
    let plan = ok(&{
        let mut args = bench_args(&experiment, &out);
        args.push("--plan-only");
        args
    });
    assert!(
        plan.contains("mix         2"),
        "the gap and the mix: {plan}"
    );
    ok(&bench_args(&experiment, &out));
    let runs = results(&out);
    let names: Vec<&str> = runs.iter().map(|(file, _)| file.as_str()).collect();
    assert!(
        names.contains(&"near/mlp/sm-classwise-r050-s0/result.json"),
        "{names:?}"
    );
    assert!(
        !names.iter().any(|n| n.contains("sm-classwise-r000")),
        "{names:?}"
    );
    let mix = out.join("mix/near/s0");
    let classwise = manifest(&mix.join("sm-classwise-r050"));
    assert_eq!(classwise["splits"]["train"]["rows"], 100);
    assert_eq!(
        classwise["splits"]["train"]["source_counts"]["synthetic"],
        50
    );
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(mix.join("mix.json")).unwrap()).unwrap();
    assert_eq!(record["class_transfer"].as_array().unwrap().len(), 10);
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("SM-CLASSWISE − SM"), "{report}");
}
