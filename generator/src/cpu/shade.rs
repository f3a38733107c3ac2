//! Each built-in preset's `shade` (`presets/<preset>.wgsl`): the sample's placement and
//! colours, worked out once per image where the shader works them out per pixel (the same
//! operations on the same values, so the same numbers), then the colour of each pixel.

use datasets::ImageSpec;

use super::knobs::{Knobs, Sample};
use super::prelude::{elastic, half, hsv, rand, rotate, shear, sign, uv, value_noise, wave};
use super::sdf::{V2, cover, mix, sd_box, v2};
use super::shapes::{digit, garment};
use crate::builtin::Builtin;

/// One sample's shader, ready for its pixels.
pub(super) struct Shader {
    builtin: Builtin,
    image: ImageSpec,
    /// The cosine and sine of the inverse rotation.
    turn: (f32, f32),
    /// Shape units per unit of the sheared frame, in x and y.
    stretch: V2,
    stroke: f32,
    edge: f32,
    fg: [f32; 3],
    bg: [f32; 3],
    /// `fashion`: the light's and the pattern's directions.
    light: (f32, f32),
    texture: (f32, f32),
}

impl Shader {
    pub(super) fn new(builtin: Builtin, image: ImageSpec, s: &Sample) -> Shader {
        let k = &s.knobs;
        let inv = 1.0 / k.scale;
        let angle = -k.rotation.to_radians();
        // Colours only in RGB: a grey image takes the brightness alone.
        let saturation = if image.channels == 1 {
            0.0
        } else {
            k.saturation
        };
        Shader {
            builtin,
            image,
            turn: (angle.cos(), angle.sin()),
            stretch: v2(inv / k.aspect, inv),
            stroke: k.stroke_width * inv,
            edge: (0.5 + k.blur) / half(image) * inv,
            fg: hsv(k.hue, saturation, k.contrast),
            bg: hsv(k.background_hue, saturation * 0.5, k.background),
            light: (k.light_angle.cos(), k.light_angle.sin()),
            texture: (k.texture_angle.cos(), k.texture_angle.sin()),
        }
    }

    /// The colour of pixel (x, y), before `to_channels`.
    #[inline]
    pub(super) fn shade(&self, s: &Sample, x: u32, y: u32) -> [f32; 3] {
        let k = &s.knobs;
        // The pixel in the shape's own frame: moved, turned, sheared, scaled, then warped.
        let o = uv(self.image, x, y) - v2(k.translate_x, k.translate_y) * 2.0;
        let p = shear(rotate(o, self.turn), -k.shear);
        let p = v2(p.x * self.stretch.x, p.y * self.stretch.y);
        let q = elastic(
            p,
            k.elastic,
            k.warp_freq,
            v2(k.warp_phase_x, k.warp_phase_y),
        );
        let color = match self.builtin {
            Builtin::Fashion => self.fashion(s, q),
            Builtin::Sketch => self.sketch(s, q),
            Builtin::Digits => self.digits(s, q),
        };
        let n = rand(s.seed, y * self.image.width + x);
        color.map(|c| c + k.noise * (2.0 * n - 1.0))
    }

    /// `mix(bg, fg * value, coverage)`.
    #[inline]
    fn blend(&self, value: f32, coverage: f32) -> [f32; 3] {
        std::array::from_fn(|c| mix(self.bg[c], self.fg[c] * value, coverage))
    }

    #[inline]
    fn fashion(&self, s: &Sample, q: V2) -> [f32; 3] {
        let k = &s.knobs;
        let (body, detail) = shape(s.class_id, q, k);
        let inner = (-body * 12.0).clamp(0.0, 1.0);
        // A soft light: Fashion-MNIST's products are evenly lit.
        let light = 1.0 + 0.15 * (self.light.0 * q.x + self.light.1 * q.y);
        let seam = cover(detail - self.stroke, self.edge);
        let kind = k.fabric as u32;
        let pattern = if kind == 0 { 0.0 } else { k.texture };
        let check = if kind == 2 { 1.0 } else { 0.0 };
        let print = if kind == 3 { 1.0 } else { 0.0 };
        let (dx, dy) = self.texture;
        let u = (q.x * dx + q.y * dy) * k.texture_freq;
        let v = (q.y * dx - q.x * dy) * k.texture_freq;
        // A print on the chest: a logo, a slogan, a picture.
        let t = k.logo_contrast;
        let bright = k.logo * sign(t) * (0.3 + 0.4 * t.abs());
        let logo = bright
            * cover(
                sd_box(q, v2(0.0, k.logo_y), v2(k.logo_width, k.logo_height), 0.02),
                self.edge,
            );
        let value = (0.85 + 0.2 * inner)
            * light
            * (1.0 + pattern * fabric(u, v, print, check, s.seed))
            * (1.0 - 0.55 * seam)
            * (1.0 + logo);
        self.blend(value, cover(body, self.edge))
    }

    #[inline]
    fn sketch(&self, s: &Sample, q: V2) -> [f32; 3] {
        let k = &s.knobs;
        let (body, detail) = shape(s.class_id, q, k);
        // A pen that presses harder in places.
        let pen = self.stroke * (1.0 + 0.35 * wave(q.x * 9.0 + q.y * 7.0 + k.warp_phase_x));
        let mut ink = cover(body.abs() - pen, self.edge);
        if k.seams == 1.0 {
            ink = ink.max(cover(detail - pen * 0.8, self.edge));
        }
        self.blend(1.0, ink)
    }

    #[inline]
    fn digits(&self, s: &Sample, q: V2) -> [f32; 3] {
        let k = &s.knobs;
        let gap = if k.style == 2.0 { 0.1 } else { 0.0 };
        let d = digit(s.class_id, q, gap, k.shape_a, k.shape_b) - self.stroke;
        let mut ink = cover(d, self.edge);
        if k.style == 1.0 {
            ink = cover(d.abs() - self.stroke * 0.45, self.edge);
        }
        let u = (q.x * self.texture.0 + q.y * self.texture.1) * k.texture_freq;
        self.blend(1.0 + k.texture * wave(u), ink)
    }
}

/// The sample's garment: its silhouette and its details.
#[inline]
fn shape(class_id: u32, q: V2, k: &Knobs) -> (f32, f32) {
    garment(class_id, q, k.shape_a, k.shape_b, k.shape_c, k.shape_d)
}

/// A fabric pattern in [-1, 1]: stripes, checks (`check` 1) or a blotchy print (`print` 1).
#[inline]
fn fabric(u: f32, v: f32, print: f32, check: f32, seed: u32) -> f32 {
    let stripes = wave(u) * (1.0 - check + check * wave(v));
    mix(
        stripes,
        2.0 * value_noise(v2(u, v) * 0.35, seed) - 1.0,
        print,
    )
}
