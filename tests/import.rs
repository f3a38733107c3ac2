//! End-to-end tests of `synmix import`, `inspect` and `verify` on inputs made here.

mod common;

use common::*;

#[test]
fn fashion_mnist_from_a_directory_writes_train_and_test() {
    let tmp = tempfile::tempdir().unwrap();
    let out = import_tiny_fashion_mnist(tmp.path(), "fmnist", 50, 20);

    let m = manifest(&out);
    assert_eq!(m["splits"]["train"]["rows"], 50);
    assert_eq!(m["splits"]["test"]["rows"], 20);
    assert_eq!(m["classes"][0], "T-shirt/top");
    assert_eq!(
        m["splits"]["train"]["class_counts"],
        serde_json::json!([5, 5, 5, 5, 5, 5, 5, 5, 5, 5])
    );
    assert_eq!(m["splits"]["train"]["source_counts"]["real"], 50);
    assert!(out.join("data/train-00000-of-00001.parquet").is_file());
    assert!(
        std::fs::read_to_string(out.join("README.md"))
            .unwrap()
            .contains("class_label")
    );

    assert!(ok(&["verify", path_str(&out)]).contains("ok"));
    let grid = tmp.path().join("grid.png");
    let summary = ok(&[
        "inspect",
        path_str(&out),
        "--grid",
        path_str(&grid),
        "--per-class",
        "3",
    ]);
    assert!(
        summary.contains("Ankle boot") && summary.contains("28x28x1"),
        "{summary}"
    );
    let sheet = image::open(&grid).unwrap();
    assert_eq!(sheet.height(), 2 + 10 * (28 * 3 + 2));
}

#[test]
fn missing_fashion_mnist_says_how_to_get_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let err = fails(&[
        "import",
        "fashion-mnist",
        "--from",
        path_str(tmp.path()),
        "--out",
        path_str(&out),
    ]);
    assert!(
        err.contains("apt-get install dataset-fashion-mnist") && err.contains("--from:"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn idx_with_resize_rgb_and_class_names() {
    let tmp = tempfile::tempdir().unwrap();
    let (images, labels) = write_idx_pair(tmp.path(), "digits", 12, 8, 3);
    let out = tmp.path().join("out");
    ok(&idx_import(
        &images,
        &labels,
        &out,
        &[
            "--size",
            "16x12",
            "--channels",
            "3",
            "--classes",
            "zero,one,two",
            "--source",
            "synthetic",
        ],
    ));
    let m = manifest(&out);
    assert_eq!(
        m["image"],
        serde_json::json!({"width": 16, "height": 12, "channels": 3})
    );
    assert_eq!(m["classes"], serde_json::json!(["zero", "one", "two"]));
    assert_eq!(m["splits"]["train"]["source_counts"]["synthetic"], 12);
    ok(&["verify", path_str(&out)]);
}

#[test]
fn bad_idx_inputs_fail_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let (images, labels) = write_idx_pair(tmp.path(), "a", 10, 4, 5);
    let out = tmp.path().join("out");

    // Truncated image file.
    let truncated = tmp.path().join("truncated.idx");
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(&images).unwrap()),
        &mut bytes,
    )
    .unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() - 3]).unwrap();
    let err = fails(&idx_import(&truncated, &labels, &out, &[]));
    assert!(
        err.contains("truncated.idx") && err.contains("truncated"),
        "{err}"
    );

    // Corrupt gzip.
    let corrupt = tmp.path().join("corrupt.gz");
    let mut gz = std::fs::read(&images).unwrap();
    gz.truncate(gz.len() / 2);
    std::fs::write(&corrupt, gz).unwrap();
    let err = fails(&idx_import(&corrupt, &labels, &out, &[]));
    assert!(err.contains("corrupt.gz"), "{err}");

    // Labels outside the named classes.
    let err = fails(&idx_import(&images, &labels, &out, &["--classes", "a,b"]));
    assert!(err.contains("--classes"), "{err}");

    // Swapped files.
    let err = fails(&idx_import(&labels, &images, &out, &[]));
    assert!(err.contains("magic"), "{err}");
    assert!(!out.exists(), "nothing may be left behind");
}

#[test]
fn idx_labels_with_empty_classes_need_class_names() {
    let tmp = tempfile::tempdir().unwrap();
    // Labels 0..=9 and 99: without --classes that would be 100 classes, 90 of them empty.
    let (images, labels) = write_idx_pair(tmp.path(), "gaps", 11, 4, 10);
    let mut raw = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(&labels).unwrap()),
        &mut raw,
    )
    .unwrap();
    *raw.last_mut().unwrap() = 99;
    let gapped = tmp.path().join("gapped-labels-idx1-ubyte");
    std::fs::write(&gapped, raw).unwrap();
    let out = tmp.path().join("out");
    let args = idx_import(&images, &gapped, &out, &[]);
    let result = synmix(&args);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(!result.status.success(), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("gapped-labels-idx1-ubyte")
            && stderr.contains("--classes")
            && stderr.contains("up to 99"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing may be written");

    // Naming the classes accepts the same labels.
    let names: Vec<String> = (0..100).map(|i| format!("c{i}")).collect();
    ok(&[&args[..], &["--classes", &names.join(",")]].concat());
    assert_eq!(manifest(&out)["classes"].as_array().unwrap().len(), 100);
}

#[test]
fn option_errors_name_their_flags() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let (images, labels) = write_idx_pair(tmp.path(), "a", 6, 4, 3);
    let err = fails(&idx_import(
        &images,
        &labels,
        &out,
        &["--classes", "0=y,nope=z"],
    ));
    assert!(err.contains("--classes: maps 'nope'"), "{err}");
    assert!(!out.exists());
}

#[test]
fn cifar10_batches_import_with_meta_names() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cifar-10-batches-bin");
    std::fs::create_dir(&dir).unwrap();
    let record = |label: u8| {
        let mut r = vec![label];
        r.extend((0..3072).map(|i| (i % 251) as u8));
        r
    };
    std::fs::write(
        dir.join("data_batch_1.bin"),
        [record(0), record(1), record(2)].concat(),
    )
    .unwrap();
    std::fs::write(dir.join("test_batch.bin"), [record(1), record(2)].concat()).unwrap();
    std::fs::write(dir.join("batches.meta.txt"), "plane\ncar\nbird\n").unwrap();
    let out = tmp.path().join("out");
    ok(&[
        "import",
        "cifar10",
        "--from",
        path_str(&dir),
        "--out",
        path_str(&out),
        "--split",
        "test",
    ]);
    let m = manifest(&out);
    assert_eq!(m["classes"], serde_json::json!(["plane", "car", "bird"]));
    let err = fails(&[
        "import",
        "cifar10",
        "--from",
        path_str(&dir),
        "--out",
        path_str(&tmp.path().join("none")),
        "--split",
        "validation",
    ]);
    assert!(
        err.contains("--split:") && err.contains("no split 'validation'"),
        "{err}"
    );
    assert!(m["splits"].get("train").is_none());
    assert_eq!(m["splits"]["test"]["rows"], 2);
    assert_eq!(m["image"]["channels"], 3);

    std::fs::write(dir.join("data_batch_1.bin"), &record(0)[..1000]).unwrap();
    let bad = tmp.path().join("bad");
    let err = fails(&[
        "import",
        "cifar10",
        "--from",
        path_str(&dir),
        "--out",
        path_str(&bad),
    ]);
    assert!(err.contains("data_batch_1.bin"), "{err}");
    assert!(!bad.exists());
}

#[test]
fn folder_import_with_splits_and_bad_images() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("folder");
    for split in ["train", "test"] {
        for (class, shade) in [("cat", 30u8), ("dog", 200u8)] {
            let dir = root.join(split).join(class);
            std::fs::create_dir_all(&dir).unwrap();
            for i in 0..3u8 {
                image::RgbImage::from_pixel(10, 6, image::Rgb([shade, i, 0]))
                    .save(dir.join(format!("{i}.png")))
                    .unwrap();
            }
        }
    }
    let out = tmp.path().join("out");
    ok(&[
        "import",
        "folder",
        "--from",
        path_str(&root),
        "--out",
        path_str(&out),
        "--channels",
        "1",
    ]);
    let m = manifest(&out);
    assert_eq!(m["classes"], serde_json::json!(["cat", "dog"]));
    assert_eq!(m["splits"]["train"]["rows"], 6);
    assert_eq!(m["splits"]["test"]["rows"], 6);
    assert_eq!(
        m["image"],
        serde_json::json!({"width": 10, "height": 6, "channels": 1})
    );

    // Rerunning into the same directory needs --force; the CLI names the flags.
    let err = fails(&[
        "import",
        "folder",
        "--from",
        path_str(&root),
        "--out",
        path_str(&out),
    ]);
    assert!(
        err.contains("already holds data")
            && err.contains("--resume")
            && err.contains("--force")
            && err.contains("--out"),
        "{err}"
    );
    let notes = out.join("notes.txt");
    std::fs::write(&notes, "mine").unwrap();
    let err = fails(&[
        "import",
        "folder",
        "--from",
        path_str(&root),
        "--out",
        path_str(&out),
        "--force",
    ]);
    assert!(
        err.contains("notes.txt") && err.contains("choose another --out"),
        "{err}"
    );
    std::fs::remove_file(&notes).unwrap();
    ok(&[
        "import",
        "folder",
        "--from",
        path_str(&root),
        "--out",
        path_str(&out),
        "--force",
        "--classes",
        "dog=pet,cat=pet",
    ]);
    assert_eq!(manifest(&out)["classes"], serde_json::json!(["pet"]));

    // An unreadable image is named.
    std::fs::write(root.join("train/cat/broken.png"), b"not a png").unwrap();
    let bad = tmp.path().join("bad");
    let err = fails(&[
        "import",
        "folder",
        "--from",
        path_str(&root),
        "--out",
        path_str(&bad),
    ]);
    assert!(err.contains("broken.png"), "{err}");
    assert!(!bad.exists());
    // Replacing a dataset with --force from bad input keeps the old one.
    let err = fails(&[
        "import",
        "folder",
        "--from",
        path_str(&root),
        "--out",
        path_str(&out),
        "--force",
    ]);
    assert!(err.contains("broken.png"), "{err}");
    assert_eq!(manifest(&out)["classes"], serde_json::json!(["pet"]));
    assert!(ok(&["verify", path_str(&out)]).contains("ok"));

    // An empty folder.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let err = fails(&[
        "import",
        "folder",
        "--from",
        path_str(&empty),
        "--out",
        path_str(&bad),
    ]);
    assert!(
        err.contains("empty") && err.contains("no class directories"),
        "{err}"
    );
}

#[test]
fn parquet_round_trip_and_wrong_schema() {
    let tmp = tempfile::tempdir().unwrap();
    // More rows than one row group (512), so the images are read back a row group at a time.
    let (images, labels) = write_idx_pair(tmp.path(), "a", 1_100, 6, 4);
    let first = tmp.path().join("first");
    ok(&idx_import(
        &images,
        &labels,
        &first,
        &["--classes", "w,x,y,z"],
    ));

    // A synmix dataset is a Hugging Face image dataset, so it imports as one.
    let second = tmp.path().join("second");
    ok(&[
        "import",
        "parquet",
        "--from",
        path_str(&first.join("data")),
        "--out",
        path_str(&second),
    ]);
    let m = manifest(&second);
    assert_eq!(m["classes"], serde_json::json!(["w", "x", "y", "z"]));
    assert_eq!(
        m["splits"]["train"]["class_counts"],
        manifest(&first)["splits"]["train"]["class_counts"]
    );
    assert_eq!(
        images_and_labels(&second),
        images_and_labels(&first),
        "every image comes back, in order"
    );

    // A file that is not Parquet, and a Parquet file without an image column.
    let junk = tmp.path().join("junk.parquet");
    std::fs::write(&junk, b"PAR1 not really").unwrap();
    let bad = tmp.path().join("bad");
    let err = fails(&[
        "import",
        "parquet",
        "--from",
        path_str(&junk),
        "--out",
        path_str(&bad),
    ]);
    assert!(
        err.contains("junk.parquet") && err.contains("Parquet"),
        "{err}"
    );
    let wrong = tmp.path().join("wrong.parquet");
    write_wrong_schema(&wrong);
    let err = fails(&[
        "import",
        "parquet",
        "--from",
        path_str(&wrong),
        "--out",
        path_str(&bad),
    ]);
    assert!(
        err.contains("wrong.parquet") && err.contains("'image'"),
        "{err}"
    );
    assert!(!bad.exists());
}

/// The PNG bytes and label of every `train` row of a dataset, in order.
fn images_and_labels(dir: &std::path::Path) -> Vec<(Vec<u8>, i64)> {
    use arrow_array::cast::AsArray;
    let mut rows = Vec::new();
    let mut shards: Vec<_> = std::fs::read_dir(dir.join("data"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    shards.sort();
    for shard in shards {
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
            std::fs::File::open(&shard).unwrap(),
        )
        .unwrap()
        .build()
        .unwrap();
        for batch in reader {
            let batch = batch.unwrap();
            let png = batch
                .column_by_name("image")
                .unwrap()
                .as_struct()
                .column(0)
                .clone();
            let labels = batch.column_by_name("label").unwrap();
            let labels = labels.as_primitive::<arrow_array::types::Int64Type>();
            for row in 0..batch.num_rows() {
                rows.push((
                    png.as_binary::<i32>().value(row).to_vec(),
                    labels.value(row),
                ));
            }
        }
    }
    rows
}

fn write_wrong_schema(path: &std::path::Path) {
    use std::sync::Arc;
    let batch = arrow_array::RecordBatch::try_from_iter([(
        "pixels",
        Arc::new(arrow_array::Int64Array::from(vec![1, 2, 3])) as arrow_array::ArrayRef,
    )])
    .unwrap();
    let mut writer = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(path).unwrap(),
        batch.schema(),
        None,
    )
    .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

#[test]
fn verify_names_a_corrupted_shard_and_rejects_non_datasets() {
    let tmp = tempfile::tempdir().unwrap();
    let (images, labels) = write_idx_pair(tmp.path(), "a", 30, 8, 3);
    let out = tmp.path().join("out");
    ok(&idx_import(&images, &labels, &out, &[]));
    let shard = out.join("data/train-00000-of-00001.parquet");
    let mut bytes = std::fs::read(&shard).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&shard, bytes).unwrap();
    let err = fails(&["verify", path_str(&out)]);
    assert!(err.contains("train-00000-of-00001.parquet"), "{err}");

    let err = fails(&["verify", path_str(tmp.path())]);
    assert!(err.contains("not a synmix dataset"), "{err}");
    let err = fails(&["inspect", path_str(&tmp.path().join("nowhere"))]);
    assert!(err.contains("nowhere"), "{err}");
}

/// kill -9 in the middle of an import leaves no manifest; a rerun without `--resume` is refused
/// naming the flag, and with it keeps the finished shards and gives the same shards as an
/// uninterrupted import.
#[test]
fn a_killed_import_resumes_to_the_same_shards() {
    let tmp = tempfile::tempdir().unwrap();
    // Three shards of 20,000 rows: the first is recorded well before the import ends.
    let (images, labels) = write_idx_pair(tmp.path(), "train", 60_000, 28, 10);
    let import = |out: &std::path::Path, extra: &[&str]| {
        let mut args = idx_import(&images, &labels, out, &["--name", "fm", "-q"]);
        args.extend(extra);
        args.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let whole = tmp.path().join("whole");
    let args = import(&whole, &[]);
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>());

    let killed = tmp.path().join("killed");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_synmix"))
        .args(import(&killed, &[]))
        .spawn()
        .unwrap();
    let progress = killed.join(".synmix-progress");
    let started = std::time::Instant::now();
    while std::fs::read_dir(&progress).map_or(true, |d| d.count() < 2) {
        assert!(
            child.try_wait().unwrap().is_none() && started.elapsed().as_secs() < 120,
            "the import ended before any shard was recorded"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!killed.join("manifest.json").exists());

    let err = fails(
        &import(&killed, &[])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(err.contains("--resume"), "{err}");
    ok(&import(&killed, &["--resume"])
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>());
    assert_eq!(
        manifest(&killed)["splits"],
        manifest(&whole)["splits"],
        "same shards, same hashes"
    );
}

/// `--resume` over a dataset an earlier import finished: the same import keeps it as it is (its
/// shard files untouched); another input or other options are refused in one line naming what
/// differs, leaving the dataset as it was; `--force` replaces it.
#[test]
fn a_resumed_import_keeps_its_finished_dataset_and_refuses_another_input() {
    let tmp = tempfile::tempdir().unwrap();
    let (images, labels) = write_idx_pair(tmp.path(), "a", 30, 8, 3);
    let (other_images, other_labels) = write_idx_pair(tmp.path(), "b", 40, 8, 3);
    let out = tmp.path().join("out");
    ok(&idx_import(&images, &labels, &out, &["-q"]));
    let before = (manifest(&out), shards(&out));
    let modified = |dir: &std::path::Path| {
        files_under(dir)
            .iter()
            .map(|f| std::fs::metadata(dir.join(f)).unwrap().modified().unwrap())
            .collect::<Vec<_>>()
    };
    let times = modified(&out);

    ok(&idx_import(&images, &labels, &out, &["--resume", "-q"]));
    assert_eq!((manifest(&out), shards(&out)), before);
    assert_eq!(modified(&out), times, "a finished import was written again");

    for extra in [&["--resume"][..], &["--resume", "--size", "4x4"]] {
        let (from_images, from_labels) = match extra.len() {
            1 => (&other_images, &other_labels),
            _ => (&images, &labels),
        };
        let mut args = idx_import(from_images, from_labels, &out, extra);
        args.push("-q");
        let err = fails(&args);
        assert!(
            err.trim().lines().count() == 1
                && err.contains("finished dataset made with other arguments")
                && err.contains("--force"),
            "{err}"
        );
        assert_eq!((manifest(&out), shards(&out)), before);
    }
    let err = fails(&idx_import(
        &other_images,
        &other_labels,
        &out,
        &["--resume", "-q"],
    ));
    assert!(
        err.contains("the rows of each split") && err.contains("the recipe's from"),
        "{err}"
    );
    ok(&idx_import(
        &other_images,
        &other_labels,
        &out,
        &["--force", "-q"],
    ));
    assert_eq!(manifest(&out)["splits"]["train"]["rows"], 40);
}
