//! General curricula: one dataset whose `train` split is a sequence of phases, each with its
//! own synthetic share, or a linear ramp of the share over K blocks. Read from TOML:
//!
//! ```toml
//! size = 10000                 # rows in all; the phases must add up to it
//!
//! [[phase]]
//! name = "synthetic"
//! size = 4000
//! synthetic_share = 1.0
//!
//! [[phase]]
//! name = "ramp"                # blocks ramp-1 .. ramp-4 at shares 1, 2/3, 1/3, 0
//! size = 4000
//! ramp = { from = 1.0, to = 0.0, blocks = 4 }
//!
//! [[phase]]
//! name = "real"
//! size = 2000
//! synthetic_share = 0.0
//! ```
//!
//! Every phase (every ramp block) gets exact per-class quotas; no row appears twice.

use std::path::Path;

use datasets::Location;

use datasets::{Progress, Source};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::draw::{Permutations, Segment, check_balance, check_pools, lay_out};
use crate::error::{Error, Result};
use crate::inputs::Inputs;
use crate::quotas::{QuotaTable, check_subset_rows, synthetic_rows};
use crate::write::{Job, write_jobs};
use crate::{MixOptions, SubsetSummary};

/// Tag of curricula in the ordering streams.
const CURRICULUM_TAG: u64 = 3;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurriculumPlan {
    /// Rows in all: a check that the phases add up to what was meant.
    pub size: u64,
    #[serde(rename = "phase")]
    pub phases: Vec<PhasePlan>,
}

/// One phase: a fixed synthetic share, or a ramp (exactly one of the two).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhasePlan {
    pub name: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synthetic_share: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ramp: Option<Ramp>,
}

/// The synthetic share going linearly from `from` (first block) to `to` (last block).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ramp {
    pub from: f64,
    pub to: f64,
    pub blocks: u64,
}

/// One stretch of constant share: a phase, or one block of a ramp.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub name: String,
    pub size: u64,
    pub synthetic_share: f64,
}

impl CurriculumPlan {
    pub fn read(path: &Path) -> Result<CurriculumPlan> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        CurriculumPlan::parse(&text).map_err(|e| Error::invalid(format!("{}: {e}", path.display())))
    }

    /// Parses and checks a plan; the error is one line.
    pub fn parse(text: &str) -> Result<CurriculumPlan, String> {
        let plan: CurriculumPlan =
            toml::from_str(text).map_err(|e| e.message().replace('\n', " "))?;
        plan.check()?;
        Ok(plan)
    }

    fn check(&self) -> Result<(), String> {
        if self.phases.is_empty() {
            return Err("the plan has no [[phase]]".into());
        }
        for (i, phase) in self.phases.iter().enumerate() {
            let name = &phase.name;
            if name.is_empty() || self.phases[..i].iter().any(|p| &p.name == name) {
                return Err(format!(
                    "phase {} needs a name of its own (found '{name}')",
                    i + 1
                ));
            }
            if phase.size == 0 {
                return Err(format!("phase '{name}' has size 0"));
            }
            let shares = match (&phase.synthetic_share, &phase.ramp) {
                (Some(share), None) => vec![*share],
                (None, Some(ramp)) => {
                    if ramp.blocks == 0 || ramp.blocks > phase.size {
                        return Err(format!(
                            "phase '{name}': a ramp needs 1 to {} blocks, not {}",
                            phase.size, ramp.blocks
                        ));
                    }
                    vec![ramp.from, ramp.to]
                }
                _ => {
                    return Err(format!(
                        "phase '{name}' needs exactly one of synthetic_share and ramp"
                    ));
                }
            };
            if let Some(bad) = shares.iter().find(|s| !(0.0..=1.0).contains(*s)) {
                return Err(format!(
                    "phase '{name}': synthetic share {bad} is outside [0, 1]"
                ));
            }
        }
        let sum: u64 = self.phases.iter().map(|p| p.size).sum();
        if sum != self.size {
            return Err(format!(
                "the phases add up to {sum} rows but size = {}",
                self.size
            ));
        }
        Ok(())
    }

    /// The plan as stretches of constant share; ramp blocks are named `<phase>-1`,
    /// `<phase>-2`, … and split the phase's rows as evenly as whole rows allow.
    pub fn steps(&self) -> Vec<Step> {
        let mut steps = Vec::new();
        for phase in &self.phases {
            match (&phase.ramp, phase.synthetic_share) {
                (Some(ramp), _) => {
                    for block in 0..ramp.blocks {
                        let size = (block + 1) * phase.size / ramp.blocks
                            - block * phase.size / ramp.blocks;
                        let along = if ramp.blocks == 1 {
                            0.0
                        } else {
                            block as f64 / (ramp.blocks - 1) as f64
                        };
                        let share = ramp.from + (ramp.to - ramp.from) * along;
                        steps.push(Step {
                            name: format!("{}-{}", phase.name, block + 1),
                            size,
                            synthetic_share: share,
                        });
                    }
                }
                (None, share) => steps.push(Step {
                    name: phase.name.clone(),
                    size: phase.size,
                    synthetic_share: share.unwrap_or(0.0),
                }),
            }
        }
        steps
    }
}

/// What `synmix mix --curriculum` is asked for.
#[derive(Debug, Clone)]
pub struct CurriculumSpec {
    pub options: MixOptions,
    /// The output dataset directory itself.
    pub out: Location,
    pub plan: CurriculumPlan,
}

/// Writes the curriculum dataset (or keeps it, if an identical earlier run finished it).
pub fn curriculum(
    spec: &CurriculumSpec,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<SubsetSummary> {
    spec.plan.check().map_err(Error::invalid)?;
    check_subset_rows("curriculum", spec.plan.size)?;
    let options = &spec.options;
    let inputs = Inputs::load(&options.synthetic, &options.real, &options.class_renames)?;
    let steps = spec.plan.steps();
    let mut segments = Vec::with_capacity(steps.len());
    for step in &steps {
        check_balance(
            &inputs,
            step.size,
            &format!("phase '{}' ({} rows)", step.name, step.size),
        )?;
        let quotas = QuotaTable::new(
            step.size,
            synthetic_rows(step.size, step.synthetic_share),
            &inputs.class_weights,
        );
        segments.push(Segment {
            name: step.name.clone(),
            quotas,
        });
    }
    let tables: Vec<&QuotaTable> = segments.iter().map(|s| &s.quotas).collect();
    check_pools(&inputs, &tables, "the curriculum plan")?;
    let perms = Permutations::new(&inputs, options.seed, u64::MAX);
    let subset = lay_out(
        &perms,
        &segments,
        options.order,
        options.seed,
        &[CURRICULUM_TAG],
    );
    inputs.check_held_out(&subset.rows)?;
    let name = Some(spec.out.name())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "curriculum".to_string());
    let job = Job {
        name,
        dir: spec.out.clone(),
        subset,
        request: json!({
            "kind": "curriculum", "synthetic": inputs.synthetic, "real": inputs.real, "class_map": options.class_renames,
            "plan": spec.plan, "seed": options.seed, "order": options.order, "tool_version": datasets::TOOL_VERSION,
        }),
        record: json!({
            "synthetic_dir": inputs.synthetic_dir, "real_dir": inputs.real_dir, "classes": inputs.classes,
            "order": options.order,
            "phases": steps.iter().zip(&segments).map(|(step, segment)| json!({
                "name": step.name,
                "synthetic_share": step.synthetic_share,
                "synthetic_rows": segment.quotas.rows_of(Source::Synthetic),
                "real_rows": segment.quotas.rows_of(Source::Real),
                "quotas": segment.quotas,
            })).collect::<Vec<_>>(),
        }),
        visits: Vec::new(),
    };
    let mut summary = write_jobs(&inputs, std::slice::from_ref(&job), options, progress)?;
    Ok(summary.remove(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &str = r#"
size = 100
[[phase]]
name = "synthetic"
size = 30
synthetic_share = 1.0
[[phase]]
name = "ramp"
size = 50
ramp = { from = 1.0, to = 0.0, blocks = 3 }
[[phase]]
name = "real"
size = 20
synthetic_share = 0.0
"#;

    #[test]
    fn plans_expand_into_steps() {
        let plan = CurriculumPlan::parse(PLAN).unwrap();
        let steps = plan.steps();
        let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["synthetic", "ramp-1", "ramp-2", "ramp-3", "real"]);
        assert_eq!(
            steps.iter().map(|s| s.size).collect::<Vec<_>>(),
            [30, 16, 17, 17, 20]
        );
        assert_eq!(
            steps.iter().map(|s| s.synthetic_share).collect::<Vec<_>>(),
            [1.0, 1.0, 0.5, 0.0, 0.0]
        );
    }

    #[test]
    fn bad_plans_say_why() {
        let err = |text: &str| CurriculumPlan::parse(text).unwrap_err();
        assert!(
            err(&PLAN.replace("size = 100", "size = 90"))
                .contains("add up to 100 rows but size = 90")
        );
        assert!(
            err(&PLAN.replace("synthetic_share = 0.0", "synthetic_share = 1.5"))
                .contains("1.5 is outside")
        );
        assert!(err(&PLAN.replace("blocks = 3", "blocks = 0")).contains("1 to 50 blocks"));
        assert!(
            err(&PLAN.replace("name = \"real\"", "name = \"ramp\"")).contains("name of its own")
        );
        assert!(err(&PLAN.replace("synthetic_share = 0.0", "")).contains("exactly one of"));
        assert!(
            err(&PLAN.replace("size = 20", "size = 20\nshare = 0.1")).contains("unknown field")
        );
        assert!(
            err(&PLAN.replace("blocks = 3 }", "blocks = 3, steps = 2 }")).contains("unknown field")
        );
        assert!(err("size = 1").contains("phase"));
    }
}
