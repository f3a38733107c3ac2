//! Hugging Face image datasets stored as Parquet: an `image` struct with `bytes` and an
//! integer `label`, class names from the `huggingface` schema metadata when present.

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::{Array, BinaryArray, LargeBinaryArray, RecordBatch, StructArray};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::{Input, InputImage, InputPixels, InputSplit};
use crate::error::{Error, Result};
use crate::schema::HUGGINGFACE_KEY;

/// Reads one Parquet file or every `*.parquet` under a directory (recursively). A file's
/// split is the part of its name before the first `-` (`train-00000-of-00001.parquet`).
pub fn read_parquet(from: &Path) -> Result<Input> {
    let files = parquet_files(from)?;
    let mut classes: Option<Vec<String>> = None;
    let mut splits: Vec<InputSplit> = Vec::new();
    let mut max_label = 0u32;
    for file in &files {
        let (names, images) = read_file(file)?;
        if let (Some(names), None) = (names, &classes) {
            classes = Some(names);
        }
        max_label = images.iter().map(|i| i.label).fold(max_label, u32::max);
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
    let classes = classes.unwrap_or_else(|| (0..=max_label).map(|l| l.to_string()).collect());
    Ok(Input {
        classes,
        splits,
        from: from.display().to_string(),
    })
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
    let reader = builder
        .build()
        .map_err(|e| Error::invalid(path, e.to_string()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut images = Vec::new();
    for batch in reader {
        let batch =
            batch.map_err(|e| Error::invalid(path, format!("damaged Parquet data ({e})")))?;
        append_images(&batch, image_at, label_at, &name, &mut images)
            .map_err(|e| Error::invalid(path, e))?;
    }
    Ok((classes, images))
}

fn append_images(
    batch: &RecordBatch,
    image_at: usize,
    label_at: usize,
    name: &str,
    out: &mut Vec<InputImage>,
) -> Result<(), String> {
    let image = batch
        .column(image_at)
        .as_any()
        .downcast_ref::<StructArray>()
        .ok_or("column 'image' is not a struct")?;
    let bytes = image
        .column_by_name("bytes")
        .ok_or("image struct has no 'bytes' field")?;
    let labels = labels_as_i64(batch.column(label_at).as_ref())?;
    for row in 0..batch.num_rows() {
        let index = out.len();
        let data = match bytes.data_type() {
            DataType::Binary => bytes
                .as_any()
                .downcast_ref::<BinaryArray>()
                .filter(|a| a.is_valid(row))
                .map(|a| a.value(row).to_vec()),
            DataType::LargeBinary => bytes
                .as_any()
                .downcast_ref::<LargeBinaryArray>()
                .filter(|a| a.is_valid(row))
                .map(|a| a.value(row).to_vec()),
            other => return Err(format!("image bytes are {other}, not binary")),
        };
        let data = data.ok_or_else(|| {
            format!("row {index} has no image bytes (images stored by path are not supported)")
        })?;
        let label = labels
            .is_valid(row)
            .then(|| labels.value(row))
            .ok_or_else(|| format!("row {index} has no label"))?;
        let label = u32::try_from(label)
            .map_err(|_| format!("row {index} has label {label}, which is not a class index"))?;
        out.push(InputImage {
            pixels: InputPixels::Encoded(data),
            label,
            origin: format!("{name}#{index}"),
        });
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
