//! `synmix gap` on the inputs that break measures and caches: two identical sets, a class of
//! one image, sets of constant images (zero covariance), a feature-network cache that is
//! damaged or written by another version, and two measurements sharing a cache at once. (An
//! encoder whose features are NaN is refused in `gap/src/features/onnx.rs`.) Small noisy 8×8
//! images of four classes, so each measurement takes seconds.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{files_under, gap_args, ok, path_str, synmix, write_idx};
use serde_json::Value;

const SIDE: u32 = 8;

/// `count` images of four classes from `seed`: a class's bright quadrant, plus noise.
fn images(count: usize, seed: u64) -> Vec<(u8, Vec<u8>)> {
    (0..count)
        .map(|i| {
            let label = (i % 4) as u8;
            let pixels = (0..SIDE * SIDE)
                .map(|p| {
                    let quadrant = (p % SIDE) / (SIDE / 2) + 2 * ((p / SIDE) / (SIDE / 2));
                    let base = if quadrant == label as u32 { 170 } else { 40 };
                    let noise = datasets::rng::keyed_hash(&[seed, i as u64, p as u64]) % 80;
                    base + noise as u8
                })
                .collect();
            (label, pixels)
        })
        .collect()
}

/// A dataset of `train` and `test` rows imported as `dir/name`.
fn dataset(dir: &Path, name: &str, train: &[(u8, Vec<u8>)], test: &[(u8, Vec<u8>)]) -> PathBuf {
    let raw = dir.join(format!("{name}-raw"));
    std::fs::create_dir_all(&raw).unwrap();
    let (train_images, train_labels) = write_idx(&raw, "train", SIDE, train);
    let (test_images, test_labels) = write_idx(&raw, "test", SIDE, test);
    let out = dir.join(name);
    ok(&[
        "import",
        "idx",
        "--images",
        path_str(&train_images),
        "--labels",
        path_str(&train_labels),
        "--test-images",
        path_str(&test_images),
        "--test-labels",
        path_str(&test_labels),
        "--out",
        path_str(&out),
        "-q",
    ]);
    out
}

/// The real set every test compares against: 300 training and 120 test images.
fn real(dir: &Path) -> PathBuf {
    dataset(dir, "real", &images(300, 1), &images(120, 2))
}

/// A measurement's JSON and its stderr; every measure, overall and per class, must be a number
/// (NaN would be written as null).
fn measured(output: Output) -> (Value, String) {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut sets = vec![&report["overall"]];
    sets.extend(report["per_class"].as_object().unwrap().values());
    for set in sets {
        for (key, value) in set.as_object().unwrap() {
            assert!(
                value.is_number() || (["tstr", "trts"].contains(&key.as_str()) && value.is_null()),
                "{key} is {value} in {report}"
            );
        }
    }
    (report, stderr)
}

fn num(report: &Value, key: &str) -> f64 {
    report["overall"][key].as_f64().unwrap()
}

/// A report without what differs between two runs of one measurement.
fn without_timing(mut report: Value) -> Value {
    let object = report.as_object_mut().unwrap();
    object.remove("seconds");
    object.remove("feature_network_cached");
    report
}

/// The synthetic train split is the real test split, image for image: no distance, every
/// synthetic image inside the real balls and every real one covered, and a classifier that
/// cannot tell the two apart.
#[test]
fn identical_sets_measure_no_gap() {
    let tmp = tempfile::tempdir().unwrap();
    let real = real(tmp.path());
    let same = dataset(tmp.path(), "same", &images(120, 2), &images(40, 3));
    let cache = tmp.path().join("cache");
    let (report, _) = measured(synmix(&gap_args(&real, &same, &cache)));
    assert!(num(&report, "fd") < 1e-6, "{report}");
    for key in ["precision", "recall", "coverage"] {
        assert_eq!(num(&report, key), 1.0, "{key}: {report}");
    }
    assert!(
        num(&report, "pad_low") <= 0.0 && num(&report, "pad_high") >= 0.0,
        "{report}"
    );
    let (kid, kid_std) = (num(&report, "kid"), num(&report, "kid_std"));
    assert!(kid.abs() <= 3.0 * kid_std + 1e-9, "KID {kid} ± {kid_std}");
}

/// `rows` with one image of class 2 left.
fn one_of_class_2(mut rows: Vec<(u8, Vec<u8>)>) -> Vec<(u8, Vec<u8>)> {
    let mut seen = false;
    rows.retain(|(label, _)| *label != 2 || !std::mem::replace(&mut seen, true));
    rows
}

/// A class of one image: refused where a measure needs more (the real test and synthetic train
/// splits), naming the class, before anything is trained or written; measured where nothing
/// does (the real train split, which the feature network learns from).
#[test]
fn a_class_of_one_image_is_named_where_a_measure_needs_more() {
    let tmp = tempfile::tempdir().unwrap();
    let real = real(tmp.path());
    let synthetic = dataset(tmp.path(), "synthetic", &images(120, 4), &images(40, 5));
    let (cache, page) = (tmp.path().join("cache"), tmp.path().join("page"));
    let sparse_test = dataset(
        tmp.path(),
        "sparse-test",
        &images(300, 1),
        &one_of_class_2(images(120, 2)),
    );
    let sparse_synthetic = dataset(
        tmp.path(),
        "sparse-synthetic",
        &one_of_class_2(images(120, 4)),
        &images(40, 5),
    );
    for (real, synthetic, words) in [
        (&sparse_test, &synthetic, "class '2' has 1 real test images"),
        (
            &real,
            &sparse_synthetic,
            "class '2' has 1 synthetic train images",
        ),
    ] {
        let mut args = gap_args(real, synthetic, &cache);
        args.extend(["--out", path_str(&page)]);
        let err = common::fails(&args);
        assert!(
            err.trim().lines().count() == 1 && err.contains(words),
            "{err}"
        );
        assert!(!cache.exists() && !page.exists());
    }
    let sparse_train = dataset(
        tmp.path(),
        "sparse-train",
        &one_of_class_2(images(300, 1)),
        &images(120, 2),
    );
    measured(synmix(&gap_args(&sparse_train, &synthetic, &cache)));
}

/// Constant images — every synthetic image black, then every real one — have features of no
/// spread (a zero covariance): every measure is still a number, and the black set is far.
#[test]
fn constant_images_give_numbers_not_nan() {
    let tmp = tempfile::tempdir().unwrap();
    let black = |count: usize| -> Vec<(u8, Vec<u8>)> {
        (0..count)
            .map(|i| ((i % 4) as u8, vec![0; (SIDE * SIDE) as usize]))
            .collect()
    };
    let real = real(tmp.path());
    let dark = dataset(tmp.path(), "dark", &black(120), &black(40));
    let cache = tmp.path().join("cache");
    let (report, _) = measured(synmix(&gap_args(&real, &dark, &cache)));
    assert!(
        num(&report, "fd") > 0.0 && num(&report, "pad") > 1.5,
        "{report}"
    );
    assert_eq!(num(&report, "recall"), 0.0, "{report}");
    let dark_real = dataset(tmp.path(), "dark-real", &black(300), &black(120));
    let other = dataset(tmp.path(), "other", &images(120, 4), &images(40, 5));
    measured(synmix(&gap_args(&dark_real, &other, &cache)));
}

/// The entry file of the one feature network cached under `cache`.
fn entry(cache: &Path) -> PathBuf {
    let files = files_under(cache);
    assert_eq!(files.len(), 1, "{files:?}");
    cache.join(&files[0])
}

/// A cached feature network with a flipped bit, or written by another version, is named in a
/// warning and never used: the network is trained again, to the measurement a clean cache gives.
#[test]
fn a_damaged_or_foreign_cache_entry_is_never_used() {
    let tmp = tempfile::tempdir().unwrap();
    let real = real(tmp.path());
    let synthetic = dataset(tmp.path(), "synthetic", &images(120, 4), &images(40, 5));
    let cache = tmp.path().join("cache");
    let args = gap_args(&real, &synthetic, &cache);
    let (clean, _) = measured(synmix(&args));
    let entry = entry(&cache);
    let good = std::fs::read(&entry).unwrap();

    let mut flipped = good.clone();
    let last = flipped.len() - 5;
    flipped[last] ^= 0x01;
    let mut header_end = good.iter().position(|&b| b == b'\n').unwrap();
    let mut foreign = String::from_utf8(good[..header_end].to_vec())
        .unwrap()
        .replace(
            &format!("\"synmix\":\"{}\"", env!("CARGO_PKG_VERSION")),
            "\"synmix\":\"0.0.1\"",
        )
        .into_bytes();
    assert_ne!(&foreign[..], &good[..header_end]);
    foreign.extend_from_slice(&good[header_end..]);
    header_end += 1;
    for (bad, words) in [
        (flipped, "damaged"),
        (foreign, "written by synmix 0.0.1"),
        (good[header_end..].to_vec(), "written by another version"),
    ] {
        std::fs::write(&entry, &bad).unwrap();
        let (report, stderr) = measured(synmix(&args));
        assert!(
            stderr.contains(path_str(&entry)) && stderr.contains(words),
            "{words}: {stderr}"
        );
        assert_eq!(report["feature_network_cached"], false);
        assert_eq!(without_timing(report), without_timing(clean.clone()));
        // Rewritten (burn records each parameter's random id, so not byte for byte).
        assert!(
            std::fs::read(&entry).unwrap() != bad,
            "{words}: not rewritten"
        );
    }
    let (report, stderr) = measured(synmix(&args));
    assert_eq!(report["feature_network_cached"], true);
    assert!(!stderr.contains("WARN"), "{stderr}");
}

/// Two measurements started together on one cache: one trains the feature network while the
/// other waits for it and loads it, and both measure the same.
#[test]
fn two_measurements_sharing_a_cache_at_once_train_once() {
    let tmp = tempfile::tempdir().unwrap();
    let real = real(tmp.path());
    let synthetic = dataset(tmp.path(), "synthetic", &images(120, 4), &images(40, 5));
    let cache = tmp.path().join("cache");
    let args = gap_args(&real, &synthetic, &cache);
    let start = || {
        Command::new(env!("CARGO_BIN_EXE_synmix"))
            .args(&args)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (start(), start());
    let (a, _) = measured(first.wait_with_output().unwrap());
    let (b, _) = measured(second.wait_with_output().unwrap());
    let trained = [&a, &b]
        .iter()
        .filter(|r| r["feature_network_cached"] == false)
        .count();
    assert_eq!(trained, 1, "{a}\n{b}");
    assert_eq!(without_timing(a), without_timing(b));
    entry(&cache);
}
