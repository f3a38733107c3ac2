//! The added-synthetic regime: a fixed set of R real rows (class-matched) plus k·R synthetic
//! rows for every multiple k, as a Simple Mixed subset `sm-kXXX` and a Fine-Tuned subset
//! `ft-kXXX` of the very same rows (synthetic phase, then real phase), and `mix.json`. It
//! answers "I have R real images; how many synthetic ones should I add?", where the sweep's
//! fixed N trades real rows for synthetic ones.
//!
//! Every subset draws from one set of permutations, so all hold the same R real rows and the
//! synthetic rows of a smaller k are among those of a larger one whenever the class quotas
//! grow with k (always, for balanced inputs).

use std::path::PathBuf;

use datasets::Progress;
use serde_json::json;

use crate::MixOptions;
use crate::error::{Error, Result};
use crate::inputs::Inputs;
use crate::plan::{Permutations, check_balance, check_pools};
use crate::quotas::{QuotaTable, largest_remainder};
use crate::sweep::{Records, SweepSummary, sm_and_ft, subset_entry, write_regime};

/// The regime as manifests and `mix.json` record it.
const REGIME: &str = "added-synthetic";

/// The options field of the multiples, as errors name it.
const MULTIPLES: &str = "multiples";

/// Tags of the two subset kinds in the ordering streams (the sweep's are 1 and 2).
const SM_TAG: u64 = 3;
const FT_TAG: u64 = 4;

/// What the added-synthetic regime is asked for.
#[derive(Debug, Clone)]
pub struct AddedSpec {
    pub options: MixOptions,
    /// The directory that receives `sm-kXXX/`, `ft-kXXX/` and `mix.json`.
    pub out: PathBuf,
    /// Real rows of every subset (R), in the real train split's class proportions.
    pub real_rows: u64,
    /// Synthetic rows added, as multiples k of R (0 is the real set alone).
    pub multiples: Vec<f64>,
}

/// `k050` for k = 0.5, `k400` for k = 4: the multiple in hundredths, at least three digits.
pub fn multiple_name(multiple: f64) -> String {
    format!("k{:03}", (multiple * 100.0).round() as u64)
}

fn check_multiples(multiples: &[f64]) -> Result<()> {
    if multiples.is_empty() {
        return Err(Error::setting(
            MULTIPLES,
            "is empty: give at least one multiple of the real rows",
        ));
    }
    if let Some(bad) = multiples.iter().find(|k| !(k.is_finite() && **k >= 0.0)) {
        return Err(Error::setting(
            MULTIPLES,
            format!("{bad} is not a multiple: synthetic rows are k ≥ 0 times the real rows"),
        ));
    }
    let mut names: Vec<String> = multiples.iter().map(|&k| multiple_name(k)).collect();
    names.sort();
    if let Some(pair) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(Error::setting(
            MULTIPLES,
            format!(
                "has two multiples that would both be named {} (subsets are named by hundredths); drop one",
                pair[0]
            ),
        ));
    }
    Ok(())
}

/// The quotas at multiple `k`: the R real rows split over the classes, and round(k·R)
/// synthetic rows split the same way, each by largest remainder.
fn table(real_rows: u64, multiple: f64, class_weights: &[u64]) -> QuotaTable {
    let added = (multiple * real_rows as f64).round() as u64;
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
pub fn synthetic_needs(real_rows: u64, multiples: &[f64], class_weights: &[u64]) -> Vec<u64> {
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
            &format!("multiple {k} of {} real rows", spec.real_rows),
        )?;
    }

    // One set of permutations: every subset holds the same real rows.
    let perms = Permutations::new(&inputs, options.seed, u64::MAX);
    let records = Records::new(&inputs, options, REGIME);
    let mut jobs = Vec::with_capacity(2 * spec.multiples.len());
    for (&multiple, table) in spec.multiples.iter().zip(&tables) {
        let request = |kind: &str| {
            records.request(
                kind,
                json!({ "regime": REGIME, "real_rows": spec.real_rows, "multiple": multiple }),
            )
        };
        let record = records.record(table, json!({ "multiple": multiple }));
        jobs.extend(sm_and_ft(
            &spec.out,
            &multiple_name(multiple),
            table,
            &perms,
            options,
            &[SM_TAG, FT_TAG],
            multiple.to_bits(),
            request,
            &record,
        ));
    }
    let subsets = spec
        .multiples
        .iter()
        .zip(&tables)
        .map(|(&k, table)| subset_entry(&multiple_name(k), table, json!({ "multiple": k })));
    let mix = records.mix(
        REGIME,
        subsets.collect(),
        json!({ "real_rows": spec.real_rows, "multiples": spec.multiples }),
    );
    write_regime(&inputs, &jobs, options, &spec.out, &mix, progress)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_follow_the_real_class_proportions_at_the_largest_multiple() {
        assert_eq!(real_needs(10, &[1, 1, 2]), vec![3, 2, 5]);
        assert_eq!(
            synthetic_needs(100, &[0.0, 4.0, 0.5], &[100, 200, 700]),
            vec![40, 80, 280]
        );
        assert_eq!(synthetic_needs(10, &[0.0], &[1, 1]), vec![0, 0]);
    }
}
