//! Mixing curves: accuracy as a function of the synthetic share, fitted by least squares.

use datasets::point::Hundredths;

/// A curve `acc(r)` fitted by least squares to the accuracies of one strategy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fit {
    /// The exponential mixing law `a − b·exp(c·r)`.
    Exponential { a: f64, b: f64, c: f64, r2: f64 },
    /// `a + b·r + c·r²`.
    Quadratic { a: f64, b: f64, c: f64, r2: f64 },
}

impl Fit {
    pub fn eval(&self, r: f64) -> f64 {
        match *self {
            Fit::Exponential { a, b, c, .. } => a - b * (c * r).exp(),
            Fit::Quadratic { a, b, c, .. } => a + b * r + c * r * r,
        }
    }

    pub fn r2(&self) -> f64 {
        match *self {
            Fit::Exponential { r2, .. } | Fit::Quadratic { r2, .. } => r2,
        }
    }

    /// The share in [0, 1] (to 0.01) where the curve peaks.
    pub fn best_share(&self) -> f64 {
        (0..=100).map(|i| i as f64 / 100.0).fold(0.0, |best, r| {
            if self.eval(r) > self.eval(best) {
                r
            } else {
                best
            }
        })
    }

    pub fn describe(&self) -> String {
        // "+ -0.1" reads badly: every term after the first carries its own sign.
        let term = |v: f64, what: &str| {
            format!(" {} {:.4}{what}", if v < 0.0 { '−' } else { '+' }, v.abs())
        };
        match *self {
            Fit::Exponential { a, b, c, r2 } => format!(
                "{a:.4}{} (R² {r2:.3})",
                term(-b, &format!("·exp({c:.2}·r)"))
            ),
            Fit::Quadratic { a, b, c, r2 } => {
                format!("{a:.4}{}{} (R² {r2:.3})", term(b, "·r"), term(c, "·r²"))
            }
        }
    }

    /// The curve of this one's family fitted to other points (a bootstrap resample); none below
    /// 3 distinct shares.
    pub fn refit(&self, points: &[(f64, f64)]) -> Option<Fit> {
        if distinct_shares(points) < 3 {
            return None;
        }
        match self {
            Fit::Exponential { .. } => fit_exponential(points),
            Fit::Quadratic { .. } => fit_quadratic(points),
        }
    }

    /// Both curves fitted to `(share, accuracy)` points; none below 3 distinct shares.
    pub fn fit_all(points: &[(f64, f64)]) -> Vec<Fit> {
        if distinct_shares(points) < 3 {
            return Vec::new();
        }
        [fit_exponential(points), fit_quadratic(points)]
            .into_iter()
            .flatten()
            .collect()
    }
}

fn distinct_shares(points: &[(f64, f64)]) -> usize {
    let mut distinct: Vec<Hundredths> = points.iter().map(|p| Hundredths::rounded(p.0)).collect();
    distinct.sort_unstable();
    distinct.dedup();
    distinct.len()
}

pub(crate) fn r_squared(points: &[(f64, f64)], f: impl Fn(f64) -> f64) -> f64 {
    let mean = points.iter().map(|p| p.1).sum::<f64>() / points.len() as f64;
    let sst: f64 = points.iter().map(|p| (p.1 - mean).powi(2)).sum();
    let sse: f64 = points.iter().map(|p| (p.1 - f(p.0)).powi(2)).sum();
    if sst > 0.0 { 1.0 - sse / sst } else { 1.0 }
}

/// For a fixed rate `c` the law is linear in `a` and `b`; the rate is searched on a grid.
fn fit_exponential(points: &[(f64, f64)]) -> Option<Fit> {
    let rates = (-400..=400)
        .filter(|&step| step != 0)
        .map(|step| step as f64 * 0.05);
    let line = grid_fit(points, rates, 1e-12, |c, r| (c * r).exp())?;
    let (a, b, c) = (line.intercept, -line.slope, line.parameter);
    Some(Fit::Exponential {
        a,
        b,
        c,
        r2: r_squared(points, |r| a - b * (c * r).exp()),
    })
}

/// The best of the lines `y = slope·g + intercept`, g = `basis(p, x)`, fitted by least squares
/// for every parameter p of `grid`: the fit of a law that is linear but for one parameter.
pub(crate) struct GridFit {
    pub parameter: f64,
    pub slope: f64,
    pub intercept: f64,
}

/// [`GridFit`] over `points`: the parameter with the least squared error (the first on a tie);
/// a parameter whose basis varies less than `min_variance` over the points is skipped.
pub(crate) fn grid_fit(
    points: &[(f64, f64)],
    grid: impl IntoIterator<Item = f64>,
    min_variance: f64,
    basis: impl Fn(f64, f64) -> f64,
) -> Option<GridFit> {
    let n = points.len() as f64;
    let ym = points.iter().map(|p| p.1).sum::<f64>() / n;
    let mut best: Option<(f64, GridFit)> = None;
    for parameter in grid {
        let g: Vec<f64> = points.iter().map(|p| basis(parameter, p.0)).collect();
        let gm = g.iter().sum::<f64>() / n;
        let var: f64 = g.iter().map(|v| (v - gm).powi(2)).sum();
        if var < min_variance {
            continue;
        }
        let cov: f64 = g
            .iter()
            .zip(points)
            .map(|(v, p)| (v - gm) * (p.1 - ym))
            .sum();
        let slope = cov / var;
        let intercept = ym - slope * gm;
        let sse: f64 = g
            .iter()
            .zip(points)
            .map(|(v, p)| (p.1 - (slope * v + intercept)).powi(2))
            .sum();
        if best.as_ref().is_none_or(|(s, _)| sse < *s) {
            let line = GridFit {
                parameter,
                slope,
                intercept,
            };
            best = Some((sse, line));
        }
    }
    best.map(|(_, line)| line)
}

/// Normal equations of `a + b·r + c·r²`, solved by Cramer's rule.
fn fit_quadratic(points: &[(f64, f64)]) -> Option<Fit> {
    let s = |k: i32| points.iter().map(|p| p.0.powi(k)).sum::<f64>();
    let t = |k: i32| points.iter().map(|p| p.0.powi(k) * p.1).sum::<f64>();
    let m = [[s(0), s(1), s(2)], [s(1), s(2), s(3)], [s(2), s(3), s(4)]];
    let v = [t(0), t(1), t(2)];
    let det = |m: [[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let d = det(m);
    if d.abs() < 1e-12 {
        return None;
    }
    let solve = |col: usize| {
        let mut mc = m;
        for row in 0..3 {
            mc[row][col] = v[row];
        }
        det(mc) / d
    };
    let (a, b, c) = (solve(0), solve(1), solve(2));
    Some(Fit::Quadratic {
        a,
        b,
        c,
        r2: r_squared(points, |r| a + b * r + c * r * r),
    })
}
