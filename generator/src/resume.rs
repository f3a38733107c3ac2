//! Resuming a generation run that an earlier identical run already finished.

use datasets::verify::{Depth, Finished, finished};

use datasets::{OutputConflict, WriteMode, changed_config_keys};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::options::GenerateOptions;

/// With `--resume`, a dataset that an earlier identical run finished and that still verifies
/// is kept as it is (the number of its shards is returned): the progress records are gone once the manifest is written, so without
/// this check every shard would be rendered again. One that fails to verify is rendered again;
/// one made with other arguments — a preset whose text was edited since (its recorded BLAKE3
/// differs), another seed — is refused rather than replaced without being asked to.
pub(crate) fn finished_earlier(options: &GenerateOptions) -> Result<Option<usize>> {
    if options.mode != WriteMode::Resume {
        return Ok(None);
    }
    let Ok(dataset) = datasets::Dataset::open(&options.out) else {
        return Ok(None);
    };
    // The command line may differ (`--resume`, `-q`), and the renderer is not open yet; the
    // options may not differ.
    let (found, wanted) = (&dataset.manifest.recipe, options.recipe(None));
    let mut config = found.config.clone();
    if let Some(config) = config.as_object_mut() {
        config.remove("renderer");
    }
    let mut differs = differences(&config, &wanted.config);
    if found.seed != wanted.seed {
        differs.push(format!(
            "seed {} recorded, {} now",
            found.seed.unwrap_or(0),
            wanted.seed.unwrap_or(0)
        ));
    }
    if !differs.is_empty() {
        return Err(Error::Dataset(datasets::Error::output_in_use(
            options.out.shown(),
            OutputConflict::FinishedWithOtherArguments {
                differs: differs.join("; "),
            },
        )));
    }
    if finished(&options.out, Depth::Hashes) != Finished::Yes {
        return Ok(None);
    }
    Ok(Some(
        dataset
            .manifest
            .splits
            .values()
            .map(|s| s.shards.len())
            .sum(),
    ))
}

/// What differs between a recorded recipe's `config` and the one a run would record, in words:
/// the preset by the hashes of its files' text, anything else by its key.
fn differences(found: &Value, wanted: &Value) -> Vec<String> {
    let mut differs = Vec::new();
    for key in changed_config_keys(found, wanted) {
        let (was, now) = (&found[key], &wanted[key]);
        if key != "preset" {
            let scalar = |v: &Value| !v.is_array() && !v.is_object();
            differs.push(if scalar(was) && scalar(now) {
                format!("{key}: {was} recorded, {now} now")
            } else {
                key.to_string()
            });
            continue;
        }
        let before = differs.len();
        for (part, field) in [
            ("TOML", "toml_blake3"),
            ("WGSL", "wgsl_blake3"),
            ("knob overrides", "knob_overrides"),
            ("name", "name"),
        ] {
            if was[field] != now[field] {
                differs.push(format!(
                    "the preset's {part}: {} recorded, {} now",
                    short(&was[field]),
                    short(&now[field])
                ));
            }
        }
        if differs.len() == before {
            differs.push("the preset's text, which no longer matches its recorded hash".into());
        }
    }
    differs
}

/// A value as the message shows it: a hash by its first 12 digits.
fn short(value: &Value) -> String {
    match value.as_str() {
        Some(hash) if hash.len() == 64 => format!("BLAKE3 {}…", &hash[..12]),
        _ => value.to_string(),
    }
}
