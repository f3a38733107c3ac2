//! `generate`, `mix` and `speed` through the binary: the generator's and the mixer's errors name
//! options by their field, and the command line must name them by their flags; the speed
//! subcommands print their tables.

mod common;

use common::*;

/// `base` then `extra`, as one argument list.
fn joined<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    base.iter().chain(extra).copied().collect()
}

#[test]
fn generate_errors_name_flags() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let generate = ["generate", "--per-class", "2", "--device", "cpu"];
    let err = fails(&joined(
        &generate,
        &["--preset", "cartoons", "--out", path_str(&out)],
    ));
    assert!(
        err.contains("--preset") && err.contains("cartoons"),
        "{err}"
    );
    let err = fails(&joined(
        &generate,
        &["--channels", "2", "--out", path_str(&out)],
    ));
    assert!(
        err.contains("--channels: must be 1 (grey) or 3 (RGB), not 2"),
        "{err}"
    );
    let err = fails(&joined(
        &generate,
        &[
            "--shard-index",
            "0",
            "--num-shards",
            "3",
            "--out",
            path_str(&out),
        ],
    ));
    assert!(err.contains("--num-shards: must be 1, not 3"), "{err}");
    let err = fails(&["generate", "--count", "0", "--out", path_str(&out)]);
    assert!(err.contains("--count"), "{err}");
    assert!(!out.exists(), "nothing written before the errors");

    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let err = fails(&joined(&generate, &["--out", path_str(&out)]));
    assert!(err.contains("--force") || err.contains("--resume"), "{err}");
}

#[test]
fn mix_errors_name_flags() {
    let tmp = tempfile::tempdir().unwrap();
    let real = import_tiny_fashion_mnist(tmp.path(), "real", 100, 20);
    let synthetic = tmp.path().join("synthetic");
    ok(&[
        "generate",
        "--per-class",
        "5",
        "--device",
        "cpu",
        "--out",
        path_str(&synthetic),
        "-q",
    ]);
    let out = tmp.path().join("mix");
    let mix = [
        "mix",
        "--synthetic",
        path_str(&synthetic),
        "--real",
        path_str(&real),
        "--out",
        path_str(&out),
        "-q",
    ];
    let err = fails(&joined(&mix, &["--size", "0"]));
    assert!(err.contains("--size: must be at least 1"), "{err}");
    let err = fails(&joined(&mix, &["--size", "20", "--shares", "0,1.5"]));
    assert!(err.contains("--shares: 1.5 is outside [0, 1]"), "{err}");
    let err = fails(&joined(&mix, &["--size", "20", "--map", "x=Dress"]));
    assert!(err.contains("--map: names synthetic class 'x'"), "{err}");
    let err = fails(&joined(&mix, &["--size", "20", "--map", "x"]));
    assert!(err.contains("--map: entry 'x' is not old=new"), "{err}");
    let err = fails(&joined(&mix, &["--size", "20", "--map", "x=Dress,"]));
    assert!(
        err.contains("--map: 'x=Dress,' has an empty entry"),
        "{err}"
    );

    ok(&joined(&mix, &["--size", "20", "--shares", "0.5"]));
    let err = fails(&joined(
        &mix,
        &["--size", "20", "--shares", "0.5", "--seed", "9"],
    ));
    assert!(
        err.contains("other arguments") && err.contains("--force"),
        "{err}"
    );
    ok(&joined(
        &mix,
        &["--size", "20", "--shares", "0.5", "--seed", "9", "--force"],
    ));
}

#[test]
fn speed_generate_prints_its_table() {
    let table = ok(&["speed", "generate", "--per-class", "10", "-q"]);
    assert!(table.contains("CPU reference renderer"), "{table}");
    assert!(table.contains("encode-only ceiling"), "{table}");
}

#[test]
fn speed_train_prints_its_table() {
    let speed_train = |extra: &[&str]| {
        let args = [
            "speed",
            "train",
            "--samples",
            "32",
            "--batch-size",
            "16",
            "-q",
        ];
        ok(&[&args[..], extra].concat())
    };
    let table = speed_train(&[]);
    for model in ["mlp", "cnn", "vit"] {
        let lines = || table.lines().filter(|l| l.trim_start().starts_with(model));
        // 28×28×1 and 32×32×3 in batches of 16 as asked, 64×64×3 and 256×256×3 too.
        assert_eq!(lines().count(), 4, "{table}");
        assert!(lines().all(|l| l.contains("batch 16")), "{table}");
        assert!(
            lines().all(|l| l.contains("in memory: steps waited")),
            "{table}"
        );
    }
    // With no memory to hold them, the images are streamed and the wait reported.
    let table = speed_train(&["--memory", "0", "--shape", "40x20x3"]);
    assert_eq!(
        table.matches("streamed: steps waited").count(),
        3,
        "{table}"
    );
    assert_eq!(table.matches("40×20×3").count(), 3, "{table}");
}

#[test]
fn speed_train_times_only_the_models_asked_for() {
    let table = ok(&[
        "speed",
        "train",
        "--samples",
        "16",
        "--batch-size",
        "16",
        "--model",
        "mlp",
        "-q",
    ]);
    let rows: Vec<&str> = table.lines().filter(|l| l.contains("samples/s")).collect();
    assert_eq!(rows.len(), 4, "{table}");
    assert!(
        rows.iter().all(|l| l.trim_start().starts_with("mlp")),
        "{table}"
    );
}

#[test]
fn streamed_training_finishes_on_a_pool_of_one_thread() {
    // The training loop runs on a thread of rayon's pool and the decoder hands its row groups to
    // that pool: with one thread, a loop that simply blocked for the next window would wait for
    // itself forever.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_synmix"))
        // 1 MiB holds windows of several row groups, which the decoder reads in parallel.
        .args([
            "speed",
            "train",
            "--samples",
            "1024",
            "--model",
            "mlp",
            "--memory",
            "1",
            "-q",
        ])
        .env("RAYON_NUM_THREADS", "1")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("synmix runs");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("streamed training on one thread did not finish in 120 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut table = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut table).unwrap();
    assert!(status.success(), "{table}");
    let streamed = |l: &&str| l.contains("32×32×3") && l.contains("streamed: steps waited");
    assert!(table.lines().any(|l| streamed(&l)), "{table}");
}
