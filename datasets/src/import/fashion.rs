//! The built-in real dataset: Fashion-MNIST from the Debian package `dataset-fashion-mnist`.

use std::path::Path;

use super::idx::{IdxPair, read_idx_pair};
use super::{Input, InputSplit};
use crate::error::{Error, Result};

pub const FASHION_MNIST_DIR: &str = "/usr/share/datasets/fashion-mnist";

pub const FASHION_MNIST_CLASSES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

/// Rows of each class in Fashion-MNIST's train split (60,000 rows, balanced): what a bench can
/// check an experiment against before the import.
pub const FASHION_MNIST_TRAIN_PER_CLASS: u64 = 6000;

/// Reads the train and test IDX pairs of Fashion-MNIST from `dir`, gzipped or not.
pub fn read_fashion_mnist(dir: &Path) -> Result<Input> {
    let find = |stem: &str| -> Result<std::path::PathBuf> {
        [format!("{stem}.gz"), stem.to_string()]
            .into_iter()
            .map(|name| dir.join(name))
            .find(|p| p.is_file())
            .ok_or_else(|| {
                Error::setting(
                    "from",
                    format!(
                        "{} not found; install Fashion-MNIST with `apt-get install dataset-fashion-mnist` (it fills {FASHION_MNIST_DIR}) or name a directory holding the four IDX files",
                        dir.join(format!("{stem}.gz")).display()
                    ),
                )
            })
    };
    let mut splits = Vec::new();
    for (split, prefix) in [("train", "train"), ("test", "t10k")] {
        let pair = IdxPair {
            images: find(&format!("{prefix}-images-idx3-ubyte"))?,
            labels: find(&format!("{prefix}-labels-idx1-ubyte"))?,
        };
        let images = read_idx_pair(&pair)?;
        if let Some(bad) = images
            .iter()
            .find(|i| i.label as usize >= FASHION_MNIST_CLASSES.len())
        {
            return Err(Error::invalid(
                &pair.labels,
                format!(
                    "label {} is not one of the 10 Fashion-MNIST classes",
                    bad.label
                ),
            ));
        }
        splits.push(InputSplit {
            name: split.to_string(),
            images,
        });
    }
    Ok(Input {
        classes: FASHION_MNIST_CLASSES
            .iter()
            .map(|c| c.to_string())
            .collect(),
        splits,
        from: dir.display().to_string(),
        problems: Vec::new(),
    })
}
