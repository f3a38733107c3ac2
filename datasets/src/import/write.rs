//! Writing an import: every label and the output layout checked before the first write, then
//! the kept images converted and PNG-encoded a chunk at a time, in parallel, while the chunk
//! before is written ([`crate::pipeline`]), in input order.

use std::fmt::Write as _;
use std::path::Path;

use super::ImportOptions;
use super::convert::{convert, output_spec};
use super::fit::Fit;
use super::input::{Input, Problem};
use super::problems::{drop_unreadable, refuse_problems};
use super::select::{kept_rows, relabel};
use crate::ROWS_PER_ROW_GROUP;
use crate::error::{Error, OutputConflict, Result};
use crate::manifest::{Manifest, changed_config_keys};
use crate::pipeline::{Batch, EncodedRows, encode_and_write, plan_batches};
use crate::store::Location;
use crate::types::{DatasetInfo, ImageSpec, Recipe, SplitPlan};
use crate::verify::{Depth, Finished, finished};
use crate::writer::DatasetWriter;
use crate::writer::WriteMode;

/// Rows converted and encoded at a time: the import holds at most two such chunks of PNGs
/// (one being written while the next is encoded), whatever the size of the input.
const ROWS_PER_CHUNK: usize = 4 * ROWS_PER_ROW_GROUP;

/// Converts and writes an importer's input as a synmix dataset; returns the manifest.
///
/// Labels are checked before anything is written; images are converted shard by shard, so a
/// bad image is found while writing, and the writer then removes everything it created.
pub fn write_dataset(input: Input, options: &ImportOptions, origin: &Path) -> Result<Manifest> {
    let mut input = input.select_split(options.split.as_deref(), origin)?;
    refuse_problems(&input.problems, options.skip_bad, origin)?;
    if options.skip_bad {
        drop_unreadable(&mut input);
    }
    let (classes, relabel) = relabel(&input, options.classes.as_ref())?;
    let spec = output_spec(&input, options, origin)?;
    let kept = kept_rows(&input, &relabel, origin)?;

    let name = options
        .name
        .clone()
        .or_else(|| Some(options.out.name()).filter(|n| !n.is_empty()))
        .unwrap_or_else(|| "dataset".into());
    let info = DatasetInfo {
        name: name.clone(),
        classes,
        image: spec,
        source: options.source.as_str().to_string(),
        recipe: Recipe {
            command: options.command.clone(),
            seed: None,
            config: recipe_config(&input, options, spec),
        },
    };
    let plans: Vec<SplitPlan> = input
        .splits
        .iter()
        .zip(&kept)
        .map(|(split, rows)| SplitPlan {
            name: split.name.clone(),
            rows: rows.len() as u64,
        })
        .collect();
    if options.mode == WriteMode::Resume
        && let Some(manifest) = finished_earlier(&options.out, &info, &plans)?
    {
        return Ok(manifest);
    }
    let writer = DatasetWriter::create(&options.out, info, &plans, options.mode)?;
    let rows = Rows {
        input: &input,
        kept: &kept,
        spec,
        fit: options.fit,
        origin,
    };
    match rows.write(&writer, options, &name) {
        Ok(()) => writer.finish(Vec::new(), None),
        Err(e) => {
            writer.abort();
            Err(e)
        }
    }
}

/// With `--resume`, a dataset an earlier identical import finished, whose shards still match
/// their hashes, is kept as it is (its manifest returned); one made from another input or with
/// other options is refused rather than imported over; one that no longer verifies is written
/// again.
fn finished_earlier(
    out: &Location,
    info: &DatasetInfo,
    plans: &[SplitPlan],
) -> Result<Option<Manifest>> {
    if finished(out, Depth::Manifest) == Finished::No {
        return Ok(None);
    }
    let found = Manifest::read(out)?;
    let rows: Vec<SplitPlan> = found
        .splits
        .iter()
        .map(|(name, split)| SplitPlan {
            name: name.clone(),
            rows: split.rows,
        })
        .collect();
    let mut wanted_rows = plans.to_vec();
    wanted_rows.sort_by(|a, b| a.name.cmp(&b.name));
    let mut differs = Vec::new();
    for (what, same) in [
        ("the name", found.name == info.name),
        ("the classes", found.classes == info.classes),
        ("the image size or channels", found.image == info.image),
        ("the source", found.source == info.source),
        ("the rows of each split", rows == wanted_rows),
    ] {
        if !same {
            differs.push(what.to_string());
        }
    }
    let changed = changed_config_keys(&found.recipe.config, &info.recipe.config);
    differs.extend(changed.into_iter().map(|key| format!("the recipe's {key}")));
    if !differs.is_empty() {
        return Err(Error::output_in_use(
            out.shown(),
            OutputConflict::FinishedWithOtherArguments {
                differs: differs.join(", "),
            },
        ));
    }
    Ok((finished(out, Depth::Hashes) == Finished::Yes).then_some(found))
}

/// What the recipe records of an import: the input, the output layout and the files skipped.
fn recipe_config(input: &Input, options: &ImportOptions, spec: ImageSpec) -> serde_json::Value {
    let mut config = serde_json::json!({
        "from": input.from,
        "size": [spec.width, spec.height],
        "channels": spec.channels,
    });
    if options.fit != Fit::Stretch {
        config["fit"] = options.fit.as_str().into();
    }
    if !input.problems.is_empty() {
        config["skipped"] = input
            .problems
            .iter()
            .map(Problem::to_string)
            .collect::<Vec<_>>()
            .into();
    }
    config
}

/// The images to import, converted on demand.
struct Rows<'a> {
    input: &'a Input,
    /// Per split, the (input index, output label) of every image the class option keeps.
    kept: &'a [Vec<(usize, u32)>],
    spec: ImageSpec,
    fit: Fit,
    origin: &'a Path,
}

impl Rows<'_> {
    /// Writes every shard not already done, a chunk at a time; a row's uid is
    /// `<name>/<split>/<row>` and its `meta` where it came from.
    fn write(&self, writer: &DatasetWriter, options: &ImportOptions, name: &str) -> Result<()> {
        let slots = writer.slots();
        let batches = plan_batches(slots, |_, slot| !slot.done, ROWS_PER_CHUNK);
        // Nothing to make ahead: each batch is its split's place in the input.
        let split_of = |batch: &Batch| -> Result<usize> {
            let split = &slots[batch.slot].split;
            Ok(self
                .input
                .splits
                .iter()
                .position(|s| s.name == *split)
                .expect("slot of a planned split"))
        };
        let encode = |batch: &Batch, &at: &usize, i: usize, out: &mut EncodedRows| {
            let row = batch.rows.start + i as u64;
            let (index, label) = self.kept[at][row as usize];
            let split = &self.input.splits[at];
            let image = &split.images[index];
            out.push(
                label as i64,
                |png| {
                    let pixels = convert(&image.pixels, self.spec, self.fit).map_err(|e| {
                        Error::invalid(self.origin, format!("{}: {e}", image.origin))
                    })?;
                    crate::png::encode_into(png, &pixels, self.spec)
                        .map_err(|e| Error::invalid(self.origin, e))
                },
                |uid| {
                    let _ = write!(uid, "{name}/{}/{row}", split.name);
                },
                |meta| meta.push_str(&serde_json::json!({ "origin": image.origin }).to_string()),
            )
        };
        encode_and_write(writer, &batches, options.source, split_of, encode, &|_| {})?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{InputImage, InputPixels, InputSplit};
    use crate::reader::Dataset;
    use crate::types::Source;
    use crate::writer::WriteMode;

    /// `n` 2×2 grey images whose pixels are their index (mod 256), labels alternating.
    fn input(n: usize) -> Input {
        let images = (0..n)
            .map(|i| InputImage {
                pixels: InputPixels::Raw {
                    width: 2,
                    height: 2,
                    channels: 1,
                    data: vec![(i % 256) as u8; 4],
                },
                label: (i % 2) as u32,
                origin: format!("#{i}"),
            })
            .collect();
        Input {
            classes: vec!["a".into(), "b".into()],
            splits: vec![InputSplit {
                name: "train".into(),
                images,
            }],
            from: "test".into(),
            problems: Vec::new(),
        }
    }

    fn options(out: &Path) -> ImportOptions {
        ImportOptions {
            out: out.into(),
            name: None,
            source: Source::Real,
            split: None,
            size: None,
            fit: Fit::Stretch,
            channels: None,
            classes: None,
            skip_bad: false,
            mode: WriteMode::Fresh,
            command: "test".into(),
        }
    }

    #[test]
    fn rows_of_many_chunks_are_written_in_input_order() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let n = 2 * ROWS_PER_CHUNK + 7;
        write_dataset(input(n), &options(&out), Path::new("in")).unwrap();
        let decoded = Dataset::open(&out).unwrap().decode_split("train").unwrap();
        assert_eq!(decoded.len(), n);
        for i in [0, ROWS_PER_CHUNK - 1, ROWS_PER_CHUNK, n - 1] {
            assert_eq!(decoded.image_pixels(i), [(i % 256) as u8; 4]);
            assert_eq!(decoded.labels[i], (i % 2) as u32);
            assert_eq!(decoded.uids[i], format!("out/train/{i}"));
        }
    }

    #[test]
    fn a_bad_image_after_written_chunks_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let mut input = input(2 * ROWS_PER_CHUNK + 7);
        let bad = ROWS_PER_CHUNK + 3;
        input.splits[0].images[bad].pixels = InputPixels::Encoded(b"not a png".to_vec());
        let err = write_dataset(input, &options(&out), Path::new("in"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("#{bad}")) && err.contains("unreadable image"),
            "{err}"
        );
        assert!(!out.exists());
    }
}
