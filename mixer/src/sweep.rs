//! The synthetic-share sweep: for every share r, a Simple Mixed subset `sm-rXXX` (one
//! shuffled or stratified set) and a Fine-Tuned subset `ft-rXXX` (the very same rows as two
//! phases, synthetic then real), when asked a ramp subset `ramp-rXXX` (the very same rows
//! again, with their visits batch by batch: [`crate::ramp`]), plus `mix.json` describing the
//! whole sweep.

use datasets::Location;

use datasets::point::{Hundredths, Point, Regime, Strategy, subset_name};
use datasets::{Progress, Source};
use serde_json::json;

use crate::MixOptions;
use crate::classwise;
use crate::draw::{Draw, Permutations, Segment, check_balance, check_pools, lay_out};
use crate::error::{Error, Result};
use crate::inputs::Inputs;
use crate::quotas::{QuotaTable, check_subset_rows, synthetic_rows};
use crate::ramp::{RampRecipe, visits};
use crate::record::{MixRecord, Records, SubsetRecord};
use crate::write::{Job, SweepSummary, write_regime};

/// The options field of the shares, as errors name it.
const SHARES: &str = "shares";

/// Tags of the two subset orders (SM, FT) in the ordering streams of each regime.
pub(crate) fn ordering_tags(regime: Regime) -> [u64; 2] {
    match regime {
        Regime::FixedSize => [1, 2],
        Regime::AddedSynthetic => [3, 4],
    }
}

/// What `synmix mix` is asked for without `--curriculum`.
#[derive(Debug, Clone)]
pub struct SweepSpec {
    pub options: MixOptions,
    /// The directory that receives `sm-rXXX/`, `ft-rXXX/` and `mix.json`.
    pub out: Location,
    /// Rows of every subset.
    pub size: u64,
    /// Synthetic shares, each in [0, 1].
    pub shares: Vec<Hundredths>,
    pub draw: Draw,
    /// The training recipes to lay a ramp subset out for (none: no ramp subsets).
    pub ramp: Vec<RampRecipe>,
    /// How well each real class's synthetic images transfer (≥ 0, in the real dataset's class
    /// order): given, every share between 0 and 1 also gets a class-wise subset
    /// (`sm-classwise-rXXX`, [`crate::classwise`]).
    pub class_transfer: Option<Vec<f64>>,
}

/// Parses shares written as `start:end:step` (both ends included), a comma list, or one share;
/// each must be a whole percent.
pub fn parse_shares(text: &str) -> Result<Vec<Hundredths>> {
    let number = |part: &str| -> Result<f64> {
        part.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| Error::setting(SHARES, format!("'{}' is not a number", part.trim())))
    };
    let shares = if let Some((start, rest)) = text.split_once(':') {
        let (end, step) = rest.split_once(':').ok_or_else(|| {
            Error::setting(
                SHARES,
                format!("'{text}' is not START:END:STEP (as in 0:1:0.1)"),
            )
        })?;
        let (start, end, step) = (number(start)?, number(end)?, number(step)?);
        if step <= 0.0 || end < start {
            return Err(Error::setting(
                SHARES,
                format!("'{text}' needs START <= END and STEP > 0"),
            ));
        }
        // Shares are whole percent, so a finer step cannot be meant (and would ask for
        // billions of shares).
        let whole_step =
            Hundredths::exact(step).map_err(|why| Error::setting(SHARES, format!("step {why}")))?;
        if whole_step == Hundredths::ZERO {
            return Err(Error::setting(
                SHARES,
                format!("'{text}': the step must be at least 0.01 (shares are whole percent)"),
            ));
        }
        // Counted in whole steps and rounded to 1e-9, so 0:1:0.1 gives 0.3, not 0.30000000000000004.
        let steps = ((end - start) / step + 1e-9).floor() as u64;
        (0..=steps)
            .map(|i| ((start + i as f64 * step) * 1e9).round() / 1e9)
            .collect()
    } else {
        text.split(',').map(number).collect::<Result<Vec<f64>>>()?
    };
    let shares = shares
        .into_iter()
        .map(|share| {
            if !(0.0..=1.0).contains(&share) {
                return Err(outside(share));
            }
            Hundredths::exact(share).map_err(|why| Error::setting(SHARES, why))
        })
        .collect::<Result<Vec<_>>>()?;
    check_shares(&shares)?;
    Ok(shares)
}

fn outside(share: f64) -> Error {
    Error::setting(
        SHARES,
        format!("{share} is outside [0, 1]: a synthetic share is a fraction of the rows"),
    )
}

fn check_shares(shares: &[Hundredths]) -> Result<()> {
    if shares.is_empty() {
        return Err(Error::setting(
            SHARES,
            "is empty: give at least one synthetic share",
        ));
    }
    if let Some(bad) = shares.iter().find(|s| **s > Hundredths::ONE) {
        return Err(outside(bad.as_f64()));
    }
    let mut sorted = shares.to_vec();
    sorted.sort();
    if let Some(pair) = sorted.windows(2).find(|w| w[0] == w[1]) {
        return Err(Error::setting(
            SHARES,
            format!("has share {} twice; drop one", Point::Share(pair[0])),
        ));
    }
    Ok(())
}

/// The Simple Mixed subset of `point` from `table`'s rows drawn from `perms`, the Fine-Tuned
/// subset of the very same rows as two phases, synthetic then real (one at the endpoints), and
/// with `ramp` recipes the ramp subset: the SM subset's rows in its order, its one phase
/// holding the visits of each recipe. `tags` (SM, FT) and `key` name the streams that order
/// their rows.
#[allow(clippy::too_many_arguments)]
pub(crate) fn strategy_jobs(
    out: &Location,
    point: Point,
    table: &QuotaTable,
    perms: &Permutations,
    options: &MixOptions,
    tags: &[u64; 2],
    key: u64,
    request: impl Fn(Strategy) -> serde_json::Value,
    record: &serde_json::Value,
    ramp: &[RampRecipe],
) -> Vec<Job> {
    let sm = [Segment {
        name: "mixed".into(),
        quotas: table.clone(),
    }];
    // FT: the same quotas from the same permutations, hence the same rows, as two phases.
    let ft: Vec<Segment> = [Source::Synthetic, Source::Real]
        .into_iter()
        .filter(|&source| table.rows_of(source) > 0)
        .map(|source| Segment {
            name: source.as_str().into(),
            quotas: table.only(source),
        })
        .collect();
    let job = |strategy: Strategy, tag: u64, segments: &[Segment]| Job {
        name: subset_name(strategy, point),
        dir: out.join(subset_name(strategy, point)),
        subset: lay_out(perms, segments, options.order, options.seed, &[tag, key]),
        request: request(strategy),
        record: record.clone(),
        visits: Vec::new(),
    };
    let mut jobs = vec![
        job(Strategy::Sm, tags[0], &sm),
        job(Strategy::Ft, tags[1], &ft),
    ];
    if !ramp.is_empty() {
        let (rows, synthetic) = (table.rows(), table.rows_of(Source::Synthetic));
        let mut ramp_job = job(
            Strategy::Ramp,
            tags[0],
            &[Segment {
                name: "ramp".into(),
                quotas: table.clone(),
            }],
        );
        ramp_job.request["ramp"] = json!(ramp);
        ramp_job.visits = ramp
            .iter()
            .map(|&recipe| visits(rows, synthetic, recipe))
            .collect();
        jobs.push(ramp_job);
    }
    jobs
}

/// The quota table of each share of a sweep of `size` rows whose classes follow
/// `class_weights` (the real train split's class counts). No seed enters them.
pub fn quota_tables(size: u64, shares: &[Hundredths], class_weights: &[u64]) -> Vec<QuotaTable> {
    shares
        .iter()
        .map(|&share| QuotaTable::new(size, synthetic_rows(size, share.as_f64()), class_weights))
        .collect()
}

/// The synthetic train rows of each class (indexed as `class_weights`) that a sweep needs:
/// the most any one share takes, since every subset draws from the whole pool. What a
/// synthetic input must hold, for every seed.
pub fn synthetic_needs(size: u64, shares: &[Hundredths], class_weights: &[u64]) -> Vec<u64> {
    let mut needs = vec![0; class_weights.len()];
    for table in quota_tables(size, shares, class_weights) {
        for (need, &rows) in needs.iter_mut().zip(&table.synthetic) {
            *need = (*need).max(rows);
        }
    }
    needs
}

/// Builds the sweep; see the crate docs. Checks everything (inputs, quotas, pools, output
/// directories) before writing anything, keeps finished subsets of an identical earlier
/// run, and writes `mix.json` last.
pub fn sweep(spec: &SweepSpec, progress: &(dyn Fn(Progress<'_>) + Sync)) -> Result<SweepSummary> {
    check_shares(&spec.shares)?;
    if spec.size == 0 {
        return Err(Error::setting("size", "must be at least 1"));
    }
    check_subset_rows("size", spec.size)?;
    let options = &spec.options;
    let inputs = Inputs::load(&options.synthetic, &options.real, &options.class_renames)?;
    check_balance(&inputs, spec.size, &format!("size {}", spec.size))?;
    let tables = quota_tables(spec.size, &spec.shares, &inputs.class_weights);
    let transfer = match &spec.class_transfer {
        Some(transfer) if transfer.len() != inputs.classes.len() => {
            return Err(Error::setting(
                "class_transfer",
                format!(
                    "gives {} classes' transfer but the real dataset has {} classes",
                    transfer.len(),
                    inputs.classes.len()
                ),
            ));
        }
        transfer => transfer.as_deref(),
    };
    // Between the endpoints, where every strategy is the SM run.
    let classwise: Vec<Option<QuotaTable>> = spec
        .shares
        .iter()
        .map(|&share| {
            let inner = !Point::Share(share).is_endpoint();
            transfer.filter(|_| inner).map(|transfer| {
                classwise::table(spec.size, share.as_f64(), transfer, &inputs.class_weights)
            })
        })
        .collect();
    for ((share, table), classwise) in spec.shares.iter().zip(&tables).zip(&classwise) {
        let tables: Vec<&QuotaTable> = std::iter::once(table).chain(classwise).collect();
        for table in tables {
            check_pools(
                &inputs,
                &[table],
                &format!("share {} of size {}", share.as_f64(), spec.size),
            )?;
        }
    }

    let nested =
        (spec.draw == Draw::Nested).then(|| Permutations::new(&inputs, options.seed, u64::MAX));
    let records = Records::new(&inputs, options, Regime::FixedSize);
    let mut jobs = Vec::with_capacity(2 * spec.shares.len());
    for ((&point, table), classwise) in spec.shares.iter().zip(&tables).zip(&classwise) {
        let share = point.as_f64();
        let fresh;
        let perms = match &nested {
            Some(nested) => nested,
            None => {
                fresh = Permutations::new(&inputs, options.seed, share.to_bits());
                &fresh
            }
        };
        let request = |strategy| {
            records.request(
                strategy,
                json!({ "size": spec.size, "share": share, "draw": spec.draw }),
            )
        };
        let record = records.record(table, json!({ "share": share, "draw": spec.draw }));
        if let Some(quotas) = classwise {
            let extra = json!({ "size": spec.size, "share": share, "draw": spec.draw, "class_transfer": transfer });
            jobs.push(classwise::classwise_job(
                &spec.out,
                Point::Share(point),
                quotas,
                perms,
                options,
                share.to_bits(),
                records.request(Strategy::SmClasswise, extra.clone()),
                records.record(quotas, extra),
            ));
        }
        jobs.extend(strategy_jobs(
            &spec.out,
            Point::Share(point),
            table,
            perms,
            options,
            &ordering_tags(Regime::FixedSize),
            share.to_bits(),
            request,
            &record,
            &spec.ramp,
        ));
    }
    let subsets =
        spec.shares
            .iter()
            .zip(&tables)
            .zip(&classwise)
            .map(|((&share, table), classwise)| {
                SubsetRecord::new(
                    Point::Share(share),
                    table,
                    !spec.ramp.is_empty(),
                    classwise.is_some(),
                )
            });
    let mix = MixRecord {
        class_transfer: spec.class_transfer.clone(),
        draw: Some(spec.draw),
        shares: Some(spec.shares.iter().map(|s| s.as_f64()).collect()),
        size: Some(spec.size),
        ..records.mix("sweep", subsets.collect())
    };
    write_regime(&inputs, &jobs, options, &spec.out, &mix, progress)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shares(values: &[f64]) -> Vec<Hundredths> {
        values
            .iter()
            .map(|&v| Hundredths::exact(v).unwrap())
            .collect()
    }

    #[test]
    fn synthetic_needs_follow_the_real_class_proportions_at_the_largest_share() {
        // MNIST-like unequal classes: share 1 of 1,000 rows takes 1,000 synthetic rows in
        // proportion 1:2:7; smaller shares never take more of any class.
        let needs = synthetic_needs(1000, &shares(&[0.0, 0.3, 1.0]), &[100, 200, 700]);
        assert_eq!(needs, vec![100, 200, 700]);
        let needs = synthetic_needs(10, &shares(&[0.0, 0.5]), &[1, 1, 2]);
        assert_eq!(needs.iter().sum::<u64>(), 5);
        assert_eq!(synthetic_needs(10, &shares(&[0.0]), &[1, 1]), vec![0, 0]);
    }

    #[test]
    fn shares_parse_as_ranges_and_lists() {
        let range = parse_shares("0:1:0.1").unwrap();
        assert_eq!(range.len(), 11);
        assert_eq!(range[3].as_f64(), 0.3);
        assert_eq!(range[10], Hundredths::ONE);
        assert_eq!(parse_shares("0,0.25,1").unwrap(), shares(&[0.0, 0.25, 1.0]));
        assert_eq!(parse_shares("0.5").unwrap(), shares(&[0.5]));
        assert_eq!(
            parse_shares("0.2:0.3:0.05").unwrap(),
            shares(&[0.2, 0.25, 0.3])
        );
    }

    #[test]
    fn bad_shares_say_why() {
        assert!(
            parse_shares("0,1.5")
                .unwrap_err()
                .to_string()
                .contains("1.5 is outside [0, 1]")
        );
        assert!(
            parse_shares("-0.1:1:0.1")
                .unwrap_err()
                .to_string()
                .contains("outside")
        );
        assert!(
            parse_shares("0:1")
                .unwrap_err()
                .to_string()
                .contains("START:END:STEP")
        );
        assert!(
            parse_shares("0:1:0")
                .unwrap_err()
                .to_string()
                .contains("STEP > 0")
        );
        assert!(
            parse_shares("a")
                .unwrap_err()
                .to_string()
                .contains("'a' is not a number")
        );
        assert!(
            parse_shares("0.301")
                .unwrap_err()
                .to_string()
                .contains("not a whole number of hundredths")
        );
        assert!(
            parse_shares("0.3,0.30")
                .unwrap_err()
                .to_string()
                .contains("share r030 twice")
        );
        assert!(
            parse_shares("0:1:1e-12")
                .unwrap_err()
                .to_string()
                .contains("at least 0.01")
        );
    }
}
