//! What a mix records: `mix.json` beside its subsets ([`MixRecord`], one type written by the
//! mixer and read by whoever checks a mix, listing every strategy's subset of every point),
//! and the request and record each subset's manifest keeps ([`Records`]): its request is its
//! fingerprint, so a rerun resumes only an equal request.

use datasets::Location;

use datasets::Source;
use datasets::point::{Point, Regime, Strategy, subset_name};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::Result;
use crate::inputs::{ClassRenames, InputId, Inputs};
use crate::quotas::QuotaTable;
use crate::{Draw, MixOptions, Order};

/// The file describing a mix, next to its subsets.
pub const MIX_FILE: &str = "mix.json";

/// `mix.json`. Its fields are in alphabetical order, the order the file has always had.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MixRecord {
    pub class_map: ClassRenames,
    /// The share of each class (`synmix mix --class-shares`), in the classes' order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_shares: Option<Vec<f64>>,
    /// How well each class's synthetic images transfer, which the sweep's class-wise subsets
    /// follow (in the classes' order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_transfer: Option<Vec<f64>>,
    pub classes: Vec<String>,
    pub command: String,
    /// How the shares shared rows (the share sweep).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draw: Option<Draw>,
    /// `sweep` or the regime's name.
    pub kind: String,
    /// The multiples k (the added-synthetic regime).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiples: Option<Vec<f64>>,
    pub order: Order,
    pub real: InputRecord,
    /// R, the real rows of every subset (the added-synthetic regime).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub real_rows: Option<u64>,
    pub regime: Regime,
    pub seed: u64,
    /// The shares (the share sweep).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shares: Option<Vec<f64>>,
    /// N, the rows of every subset (the share sweep).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    pub subsets: Vec<SubsetRecord>,
    pub synthetic: InputRecord,
    pub tool_version: String,
}

/// One input of a mix: where it was read and what it held.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputRecord {
    pub dir: Location,
    pub id: InputId,
}

/// One point of a mix: its rows and the subset of every strategy, which hold the same rows
/// (the class-wise subset aside: its own quotas, the same share).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubsetRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ft: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiple: Option<f64>,
    pub quotas: QuotaTable,
    /// Written when the mix was asked for ramp recipes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ramp: Option<String>,
    pub real_rows: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sm: Option<String>,
    /// Written when the sweep was given the classes' transfer, between shares 0 and 1.
    #[serde(
        default,
        rename = "sm-classwise",
        skip_serializing_if = "Option::is_none"
    )]
    pub sm_classwise: Option<String>,
    pub synthetic_rows: u64,
}

impl SubsetRecord {
    /// The subsets of `point` from `table`'s rows; the ramp's when `ramp` is asked, the
    /// class-wise one when `classwise` is.
    pub(crate) fn new(
        point: Point,
        table: &QuotaTable,
        ramp: bool,
        classwise: bool,
    ) -> SubsetRecord {
        SubsetRecord {
            ft: Some(subset_name(Strategy::Ft, point)),
            ramp: ramp.then(|| subset_name(Strategy::Ramp, point)),
            sm: Some(subset_name(Strategy::Sm, point)),
            sm_classwise: classwise.then(|| subset_name(Strategy::SmClasswise, point)),
            ..SubsetRecord::classwise_only(point, table)
        }
    }

    /// The class-wise subset of `point` alone, from `table`'s rows (`mix --class-shares`).
    pub(crate) fn classwise_only(point: Point, table: &QuotaTable) -> SubsetRecord {
        let value = point.value().as_f64();
        SubsetRecord {
            ft: None,
            multiple: (point.regime() == Regime::AddedSynthetic).then_some(value),
            quotas: table.clone(),
            ramp: None,
            real_rows: table.rows_of(Source::Real),
            share: (point.regime() == Regime::FixedSize).then_some(value),
            sm: None,
            sm_classwise: Some(subset_name(Strategy::SmClasswise, point)),
            synthetic_rows: table.rows_of(Source::Synthetic),
        }
    }

    /// The names of every subset of the point, SM first.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        [&self.sm, &self.ft, &self.ramp, &self.sm_classwise]
            .into_iter()
            .flatten()
            .map(String::as_str)
    }
}

impl MixRecord {
    /// The record of the mix in `dir`.
    pub fn read(dir: impl Into<Location>) -> Result<MixRecord> {
        let path = dir.into().join(MIX_FILE);
        let Some(text) = path.read()? else {
            return Err(crate::Error::invalid(format!("{path}: no mix record")));
        };
        serde_json::from_slice(&text)
            .map_err(|e| crate::Error::invalid(format!("{path}: not a mix record: {e}")))
    }

    /// Writes the record into `dir`, whole: the last file of a mix.
    pub(crate) fn write(&self, dir: &Location) -> Result<Location> {
        let path = dir.join(MIX_FILE);
        path.put_json(self)?;
        Ok(path)
    }

    /// Every subset the mix wrote, by name.
    pub fn subset_names(&self) -> Vec<&str> {
        self.subsets.iter().flat_map(SubsetRecord::names).collect()
    }
}

/// What every regime records alike, in subset manifests and `mix.json`; each subset's request
/// and record take the fields only its regime has as `extra` (a JSON object).
pub(crate) struct Records<'a> {
    inputs: &'a Inputs,
    options: &'a MixOptions,
    regime: Regime,
}

impl<'a> Records<'a> {
    pub(crate) fn new(inputs: &'a Inputs, options: &'a MixOptions, regime: Regime) -> Self {
        Records {
            inputs,
            options,
            regime,
        }
    }

    /// The request a subset's manifest records (its fingerprint: a rerun resumes only an equal
    /// request).
    pub(crate) fn request(&self, strategy: Strategy, extra: Value) -> Value {
        let (inputs, options) = (self.inputs, self.options);
        merged(
            json!({
                "kind": strategy, "synthetic": inputs.synthetic, "real": inputs.real,
                "class_map": options.class_renames, "seed": options.seed, "order": options.order,
                "tool_version": datasets::TOOL_VERSION,
            }),
            extra,
        )
    }

    /// What a subset's manifest records of how it was mixed.
    pub(crate) fn record(&self, table: &QuotaTable, extra: Value) -> Value {
        let (inputs, options) = (self.inputs, self.options);
        merged(
            json!({
                "regime": self.regime, "synthetic_dir": inputs.synthetic_dir,
                "real_dir": inputs.real_dir, "classes": inputs.classes,
                "synthetic_rows": table.rows_of(Source::Synthetic),
                "real_rows": table.rows_of(Source::Real), "order": options.order, "quotas": table,
            }),
            extra,
        )
    }

    /// `mix.json` of the whole mix and its `subsets`; the regime's own fields are set by the
    /// caller.
    pub(crate) fn mix(&self, kind: &str, subsets: Vec<SubsetRecord>) -> MixRecord {
        let (inputs, options) = (self.inputs, self.options);
        MixRecord {
            class_map: options.class_renames.clone(),
            class_shares: None,
            class_transfer: None,
            classes: inputs.classes.clone(),
            command: options.command.clone(),
            draw: None,
            kind: kind.to_string(),
            multiples: None,
            order: options.order,
            real: InputRecord {
                dir: inputs.real_dir.clone(),
                id: inputs.real.clone(),
            },
            real_rows: None,
            regime: self.regime,
            seed: options.seed,
            shares: None,
            size: None,
            subsets,
            synthetic: InputRecord {
                dir: inputs.synthetic_dir.clone(),
                id: inputs.synthetic.clone(),
            },
            tool_version: datasets::TOOL_VERSION.to_string(),
        }
    }
}

/// `base` with the fields of `extra` added (both JSON objects).
fn merged(mut base: Value, extra: Value) -> Value {
    if let (Value::Object(base), Value::Object(extra)) = (&mut base, extra) {
        base.extend(extra);
    }
    base
}
