//! The Parquet settings of every shard (see "Shard schema" in docs/ARCHITECTURE.md).

use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use crate::schema;
use crate::{ROWS_PER_ROW_GROUP, TOOL_VERSION};

/// Zstd level 3 on every column but the PNG bytes, one row group per
/// [`ROWS_PER_ROW_GROUP`] rows, and the Hugging Face features of `classes` in the metadata.
pub(super) fn writer_properties(classes: &[String]) -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(3).expect("valid zstd level"),
        ))
        .set_max_row_group_row_count(Some(ROWS_PER_ROW_GROUP))
        // PNG bytes are already deflated: zstd on them costs half a mix's CPU time for a few
        // percent of size. Dictionaries and statistics on them are noise.
        .set_column_compression(
            ColumnPath::new(vec![schema::IMAGE.into(), "bytes".into()]),
            Compression::UNCOMPRESSED,
        )
        .set_dictionary_enabled(false)
        .set_statistics_enabled(EnabledStatistics::None)
        .set_created_by(format!("synmix {TOOL_VERSION}"))
        .set_key_value_metadata(Some(vec![KeyValue::new(
            schema::HUGGINGFACE_KEY.to_string(),
            schema::huggingface_features(classes),
        )]))
        .build()
}
