//! Resuming a generation run that an earlier identical run already finished.

use datasets::WriteMode;
use datasets::verify::{Depth, Finished, finished};

use crate::error::Result;
use crate::options::GenerateOptions;
use crate::pipeline::Summary;

/// With `--resume`, a dataset that an earlier identical run finished and that still verifies
/// is kept as it is: the progress records are gone once the manifest is written, so without
/// this check every shard would be rendered again.
pub(crate) fn finished_earlier(options: &GenerateOptions) -> Result<Option<Summary>> {
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
    if (found.seed, &config) != (wanted.seed, &wanted.config)
        || finished(&options.out, Depth::Hashes) != Finished::Yes
    {
        return Ok(None);
    }
    Ok(Some(Summary {
        renderer: "none: the dataset was already complete".into(),
        rows_written: 0,
        shards_written: 0,
        shards_kept: dataset
            .manifest
            .splits
            .values()
            .map(|s| s.shards.len())
            .sum(),
        shards_missing: 0,
        manifest_written: false,
        seconds: 0.0,
    }))
}
