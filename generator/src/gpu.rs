//! The wgpu renderer: one device, one compute pipeline for the preset and image size, and
//! buffers reused across batches. A dispatch has a fixed cost of a few milliseconds on a
//! software adapter like lavapipe, so each one renders thousands of images.

use std::borrow::Cow;
use std::sync::Once;
use std::time::Duration;

use bytemuck::{Pod, Zeroable};
use datasets::ImageSpec;

use crate::error::{Error, Result};
use crate::program::{Program, stride};

const WORKGROUP_SIZE: usize = 64;
/// Output bytes of one dispatch: large enough to amortise the dispatch cost, small enough
/// for any adapter's storage-buffer limit.
const BATCH_BYTES: usize = 24 << 20;
/// The longest one batch may take unless a run sets another limit
/// (`GenerateOptions::batch_time_limit`). A preset's shader that never finishes (a loop without
/// an end) is stopped there with an error rather than hanging the run; a real batch takes well
/// under a second on a GPU and a few seconds on lavapipe.
pub const BATCH_TIME_LIMIT: Duration = Duration::from_secs(300);
/// The `not_finite` word of the prelude while no image's colour was NaN or infinite.
const ALL_FINITE: u32 = u32::MAX;

/// `struct Frame` in `shaders/prelude.wgsl`: the samples one dispatch renders.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, Pod, Zeroable)]
struct Frame {
    width: u32,
    height: u32,
    channels: u32,
    words_per_image: u32,
    first: u32,
    count: u32,
    groups_x: u32,
    pad: u32,
}

pub struct GpuRenderer {
    device: wgpu::Device,
    queue: wgpu::Queue,
    /// One pipeline per class (see `CLASS` in the prelude), or one for all.
    pipelines: Vec<wgpu::ComputePipeline>,
    bind_group: wgpu::BindGroup,
    frame: wgpu::Buffer,
    samples: wgpu::Buffer,
    output: wgpu::Buffer,
    /// `not_finite` in the prelude: the first image of a dispatch whose colour was not finite.
    not_finite: wgpu::Buffer,
    /// The pixels, then the `not_finite` word.
    readback: wgpu::Buffer,
    image: ImageSpec,
    label: String,
    time_limit: Duration,
    words_per_sample: usize,
    capacity: usize,
    max_groups: usize,
    adapter: String,
    /// The batch regrouped by class, and where each sample came from.
    sorted: Vec<u32>,
    order: Vec<usize>,
}

impl GpuRenderer {
    /// Opens the first adapter wgpu offers; `None` if there is none. A batch that takes longer
    /// than `time_limit` is an error.
    pub(crate) fn new(
        program: &Program,
        image: ImageSpec,
        time_limit: Duration,
    ) -> Result<Option<GpuRenderer>> {
        quiet_runtime_dir();
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle());
        let Ok(adapter) =
            pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions::default()))
        else {
            return Ok(None);
        };
        let info = adapter.get_info();
        let limits = adapter.limits();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("synmix generator"),
            required_limits: limits.clone(),
            ..Default::default()
        }))
        .map_err(|e| Error::Gpu(format!("cannot open {}: {e}", info.name)))?;

        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(&program.label),
            source: wgpu::ShaderSource::Wgsl(Cow::Borrowed(&program.source)),
        });
        let storage = |binding: u32, read_only: bool| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::COMPUTE,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Storage { read_only },
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("synth"),
            entries: &[
                storage(0, true),
                storage(1, true),
                storage(2, false),
                storage(3, false),
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("synth"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let one_for_all = [Vec::new()];
        let constants = if program.per_class.is_empty() {
            &one_for_all[..]
        } else {
            &program.per_class[..]
        };
        let pipelines = constants
            .iter()
            .map(|constants| {
                device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                    label: Some(&program.label),
                    layout: Some(&pipeline_layout),
                    module: &module,
                    entry_point: Some("main"),
                    compilation_options: wgpu::PipelineCompilationOptions {
                        constants,
                        ..Default::default()
                    },
                    cache: None,
                })
            })
            .collect::<Vec<_>>();

        let stride = stride(image);
        let max_bytes = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size)
            .min(BATCH_BYTES as u64);
        // Both the images' pixels and their samples must fit a binding.
        let capacity = (max_bytes as usize / stride.max(4 * program.words_per_sample)).max(1);
        let buffer = |label: &str, size: usize, usage: wgpu::BufferUsages| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: size as u64,
                usage,
                mapped_at_creation: false,
            })
        };
        use wgpu::BufferUsages as U;
        let frame = buffer(
            "frames",
            pipelines.len() * size_of::<Frame>(),
            U::STORAGE | U::COPY_DST,
        );
        let samples = buffer(
            "samples",
            capacity * program.words_per_sample * 4,
            U::STORAGE | U::COPY_DST,
        );
        let output = buffer("pixels", capacity * stride, U::STORAGE | U::COPY_SRC);
        let not_finite = buffer("not_finite", 4, U::STORAGE | U::COPY_DST | U::COPY_SRC);
        let readback = buffer("readback", capacity * stride + 4, U::MAP_READ | U::COPY_DST);
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("synth"),
            layout: &layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: frame.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: samples.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: output.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: not_finite.as_entire_binding(),
                },
            ],
        });
        Ok(Some(GpuRenderer {
            device,
            queue,
            pipelines,
            bind_group,
            frame,
            samples,
            output,
            not_finite,
            readback,
            image,
            label: program.label.clone(),
            time_limit,
            words_per_sample: program.words_per_sample,
            capacity,
            max_groups: limits.max_compute_workgroups_per_dimension as usize,
            adapter: format!("{} ({:?})", info.name, info.backend),
            sorted: Vec::with_capacity(capacity * program.words_per_sample),
            order: Vec::with_capacity(capacity),
        }))
    }

    pub fn adapter(&self) -> &str {
        &self.adapter
    }

    /// Images per dispatch.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Renders the samples in `words` (`words_per_sample` each, the class first) into `out`
    /// in the layout of [`crate::program::stride`].
    pub fn render(&mut self, words: &[u32], out: &mut Vec<u8>) -> Result<()> {
        let stride = stride(self.image);
        let count = words.len() / self.words_per_sample;
        out.clear();
        out.resize(count * stride, 0);
        for (c, chunk) in words
            .chunks(self.capacity * self.words_per_sample)
            .enumerate()
        {
            let images = chunk.len() / self.words_per_sample;
            self.render_chunk(
                chunk,
                c * self.capacity,
                &mut out[c * self.capacity * stride..][..images * stride],
            )?;
        }
        Ok(())
    }

    /// One submission: with a pipeline per class, a dispatch per class over the chunk
    /// regrouped by class, then the images put back in sample order; else one dispatch. The
    /// chunk's samples are `first_sample..` of the render call, as [`Error::NotFinite`] names
    /// them.
    fn render_chunk(&mut self, words: &[u32], first_sample: usize, out: &mut [u8]) -> Result<()> {
        let stride = stride(self.image);
        let words_per_image = stride / 4;
        let per = self.words_per_sample;
        let count = words.len() / per;
        let class = |i: usize| words[i * per];
        self.order.clear();
        self.order.extend(0..count);
        if self.pipelines.len() > 1 {
            self.order.sort_by_key(|&i| class(i));
        }
        self.sorted.clear();
        for &i in &self.order {
            self.sorted
                .extend_from_slice(&words[i * per..(i + 1) * per]);
        }

        let mut frames = vec![Frame::default(); self.pipelines.len()];
        let mut first = 0;
        for (c, frame) in frames.iter_mut().enumerate() {
            let n = if self.pipelines.len() > 1 {
                self.order[first..]
                    .iter()
                    .take_while(|&&i| class(i) as usize == c)
                    .count()
            } else {
                count
            };
            let groups = (n * words_per_image).div_ceil(WORKGROUP_SIZE);
            *frame = Frame {
                width: self.image.width,
                height: self.image.height,
                channels: u32::from(self.image.channels),
                words_per_image: words_per_image as u32,
                first: first as u32,
                count: n as u32,
                groups_x: groups.clamp(1, self.max_groups) as u32,
                pad: 0,
            };
            first += n;
        }
        self.queue
            .write_buffer(&self.frame, 0, bytemuck::cast_slice(&frames));
        self.queue
            .write_buffer(&self.samples, 0, bytemuck::cast_slice(&self.sorted));
        self.queue
            .write_buffer(&self.not_finite, 0, &ALL_FINITE.to_le_bytes());
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
            pass.set_bind_group(0, &self.bind_group, &[]);
            for (pipeline, frame) in self
                .pipelines
                .iter()
                .zip(&frames)
                .filter(|(_, f)| f.count > 0)
            {
                let groups = (frame.count as usize * words_per_image).div_ceil(WORKGROUP_SIZE);
                pass.set_pipeline(pipeline);
                pass.dispatch_workgroups(
                    frame.groups_x,
                    groups.div_ceil(frame.groups_x as usize) as u32,
                    1,
                );
            }
        }
        let bytes = (count * stride) as u64;
        encoder.copy_buffer_to_buffer(&self.output, 0, &self.readback, 0, bytes);
        encoder.copy_buffer_to_buffer(&self.not_finite, 0, &self.readback, bytes, 4);
        let submission = self.queue.submit([encoder.finish()]);

        let slice = self.readback.slice(..bytes + 4);
        let (sender, receiver) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |mapped| {
            let _ = sender.send(mapped);
        });
        self.device
            .poll(wgpu::PollType::Wait {
                submission_index: Some(submission),
                timeout: Some(self.time_limit),
            })
            .map_err(|e| match e {
                wgpu::PollError::Timeout => {
                    // Dropping the queue waits for the batch, which may never end: it is left
                    // alive, and the process ends with the error rather than hang in its drop.
                    std::mem::forget(self.queue.clone());
                    Error::setting(
                    "batch_time_limit",
                    format!(
                        "is {} s, and a batch of {count} images of preset {} did not finish within it: a loop in its shader that never ends? (a slow shader that is right needs a longer limit)",
                        self.time_limit.as_secs_f64(),
                        self.label
                    ),
                    )
                }
                other => Error::Gpu(other.to_string()),
            })?;
        receiver
            .recv()
            .map_err(|_| Error::Gpu("the readback was never mapped".into()))?
            .map_err(|e| Error::Gpu(e.to_string()))?;
        let not_finite = {
            let view = slice
                .get_mapped_range()
                .map_err(|e| Error::Gpu(e.to_string()))?;
            let (pixels, flag) = view.split_at(bytes as usize);
            for (image, &i) in pixels.chunks(stride).zip(&self.order) {
                out[i * stride..(i + 1) * stride].copy_from_slice(image);
            }
            u32::from_le_bytes(flag.try_into().expect("one word"))
        };
        self.readback.unmap();
        match not_finite {
            ALL_FINITE => Ok(()),
            image => Err(Error::NotFinite {
                sample: first_sample + self.order.get(image as usize).copied().unwrap_or(0),
            }),
        }
    }
}

/// Mesa's Vulkan drivers print a warning when `XDG_RUNTIME_DIR` is unset; point it at a
/// private directory before the first instance is made.
fn quiet_runtime_dir() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
        if std::env::var_os("XDG_RUNTIME_DIR").is_some() {
            return;
        }
        let Ok(uid) = std::fs::metadata("/proc/self").map(|m| m.uid()) else {
            return;
        };
        let dir = std::env::temp_dir().join(format!("synmix-runtime-{uid}"));
        let _ = std::fs::DirBuilder::new().mode(0o700).create(&dir);
        let private = std::fs::metadata(&dir)
            .is_ok_and(|m| m.is_dir() && m.uid() == uid && m.permissions().mode() & 0o777 == 0o700);
        if private {
            // SAFETY: runs once, before this process makes its first wgpu instance; every
            // other reader of the environment in this crate goes through std, which locks.
            unsafe { std::env::set_var("XDG_RUNTIME_DIR", &dir) };
        }
    });
}
