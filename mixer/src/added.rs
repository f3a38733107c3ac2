//! The added-synthetic regime: a fixed set of R real rows (class-matched) plus k·R synthetic
//! rows for every multiple k, as a Simple Mixed subset `sm-kXXX` and a Fine-Tuned subset
//! `ft-kXXX` of the very same rows (synthetic phase, then real phase), and `mix.json`. It
//! answers "I have R real images; how many synthetic ones should I add?", where the sweep's
//! fixed N trades real rows for synthetic ones.
//!
//! Every subset draws from one set of permutations, so all hold the same R real rows and the
//! synthetic rows of a smaller k are among those of a larger one whenever the class quotas
//! grow with k (always, for balanced inputs).

use datasets::Location;

use datasets::Progress;
use datasets::point::{Hundredths, Point, Regime};
use serde_json::json;

use crate::MixOptions;
use crate::draw::{Permutations, check_balance, check_pools};
use crate::error::{Error, Result};
use crate::inputs::Inputs;
use crate::quotas::{QuotaTable, check_subset_rows, largest_remainder};
use crate::ramp::RampRecipe;
use crate::record::{MixRecord, Records, SubsetRecord};
use crate::sweep::{ordering_tags, strategy_jobs};
use crate::write::{SweepSummary, write_regime};

/// The options field of the multiples, as errors name it.
const MULTIPLES: &str = "multiples";

/// What the added-synthetic regime is asked for.
#[derive(Debug, Clone)]
pub struct AddedSpec {
    pub options: MixOptions,
    /// The directory that receives `sm-kXXX/`, `ft-kXXX/` and `mix.json`.
    pub out: Location,
    /// Real rows of every subset (R), in the real train split's class proportions.
    pub real_rows: u64,
    /// Synthetic rows added, as multiples k of R (0 is the real set alone).
    pub multiples: Vec<Hundredths>,
    /// The training recipes to lay a ramp subset out for (none: no ramp subsets).
    pub ramp: Vec<RampRecipe>,
}

fn check_multiples(multiples: &[Hundredths]) -> Result<()> {
    if multiples.is_empty() {
        return Err(Error::setting(
            MULTIPLES,
            "is empty: give at least one multiple of the real rows",
        ));
    }
    let mut sorted = multiples.to_vec();
    sorted.sort();
    if let Some(pair) = sorted.windows(2).find(|w| w[0] == w[1]) {
        return Err(Error::setting(
            MULTIPLES,
            format!("has multiple {} twice; drop one", Point::Added(pair[0])),
        ));
    }
    Ok(())
}

/// The quotas at multiple `k`: the R real rows split over the classes, and round(k·R)
/// synthetic rows split the same way, each by largest remainder.
fn table(real_rows: u64, multiple: Hundredths, class_weights: &[u64]) -> QuotaTable {
    let added = (multiple.as_f64() * real_rows as f64).round() as u64;
    QuotaTable {
        synthetic: largest_remainder(added, class_weights),
        real: largest_remainder(real_rows, class_weights),
    }
}

/// The real rows of each class that every subset of the regime holds, in the class order of
/// `class_weights` (the real train split's class counts).
pub fn real_needs(real_rows: u64, class_weights: &[u64]) -> Vec<u64> {
    largest_remainder(real_rows, class_weights)
}

/// The synthetic rows of each class that the regime takes at its largest multiple, in the
/// class order of `class_weights`: what a synthetic dataset for it must hold.
pub fn synthetic_needs(
    real_rows: u64,
    multiples: &[Hundredths],
    class_weights: &[u64],
) -> Vec<u64> {
    let mut needs = vec![0; class_weights.len()];
    for &k in multiples {
        for (need, rows) in needs
            .iter_mut()
            .zip(table(real_rows, k, class_weights).synthetic)
        {
            *need = (*need).max(rows);
        }
    }
    needs
}

/// Builds the subsets of the added-synthetic regime. Checks everything (inputs, quotas, pools,
/// output directories) before writing anything, keeps finished subsets of an identical earlier
/// run, and writes `mix.json` last.
pub fn added_synthetic(
    spec: &AddedSpec,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<SweepSummary> {
    check_multiples(&spec.multiples)?;
    if spec.real_rows == 0 {
        return Err(Error::setting("real_rows", "must be at least 1"));
    }
    // The largest subset: R real rows and the most synthetic rows any multiple adds (as a
    // float, which saturates rather than wraps for a huge R).
    let most = spec
        .multiples
        .iter()
        .map(|k| k.as_f64())
        .fold(0.0, f64::max);
    check_subset_rows(
        "real_rows",
        (spec.real_rows as f64 * (1.0 + most)).round() as u64,
    )?;
    let options = &spec.options;
    let inputs = Inputs::load(&options.synthetic, &options.real, &options.class_renames)?;
    check_balance(
        &inputs,
        spec.real_rows,
        &format!("{} real rows", spec.real_rows),
    )?;
    let tables: Vec<QuotaTable> = spec
        .multiples
        .iter()
        .map(|&k| table(spec.real_rows, k, &inputs.class_weights))
        .collect();
    for (k, table) in spec.multiples.iter().zip(&tables) {
        check_pools(
            &inputs,
            &[table],
            &format!("multiple {} of {} real rows", k.as_f64(), spec.real_rows),
        )?;
    }

    // One set of permutations: every subset holds the same real rows.
    let perms = Permutations::new(&inputs, options.seed, u64::MAX);
    let regime = Regime::AddedSynthetic;
    let records = Records::new(&inputs, options, regime);
    let mut jobs = Vec::with_capacity(2 * spec.multiples.len());
    for (&point, table) in spec.multiples.iter().zip(&tables) {
        let multiple = point.as_f64();
        let request = |strategy| {
            records.request(
                strategy,
                json!({ "regime": regime, "real_rows": spec.real_rows, "multiple": multiple }),
            )
        };
        let record = records.record(table, json!({ "multiple": multiple }));
        jobs.extend(strategy_jobs(
            &spec.out,
            Point::Added(point),
            table,
            &perms,
            options,
            &ordering_tags(regime),
            multiple.to_bits(),
            request,
            &record,
            &spec.ramp,
        ));
    }
    let subsets =
        spec.multiples.iter().zip(&tables).map(|(&k, table)| {
            SubsetRecord::new(Point::Added(k), table, !spec.ramp.is_empty(), false)
        });
    let mix = MixRecord {
        multiples: Some(spec.multiples.iter().map(|k| k.as_f64()).collect()),
        real_rows: Some(spec.real_rows),
        ..records.mix(regime.name(), subsets.collect())
    };
    write_regime(&inputs, &jobs, options, &spec.out, &mix, progress)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_follow_the_real_class_proportions_at_the_largest_multiple() {
        assert_eq!(real_needs(10, &[1, 1, 2]), vec![3, 2, 5]);
        assert_eq!(
            synthetic_needs(100, &multiples(&[0.0, 4.0, 0.5]), &[100, 200, 700]),
            vec![40, 80, 280]
        );
        assert_eq!(synthetic_needs(10, &multiples(&[0.0]), &[1, 1]), vec![0, 0]);
    }

    fn multiples(values: &[f64]) -> Vec<Hundredths> {
        values
            .iter()
            .map(|&k| Hundredths::exact(k).unwrap())
            .collect()
    }
}
