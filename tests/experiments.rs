//! The experiment files of the seed paper's pairs (`experiments/`): each parses, its import
//! commands (the ones README gives) run on tiny look-alikes of the pair's data and give the
//! paper's image sizes, and the imported pair feeds a tiny bench. Also: a bench whose real set
//! has unequal classes against a generator preset.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::layouts::*;
use common::*;

const DOMAINNET_CLASSES: [&str; 11] = [
    "airplane", "bicycle", "bird", "car", "cat", "dog", "fish", "flower", "house", "tree", "zebra",
];

fn experiment(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("experiments")
        .join(name)
}

/// The import commands in an experiment file's header, each in README too.
fn import_commands(file: &Path) -> Vec<String> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let commands: Vec<String> = std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("#   "))
        .filter(|l| l.starts_with("synmix import "))
        .map(String::from)
        .collect();
    assert!(!commands.is_empty(), "{}", file.display());
    for command in &commands {
        assert!(readme.contains(command), "README lacks `{command}`");
    }
    commands
}

/// Runs a shell command line in `dir` with this synmix first on the PATH; requires success.
fn shell(dir: &Path, line: &str) {
    let bin = Path::new(env!("CARGO_BIN_EXE_synmix")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("sh")
        .args(["-c", &format!("{line} -q")])
        .current_dir(dir)
        .env("PATH", path)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "`{line}` failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs an experiment's import commands in `dir` (which holds `downloads/`), then checks the
/// file parses and every dataset it names was imported at `side`×`side`×3.
fn import_pair(file: &Path, dir: &Path, side: u32) {
    for command in import_commands(file) {
        shell(dir, &command);
    }
    let config = ok(&["bench", "--config", path_str(file), "--print-config"]);
    let parsed: toml::Table = toml::from_str(&config).unwrap();
    for pair in parsed["pairs"].as_array().unwrap() {
        for side_of in ["real", "synthetic"] {
            let data = dir.join(pair[side_of]["dataset"].as_str().unwrap());
            assert_eq!(
                manifest(&data)["image"],
                serde_json::json!({"width": side, "height": side, "channels": 3}),
                "{}",
                data.display()
            );
        }
    }
}

/// The same import commands at `side`×`side` into `dir`, which shares `downloads/` with
/// `paper`, then a tiny bench of the experiment in `dir`: shares 0, 0.5, 1, one epoch,
/// `size` rows, the given architectures. Returns the bench directory.
fn tiny_bench(
    file: &Path,
    paper: &Path,
    dir: &Path,
    side: u32,
    size: u64,
    architectures: &[&str],
) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    std::os::unix::fs::symlink(paper.join("downloads"), dir.join("downloads")).unwrap();
    for command in import_commands(file) {
        let small = command
            .split(' ')
            .map(|word| {
                if word.ends_with("x256") || word.ends_with("x300") {
                    format!("{side}x{side}")
                } else {
                    word.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
        shell(dir, &small);
    }
    let mut table: toml::Table = toml::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    table.insert("shares".into(), "0,0.5,1".into());
    table.insert("seeds".into(), toml::Value::Array(vec![0.into()]));
    table.insert(
        "architectures".into(),
        toml::Value::Array(architectures.iter().map(|&a| a.into()).collect()),
    );
    table["data"]
        .as_table_mut()
        .unwrap()
        .insert("size".into(), (size as i64).into());
    let train = table["train"].as_table_mut().unwrap();
    train.insert("epochs".into(), 1.into());
    train.insert("batch_size".into(), 16.into());
    let tiny = dir.join("tiny.toml");
    std::fs::write(&tiny, toml::to_string(&table).unwrap()).unwrap();
    let bench = dir.join("bench");
    let out = Command::new(env!("CARGO_BIN_EXE_synmix"))
        .args([
            "bench",
            "--config",
            path_str(&tiny),
            "--out",
            path_str(&bench),
            "-q",
        ])
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "tiny bench failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    bench
}

/// Result files of a bench, relative to its `runs/`.
fn results(bench: &Path) -> Vec<String> {
    files_under(&bench.join("runs"))
        .into_iter()
        .filter(|f| f.ends_with("result.json"))
        .collect()
}

#[test]
fn cifar10_and_cifake_import_and_bench_all_three_architectures_at_32x32x3() {
    let tmp = tempfile::tempdir().unwrap();
    let paper = tmp.path().join("paper");
    let downloads = paper.join("downloads");
    cifar10_batches(&downloads, &[10; 10], &[3; 10]);
    cifake(&downloads, 8, 2);
    let file = experiment("cifar10-cifake.toml");
    import_pair(&file, &paper, 32);

    // 3 architectures × (3 SM + 1 FT) runs, on CIFAR-like 3×32×32 images.
    let bench = tiny_bench(
        &file,
        &paper,
        &tmp.path().join("tiny"),
        32,
        60,
        &["mlp", "cnn", "vit"],
    );
    let runs = results(&bench);
    assert_eq!(runs.len(), 12, "{runs:?}");
    for arch in ["mlp", "cnn", "vit"] {
        assert!(
            runs.iter()
                .any(|r| r.starts_with(&format!("cifar10-cifake/{arch}/"))),
            "{runs:?}"
        );
    }
    let report = std::fs::read_to_string(bench.join("report.md")).unwrap();
    assert!(
        report.contains("Real test set: the whole real test split"),
        "{report}"
    );
    let record = std::fs::read_to_string(bench.join("tasks/00000.done")).unwrap();
    assert!(
        record.contains("runs scored on the whole test split of data/cifar10 (30 rows)"),
        "{record}"
    );

    // A synthetic dataset too small for the sweep: one line before any work.
    let big = tmp.path().join("tiny/big.toml");
    std::fs::write(
        &big,
        std::fs::read_to_string(tmp.path().join("tiny/tiny.toml"))
            .unwrap()
            .replace("size = 60", "size = 100"),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_synmix"))
        .args(["bench", "--config", path_str(&big), "--out", "big-bench"])
        .current_dir(tmp.path().join("tiny"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("pair 'cifar10-cifake': class 'airplane': the fixed-size regime needs 10 synthetic train rows but data/cifake has 8")
            && err.lines().count() == 1,
        "{err}"
    );
    assert!(!tmp.path().join("tiny/big-bench").exists());
}

#[test]
fn lego_photos_and_renders_import_at_256_and_feed_a_tiny_bench() {
    let tmp = tempfile::tempdir().unwrap();
    let paper = tmp.path().join("paper");
    let parts = ["brick-2x4", "plate-1x2", "slope-45"];
    lego(&paper.join("downloads/lego/photos"), &parts, 10, 3);
    lego(&paper.join("downloads/lego/renders"), &parts, 10, 3);
    let file = experiment("lego.toml");
    import_pair(&file, &paper, 256);
    assert_eq!(
        manifest(&paper.join("data/lego-renders"))["source"],
        "synthetic"
    );
    let bench = tiny_bench(&file, &paper, &tmp.path().join("tiny"), 16, 24, &["mlp"]);
    assert_eq!(results(&bench).len(), 4);
}

#[test]
fn domainnet_real_and_quickdraw_import_at_300_and_feed_a_tiny_bench() {
    let tmp = tempfile::tempdir().unwrap();
    let paper = tmp.path().join("paper");
    let root = paper.join("downloads/domainnet");
    domainnet(&root, "real", &DOMAINNET_CLASSES, 4, 2, 40, false);
    domainnet(&root, "quickdraw", &DOMAINNET_CLASSES, 4, 2, 28, true);
    let file = experiment("domainnet.toml");
    import_pair(&file, &paper, 300);
    let quickdraw = paper.join("data/domainnet-quickdraw");
    assert_eq!(
        manifest(&quickdraw)["classes"].as_array().unwrap().len(),
        10
    );
    assert_grey(&quickdraw, "test", true);
    let bench = tiny_bench(&file, &paper, &tmp.path().join("tiny"), 16, 20, &["mlp"]);
    assert_eq!(results(&bench).len(), 4);
}

#[test]
fn a_real_set_of_unequal_classes_benches_against_a_preset() {
    let tmp = tempfile::tempdir().unwrap();
    // MNIST-like proportions, exaggerated: class 1 three times class 5.
    let train = [10, 15, 10, 10, 10, 5, 10, 10, 10, 10];
    let test = [4, 6, 4, 4, 4, 2, 4, 4, 4, 4];
    let batches = cifar10_batches(tmp.path(), &train, &test);
    let real = tmp.path().join("digits-real");
    ok(&[
        "import",
        "cifar10",
        "--from",
        path_str(&batches),
        "--classes",
        "0,1,2,3,4,5,6,7,8,9",
        "--out",
        path_str(&real),
        "-q",
    ]);
    let file = tmp.path().join("unequal.toml");
    std::fs::write(
        &file,
        format!(
            r#"name = "unequal"
shares = "0,0.5,1"
seeds = [0]
architectures = ["cnn"]
strategies = ["sm", "ft"]

[data]
size = 100
real_test_limit = 20
synthetic_test_per_class = 2

[train]
epochs = 1
batch_size = 16
learning_rate = 0.001
optimizer = "adam"

[[pairs]]
name = "digits"
real = {{ dataset = "{}" }}
synthetic = {{ preset = "digits" }}
"#,
            real.display()
        ),
    )
    .unwrap();
    let bench = tmp.path().join("bench");
    ok(&[
        "bench",
        "--config",
        path_str(&file),
        "--out",
        path_str(&bench),
        "-q",
    ]);
    assert_eq!(results(&bench).len(), 4);

    // The render holds what share 1 takes of each class: the real train split's proportions,
    // at the real images' size.
    let synthetic = manifest(&bench.join("data/synthetic-digits"));
    assert_eq!(
        synthetic["splits"]["train"]["class_counts"],
        serde_json::json!([10, 15, 10, 10, 10, 5, 10, 10, 10, 10])
    );
    assert_eq!(
        synthetic["image"],
        serde_json::json!({"width": 32, "height": 32, "channels": 3})
    );
    // The real test subset keeps the test split's proportions: 20 of 40 rows.
    let test = manifest(&bench.join("data/digits-real-test20"));
    assert_eq!(
        test["splits"]["test"]["class_counts"],
        serde_json::json!([2, 3, 2, 2, 2, 1, 2, 2, 2, 2])
    );
    let report = std::fs::read_to_string(bench.join("report.md")).unwrap();
    assert!(
        report.contains("20 rows of each pair's real test split in its class proportions"),
        "{report}"
    );
    // The import task's record says which test set this real dataset got.
    let record = std::fs::read_to_string(bench.join("tasks/00000.done")).unwrap();
    assert!(
        record.contains(
            "runs scored on 20 of the 40 rows of the test split, in its class proportions"
        ),
        "{record}"
    );
}

/// A real-only sweep (share 0 alone) with a preset pair: the preset is rendered for its test
/// split only, and the runs are scored on it as on the real test set.
#[test]
fn a_real_only_experiment_renders_the_synthetic_test_split_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let real = import_tiny_fashion_mnist(tmp.path(), "real", 100, 20);
    let experiment = tmp.path().join("exp.toml");
    write_tiny_experiment(&experiment, &real, &["mlp"]);
    let text = std::fs::read_to_string(&experiment)
        .unwrap()
        .replace("shares = \"0,0.5,1\"", "shares = \"0\"");
    std::fs::write(&experiment, text).unwrap();
    let out = tmp.path().join("bench");
    ok(&bench_args(&experiment, &out));

    let render = manifest(&out.join("data/synthetic-fashion"));
    let splits: Vec<&String> = render["splits"].as_object().unwrap().keys().collect();
    assert_eq!(splits, ["test"]);
    let runs = common::results(&out);
    let names: Vec<&str> = runs.iter().map(|(file, _)| file.as_str()).collect();
    assert_eq!(names, ["near/mlp/sm-r000-s0/result.json"]);
    let (_, run) = &runs[0];
    assert!(run["metrics"]["accuracy"].is_number(), "{run}");
    assert!(run["synthetic_test"]["accuracy"].is_number(), "{run}");
}
