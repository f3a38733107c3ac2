//! The CPU reference renderer: the built-in presets' shaders (`presets/fashion.wgsl`,
//! `sketch.wgsl`, `digits.wgsl`, with what they call of `shaders/prelude.wgsl` and
//! `shaders/garments.wgsl`), line for line, in Rust. It renders any preset whose shader is a
//! built-in's (whatever its TOML sets), reading the same sample words as the GPU by knob name.
//! It is the fallback where no GPU adapter exists and the yardstick the GPU path is tested
//! against. Samples are rendered in parallel; each pixel is one pass, as on the GPU.
//!
//! By job, as the shaders are laid out: `knobs` (a sample's words by knob name), `sdf` (2-D
//! vectors and signed distances), `prelude` (the prelude's transforms, noise and colour),
//! `shapes` (the ten garments and the ten digits), `shade` (each preset's `shade`). What one of
//! them calls in another is `#[inline]`: codegen units follow modules, and left as calls across
//! them the per-pixel math rendered a sixth slower.

mod knobs;
mod prelude;
mod sdf;
mod shade;
mod shapes;

use datasets::ImageSpec;
use rayon::prelude::*;

use crate::builtin::Builtin;
use crate::file::PresetFile;
use crate::program::stride;
use knobs::KnobSlots;

/// The reference renderer of one preset at one image size.
#[derive(Debug, Clone)]
pub(crate) struct Reference {
    builtin: Builtin,
    image: ImageSpec,
    slots: KnobSlots,
}

impl Reference {
    /// The renderer of `file` at `image`; `None` where its shader is none of the built-ins'.
    pub(crate) fn new(file: &PresetFile, image: ImageSpec) -> Option<Reference> {
        Some(Reference {
            builtin: Builtin::with_shader(&file.wgsl)?,
            image,
            slots: KnobSlots::new(file),
        })
    }

    /// Renders the samples in `words` (the shader's `struct Sample`s one after another) into
    /// `out`: one image of [`stride`] bytes each (HWC, zero-padded to whole 4-byte words, the
    /// layout the GPU writes).
    pub(crate) fn render(&self, words: &[u32], out: &mut Vec<u8>) {
        let stride = stride(self.image);
        let count = words.len() / self.slots.words();
        out.clear();
        out.resize(count * stride, 0);
        out.par_chunks_mut(stride)
            .zip(words.par_chunks(self.slots.words()))
            .for_each(|(pixels, words)| self.render_image(&self.slots.read(words), pixels));
    }

    fn render_image(&self, s: &knobs::Sample, out: &mut [u8]) {
        let image = self.image;
        let channels = image.channels as usize;
        let shader = shade::Shader::new(self.builtin, image, s);
        for y in 0..image.height {
            for x in 0..image.width {
                let color = prelude::to_channels(image, shader.shade(s, x, y));
                let at = (y * image.width + x) as usize * channels;
                for (c, byte) in out[at..at + channels].iter_mut().enumerate() {
                    *byte = to_byte(color[c]);
                }
            }
        }
    }
}

fn to_byte(v: f32) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0 + 0.5) as u8
}
