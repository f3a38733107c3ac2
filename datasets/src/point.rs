//! Where a training set sits in an experiment: its regime (how the subsets of a mix are
//! built), its point on that regime's axis — a synthetic share r of N rows, or a multiple k
//! of R real rows added as synthetic rows — and the strategy that trains it (SM, FT, the
//! ramp). The mixer names and records subsets by them ([`subset_name`]), the trainer's
//! results carry them, and the bench plans, lays out and reports by them; a new regime or
//! strategy is one new variant here.
//!
//! Points are whole hundredths ([`Hundredths`]), the resolution of the subset names (`r030`,
//! `k050`): a value is rounded once, where it is read, so shares that print alike are one
//! share and no two floats are ever compared for equality.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How the training sets of a mix are built, named as manifests, `mix.json` and results record
/// it.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Regime {
    /// N rows, a share r of them synthetic: synthetic rows replace real ones.
    #[default]
    FixedSize,
    /// R real rows kept, k·R synthetic rows added.
    AddedSynthetic,
}

impl Regime {
    pub const ALL: [Regime; 2] = [Regime::FixedSize, Regime::AddedSynthetic];

    pub fn name(self) -> &'static str {
        match self {
            Regime::FixedSize => "fixed-size",
            Regime::AddedSynthetic => "added-synthetic",
        }
    }

    /// The point of this regime at `value` on its axis.
    pub fn at(self, value: Hundredths) -> Point {
        match self {
            Regime::FixedSize => Point::Share(value),
            Regime::AddedSynthetic => Point::Added(value),
        }
    }

    /// The letter that starts its subset names (`r030`, `k050`).
    fn letter(self) -> char {
        match self {
            Regime::FixedSize => 'r',
            Regime::AddedSynthetic => 'k',
        }
    }
}

impl fmt::Display for Regime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A non-negative number in whole hundredths: a share or a multiple as subsets are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hundredths(u32);

/// The largest value a point may take (a multiple of 10,000 real rows is far beyond any use).
const MAX_HUNDREDTHS: u32 = 1_000_000;

impl Hundredths {
    pub const ZERO: Hundredths = Hundredths(0);
    pub const ONE: Hundredths = Hundredths(100);

    /// `value` as hundredths, refused (with the reason) unless it is finite, at least 0, at
    /// most 10,000 and a whole number of hundredths (within float noise, so 0.1 + 0.2 is 0.3).
    pub fn exact(value: f64) -> Result<Hundredths, String> {
        if !value.is_finite() || value < 0.0 {
            return Err(format!("{value} is not a number ≥ 0"));
        }
        let scaled = value * 100.0;
        if scaled > MAX_HUNDREDTHS as f64 {
            return Err(format!("{value} is over {}", MAX_HUNDREDTHS / 100));
        }
        if (scaled - scaled.round()).abs() > 1e-6 {
            return Err(format!(
                "{value} is not a whole number of hundredths (subsets are named by hundredths, as r030 or k050)"
            ));
        }
        Ok(Hundredths(scaled.round() as u32))
    }

    /// `value` rounded to the nearest hundredth (clamped to the range): for records written
    /// before points were whole hundredths.
    pub fn rounded(value: f64) -> Hundredths {
        Hundredths((value * 100.0).round().clamp(0.0, MAX_HUNDREDTHS as f64) as u32)
    }

    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// Where a training set sits: a synthetic share of a fixed size, or a multiple of real rows
/// added. Ordered by regime, then value. Written (and parsed) as its subset name: `r030`,
/// `k050`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Point {
    /// Share r of N rows synthetic ([`Regime::FixedSize`]).
    Share(Hundredths),
    /// k·R synthetic rows added to R real ones ([`Regime::AddedSynthetic`]).
    Added(Hundredths),
}

impl Point {
    pub fn regime(self) -> Regime {
        match self {
            Point::Share(_) => Regime::FixedSize,
            Point::Added(_) => Regime::AddedSynthetic,
        }
    }

    /// The point on its regime's axis: the share r, or the multiple k.
    pub fn value(self) -> Hundredths {
        match self {
            Point::Share(v) | Point::Added(v) => v,
        }
    }

    /// The synthetic share of the training set's rows: r, or k / (1 + k).
    pub fn synthetic_share(self) -> f64 {
        match self {
            Point::Share(r) => r.as_f64(),
            Point::Added(k) => k.as_f64() / (1.0 + k.as_f64()),
        }
    }

    /// Whether the training set holds one source only, so FT has one phase and is the SM
    /// run (trained once, counting for both): shares 0 and 1, and k = 0 (the real rows alone).
    pub fn is_endpoint(self) -> bool {
        match self {
            Point::Share(r) => r == Hundredths::ZERO || r == Hundredths::ONE,
            Point::Added(k) => k == Hundredths::ZERO,
        }
    }
}

impl fmt::Display for Point {
    /// `r030` for share 0.3, `k400` for k = 4: hundredths, at least three digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{:03}", self.regime().letter(), self.value().get())
    }
}

impl FromStr for Point {
    type Err = String;

    fn from_str(text: &str) -> Result<Point, String> {
        let bad = || format!("'{text}' is not a point (r030 or k050)");
        let mut chars = text.chars();
        let regime = match chars.next() {
            Some('r') => Regime::FixedSize,
            Some('k') => Regime::AddedSynthetic,
            _ => return Err(bad()),
        };
        let digits = chars.as_str();
        if digits.len() < 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let value: u32 = digits.parse().map_err(|_| bad())?;
        if value > MAX_HUNDREDTHS {
            return Err(bad());
        }
        Ok(regime.at(Hundredths(value)))
    }
}

impl Serialize for Point {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Point {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Point, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// How a run visits the rows of its subset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// Simple Mixed: one shuffled set.
    #[cfg_attr(feature = "clap", value(alias = "simple-mixed"))]
    Sm,
    /// Fine-Tuned: a synthetic phase, then a real phase.
    #[cfg_attr(feature = "clap", value(alias = "fine-tuned"))]
    Ft,
    /// The SM rows with a synthetic fraction of the batches falling linearly over the training.
    Ramp,
    /// Simple Mixed with a synthetic share per class: classes whose synthetic images transfer
    /// badly take fewer of them, the subset's share kept.
    #[serde(rename = "sm-classwise")]
    #[cfg_attr(feature = "clap", value(name = "sm-classwise"))]
    SmClasswise,
}

impl Strategy {
    pub const ALL: [Strategy; 4] = [
        Strategy::Sm,
        Strategy::Ft,
        Strategy::Ramp,
        Strategy::SmClasswise,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Strategy::Sm => "sm",
            Strategy::Ft => "ft",
            Strategy::Ramp => "ramp",
            Strategy::SmClasswise => "sm-classwise",
        }
    }

    /// The strategy whose run a cell of this strategy at `point` is. At an endpoint (one
    /// source only, [`Point::is_endpoint`]) every strategy trains the same rows in the same
    /// order as SM, so there they are the SM run, trained once.
    pub fn run_at(self, point: Point) -> Strategy {
        if point.is_endpoint() {
            Strategy::Sm
        } else {
            self
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Strategy {
    type Err = String;

    fn from_str(text: &str) -> Result<Strategy, String> {
        Strategy::ALL
            .into_iter()
            .find(|s| s.name() == text)
            .ok_or_else(|| format!("'{text}' is not a strategy (sm, ft, ramp or sm-classwise)"))
    }
}

/// The name of the subset a strategy trains at a point, as the mixer writes it and every
/// reader finds it: `sm-r030`, `ft-k200`, `ramp-r050`.
pub fn subset_name(strategy: Strategy, point: Point) -> String {
    format!("{strategy}-{point}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(value: f64) -> Hundredths {
        Hundredths::exact(value).unwrap()
    }

    #[test]
    fn values_are_whole_hundredths_read_once() {
        assert_eq!(h(0.1 + 0.2), h(0.3));
        assert_eq!(h(0.3).as_f64(), 0.3);
        assert_eq!(h(0.3).as_f64().to_bits(), 0.3f64.to_bits());
        assert!(Hundredths::exact(0.125).unwrap_err().contains("hundredths"));
        assert!(Hundredths::exact(-0.1).is_err());
        assert!(Hundredths::exact(f64::NAN).is_err());
        assert!(Hundredths::exact(1e12).unwrap_err().contains("over"));
        assert_eq!(Hundredths::rounded(0.301), h(0.3));
    }

    #[test]
    fn points_are_named_as_subsets_and_parse_back() {
        let cases = [
            (Point::Share(h(0.0)), "r000"),
            (Point::Share(h(0.3)), "r030"),
            (Point::Share(h(1.0)), "r100"),
            (Point::Added(h(0.5)), "k050"),
            (Point::Added(h(4.0)), "k400"),
            (Point::Added(h(12.5)), "k1250"),
        ];
        for (point, name) in cases {
            assert_eq!(point.to_string(), name);
            assert_eq!(name.parse::<Point>().unwrap(), point);
        }
        for bad in ["", "r", "r30", "x030", "r03a", "k-10"] {
            assert!(bad.parse::<Point>().is_err(), "{bad}");
        }
        let json = serde_json::to_string(&Point::Added(h(2.0))).unwrap();
        assert_eq!(json, "\"k200\"");
        assert_eq!(
            serde_json::from_str::<Point>(&json).unwrap(),
            Point::Added(h(2.0))
        );
    }

    #[test]
    fn endpoints_and_shares_follow_the_regime() {
        assert!(Point::Share(h(0.0)).is_endpoint() && Point::Share(h(1.0)).is_endpoint());
        assert!(!Point::Share(h(0.5)).is_endpoint());
        assert!(Point::Added(h(0.0)).is_endpoint() && !Point::Added(h(1.0)).is_endpoint());
        assert_eq!(Point::Added(h(2.0)).synthetic_share(), 2.0 / 3.0);
        assert_eq!(Point::Share(h(0.3)).synthetic_share(), 0.3);
        assert!(Point::Share(h(1.0)) < Point::Added(h(0.0)));
        assert_eq!(Regime::AddedSynthetic.at(h(1.0)), Point::Added(h(1.0)));
    }

    #[test]
    fn strategies_share_the_sm_run_at_the_endpoints_and_name_subsets() {
        let middle = Point::Share(h(0.3));
        assert_eq!(Strategy::Ft.run_at(middle), Strategy::Ft);
        for endpoint in [
            Point::Share(h(0.0)),
            Point::Share(h(1.0)),
            Point::Added(h(0.0)),
        ] {
            for strategy in Strategy::ALL {
                assert_eq!(strategy.run_at(endpoint), Strategy::Sm);
            }
        }
        assert_eq!(subset_name(Strategy::Ramp, middle), "ramp-r030");
        assert_eq!(subset_name(Strategy::Ft, Point::Added(h(2.0))), "ft-k200");
        for strategy in Strategy::ALL {
            assert_eq!(strategy.to_string().parse::<Strategy>(), Ok(strategy));
            let json = serde_json::to_string(&strategy).unwrap();
            assert_eq!(json, format!("\"{strategy}\""));
        }
        assert!(
            "mixed"
                .parse::<Strategy>()
                .unwrap_err()
                .contains("sm, ft, ramp or sm-classwise")
        );
        assert_eq!(
            subset_name(Strategy::SmClasswise, middle),
            "sm-classwise-r030"
        );
        assert_eq!(
            serde_json::to_string(&Strategy::SmClasswise).unwrap(),
            "\"sm-classwise\""
        );
    }
}
