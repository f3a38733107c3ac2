//! How an imported image is brought to the output size: the fit policy and the filter.

use std::fmt;
use std::str::FromStr;

use image::imageops::{self, FilterType};
use image::{DynamicImage, GenericImageView};

/// The resampling filter of every import: Catmull-Rom (bicubic) keeps edges sharp where
/// bilinear blurs them, and the `image` crate widens its support by the scale factor, so a
/// large photo shrunk to a small square is filtered, not aliased.
const FILTER: FilterType = FilterType::CatmullRom;

/// What to do when an image's aspect ratio differs from the output's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Fit {
    /// Scale each side to the output size, distorting the aspect ratio (fine when inputs
    /// already have the output's aspect ratio).
    #[default]
    Stretch,
    /// Scale the shorter side to the output and cut the centre: no distortion, no border,
    /// the edges of the longer side are lost.
    Crop,
    /// Scale the longer side to the output and centre the image on black: no distortion,
    /// nothing lost, black bars beside the shorter side.
    Pad,
}

impl Fit {
    pub const ALL: [Fit; 3] = [Fit::Stretch, Fit::Crop, Fit::Pad];

    pub fn as_str(self) -> &'static str {
        match self {
            Fit::Stretch => "stretch",
            Fit::Crop => "crop",
            Fit::Pad => "pad",
        }
    }

    /// `image` at `width`×`height` under this policy; an image of that size comes back as it is.
    pub fn apply(self, image: DynamicImage, width: u32, height: u32) -> DynamicImage {
        if image.dimensions() == (width, height) {
            return image;
        }
        let (w, h) = image.dimensions();
        match self {
            Fit::Stretch => image.resize_exact(width, height, FILTER),
            Fit::Crop => {
                // The largest centred window of the output's aspect ratio, then one resize.
                let (cw, ch) = if u64::from(w) * u64::from(height) > u64::from(h) * u64::from(width)
                {
                    (scaled(h, width, height), h)
                } else {
                    (w, scaled(w, height, width))
                };
                image
                    .crop_imm((w - cw) / 2, (h - ch) / 2, cw, ch)
                    .resize_exact(width, height, FILTER)
            }
            Fit::Pad => {
                let (sw, sh) = if u64::from(w) * u64::from(height) > u64::from(h) * u64::from(width)
                {
                    (width, scaled(h, width, w))
                } else {
                    (scaled(w, height, h), height)
                };
                let scaled = image.resize_exact(sw, sh, FILTER);
                let mut canvas = DynamicImage::new(width, height, scaled.color());
                imageops::overlay(
                    &mut canvas,
                    &scaled,
                    i64::from((width - sw) / 2),
                    i64::from((height - sh) / 2),
                );
                canvas
            }
        }
    }
}

/// `value·num/den`, rounded, at least 1.
fn scaled(value: u32, num: u32, den: u32) -> u32 {
    let exact = (u64::from(value) * u64::from(num) + u64::from(den) / 2) / u64::from(den);
    (exact as u32).max(1)
}

impl fmt::Display for Fit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Fit {
    type Err = String;

    fn from_str(text: &str) -> Result<Fit, String> {
        Fit::ALL
            .into_iter()
            .find(|f| f.as_str() == text)
            .ok_or_else(|| format!("'{text}' is not stretch, crop or pad"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage};

    /// A `w`×`h` image, white but for a red left column.
    fn wide(w: u32, h: u32) -> DynamicImage {
        DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, _| {
            if x == 0 {
                Rgb([255, 0, 0])
            } else {
                Rgb([255, 255, 255])
            }
        }))
    }

    #[test]
    fn crop_keeps_the_centre_and_pad_adds_black_bars() {
        let cropped = Fit::Crop.apply(wide(40, 10), 10, 10).into_rgb8();
        assert_eq!(cropped.dimensions(), (10, 10));
        // The red edge column is cut away: the centre is white.
        assert!(cropped.pixels().all(|p| p.0[1] > 200), "{cropped:?}");

        let padded = Fit::Pad.apply(wide(40, 10), 8, 8).into_rgb8();
        assert_eq!(padded.dimensions(), (8, 8));
        // 40×10 scaled to 8×2, centred: rows 0..3 and 5..8 are black bars.
        assert_eq!(padded.get_pixel(4, 0).0, [0, 0, 0]);
        assert_eq!(padded.get_pixel(4, 7).0, [0, 0, 0]);
        assert!(padded.get_pixel(4, 3).0[1] > 200);

        let stretched = Fit::Stretch.apply(wide(40, 10), 8, 8);
        assert_eq!(stretched.dimensions(), (8, 8));
    }

    #[test]
    fn tall_images_and_the_output_size_itself() {
        let tall = wide(10, 40).rotate90();
        assert_eq!(Fit::Crop.apply(tall.clone(), 6, 6).dimensions(), (6, 6));
        let padded = Fit::Pad.apply(wide(10, 40), 8, 8).into_rgb8();
        assert_eq!(padded.get_pixel(0, 4).0, [0, 0, 0]);
        assert_eq!(padded.get_pixel(7, 4).0, [0, 0, 0]);
        let same = wide(5, 5);
        assert_eq!(Fit::Pad.apply(same.clone(), 5, 5), same);
        assert_eq!("crop".parse::<Fit>().unwrap(), Fit::Crop);
        assert!(
            "zoom"
                .parse::<Fit>()
                .unwrap_err()
                .contains("stretch, crop or pad")
        );
    }
}
