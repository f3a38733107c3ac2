//! Write the report from the bench's records: the last task of every plan. With failed runs it
//! is written (it lists them) but the task fails, so the next launch, which retries those runs,
//! writes it again.

use std::fmt;

use anyhow::{Result, bail};
use datasets::Location;
use serde::{Deserialize, Serialize};

use super::{Context, Kind};
use crate::dir::BenchDir;
use crate::experiment::Experiment;
use crate::layout;
use crate::records::{SearchKey, scan};
use crate::report::{self, ReportSetting, SearchSetting};
use crate::stage::Stage;

/// Write the report. (Braces: the plan records it as `{"kind": "report"}`.)
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Report {}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("report")
    }
}

impl Kind for Report {
    fn stage(&self) -> Stage {
        Stage::Report
    }

    fn run(&self, context: &Context) -> Result<String> {
        let out = &context.options.out;
        let results = scan(out)?;
        let files = report::write_report(out, &results, &report_context(context.experiment))?;
        let failed = context
            .failed_needs
            .iter()
            .filter(|work| work.stage() == Stage::Train)
            .count();
        let markdown = out.shown(&files.markdown);
        if failed > 0 {
            bail!("{failed} run(s) failed; {} lists them", markdown.display());
        }
        Ok(format!("{}", markdown.display()))
    }

    fn outputs(&self, out: &BenchDir) -> Vec<Location> {
        let mut files = vec![
            layout::report_markdown(out),
            layout::report_html(out),
            layout::plots_dir(out),
        ];
        for table in ["results", "gap"] {
            files.extend(["csv", "parquet"].map(|ext| layout::export_file(out, table, ext)));
        }
        files.into_iter().map(Location::from).collect()
    }

    fn damaged(&self, out: &BenchDir) -> Option<String> {
        let path = layout::report_markdown(out);
        (!path.is_file()).then(|| format!("{}: missing", path.display()))
    }

    /// It lists the runs that failed.
    fn reads_failures(&self) -> bool {
        true
    }

    fn summarises(&self) -> bool {
        true
    }

    fn preview(&self, out: &BenchDir, experiment: &Experiment, left: usize) -> Result<bool> {
        let results = scan(out)?;
        if results.is_empty() {
            return Ok(false);
        }
        let setting = ReportSetting {
            left: Some(left),
            ..report_context(experiment)
        };
        report::write_report(out, &results, &setting)?;
        Ok(true)
    }
}

/// What the report says of `experiment` beyond its records.
pub fn report_context(experiment: &Experiment) -> ReportSetting {
    let search = experiment.search.map(|search| {
        let grid = experiment.sweep().values.len();
        let mut keys = Vec::new();
        for pair in &experiment.pairs {
            for &model in &experiment.architectures {
                for &strategy in &experiment.strategies {
                    keys.push(SearchKey {
                        pair: pair.name.clone(),
                        model,
                        strategy,
                    });
                }
            }
        }
        SearchSetting {
            keys,
            grid,
            seeds: experiment.seeds.len(),
            shares: search.shares(grid),
            probes: search.probes(grid),
        }
    });
    ReportSetting {
        real_test: Some(experiment.data.real_test_words()),
        search,
        left: None,
    }
}
