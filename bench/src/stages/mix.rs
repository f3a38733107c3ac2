//! The mix stage: the SM and FT subsets of every point of one pair, seed and regime, and the
//! ramp subsets when the experiment trains the ramp, laid out for each architecture's recipe.

use std::path::Path;

use anyhow::Result;
use datasets::point::Regime;

use super::inputs::PairData;
use crate::BenchOptions;
use crate::config::{Axis, Experiment};

/// Mixes the subsets of `axis` for one pair and seed into `dir` (the mixer keeps finished ones).
pub(super) fn mix(
    data: &PairData,
    dir: &Path,
    axis: &Axis,
    seed: u64,
    experiment: &Experiment,
    options: &BenchOptions,
) -> Result<()> {
    let ramp = experiment.ramp_recipes();
    let mix_options = mixer::MixOptions {
        synthetic: data.synthetic.clone(),
        real: data.real.clone(),
        class_renames: mixer::ClassRenames::default(),
        seed,
        order: mixer::Order::default(),
        force: false,
        command: options.command.clone(),
        memory_budget: None,
    };
    let spinner =
        datasets::progress::bars::spinner(&format!("mixing {}", dir.display()), options.quiet);
    match axis.regime {
        Regime::FixedSize => {
            let spec = mixer::SweepSpec {
                options: mix_options,
                out: dir.to_path_buf(),
                size: axis.rows,
                shares: axis.values.clone(),
                draw: mixer::Draw::Nested,
                ramp,
            };
            mixer::sweep(&spec, &|_| {})?;
        }
        Regime::AddedSynthetic => {
            let spec = mixer::AddedSpec {
                options: mix_options,
                out: dir.to_path_buf(),
                real_rows: axis.rows,
                multiples: axis.values.clone(),
                ramp,
            };
            mixer::added_synthetic(&spec, &|_| {})?;
        }
    }
    spinner.finish_and_clear();
    Ok(())
}
