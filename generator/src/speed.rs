//! `synmix speed generate`: images per second of the wgpu path, the CPU reference path (where
//! the preset has one) and the encode-only ceiling (PNG + Parquet of already-rendered images) on
//! the same workload.

use datasets::{Progress, WriteMode};

use crate::error::Result;
use crate::file::Stream;
use crate::gpu::GpuRenderer;
use crate::options::GenerateOptions;
use crate::pipeline::write_dataset;
use crate::program::stride;
use crate::renderer::Renderer;

/// One line of the speed table.
#[derive(Debug, Clone)]
pub struct SpeedRow {
    pub path: String,
    pub images: u64,
    pub seconds: f64,
}

impl SpeedRow {
    pub fn images_per_second(&self) -> f64 {
        self.images as f64 / self.seconds
    }
}

/// Times the three paths on the `train` split `options` describes, writing into a scratch
/// directory that is removed afterwards. Without a GPU adapter the wgpu row is left out; a
/// preset without a CPU reference renderer (any but the built-ins' shaders) has no CPU row,
/// and its ceiling replays the wgpu path's images.
pub fn speed(
    options: &GenerateOptions,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Vec<SpeedRow>> {
    options.check()?;
    let scratch = std::env::temp_dir().join(format!("synmix-speed-{}", std::process::id()));
    let options = GenerateOptions {
        out: scratch.clone().into(),
        mode: WriteMode::Force,
        shard: None,
        test_per_class: 0,
        ..options.clone()
    };
    let rows = run(&options, progress);
    let _ = std::fs::remove_dir_all(&scratch);
    rows
}

fn run(
    options: &GenerateOptions,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Vec<SpeedRow>> {
    let mut rows = Vec::new();
    let mut timed = |path: String, renderer: &mut Renderer| -> Result<()> {
        let batch_size = renderer.batch_size();
        let summary = write_dataset(
            options,
            batch_size,
            path.clone(),
            |s, out| renderer.render(s, out),
            progress,
        )?;
        rows.push(SpeedRow {
            path,
            images: summary.rows_written,
            seconds: summary.seconds,
        });
        Ok(())
    };
    let preset = &options.preset;
    let mut gpu =
        match GpuRenderer::new(&preset.program(), options.image, options.batch_time_limit)? {
            Some(gpu) => {
                let mut gpu = Renderer::Gpu(Box::new(gpu));
                timed(format!("{gpu}"), &mut gpu)?;
                Some(gpu)
            }
            None => {
                tracing::warn!("no GPU adapter: the wgpu row is left out");
                None
            }
        };
    let mut cpu = match preset.reference(options.image) {
        Some(reference) => {
            let mut cpu = Renderer::Cpu(reference);
            timed(format!("{cpu}"), &mut cpu)?;
            Some(cpu)
        }
        None => None,
    };

    // The ceiling replays images rendered beforehand, so only encoding and writing count.
    let mut words = Vec::new();
    for i in 0..options.per_class * preset.class_count() as u64 {
        preset
            .draw(options.seed, Stream::Train, i)
            .push_words(preset.file(), &mut words);
    }
    let mut rendered = Vec::new();
    let Some(renderer) = cpu.as_mut().or(gpu.as_mut()) else {
        return Err(crate::Error::setting(
            "device",
            format!(
                "found no GPU adapter for preset file {}, which renders through wgpu only",
                preset.name()
            ),
        ));
    };
    renderer.render(&words, &mut rendered)?;
    let batch_size = renderer.batch_size();
    let stride = stride(options.image);
    let mut cursor = 0;
    let words_per_sample = preset.program().words_per_sample;
    let replay = |samples: &[u32], out: &mut Vec<u8>| {
        let bytes = samples.len() / words_per_sample * stride;
        out.clear();
        out.extend_from_slice(&rendered[cursor..cursor + bytes]);
        cursor += bytes;
        Ok(())
    };
    let path = "encode-only ceiling (PNG + Parquet)".to_string();
    let summary = write_dataset(options, batch_size, path.clone(), replay, progress)?;
    rows.push(SpeedRow {
        path,
        images: summary.rows_written,
        seconds: summary.seconds,
    });
    Ok(rows)
}
