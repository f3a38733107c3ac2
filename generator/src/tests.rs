//! End-to-end tests of the generator: renderer parity, determinism, sharding, counts and
//! the errors a user can cause.

use std::path::Path;

use datasets::{Dataset, ImageSpec, Progress, WriteMode};

use crate::config::Knobs;
use crate::cpu;
use crate::gpu::GpuRenderer;
use crate::params::{SampleParams, Sampler, Stream};
use crate::spec::PresetSpec;
use crate::{DeviceChoice, Error, GenerateOptions, Preset, generate};

/// A built-in preset's sampler at its default knobs and seed 0.
fn sampler(preset: Preset) -> Sampler {
    Sampler {
        preset,
        knobs: Knobs::load(preset.defaults(), None).unwrap(),
        seed: 0,
    }
}

fn no_progress(_: Progress<'_>) {}

/// A small run: 200 train rows in shards of 64, 50 test rows.
fn small(preset: Preset, out: &Path) -> GenerateOptions {
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

#[test]
fn gpu_matches_cpu_reference() {
    let images = [
        (
            Preset::Fashion,
            ImageSpec {
                width: 28,
                height: 28,
                channels: 1,
            },
        ),
        (
            Preset::Sketch,
            ImageSpec {
                width: 28,
                height: 28,
                channels: 1,
            },
        ),
        (
            Preset::Digits,
            ImageSpec {
                width: 28,
                height: 28,
                channels: 1,
            },
        ),
        (
            Preset::Fashion,
            ImageSpec {
                width: 29,
                height: 23,
                channels: 3,
            },
        ),
        (
            Preset::Digits,
            ImageSpec {
                width: 64,
                height: 64,
                channels: 3,
            },
        ),
    ];
    for (preset, image) in images {
        let program = PresetSpec::from(preset).program();
        let Some(mut gpu) = GpuRenderer::new(&program, image).unwrap() else {
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
        let sampler = sampler(preset);
        let samples: Vec<SampleParams> = (0..200)
            .map(|i| sampler.draw(Stream::Train, i).params(image))
            .collect();
        let (mut on_gpu, mut on_cpu) = (Vec::new(), Vec::new());
        gpu.render(bytemuck::cast_slice(&samples), &mut on_gpu)
            .unwrap();
        cpu::render(preset, image, &samples, &mut on_cpu);
        assert_eq!(on_gpu.len(), on_cpu.len());
        let diffs: Vec<u32> = on_gpu
            .iter()
            .zip(&on_cpu)
            .map(|(a, b)| a.abs_diff(*b) as u32)
            .collect();
        let mean = diffs.iter().sum::<u32>() as f64 / diffs.len() as f64;
        let max = diffs.iter().copied().max().unwrap();
        assert!(
            mean <= 1.0 && max <= 8,
            "{preset} {image}: mean difference {mean}, max {max}"
        );
        // Rendering must draw something: objects brighter than the background.
        assert!(
            on_cpu.iter().any(|&v| v > 128),
            "{preset} {image}: blank images"
        );
    }
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
    let sampler = sampler(Preset::Fashion);
    let samples: Vec<SampleParams> = (0..per_class * 10)
        .map(|i| sampler.draw(Stream::Train, i).params(image))
        .collect();
    let mut pixels = Vec::new();
    cpu::render(Preset::Fashion, image, &samples, &mut pixels);
    let mut mean = [(0.0f32, 0.0f32); 10];
    for (i, rendered) in pixels.chunks(cpu::stride(image)).enumerate() {
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
            pool.install(|| generate(&small(Preset::Digits, &out), &no_progress))
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
    generate(&small(Preset::Sketch, &full), &no_progress).unwrap();
    let summary = generate(
        &GenerateOptions {
            shard: Some((2, 5)),
            ..small(Preset::Sketch, &part)
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
        ..small(Preset::Sketch, &part)
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
            ..small(Preset::Fashion, &out)
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
        ..small(Preset::Digits, &out)
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
        "cartoons"
            .parse::<Preset>()
            .unwrap_err()
            .to_string()
            .contains("unknown preset 'cartoons'")
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
    generate(&cpu(small(Preset::Digits, &uniform)), &no_progress).unwrap();
    let counts = vec![3, 0, 20, 1, 1, 1, 1, 1, 1, 7];
    let uneven = tmp.path().join("uneven");
    let options = cpu(GenerateOptions {
        class_counts: Some(counts.clone()),
        ..small(Preset::Digits, &uneven)
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
        ..small(Preset::Digits, &tmp.path().join("test-only"))
    };
    generate(&test_only, &no_progress).unwrap();
    let dataset = Dataset::open(&test_only.out).unwrap();
    assert_eq!(dataset.manifest.splits.keys().collect::<Vec<_>>(), ["test"]);
    let zero = GenerateOptions {
        class_counts: Some(vec![0; 10]),
        test_per_class: 0,
        ..small(Preset::Digits, &tmp.path().join("zero"))
    };
    assert!(
        generate(&zero, &no_progress)
            .unwrap_err()
            .to_string()
            .starts_with("class_counts: ")
    );
}
