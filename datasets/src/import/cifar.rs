//! CIFAR-10's binary version: records of one label byte and 3×32×32 planar RGB bytes.

use std::path::Path;

use super::{Input, InputImage, InputPixels, InputSplit, read_file};
use crate::error::{Error, Result};

const SIDE: usize = 32;
const RECORD: usize = 1 + 3 * SIDE * SIDE;
/// CIFAR-10's class names in label order (used when `batches.meta.txt` is missing).
pub const CIFAR10_CLASSES: [&str; 10] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
];

/// Reads `data_batch_*.bin` (train) and `test_batch.bin` (test) from `dir` (the extracted
/// `cifar-10-batches-bin`). Class names come from `batches.meta.txt` when present.
pub fn read_cifar10(dir: &Path) -> Result<Input> {
    if !dir.is_dir() {
        return Err(Error::invalid(
            dir,
            "no such directory; pass the extracted cifar-10-batches-bin directory",
        ));
    }
    let mut train_files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("data_batch_") && n.ends_with(".bin"))
        })
        .collect();
    train_files.sort();
    let test_file = dir.join("test_batch.bin");
    let mut splits = Vec::new();
    if !train_files.is_empty() {
        let mut images = Vec::new();
        for file in &train_files {
            images.extend(read_batch(file)?);
        }
        splits.push(InputSplit {
            name: "train".into(),
            images,
        });
    }
    if test_file.is_file() {
        splits.push(InputSplit {
            name: "test".into(),
            images: read_batch(&test_file)?,
        });
    }
    if splits.is_empty() {
        return Err(Error::invalid(
            dir,
            "holds no data_batch_*.bin or test_batch.bin; pass the extracted cifar-10-batches-bin directory",
        ));
    }
    let classes = match std::fs::read_to_string(dir.join("batches.meta.txt")) {
        Ok(text) => text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect(),
        Err(_) => CIFAR10_CLASSES.iter().map(|c| c.to_string()).collect(),
    };
    Ok(Input {
        classes,
        splits,
        from: dir.display().to_string(),
        problems: Vec::new(),
    })
}

fn read_batch(path: &Path) -> Result<Vec<InputImage>> {
    let bytes = read_file(path)?;
    if bytes.is_empty() || bytes.len() % RECORD != 0 {
        return Err(Error::invalid(
            path,
            format!(
                "{} bytes is not a whole number of {RECORD}-byte CIFAR-10 records (truncated?)",
                bytes.len()
            ),
        ));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let plane = SIDE * SIDE;
    Ok(bytes
        .chunks_exact(RECORD)
        .enumerate()
        .map(|(i, record)| {
            // CIFAR stores each colour plane whole; images want interleaved RGB.
            let planes = &record[1..];
            let data = (0..plane)
                .flat_map(|p| [planes[p], planes[plane + p], planes[2 * plane + p]])
                .collect();
            InputImage {
                pixels: InputPixels::Raw {
                    width: SIDE as u32,
                    height: SIDE as u32,
                    channels: 3,
                    data,
                },
                label: record[0] as u32,
                origin: format!("{name}#{i}"),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_records_and_interleaves_planes() {
        let dir = tempfile::tempdir().unwrap();
        let mut record = vec![7u8];
        record.extend(std::iter::repeat_n(10u8, 1024));
        record.extend(std::iter::repeat_n(20u8, 1024));
        record.extend(std::iter::repeat_n(30u8, 1024));
        std::fs::write(dir.path().join("test_batch.bin"), &record).unwrap();
        let input = read_cifar10(dir.path()).unwrap();
        assert_eq!(input.splits[0].name, "test");
        let image = &input.splits[0].images[0];
        assert_eq!(image.label, 7);
        assert!(
            matches!(&image.pixels, InputPixels::Raw { data, .. } if data[..3] == [10, 20, 30])
        );

        std::fs::write(dir.path().join("test_batch.bin"), &record[..100]).unwrap();
        assert!(
            read_cifar10(dir.path())
                .unwrap_err()
                .to_string()
                .contains("truncated")
        );
    }
}
