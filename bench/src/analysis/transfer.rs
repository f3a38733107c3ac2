//! The added-synthetic regime's transfer gap: the error fitted as `D·n^(−α) + C` over the
//! synthetic rows n added to the real ones (Mikami et al. 2021), whose C is the error that no
//! amount of this synthetic data removes; and the best multiple k. Each with a 95 % interval
//! bootstrapped over seeds (see [`bootstrap_over_seeds`]).

use datasets::point::Point;

use super::fit::{grid_fit, r_squared};
use super::groups::Series;
use super::stats::bootstrap_over_seeds;

/// `error(n) = D·n^(−α) + C`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PowerLaw {
    pub d: f64,
    pub alpha: f64,
    pub c: f64,
    pub r2: f64,
}

impl PowerLaw {
    /// Least squares over `(n, error)` points with n > 0: for a fixed exponent the law is
    /// linear in D and C, and α is searched on a grid of hundredths up to 3. None below three
    /// distinct n.
    pub fn fit(points: &[(f64, f64)]) -> Option<PowerLaw> {
        let mut distinct: Vec<u64> = points.iter().map(|p| p.0.to_bits()).collect();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() < 3 || points.iter().any(|p| p.0 <= 0.0) {
            return None;
        }
        let exponents = (1..=300).map(|step| step as f64 / 100.0);
        // Far smaller than the exponential's bound: n^(−3) of hundreds of rows is ~1e−8.
        let line = grid_fit(points, exponents, 1e-300, |alpha, n| n.powf(-alpha))?;
        let (d, alpha, c) = (line.slope, line.parameter, line.intercept);
        Some(PowerLaw {
            d,
            alpha,
            c,
            r2: r_squared(points, |n| d * n.powf(-alpha) + c),
        })
    }
}

/// What the report says of one series of the added-synthetic regime.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransferGap {
    /// The law over k > 0; none below three multiples above 0.
    pub law: Option<PowerLaw>,
    /// 95 % interval of C.
    pub c_interval: Option<(f64, f64)>,
    /// The multiple with the highest mean accuracy (the lowest on a tie).
    pub best_k: f64,
    pub best_k_interval: Option<(f64, f64)>,
}

/// The transfer gap of `series`, whose training sets hold `real_rows` real rows each.
pub fn transfer_gap(series: &Series, real_rows: u64) -> Option<TransferGap> {
    let seeds = series.seeds();
    let best_k = best_multiple(series, &seeds)?;
    let law = PowerLaw::fit(&errors(series, &seeds, real_rows));
    let intervals = bootstrap_over_seeds(&seeds, |drawn| {
        let k = best_multiple(series, drawn)?;
        // Without a fit in a resample its C is unknown: such resamples are left out.
        let c = law.and_then(|_| PowerLaw::fit(&errors(series, drawn, real_rows)))?;
        Some(vec![k, c.c])
    });
    Some(TransferGap {
        law,
        c_interval: intervals.as_ref().map(|i| i[1]),
        best_k,
        best_k_interval: intervals.as_ref().map(|i| i[0]),
    })
}

/// `(n, error)` of every run of `seeds` above k = 0: n = k·R synthetic rows, error = 1 − accuracy.
fn errors(series: &Series, seeds: &[u64], real_rows: u64) -> Vec<(f64, f64)> {
    let mut points = Vec::new();
    for &seed in seeds {
        for (&(point, run_seed), &accuracy) in &series.by_seed {
            if let Point::Added(k) = point
                && run_seed == seed
                && !point.is_endpoint()
            {
                points.push((k.as_f64() * real_rows as f64, 1.0 - accuracy));
            }
        }
    }
    points
}

/// The multiple with the highest mean accuracy over the runs of `seeds`.
fn best_multiple(series: &Series, seeds: &[u64]) -> Option<f64> {
    let mut sums: std::collections::BTreeMap<Point, (f64, usize)> = Default::default();
    for &seed in seeds {
        for (&(point, run_seed), &accuracy) in &series.by_seed {
            if run_seed == seed {
                let sum = sums.entry(point).or_default();
                *sum = (sum.0 + accuracy, sum.1 + 1);
            }
        }
    }
    sums.into_iter()
        .map(|(point, (sum, n))| (point.value().as_f64(), sum / n as f64))
        .reduce(|best, next| if next.1 > best.1 { next } else { best })
        .map(|(k, _)| k)
}

#[cfg(test)]
mod tests {
    use datasets::point::{Hundredths, Regime};
    use trainer::Strategy;

    use super::*;
    use crate::records::CellResult;

    #[test]
    fn a_known_power_law_is_recovered() {
        let points: Vec<(f64, f64)> = [50.0, 100.0, 200.0, 400.0, 800.0]
            .iter()
            .map(|&n: &f64| (n, 2.0 * n.powf(-0.5) + 0.15))
            .collect();
        let fit = PowerLaw::fit(&points).unwrap();
        assert!(
            (fit.alpha - 0.5).abs() < 1e-9 && (fit.c - 0.15).abs() < 1e-9,
            "{fit:?}"
        );
        assert!((fit.d - 2.0).abs() < 1e-9 && fit.r2 > 0.999_999);
        assert!(PowerLaw::fit(&points[..2]).is_none());
    }

    #[test]
    fn the_gap_and_the_best_multiple_come_with_intervals() {
        let mut runs = Vec::new();
        for seed in 0..4u64 {
            for k in [0.0, 0.5, 1.0, 2.0, 4.0] {
                let n = k * 100.0;
                let error = if k == 0.0 {
                    0.4
                } else {
                    2.0 * f64::powf(n, -0.5) + 0.15
                };
                let accuracy = 1.0 - error + 0.004 * (seed as f64 - 1.5);
                let point = Regime::AddedSynthetic.at(Hundredths::exact(k).unwrap());
                runs.push(CellResult::ok_run(Strategy::Sm, point, seed, accuracy));
            }
        }
        let cells: Vec<&CellResult> = runs.iter().collect();
        let series = Series::new(Strategy::Sm, Regime::AddedSynthetic, &cells);
        let gap = transfer_gap(&series, 100).unwrap();
        let law = gap.law.unwrap();
        assert!((law.c - 0.15).abs() < 0.01, "{law:?}");
        let (low, high) = gap.c_interval.unwrap();
        assert!(
            low <= law.c && law.c <= high && high - low < 0.05,
            "{gap:?}"
        );
        assert_eq!(gap.best_k, 4.0);
        assert_eq!(gap.best_k_interval, Some((4.0, 4.0)));
    }
}
