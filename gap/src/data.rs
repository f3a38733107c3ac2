//! The four splits a gap measurement reads, decoded and checked against each other: the real
//! `train` split (what the feature network and TRTS's classifier learn from), the real `test`
//! split (the real side of every measure, held out from that network, and what TSTR is scored
//! on), the synthetic `train` split (the synthetic side of every measure, and what TSTR learns
//! from) and the synthetic `test` split (what TRTS is scored on; the `train` split where the
//! synthetic set has none — the real-trained classifier never saw either).

use datasets::{Dataset, DecodedSplit, Location};
use trainer::data::{ImageStore, InputShape};

use crate::{Error, Result};

pub struct Sets {
    pub classes: Vec<String>,
    pub shape: InputShape,
    pub real_train: DecodedSplit,
    pub real_test: DecodedSplit,
    pub synthetic_train: DecodedSplit,
    pub synthetic_test: DecodedSplit,
    /// The real dataset's manifest (shard hashes included) as JSON: what the feature network's
    /// cache is keyed on.
    pub real_manifest: Vec<u8>,
}

impl Sets {
    pub fn load(real: &Location, synthetic: &Location) -> Result<Sets> {
        let real_set = Dataset::open(real)?;
        let synthetic_set = Dataset::open(synthetic)?;
        let (r, s) = (&real_set.manifest, &synthetic_set.manifest);
        // Classes match by name: a folder import sorts them, a preset keeps its own order.
        let relabel = real_labels(&r.classes, &s.classes).ok_or_else(|| {
            Error::mismatch(
                &synthetic.shown(),
                format!(
                    "its classes [{}] differ from the real dataset's [{}]; give both the same class names",
                    s.classes.join(", "),
                    r.classes.join(", ")
                ),
            )
        })?;
        if r.image != s.image {
            return Err(Error::mismatch(
                &synthetic.shown(),
                format!(
                    "its {} images differ from the real dataset's {}; import or generate both at one size and channel count",
                    s.image, r.image
                ),
            ));
        }
        for (set, dir, split) in [
            (&real_set, real, "train"),
            (&real_set, real, "test"),
            (&synthetic_set, synthetic, "train"),
        ] {
            if set.manifest.split(split).is_none() {
                return Err(Error::mismatch(
                    &dir.shown(),
                    format!(
                        "has no '{split}' split; the gap meter needs the real train and test splits and the synthetic train split"
                    ),
                ));
            }
        }
        let synthetic_test = if s.split("test").is_some_and(|t| t.rows > 0) {
            synthetic_set.decode_split("test")?
        } else {
            synthetic_set.decode_split("train")?
        };
        let relabelled = |mut split: DecodedSplit| {
            for label in &mut split.labels {
                *label = relabel[*label as usize];
            }
            split
        };
        let real_manifest = serde_json::to_vec(r).expect("manifests serialise");
        Ok(Sets {
            classes: r.classes.clone(),
            shape: InputShape::new(
                r.image.channels as usize,
                r.image.height as usize,
                r.image.width as usize,
                r.classes.len(),
            ),
            real_train: real_set.decode_split("train")?,
            real_test: real_set.decode_split("test")?,
            synthetic_train: relabelled(synthetic_set.decode_split("train")?),
            synthetic_test: relabelled(synthetic_test),
            real_manifest,
        })
    }
}

/// For each synthetic class, the real label of the class of its name; none unless the two
/// lists hold the same names.
fn real_labels(real: &[String], synthetic: &[String]) -> Option<Vec<u32>> {
    if real.len() != synthetic.len() {
        return None;
    }
    synthetic
        .iter()
        .map(|name| real.iter().position(|r| r == name).map(|at| at as u32))
        .collect()
}

/// A decoded split as the trainer's image store (CHW, labels, sources).
pub fn store(split: &DecodedSplit, shape: InputShape) -> Result<ImageStore> {
    Ok(ImageStore::from_hwc(
        shape,
        &split.pixels,
        split.labels.clone(),
        split.sources.clone(),
    )?)
}

/// An image store of chosen rows of decoded splits, each `(split, row, label)`: the label is the
/// store's, which need not be the split's (the two-sample test labels real and synthetic).
pub fn store_of_rows(
    rows: &[(&DecodedSplit, usize, u32)],
    shape: InputShape,
) -> Result<ImageStore> {
    let mut pixels = Vec::with_capacity(rows.len() * shape.pixels());
    for (split, row, _) in rows {
        pixels.extend_from_slice(split.image_pixels(*row));
    }
    let labels = rows.iter().map(|r| r.2).collect();
    let sources = rows
        .iter()
        .map(|(split, row, _)| split.sources[*row])
        .collect();
    Ok(ImageStore::from_hwc(shape, &pixels, labels, sources)?)
}

/// `count` of `0..len`, drawn at random with a generator keyed on `keys` (all of them, shuffled,
/// where `count >= len`).
pub fn draw_rows(len: usize, count: usize, keys: &[u64]) -> Vec<usize> {
    let mut rows: Vec<usize> = (0..len).collect();
    datasets::rng::SplitMix64::keyed(keys).shuffle(&mut rows);
    rows.truncate(count);
    rows
}
