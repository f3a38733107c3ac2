use std::path::Path;

use datasets::point::Point;
use trainer::{ModelKind, Strategy};

use super::*;
use crate::analysis::fit::Fit;
use crate::records::scan;

/// The shares of a standard sweep: 0, 0.1, …, 1.0.
fn shares() -> Vec<f64> {
    (0..=10).map(|i| i as f64 / 10.0).collect()
}

fn point(regime: Regime, value: f64) -> Point {
    regime.at(datasets::point::Hundredths::exact(value).unwrap())
}

fn cell(strategy: Strategy, share: f64, seed: u64, accuracy: f64) -> CellResult {
    CellResult {
        pair: "digits".into(),
        model: ModelKind::Cnn,
        strategy,
        point: point(Regime::FixedSize, share),
        seed,
        accuracy: Some(accuracy),
        macro_f1: Some(accuracy - 0.01),
        synthetic_accuracy: Some(accuracy + 0.1),
        epochs: 4,
        real_rows: Some(100),
        train_seconds: Some(1.5),
        samples_per_second: Some(800.0),
        failure: None,
    }
}

/// A sweep over `shares()` and `seeds` in which FT is ahead by 0.02 give or take 0.002 per
/// seed, plus one failed run.
fn sweep(seeds: u64) -> Vec<CellResult> {
    let mut results = Vec::new();
    for (i, r) in shares().into_iter().enumerate() {
        for seed in 0..seeds {
            let sm = 0.9 - 0.03 * i as f64 + 0.01 * seed as f64;
            results.push(cell(Strategy::Sm, r, seed, sm));
            if !point(Regime::FixedSize, r).is_endpoint() {
                let jitter = 0.002 * (seed as f64 - 1.0);
                results.push(cell(Strategy::Ft, r, seed, sm + 0.02 + jitter));
            }
        }
    }
    results.push(CellResult {
        accuracy: None,
        macro_f1: None,
        synthetic_accuracy: None,
        train_seconds: None,
        samples_per_second: None,
        failure: Some("training loss became NaN".into()),
        ..cell(Strategy::Sm, 0.5, 9, 0.0)
    });
    results
}

#[test]
fn fits_recover_known_curves() {
    let law = |r: f64| 0.9 - 0.2 * (2.0 * r).exp() / 7.389;
    let points: Vec<(f64, f64)> = shares().into_iter().map(|r| (r, law(r))).collect();
    let fits = Fit::fit_all(&points);
    let exp = fits
        .iter()
        .find(|f| matches!(f, Fit::Exponential { .. }))
        .unwrap();
    assert!(exp.r2() > 0.9999, "{exp:?}");
    assert_eq!(exp.best_share(), 0.0);
    let bowl: Vec<(f64, f64)> = shares()
        .into_iter()
        .map(|r| (r, 0.8 - (r - 0.3).powi(2)))
        .collect();
    let quad = Fit::fit_all(&bowl)
        .into_iter()
        .find(|f| matches!(f, Fit::Quadratic { .. }))
        .unwrap();
    assert!(
        (quad.best_share() - 0.3).abs() < 1e-9 && quad.r2() > 0.9999,
        "{quad:?}"
    );
    assert!(Fit::fit_all(&points[..2]).is_empty());
}

#[test]
fn report_has_tables_plots_and_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let mut results = Vec::new();
    for (i, r) in shares().into_iter().enumerate() {
        for seed in 0..2 {
            results.push(cell(
                Strategy::Sm,
                r,
                seed,
                0.9 - 0.03 * i as f64 + 0.01 * seed as f64,
            ));
            results.push(cell(Strategy::Ft, r, seed, 0.91 - 0.02 * i as f64));
        }
    }
    results.push(CellResult {
        accuracy: None,
        failure: Some("training loss became NaN".into()),
        ..cell(Strategy::Sm, 0.5, 9, 0.0)
    });
    let files = write_report(
        &BenchDir::local(dir.path()),
        &results,
        &ReportSetting::default(),
    )
    .unwrap();
    let md = std::fs::read_to_string(&files.markdown).unwrap();
    assert!(md.contains("### digits — cnn"), "{md}");
    assert!(
        md.contains("| 0.00 | 0.9050 ± 0.0071 (n=2) | 0.9100 ± 0.0000 (n=2) | (one run) |"),
        "{md}"
    );
    // FT − SM at 0.1: 0.89 − 0.87 and 0.89 − 0.88, paired by seed: 0.015 ± 12.71 · 0.00707 / √2.
    assert!(
        md.contains(
            "| 0.10 | 0.8750 ± 0.0071 (n=2) | 0.8900 ± 0.0000 (n=2) | +0.0150 [-0.0485, +0.0785] |"
        ),
        "{md}"
    );
    assert!(md.contains("SM: best measured share 0.00"), "{md}");
    assert!(md.contains("predicted best share"), "{md}");
    assert!(md.contains("| digits | 1.00 |"), "{md}");
    assert!(md.contains("training loss became NaN"), "{md}");
    let html = std::fs::read_to_string(&files.html).unwrap();
    assert!(
        html.contains("<svg") && html.contains("<table>"),
        "self-contained html"
    );
    let plots = std::fs::read_dir(dir.path().join("plots")).unwrap();
    for plot in plots.map(|entry| entry.unwrap().path()) {
        assert!(
            std::fs::metadata(&plot).unwrap().len() > 500,
            "{}",
            plot.display()
        );
    }
}

#[test]
fn endpoint_runs_serve_both_strategies() {
    let results = vec![
        cell(Strategy::Sm, 0.0, 0, 0.8),
        cell(Strategy::Sm, 0.5, 0, 0.7),
        cell(Strategy::Ft, 0.5, 0, 0.75),
        cell(Strategy::Sm, 1.0, 0, 0.4),
    ];
    let group = groups(&results, Regime::FixedSize).remove(0);
    let ft = &group.series[1];
    let shares: Vec<String> = ft.by_share.keys().map(Point::to_string).collect();
    assert_eq!(shares, ["r000", "r050", "r100"]);
    assert_eq!(ft.by_share[&point(Regime::FixedSize, 0.0)].mean, 0.8);
    assert_eq!(
        group.series[0].by_share.len(),
        3,
        "SM keeps only its own runs"
    );
}

#[test]
fn cell_dirs_follow_the_bench_layout() {
    let dir = layout::cell_dir(
        Path::new("b"),
        "digits",
        ModelKind::Vit,
        Strategy::Ft,
        "r030".parse().unwrap(),
        7,
    );
    assert_eq!(dir, Path::new("b/runs/digits/vit/ft-r030-s7"));
    assert!(
        scan(&BenchDir::local("/nonexistent"))
            .unwrap_err()
            .to_string()
            .contains("not a bench directory")
    );
}

#[test]
fn overview_gives_intervals_marks_and_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_report(
        &BenchDir::local(dir.path()),
        &sweep(3),
        &ReportSetting::default(),
    )
    .unwrap();
    let md = std::fs::read_to_string(&files.markdown).unwrap();
    let overview = &md[md.find("## Overview").unwrap()..md.find("## Details").unwrap()];
    // Per seed FT − SM is 0.018, 0.020, 0.022 at every mixed share: mean 0.02, std 0.002,
    // half width 4.3027 · 0.002 / √3 = 0.00497.
    assert!(
        overview.contains("| digits | cnn | 0.9100 ± 0.0100 (n=3) | 0.6100 ± 0.0100 (n=3) | 0.00 (0.9100) | +0.0200 [+0.0150, +0.0250] * |"),
        "{overview}"
    );
    assert!(
        overview.contains("- digits: synthetic data alone reaches 67 % of real-only accuracy (a near gap); no mix beats real only; FT beats SM significantly for cnn."),
        "{overview}"
    );
    assert!(md.contains("3 seeds per cell"), "{md}");
    assert!(md.contains("| 0.50 | 0.7600 ± 0.0100 (n=3) | 0.7800 ± 0.0120 (n=3) | +0.0200 [+0.0150, +0.0250] * |"), "{md}");
    let heatmap = std::fs::read_to_string(dir.path().join("plots/heatmap.svg")).unwrap();
    assert!(
        heatmap.contains("+0.020*") && heatmap.contains("0.90"),
        "{heatmap}"
    );
    assert!(dir.path().join("plots/grid.svg").is_file());
}

/// Runs of the added-synthetic regime at k = 0, 0.5, 1, 2 over three seeds, in which FT is
/// ahead of SM by 0.01 give or take 0.002 per seed.
fn added_runs() -> Vec<CellResult> {
    let mut runs = Vec::new();
    for (i, k) in [0.0, 0.5, 1.0, 2.0].into_iter().enumerate() {
        for seed in 0..3 {
            let sm = 0.8 + 0.02 * i as f64 + 0.01 * seed as f64;
            let added = |strategy, accuracy| CellResult {
                point: point(Regime::AddedSynthetic, k),
                ..cell(strategy, 0.0, seed, accuracy)
            };
            runs.push(added(Strategy::Sm, sm));
            if k > 0.0 {
                runs.push(added(Strategy::Ft, sm + 0.01 + 0.002 * (seed as f64 - 1.0)));
            }
        }
    }
    runs
}

#[test]
fn the_added_regime_has_its_own_sections_and_columns() {
    let dir = tempfile::tempdir().unwrap();
    let mut results = sweep(3);
    results.extend(added_runs());
    let files = write_report(
        &BenchDir::local(dir.path()),
        &results,
        &ReportSetting::default(),
    )
    .unwrap();
    let md = std::fs::read_to_string(&files.markdown).unwrap();
    let overview = &md[md.find("## Overview").unwrap()..md.find("## Details").unwrap()];
    assert_eq!(
        overview.matches("| digits | cnn |").count(),
        1,
        "{overview}"
    );
    let added = &md[md
        .find("## Adding synthetic data to a fixed real set")
        .unwrap()..];
    assert!(added.contains("R = 100 real rows"), "{added}");
    assert!(
        added.contains("### digits — cnn: R real + k·R synthetic"),
        "{added}"
    );
    assert!(
        added.contains("| k | SM accuracy | FT accuracy |"),
        "{added}"
    );
    assert!(
        added.contains("| 0.00 | 0.8100 ± 0.0100 (n=3) | 0.8100 ± 0.0100 (n=3) | (one run) |"),
        "{added}"
    );
    // Per seed FT − SM is 0.008, 0.010, 0.012: half width 4.3027 · 0.002 / √3 = 0.00497.
    assert!(
        added.contains("| 0.50 | 0.8300 ± 0.0100 (n=3) | 0.8400 ± 0.0120 (n=3) | +0.0100 [+0.0050, +0.0150] * |"),
        "{added}"
    );
    assert!(added.contains("SM: best measured k 2.00"), "{added}");
    assert!(
        added.contains("FT − SM over k > 0 (per seed the mean over the multiples): +0.0100 [+0.0050, +0.0150] *"),
        "{added}"
    );
    assert!(!added.contains("no curve fitted"), "{added}");
    let svg = std::fs::read_to_string(dir.path().join("plots/added-digits-cnn.svg")).unwrap();
    assert!(svg.contains("k = synthetic rows per real row") && svg.contains("2.0"));
    // The sweep's gap table pools shares only.
    let gap = &md[md.find("### Synthetic-test vs real-test").unwrap()..];
    assert!(!gap.contains("| digits | 0.67 |"), "{gap}");

    let csv = std::fs::read_to_string(dir.path().join("results.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), results.len() + 1);
    assert!(rows[0].starts_with("pair,architecture,strategy,regime,share,multiple,seed,"));
    assert!(
        rows[1].starts_with("digits,cnn,sm,fixed-size,0,,0,ok,"),
        "{}",
        rows[1]
    );
    let k2 = "digits,cnn,ft,added-synthetic,0.6666666666666666,2,2,ok,0.89";
    assert!(rows.iter().any(|r| r.starts_with(k2)), "{csv}");
}

#[test]
fn one_seed_prints_no_plus_minus_and_no_interval() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_report(
        &BenchDir::local(dir.path()),
        &sweep(1),
        &ReportSetting::default(),
    )
    .unwrap();
    let md = std::fs::read_to_string(&files.markdown).unwrap();
    let html = std::fs::read_to_string(&files.html).unwrap();
    // Seed 9 is the failed run; the successful runs have seed 0 alone.
    let ok_runs = &md[md.find("## Overview").unwrap()..md.find("## Failed runs").unwrap()];
    assert!(
        !ok_runs.contains("± 0.") && !html.contains("± 0."),
        "{ok_runs}"
    );
    assert!(md.contains("One seed (0): no spread"), "{md}");
    assert!(ok_runs.contains("0.9000 (n=1)"), "{ok_runs}");
    assert!(ok_runs.contains("+0.0180 (n=1, no interval)"), "{ok_runs}");
    assert!(
        ok_runs.contains("one seed: FT − SM has no interval"),
        "{ok_runs}"
    );
}

#[test]
fn results_files_hold_one_row_per_run() {
    use arrow_array::{Array, Float64Array, StringArray, UInt64Array};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    let dir = tempfile::tempdir().unwrap();
    let mut results = sweep(2);
    results[0].pair = "a, \"quoted\" pair".into();
    write_report(
        &BenchDir::local(dir.path()),
        &results,
        &ReportSetting::default(),
    )
    .unwrap();

    let csv = std::fs::read_to_string(dir.path().join("results.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "pair,architecture,strategy,regime,share,multiple,seed,status,accuracy,macro_f1,\
         synthetic_accuracy,epochs,real_rows,train_seconds,samples_per_second"
    );
    assert_eq!(lines.len(), results.len() + 1);
    assert_eq!(
        lines[1],
        "\"a, \"\"quoted\"\" pair\",cnn,sm,fixed-size,0,,0,ok,0.9,0.89,1,4,100,1.5,800"
    );
    assert_eq!(
        lines.last().unwrap(),
        &"digits,cnn,sm,fixed-size,0.5,,9,failed,,,,4,100,,"
    );

    let file = std::fs::File::open(dir.path().join("results.parquet")).unwrap();
    let batches: Vec<_> = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let batch = arrow_select::concat::concat_batches(&batches[0].schema(), &batches).unwrap();
    assert_eq!(batch.num_rows(), results.len());
    let column = |name: &str| batch.column_by_name(name).unwrap().clone();
    let pair = column("pair");
    let pair = pair.as_any().downcast_ref::<StringArray>().unwrap();
    let strategy = column("strategy");
    let strategy = strategy.as_any().downcast_ref::<StringArray>().unwrap();
    let share = column("share");
    let share = share.as_any().downcast_ref::<Float64Array>().unwrap();
    let seed = column("seed");
    let seed = seed.as_any().downcast_ref::<UInt64Array>().unwrap();
    let accuracy = column("accuracy");
    let accuracy = accuracy.as_any().downcast_ref::<Float64Array>().unwrap();
    for (row, run) in results.iter().enumerate() {
        assert_eq!(pair.value(row), run.pair);
        assert_eq!(strategy.value(row), run.strategy.to_string());
        assert_eq!(
            (share.value(row), seed.value(row)),
            (run.point.synthetic_share(), run.seed)
        );
        let value = (!accuracy.is_null(row)).then(|| accuracy.value(row));
        assert_eq!(value, run.accuracy);
    }
}
