//! The CPU reference renderer: the math of the built-in presets (`shaders/prelude.wgsl` and `shaders/builtins.wgsl`), line for line, in Rust.
//! It is the fallback where no GPU adapter exists and the yardstick the GPU path is tested
//! against. Samples are rendered in parallel; each pixel is one pass, as on the GPU.
//!
//! By job, as the shader is laid out: `sdf` (2-D vectors and signed distances), `shapes` (the
//! ten garments and the ten digits), `shade` (fabric, noise and the colour of a pixel). What one
//! of them calls in another is `#[inline]`: codegen units follow modules, and left as calls across
//! them the per-pixel math rendered a sixth slower.

mod sdf;
mod shade;
mod shapes;

use datasets::ImageSpec;
use rayon::prelude::*;

use crate::params::SampleParams;
use crate::presets::Preset;
use shade::shade;

/// Renders `samples` into `out`: one image of `stride` bytes each (HWC, zero-padded to
/// whole 4-byte words, the layout the GPU writes).
pub fn render(preset: Preset, image: ImageSpec, samples: &[SampleParams], out: &mut Vec<u8>) {
    let stride = stride(image);
    out.clear();
    out.resize(samples.len() * stride, 0);
    out.par_chunks_mut(stride)
        .zip(samples.par_iter())
        .for_each(|(pixels, s)| render_image(preset, image, s, pixels));
}

/// Bytes per image in a rendered batch: the image rounded up to whole u32 words.
pub fn stride(image: ImageSpec) -> usize {
    image.pixels_per_image().div_ceil(4) * 4
}

fn render_image(preset: Preset, image: ImageSpec, s: &SampleParams, out: &mut [u8]) {
    let channels = image.channels as usize;
    for y in 0..image.height {
        for x in 0..image.width {
            let color = shade(preset, image, s, x, y);
            let at = (y * image.width + x) as usize * channels;
            for (c, byte) in out[at..at + channels].iter_mut().enumerate() {
                *byte = to_byte(color[c]);
            }
        }
    }
}

fn to_byte(v: f32) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0 + 0.5) as u8
}
