//! Tiny look-alikes of the seed paper's datasets, in their own layouts, and the import
//! commands that read them (the same ones README gives for the real data).
//!
//! Every image's colour encodes its class (plus a little per-image variation), so a model
//! trained on a few of them learns something.

use std::io::Write;
use std::path::{Path, PathBuf};

use arrow_array::Array;
use image::{DynamicImage, Rgb, RgbImage};

use super::{ok, path_str};

pub use datasets::import::CIFAR10_CLASSES;

/// A colour for class `class` of image `i`: hue by class, a small shift by image.
fn shade(class: usize, i: usize) -> [u8; 3] {
    let base = [
        (class * 25) as u8,
        (255 - class * 25) as u8,
        ((class * 70) % 256) as u8,
    ];
    base.map(|c| c.saturating_add((i % 5) as u8 * 3))
}

/// A `w`×`h` RGB image of class `class`: its colour, with a darker left half.
fn rgb(w: u32, h: u32, class: usize, i: usize) -> RgbImage {
    let [r, g, b] = shade(class, i);
    RgbImage::from_fn(w, h, |x, _| {
        if x < w / 2 {
            Rgb([r / 2, g / 2, b / 2])
        } else {
            Rgb([r, g, b])
        }
    })
}

/// The CIFAR-10 binary layout (`cifar-10-batches-bin`): one train batch and the test batch,
/// `per_class[c]` train and `test_per_class[c]` test images of class c.
pub fn cifar10_batches(dir: &Path, per_class: &[usize], test_per_class: &[usize]) -> PathBuf {
    let root = dir.join("cifar-10-batches-bin");
    std::fs::create_dir_all(&root).unwrap();
    let batch = |counts: &[usize]| {
        let mut bytes = Vec::new();
        let most = counts.iter().copied().max().unwrap_or(0);
        for i in 0..most {
            for class in (0..counts.len()).filter(|&c| i < counts[c]) {
                bytes.push(class as u8);
                let image = rgb(32, 32, class, i);
                for channel in 0..3 {
                    bytes.extend(image.pixels().map(|p| p.0[channel]));
                }
            }
        }
        bytes
    };
    std::fs::write(root.join("data_batch_1.bin"), batch(per_class)).unwrap();
    std::fs::write(root.join("test_batch.bin"), batch(test_per_class)).unwrap();
    std::fs::write(root.join("batches.meta.txt"), CIFAR10_CLASSES.join("\n")).unwrap();
    root
}

/// The CiFake layout: `root/{train,test}/{REAL,FAKE}/NNNN (k).jpg`, 32×32 JPEGs whose class
/// is the number in parentheses (k = 2..10), with none for the first class.
pub fn cifake(dir: &Path, per_class: usize, test_per_class: usize) -> PathBuf {
    let root = dir.join("cifake");
    for (split, n) in [("train", per_class), ("test", test_per_class)] {
        for side in ["REAL", "FAKE"] {
            let folder = root.join(split).join(side);
            std::fs::create_dir_all(&folder).unwrap();
            for class in 0..10 {
                for i in 0..n {
                    let name = match class {
                        0 => format!("{i:04}.jpg"),
                        k => format!("{i:04} ({}).jpg", k + 1),
                    };
                    rgb(32, 32, class, i).save(folder.join(name)).unwrap();
                }
            }
        }
    }
    root
}

/// The arguments that import CiFake's synthetic half from `root` into `out`, as README gives them.
pub fn cifake_import(root: &Path, out: &Path) -> Vec<String> {
    let keys: Vec<String> = CIFAR10_CLASSES
        .iter()
        .enumerate()
        .map(|(k, name)| match k {
            0 => format!("={name}"),
            k => format!("{}={name}", k + 1),
        })
        .collect();
    strings(&[
        "import",
        "file-names",
        "--from",
        path_str(&root.join("train/FAKE")),
        "--test-from",
        path_str(&root.join("test/FAKE")),
        "--source",
        "synthetic",
        "--name-rule",
        r"^\d+(?: \((\d+)\))?\.jpg$",
        "--name-classes",
        &keys.join(","),
        "--out",
        path_str(out),
    ])
}

/// The DomainNet layout for one domain: `root/<domain>/<class>/<domain>_<i>.png` and the list
/// files `root/<domain>_train.txt`, `root/<domain>_test.txt` (labels by class order). Sketches
/// (`grey`) are grey PNGs, photos RGB, each `side`×`side`.
pub fn domainnet(
    root: &Path,
    domain: &str,
    classes: &[&str],
    per_class: usize,
    test_per_class: usize,
    side: u32,
    grey: bool,
) {
    let mut lists = [String::new(), String::new()];
    for (label, class) in classes.iter().enumerate() {
        let folder = root.join(domain).join(class);
        std::fs::create_dir_all(&folder).unwrap();
        for i in 0..per_class + test_per_class {
            let file = format!("{domain}/{class}/{domain}_{i:03}.png");
            let image = rgb(side, side, label, i);
            if grey {
                DynamicImage::ImageRgb8(image)
                    .into_luma8()
                    .save(root.join(&file))
                    .unwrap();
            } else {
                image.save(root.join(&file)).unwrap();
            }
            lists[usize::from(i >= per_class)].push_str(&format!("{file} {label}\n"));
        }
    }
    for (split, text) in ["train", "test"].iter().zip(lists) {
        std::fs::write(root.join(format!("{domain}_{split}.txt")), text).unwrap();
    }
}

/// The arguments that import one DomainNet domain at `side`×`side`×3, as README gives them.
pub fn domainnet_import(root: &Path, domain: &str, side: u32, out: &Path) -> Vec<String> {
    strings(&[
        "import",
        "split-lists",
        "--from",
        path_str(root),
        "--domain",
        domain,
        "--size",
        &format!("{side}x{side}"),
        "--channels",
        "3",
        "--out",
        path_str(out),
    ])
}

/// The LEGO layout: `root/{train,test}/<class>/*.png` of mixed sizes, aspect ratios and
/// modes — grey, RGB, RGBA and palette PNGs in one folder.
pub fn lego(root: &Path, classes: &[&str], per_class: usize, test_per_class: usize) {
    const SIZES: [(u32, u32); 4] = [(40, 30), (18, 44), (33, 33), (64, 20)];
    for (split, n) in [("train", per_class), ("test", test_per_class)] {
        for (class, name) in classes.iter().enumerate() {
            let folder = root.join(split).join(name);
            std::fs::create_dir_all(&folder).unwrap();
            for i in 0..n {
                let (w, h) = SIZES[i % SIZES.len()];
                let image = rgb(w, h, class, i);
                let path = folder.join(format!("{i:03}.png"));
                match i % 4 {
                    0 => image.save(&path).unwrap(),
                    1 => DynamicImage::ImageRgb8(image)
                        .into_luma8()
                        .save(&path)
                        .unwrap(),
                    2 => DynamicImage::ImageRgb8(image)
                        .into_rgba8()
                        .save(&path)
                        .unwrap(),
                    _ => std::fs::write(&path, palette_png(&image)).unwrap(),
                }
            }
        }
    }
}

/// The arguments that import a LEGO-style folder at `side`×`side`×3 with `fit`.
pub fn lego_import(root: &Path, side: u32, fit: &str, source: &str, out: &Path) -> Vec<String> {
    strings(&[
        "import",
        "folder",
        "--from",
        path_str(root),
        "--size",
        &format!("{side}x{side}"),
        "--fit",
        fit,
        "--channels",
        "3",
        "--source",
        source,
        "--out",
        path_str(out),
    ])
}

/// Runs synmix with owned arguments.
pub fn ok_owned(args: &[String]) -> String {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&args)
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// `image` as an indexed-colour (palette) PNG, which the `image` crate cannot write.
fn palette_png(image: &RgbImage) -> Vec<u8> {
    let mut palette: Vec<[u8; 3]> = Vec::new();
    let mut raw = Vec::new();
    for row in image.rows() {
        raw.push(0); // filter: none
        for pixel in row {
            let at = palette
                .iter()
                .position(|p| *p == pixel.0)
                .unwrap_or_else(|| {
                    palette.push(pixel.0);
                    palette.len() - 1
                });
            raw.push(at as u8);
        }
    }
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    zlib.write_all(&raw).unwrap();
    let mut header = Vec::new();
    header.extend(image.width().to_be_bytes());
    header.extend(image.height().to_be_bytes());
    header.extend([8, 3, 0, 0, 0]); // 8 bits, palette, deflate, no filter method, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [
        (b"IHDR", header),
        (b"PLTE", palette.concat()),
        (b"IDAT", zlib.finish().unwrap()),
        (b"IEND", Vec::new()),
    ] {
        png.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend(&data);
        png.extend(&body);
        png.extend(crc32(&body).to_be_bytes());
    }
    png
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Asserts that every image of `dataset`'s `split` is grey-less RGB when `grey` is false, or
/// has R = G = B everywhere when true.
pub fn assert_grey(dataset: &Path, split: &str, grey: bool) {
    let files = std::fs::read_dir(dataset.join("data")).unwrap();
    let mut seen = 0;
    for file in files.flatten() {
        let name = file.file_name().to_string_lossy().into_owned();
        if !name.starts_with(split) {
            continue;
        }
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
            std::fs::File::open(file.path()).unwrap(),
        )
        .unwrap()
        .build()
        .unwrap();
        for batch in reader {
            let batch = batch.unwrap();
            let images = batch
                .column(0)
                .as_any()
                .downcast_ref::<arrow_array::StructArray>()
                .unwrap();
            let bytes = images
                .column(0)
                .as_any()
                .downcast_ref::<arrow_array::BinaryArray>()
                .unwrap();
            for i in 0..bytes.len() {
                let image = image::load_from_memory(bytes.value(i)).unwrap().into_rgb8();
                let all_grey = image.pixels().all(|p| p.0[0] == p.0[1] && p.0[1] == p.0[2]);
                assert_eq!(all_grey, grey, "{name} row {i}");
                seen += 1;
            }
        }
    }
    assert!(seen > 0, "no {split} rows in {}", dataset.display());
}
