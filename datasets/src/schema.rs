//! The Arrow/Parquet schema of every shard, and the Hugging Face feature description that
//! rides along in its metadata.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef};

pub const IMAGE: &str = "image";
pub const LABEL: &str = "label";
pub const SOURCE: &str = "source";
pub const UID: &str = "uid";
pub const META: &str = "meta";

/// The schema-metadata key under which Hugging Face `datasets` looks for its features.
pub const HUGGINGFACE_KEY: &str = "huggingface";

/// The Hugging Face `Image` layout: PNG bytes, and a path that synmix leaves null.
pub fn image_fields() -> Fields {
    Fields::from(vec![
        Field::new("bytes", DataType::Binary, true),
        Field::new("path", DataType::Utf8, true),
    ])
}

/// The shard schema, without metadata. Column order is part of the format.
pub fn arrow_schema() -> SchemaRef {
    Arc::new(Schema::new(base_fields()))
}

fn base_fields() -> Vec<Field> {
    vec![
        Field::new(IMAGE, DataType::Struct(image_fields()), true),
        Field::new(LABEL, DataType::Int64, true),
        Field::new(SOURCE, DataType::Utf8, true),
        Field::new(UID, DataType::Utf8, true),
        Field::new(META, DataType::Utf8, true),
    ]
}

/// The shard schema with the Hugging Face features for `classes` in its metadata.
pub fn arrow_schema_with_features(classes: &[String]) -> SchemaRef {
    let metadata = HashMap::from([(HUGGINGFACE_KEY.to_string(), huggingface_features(classes))]);
    Arc::new(Schema::new_with_metadata(base_fields(), metadata))
}

/// `{"info":{"features":{...}}}` exactly as `datasets` writes it, so class names survive a
/// round trip through `datasets.load_dataset("parquet", ...)`.
pub fn huggingface_features(classes: &[String]) -> String {
    let value = |dtype: &str| serde_json::json!({"dtype": dtype, "_type": "Value"});
    serde_json::json!({
        "info": {
            "features": {
                IMAGE: {"_type": "Image"},
                LABEL: {"names": classes, "_type": "ClassLabel"},
                SOURCE: value("string"),
                UID: value("string"),
                META: value("string"),
            }
        }
    })
    .to_string()
}

/// Checks that a shard's schema is the synmix layout; the error says what differs.
pub fn check(schema: &Schema) -> Result<(), String> {
    let expected = base_fields();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    for field in &expected {
        let Ok(found) = schema.field_with_name(field.name()) else {
            return Err(format!(
                "missing column '{}' (found columns: {}); expected the synmix shard schema image, label, source, uid, meta",
                field.name(),
                names.join(", ")
            ));
        };
        if found.data_type() != field.data_type() {
            return Err(format!(
                "column '{}' has type {} but synmix expects {}",
                field.name(),
                found.data_type(),
                field.data_type()
            ));
        }
    }
    if schema.fields().len() != expected.len() {
        return Err(format!(
            "unexpected columns: found {}, expected image, label, source, uid, meta",
            names.join(", ")
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_schema_passes_the_check() {
        assert!(check(&arrow_schema()).is_ok());
    }

    #[test]
    fn wrong_label_type_is_named() {
        let mut fields = base_fields();
        fields[1] = Field::new(LABEL, DataType::Utf8, true);
        let err = check(&Schema::new(fields)).unwrap_err();
        assert!(err.contains("'label'"), "{err}");
    }

    #[test]
    fn features_carry_class_names() {
        let json: serde_json::Value =
            serde_json::from_str(&huggingface_features(&["a".into(), "b".into()])).unwrap();
        assert_eq!(json["info"]["features"]["label"]["names"][1], "b");
        assert_eq!(json["info"]["features"]["image"]["_type"], "Image");
    }
}
