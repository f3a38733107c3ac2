//! How a bench directory's plan was last launched (`OUT/tasks/launch.json`): every engine skips
//! done tasks, so running the same command again resubmits exactly the missing ones, which is
//! what `synmix status` prints.

use std::path::Path;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::layout;

/// The engine and the command line of the last launch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Launch {
    pub engine: String,
    pub command: String,
}

impl Launch {
    pub fn write(&self, out: &Path) -> Result<()> {
        Ok(datasets::atomic::write_json(
            &layout::launch_file(out),
            self,
        )?)
    }

    /// The last launch of the bench directory `out`, if any was recorded.
    pub fn last(out: &Path) -> Option<Launch> {
        let text = std::fs::read_to_string(layout::launch_file(out)).ok()?;
        serde_json::from_str(&text).ok()
    }
}
