//! A pair's domain gap as its gap task leaves it (`OUT/gap/<pair>.json`): `synmix gap`'s
//! measurement, or why there is none.

use std::path::Path;

use anyhow::{Context, Result};
use gap::GapReport;
use serde::{Deserialize, Serialize};

use crate::layout;

/// What a gap task wrote: the measurement, or why there is none (too few images of a class,
/// images no feature network takes). A pair without a gap is still benched.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PairGap {
    Measured(Box<GapReport>),
    NotMeasured { not_measured: String },
}

impl PairGap {
    /// The record of `pair` in the bench directory `out`.
    pub fn read(out: &Path, pair: &str) -> Result<PairGap> {
        let path = layout::gap_file(out, pair);
        let text =
            std::fs::read(&path).with_context(|| format!("{}: cannot read", path.display()))?;
        serde_json::from_slice(&text)
            .with_context(|| format!("{}: not a gap measurement", path.display()))
    }

    pub fn write(&self, out: &Path, pair: &str) -> Result<()> {
        Ok(datasets::atomic::write_json(
            &layout::gap_file(out, pair),
            self,
        )?)
    }
}

/// The gaps of a bench's pairs, by pair name.
#[derive(Default)]
pub struct Gaps {
    pub measured: Vec<(String, GapReport)>,
    /// The pairs not measured, with the reason.
    pub not_measured: Vec<(String, String)>,
}

/// The gap of every pair of `bench`.
pub fn read_gaps(bench: &Path) -> Result<Gaps> {
    let dir = layout::gap_dir(bench);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Gaps::default());
    };
    let mut gaps = Gaps::default();
    for entry in entries {
        let path = entry
            .with_context(|| format!("{}: cannot read", dir.display()))?
            .path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let pair = path
            .file_stem()
            .expect("a file name")
            .to_string_lossy()
            .into_owned();
        match PairGap::read(bench, &pair)? {
            PairGap::Measured(gap) => gaps.measured.push((pair, *gap)),
            PairGap::NotMeasured { not_measured } => gaps.not_measured.push((pair, not_measured)),
        }
    }
    gaps.measured.sort_by(|a, b| a.0.cmp(&b.0));
    gaps.not_measured.sort();
    Ok(gaps)
}
