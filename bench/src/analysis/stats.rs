//! Mean and spread of the runs of one cell, the 95 % confidence interval of a mean
//! difference paired by seed (Student's t), and percentile intervals bootstrapped over seeds.

/// Mean and sample standard deviation of some values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stat {
    pub mean: f64,
    pub std: f64,
    pub n: usize,
}

impl Stat {
    pub fn of(values: &[f64]) -> Option<Stat> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let var = if n > 1 {
            values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64
        } else {
            0.0
        };
        Some(Stat {
            mean,
            std: var.sqrt(),
            n,
        })
    }

    /// `0.8123 ± 0.0101 (n=3)`; one value has no spread, so `0.8123 (n=1)`.
    pub fn describe(&self) -> String {
        if self.n > 1 {
            format!("{:.4} ± {:.4} (n={})", self.mean, self.std, self.n)
        } else {
            format!("{:.4} (n=1)", self.mean)
        }
    }

    /// The 95 % confidence interval of the mean, `mean ± t(0.975, n − 1) · std / √n`, if
    /// there are two values or more (one value says nothing about its spread).
    pub fn interval95(&self) -> Option<(f64, f64)> {
        (self.n > 1).then(|| {
            let half = t975(self.n - 1) * self.std / (self.n as f64).sqrt();
            (self.mean - half, self.mean + half)
        })
    }
}

/// The mean of paired differences (e.g. FT − SM of the same seed) with its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Difference {
    pub stat: Stat,
    pub interval: Option<(f64, f64)>,
}

impl Difference {
    pub fn of(differences: &[f64]) -> Option<Difference> {
        let stat = Stat::of(differences)?;
        Some(Difference {
            stat,
            interval: stat.interval95(),
        })
    }

    /// Whether the interval excludes zero: the difference is significant at the 5 % level.
    pub fn significant(&self) -> bool {
        self.interval.is_some_and(|(lo, hi)| lo > 0.0 || hi < 0.0)
    }

    /// `+0.0123 [+0.0040, +0.0206] *` (the mark when significant); with one pair no interval
    /// exists and the text says so: `+0.0123 (n=1, no interval)`.
    pub fn describe(&self) -> String {
        match self.interval {
            Some((lo, hi)) => format!(
                "{:+.4} [{lo:+.4}, {hi:+.4}]{}",
                self.stat.mean,
                if self.significant() { " *" } else { "" }
            ),
            None => format!("{:+.4} (n=1, no interval)", self.stat.mean),
        }
    }
}

/// The 0.975 quantile of Student's t distribution with `df` degrees of freedom (≥ 1): tabled
/// up to 30, beyond that the normal quantile with the first two Cornish–Fisher terms (within
/// 1e-4 of the exact value there).
fn t975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281, 2.2010,
        2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739,
        2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => TABLE[df - 1],
        _ => {
            let (z, df) = (1.959964_f64, df as f64);
            z + (z.powi(3) + z) / (4.0 * df)
                + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * df * df)
        }
    }
}

/// Resamples of a bootstrap: enough for stable 2.5 % and 97.5 % percentiles.
const RESAMPLES: usize = 1000;

/// 95 % percentile intervals of the statistics `estimate` computes from a list of seeds (a seed
/// drawn twice counts twice), over resamples of `seeds` drawn with replacement: whole seeds,
/// since a seed is what repeats an experiment (its subsets, initialisation and order). None
/// with fewer than two seeds, or when most resamples give no estimate (too few distinct points
/// to fit: the interval would describe another experiment). The same seeds always give the
/// same intervals.
pub fn bootstrap_over_seeds(
    seeds: &[u64],
    estimate: impl Fn(&[u64]) -> Option<Vec<f64>>,
) -> Option<Vec<(f64, f64)>> {
    if seeds.len() < 2 {
        return None;
    }
    let mut rng = datasets::rng::SplitMix64::keyed(&[0x626f_6f74, seeds.len() as u64]);
    let mut samples: Vec<Vec<f64>> = Vec::new();
    for _ in 0..RESAMPLES {
        let drawn: Vec<u64> = (0..seeds.len())
            .map(|_| seeds[(rng.next_u64() % seeds.len() as u64) as usize])
            .collect();
        if let Some(values) = estimate(&drawn) {
            if samples.is_empty() {
                samples = vec![Vec::with_capacity(RESAMPLES); values.len()];
            }
            for (sample, value) in samples.iter_mut().zip(values) {
                sample.push(value);
            }
        }
    }
    if samples.first().is_none_or(|s| s.len() < RESAMPLES / 2) {
        return None;
    }
    Some(
        samples
            .iter_mut()
            .map(|values| {
                // Nearest-rank percentiles.
                values.sort_by(f64::total_cmp);
                let at = |p: f64| values[(p * (values.len() - 1) as f64).round() as usize];
                (at(0.025), at(0.975))
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paired_interval_of_known_differences() {
        // Differences 0.01, 0.02, 0.03: mean 0.02, std 0.01, t(0.975, 2) = 4.3027, so the
        // half width is 4.3027 · 0.01 / √3 = 0.024841.
        let d = Difference::of(&[0.01, 0.02, 0.03]).unwrap();
        let (lo, hi) = d.interval.unwrap();
        assert!((d.stat.mean - 0.02).abs() < 1e-12);
        assert!((hi - 0.02 - 0.024841).abs() < 1e-6 && (0.02 - lo - 0.024841).abs() < 1e-6);
        assert!(!d.significant(), "the interval holds 0");
        assert_eq!(d.describe(), "+0.0200 [-0.0048, +0.0448]");
        // Five differences 0.05 ± small: clearly above zero.
        let d = Difference::of(&[0.04, 0.05, 0.06, 0.05, 0.05]).unwrap();
        assert!(d.significant(), "{d:?}");
        assert!(d.describe().ends_with(" *"), "{}", d.describe());
        // 40 pairs use the large-sample quantile.
        assert!((t975(40) - 2.0211).abs() < 1e-4 && (t975(200) - 1.9719).abs() < 1e-4);
    }

    #[test]
    fn one_value_has_no_spread_and_no_interval() {
        let s = Stat::of(&[0.81]).unwrap();
        assert_eq!(s.describe(), "0.8100 (n=1)");
        assert!(s.interval95().is_none());
        let d = Difference::of(&[-0.02]).unwrap();
        assert_eq!(d.describe(), "-0.0200 (n=1, no interval)");
        assert!(!d.significant());
        assert_eq!(
            Stat::of(&[0.8, 0.9]).unwrap().describe(),
            "0.8500 ± 0.0707 (n=2)"
        );
    }
}
