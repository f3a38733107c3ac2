//! Measure one pair's domain gap as `synmix gap` does (its real data against its synthetic
//! data, the feature network cached under `OUT/gap/cache/`), for the report's gap panel. A gap
//! the data cannot give is recorded, not fatal.

use std::fmt;

use anyhow::Result;
use datasets::Location;
use serde::{Deserialize, Serialize};

use super::{Context, Kind, inputs};
use crate::dir::BenchDir;
use crate::layout;
use crate::records::PairGap;
use crate::stage::Stage;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Gap {
    pub pair: String,
}

impl fmt::Display for Gap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "measure the gap of {}", self.pair)
    }
}

impl Kind for Gap {
    fn stage(&self) -> Stage {
        Stage::Mix
    }

    fn run(&self, context: &Context) -> Result<String> {
        let (experiment, options) = (context.experiment, context.options);
        let data = inputs::pair_data(inputs::pair(experiment, &self.pair)?, experiment, options)?;
        let measured = gap::measure_gap(&gap::GapOptions {
            real: data.real,
            synthetic: data.synthetic,
            cache: layout::gap_cache(&options.out),
            encoder: None,
            seed: 0,
            quiet: true,
        });
        // A gap the data cannot give (a class with too few images) leaves the bench going:
        // the report says why.
        let (gap, summary) = match measured {
            Ok(m) => (PairGap::Measured(Box::new(m.report)), "measured".into()),
            Err(e) => {
                let why = e.to_string();
                let summary = format!("not measured: {why}");
                (PairGap::NotMeasured { not_measured: why }, summary)
            }
        };
        gap.write(&options.out, &self.pair)?;
        let path = layout::gap_file(&options.out, &self.pair);
        Ok(format!("{}: {summary}", path.display()))
    }

    fn outputs(&self, out: &BenchDir) -> Vec<Location> {
        vec![layout::gap_file(out, &self.pair).into()]
    }

    fn damaged(&self, out: &BenchDir) -> Option<String> {
        PairGap::read(out, &self.pair)
            .err()
            .map(|e| format!("{e:#}"))
    }
}
