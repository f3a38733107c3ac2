//! `synmix report`: the report of a bench directory, from the run results it holds.

use clap::Args;
use datasets::Location;

#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  synmix report runs/default\n\n\
DIR may be object storage (s3://bucket/b): the runs are read from there and the report written \
back. Reads DIR/runs/<pair>/<arch>/<strategy>-r<share×100>-s<seed>/result.json and writes DIR/report.md, \
a self-contained DIR/report.html, DIR/plots/ and every run as a row of DIR/results.csv and \
DIR/results.parquet. The report opens with an overview: per pair and architecture the real-only and \
synthetic-only accuracy, the best share and strategy, the mean FT − SM with its 95 % interval paired by \
seed, and a verdict per pair; the accuracy-against-share plots side by side; a heatmap of FT − SM by \
share; real and synthetic sample images of each pair. Then, per pair and architecture, mean ± std per \
cell, FT − SM per share with its interval, fitted mixing curves, and the synthetic-vs-real test gap.")]
pub struct ReportArgs {
    /// Bench directory (the --out of `synmix bench`): a path or object storage.
    #[arg(value_name = "DIR")]
    dir: Location,
}

pub fn run(args: ReportArgs, quiet: bool) -> anyhow::Result<()> {
    let out = bench::open(args.dir)?;
    let (runs, files) = bench::write_report(&out)?;
    if !quiet {
        println!(
            "{runs} runs; wrote {} and {}",
            out.shown(&files.markdown).display(),
            out.shown(&files.html).display()
        );
    }
    Ok(())
}
