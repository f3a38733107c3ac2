//! Simple Mixed subsets with a synthetic share per class (`sm-classwise-rXXX`): every class still
//! holds its rows of N, but classes whose synthetic images transfer badly take fewer synthetic
//! ones and the others more, the subset's share kept ([`crate::quotas::class_shares`]). A sweep
//! lays one out beside SM at every share between 0 and 1 from the classes' transfer
//! ([`crate::SweepSpec::class_transfer`]); `synmix mix --class-shares FILE` writes one subset of
//! shares the user gives, class by class ([`classwise`]).

use std::collections::BTreeMap;

use datasets::point::{Hundredths, Point, Regime, Strategy, subset_name};
use datasets::{Location, Progress};
use serde_json::json;

use crate::MixOptions;
use crate::draw::{Permutations, Segment, check_balance, check_pools, lay_out};
use crate::error::{Error, Result};
use crate::inputs::Inputs;
use crate::quotas::{QuotaTable, check_subset_rows, largest_remainder};
use crate::record::{MixRecord, Records, SubsetRecord};
use crate::write::{Job, SweepSummary, write_regime};

/// The ordering stream of class-wise subsets (beside SM's and FT's tags of each regime).
const CLASSWISE_TAG: u64 = 5;

/// The class-wise subset of `point` with `table`'s rows, drawn from `perms` and ordered by its
/// own stream (`key` tells the points apart).
#[allow(clippy::too_many_arguments)]
pub(crate) fn classwise_job(
    out: &Location,
    point: Point,
    table: &QuotaTable,
    perms: &Permutations,
    options: &MixOptions,
    key: u64,
    request: serde_json::Value,
    record: serde_json::Value,
) -> Job {
    let name = subset_name(Strategy::SmClasswise, point);
    let segments = [Segment {
        name: "mixed".into(),
        quotas: table.clone(),
    }];
    Job {
        dir: out.join(&name),
        name,
        subset: lay_out(
            perms,
            &segments,
            options.order,
            options.seed,
            &[CLASSWISE_TAG, key],
        ),
        request,
        record,
        visits: Vec::new(),
    }
}

/// The quota table of the class-wise subset at `share` of `size` rows: each class's synthetic
/// share from the classes' `transfer` ([`crate::quotas::class_shares`]).
pub(crate) fn table(size: u64, share: f64, transfer: &[f64], class_weights: &[u64]) -> QuotaTable {
    let per_class = largest_remainder(size, class_weights);
    let shares = crate::quotas::class_shares(share, transfer, &per_class);
    QuotaTable::with_class_shares(size, class_weights, &shares)
}

/// What `synmix mix --class-shares FILE` is asked for: one class-wise subset of `size` rows
/// whose class `c` takes `class_shares[c]` of its rows synthetic.
#[derive(Debug, Clone)]
pub struct ClasswiseSpec {
    pub options: MixOptions,
    pub out: Location,
    pub size: u64,
    /// A share in [0, 1] for every class of the real dataset, by name.
    pub class_shares: BTreeMap<String, f64>,
}

/// Writes the subset `sm-classwise-rXXX` (XXX: the subset's synthetic share in whole percent)
/// and `mix.json`; checks every class share and every pool before writing anything.
pub fn classwise(
    spec: &ClasswiseSpec,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<SweepSummary> {
    if spec.size == 0 {
        return Err(Error::setting("size", "must be at least 1"));
    }
    check_subset_rows("size", spec.size)?;
    let options = &spec.options;
    let inputs = Inputs::load(&options.synthetic, &options.real, &options.class_renames)?;
    let shares = shares_by_class(&spec.class_shares, &inputs.classes)?;
    check_balance(&inputs, spec.size, &format!("size {}", spec.size))?;
    let table = QuotaTable::with_class_shares(spec.size, &inputs.class_weights, &shares);
    check_pools(
        &inputs,
        &[&table],
        &format!("the class shares at size {}", spec.size),
    )?;
    let share = table.rows_of(datasets::Source::Synthetic) as f64 / spec.size as f64;
    let point = Point::Share(Hundredths::rounded(share));
    let perms = Permutations::new(&inputs, options.seed, u64::MAX);
    let records = Records::new(&inputs, options, Regime::FixedSize);
    let extra = json!({ "size": spec.size, "class_shares": spec.class_shares });
    let job = classwise_job(
        &spec.out,
        point,
        &table,
        &perms,
        options,
        0,
        records.request(Strategy::SmClasswise, extra.clone()),
        records.record(&table, extra),
    );
    let mix = MixRecord {
        size: Some(spec.size),
        class_shares: Some(shares),
        ..records.mix(
            "classwise",
            vec![SubsetRecord::classwise_only(point, &table)],
        )
    };
    write_regime(&inputs, &[job], options, &spec.out, &mix, progress)
}

/// The shares of `classes`, in their order, from `by_name`: every class named once, each a
/// share in [0, 1].
fn shares_by_class(by_name: &BTreeMap<String, f64>, classes: &[String]) -> Result<Vec<f64>> {
    const SETTING: &str = "class_shares";
    if let Some(unknown) = by_name.keys().find(|name| !classes.contains(name)) {
        return Err(Error::setting(
            SETTING,
            format!(
                "names class '{unknown}', which the real dataset does not have (its classes: {})",
                classes.join(", ")
            ),
        ));
    }
    classes
        .iter()
        .map(|class| {
            let share = *by_name.get(class).ok_or_else(|| {
                Error::setting(
                    SETTING,
                    format!("gives no share for class '{class}'; give every class one, 0 for none"),
                )
            })?;
            if !(0.0..=1.0).contains(&share) {
                return Err(Error::setting(
                    SETTING,
                    format!("class '{class}': {share} is not a share in [0, 1]"),
                ));
            }
            Ok(share)
        })
        .collect()
}
