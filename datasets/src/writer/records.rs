//! The manifest of a finished dataset, summed from the records of its shards.

use std::collections::BTreeMap;

use crate::TOOL_VERSION;
use crate::error::{Error, OutputConflict, Result};
use crate::journal::FinishedShard;
use crate::manifest::{FORMAT_VERSION, Manifest, Phase, SplitManifest};
use crate::store::Location;
use crate::types::{DatasetInfo, SplitPlan};
use crate::writer::ShardSlot;

/// Builds the manifest of the dataset in `dir` from `records` (keyed by shard file), which
/// must hold every slot; the counts of each split are the sums of its shards'.
pub(super) fn manifest(
    dir: &Location,
    info: &DatasetInfo,
    plans: &[SplitPlan],
    slots: &[ShardSlot],
    records: &BTreeMap<String, FinishedShard>,
    phases: Vec<Phase>,
    mix: Option<serde_json::Value>,
) -> Result<Manifest> {
    let missing: Vec<&str> = slots
        .iter()
        .filter(|s| !records.contains_key(&s.file))
        .map(|s| s.file.as_str())
        .collect();
    if let Some(first) = missing.first() {
        return Err(Error::output_in_use(
            dir.shown(),
            OutputConflict::Unfinished {
                missing: missing.len(),
                first: first.to_string(),
            },
        ));
    }
    let mut splits = BTreeMap::new();
    for plan in plans {
        let mut split = SplitManifest {
            rows: plan.rows,
            class_counts: vec![0; info.classes.len()],
            source_counts: BTreeMap::new(),
            shards: Vec::new(),
        };
        for slot in slots.iter().filter(|s| s.split == plan.name) {
            let done = &records[&slot.file];
            for (total, n) in split.class_counts.iter_mut().zip(&done.class_counts) {
                *total += n;
            }
            for (source, n) in &done.source_counts {
                *split.source_counts.entry(source.clone()).or_default() += n;
            }
            split.shards.push(done.shard.clone());
        }
        splits.insert(plan.name.clone(), split);
    }
    Ok(Manifest {
        format_version: FORMAT_VERSION,
        name: info.name.clone(),
        classes: info.classes.clone(),
        image: info.image,
        source: info.source.clone(),
        splits,
        recipe: info.recipe.clone(),
        tool_version: TOOL_VERSION.to_string(),
        created: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        phases,
        mix,
    })
}
