//! Hugging Face image datasets stored as Parquet: an `image` struct with `bytes` and an
//! integer `label`, class names from the `huggingface` schema metadata when present.

use std::collections::VecDeque;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch, StructArray};
use arrow_schema::DataType;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::{Input, InputImage, InputPixels, InputSplit};
use crate::error::{Error, Result};
use crate::reader::data_error;
use crate::schema::HUGGINGFACE_KEY;

/// Reads one Parquet file or every `*.parquet` under a directory (recursively). A file's
/// split is the part of its name before the first `-` (`train-00000-of-00001.parquet`).
pub fn read_parquet(from: &Path) -> Result<Input> {
    let files = parquet_files(from)?;
    let mut classes: Option<Vec<String>> = None;
    let mut splits: Vec<InputSplit> = Vec::new();
    // The largest label and the file holding it: without class names, it sets the class count.
    let mut max_label: (u32, Option<&Path>) = (0, None);
    for file in &files {
        let (names, images) = read_file(file)?;
        if let (Some(names), None) = (names, &classes) {
            classes = Some(names);
        }
        if let Some(most) = images.iter().map(|i| i.label).max()
            && most >= max_label.0
        {
            max_label = (most, Some(file));
        }
        let stem = file
            .file_stem()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let split = match stem.split_once('-') {
            Some((split, _)) if !split.is_empty() => split.to_string(),
            _ => "train".to_string(),
        };
        match splits.iter_mut().find(|s| s.name == split) {
            Some(existing) => existing.images.extend(images),
            None => splits.push(InputSplit {
                name: split,
                images,
            }),
        }
    }
    let classes = match classes {
        Some(names) => names,
        None => unnamed_classes(max_label.0, max_label.1.unwrap_or(from))?,
    };
    Ok(Input {
        classes,
        splits,
        from: from.display().to_string(),
        problems: Vec::new(),
    })
}

/// The most classes an input without class names may have: labels are then the only count
/// of classes, and a stray huge label (4294967295) must not make billions of them.
const MAX_UNNAMED_CLASSES: u32 = 100_000;

/// The classes `0..=max_label` of an input whose metadata names none; `file` holds that label.
fn unnamed_classes(max_label: u32, file: &Path) -> Result<Vec<String>> {
    if max_label >= MAX_UNNAMED_CLASSES {
        return Err(Error::invalid(
            file,
            format!(
                "holds label {max_label} but no class names; labels without names must be below {MAX_UNNAMED_CLASSES}: \
                 check the label column, or add the class names (Hugging Face ClassLabel metadata)"
            ),
        ));
    }
    Ok((0..=max_label).map(|l| l.to_string()).collect())
}

fn parquet_files(from: &Path) -> Result<Vec<PathBuf>> {
    if from.is_file() {
        return Ok(vec![from.to_path_buf()]);
    }
    if !from.is_dir() {
        return Err(Error::invalid(from, "no such file or directory"));
    }
    let mut files = Vec::new();
    let mut pending = vec![from.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)
            .map_err(|e| Error::io(&dir, e))?
            .filter_map(|e| e.ok())
        {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "parquet") {
                files.push(path);
            }
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(Error::invalid(from, "holds no .parquet files"));
    }
    Ok(files)
}

/// Reads a file's labels (and checks its schema); the images stay in the file until their rows
/// are converted ([`ParquetRow`]), so an input of any size is never held in memory whole.
fn read_file(path: &Path) -> Result<(Option<Vec<String>>, Vec<InputImage>)> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| Error::invalid(path, format!("not a readable Parquet file ({e})")))?;
    let schema = builder.schema().clone();
    let image_at = schema.index_of("image").map_err(|_| {
        Error::invalid(
            path,
            "has no 'image' column; expected a Hugging Face image dataset",
        )
    })?;
    let label_at = schema.index_of("label").map_err(|_| {
        Error::invalid(
            path,
            "has no 'label' column; expected an integer label column",
        )
    })?;
    match schema.field(image_at).data_type() {
        DataType::Struct(fields) if fields.iter().any(|f| f.name() == "bytes") => {}
        other => {
            return Err(Error::invalid(
                path,
                format!(
                    "column 'image' is {other}, not the Hugging Face Image struct<bytes, path>"
                ),
            ));
        }
    }
    if !schema.field(label_at).data_type().is_integer() {
        return Err(Error::invalid(
            path,
            format!(
                "column 'label' is {}, not an integer",
                schema.field(label_at).data_type()
            ),
        ));
    }
    let classes = schema
        .metadata()
        .get(HUGGINGFACE_KEY)
        .and_then(|text| class_names(text));
    let row_groups: Vec<usize> = builder
        .metadata()
        .row_groups()
        .iter()
        .map(|g| g.num_rows() as usize)
        .collect();
    let labels_only = ProjectionMask::roots(builder.parquet_schema(), [label_at]);
    let reader = builder
        .with_projection(labels_only)
        .build()
        .map_err(|e| Error::invalid(path, e.to_string()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let source = Arc::new(ParquetImages {
        path: path.to_path_buf(),
        image_at,
        cache: Mutex::default(),
    });
    // Each row's place: (row group, row within it), in file order.
    let mut places = row_groups
        .iter()
        .enumerate()
        .flat_map(|(group, &rows)| (0..rows).map(move |row| (group, row)));
    let mut images = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| Error::invalid(path, data_error(&e)))?;
        let labels =
            labels_as_i64(batch.column(0).as_ref()).map_err(|e| Error::invalid(path, e))?;
        for row in 0..batch.num_rows() {
            let index = images.len();
            let label = labels
                .is_valid(row)
                .then(|| labels.value(row))
                .ok_or_else(|| Error::invalid(path, format!("row {index} has no label")))?;
            let label = u32::try_from(label).map_err(|_| {
                Error::invalid(
                    path,
                    format!("row {index} has label {label}, which is not a class index"),
                )
            })?;
            let (row_group, row) = places
                .next()
                .ok_or_else(|| Error::invalid(path, "holds more rows than its metadata says"))?;
            images.push(InputImage {
                pixels: InputPixels::Parquet(ParquetRow {
                    source: Arc::clone(&source),
                    row_group,
                    row,
                }),
                label,
                origin: format!("{name}#{index}"),
            });
        }
    }
    Ok((classes, images))
}

/// The image bytes of one row group, by row (`None` where a row has no bytes).
type RowGroupImages = Arc<Vec<Option<Vec<u8>>>>;

/// The image bytes of one Parquet file, read a row group at a time as rows are converted.
#[derive(Debug)]
pub struct ParquetImages {
    path: PathBuf,
    image_at: usize,
    /// The row groups read last: rows are converted in file order, a chunk at a time by several
    /// threads, so a few recent groups serve every lookup, and memory stays a few row groups.
    cache: Mutex<VecDeque<(usize, RowGroupImages)>>,
}

/// Row groups kept in [`ParquetImages`]' cache.
const CACHED_ROW_GROUPS: usize = 4;

/// One image of a Parquet input: where its bytes are.
#[derive(Debug, Clone)]
pub struct ParquetRow {
    source: Arc<ParquetImages>,
    row_group: usize,
    row: usize,
}

impl ParquetRow {
    /// The image's encoded bytes, handed to `use_bytes`.
    pub fn with_bytes<T>(
        &self,
        use_bytes: impl FnOnce(&[u8]) -> std::result::Result<T, String>,
    ) -> std::result::Result<T, String> {
        let group = self.source.row_group(self.row_group)?;
        let bytes = group
            .get(self.row)
            .and_then(Option::as_deref)
            .ok_or("no image bytes (images stored by path are not supported)")?;
        use_bytes(bytes)
    }
}

impl ParquetImages {
    fn row_group(&self, group: usize) -> std::result::Result<RowGroupImages, String> {
        let cached = |cache: &VecDeque<(usize, RowGroupImages)>| {
            cache
                .iter()
                .find(|(g, _)| *g == group)
                .map(|(_, rows)| Arc::clone(rows))
        };
        if let Some(rows) = cached(&self.cache.lock().unwrap_or_else(|p| p.into_inner())) {
            return Ok(rows);
        }
        // Read outside the lock, so threads needing other groups are not held up; two threads
        // wanting the same group may both read it, and the first one's copy is kept.
        let rows = Arc::new(self.read_row_group(group)?);
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(rows) = cached(&cache) {
            return Ok(rows);
        }
        if cache.len() == CACHED_ROW_GROUPS {
            cache.pop_front();
        }
        cache.push_back((group, Arc::clone(&rows)));
        Ok(rows)
    }

    fn read_row_group(&self, group: usize) -> std::result::Result<Vec<Option<Vec<u8>>>, String> {
        let file = File::open(&self.path).map_err(|e| format!("cannot read ({e})"))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| data_error(&e))?;
        let images_only = ProjectionMask::roots(builder.parquet_schema(), [self.image_at]);
        let reader = builder
            .with_row_groups(vec![group])
            .with_projection(images_only)
            .build()
            .map_err(|e| data_error(&e))?;
        let mut rows = Vec::new();
        for batch in reader {
            let batch = batch.map_err(|e| data_error(&e))?;
            append_image_bytes(&batch, &mut rows)?;
        }
        Ok(rows)
    }
}

/// The `bytes` of the image struct (a batch's only column), null where a row has none.
fn append_image_bytes(batch: &RecordBatch, out: &mut Vec<Option<Vec<u8>>>) -> Result<(), String> {
    let image = batch
        .column(0)
        .as_any()
        .downcast_ref::<StructArray>()
        .ok_or("column 'image' is not a struct")?;
    let bytes = image
        .column_by_name("bytes")
        .ok_or("image struct has no 'bytes' field")?;
    match bytes.data_type() {
        DataType::Binary => {
            let array = bytes.as_binary::<i32>();
            out.extend(array.iter().map(|v| v.map(<[u8]>::to_vec)));
        }
        DataType::LargeBinary => {
            let array = bytes.as_binary::<i64>();
            out.extend(array.iter().map(|v| v.map(<[u8]>::to_vec)));
        }
        other => return Err(format!("image bytes are {other}, not binary")),
    }
    Ok(())
}

/// Any integer label column, widened to i64.
fn labels_as_i64(column: &dyn Array) -> Result<arrow_array::Int64Array, String> {
    macro_rules! widen {
        ($($t:ty),*) => {
            $(if let Some(a) = column.as_primitive_opt::<$t>() {
                return Ok(a.iter().map(|v| v.map(|v| v as i64)).collect());
            })*
        };
    }
    use arrow_array::types::*;
    if let Some(a) = column.as_primitive_opt::<Int64Type>() {
        return Ok(a.clone());
    }
    widen!(
        Int8Type, Int16Type, Int32Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type
    );
    Err(format!(
        "label column of type {} is not an integer",
        column.data_type()
    ))
}

/// Class names from `{"info":{"features":{"label":{"_type":"ClassLabel","names":[...]}}}}`.
fn class_names(text: &str) -> Option<Vec<String>> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let names = value.pointer("/info/features/label/names")?.as_array()?;
    names.iter().map(|n| n.as_str().map(String::from)).collect()
}
