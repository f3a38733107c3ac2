//! Helpers shared by the end-to-end tests: running the binary and making tiny inputs.
#![allow(dead_code)] // each test binary uses a different subset

pub mod layouts;
pub mod s3;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn synmix(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_synmix"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("synmix runs")
}

/// Runs synmix and requires success, returning stdout.
pub fn ok(args: &[&str]) -> String {
    let out = synmix(args);
    assert!(
        out.status.success(),
        "synmix {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs synmix, requires failure and returns stderr.
pub fn fails(args: &[&str]) -> String {
    let out = synmix(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success(),
        "synmix {args:?} should have failed; stderr:\n{stderr}"
    );
    assert!(
        !stderr.contains("panicked"),
        "synmix {args:?} panicked:\n{stderr}"
    );
    stderr
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 temp paths")
}

/// The arguments of `synmix import idx --images IMAGES --labels LABELS --out OUT`, then `extra`.
pub fn idx_import<'a>(
    images: &'a Path,
    labels: &'a Path,
    out: &'a Path,
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec![
        "import",
        "idx",
        "--images",
        path_str(images),
        "--labels",
        path_str(labels),
        "--out",
        path_str(out),
    ];
    args.extend_from_slice(extra);
    args
}

/// Writes a gzipped IDX image file of `count` `side`×`side` images whose pixels encode
/// their label, and the matching label file; labels cycle through `classes`.
pub fn write_idx_pair(
    dir: &Path,
    prefix: &str,
    count: u32,
    side: u32,
    classes: u8,
) -> (PathBuf, PathBuf) {
    let rows: Vec<(u8, Vec<u8>)> = (0..count)
        .map(|i| {
            let label = (i % classes as u32) as u8;
            let pixels = (0..side * side)
                .map(|p| label.wrapping_mul(20).wrapping_add((p % 7) as u8))
                .collect();
            (label, pixels)
        })
        .collect();
    write_idx(dir, prefix, side, &rows)
}

/// Writes `rows` (label, `side`×`side` pixels) as a gzipped IDX image file and its label file,
/// `<prefix>-images-idx3-ubyte.gz` and `<prefix>-labels-idx1-ubyte.gz`; returns their paths.
pub fn write_idx(
    dir: &Path,
    prefix: &str,
    side: u32,
    rows: &[(u8, Vec<u8>)],
) -> (PathBuf, PathBuf) {
    let count = rows.len() as u32;
    let mut images = vec![0, 0, 8, 3];
    for d in [count, side, side] {
        images.extend(d.to_be_bytes());
    }
    let mut labels = vec![0, 0, 8, 1];
    labels.extend(count.to_be_bytes());
    for (label, pixels) in rows {
        labels.push(*label);
        images.extend(pixels);
    }
    let images_path = dir.join(format!("{prefix}-images-idx3-ubyte.gz"));
    let labels_path = dir.join(format!("{prefix}-labels-idx1-ubyte.gz"));
    for (path, bytes) in [(&images_path, images), (&labels_path, labels)] {
        let mut gz = flate2::write::GzEncoder::new(
            std::fs::File::create(path).unwrap(),
            flate2::Compression::fast(),
        );
        gz.write_all(&bytes).unwrap();
        gz.finish().unwrap();
    }
    (images_path, labels_path)
}

/// Imports a tiny Fashion-MNIST look-alike (`train` and `test` of 28×28 IDX images made
/// here) into `dir/<name>` with `synmix import fashion-mnist --from`, and returns that path.
pub fn import_tiny_fashion_mnist(dir: &Path, name: &str, train: u32, test: u32) -> PathBuf {
    let raw = tiny_fashion_mnist_raw(&dir.join(format!("{name}-raw")), train, test);
    import_fashion_mnist_from(&raw, dir.join(name))
}

/// The four IDX files of a tiny Fashion-MNIST look-alike (`train` and `test` 28×28 images of 10
/// classes) written into `raw`, which is returned.
pub fn tiny_fashion_mnist_raw(raw: &Path, train: u32, test: u32) -> PathBuf {
    std::fs::create_dir_all(raw).unwrap();
    write_idx_pair(raw, "train", train, 28, 10);
    write_idx_pair(raw, "t10k", test, 28, 10);
    raw.to_path_buf()
}

/// `synmix import fashion-mnist --from RAW --out OUT` (RAW holding the four IDX files); returns
/// OUT.
pub fn import_fashion_mnist_from(raw: &Path, out: PathBuf) -> PathBuf {
    ok(&[
        "import",
        "fashion-mnist",
        "--from",
        path_str(raw),
        "--out",
        path_str(&out),
        "-q",
    ]);
    out
}

/// Writes the experiment file of a tiny bench to `path`: pair `near` (the real dataset `real`
/// against the `fashion` preset), shares 0, 0.5 and 1, seed 0, both strategies, 100 rows, one
/// epoch (cosine schedule, a tenth of it warm-up). With SM and FT, every architecture makes 4 runs: the FT endpoints are the SM runs.
pub fn write_tiny_experiment(path: &Path, real: &Path, architectures: &[&str]) {
    let architectures: Vec<String> = architectures.iter().map(|a| format!("\"{a}\"")).collect();
    std::fs::write(
        path,
        format!(
            r#"name = "tiny"
shares = "0,0.5,1"
seeds = [0]
architectures = [{}]
strategies = ["sm", "ft"]

[data]
size = 100
synthetic_test_per_class = 2

[train]
epochs = 1
batch_size = 32
learning_rate = 0.001
optimizer = "adam"
schedule = "cosine"
warmup = 0.1

[[pairs]]
name = "near"
real = {{ dataset = "{}" }}
synthetic = {{ preset = "fashion" }}
"#,
            architectures.join(", "),
            real.display()
        ),
    )
    .unwrap();
}

/// Every file under `dir`, relative, sorted: to check that nothing half-written is left.
pub fn files_under(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    files.sort();
    files
}

pub fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

/// A bench directory's run results without what differs between any two runs (timings, thread
/// counts, the command line), keyed by the cell's path under runs/.
pub fn results(out: &Path) -> Vec<(String, serde_json::Value)> {
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                map.retain(|key, _| {
                    !["timings", "seconds", "threads", "command"].contains(&key.as_str())
                });
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let runs = out.join("runs");
    let mut found = Vec::new();
    for file in files_under(&runs)
        .into_iter()
        .filter(|f| f.ends_with("result.json"))
    {
        let mut value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(runs.join(&file)).unwrap()).unwrap();
        assert_eq!(value["status"], "ok", "{file}");
        strip(&mut value);
        // The paths name the bench directory; the cell is the key.
        value["config"]
            .as_object_mut()
            .unwrap()
            .retain(|k, _| !["data", "test", "synthetic_test", "out"].contains(&k.as_str()));
        found.push((file, value));
    }
    found
}

/// The report's table rows of accuracies (lines starting with `|`), which carry no timings.
pub fn report_rows(out: &Path) -> Vec<String> {
    std::fs::read_to_string(out.join("report.md"))
        .unwrap()
        .lines()
        .filter(|l| l.starts_with('|') && !l.contains("s/") && !l.contains("seconds"))
        .map(str::to_string)
        .collect()
}

/// A tiny real dataset and the experiment of a tiny MLP + CNN bench on it (12 tasks).
pub fn tiny_bench(dir: &Path) -> PathBuf {
    let real = import_tiny_fashion_mnist(dir, "real", 300, 100);
    let experiment = dir.join("exp.toml");
    write_tiny_experiment(&experiment, &real, &["mlp", "cnn"]);
    experiment
}

/// `synmix bench --config EXPERIMENT --out OUT -q`.
pub fn bench_args<'a>(experiment: &'a Path, out: &'a Path) -> Vec<&'a str> {
    vec![
        "bench",
        "--config",
        path_str(experiment),
        "--out",
        path_str(out),
        "-q",
    ]
}

/// Whether a wgpu adapter was found for `run` (a render of a preset file, which has no CPU
/// renderer): false where none was, which the test command forbids (it installs lavapipe and
/// sets SYNMIX_REQUIRE_GPU), so that CI cannot pass without rendering.
pub fn adapter_found(run: &Output) -> bool {
    let stderr = String::from_utf8_lossy(&run.stderr);
    if stderr.contains("found no GPU adapter") {
        assert!(
            std::env::var_os("SYNMIX_REQUIRE_GPU").is_none(),
            "SYNMIX_REQUIRE_GPU is set but no wgpu adapter was found: {stderr}"
        );
        println!("note: no wgpu adapter, preset files not rendered");
        return false;
    }
    true
}

/// The bytes of every shard of a dataset, by file name.
pub fn shards(dir: &Path) -> Vec<(String, Vec<u8>)> {
    files_under(&dir.join("data"))
        .into_iter()
        .map(|f| (f.clone(), std::fs::read(dir.join("data").join(&f)).unwrap()))
        .collect()
}

/// The arguments of `synmix gap --json -q` of `synthetic` against `real`, its feature network
/// cached in `cache`.
pub fn gap_args<'a>(real: &'a Path, synthetic: &'a Path, cache: &'a Path) -> Vec<&'a str> {
    vec![
        "gap",
        "--real",
        path_str(real),
        "--synthetic",
        path_str(synthetic),
        "--cache",
        path_str(cache),
        "--json",
        "-q",
    ]
}

/// Waits until `ready`, checking every 20 ms; fails naming `what` after three minutes.
pub fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !ready() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(180),
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
