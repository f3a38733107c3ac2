//! Which of an input's images an import writes, and under which labels: the split option's
//! choice of split, and the class option's relabelling (which may drop classes).

use std::path::Path;

use super::classes::ClassMap;
use super::input::Input;
use crate::error::{Error, Result};

impl Input {
    /// Applies the split option: keeps the named split of a multi-split input, or names the only one.
    pub(super) fn select_split(mut self, split: Option<&str>, from: &Path) -> Result<Input> {
        let Some(wanted) = split else { return Ok(self) };
        if self.splits.len() == 1
            && !self.splits.iter().any(|s| s.name == wanted)
            && self.splits[0].name == "train"
        {
            self.splits[0].name = wanted.to_string();
            return Ok(self);
        }
        let have: Vec<String> = self.splits.iter().map(|s| s.name.clone()).collect();
        self.splits.retain(|s| s.name == wanted);
        if self.splits.is_empty() {
            return Err(Error::setting(
                "split",
                format!(
                    "{} has no split '{wanted}' (it has: {})",
                    from.display(),
                    have.join(", ")
                ),
            ));
        }
        Ok(self)
    }
}

/// The output class names and, for each input class, its output label (`None`: its images are
/// dropped): the class option applied, or the input's classes as they are.
pub(super) fn relabel(
    input: &Input,
    classes: Option<&ClassMap>,
) -> Result<(Vec<String>, Vec<Option<u32>>)> {
    match classes {
        Some(map) => map.apply(&input.classes),
        None => Ok((
            input.classes.clone(),
            (0..input.classes.len() as u32).map(Some).collect(),
        )),
    }
}

/// Per split, the (input index, output label) of every image `relabel` keeps. Every label is
/// checked here, before anything is written; a split left without images is an error.
pub(super) fn kept_rows(
    input: &Input,
    relabel: &[Option<u32>],
    origin: &Path,
) -> Result<Vec<Vec<(usize, u32)>>> {
    let mut kept = Vec::new();
    for split in &input.splits {
        let mut rows = Vec::new();
        for (index, image) in split.images.iter().enumerate() {
            let label = relabel.get(image.label as usize).copied().ok_or_else(|| {
                Error::setting(
                    "classes",
                    format!(
                        "{}: {}: label {} is outside the {} classes of the input; name every class",
                        origin.display(),
                        image.origin,
                        image.label,
                        input.classes.len()
                    ),
                )
            })?;
            rows.extend(label.map(|label| (index, label)));
        }
        if rows.is_empty() {
            return Err(Error::invalid(
                origin,
                format!("split '{}' has no images to import", split.name),
            ));
        }
        kept.push(rows);
    }
    Ok(kept)
}
