//! Contact sheets: a few sample images per class, one class per row, so a person can judge
//! a dataset (or the gap between two) at a glance.

use std::path::Path;

use image::{Rgb, RgbImage};

use crate::atomic::write_atomic;
use crate::error::{Error, Result};
use crate::reader::DecodedSplit;
use crate::types::ImageSpec;

const GAP: u32 = 2;
const BACKGROUND: Rgb<u8> = Rgb([40, 44, 52]);

/// The first `per_class` rows of each class, in row order.
pub fn samples_per_class(
    split: &DecodedSplit,
    classes: usize,
    per_class: usize,
) -> Vec<Vec<usize>> {
    let mut picked = vec![Vec::with_capacity(per_class); classes];
    for (row, &label) in split.labels.iter().enumerate() {
        if let Some(chosen) = picked
            .get_mut(label as usize)
            .filter(|c| c.len() < per_class)
        {
            chosen.push(row);
        }
    }
    picked
}

/// Tiles images into a sheet: `rows[r]` is drawn left to right on row `r`, each image
/// enlarged `scale` times with nearest-neighbour so single pixels stay visible.
pub fn contact_sheet(spec: ImageSpec, rows: &[Vec<&[u8]>], scale: u32) -> RgbImage {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0) as u32;
    let (cell_w, cell_h) = (spec.width * scale + GAP, spec.height * scale + GAP);
    let mut sheet = RgbImage::from_pixel(
        columns * cell_w + GAP,
        rows.len() as u32 * cell_h + GAP,
        BACKGROUND,
    );
    for (r, images) in rows.iter().enumerate() {
        for (c, pixels) in images.iter().enumerate() {
            let (x0, y0) = (GAP + c as u32 * cell_w, GAP + r as u32 * cell_h);
            for y in 0..spec.height * scale {
                for x in 0..spec.width * scale {
                    let at =
                        ((y / scale) * spec.width + x / scale) as usize * spec.channels as usize;
                    let rgb = match spec.channels {
                        1 => Rgb([pixels[at]; 3]),
                        _ => Rgb([pixels[at], pixels[at + 1], pixels[at + 2]]),
                    };
                    sheet.put_pixel(x0 + x, y0 + y, rgb);
                }
            }
        }
    }
    sheet
}

/// The sheet of one decoded split: `per_class` images of every class.
pub fn split_sheet(split: &DecodedSplit, classes: usize, per_class: usize, scale: u32) -> RgbImage {
    let rows: Vec<Vec<&[u8]>> = samples_per_class(split, classes, per_class)
        .into_iter()
        .map(|picked| {
            picked
                .into_iter()
                .map(|row| split.image_pixels(row))
                .collect()
        })
        .collect();
    contact_sheet(split.image, &rows, scale)
}

/// Saves a sheet as PNG, atomically.
pub fn save(sheet: &RgbImage, path: &Path) -> Result<()> {
    if path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
        != Some("png")
    {
        return Err(Error::invalid(path, "grid output must be a .png file"));
    }
    let mut png = std::io::Cursor::new(Vec::new());
    sheet
        .write_to(&mut png, image::ImageFormat::Png)
        .map_err(|e| Error::invalid(path, format!("cannot encode PNG ({e})")))?;
    write_atomic(path, png.get_ref())
}
