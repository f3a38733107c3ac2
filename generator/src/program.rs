//! A preset's compute program as both renderers see it: the WGSL the GPU compiles (synmix's
//! prelude, then the preset's `struct Sample` and `render_pixel`), the words each sample is
//! drawn from, and the bytes each image takes in a rendered batch. The GPU renderer runs it;
//! the CPU reference renders the same sample words into the same batch layout.

use datasets::ImageSpec;

/// What every preset's shader begins with: bindings, entry point and drawing helpers, the
/// ten garments among them.
pub(crate) const PRELUDE: &str = concat!(
    include_str!("../../shaders/prelude.wgsl"),
    "\n",
    include_str!("../../shaders/garments.wgsl")
);

/// The words of `struct Sample` before its knobs: the class, then a per-image seed.
pub(crate) const HEADER_WORDS: usize = 2;

/// A preset's compute program as the renderer runs it.
#[derive(Debug, Clone)]
pub(crate) struct Program {
    pub label: String,
    /// The whole WGSL: the prelude, then the preset's `struct Sample` and `render_pixel`.
    pub source: String,
    /// `struct Sample`'s size in 4-byte words; its first word is the class.
    pub words_per_sample: usize,
    /// The pipeline constants of each class's own pipeline (`CLASS`, `FRAME`, ...); empty
    /// for one pipeline that draws every class.
    pub per_class: Vec<Vec<(&'static str, f64)>>,
}

/// Bytes per image in a rendered batch: the image (HWC) rounded up to whole u32 words, as the
/// shader writes four bytes per invocation.
pub fn stride(image: ImageSpec) -> usize {
    image.pixels_per_image().div_ceil(4) * 4
}
