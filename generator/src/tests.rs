//! End-to-end tests of the generator: renderer parity, determinism, sharding, counts and
//! the errors a user can cause.

use std::path::Path;

use datasets::{Dataset, ImageSpec, Progress, WriteMode};

use crate::file::Stream;
use crate::gpu::{BATCH_TIME_LIMIT, GpuRenderer};
use crate::program;
use crate::spec::PresetSpec;
use crate::{Builtin, DeviceChoice, Error, GenerateOptions, PresetFile, generate};

fn no_progress(_: Progress<'_>) {}

/// A small run: 200 train rows in shards of 64, 50 test rows.
fn small(preset: Builtin, out: &Path) -> GenerateOptions {
    GenerateOptions {
        test_per_class: 5,
        rows_per_shard: 64,
        ..GenerateOptions::new(preset, 20, out)
    }
}

/// Every file of a dataset's `data/` directory, by name.
fn shards(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir.join("data"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// The sample words of the first `count` train samples of a preset at seed 0.
fn words(spec: &PresetSpec, count: u64) -> Vec<u32> {
    let mut words = Vec::new();
    for i in 0..count {
        spec.draw(0, Stream::Train, i)
            .push_words(spec.file(), &mut words);
    }
    words
}

#[test]
fn gpu_matches_cpu_reference() {
    let grey = ImageSpec {
        width: 28,
        height: 28,
        channels: 1,
    };
    let images = [
        (Builtin::Fashion, grey),
        (Builtin::Sketch, grey),
        (Builtin::Digits, grey),
        (
            Builtin::Fashion,
            ImageSpec {
                width: 29,
                height: 23,
                channels: 3,
            },
        ),
        (
            Builtin::Sketch,
            ImageSpec {
                width: 32,
                height: 32,
                channels: 3,
            },
        ),
        (
            Builtin::Digits,
            ImageSpec {
                width: 64,
                height: 64,
                channels: 3,
            },
        ),
    ];
    for (builtin, image) in images {
        let spec = PresetSpec::from(builtin);
        let Some(mut gpu) = GpuRenderer::new(&spec.program(), image, BATCH_TIME_LIMIT).unwrap()
        else {
            // The test command (scripts/test.sh) sets SYNMIX_REQUIRE_GPU, so that CI, which
            // has lavapipe, cannot pass without checking parity.
            assert!(
                std::env::var_os("SYNMIX_REQUIRE_GPU").is_none(),
                "SYNMIX_REQUIRE_GPU is set but no wgpu adapter was found; \
                 install a Vulkan driver (apt-get install mesa-vulkan-drivers)"
            );
            println!("note: no wgpu adapter, GPU/CPU parity not checked");
            return;
        };
        let words = words(&spec, 200);
        let (mut on_gpu, mut on_cpu) = (Vec::new(), Vec::new());
        gpu.render(&words, &mut on_gpu).unwrap();
        spec.reference(image).unwrap().render(&words, &mut on_cpu);
        assert_eq!(on_gpu.len(), on_cpu.len());
        let diffs: Vec<u32> = on_gpu
            .iter()
            .zip(&on_cpu)
            .map(|(a, b)| a.abs_diff(*b) as u32)
            .collect();
        let mean = diffs.iter().sum::<u32>() as f64 / diffs.len() as f64;
        let max = diffs.iter().copied().max().unwrap();
        // Within a grey level on lavapipe (the test command's adapter, whose sin, cos and
        // rounding match Rust's almost bit for bit); a GPU's faster sin and cos may move the
        // odd pixel on an edge further.
        let within = if gpu.adapter().contains("llvmpipe") {
            1
        } else {
            8
        };
        assert!(
            mean <= 0.05 && max <= within,
            "{builtin:?} {image} on {}: mean difference {mean}, max {max}",
            gpu.adapter()
        );
        // Rendering must draw something: objects brighter than the background.
        assert!(
            on_cpu.iter().any(|&v| v > 128),
            "{builtin:?} {image}: blank images"
        );
    }
}

#[test]
fn the_reference_renders_only_the_built_ins_shaders_whatever_their_knobs() {
    let image = ImageSpec {
        width: 28,
        height: 28,
        channels: 1,
    };
    // A knob of another type (f32 for a choice, where the built-in has an i32 `int`) is read
    // as its type: the same values, the same images.
    let file = Builtin::Digits.file();
    let toml = file
        .toml
        .replace("style = { int = [0, 2] }", "style = { choice = [0, 1, 2] }");
    let other = PresetFile::from_text("digits", "d.toml", &toml, "d.wgsl", &file.wgsl).unwrap();
    let style = |f: &PresetFile| f.knobs.iter().find(|k| k.name == "style").unwrap().kind;
    assert_ne!(style(&file), style(&other));
    let (a, b) = (PresetSpec::from(file), PresetSpec::from(other));
    let (mut first, mut second) = (Vec::new(), Vec::new());
    a.reference(image)
        .unwrap()
        .render(&words(&a, 30), &mut first);
    b.reference(image)
        .unwrap()
        .render(&words(&b, 30), &mut second);
    assert_eq!(first, second);
    // Another shader has no reference renderer.
    let changed = Builtin::Digits.file().wgsl.replace("0.45", "0.5");
    let mut toml = Builtin::Digits.file().toml;
    toml.push('\n');
    let custom = PresetFile::from_text("mine", "m.toml", &toml, "m.wgsl", &changed).unwrap();
    assert!(PresetSpec::from(custom).reference(image).is_none());
}

#[test]
fn fashion_frames_each_class_as_fashion_mnist_does() {
    // The mean bounding box (width, height in pixels above 10 % grey) of each class of the
    // Fashion-MNIST train split: tops, trousers and dresses span the height, shoes and bags
    // the width, and shoes are much wider than tall.
    const REAL: [(f32, f32); 10] = [
        (21.7, 27.8),
        (11.7, 27.9),
        (21.2, 27.8),
        (14.7, 27.9),
        (20.1, 27.8),
        (27.8, 16.3),
        (21.5, 27.7),
        (27.9, 13.4),
        (25.6, 23.4),
        (27.7, 21.0),
    ];
    let image = ImageSpec {
        width: 28,
        height: 28,
        channels: 1,
    };
    let per_class = 100;
    let spec = PresetSpec::from(Builtin::Fashion);
    let mut pixels = Vec::new();
    spec.reference(image)
        .unwrap()
        .render(&words(&spec, per_class * 10), &mut pixels);
    let mut mean = [(0.0f32, 0.0f32); 10];
    for (i, rendered) in pixels.chunks(program::stride(image)).enumerate() {
        let inked = |x: usize, y: usize| rendered[y * 28 + x] > 25;
        // From the first inked line to the last, over all images of the class.
        let extent = |inked_line: &dyn Fn(usize) -> bool| {
            let lines: Vec<usize> = (0..28).filter(|&k| inked_line(k)).collect();
            (lines[lines.len() - 1] - lines[0] + 1) as f32 / per_class as f32
        };
        mean[i % 10].0 += extent(&|x| (0..28).any(|y| inked(x, y)));
        mean[i % 10].1 += extent(&|y| (0..28).any(|x| inked(x, y)));
    }
    for (class, (&(w, h), &(real_w, real_h))) in mean.iter().zip(&REAL).enumerate() {
        assert!(
            (w - real_w).abs() < 3.0 && (h - real_h).abs() < 3.0,
            "class {class}: {w:.1} x {h:.1} pixels, Fashion-MNIST {real_w} x {real_h}"
        );
    }
}

#[test]
fn same_arguments_give_identical_shards_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let runs: Vec<_> = [1, 2]
        .into_iter()
        .map(|threads| {
            let out = dir.path().join(format!("t{threads}"));
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| generate(&small(Builtin::Digits, &out), &no_progress))
                .unwrap();
            shards(&out)
        })
        .collect();
    assert_eq!(runs[0].len(), 5, "4 train shards and 1 test shard");
    assert_eq!(runs[0], runs[1]);
}

#[test]
fn a_shard_alone_equals_that_shard_of_the_full_run() {
    let dir = tempfile::tempdir().unwrap();
    let (full, part) = (dir.path().join("full"), dir.path().join("part"));
    generate(&small(Builtin::Sketch, &full), &no_progress).unwrap();
    let summary = generate(
        &GenerateOptions {
            shard: Some((2, 5)),
            ..small(Builtin::Sketch, &part)
        },
        &no_progress,
    )
    .unwrap();
    assert_eq!(
        (
            summary.shards_written,
            summary.shards_missing,
            summary.manifest_written
        ),
        (1, 4, false)
    );
    let alone = shards(&part);
    assert_eq!(alone.len(), 1);
    assert!(shards(&full).contains(&alone[0]));

    // A plain resumed run completes the dataset and keeps the shard.
    let resumed = GenerateOptions {
        mode: WriteMode::Resume,
        ..small(Builtin::Sketch, &part)
    };
    let summary = generate(&resumed, &no_progress).unwrap();
    assert_eq!(
        (
            summary.shards_kept,
            summary.shards_written,
            summary.manifest_written
        ),
        (1, 4, true)
    );
    assert_eq!(shards(&part), shards(&full));

    // Resuming a finished, intact dataset keeps every shard and writes nothing.
    let stamp = std::fs::metadata(part.join("manifest.json"))
        .unwrap()
        .modified()
        .unwrap();
    let summary = generate(&resumed, &no_progress).unwrap();
    assert_eq!(
        (
            summary.shards_kept,
            summary.shards_written,
            summary.manifest_written
        ),
        (5, 0, false)
    );
    assert_eq!(
        std::fs::metadata(part.join("manifest.json"))
            .unwrap()
            .modified()
            .unwrap(),
        stamp
    );
}

#[test]
fn every_class_gets_exactly_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fashion");
    generate(
        &GenerateOptions {
            device: DeviceChoice::Cpu,
            ..small(Builtin::Fashion, &out)
        },
        &no_progress,
    )
    .unwrap();
    let dataset = Dataset::open(&out).unwrap();
    assert_eq!(dataset.manifest.classes[3], "Dress");
    assert_eq!(dataset.split("train").unwrap().class_counts, vec![20; 10]);
    assert_eq!(dataset.split("test").unwrap().class_counts, vec![5; 10]);
    let test = dataset.decode_split("test").unwrap();
    assert_eq!(test.uids[7], "fashion-s0-test-000007");
    assert_eq!(test.labels[7], 7);
}

#[test]
fn bad_input_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let refused = |options: GenerateOptions| {
        let error = generate(&options, &no_progress).unwrap_err();
        assert!(
            matches!(error, Error::Dataset(datasets::Error::Setting { .. })),
            "{error}"
        );
        assert!(!out.exists(), "{error} left {} behind", out.display());
        error.to_string()
    };
    let base = || GenerateOptions {
        device: DeviceChoice::Cpu,
        ..small(Builtin::Digits, &out)
    };
    assert!(
        refused(GenerateOptions {
            image: ImageSpec {
                channels: 2,
                ..base().image
            },
            ..base()
        })
        .starts_with("channels: ")
    );
    assert!(
        refused(GenerateOptions {
            image: ImageSpec {
                width: 0,
                ..base().image
            },
            ..base()
        })
        .starts_with("size: ")
    );
    assert!(
        refused(GenerateOptions {
            per_class: 0,
            ..base()
        })
        .starts_with("per_class: ")
    );
    assert!(
        refused(GenerateOptions {
            shard: Some((0, 3)),
            ..base()
        })
        .starts_with("num_shards: must be 5")
    );
    assert!(
        PresetSpec::parse("cartoons")
            .unwrap_err()
            .to_string()
            .starts_with("preset: 'cartoons' is unknown")
    );

    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let error = generate(&base(), &no_progress).unwrap_err();
    assert!(
        matches!(error, Error::Dataset(datasets::Error::OutputInUse { .. })),
        "{error}"
    );
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        1,
        "nothing half-written"
    );
}

#[test]
fn class_counts_render_the_first_samples_of_each_class() {
    let tmp = tempfile::tempdir().unwrap();
    let cpu = |options: GenerateOptions| GenerateOptions {
        device: DeviceChoice::Cpu,
        test_per_class: 0,
        ..options
    };
    let uniform = tmp.path().join("uniform");
    generate(&cpu(small(Builtin::Digits, &uniform)), &no_progress).unwrap();
    let counts = vec![3, 0, 20, 1, 1, 1, 1, 1, 1, 7];
    let uneven = tmp.path().join("uneven");
    let options = cpu(GenerateOptions {
        class_counts: Some(counts.clone()),
        ..small(Builtin::Digits, &uneven)
    });
    generate(&options, &no_progress).unwrap();
    let dataset = Dataset::open(&uneven).unwrap();
    assert_eq!(dataset.manifest.splits["train"].class_counts, counts);
    assert_eq!(
        dataset.manifest.recipe.config["class_counts"],
        serde_json::json!(counts)
    );

    // Each row is the sample of the same index in a uniform run: same uid, same pixels.
    let (a, b) = (
        Dataset::open(&uniform)
            .unwrap()
            .decode_split("train")
            .unwrap(),
        dataset.decode_split("train").unwrap(),
    );
    let bytes = a.image.pixels_per_image();
    for (row, uid) in b.uids.iter().enumerate() {
        let at = a
            .uids
            .iter()
            .position(|u| u == uid)
            .expect("a uniform sample");
        assert_eq!(a.labels[at], b.labels[row]);
        assert_eq!(
            a.pixels[at * bytes..(at + 1) * bytes],
            b.pixels[row * bytes..(row + 1) * bytes]
        );
    }
    // All zero: the test split alone, or an error without one.
    let test_only = GenerateOptions {
        class_counts: Some(vec![0; 10]),
        ..small(Builtin::Digits, &tmp.path().join("test-only"))
    };
    generate(&test_only, &no_progress).unwrap();
    let dataset = Dataset::open(&test_only.out).unwrap();
    assert_eq!(dataset.manifest.splits.keys().collect::<Vec<_>>(), ["test"]);
    let zero = GenerateOptions {
        class_counts: Some(vec![0; 10]),
        test_per_class: 0,
        ..small(Builtin::Digits, &tmp.path().join("zero"))
    };
    assert!(
        generate(&zero, &no_progress)
            .unwrap_err()
            .to_string()
            .starts_with("class_counts: ")
    );
}
