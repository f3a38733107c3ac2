//! Choosing between the GPU and the CPU reference renderer.

use std::fmt;

use crate::cpu::Reference;
use crate::error::{Error, Result};
use crate::gpu::GpuRenderer;
use crate::options::{DeviceChoice, GenerateOptions};

/// Images per batch on the CPU: enough to keep every core busy between hand-offs.
const CPU_BATCH: usize = 4096;

/// A renderer for one preset and image size.
pub(crate) enum Renderer {
    Gpu(Box<GpuRenderer>),
    Cpu(Reference),
}

impl Renderer {
    /// The renderer `options` ask for (their device, preset, image and batch time limit).
    pub(crate) fn open(options: &GenerateOptions) -> Result<Renderer> {
        let (choice, spec, image) = (options.device, &options.preset, options.image);
        let gpu = match choice {
            DeviceChoice::Cpu => None,
            DeviceChoice::Auto | DeviceChoice::Gpu => {
                GpuRenderer::new(&spec.program(), image, options.batch_time_limit)?
            }
        };
        let cpu = || match spec.reference(image) {
            Some(reference) => Ok(Renderer::Cpu(reference)),
            // Only the built-ins' shaders have a reference renderer in Rust.
            None => Err(Error::setting(
                "device",
                format!(
                    "found no GPU adapter for preset file {}, which renders through wgpu only; \
                     install a Vulkan driver (`apt-get install mesa-vulkan-drivers` for the CPU driver lavapipe)",
                    spec.name()
                ),
            )),
        };
        match (gpu, choice) {
            (Some(gpu), _) => Ok(Renderer::Gpu(Box::new(gpu))),
            (None, DeviceChoice::Gpu) => Err(Error::setting(
                "device",
                "is gpu, but no GPU adapter was found; install a Vulkan driver \
                 (`apt-get install mesa-vulkan-drivers` for the CPU driver lavapipe, or your GPU's driver), \
                 or choose cpu",
            )),
            (None, DeviceChoice::Auto) => {
                let renderer = cpu()?;
                tracing::warn!(
                    "no GPU adapter found; rendering on the CPU (apt-get install mesa-vulkan-drivers for lavapipe)"
                );
                Ok(renderer)
            }
            (None, DeviceChoice::Cpu) => cpu(),
        }
    }

    /// Images worth rendering in one call.
    pub(crate) fn batch_size(&self) -> usize {
        match self {
            Renderer::Gpu(gpu) => gpu.capacity(),
            Renderer::Cpu(_) => CPU_BATCH,
        }
    }

    /// Renders one image per sample (`words`: the shader's `struct Sample`s one after
    /// another) into `out`, each [`crate::program::stride`] bytes apart.
    pub(crate) fn render(&mut self, words: &[u32], out: &mut Vec<u8>) -> Result<()> {
        match self {
            Renderer::Gpu(gpu) => gpu.render(words, out),
            Renderer::Cpu(reference) => {
                reference.render(words, out);
                Ok(())
            }
        }
    }
}

impl fmt::Display for Renderer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Renderer::Gpu(gpu) => write!(f, "wgpu on {}", gpu.adapter()),
            Renderer::Cpu(_) => f.write_str("CPU reference renderer"),
        }
    }
}
