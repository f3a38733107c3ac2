use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where a sample came from: the two sides of every mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Real,
    Synthetic,
}

impl Source {
    pub const ALL: [Source; 2] = [Source::Real, Source::Synthetic];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Real => "real",
            Source::Synthetic => "synthetic",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Source {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "real" => Ok(Source::Real),
            "synthetic" => Ok(Source::Synthetic),
            other => Err(format!(
                "unknown source '{other}': use 'real' or 'synthetic'"
            )),
        }
    }
}

/// The size and colour layout every image of a dataset shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageSpec {
    pub width: u32,
    pub height: u32,
    /// 1 (grey, L8) or 3 (RGB8).
    pub channels: u8,
}

impl ImageSpec {
    pub fn pixels_per_image(&self) -> usize {
        self.width as usize * self.height as usize * self.channels as usize
    }

    /// Parses `WxH`, as given to `--size`.
    pub fn parse_size(text: &str) -> Result<(u32, u32), String> {
        let (w, h) = text
            .split_once(['x', 'X'])
            .ok_or_else(|| format!("size '{text}' is not WxH (for example 28x28)"))?;
        let parse = |v: &str| -> Result<u32, String> {
            match v.trim().parse::<u32>() {
                Ok(n) if (1..=4096).contains(&n) => Ok(n),
                _ => Err(format!(
                    "size '{text}' needs two whole numbers from 1 to 4096, as in 28x28"
                )),
            }
        };
        Ok((parse(w)?, parse(h)?))
    }

    pub fn check_channels(channels: u8) -> Result<u8, String> {
        match channels {
            1 | 3 => Ok(channels),
            other => Err(format!("channels must be 1 (grey) or 3 (RGB), not {other}")),
        }
    }
}

impl fmt::Display for ImageSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}x{}", self.width, self.height, self.channels)
    }
}

/// The command, configuration and seed that produced a dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    pub command: String,
    pub seed: Option<u64>,
    pub config: serde_json::Value,
}

/// What a writer needs to know about the dataset before the first row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetInfo {
    pub name: String,
    pub classes: Vec<String>,
    pub image: ImageSpec,
    /// "real", "synthetic" or "mixed".
    pub source: String,
    pub recipe: Recipe,
}

/// One split to write and how many rows it will hold; the row count fixes the shard names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitPlan {
    pub name: String,
    pub rows: u64,
}

/// One sample on its way into a shard, borrowed so hot loops allocate nothing per row.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    pub png: &'a [u8],
    pub label: i64,
    pub source: Source,
    pub uid: &'a str,
    pub meta: &'a str,
}
