//! A strip of sample images per pair: one real and one synthetic image of every class, drawn
//! from the subsets the pair's runs trained on, so the reader sees what is being compared.

use std::path::PathBuf;

use anyhow::Result;
use datasets::grid::{contact_sheet, save};
use datasets::point::Regime;
use datasets::{Dataset, Source};
use trainer::Strategy;

use crate::dir::BenchDir;
use crate::layout;

/// Pixels of a sample strip: twice the images' size, so Fashion-MNIST's 28 pixels stay legible.
const SCALE: u32 = 2;

/// A strip written to a PNG: the real row above the synthetic row, a class per column.
pub struct SampleStrip {
    pub png: PathBuf,
    pub classes: Vec<String>,
}

/// Writes `plots/samples-<pair>.png` from the SM subsets of `seed`'s mix of the pair, if that
/// mix is still there and holds both sources of every class.
pub fn write_strip(bench: &BenchDir, pair: &str, seed: u64) -> Result<Option<SampleStrip>> {
    let mix = layout::mix_dir(bench, pair, seed, Regime::FixedSize);
    let Ok(entries) = mix.entries() else {
        return Ok(None);
    };
    let sm = format!("{}-", Strategy::Sm);
    // Sorted by name, as entries come.
    let subsets = entries
        .into_iter()
        .filter(|name| name.starts_with(&sm))
        .map(|name| mix.join(name));
    // picked[0]: real images by class, picked[1]: synthetic.
    let mut picked: [Vec<Option<Vec<u8>>>; 2] = [Vec::new(), Vec::new()];
    let mut found = None;
    for subset in subsets {
        let Ok(dataset) = Dataset::open(&subset) else {
            continue;
        };
        let classes = dataset.manifest.classes.len();
        if picked[0].len() != classes {
            picked = [vec![None; classes], vec![None; classes]];
        }
        let split = dataset.decode_split("train")?;
        for row in 0..split.len() {
            let side = usize::from(split.sources[row] == Source::Synthetic);
            let slot = &mut picked[side][split.labels[row] as usize];
            if slot.is_none() {
                *slot = Some(split.image_pixels(row).to_vec());
            }
        }
        found = Some((dataset.manifest.image, dataset.manifest.classes.clone()));
        if picked.iter().flatten().all(Option::is_some) {
            break;
        }
    }
    let Some((spec, classes)) = found else {
        return Ok(None);
    };
    let rows: Option<Vec<Vec<&[u8]>>> = picked
        .iter()
        .map(|side| side.iter().map(|p| p.as_deref()).collect())
        .collect();
    let Some(rows) = rows else {
        return Ok(None);
    };
    let png = layout::samples_strip(bench, pair);
    save(&contact_sheet(spec, &rows, SCALE), &png)?;
    Ok(Some(SampleStrip { png, classes }))
}
