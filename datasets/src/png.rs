//! PNG encoding and decoding of raw pixel buffers. Encoding is deterministic: the same
//! pixels always give the same bytes, which keeps shards byte-identical across runs.

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};

use crate::types::ImageSpec;

/// Encodes `pixels` (row-major, `spec.channels` bytes per pixel) as PNG, appending to `out`.
/// Callers reuse `out` across images so the hot loop does not allocate.
pub fn encode_into(out: &mut Vec<u8>, pixels: &[u8], spec: ImageSpec) -> Result<(), String> {
    if pixels.len() != spec.pixels_per_image() {
        return Err(format!(
            "{} bytes of pixels do not make one {spec} image",
            pixels.len()
        ));
    }
    let color = match spec.channels {
        1 => ExtendedColorType::L8,
        3 => ExtendedColorType::Rgb8,
        n => return Err(format!("cannot encode {n}-channel images")),
    };
    PngEncoder::new_with_quality(out, CompressionType::Fast, FilterType::Adaptive)
        .write_image(pixels, spec.width, spec.height, color)
        .map_err(|e| e.to_string())
}

/// Decodes a PNG into `out` in the layout of `spec`, converting colour if needed.
/// Images of another size are an error: resizing belongs to import, not to reading.
pub fn decode_into(out: &mut [u8], png: &[u8], spec: ImageSpec) -> Result<(), String> {
    let image = image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .map_err(|e| format!("not a readable PNG: {e}"))?;
    if image.width() != spec.width || image.height() != spec.height {
        return Err(format!(
            "image is {}x{} but the dataset says {}x{}",
            image.width(),
            image.height(),
            spec.width,
            spec.height
        ));
    }
    match spec.channels {
        1 => out.copy_from_slice(image.into_luma8().as_raw()),
        _ => out.copy_from_slice(image.into_rgb8().as_raw()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_is_lossless_and_deterministic() {
        let spec = ImageSpec {
            width: 5,
            height: 3,
            channels: 3,
        };
        let pixels: Vec<u8> = (0..45).map(|i| (i * 5) as u8).collect();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        encode_into(&mut a, &pixels, spec).unwrap();
        encode_into(&mut b, &pixels, spec).unwrap();
        assert_eq!(a, b);
        let mut back = vec![0; 45];
        decode_into(&mut back, &a, spec).unwrap();
        assert_eq!(back, pixels);
    }

    #[test]
    fn wrong_size_is_an_error() {
        let spec = ImageSpec {
            width: 2,
            height: 2,
            channels: 1,
        };
        let mut png = Vec::new();
        encode_into(&mut png, &[0; 4], spec).unwrap();
        let mut out = vec![0; 9];
        let other = ImageSpec {
            width: 3,
            height: 3,
            channels: 1,
        };
        assert!(
            decode_into(&mut out, &png, other)
                .unwrap_err()
                .contains("2x2")
        );
    }
}
