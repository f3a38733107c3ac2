//! `synmix speed generate`: images per second of the wgpu path, the CPU reference path and the
//! encode-only ceiling (PNG + Parquet of already-rendered images) on the same workload.

use datasets::{Progress, WriteMode};

use crate::cpu::stride;
use crate::error::Result;
use crate::gpu::GpuRenderer;
use crate::options::GenerateOptions;
use crate::params::{SampleParams, Stream};
use crate::pipeline::write_dataset;
use crate::renderer::{DeviceChoice, Renderer};

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
/// directory that is removed afterwards. Without a GPU adapter the wgpu row is left out.
pub fn speed(
    options: &GenerateOptions,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Vec<SpeedRow>> {
    options.check()?;
    let scratch = std::env::temp_dir().join(format!("synmix-speed-{}", std::process::id()));
    let options = GenerateOptions {
        out: scratch.clone(),
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
    match GpuRenderer::new(options.preset, options.image)? {
        Some(gpu) => {
            let mut gpu = Renderer::Gpu(Box::new(gpu));
            timed(format!("{gpu}"), &mut gpu)?
        }
        None => tracing::warn!("no GPU adapter: the wgpu row is left out"),
    }
    let mut cpu = Renderer::open(DeviceChoice::Cpu, options.preset, options.image)?;
    timed(format!("{cpu}"), &mut cpu)?;

    // The ceiling replays images rendered beforehand, so only encoding and writing count.
    let sampler = options.sampler();
    let params: Vec<SampleParams> = (0..options.per_class * 10)
        .map(|i| sampler.draw(Stream::Train, i).params(options.image))
        .collect();
    let mut rendered = Vec::new();
    cpu.render(&params, &mut rendered)?;
    let stride = stride(options.image);
    let mut cursor = 0;
    let replay = |samples: &[SampleParams], out: &mut Vec<u8>| {
        out.clear();
        out.extend_from_slice(&rendered[cursor..cursor + samples.len() * stride]);
        cursor += samples.len() * stride;
        Ok(())
    };
    let path = "encode-only ceiling (PNG + Parquet)".to_string();
    let summary = write_dataset(options, cpu.batch_size(), path.clone(), replay, progress)?;
    rows.push(SpeedRow {
        path,
        images: summary.rows_written,
        seconds: summary.seconds,
    });
    Ok(rows)
}
