//! Resuming a generation run that an earlier identical run already finished.

use datasets::WriteMode;
use datasets::verify::{Depth, Finished, finished};

use crate::error::Result;
use crate::options::GenerateOptions;

/// With `--resume`, a dataset that an earlier identical run finished and that still verifies
/// is kept as it is (the number of its shards is returned): the progress records are gone once the manifest is written, so without
/// this check every shard would be rendered again.
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
    if (found.seed, &config) != (wanted.seed, &wanted.config)
        || finished(&options.out, Depth::Hashes) != Finished::Yes
    {
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
