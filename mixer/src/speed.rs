//! `synmix speed mix`: the rows per second of a full sweep (11 SM + 11 FT subsets of
//! 10,000 rows from 60,000 synthetic and 60,000 real rows, by default) beside the rate of
//! plainly copying the input shards with `fs::copy`, measured in the same run.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use datasets::point::Hundredths;
use datasets::rng::SplitMix64;
use datasets::verify::{Depth, Finished, finished};
use datasets::{
    DatasetInfo, DatasetWriter, ImageSpec, Progress, Recipe, Row, Source, SplitPlan, WriteMode,
};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::{ClassRenames, Draw, MixOptions, Order, SweepSpec, sweep};

#[derive(Debug, Clone)]
pub struct SpeedOptions {
    /// Scratch directory: `inputs/` (made once, reused by later runs), `sweep/`, `copy/`.
    pub dir: PathBuf,
    pub rows_per_input: u64,
    pub classes: usize,
    pub image: ImageSpec,
    pub size: u64,
    pub shares: Vec<Hundredths>,
    pub order: Order,
}

impl SpeedOptions {
    /// The standard measurement: Fashion-MNIST-sized inputs, N = 10,000, shares 0:1:0.1.
    pub fn standard(dir: PathBuf) -> SpeedOptions {
        SpeedOptions {
            dir,
            rows_per_input: 60_000,
            classes: 10,
            image: ImageSpec {
                width: 28,
                height: 28,
                channels: 1,
            },
            size: 10_000,
            shares: (0..=10)
                .map(|i| Hundredths::exact(f64::from(i) / 10.0).expect("tenths are whole percent"))
                .collect(),
            order: Order::Shuffled,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SpeedReport {
    pub subsets: usize,
    pub rows: u64,
    pub bytes: u64,
    /// The whole sweep call: verifying and reading the inputs, planning, writing.
    pub sweep_seconds: f64,
    /// From the end of planning to the last shard.
    pub write_seconds: f64,
    pub copy_rows: u64,
    pub copy_bytes: u64,
    pub copy_seconds: f64,
    pub threads: usize,
}

impl SpeedReport {
    /// A plain-text table, one line per measurement.
    pub fn table(&self) -> String {
        let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
        let mut out = format!(
            "{:<42} {:>9} {:>9} {:>8} {:>11} {:>8}\n",
            "measurement", "rows", "MiB", "seconds", "rows/s", "MiB/s"
        );
        let lines = [
            (
                format!("mix: full sweep ({} subsets, all steps)", self.subsets),
                self.rows,
                self.bytes,
                self.sweep_seconds,
            ),
            (
                "mix: writing only".to_string(),
                self.rows,
                self.bytes,
                self.write_seconds,
            ),
            (
                "plain fs::copy of the input shards".to_string(),
                self.copy_rows,
                self.copy_bytes,
                self.copy_seconds,
            ),
        ];
        for (what, rows, bytes, seconds) in lines {
            let _ = writeln!(
                out,
                "{what:<42} {rows:>9} {:>9.1} {seconds:>8.2} {:>11.0} {:>8.1}",
                mib(bytes),
                rows as f64 / seconds,
                mib(bytes) / seconds
            );
        }
        let _ = write!(out, "(rayon threads: {})", self.threads);
        out
    }
}

/// What the measurement's datasets record as the command that made them.
const SPEED_COMMAND: &str = "synmix speed mix";

pub fn run(options: &SpeedOptions) -> Result<SpeedReport> {
    let inputs = options.dir.join("inputs");
    let synthetic = make_input(&inputs.join("synthetic"), Source::Synthetic, options)?;
    let real = make_input(&inputs.join("real"), Source::Real, options)?;
    let spec = SweepSpec {
        options: MixOptions {
            synthetic: synthetic.clone().into(),
            real: real.clone().into(),
            class_renames: ClassRenames::new(),
            seed: 1,
            order: options.order,
            force: true,
            command: SPEED_COMMAND.into(),
            memory_budget: None,
        },
        out: options.dir.join("sweep").into(),
        size: options.size,
        shares: options.shares.clone(),
        draw: Draw::Nested,
        ramp: Vec::new(),
        class_transfer: None,
    };
    let planned = Mutex::new(None);
    let started = Instant::now();
    let summary = sweep(&spec, &|p| {
        if let Progress::Planned { .. } = p {
            *planned.lock().expect("speed clock") = Some(Instant::now());
        }
    })?;
    let sweep_seconds = started.elapsed().as_secs_f64();
    let write_seconds = planned
        .into_inner()
        .expect("speed clock")
        .map_or(sweep_seconds, |t| t.elapsed().as_secs_f64());
    let rows = summary.subsets.iter().map(|s| s.rows).sum();
    let bytes = summary
        .subsets
        .iter()
        .map(|s| dir_bytes(&s.dir.join("data")))
        .sum::<Result<u64>>()?;

    // The baseline: copy the input train shards again and again until at least as many
    // rows have been copied as the sweep wrote.
    let copy_dir = options.dir.join("copy");
    let _ = std::fs::remove_dir_all(&copy_dir);
    std::fs::create_dir_all(&copy_dir).map_err(|e| Error::io(&copy_dir, e))?;
    let shards: Vec<PathBuf> = [&synthetic, &real]
        .iter()
        .flat_map(|dir| {
            std::fs::read_dir(dir.join("data"))
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
        })
        .collect();
    let (mut copy_rows, mut copy_bytes, mut round) = (0u64, 0u64, 0);
    let started = Instant::now();
    while copy_rows < rows {
        for shard in &shards {
            let target = copy_dir.join(format!(
                "{round}-{}",
                shard.file_name().unwrap_or_default().to_string_lossy()
            ));
            copy_bytes += std::fs::copy(shard, &target).map_err(|e| Error::io(shard, e))?;
        }
        copy_rows += 2 * options.rows_per_input;
        round += 1;
    }
    let copy_seconds = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&copy_dir);
    Ok(SpeedReport {
        subsets: summary.subsets.len(),
        rows,
        bytes,
        sweep_seconds,
        write_seconds,
        copy_rows,
        copy_bytes,
        copy_seconds,
        threads: rayon::current_num_threads(),
    })
}

fn dir_bytes(dir: &datasets::Location) -> Result<u64> {
    let dir = dir
        .as_local()
        .expect("the measurement writes to a local directory");
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    Ok(entries
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum())
}

/// A synthetic-looking input (smooth class-dependent patterns plus noise, PNG-encoded),
/// made once and reused while its manifest is there.
fn make_input(dir: &Path, source: Source, options: &SpeedOptions) -> Result<PathBuf> {
    if finished(dir, Depth::Manifest) == Finished::Yes {
        return Ok(dir.to_path_buf());
    }
    let info = DatasetInfo {
        name: format!("speed-{source}"),
        classes: (0..options.classes).map(|c| format!("class{c}")).collect(),
        image: options.image,
        source: source.as_str().into(),
        recipe: Recipe {
            command: SPEED_COMMAND.into(),
            seed: None,
            config: serde_json::Value::Null,
        },
    };
    let plan = [SplitPlan {
        name: "train".into(),
        rows: options.rows_per_input,
    }];
    let writer = DatasetWriter::create(dir, info, &plan, WriteMode::Force)?;
    let image = options.image;
    let written = (0..writer.slots().len())
        .into_par_iter()
        .try_for_each(|index| -> Result<()> {
            let slot = writer.slots()[index].clone();
            let mut shard = writer.shard(index)?;
            let mut rng = SplitMix64::keyed(&[source as u64, index as u64]);
            let (mut pixels, mut png, mut uid) = (
                vec![0u8; image.pixels_per_image()],
                Vec::new(),
                String::new(),
            );
            for row in slot.rows {
                let label = (row % options.classes as u64) as i64;
                for (k, pixel) in pixels.iter_mut().enumerate() {
                    let (x, y) = (
                        (k / image.channels as usize) as u64 % u64::from(image.width),
                        (k / image.channels as usize) as u64 / u64::from(image.width),
                    );
                    *pixel =
                        ((x * (label as u64 + 1) + y * 3) * 9 % 256) as u8 ^ (rng.below(8) as u8);
                }
                png.clear();
                datasets::png::encode_into(&mut png, &pixels, image).map_err(Error::invalid)?;
                uid.clear();
                let _ = write!(uid, "{source}-{row}");
                shard.push(Row {
                    png: &png,
                    label,
                    source,
                    uid: &uid,
                    meta: "{}",
                })?;
            }
            shard.finish()?;
            Ok(())
        });
    match written {
        Ok(()) => {
            writer.finish(Vec::new(), None)?;
            Ok(dir.to_path_buf())
        }
        Err(e) => {
            writer.abort();
            Err(e)
        }
    }
}
