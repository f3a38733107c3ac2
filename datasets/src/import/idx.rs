//! The IDX format of MNIST and Fashion-MNIST: big-endian headers, raw bytes, often gzipped.

use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;

use super::{Input, InputImage, InputPixels, InputSplit, read_file};
use crate::error::{Error, Result};

const IMAGES_MAGIC: u32 = 0x0803;
const LABELS_MAGIC: u32 = 0x0801;

/// An images file and its labels file.
#[derive(Debug, Clone)]
pub struct IdxPair {
    pub images: PathBuf,
    pub labels: PathBuf,
}

/// Reads an IDX import: the `train` pair and, if given, the `test` pair.
///
/// IDX files carry no class names, so the classes are the label values `0..=max`, named by
/// their numbers. Unless the caller names the classes (`named_classes`), every one of them
/// must have rows: labels up to 99 with ten in use are a mistake to report, not 90 empty
/// classes to write.
pub fn read_idx(train: &IdxPair, test: Option<&IdxPair>, named_classes: bool) -> Result<Input> {
    let mut pairs = vec![("train", train)];
    pairs.extend(test.map(|pair| ("test", pair)));
    let mut splits = Vec::new();
    for (name, pair) in &pairs {
        splits.push(InputSplit {
            name: name.to_string(),
            images: read_idx_pair(pair)?,
        });
    }
    let labels = || splits.iter().flat_map(|s| &s.images).map(|i| i.label);
    let max_label = labels().max().unwrap_or(0);
    if !named_classes {
        let mut used = vec![false; max_label as usize + 1];
        labels().for_each(|l| used[l as usize] = true);
        let empty: Vec<usize> = (0..used.len()).filter(|&l| !used[l]).collect();
        if let Some(first) = empty.first() {
            // Name the labels file that holds the largest label: the one to look at.
            let (_, widest) = pairs
                .iter()
                .zip(&splits)
                .find(|(_, split)| split.images.iter().any(|i| i.label == max_label))
                .map(|(pair, _)| pair)
                .expect("some split holds the largest label");
            return Err(Error::setting(
                "classes",
                format!(
                    "{}: labels run up to {max_label}, but {} of the classes 0..={max_label} have no rows (first: {first}); name the classes in label order, or map the labels in use (such as 0=a,1=b)",
                    widest.labels.display(),
                    empty.len()
                ),
            ));
        }
    }
    Ok(Input {
        classes: (0..=max_label).map(|l| l.to_string()).collect(),
        splits,
        from: train.images.display().to_string(),
        problems: Vec::new(),
    })
}

/// Reads an IDX image file and its label file into input images.
pub fn read_idx_pair(pair: &IdxPair) -> Result<Vec<InputImage>> {
    let (dims, pixels) = read_idx_file(&pair.images, IMAGES_MAGIC, 3)?;
    let (label_dims, labels) = read_idx_file(&pair.labels, LABELS_MAGIC, 1)?;
    let (count, height, width) = (dims[0], dims[1], dims[2]);
    if label_dims[0] != count {
        return Err(Error::invalid(
            &pair.labels,
            format!(
                "has {} labels but {} has {count} images",
                label_dims[0],
                pair.images.display()
            ),
        ));
    }
    if count == 0 || width == 0 || height == 0 {
        return Err(Error::invalid(&pair.images, "holds no images"));
    }
    let name = pair
        .images
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let per_image = (width * height) as usize;
    Ok(pixels
        .chunks_exact(per_image)
        .zip(labels)
        .enumerate()
        .map(|(i, (data, label))| InputImage {
            pixels: InputPixels::Raw {
                width,
                height,
                channels: 1,
                data: data.to_vec(),
            },
            label: label as u32,
            origin: format!("{name}#{i}"),
        })
        .collect())
}

/// Reads an IDX file of unsigned bytes with `rank` dimensions; checks magic and length.
fn read_idx_file(path: &Path, magic: u32, rank: usize) -> Result<(Vec<u32>, Vec<u8>)> {
    let raw = read_file(path)?;
    let header_len = 4 + 4 * rank;
    if !raw.starts_with(&[0x1f, 0x8b]) {
        let (dims, expected) = header(path, &raw, magic, rank)?;
        body_length(path, expected, (raw.len() - header_len) as u64)?;
        // In place: a second copy of the body would double the import's peak memory.
        let mut bytes = raw;
        bytes.drain(..header_len);
        return Ok((dims, bytes));
    }
    let damaged = |e: std::io::Error| {
        Error::invalid(
            path,
            format!("damaged gzip data ({e}); download the file again"),
        )
    };
    let mut gz = GzDecoder::new(raw.as_slice());
    let mut head = Vec::with_capacity(header_len);
    (&mut gz)
        .take(header_len as u64)
        .read_to_end(&mut head)
        .map_err(damaged)?;
    let (dims, expected) = header(path, &head, magic, rank)?;
    // No more than the header promises, and one byte to tell that more follows: a small file
    // that inflates to gigabytes is refused without ever holding them.
    let mut bytes = Vec::new();
    gz.take(expected + 1)
        .read_to_end(&mut bytes)
        .map_err(damaged)?;
    body_length(path, expected, bytes.len() as u64)?;
    Ok((dims, bytes))
}

/// The dimensions in the IDX header at the start of `bytes`, and the data bytes they promise.
fn header(path: &Path, bytes: &[u8], magic: u32, rank: usize) -> Result<(Vec<u32>, u64)> {
    if bytes.len() < 4 + 4 * rank {
        return Err(Error::invalid(
            path,
            "too short for an IDX header; is this an IDX file?",
        ));
    }
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    let found = word(0);
    if found != magic {
        let expected = if magic == IMAGES_MAGIC {
            "an IDX image file (magic 0x00000803)"
        } else {
            "an IDX label file (magic 0x00000801)"
        };
        return Err(Error::invalid(
            path,
            format!("magic number 0x{found:08x}: not {expected}"),
        ));
    }
    let dims: Vec<u32> = (0..rank).map(|d| word(4 + 4 * d)).collect();
    let expected = dims.iter().map(|&d| d as u64).product();
    Ok((dims, expected))
}

/// Checks that the file holds exactly the `expected` data bytes its header promises; `body`
/// counts what was read after the header (for gzip, at most one byte beyond `expected`).
fn body_length(path: &Path, expected: u64, body: u64) -> Result<()> {
    let problem = match body.cmp(&expected) {
        std::cmp::Ordering::Equal => return Ok(()),
        std::cmp::Ordering::Less => {
            format!("truncated: header promises {expected} bytes of data, file has {body}")
        }
        std::cmp::Ordering::Greater => {
            format!("padded: more than the {expected} bytes of data its header promises")
        }
    };
    Err(Error::invalid(
        path,
        format!("{problem}; download the file again"),
    ))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Writes a tiny IDX image and label pair; used by importer tests.
    pub fn write_pair(dir: &Path, images: &[[u8; 4]], labels: &[u8]) -> IdxPair {
        let mut img = vec![0, 0, 8, 3];
        for d in [images.len() as u32, 2, 2] {
            img.extend(d.to_be_bytes());
        }
        img.extend(images.iter().flatten());
        let mut lab = vec![0, 0, 8, 1];
        lab.extend((labels.len() as u32).to_be_bytes());
        lab.extend(labels);
        let pair = IdxPair {
            images: dir.join("img.idx"),
            labels: dir.join("lab.idx"),
        };
        std::fs::write(&pair.images, img).unwrap();
        std::fs::write(&pair.labels, lab).unwrap();
        pair
    }

    #[test]
    fn reads_a_pair() {
        let dir = tempfile::tempdir().unwrap();
        let pair = write_pair(dir.path(), &[[1, 2, 3, 4], [5, 6, 7, 8]], &[0, 1]);
        let images = read_idx_pair(&pair).unwrap();
        assert_eq!(images.len(), 2);
        assert_eq!(images[1].label, 1);
        assert!(
            matches!(&images[1].pixels, InputPixels::Raw { data, .. } if data == &[5, 6, 7, 8])
        );
    }

    #[test]
    fn classes_are_the_label_values_and_none_may_be_empty_unless_named() {
        let dir = tempfile::tempdir().unwrap();
        let pair = write_pair(dir.path(), &[[0; 4], [0; 4], [0; 4]], &[0, 2, 1]);
        let input = read_idx(&pair, None, false).unwrap();
        assert_eq!(input.classes, ["0", "1", "2"]);
        assert_eq!(input.splits[0].name, "train");

        let pair = write_pair(dir.path(), &[[0; 4], [0; 4]], &[0, 9]);
        let err = read_idx(&pair, None, false).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Setting {
                    setting: "classes",
                    ..
                }
            ),
            "{err}"
        );
        let text = err.to_string();
        assert!(
            text.contains("lab.idx")
                && text.contains("up to 9")
                && text.contains("8 of the classes"),
            "{text}"
        );
        assert_eq!(read_idx(&pair, None, true).unwrap().classes.len(), 10);
    }

    #[test]
    fn gzip_is_inflated_no_further_than_the_header_promises() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let pair = write_pair(dir.path(), &[[1, 2, 3, 4], [5, 6, 7, 8]], &[0, 1]);
        let plain = std::fs::read(&pair.images).unwrap();
        let gzip = |bytes: &[u8]| {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(bytes).unwrap();
            gz.finish().unwrap()
        };
        std::fs::write(&pair.images, gzip(&plain)).unwrap();
        assert_eq!(read_idx_pair(&pair).unwrap().len(), 2);
        for (bytes, says) in [
            (
                [&plain[..], &[0; 1000]].concat(),
                "padded: more than the 8 bytes",
            ),
            (
                plain[..plain.len() - 1].to_vec(),
                "truncated: header promises 8 bytes of data, file has 7",
            ),
        ] {
            std::fs::write(&pair.images, gzip(&bytes)).unwrap();
            let err = read_idx_pair(&pair).unwrap_err().to_string();
            assert!(err.contains("img.idx") && err.contains(says), "{err}");
        }
    }

    #[test]
    fn truncated_and_mismatched_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let pair = write_pair(dir.path(), &[[1, 2, 3, 4]], &[0]);
        let mut bytes = std::fs::read(&pair.images).unwrap();
        bytes.pop();
        std::fs::write(&pair.images, bytes).unwrap();
        let err = read_idx_pair(&pair).unwrap_err().to_string();
        assert!(
            err.contains("img.idx") && err.contains("truncated"),
            "{err}"
        );

        let pair = write_pair(dir.path(), &[[1, 2, 3, 4]], &[0, 1]);
        let err = read_idx_pair(&pair).unwrap_err().to_string();
        assert!(err.contains("lab.idx") && err.contains("2 labels"), "{err}");

        std::fs::write(&pair.labels, b"junk").unwrap();
        assert!(
            read_idx_pair(&pair)
                .unwrap_err()
                .to_string()
                .contains("IDX")
        );
    }
}
