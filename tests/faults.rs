//! Faults a stage must survive or refuse cleanly: a disk that fills up during a mix or as a
//! render writes its manifest, a mix killed midway, a damaged training checkpoint, Parquet in
//! the codecs other tools write, hostile numbers (a huge label, a gzip bomb behind a valid IDX header, row counts in the
//! trillions) and two mixes into one directory at once. (A corrupt image in the middle of an
//! import and kill -9 during one are in `import.rs`.)

mod common;

use common::*;

/// The file size limit (`ulimit -f`, with SIGXFSZ ignored so that the write fails with EFBIG
/// instead of killing the process) stands in for a full disk: the mix fails naming the file,
/// leaves no unfinished output behind, and a rerun completes to the same shards as a mix that
/// never failed.
#[test]
fn a_disk_that_fills_up_mid_mix_leaves_no_half_written_output() {
    let tmp = tempfile::tempdir().unwrap();
    let (real, synthetic) = mix_inputs(tmp.path());
    let mix = |out: &std::path::Path| {
        format!(
            "{} -q mix --synthetic {} --real {} --size 1000 --shares 0,0.5,1 --out {}",
            env!("CARGO_BIN_EXE_synmix"),
            path_str(&synthetic),
            path_str(&real),
            path_str(out)
        )
    };
    let whole = tmp.path().join("whole");
    let full = tmp.path().join("full");
    let status = |script: String| {
        std::process::Command::new("bash")
            .args(["-c", &script])
            .output()
            .unwrap()
    };
    assert!(status(mix(&whole)).status.success());

    // 64 KiB: less than one subset's shard.
    let out = status(format!("trap '' XFSZ; ulimit -f 64; exec {}", mix(&full)));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.lines().count() == 1 && stderr.contains(".parquet") && stderr.contains("large"),
        "{stderr}"
    );
    for entry in std::fs::read_dir(&full).unwrap() {
        let dir = entry.unwrap().path();
        assert!(
            dir.join("manifest.json").is_file(),
            "{} is left half-written",
            dir.display()
        );
    }

    assert!(status(mix(&full)).status.success());
    for name in [
        "sm-r000", "sm-r050", "sm-r100", "ft-r000", "ft-r050", "ft-r100",
    ] {
        assert_eq!(
            manifest(&full.join(name))["splits"],
            manifest(&whole.join(name))["splits"],
            "{name}"
        );
    }
}

/// A disk that fills up as a render writes its manifest (the file size limit again, between the
/// shards' size and the manifest's, which records the preset's TOML with a long comment): the
/// render fails naming the file and leaves no temporary behind, and the same command, rerun once
/// there is room, completes the dataset as a render that never failed. (The bench reruns a
/// render with `--resume`; a directory left with a temporary was refused as holding files
/// synmix did not write.)
#[test]
fn a_disk_that_fills_up_at_a_renders_manifest_leaves_a_rerun_that_completes_it() {
    let tmp = tempfile::tempdir().unwrap();
    // The built-in shader under a TOML of one's own, which the CPU renderer draws.
    let toml = std::fs::read_to_string("presets/fashion.toml").unwrap()
        + &format!("# {}\n", "a long comment ".repeat(8_000));
    std::fs::write(tmp.path().join("big.toml"), toml).unwrap();
    std::fs::copy("presets/fashion.wgsl", tmp.path().join("big.wgsl")).unwrap();
    let render = |out: &std::path::Path| {
        format!(
            "{} -q generate --preset {} --per-class 3 --device cpu --resume --out {}",
            env!("CARGO_BIN_EXE_synmix"),
            path_str(&tmp.path().join("big.toml")),
            path_str(out)
        )
    };
    let run = |script: String| {
        std::process::Command::new("bash")
            .args(["-c", &script])
            .output()
            .unwrap()
    };
    let whole = tmp.path().join("whole");
    assert!(run(render(&whole)).status.success());
    let shard_bytes = files_under(&whole.join("data"))
        .iter()
        .map(|f| std::fs::metadata(whole.join("data").join(f)).unwrap().len())
        .max()
        .unwrap();
    let manifest_bytes = std::fs::metadata(whole.join("manifest.json"))
        .unwrap()
        .len();
    assert!(
        shard_bytes < 48 << 10 && manifest_bytes > 96 << 10,
        "{shard_bytes} {manifest_bytes}"
    );

    let full = tmp.path().join("full");
    let out = run(format!(
        "trap '' XFSZ; ulimit -f 64; exec {}",
        render(&full)
    ));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.lines().count() == 1
            && stderr.contains(".manifest.json.")
            && stderr.contains("large"),
        "{stderr}"
    );
    let left = files_under(&full);
    assert!(!left.iter().any(|f| f.ends_with(".tmp")), "{left:?}");

    let rerun = run(render(&full));
    assert!(
        rerun.status.success(),
        "{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    assert_eq!(manifest(&full)["splits"], manifest(&whole)["splits"]);
    ok(&["verify", path_str(&full), "-q"]);
}

/// kill -9 in the middle of a mix: every subset on disk is finished (it has its manifest) or
/// is redone by the rerun, which ends with the same shards as a mix that was never killed.
#[test]
fn a_killed_mix_reruns_to_the_same_subsets() {
    let tmp = tempfile::tempdir().unwrap();
    let (real, synthetic) = mix_inputs(tmp.path());
    // --memory 0: one subset's shard at a time, so the subsets finish one after another.
    let mix = |out: &std::path::Path| -> Vec<String> {
        [
            "mix",
            "--synthetic",
            path_str(&synthetic),
            "--real",
            path_str(&real),
            "--size",
            "1000",
            "--shares",
            "0:1:0.1",
            "--memory",
            "0",
            "-q",
            "--out",
            path_str(out),
        ]
        .map(String::from)
        .to_vec()
    };
    let whole = tmp.path().join("whole");
    ok(&mix(&whole).iter().map(String::as_str).collect::<Vec<_>>());

    let killed = tmp.path().join("killed");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_synmix"))
        .args(mix(&killed))
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !killed.join("sm-r000/manifest.json").exists() {
        assert!(
            child.try_wait().unwrap().is_none() && started.elapsed().as_secs() < 120,
            "the mix ended before its first subset was finished"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    ok(&mix(&killed).iter().map(String::as_str).collect::<Vec<_>>());
    for entry in std::fs::read_dir(&whole).unwrap() {
        let name = entry.unwrap().file_name();
        let (a, b) = (whole.join(&name), killed.join(&name));
        if a.is_dir() {
            assert_eq!(manifest(&a)["splits"], manifest(&b)["splits"], "{name:?}");
        }
    }
}

/// Two mixes into one `--out` at once: the second is refused in one line saying another
/// process is writing there, touches nothing, and the first finishes a mix that verifies.
#[test]
fn a_second_mix_into_the_same_out_is_refused_while_the_first_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let (real, synthetic) = mix_inputs(tmp.path());
    let out = tmp.path().join("mix");
    // --memory 0: one shard at a time, so the first mix is still writing long after its first
    // subset is done.
    let args = [
        "mix",
        "--synthetic",
        path_str(&synthetic),
        "--real",
        path_str(&real),
        "--size",
        "1000",
        "--shares",
        "0:1:0.1",
        "--memory",
        "0",
        "-q",
        "--out",
        path_str(&out),
    ];
    let mut first = std::process::Command::new(env!("CARGO_BIN_EXE_synmix"))
        .args(args)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !out.join("sm-r000/manifest.json").exists() {
        assert!(
            first.try_wait().unwrap().is_none() && started.elapsed().as_secs() < 120,
            "the first mix ended before its first subset was finished"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let err = fails(&args);
    assert!(
        first.try_wait().unwrap().is_none(),
        "the first mix ended before the second was refused: the test proves nothing"
    );
    assert!(
        err.lines().count() == 1
            && err.contains(path_str(&out))
            && err.contains("another synmix process is writing there"),
        "{err}"
    );
    let done = first.wait_with_output().unwrap();
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let mut subsets = 0;
    for entry in std::fs::read_dir(&out).unwrap() {
        let dir = entry.unwrap().path();
        if dir.is_dir() {
            ok(&["verify", path_str(&dir), "-q"]);
            subsets += 1;
        }
    }
    assert_eq!(subsets, 22);
    assert!(out.join("mix.json").is_file());
}

/// A memory budget smaller than one output shard: each shard is written a few row groups at a
/// time over several reads of the inputs, and comes out byte for byte as under the default.
#[test]
fn a_mix_under_a_budget_smaller_than_a_shard_writes_the_same_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let (real, synthetic) = mix_inputs(tmp.path());
    let mix = |out: &std::path::Path, extra: &[&str]| {
        let mut args = vec![
            "mix",
            "--synthetic",
            path_str(&synthetic),
            "--real",
            path_str(&real),
            "--size",
            "1500",
            "--shares",
            "0,0.5,1",
            "-q",
            "--out",
            path_str(out),
        ];
        args.extend(extra);
        ok(&args);
    };
    let (whole, pieces) = (tmp.path().join("whole"), tmp.path().join("pieces"));
    mix(&whole, &[]);
    // 0 MiB: pieces of one row group (512 rows), so each 1,500-row shard takes three.
    mix(&pieces, &["--memory", "0"]);
    for name in ["sm-r000", "sm-r050", "sm-r100", "ft-r050"] {
        assert_eq!(
            manifest(&pieces.join(name))["splits"],
            manifest(&whole.join(name))["splits"],
            "{name}"
        );
    }
}

/// A real dataset of 2,000 rows and a synthetic one of 200 per class, to mix.
fn mix_inputs(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let real = import_tiny_fashion_mnist(dir, "real", 2000, 100);
    let synthetic = dir.join("synthetic");
    ok(&[
        "generate",
        "--per-class",
        "200",
        "--device",
        "cpu",
        "--out",
        path_str(&synthetic),
        "-q",
    ]);
    (real, synthetic)
}

/// A damaged checkpoint (its state cut to `{`, as a power loss after an unsynced rename leaves
/// it) is set aside with one warning, and the run trains from the start to the result of a run
/// that never had the fault.
#[test]
fn a_damaged_checkpoint_is_set_aside_and_the_run_ends_as_if_it_never_was() {
    let tmp = tempfile::tempdir().unwrap();
    let real = import_tiny_fashion_mnist(tmp.path(), "real", 200, 50);
    let train = |run: &std::path::Path| {
        let args = [
            "train",
            "--data",
            path_str(&real),
            "--test",
            path_str(&real),
            "--model",
            "mlp",
            "--epochs",
            "2",
            "--out",
            path_str(run),
            "-q",
        ];
        let out = synmix(&args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{stderr}");
        let result: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(run.join("result.json")).unwrap())
                .unwrap();
        (result["metrics"].clone(), result["epochs"].clone(), stderr)
    };
    let (metrics, epochs, _) = train(&tmp.path().join("clean"));

    let run = tmp.path().join("faulty");
    std::fs::create_dir_all(run.join("checkpoint")).unwrap();
    std::fs::write(run.join("checkpoint/state.json"), "{").unwrap();
    let (faulty_metrics, faulty_epochs, stderr) = train(&run);
    assert_eq!(faulty_metrics, metrics);
    assert_eq!(
        faulty_epochs
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["loss"])
            .collect::<Vec<_>>(),
        epochs
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["loss"])
            .collect::<Vec<_>>()
    );
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains("WARN")).collect();
    assert!(
        warnings.len() == 1
            && warnings[0].contains("checkpoint/state.json")
            && warnings[0].contains("checkpoint.damaged-1"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(run.join("checkpoint.damaged-1/state.json")).unwrap(),
        b"{"
    );
}

/// Parquet as pyarrow and pandas write it (snappy by default), or gzipped: imported with its
/// rows and labels.
#[test]
fn snappy_and_gzip_parquet_import() {
    use parquet::basic::{Compression, GzipLevel};
    let tmp = tempfile::tempdir().unwrap();
    for (name, codec) in [
        ("snappy", Compression::SNAPPY),
        ("gzip", Compression::GZIP(GzipLevel::default())),
    ] {
        let file = tmp.path().join(format!("train-{name}.parquet"));
        let labels: Vec<i64> = (0..40).map(|i| i % 4).collect();
        write_image_parquet(&file, &labels, codec);
        let out = tmp.path().join(name);
        ok(&[
            "import",
            "parquet",
            "--from",
            path_str(&file),
            "--out",
            path_str(&out),
            "-q",
        ]);
        let m = manifest(&out);
        assert_eq!(m["splits"]["train"]["rows"], 40, "{name}");
        assert_eq!(
            m["splits"]["train"]["class_counts"],
            serde_json::json!([10, 10, 10, 10]),
            "{name}"
        );
        assert_eq!(
            m["classes"],
            serde_json::json!(["0", "1", "2", "3"]),
            "{name}"
        );
        ok(&["verify", path_str(&out), "-q"]);
    }
}

/// A Parquet label of 4294967295 in a file that names no classes would be that many classes:
/// refused naming the file, before anything is allocated for them or written.
#[test]
fn a_huge_parquet_label_without_class_names_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("train-0.parquet");
    write_image_parquet(
        &file,
        &[0, 1, 4_294_967_295],
        parquet::basic::Compression::SNAPPY,
    );
    let out = tmp.path().join("out");
    let err = fails(&[
        "import",
        "parquet",
        "--from",
        path_str(&file),
        "--out",
        path_str(&out),
    ]);
    assert!(
        err.lines().count() == 1
            && err.contains("train-0.parquet")
            && err.contains("4294967295")
            && err.contains("class names"),
        "{err}"
    );
    assert!(!out.exists());
}

/// A gzipped IDX file whose valid header is followed by 2.5 GB of zeros (a few MB on disk) is
/// refused without inflating more than the header promises: the process stays far below the
/// size of what follows.
#[test]
fn a_gzip_bomb_after_a_valid_idx_header_is_refused_within_its_promise() {
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    let (_, labels) = write_idx_pair(tmp.path(), "small", 10, 28, 10);
    let images = tmp.path().join("bomb-images-idx3-ubyte.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::io::BufWriter::new(std::fs::File::create(&images).unwrap()),
        flate2::Compression::best(),
    );
    let mut header = vec![0, 0, 8, 3];
    for d in [10u32, 28, 28] {
        header.extend(d.to_be_bytes());
    }
    gz.write_all(&header).unwrap();
    // Streamed a MiB at a time: the zeros are never in memory or on disk uncompressed.
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..2_500 {
        gz.write_all(&zeros).unwrap();
    }
    gz.finish().unwrap().flush().unwrap();
    assert!(std::fs::metadata(&images).unwrap().len() < 10 << 20);

    let out = tmp.path().join("out");
    let script = format!(
        "ulimit -v {}; exec {} import idx --images {} --labels {} --out {}",
        // 3 GiB of address space (in KiB): less than 2.5 GB of zeros in a growing buffer.
        3 << 20,
        env!("CARGO_BIN_EXE_synmix"),
        path_str(&images),
        path_str(&labels),
        path_str(&out)
    );
    let output = std::process::Command::new("bash")
        .args(["-c", &script])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{err}");
    assert!(
        err.lines().count() == 1
            && err.contains("bomb-images-idx3-ubyte.gz")
            && err.contains("padded"),
        "{err}"
    );
    assert!(!out.exists());
}

/// Row counts that would take terabytes to plan are refused naming the flag, before anything
/// is allocated or written.
#[test]
fn huge_row_counts_are_refused_naming_the_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let huge = "1000000000000";
    for (flag, args) in [
        (
            "--per-class",
            ["--per-class", huge, "--test-per-class", "1"],
        ),
        (
            "--test-per-class",
            ["--per-class", "1", "--test-per-class", huge],
        ),
    ] {
        let mut all = vec!["generate", "--device", "cpu", "--out", path_str(&out)];
        all.extend(args);
        let err = fails(&all);
        assert!(
            err.lines().count() == 1 && err.contains(flag) && err.contains("at most"),
            "{err}"
        );
        assert!(!out.exists(), "{flag}");
    }
    let (real, synthetic) = mix_inputs(tmp.path());
    let err = fails(&[
        "mix",
        "--synthetic",
        path_str(&synthetic),
        "--real",
        path_str(&real),
        "--size",
        "1000000000000",
        "--out",
        path_str(&out),
    ]);
    assert!(
        err.lines().count() == 1 && err.contains("--size") && err.contains("at most 10000000"),
        "{err}"
    );
    assert!(!out.exists());
}

/// Writes a Hugging Face image dataset file: `image` struct<bytes, path> of 4×4 grey PNGs and
/// `label` int64, no class names, compressed with `codec`.
fn write_image_parquet(path: &std::path::Path, labels: &[i64], codec: parquet::basic::Compression) {
    use arrow_array::{ArrayRef, BinaryArray, Int64Array, RecordBatch, StringArray, StructArray};
    use std::sync::Arc;
    let pngs: Vec<Vec<u8>> = labels
        .iter()
        .map(|&label| {
            let image = image::GrayImage::from_pixel(4, 4, image::Luma([(label % 4) as u8 * 60]));
            let mut png = std::io::Cursor::new(Vec::new());
            image.write_to(&mut png, image::ImageFormat::Png).unwrap();
            png.into_inner()
        })
        .collect();
    let bytes: ArrayRef = Arc::new(BinaryArray::from_iter_values(pngs.iter()));
    let paths: ArrayRef = Arc::new(StringArray::from(vec![None::<&str>; labels.len()]));
    let image = StructArray::try_from(vec![("bytes", bytes), ("path", paths)]).unwrap();
    let batch = RecordBatch::try_from_iter([
        ("image", Arc::new(image) as ArrayRef),
        (
            "label",
            Arc::new(Int64Array::from(labels.to_vec())) as ArrayRef,
        ),
    ])
    .unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(codec)
        .build();
    let mut writer = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(path).unwrap(),
        batch.schema(),
        Some(props),
    )
    .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}
