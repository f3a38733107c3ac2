//! The experiment's points, read once where the file is parsed: the share sweep and the added
//! regime's multiples as whole hundredths, each keeping the text it was given in, so the pinned
//! experiment reads back as the same text.

use datasets::point::Hundredths;
use serde::{Deserialize, Serialize};

/// The share sweep, as `shares = "0:1:0.1"` (or a comma list) gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Shares {
    text: String,
    values: Vec<Hundredths>,
}

impl Shares {
    /// Every share, in the order given.
    pub fn values(&self) -> &[Hundredths] {
        &self.values
    }
}

impl TryFrom<String> for Shares {
    type Error = String;

    fn try_from(text: String) -> Result<Shares, String> {
        let values = mixer::parse_shares(&text).map_err(|e| match e {
            // The mixer names its setting; here the key of the experiment file says it.
            mixer::Error::Dataset(datasets::Error::Setting { message, .. }) => {
                format!("shares: {message}")
            }
            other => format!("shares: {other}"),
        })?;
        Ok(Shares { text, values })
    }
}

impl From<Shares> for String {
    fn from(shares: Shares) -> String {
        shares.text
    }
}

/// The added regime's multiples k of the real rows, as `multiples = [0, 0.5, 1]` gives them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<f64>", into = "Vec<f64>")]
pub struct Multiples {
    given: Vec<f64>,
    values: Vec<Hundredths>,
}

impl Multiples {
    /// Every multiple, in the order given.
    pub fn values(&self) -> &[Hundredths] {
        &self.values
    }
}

impl TryFrom<Vec<f64>> for Multiples {
    type Error = String;

    fn try_from(given: Vec<f64>) -> Result<Multiples, String> {
        if given.is_empty() {
            return Err(
                "added.multiples is empty: give at least one multiple k of the real rows, e.g. [0, 0.5, 1, 2, 4]"
                    .into(),
            );
        }
        let values = given
            .iter()
            .map(|&k| {
                Hundredths::exact(k).map_err(|why| {
                    format!("added.multiples: {why}; the synthetic rows added are k ≥ 0 times added.real")
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let mut sorted = values.clone();
        sorted.sort();
        if let Some(twice) = sorted.windows(2).find(|w| w[0] == w[1]) {
            return Err(format!(
                "added.multiples: k = {} is given twice; drop one",
                twice[0].as_f64()
            ));
        }
        Ok(Multiples { given, values })
    }
}

impl From<Multiples> for Vec<f64> {
    fn from(multiples: Multiples) -> Vec<f64> {
        multiples.given
    }
}
