//! `synmix gap` end to end, and its calibration: on slices of real Fashion-MNIST (the Debian
//! package the set-up installs) and renders of the `fashion` and `sketch` presets, the measures
//! must say "the same" for two disjoint samples of one distribution, rank the near preset above
//! the far one, and move the right way as a set is shifted further.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use common::{fails, gap_args, import_fashion_mnist_from, ok, path_str};
use serde_json::Value;

const FASHION_MNIST: &str = "/usr/share/datasets/fashion-mnist";
const SIDE: usize = 28 * 28;

/// Images and labels of one Fashion-MNIST IDX pair (`train` or `t10k`).
fn read_fashion_mnist(prefix: &str) -> (Vec<u8>, Vec<u8>) {
    let read = |kind: &str| {
        let path = Path::new(FASHION_MNIST).join(format!("{prefix}-{kind}.gz"));
        let file = std::fs::File::open(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; install dataset-fashion-mnist (scripts/setup-system.sh)",
                path.display()
            )
        });
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(file)
            .read_to_end(&mut bytes)
            .unwrap();
        bytes
    };
    let images = read("images-idx3-ubyte");
    let labels = read("labels-idx1-ubyte");
    (images[16..].to_vec(), labels[8..].to_vec())
}

/// Writes rows `rows` of (`images`, `labels`) as the IDX pair `prefix`, each pixel through
/// `shift`.
fn write_pair(
    dir: &Path,
    prefix: &str,
    data: &(Vec<u8>, Vec<u8>),
    rows: std::ops::Range<usize>,
    shift: &dyn Fn(&[u8]) -> Vec<u8>,
) {
    let count = rows.len() as u32;
    let mut images = vec![0, 0, 8, 3];
    for d in [count, 28, 28] {
        images.extend(d.to_be_bytes());
    }
    let mut labels = vec![0, 0, 8, 1];
    labels.extend(count.to_be_bytes());
    for row in rows {
        images.extend(shift(&data.0[row * SIDE..(row + 1) * SIDE]));
        labels.push(data.1[row]);
    }
    for (kind, bytes) in [("images-idx3-ubyte", images), ("labels-idx1-ubyte", labels)] {
        let file = std::fs::File::create(dir.join(format!("{prefix}-{kind}.gz"))).unwrap();
        let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        gz.write_all(&bytes).unwrap();
        gz.finish().unwrap();
    }
}

/// A Fashion-MNIST slice as a synmix dataset: `train` and `test` rows of the real files.
fn slice(
    dir: &Path,
    name: &str,
    train: std::ops::Range<usize>,
    test: std::ops::Range<usize>,
    shift: &dyn Fn(&[u8]) -> Vec<u8>,
) -> PathBuf {
    let raw = dir.join(format!("{name}-raw"));
    std::fs::create_dir_all(&raw).unwrap();
    write_pair(&raw, "train", &read_fashion_mnist("train"), train, shift);
    write_pair(&raw, "t10k", &read_fashion_mnist("t10k"), test, shift);
    import_fashion_mnist_from(&raw, dir.join(name))
}

fn unchanged(pixels: &[u8]) -> Vec<u8> {
    pixels.to_vec()
}

/// `synmix gap --json` of `synthetic` against `real`, parsed.
fn gap(real: &Path, synthetic: &Path, cache: &Path) -> Value {
    let out = ok(&gap_args(real, synthetic, cache));
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn num(report: &Value, key: &str) -> f64 {
    report["overall"][key]
        .as_f64()
        .unwrap_or_else(|| panic!("overall.{key} in {report}"))
}

/// The real set every calibration compares against: 2,000 training images (the feature
/// network's) and 600 test images.
fn real(dir: &Path) -> PathBuf {
    slice(dir, "real", 0..2000, 0..600, &unchanged)
}

/// Another sample of Fashion-MNIST, disjoint from `real`'s rows, shifted by `shift`: its train
/// split is what the measures see.
fn other_sample(dir: &Path, name: &str, shift: &dyn Fn(&[u8]) -> Vec<u8>) -> PathBuf {
    slice(dir, name, 2000..2600, 600..800, shift)
}

#[test]
fn two_samples_of_one_distribution_are_the_same_and_a_shift_moves_every_measure_away() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let real = real(tmp.path());
    let same = gap(&real, &other_sample(tmp.path(), "half", &unchanged), &cache);

    // The JSON holds every measure, overall and for every class by name.
    let keys = [
        "fd",
        "kid",
        "kid_std",
        "precision",
        "recall",
        "density",
        "coverage",
        "pad",
        "tstr",
        "trts",
    ];
    for key in keys {
        assert!(same["overall"][key].is_number(), "overall.{key}: {same}");
        assert!(
            same["per_class"]["Ankle boot"][key].is_number(),
            "Ankle boot {key}: {same}"
        );
    }
    assert_eq!(same["per_class"].as_object().unwrap().len(), 10);
    assert_eq!(same["feature_network_cached"], false);

    // Calibration: the same distribution.
    let (kid, kid_std) = (num(&same, "kid"), num(&same, "kid_std"));
    assert!(
        kid.abs() <= 2.0 * kid_std,
        "KID {kid} ± {kid_std} should cover 0"
    );
    assert!(
        num(&same, "pad_low") <= 0.0 || num(&same, "pad").abs() < 0.35,
        "PAD {same}"
    );
    for key in ["precision", "recall", "coverage"] {
        assert!(num(&same, key) > 0.85, "{key} {}", num(&same, key));
    }
    assert!(
        (num(&same, "density") - 1.0).abs() < 0.25,
        "density {}",
        num(&same, "density")
    );

    // Darkened to 60 % and to 30 %: every measure says further, and further again.
    let darkened = |factor: f64| {
        move |pixels: &[u8]| pixels.iter().map(|&p| (p as f64 * factor) as u8).collect()
    };
    let dim = gap(
        &real,
        &other_sample(tmp.path(), "dim", &darkened(0.6)),
        &cache,
    );
    let dark = gap(
        &real,
        &other_sample(tmp.path(), "dark", &darkened(0.3)),
        &cache,
    );
    assert_eq!(
        dim["feature_network_cached"], true,
        "the second run against the same real data trains nothing"
    );
    // (Precision is left out: darker products are real-looking too — Fashion-MNIST has dark
    // ones — so dimmed samples can stay inside the real balls while the real ones lose cover.)
    let mut wrong = Vec::new();
    for (key, further_is_larger) in [
        ("fd", true),
        ("kid", true),
        ("pad", true),
        ("recall", false),
        ("density", false),
        ("coverage", false),
        ("tstr", false),
        ("trts", false),
    ] {
        let values = [num(&same, key), num(&dim, key), num(&dark, key)];
        let ordered = if further_is_larger {
            values[0] <= values[1] && values[1] <= values[2]
        } else {
            values[0] >= values[1] && values[1] >= values[2]
        };
        if !ordered {
            wrong.push(format!("{key}: same, 60 %, 30 % gave {values:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn the_near_preset_is_closer_than_the_far_one_on_every_measure() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let real = real(tmp.path());
    let render = |preset: &str| {
        let out = tmp.path().join(preset);
        ok(&[
            "generate",
            "--preset",
            preset,
            "--per-class",
            "60",
            "--test-per-class",
            "20",
            "--device",
            "cpu",
            "--out",
            path_str(&out),
            "-q",
        ]);
        out
    };
    let near = gap(&real, &render("fashion"), &cache);
    let far = gap(&real, &render("sketch"), &cache);
    for (key, smaller_is_closer) in [
        ("fd", true),
        ("kid", true),
        ("pad", true),
        ("precision", false),
        ("recall", false),
        ("density", false),
        ("coverage", false),
        ("tstr", false),
        ("trts", false),
    ] {
        let (n, f) = (num(&near, key), num(&far, key));
        let closer = if smaller_is_closer { n <= f } else { n >= f };
        assert!(closer, "{key}: fashion {n}, sketch {f}");
    }
}

#[test]
fn the_page_and_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let real = slice(tmp.path(), "real", 0..300, 0..200, &unchanged);
    let synthetic = other_sample(tmp.path(), "other", &unchanged);
    let page = tmp.path().join("page");
    let table = ok(&[
        "gap",
        "--real",
        path_str(&real),
        "--synthetic",
        path_str(&synthetic),
        "--cache",
        path_str(&cache),
        "--out",
        path_str(&page),
        "-q",
    ]);
    assert!(
        table.contains("Ankle boot") && table.contains("all") && table.contains("KID"),
        "{table}"
    );
    let html = std::fs::read_to_string(page.join("index.html")).unwrap();
    assert!(html.contains("<svg") && html.contains("nearest-"), "{html}");
    let strips = std::fs::read_dir(&page)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".png")
        })
        .count();
    assert_eq!(strips, 3, "a strip for each of the three furthest classes");
    let json: Value =
        serde_json::from_slice(&std::fs::read(page.join("gap.json")).unwrap()).unwrap();
    assert_eq!(
        json["tstr_metrics"]["confusion"].as_array().unwrap().len(),
        10
    );
    // The same seed gives the same measurement (the second from the cached network).
    let again = gap(&real, &synthetic, &cache);
    let without_timing = |mut v: Value| {
        let object = v.as_object_mut().unwrap();
        object.remove("seconds");
        object.remove("feature_network_cached");
        v
    };
    assert_eq!(without_timing(json), without_timing(again));

    // Other class names: refused in one line, naming the dataset.
    let digits = tmp.path().join("digits");
    ok(&[
        "generate",
        "--preset",
        "digits",
        "--per-class",
        "10",
        "--device",
        "cpu",
        "--out",
        path_str(&digits),
        "-q",
    ]);
    let err = fails(&[
        "gap",
        "--real",
        path_str(&real),
        "--synthetic",
        path_str(&digits),
        "--cache",
        path_str(&cache),
    ]);
    assert!(
        err.lines().count() == 1 && err.contains("digits") && err.contains("classes"),
        "{err}"
    );
    // The same class names in another order (a preset keeps its own, a folder import sorts
    // them): matched by name, the measures keyed by the real dataset's classes.
    let toml = std::fs::read_to_string("presets/fashion.toml").unwrap();
    let names_at = toml.find("classes = [").unwrap();
    let names_end = names_at + toml[names_at..].find(']').unwrap() + 1;
    let mut names: Vec<&str> = toml[names_at + 11..names_end - 1]
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    names.reverse();
    let shader = std::path::absolute("presets/fashion.wgsl").unwrap();
    let reversed_toml = tmp.path().join("reversed.toml");
    std::fs::write(
        &reversed_toml,
        format!(
            "shader = \"{}\"\n{}classes = [{}]{}",
            shader.display(),
            &toml[..names_at],
            names.join(", "),
            &toml[names_end..]
        ),
    )
    .unwrap();
    let reversed = tmp.path().join("reversed");
    ok(&[
        "generate",
        "--preset",
        path_str(&reversed_toml),
        "--per-class",
        "10",
        "--device",
        "cpu",
        "--out",
        path_str(&reversed),
        "-q",
    ]);
    let measured = gap(&real, &reversed, &cache);
    let classes: Vec<&str> = measured["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(classes.first(), Some(&"T-shirt/top"), "{classes:?}");
    assert_eq!(measured["per_class"].as_object().unwrap().len(), 10);
    // A class with too few images: named, with how many are needed.
    let few = tmp.path().join("few");
    ok(&[
        "generate",
        "--preset",
        "fashion",
        "--per-class",
        "3",
        "--device",
        "cpu",
        "--out",
        path_str(&few),
        "-q",
    ]);
    let err = fails(&[
        "gap",
        "--real",
        path_str(&real),
        "--synthetic",
        path_str(&few),
        "--cache",
        path_str(&cache),
    ]);
    assert!(
        err.lines().count() == 1
            && err.contains("has 3 synthetic train images")
            && err.contains("at least 6"),
        "{err}"
    );
    // An encoder that is not an ONNX model (or any, in a build without ONNX encoders): refused
    // before any training, nothing written.
    let junk = tmp.path().join("junk.onnx");
    std::fs::write(&junk, b"not a model").unwrap();
    let unwritten = tmp.path().join("unwritten");
    let err = fails(&[
        "gap",
        "--real",
        path_str(&real),
        "--synthetic",
        path_str(&synthetic),
        "--encoder",
        path_str(&junk),
        "--cache",
        path_str(&tmp.path().join("unused-cache")),
        "--out",
        path_str(&unwritten),
    ]);
    // A build without the `onnx` feature refuses any encoder, saying how to build one in.
    let why = if cfg!(feature = "onnx") {
        "not a readable ONNX model"
    } else {
        "--features onnx"
    };
    assert!(
        err.lines().count() == 1 && err.contains("junk.onnx") && err.contains(why),
        "{err}"
    );
    assert!(!unwritten.exists() && !tmp.path().join("unused-cache").exists());
    // A missing dataset.
    let err = fails(&[
        "gap",
        "--real",
        path_str(&real),
        "--synthetic",
        path_str(&tmp.path().join("nowhere")),
        "--cache",
        path_str(&cache),
    ]);
    assert!(err.lines().count() == 1 && err.contains("nowhere"), "{err}");
}
