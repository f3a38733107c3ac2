//! Per-sample parameters. Sample `i` of a stream depends only on (preset, knobs, seed, stream,
//! i): every value comes from a counter-based hash, never from a sequential RNG, so any
//! sample can be drawn alone, in any order, on any thread.

use std::fmt::Write as _;

use bytemuck::{Pod, Zeroable};
use datasets::ImageSpec;
use datasets::rng::keyed_hash;

use crate::config::Knobs;
use crate::presets::Preset;

/// Which split a sample belongs to; the test split hashes a different stream, so it never
/// repeats a training image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Train,
    Test,
}

impl Stream {
    pub fn for_split(split: &str) -> Option<Stream> {
        match split {
            "train" => Some(Stream::Train),
            "test" => Some(Stream::Test),
            _ => None,
        }
    }
}

/// The hashed quantities of a sample, one hash input each.
#[derive(Clone, Copy)]
enum Param {
    Rotation,
    Scale,
    TranslateX,
    TranslateY,
    Shear,
    StrokeWidth,
    Texture,
    Contrast,
    Background,
    Noise,
    Blur,
    Elastic,
    Saturation,
    Style,
    NoiseSeed,
    WarpFreq,
    WarpPhaseX,
    WarpPhaseY,
    TextureFreq,
    TextureAngle,
    LightAngle,
    ForegroundHue,
    BackgroundHue,
    Aspect,
    /// The four shape values hash `Shape0 + 0..4`.
    Shape0,
    /// The chest print, past the shape values: whether there is one, its contrast, size and
    /// height.
    Logo = Param::Shape0 as isize + 4,
    LogoContrast,
    LogoWidth,
    LogoHeight,
    LogoY,
}

/// The values one image was drawn with, in knob units: what goes into its `meta` column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SampleValues {
    pub class: u32,
    pub style: u32,
    pub rotation: f32,
    pub scale: f32,
    pub aspect: f32,
    pub translate: [f32; 2],
    pub shear: f32,
    pub stroke_width: f32,
    pub texture: f32,
    pub contrast: f32,
    pub background: f32,
    pub noise: f32,
    pub blur: f32,
    pub elastic: f32,
    pub saturation: f32,
    /// Class-specific proportions in `[0, 1)` (sleeve length, hem width, heel height, ...).
    pub shape: [f32; 4],
    noise_seed: u32,
    warp_freq: f32,
    warp_phase: [f32; 2],
    texture_freq: f32,
    texture_angle: f32,
    light_angle: f32,
    hue: [f32; 2],
    /// The chest print's brightness relative to the fabric (0: none), its half-size and the
    /// height of its centre.
    logo: f32,
    logo_size: [f32; 2],
    logo_y: f32,
    /// The texture actually applied: none for plain fabric.
    pattern: f32,
    print: f32,
    check: f32,
}

/// Draws the parameters of samples for one preset, knob set and seed.
#[derive(Debug, Clone)]
pub struct Sampler {
    pub preset: Preset,
    pub knobs: Knobs,
    pub seed: u64,
}

impl Sampler {
    pub fn draw(&self, stream: Stream, index: u64) -> SampleValues {
        let unit = |param: Param| self.unit(stream, index, param as u64);
        let k = &self.knobs;
        let tau = std::f32::consts::TAU;
        let class = (index % 10) as u32;
        let style = match self.preset.fabric_weights(class) {
            Some(weights) => {
                let mut left = unit(Param::Style);
                let last = weights.len() - 1;
                (0..last)
                    .find(|&i| {
                        left -= weights[i];
                        left < 0.0
                    })
                    .unwrap_or(last) as u32
            }
            None => {
                (self.hash(stream, index, Param::Style as u64) % self.preset.styles() as u64) as u32
            }
        };
        let texture = k.texture.at(unit(Param::Texture));
        // Fashion styles are fabrics: plain, stripes, checks, prints.
        let (pattern, print, check) = match (self.preset, style) {
            (Preset::Fashion, 0) => (0.0, 0.0, 0.0),
            (Preset::Fashion, 2) => (texture, 0.0, 1.0),
            (Preset::Fashion, 3) => (texture, 1.0, 0.0),
            _ => (texture, 0.0, 0.0),
        };
        SampleValues {
            class,
            style,
            rotation: k.rotation.at(unit(Param::Rotation)),
            scale: k.scale.at(unit(Param::Scale)),
            aspect: k.aspect.at(unit(Param::Aspect)),
            translate: [
                k.translate.at(unit(Param::TranslateX)),
                k.translate.at(unit(Param::TranslateY)),
            ],
            shear: k.shear.at(unit(Param::Shear)),
            stroke_width: k.stroke_width.at(unit(Param::StrokeWidth)),
            texture,
            contrast: k.contrast.at(unit(Param::Contrast)),
            background: k.background.at(unit(Param::Background)),
            noise: k.noise.at(unit(Param::Noise)),
            blur: k.blur.at(unit(Param::Blur)),
            elastic: k.elastic.at(unit(Param::Elastic)),
            saturation: k.saturation.at(unit(Param::Saturation)),
            shape: std::array::from_fn(|i| {
                self.unit(stream, index, Param::Shape0 as u64 + i as u64)
            }),
            noise_seed: (self.hash(stream, index, Param::NoiseSeed as u64) >> 32) as u32,
            warp_freq: 2.0 + 3.0 * unit(Param::WarpFreq),
            warp_phase: [tau * unit(Param::WarpPhaseX), tau * unit(Param::WarpPhaseY)],
            texture_freq: 14.0 + 12.0 * unit(Param::TextureFreq),
            texture_angle: match self.preset {
                // Clothes are striped across, near the horizontal, more than any other way.
                Preset::Fashion => {
                    std::f32::consts::FRAC_PI_2 + 0.5 * (unit(Param::TextureAngle) - 0.5)
                }
                _ => tau * unit(Param::TextureAngle),
            },
            light_angle: tau * unit(Param::LightAngle),
            hue: [unit(Param::ForegroundHue), unit(Param::BackgroundHue)],
            logo: if unit(Param::Logo) < self.preset.logo_chance(class) {
                // Darker or brighter than the fabric, never close to it.
                let t = 2.0 * unit(Param::LogoContrast) - 1.0;
                t.signum() * (0.3 + 0.4 * t.abs())
            } else {
                0.0
            },
            logo_size: [
                0.10 + 0.20 * unit(Param::LogoWidth),
                0.06 + 0.18 * unit(Param::LogoHeight),
            ],
            logo_y: -0.50 + 0.45 * unit(Param::LogoY),
            pattern,
            print,
            check,
        }
    }

    /// A uniform value in `[0, 1)` with 24 bits: exactly representable in f32.
    fn unit(&self, stream: Stream, index: u64, param: u64) -> f32 {
        (self.hash(stream, index, param) >> 40) as f32 / (1u64 << 24) as f32
    }

    /// The hash of one quantity of one sample; every rendered image depends on its exact
    /// values, so the key order (seed, stream, index, quantity) is fixed.
    fn hash(&self, stream: Stream, index: u64, param: u64) -> u64 {
        keyed_hash(&[self.seed, stream as u64, index, param])
    }
}

impl SampleValues {
    /// The shader-ready form: the pixel-to-shape transform is inverted here, on the CPU, so
    /// both renderers start from identical numbers.
    pub fn params(&self, image: ImageSpec) -> SampleParams {
        // Shape space spans [-1, 1] over the shorter image side.
        let half = image.width.min(image.height) as f32 * 0.5;
        let (sin, cos) = self.rotation.to_radians().sin_cos();
        let k = self.shear;
        let inv_scale = 1.0 / self.scale;
        // Stretching the shape by `aspect` in x shrinks its x coordinate.
        let inv_width = inv_scale / self.aspect;
        let (fg, bg) = if image.channels == 1 {
            ([self.contrast; 3], [self.background; 3])
        } else {
            (
                hsv(self.hue[0], self.saturation, self.contrast),
                hsv(self.hue[1], self.saturation * 0.5, self.background),
            )
        };
        let (light_y, light_x) = self.light_angle.sin_cos();
        let (tex_dy, tex_dx) = self.texture_angle.sin_cos();
        SampleParams {
            class_id: self.class,
            style: self.style,
            noise_seed: self.noise_seed,
            m00: (cos + k * sin) * inv_width,
            m01: (sin - k * cos) * inv_width,
            m10: -sin * inv_scale,
            m11: cos * inv_scale,
            tx: self.translate[0] * 2.0,
            ty: self.translate[1] * 2.0,
            stroke: self.stroke_width * inv_scale,
            edge: (0.5 + self.blur) / half * inv_scale,
            warp_amp: self.elastic,
            warp_freq: self.warp_freq,
            warp_px: self.warp_phase[0],
            warp_py: self.warp_phase[1],
            texture: self.pattern,
            tex_freq: self.texture_freq,
            tex_dx,
            tex_dy,
            // A soft light: Fashion-MNIST's products are evenly lit.
            light_x: light_x * 0.15,
            light_y: light_y * 0.15,
            fg_r: fg[0],
            fg_g: fg[1],
            fg_b: fg[2],
            bg_r: bg[0],
            bg_g: bg[1],
            bg_b: bg[2],
            noise: self.noise,
            shape0: self.shape[0],
            shape1: self.shape[1],
            shape2: self.shape[2],
            shape3: self.shape[3],
            print: self.print,
            check: self.check,
            logo: self.logo,
            logo_w: self.logo_size[0],
            logo_h: self.logo_size[1],
            logo_y: self.logo_y,
        }
    }

    /// Appends the drawn values as one JSON object; Rust's float formatting is exact and
    /// locale-free, so the text is as deterministic as the image.
    pub fn write_meta(&self, preset: Preset, out: &mut String) {
        let [a, b, c, d] = self.shape;
        let _ = write!(
            out,
            "{{\"preset\":\"{}\",\"class\":\"{}\",\"style\":{},\"rotation\":{},\"scale\":{},\"aspect\":{},\"translate\":[{},{}],\
             \"shear\":{},\"stroke_width\":{},\"texture\":{},\"contrast\":{},\"background\":{},\"noise\":{},\
             \"blur\":{},\"elastic\":{},\"saturation\":{},\"shape\":[{a},{b},{c},{d}],\"logo\":{}}}",
            preset.name(),
            preset.classes()[self.class as usize],
            self.style,
            self.rotation,
            self.scale,
            self.aspect,
            self.translate[0],
            self.translate[1],
            self.shear,
            self.stroke_width,
            self.texture,
            self.contrast,
            self.background,
            self.noise,
            self.blur,
            self.elastic,
            self.saturation,
            self.logo,
        );
    }
}

/// HSV to RGB with value `v`.
fn hsv(h: f32, s: f32, v: f32) -> [f32; 3] {
    let channel = |n: f32| {
        let k = (n + h * 6.0) % 6.0;
        v - v * s * k.min(4.0 - k).clamp(0.0, 1.0)
    };
    [channel(5.0), channel(3.0), channel(1.0)]
}

/// One sample as the renderers read it; the layout matches `struct Sample` in
/// `shaders/builtins.wgsl` field for field.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Pod, Zeroable)]
pub struct SampleParams {
    pub class_id: u32,
    pub style: u32,
    pub noise_seed: u32,
    /// Pixel-to-shape matrix (inverse rotation, shear and scale).
    pub m00: f32,
    pub m01: f32,
    pub m10: f32,
    pub m11: f32,
    /// Translation in shape units.
    pub tx: f32,
    pub ty: f32,
    /// Half the stroke width, in shape units.
    pub stroke: f32,
    /// Half the antialiasing ramp, in shape units.
    pub edge: f32,
    pub warp_amp: f32,
    pub warp_freq: f32,
    pub warp_px: f32,
    pub warp_py: f32,
    pub texture: f32,
    pub tex_freq: f32,
    pub tex_dx: f32,
    pub tex_dy: f32,
    pub light_x: f32,
    pub light_y: f32,
    pub fg_r: f32,
    pub fg_g: f32,
    pub fg_b: f32,
    pub bg_r: f32,
    pub bg_g: f32,
    pub bg_b: f32,
    pub noise: f32,
    pub shape0: f32,
    pub shape1: f32,
    pub shape2: f32,
    pub shape3: f32,
    /// Fabric pattern shape: see `fabric` in the shader.
    pub print: f32,
    pub check: f32,
    /// The chest print: brightness relative to the fabric (0: none), half-size, centre height.
    pub logo: f32,
    pub logo_w: f32,
    pub logo_h: f32,
    pub logo_y: f32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sampler(seed: u64) -> Sampler {
        let knobs = Knobs::load(Preset::Fashion.defaults(), None).unwrap();
        Sampler {
            preset: Preset::Fashion,
            knobs,
            seed,
        }
    }

    #[test]
    fn draws_depend_only_on_their_inputs() {
        let s = sampler(7);
        assert_eq!(s.draw(Stream::Train, 123), s.draw(Stream::Train, 123));
        assert_ne!(s.draw(Stream::Train, 123), s.draw(Stream::Test, 123));
        assert_ne!(
            s.draw(Stream::Train, 123),
            sampler(8).draw(Stream::Train, 123)
        );
        assert_eq!(s.draw(Stream::Train, 123).class, 3);
    }

    #[test]
    fn draws_stay_in_their_ranges() {
        let s = sampler(0);
        for i in 0..1000 {
            let d = s.draw(Stream::Train, i);
            assert!((s.knobs.rotation.min..=s.knobs.rotation.max).contains(&d.rotation));
            assert!(d.shape.iter().all(|v| (0.0..1.0).contains(v)));
            assert!(d.style < Preset::Fashion.styles());
        }
    }

    #[test]
    fn fabrics_and_chest_prints_follow_their_class() {
        let s = sampler(0);
        // The share of 2,000 draws of `class` for which `pick` holds.
        let share = |class: u64, pick: &dyn Fn(&SampleValues) -> bool| {
            let hits = (0..2000)
                .filter(|&j| pick(&s.draw(Stream::Train, j * 10 + class)))
                .count();
            hits as f32 / 2000.0
        };
        for class in 0..10 {
            let weights = Preset::Fashion.fabric_weights(class as u32).unwrap();
            assert!((weights.iter().sum::<f32>() - 1.0).abs() < 1e-6);
            for (style, weight) in weights.into_iter().enumerate() {
                let drawn = share(class, &|d| d.style == style as u32);
                assert!(
                    (drawn - weight).abs() < 0.04,
                    "class {class} fabric {style}: {drawn}"
                );
            }
            let chance = Preset::Fashion.logo_chance(class as u32);
            let drawn = share(class, &|d| d.logo != 0.0);
            assert!((drawn - chance).abs() < 0.04, "class {class} logo: {drawn}");
        }
        // Plain fabric has no pattern; a print is never as bright as the fabric around it.
        for i in 0..1000 {
            let d = s.draw(Stream::Train, i);
            assert_eq!(d.pattern == 0.0, d.style == 0);
            assert!(d.logo == 0.0 || d.logo.abs() >= 0.3);
        }
        // The other presets draw no chest prints and keep their styles uniform.
        assert_eq!(Preset::Sketch.fabric_weights(0), None);
        assert_eq!(Preset::Sketch.logo_chance(0), 0.0);
    }

    #[test]
    fn meta_is_json() {
        let mut text = String::new();
        sampler(0)
            .draw(Stream::Train, 5)
            .write_meta(Preset::Fashion, &mut text);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["class"], "Sandal");
    }

    #[test]
    fn params_match_the_shader_layout() {
        // 3 u32 + 35 f32, the size of `struct Sample` in builtins.wgsl.
        assert_eq!(std::mem::size_of::<SampleParams>(), 152);
    }
}
