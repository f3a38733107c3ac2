//! Input files an import cannot use ([`Problem`]s): refused naming the first few, or, when the
//! options ask to skip them, left out (and listed in the recipe).

use std::path::Path;

use rayon::prelude::*;

use super::convert::decode;
use super::input::{Input, InputPixels, Problem};
use crate::error::{Error, Result};

/// Problems named in full in an error; the rest are counted.
const PROBLEMS_NAMED: usize = 3;

/// Fails naming the first few `problems` of the input at `origin`, unless `skip` allows them.
pub(super) fn refuse_problems(problems: &[Problem], skip: bool, origin: &Path) -> Result<()> {
    if problems.is_empty() || skip {
        return Ok(());
    }
    let named: Vec<String> = problems
        .iter()
        .take(PROBLEMS_NAMED)
        .map(Problem::to_string)
        .collect();
    let more = match problems.len().saturating_sub(PROBLEMS_NAMED) {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    Err(Error::setting(
        "skip_bad",
        format!(
            "{}: {} input file(s) cannot be imported: {}{more}; fix them, or import without them with this option",
            origin.display(),
            problems.len(),
            named.join(", ")
        ),
    ))
}

/// Decodes every encoded image once and moves the unreadable ones from the splits to the
/// problems: what skipping bad files costs, so only done when asked.
pub(super) fn drop_unreadable(input: &mut Input) {
    for split in &mut input.splits {
        let readable: Vec<std::result::Result<(), String>> = split
            .images
            .par_iter()
            .map(|image| match image.pixels {
                InputPixels::Raw { .. } => Ok(()),
                _ => decode(&image.pixels).map(drop),
            })
            .collect();
        let images = std::mem::take(&mut split.images);
        for (image, readable) in images.into_iter().zip(readable) {
            match readable {
                Ok(()) => split.images.push(image),
                Err(reason) => input.problems.push(Problem {
                    file: image.origin,
                    reason,
                }),
            }
        }
    }
}
