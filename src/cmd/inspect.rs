use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use datasets::{Dataset, Location, grid, inspect};

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  synmix inspect data/fmnist\n  synmix inspect data/fmnist --grid fmnist.png --per-class 12"
)]
pub struct InspectArgs {
    /// Dataset directory or object-store prefix (s3://bucket/prefix).
    dir: Location,
    /// Write a contact sheet (PNG) of sample images, one row per class.
    #[arg(long, value_parser = super::local_path)]
    grid: Option<PathBuf>,
    /// Split shown in the contact sheet.
    #[arg(long, default_value = "train")]
    split: String,
    /// Images per class in the contact sheet.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100))]
    per_class: u32,
}

pub fn run(args: InspectArgs, _quiet: bool) -> Result<()> {
    let dataset = Dataset::open(&args.dir)?;
    let mut stdout = std::io::stdout().lock();
    write!(stdout, "{}", inspect::summary(&dataset))?;
    if let Some(path) = args.grid {
        let split = dataset.decode_split(&args.split)?;
        let sheet = grid::split_sheet(
            &split,
            dataset.manifest.classes.len(),
            args.per_class as usize,
            3,
        );
        grid::save(&sheet, &path)?;
        writeln!(stdout, "\ncontact sheet: {}", path.display())?;
    }
    Ok(())
}
