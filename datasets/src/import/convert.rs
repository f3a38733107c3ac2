//! From an input image to output pixels: the output layout (the size and channels options, else
//! the input's own), decoding, fitting to the size ([`Fit`]) and colour conversion.

use std::path::Path;

use image::{DynamicImage, GrayImage, RgbImage};

use super::ImportOptions;
use super::fit::Fit;
use super::input::{Input, InputPixels};
use crate::error::{Error, Result};
use crate::types::ImageSpec;

/// The output image layout: the size and channels options, else what the input has (which must then
/// be the same for every image).
pub(super) fn output_spec(
    input: &Input,
    options: &ImportOptions,
    origin: &Path,
) -> Result<ImageSpec> {
    let first = input
        .splits
        .iter()
        .flat_map(|s| s.images.first())
        .next()
        .ok_or_else(|| Error::invalid(origin, "holds no images"))?;
    let (width, height, channels) = match (&first.pixels, options.size, options.channels) {
        (_, Some((w, h)), Some(c)) => (w, h, c),
        (
            InputPixels::Raw {
                width,
                height,
                channels,
                ..
            },
            size,
            c,
        ) => {
            let (w, h) = size.unwrap_or((*width, *height));
            (w, h, c.unwrap_or(*channels))
        }
        (InputPixels::Encoded(_) | InputPixels::File(_) | InputPixels::Parquet(_), size, c) => {
            let image = decode(&first.pixels)
                .map_err(|e| Error::invalid(origin, format!("{}: {e}", first.origin)))?;
            let (w, h) = size.unwrap_or((image.width(), image.height()));
            let native = if image.color().has_color() { 3 } else { 1 };
            (w, h, c.unwrap_or(native))
        }
    };
    let channels =
        ImageSpec::check_channels(channels).map_err(|e| Error::setting("channels", e))?;
    Ok(ImageSpec {
        width,
        height,
        channels,
    })
}

/// Decodes one image, fits it to `spec`'s size and converts its colour (grey, grey with
/// alpha, palette, RGB and RGBA all become `spec`'s grey or RGB; alpha is dropped).
pub(super) fn convert(
    pixels: &InputPixels,
    spec: ImageSpec,
    fit: Fit,
) -> std::result::Result<Vec<u8>, String> {
    let image = fit.apply(decode(pixels)?, spec.width, spec.height);
    Ok(match spec.channels {
        1 => image.into_luma8().into_raw(),
        _ => image.into_rgb8().into_raw(),
    })
}

/// The image of an input's pixels: raw ones wrapped, encoded ones (read from their file if
/// need be) decoded.
pub(super) fn decode(pixels: &InputPixels) -> std::result::Result<DynamicImage, String> {
    let load = |bytes: &[u8]| {
        image::load_from_memory(bytes).map_err(|e| format!("unreadable image ({e})"))
    };
    Ok(match pixels {
        InputPixels::Raw {
            width,
            height,
            channels: 1,
            data,
        } => DynamicImage::ImageLuma8(
            GrayImage::from_raw(*width, *height, data.clone()).ok_or("truncated pixel data")?,
        ),
        InputPixels::Raw {
            width,
            height,
            data,
            ..
        } => DynamicImage::ImageRgb8(
            RgbImage::from_raw(*width, *height, data.clone()).ok_or("truncated pixel data")?,
        ),
        InputPixels::Encoded(bytes) => load(bytes)?,
        InputPixels::File(path) => {
            load(&std::fs::read(path).map_err(|e| format!("cannot read ({e})"))?)?
        }
        InputPixels::Parquet(row) => row.with_bytes(load)?,
    })
}
