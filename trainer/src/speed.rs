//! `synmix speed train`: the training speed of the three architectures, in samples/s.
//!
//! Each measurement runs the real training loop ([`fit`]) for one epoch over a store of random
//! images, after a warm-up epoch (allocator and kernel caches), and reports samples/s and how
//! long the steps waited for images. The store is in memory, or — when the images exceed the
//! memory budget given — streamed from a dataset written to a scratch directory, as a run over a
//! split larger than its budget streams it.

use std::ops::ControlFlow;

use burn::prelude::*;
use std::path::Path;

use datasets::{DatasetInfo, DatasetWriter, ImageSpec, Recipe, Row, Source, SplitPlan, WriteMode};
use serde::Serialize;

use crate::Result;
use crate::backend::BackendKind;
use crate::config::TrainConfig;
use crate::data::{ImageStore, InputShape, load_split};
use crate::init::init_model;
use crate::models::{Architecture, ArchitectureVisitor, ModelKind};
use crate::phases::PhasePlan;
use crate::train::{Outcome, fit, on_pool_thread};
use datasets::rng::SplitMix64;

#[derive(Debug, Clone, Serialize)]
pub struct TrainingSpeed {
    pub model: ModelKind,
    pub input: InputShape,
    pub batch_size: usize,
    pub samples: usize,
    pub seconds: f64,
    pub samples_per_second: f64,
    pub ms_per_step: f64,
    /// Whether the images were streamed from shards rather than held in memory.
    pub streamed: bool,
    /// Seconds of the timed epoch the steps waited for the loader.
    pub loader_wait_seconds: f64,
}

/// The inputs measured by default: Fashion-MNIST's 1×28×28 and CIFAR's 3×32×32, and the
/// paper's larger images, 3×64×64 and the LEGO pair's 3×256×256.
pub const MEASURED_INPUTS: [InputShape; 4] = [
    InputShape::new(1, 28, 28, 10),
    InputShape::new(3, 32, 32, 10),
    InputShape::new(3, 64, 64, 10),
    InputShape::new(3, 256, 256, 10),
];

/// The batch a measurement of `input` trains with unless told otherwise: the trainer's default
/// (64) up to CIFAR's size, and 32 above it, as the experiment files at 256 and 300 px train.
pub fn default_batch_size(input: InputShape) -> usize {
    if input.height.max(input.width) > 32 {
        32
    } else {
        TrainConfig::new().batch_size
    }
}

/// Parses `WxHxC` (`--shape 256x256x3`): an image size as `--size` takes it, then 1 or 3
/// channels; measured with ten classes.
pub fn parse_shape(text: &str) -> std::result::Result<InputShape, String> {
    let usage = || format!("shape '{text}' is not WxHxC (for example 256x256x3)");
    let (size, channels) = text.rsplit_once(['x', 'X']).ok_or_else(usage)?;
    if !size.contains(['x', 'X']) {
        return Err(usage());
    }
    let (width, height) =
        ImageSpec::parse_size(size).map_err(|why| format!("shape '{text}': {why}"))?;
    let channels = channels.trim().parse::<u8>().map_err(|_| usage())?;
    let channels =
        ImageSpec::check_channels(channels).map_err(|why| format!("shape '{text}': {why}"))?;
    Ok(InputShape::new(
        channels as usize,
        height as usize,
        width as usize,
        10,
    ))
}

/// Worker threads of the CPU backend (rayon's pool), as run results record them.
pub fn cpu_threads() -> usize {
    rayon::current_num_threads()
}

/// Trains `model` for one epoch of `samples` random images of `input` and times it; the images
/// are streamed if they take more than `memory_budget` bytes.
pub fn measure(
    model: ModelKind,
    input: InputShape,
    batch_size: usize,
    samples: usize,
    backend: BackendKind,
    memory_budget: Option<u64>,
) -> Result<TrainingSpeed> {
    let device = backend.device()?.autodiff();
    let mut rng = SplitMix64::keyed(&[samples as u64]);
    let pixels: Vec<u8> = (0..samples * input.pixels())
        .map(|_| rng.next_u64() as u8)
        .collect();
    let labels = (0..samples)
        .map(|_| (rng.next_u64() % input.classes as u64) as u32)
        .collect();
    let streamed = memory_budget.filter(|&b| pixels.len() as u64 > b);
    let scratch = std::env::temp_dir().join(format!("synmix-speed-train-{}", std::process::id()));
    let store = match streamed {
        None => ImageStore::from_hwc(input, &pixels, labels, vec![Source::Real; samples])?,
        Some(budget) => {
            write_images(&scratch, input, &pixels, &labels)?;
            load_split(&scratch, "train", budget)?.store
        }
    };
    let config = TrainConfig::new()
        .with_batch_size(batch_size)
        .with_epochs(1);
    let timed = model.visit(
        input,
        Timed {
            store: &store,
            config: &config,
            device: &device,
        },
    );
    if streamed.is_some() {
        let _ = std::fs::remove_dir_all(&scratch);
    }
    let (seconds, loader_wait_seconds) = timed??;
    let steps = samples.div_ceil(batch_size);
    Ok(TrainingSpeed {
        model,
        input,
        batch_size,
        samples,
        seconds,
        samples_per_second: samples as f64 / seconds,
        ms_per_step: seconds * 1e3 / steps as f64,
        streamed: streamed.is_some(),
        loader_wait_seconds,
    })
}

/// Writes `pixels` (HWC, image after image) as the `train` split of a dataset at `dir`.
fn write_images(dir: &Path, input: InputShape, pixels: &[u8], labels: &[u32]) -> Result<()> {
    let spec = ImageSpec {
        width: input.width as u32,
        height: input.height as u32,
        channels: input.channels as u8,
    };
    let info = DatasetInfo {
        name: "speed".into(),
        classes: (0..input.classes).map(|c| c.to_string()).collect(),
        image: spec,
        source: "real".into(),
        recipe: Recipe {
            command: "synmix speed train".into(),
            seed: None,
            config: serde_json::Value::Null,
        },
    };
    let plan = [SplitPlan {
        name: "train".into(),
        rows: labels.len() as u64,
    }];
    let writer = DatasetWriter::create(dir, info, &plan, WriteMode::Force)?;
    let per_image = input.pixels();
    for slot in 0..writer.slots().len() {
        let mut shard = writer.shard(slot)?;
        for row in shard.slot().rows.clone() {
            let row = row as usize;
            let mut png = Vec::new();
            datasets::png::encode_into(&mut png, &pixels[row * per_image..][..per_image], spec)
                .map_err(crate::Error::invalid)?;
            shard.push(Row {
                png: &png,
                label: labels[row] as i64,
                source: Source::Real,
                uid: &row.to_string(),
                meta: "",
            })?;
        }
        shard.finish()?;
    }
    writer.finish(Vec::new(), None)?;
    Ok(())
}

struct Timed<'a> {
    store: &'a ImageStore,
    config: &'a TrainConfig,
    device: &'a Device,
}

impl ArchitectureVisitor for Timed<'_> {
    /// Seconds of the timed epoch, and of them the seconds the steps waited for images.
    type Output = Result<(f64, f64)>;

    fn visit<A: Architecture>(self, architecture: A) -> Result<(f64, f64)> {
        let model = init_model(&architecture, self.device, 0);
        let all: Vec<usize> = (0..self.store.len()).collect();
        let warm_up = all.len().min(4 * self.config.batch_size);
        let phase = |rows: &[usize]| PhasePlan {
            name: "bench".into(),
            source: None,
            rows: rows.to_vec(),
            visits: None,
            samples: rows.len(),
            epochs: 1,
            lr: self.config.lr,
        };
        let run = |model, rows: &[usize]| {
            match fit(
                model,
                self.store,
                &[phase(rows)],
                self.config,
                self.device,
                None,
                &mut |_| ControlFlow::Continue(()),
            )? {
                Outcome::Trained(trained) => {
                    Ok((trained.model, (trained.seconds, trained.loader_wait)))
                }
                // Random labels at a small lr do not diverge; time what ran if they did.
                Outcome::Diverged { epochs, .. } => Err(crate::Error::invalid(format!(
                    "the benchmark diverged after {} epochs",
                    epochs.len()
                ))),
            }
        };
        on_pool_thread(|| {
            let (model, _) = run(model, &all[..warm_up])?;
            let (_, timed) = run(model, &all)?;
            Ok(timed)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_parse_as_width_height_channels() {
        assert_eq!(
            parse_shape("256x128x3").unwrap(),
            InputShape::new(3, 128, 256, 10)
        );
        assert_eq!(
            parse_shape("28X28x1").unwrap(),
            InputShape::new(1, 28, 28, 10)
        );
        for bad in ["28x28", "28x28x2", "0x28x1", "28x28xa", "x28x1"] {
            let err = parse_shape(bad).unwrap_err();
            assert!(
                err.contains(bad) || err.contains("channels"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn large_images_train_in_batches_of_32() {
        let batches: Vec<usize> = MEASURED_INPUTS.map(default_batch_size).to_vec();
        assert_eq!(batches, [64, 64, 32, 32]);
    }
}
