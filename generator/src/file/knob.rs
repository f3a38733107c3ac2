//! A knob of a preset file: its distribution, read from TOML or from a `--knob` override, and
//! drawn from the counter hash.
//!
//! In TOML a knob is a number (fixed), `[min, max]` or `{ uniform = [min, max] }` (uniform),
//! `{ int = [min, max] }` (a whole number, both ends included), `{ choice = [v, ...], weights
//! = [w, ...] }` (one of the values, in proportion to the weights, equal without them) or
//! `{ normal = [mean, sd], clip = [min, max] }` (a normal draw, redrawn while outside the clip
//! range). On the command line: `name=value` or `name=min..max`.

use datasets::rng::keyed_hash;
use statrs::function::erf::erfc;

/// How a knob's value is drawn for each sample.
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    Fixed(f64),
    Uniform {
        min: f64,
        max: f64,
    },
    Int {
        min: i64,
        max: i64,
    },
    Choice {
        values: Vec<f64>,
        weights: Vec<f64>,
    },
    Normal {
        mean: f64,
        sd: f64,
        min: f64,
        max: f64,
    },
}

/// Whether the shader sees a knob as `f32` or `i32`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnobType {
    F32,
    I32,
}

/// Draws of a clipped normal before it settles for its mean clamped to the clip.
const NORMAL_TRIES: u64 = 64;

/// The largest share of a clipped normal's values that may be that settled constant rather
/// than a draw: a clip holding too little of the normal's mass is refused (see
/// [`Distribution::check`]), since its knob would silently become a constant.
const MAX_SETTLED: f64 = 1e-6;

/// The largest magnitude of an integer knob: exactly representable in `f32` and `i32`.
const INT_LIMIT: i64 = 1 << 24;

impl Distribution {
    /// Reads a knob's TOML value; the error says what is wrong, without the knob's name.
    pub fn from_toml(value: &toml::Value) -> Result<Distribution, String> {
        use toml::Value;
        let number = |v: &Value| -> Result<f64, String> {
            match v {
                Value::Integer(i) => Ok(*i as f64),
                Value::Float(f) => Ok(*f),
                other => Err(format!("expected a number, found {}", other.type_str())),
            }
        };
        let pair = |v: &Value, what: &str| -> Result<(f64, f64), String> {
            match v.as_array().map(Vec::as_slice) {
                Some([a, b]) => Ok((number(a)?, number(b)?)),
                _ => Err(format!("{what} needs two numbers, as in [0.5, 1.5]")),
            }
        };
        let distribution = match value {
            Value::Integer(_) | Value::Float(_) => Distribution::Fixed(number(value)?),
            Value::Array(_) => {
                let (min, max) = pair(value, "a range")?;
                Distribution::Uniform { min, max }
            }
            Value::Table(table) => {
                let keys: Vec<&str> = table.keys().map(String::as_str).collect();
                match keys.as_slice() {
                    ["uniform"] => {
                        let (min, max) = pair(&table["uniform"], "uniform")?;
                        Distribution::Uniform { min, max }
                    }
                    ["int"] => {
                        let (min, max) = pair(&table["int"], "int")?;
                        if min.fract() != 0.0 || max.fract() != 0.0 {
                            return Err(format!("int needs whole numbers, not [{min}, {max}]"));
                        }
                        Distribution::Int {
                            min: min as i64,
                            max: max as i64,
                        }
                    }
                    ["choice"] | ["choice", "weights"] | ["weights", "choice"] => {
                        let list = |key: &str| -> Result<Vec<f64>, String> {
                            table[key]
                                .as_array()
                                .ok_or_else(|| format!("{key} needs a list of numbers"))?
                                .iter()
                                .map(number)
                                .collect()
                        };
                        let values = list("choice")?;
                        let weights = match table.get("weights") {
                            Some(_) => list("weights")?,
                            None => vec![1.0; values.len()],
                        };
                        Distribution::Choice { values, weights }
                    }
                    ["clip", "normal"] | ["normal", "clip"] | ["normal"] => {
                        let (mean, sd) = pair(&table["normal"], "normal = [mean, sd]")?;
                        let (min, max) = match table.get("clip") {
                            Some(clip) => pair(clip, "clip")?,
                            None => (mean - 4.0 * sd, mean + 4.0 * sd),
                        };
                        Distribution::Normal { mean, sd, min, max }
                    }
                    _ => {
                        return Err(format!(
                            "has keys [{}]; use uniform, int, choice (with weights), or normal (with clip)",
                            keys.join(", ")
                        ));
                    }
                }
            }
            other => {
                return Err(format!(
                    "is a {}; use a number, [min, max] or a table such as {{ int = [3, 8] }}",
                    other.type_str()
                ));
            }
        };
        distribution.check()?;
        Ok(distribution)
    }

    /// Reads a `--knob` value: `value` or `min..max`, whole numbers for an integer knob.
    pub fn from_arg(text: &str, kind: KnobType) -> Result<Distribution, String> {
        let number = |t: &str| -> Result<f64, String> {
            t.trim()
                .parse::<f64>()
                .map_err(|_| format!("'{t}' is not a number; write a value or min..max"))
        };
        let distribution = match (text.split_once(".."), kind) {
            (Some((a, b)), KnobType::F32) => Distribution::Uniform {
                min: number(a)?,
                max: number(b)?,
            },
            (Some((a, b)), KnobType::I32) => {
                let (min, max) = (number(a)?, number(b)?);
                if min.fract() != 0.0 || max.fract() != 0.0 {
                    return Err(format!("an integer knob needs whole numbers, not {text}"));
                }
                Distribution::Int {
                    min: min as i64,
                    max: max as i64,
                }
            }
            (None, _) => Distribution::Fixed(number(text)?),
        };
        distribution.check()?;
        Ok(distribution)
    }

    fn check(&self) -> Result<(), String> {
        let finite = |v: f64| {
            if v.is_finite() {
                Ok(())
            } else {
                Err(format!("{v} is not a finite number"))
            }
        };
        match self {
            Distribution::Fixed(v) => finite(*v),
            Distribution::Uniform { min, max } => {
                finite(*min)?;
                finite(*max)?;
                if min > max {
                    return Err(format!("has min {min} greater than max {max}"));
                }
                Ok(())
            }
            Distribution::Int { min, max } => {
                if min > max {
                    return Err(format!("has min {min} greater than max {max}"));
                }
                if min.abs() > INT_LIMIT || max.abs() > INT_LIMIT {
                    return Err(format!("int bounds must lie within ±{INT_LIMIT}"));
                }
                Ok(())
            }
            Distribution::Choice { values, weights } => {
                if values.is_empty() {
                    return Err("choice needs at least one value".into());
                }
                if weights.len() != values.len() {
                    return Err(format!(
                        "choice has {} values but {} weights",
                        values.len(),
                        weights.len()
                    ));
                }
                values.iter().chain(weights).try_for_each(|&v| finite(v))?;
                if weights.iter().any(|&w| w < 0.0) {
                    return Err("choice weights must not be negative".into());
                }
                if !weights.iter().any(|&w| w > 0.0) {
                    return Err("choice needs at least one positive weight".into());
                }
                Ok(())
            }
            Distribution::Normal { mean, sd, min, max } => {
                [*mean, *sd, *min, *max].into_iter().try_for_each(finite)?;
                if *sd < 0.0 {
                    return Err(format!("normal has a negative sd {sd}"));
                }
                if min > max {
                    return Err(format!("clip has min {min} greater than max {max}"));
                }
                let inside = share_inside(*mean, *sd, *min, *max);
                let needed = 1.0 - MAX_SETTLED.powf(1.0 / NORMAL_TRIES as f64);
                if inside < needed {
                    return Err(format!(
                        "normal [{mean}, {sd}] puts {:.3} % of its draws inside its clip [{min}, {max}], \
                         so many images would get the constant {} instead of a draw (a clip must hold \
                         at least {:.0} %); move the mean, widen the sd or the clip, or use a range",
                        inside * 100.0,
                        mean.clamp(*min, *max),
                        needed * 100.0
                    ));
                }
                Ok(())
            }
        }
    }

    /// The type the shader sees: whole numbers for `int`, and for a fixed value or choice
    /// only where the knob is declared an integer elsewhere (see [`KnobType`]).
    pub fn natural_type(&self) -> KnobType {
        match self {
            Distribution::Int { .. } => KnobType::I32,
            _ => KnobType::F32,
        }
    }

    /// Whether every value this draws is a whole number (so it may be an `i32` knob).
    pub fn is_whole(&self) -> bool {
        let whole = |v: f64| v.fract() == 0.0 && v.abs() <= INT_LIMIT as f64;
        match self {
            Distribution::Fixed(v) => whole(*v),
            Distribution::Int { .. } => true,
            Distribution::Choice { values, .. } => values.iter().copied().all(whole),
            Distribution::Uniform { .. } | Distribution::Normal { .. } => false,
        }
    }

    /// The value of one sample: `keys` name it (seed, stream, index, knob), and every value
    /// comes from the counter hash of those keys and a draw number, so it depends on nothing
    /// else.
    pub fn draw(&self, keys: [u64; 4]) -> f64 {
        let unit = |draw: u64| {
            let [seed, stream, index, knob] = keys;
            // 53 bits: a uniform double in [0, 1).
            (keyed_hash(&[seed, stream, index, knob, draw]) >> 11) as f64 / (1u64 << 53) as f64
        };
        match self {
            Distribution::Fixed(v) => *v,
            Distribution::Uniform { min, max } => min + (max - min) * unit(0),
            Distribution::Int { min, max } => {
                let span = (max - min + 1) as f64;
                (*min + (unit(0) * span) as i64).min(*max) as f64
            }
            Distribution::Choice { values, weights } => {
                let total: f64 = weights.iter().sum();
                let mut left = unit(0) * total;
                for (value, weight) in values.iter().zip(weights) {
                    if left < *weight {
                        return *value;
                    }
                    left -= weight;
                }
                // Rounding at the top end: the last value with a positive weight.
                values
                    .iter()
                    .zip(weights)
                    .rev()
                    .find(|(_, w)| **w > 0.0)
                    .map_or(values[0], |(v, _)| *v)
            }
            Distribution::Normal { mean, sd, min, max } => {
                for attempt in 0..NORMAL_TRIES {
                    // Box-Muller from two uniforms; 1 - u keeps the logarithm finite.
                    let (u, v) = (1.0 - unit(2 * attempt), unit(2 * attempt + 1));
                    let z = (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos();
                    let x = mean + sd * z;
                    if (*min..=*max).contains(&x) {
                        return x;
                    }
                }
                mean.clamp(*min, *max)
            }
        }
    }
}

/// The share of a normal's draws that lie in `[min, max]`, exactly (from the normal's CDF).
fn share_inside(mean: f64, sd: f64, min: f64, max: f64) -> f64 {
    if sd == 0.0 {
        return if (min..=max).contains(&mean) {
            1.0
        } else {
            0.0
        };
    }
    // Φ(z) = erfc(−z / √2) / 2.
    // Divided one at a time, so that no product of large numbers overflows.
    let cdf = |x: f64| 0.5 * erfc(-(x - mean) / sd / std::f64::consts::SQRT_2);
    (cdf(max) - cdf(min)).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Distribution, String> {
        let table: toml::Table = toml::from_str(&format!("k = {text}")).unwrap();
        Distribution::from_toml(&table["k"])
    }

    fn draws(d: &Distribution, n: u64) -> Vec<f64> {
        (0..n).map(|i| d.draw([7, 0, i, 3])).collect()
    }

    fn mean_sd(v: &[f64]) -> (f64, f64) {
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64;
        (mean, var.sqrt())
    }

    #[test]
    fn every_form_parses() {
        assert_eq!(parse("2").unwrap(), Distribution::Fixed(2.0));
        assert_eq!(
            parse("[1, 2.5]").unwrap(),
            Distribution::Uniform { min: 1.0, max: 2.5 }
        );
        assert_eq!(
            parse("{ uniform = [0, 1] }").unwrap(),
            Distribution::Uniform { min: 0.0, max: 1.0 }
        );
        assert_eq!(
            parse("{ int = [3, 8] }").unwrap(),
            Distribution::Int { min: 3, max: 8 }
        );
        assert_eq!(
            parse("{ choice = [1, 2] }").unwrap(),
            Distribution::Choice {
                values: vec![1.0, 2.0],
                weights: vec![1.0, 1.0]
            }
        );
        assert_eq!(
            parse("{ normal = [0, 1], clip = [-2, 2] }").unwrap(),
            Distribution::Normal {
                mean: 0.0,
                sd: 1.0,
                min: -2.0,
                max: 2.0
            }
        );
        assert_eq!(
            Distribution::from_arg("0.5..2", KnobType::F32).unwrap(),
            Distribution::Uniform { min: 0.5, max: 2.0 }
        );
        assert_eq!(
            Distribution::from_arg("3..5", KnobType::I32).unwrap(),
            Distribution::Int { min: 3, max: 5 }
        );
        assert_eq!(
            Distribution::from_arg("4", KnobType::I32).unwrap(),
            Distribution::Fixed(4.0)
        );
    }

    #[test]
    fn bad_distributions_say_what_is_wrong() {
        for (text, words) in [
            ("[2, 1]", "min 2 greater than max 1"),
            ("{ int = [5, 1] }", "min 5 greater than max 1"),
            ("{ int = [1.5, 3] }", "whole numbers"),
            ("{ choice = [1, 2], weights = [0, 0] }", "positive weight"),
            (
                "{ choice = [1, 2], weights = [1] }",
                "2 values but 1 weights",
            ),
            ("{ normal = [0, -1] }", "negative sd"),
            ("{ normal = [0, 1], clip = [3, 2] }", "clip has min 3"),
            ("{ gauss = [0, 1] }", "use uniform, int"),
            ("\"big\"", "is a string"),
            ("[1, 2, 3]", "two numbers"),
        ] {
            let message = parse(text).unwrap_err();
            assert!(message.contains(words), "{text}: {message}");
        }
        assert!(Distribution::from_arg("a..b", KnobType::F32).is_err());
        assert!(Distribution::from_arg("1.5..3", KnobType::I32).is_err());
        assert!(Distribution::from_arg("3..1", KnobType::F32).is_err());
    }

    #[test]
    fn uniform_and_int_draws_cover_their_range_evenly() {
        let v = draws(&Distribution::Uniform { min: 2.0, max: 4.0 }, 20_000);
        assert!(v.iter().all(|x| (2.0..4.0).contains(x)));
        let (mean, sd) = mean_sd(&v);
        assert!((mean - 3.0).abs() < 0.02, "{mean}");
        // The sd of U(2, 4) is 2 / sqrt(12).
        assert!((sd - 2.0 / 12f64.sqrt()).abs() < 0.01, "{sd}");

        let v = draws(&Distribution::Int { min: 3, max: 8 }, 60_000);
        for k in 3..=8 {
            let share = v.iter().filter(|&&x| x == k as f64).count() as f64 / 60_000.0;
            assert!((share - 1.0 / 6.0).abs() < 0.01, "{k}: {share}");
        }
        assert!(
            v.iter()
                .all(|&x| x.fract() == 0.0 && (3.0..=8.0).contains(&x))
        );
    }

    #[test]
    fn choices_follow_their_weights() {
        let d = parse("{ choice = [10, 20, 30], weights = [1, 0, 3] }").unwrap();
        let v = draws(&d, 40_000);
        let share = |x: f64| v.iter().filter(|&&y| y == x).count() as f64 / 40_000.0;
        assert!((share(10.0) - 0.25).abs() < 0.01);
        assert_eq!(share(20.0), 0.0);
        assert!((share(30.0) - 0.75).abs() < 0.01);
    }

    #[test]
    fn clipped_normals_keep_their_shape_inside_the_clip() {
        let d = parse("{ normal = [1.0, 0.5] }").unwrap();
        let (mean, sd) = mean_sd(&draws(&d, 40_000));
        assert!(
            (mean - 1.0).abs() < 0.01 && (sd - 0.5).abs() < 0.01,
            "{mean} {sd}"
        );
        let d = parse("{ normal = [0.0, 1.0], clip = [0.0, 5.0] }").unwrap();
        let v = draws(&d, 40_000);
        assert!(v.iter().all(|x| (0.0..=5.0).contains(x)));
        // A half-normal: mean sqrt(2 / pi).
        let (mean, _) = mean_sd(&v);
        assert!(
            (mean - (2.0 / std::f64::consts::PI).sqrt()).abs() < 0.02,
            "{mean}"
        );
    }

    #[test]
    fn a_clip_that_draws_nearly_never_reach_is_refused_naming_the_constant() {
        // The knob: every draw lies 45 sd below the clip.
        let message = parse("{ normal = [0.5, 0.1], clip = [5.0, 6.0] }").unwrap_err();
        assert!(
            message.contains("0.000 % of its draws")
                && message.contains("the constant 5 ")
                && message.contains("at least 19 %"),
            "{message}"
        );
        // sd 0 outside the clip is the same constant.
        assert!(parse("{ normal = [2, 0], clip = [0, 1] }").is_err());
        assert!(parse("{ normal = [0.5, 0], clip = [0, 1] }").is_ok());
        // A tail: 1 sd and beyond holds 15.9 %, too little; 0.8 sd and beyond 21.2 %, enough,
        // and then no draw of many settles.
        assert!(parse("{ normal = [0, 1], clip = [1, 10] }").is_err());
        let tail = parse("{ normal = [0, 1], clip = [0.8, 10] }").unwrap();
        assert!(draws(&tail, 20_000).iter().all(|&x| x > 0.8));
        // Huge numbers neither overflow nor pass for a tiny share.
        assert!(parse("{ normal = [0, 1e308], clip = [-1e308, 1e308] }").is_ok());
        assert!((share_inside(0.0, 1.0, -1.0, 1.0) - 0.682_689_492).abs() < 1e-9);
    }

    #[test]
    fn a_draw_depends_only_on_its_keys() {
        let d = Distribution::Uniform { min: 0.0, max: 1.0 };
        assert_eq!(d.draw([1, 0, 5, 9]), d.draw([1, 0, 5, 9]));
        assert_ne!(d.draw([1, 0, 5, 9]), d.draw([2, 0, 5, 9]));
        assert_ne!(d.draw([1, 0, 5, 9]), d.draw([1, 1, 5, 9]));
        assert_ne!(d.draw([1, 0, 5, 9]), d.draw([1, 0, 5, 8]));
    }
}
