//! `generate --grid`: a contact sheet of samples, one class per row, beside real samples of
//! the same classes when a real dataset is given.

use datasets::grid::{self, contact_sheet as sheet};
use datasets::{Dataset, Location};
use image::{Rgb, RgbImage};

use crate::error::Result;
use crate::file::{FileSample, Stream, name_not_finite};
use crate::options::GenerateOptions;
use crate::program::stride;
use crate::renderer::Renderer;

/// Space between the synthetic and the real half of a sheet.
const SEPARATOR: u32 = 12;

/// Renders `per_class` train samples of each class (the first ones of the run `options`
/// describes); with `real`, the first `per_class` of each class of that dataset's train
/// split go on the right.
pub fn contact_sheet(
    options: &GenerateOptions,
    per_class: usize,
    real: Option<&Location>,
) -> Result<RgbImage> {
    let image = options.image;
    let preset = &options.preset;
    let mut renderer = Renderer::open(options)?;
    // Row c holds samples c, c + C, c + 2C, ... of C classes: the first of class c.
    let classes = preset.class_count() as u64;
    let indices: Vec<u64> = (0..classes)
        .flat_map(|class| (0..per_class as u64).map(move |j| j * classes + class))
        .collect();
    let samples: Vec<FileSample> = indices
        .iter()
        .map(|&i| preset.draw(options.seed, Stream::Train, i))
        .collect();
    let mut words = Vec::new();
    for sample in &samples {
        sample.push_words(preset.file(), &mut words);
    }
    let mut pixels = Vec::new();
    renderer.render(&words, &mut pixels).map_err(|error| {
        name_not_finite(error, preset.file(), &samples, |i| {
            format!("train sample {}", indices[i])
        })
    })?;
    let images: Vec<&[u8]> = pixels
        .chunks(stride(image))
        .map(|p| &p[..image.pixels_per_image()])
        .collect();
    let rows: Vec<Vec<&[u8]>> = images.chunks(per_class.max(1)).map(<[_]>::to_vec).collect();
    let synthetic = sheet(image, &rows, scale_for(image.height));
    let Some(dir) = real else {
        return Ok(synthetic);
    };

    let dataset = Dataset::open(dir)?;
    let split = dataset.decode_split("train")?;
    let classes = dataset.manifest.classes.len();
    let real = grid::split_sheet(&split, classes, per_class, scale_for(split.image.height));
    let mut both = RgbImage::from_pixel(
        synthetic.width() + SEPARATOR + real.width(),
        synthetic.height().max(real.height()),
        Rgb([255, 255, 255]),
    );
    image::imageops::replace(&mut both, &synthetic, 0, 0);
    image::imageops::replace(
        &mut both,
        &real,
        i64::from(synthetic.width() + SEPARATOR),
        0,
    );
    Ok(both)
}

/// Enlarges small images to cells of about 84 pixels.
fn scale_for(height: u32) -> u32 {
    (84 / height.max(1)).clamp(1, 4)
}
