//! A pretrained encoder in ONNX, run with tract (pure Rust): it takes `[batch, C, H, W]` images
//! as `f32` in [0, 1] (as the trainer's models do) and its first output, flattened per image, is
//! the feature vector.

use std::path::{Path, PathBuf};

use tract_onnx::prelude::*;
use tract_onnx::tract_hir::infer::Factoid;
use trainer::data::InputShape;

use super::ONNX_BATCH as BATCH;
use crate::{Error, Result};

pub struct OnnxEncoder {
    path: PathBuf,
    plan: std::sync::Arc<TypedRunnableModel>,
    input: InputShape,
}

impl OnnxEncoder {
    /// Loads the model at `path` for images of `input`'s shape; a model whose declared input does
    /// not take them is refused, naming both shapes.
    pub fn load(path: &Path, input: InputShape) -> Result<OnnxEncoder> {
        let model = tract_onnx::onnx()
            .model_for_path(path)
            .map_err(|e| Error::encoder(path, format!("not a readable ONNX model: {e}")))?;
        let wanted = [BATCH, input.channels, input.height, input.width];
        let declared = model
            .input_fact(0)
            .map_err(|e| Error::encoder(path, e))?
            .shape
            .clone();
        // Declared sizes (a symbolic batch is fine) must match the images'.
        let dims: Vec<Option<i64>> = declared
            .dims()
            .map(|d| d.concretize().and_then(|d| d.to_i64().ok()))
            .collect();
        let fits = dims.len() == 4
            && dims[1..]
                .iter()
                .zip(&wanted[1..])
                .all(|(d, &w)| d.is_none_or(|d| d == w as i64));
        if !fits {
            let shown: Vec<String> = dims
                .iter()
                .map(|d| d.map_or("?".into(), |d| d.to_string()))
                .collect();
            return Err(Error::encoder(
                path,
                format!(
                    "the encoder takes [{}] but the images are [batch, {}, {}, {}] (C, H, W); use an encoder for {} images",
                    shown.join(", "),
                    input.channels,
                    input.height,
                    input.width,
                    input.describe()
                ),
            ));
        }
        let plan = model
            .with_input_fact(0, f32::fact(wanted).into())
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .map_err(|e| {
                Error::encoder(
                    path,
                    format!("cannot run on {} images: {e}", input.describe()),
                )
            })?;
        Ok(OnnxEncoder {
            path: path.to_path_buf(),
            plan,
            input,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The features of a batch of at most [`BATCH`] images (`f32` CHW values, image after image):
    /// one `Vec` per image.
    pub fn embed_batch(&self, images: &[f32]) -> Result<Vec<Vec<f32>>> {
        let per_image = self.input.pixels();
        let count = images.len() / per_image;
        let mut padded = images.to_vec();
        padded.resize(BATCH * per_image, 0.0);
        let tensor = tract_ndarray::Array4::from_shape_vec(
            (
                BATCH,
                self.input.channels,
                self.input.height,
                self.input.width,
            ),
            padded,
        )
        .expect("the batch has the plan's shape");
        let outputs = self
            .plan
            .run(tvec!(tensor.into_tensor().into()))
            .map_err(|e| Error::encoder(&self.path, e))?;
        let output = outputs[0]
            .to_plain_array_view::<f32>()
            .map_err(|e| Error::encoder(&self.path, format!("its output is not f32: {e}")))?;
        let values: Vec<f32> = output.iter().copied().collect();
        let per_row = values.len() / BATCH;
        Ok(values
            .chunks(per_row)
            .take(count)
            .map(<[f32]>::to_vec)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;
    use tract_onnx::pb::tensor_shape_proto::{Dimension, dimension};
    use tract_onnx::pb::type_proto::{self, Value};
    use tract_onnx::pb::{
        GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto, TensorShapeProto,
        TypeProto, ValueInfoProto,
    };

    const FLOAT: i32 = 1;

    fn value_info(name: &str, dims: &[Option<i64>]) -> ValueInfoProto {
        let dim = dims
            .iter()
            .map(|d| Dimension {
                value: Some(match d {
                    Some(v) => dimension::Value::DimValue(*v),
                    None => dimension::Value::DimParam("N".into()),
                }),
                ..Default::default()
            })
            .collect();
        ValueInfoProto {
            name: name.into(),
            r#type: Some(TypeProto {
                value: Some(Value::TensorType(type_proto::Tensor {
                    elem_type: FLOAT,
                    shape: Some(TensorShapeProto { dim }),
                })),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// A tiny encoder: `[N, 1, 2, 2]` images flattened and multiplied by a 4 × 2 matrix, so
    /// feature 0 is the sum of the pixels and feature 1 the first pixel minus the last; then
    /// `last`, an operator of one input (`Sqrt`: NaN where the first pixel is darker), if given.
    fn tiny_encoder(path: &Path, channels: i64, last: Option<&str>) {
        let node = |op: &str, inputs: &[&str], output: &str| NodeProto {
            op_type: op.into(),
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![output.into()],
            ..Default::default()
        };
        let weights = TensorProto {
            name: "w".into(),
            dims: vec![4 * channels, 2],
            data_type: FLOAT,
            float_data: (0..4 * channels)
                .flat_map(|i| {
                    [
                        1.0,
                        if i == 0 {
                            1.0
                        } else if i == 3 {
                            -1.0
                        } else {
                            0.0
                        },
                    ]
                })
                .collect(),
            ..Default::default()
        };
        let mut nodes = vec![
            node("Flatten", &["x"], "flat"),
            node("MatMul", &["flat", "w"], "y"),
        ];
        if let Some(op) = last {
            nodes[1].output = vec!["product".into()];
            nodes.push(node(op, &["product"], "y"));
        }
        let graph = GraphProto {
            name: "tiny".into(),
            node: nodes,
            initializer: vec![weights],
            input: vec![value_info("x", &[None, Some(channels), Some(2), Some(2)])],
            output: vec![value_info("y", &[None, Some(2)])],
            ..Default::default()
        };
        let model = ModelProto {
            ir_version: 8,
            opset_import: vec![OperatorSetIdProto {
                domain: String::new(),
                version: 13,
            }],
            graph: Some(graph),
            ..Default::default()
        };
        std::fs::write(path, model.encode_to_vec()).unwrap();
    }

    #[test]
    fn a_tiny_onnx_encoder_embeds_every_image_and_a_wrong_shape_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tiny.onnx");
        tiny_encoder(&path, 1, None);
        let input = InputShape::new(1, 2, 2, 3);
        let encoder = OnnxEncoder::load(&path, input).unwrap();
        // Three images (fewer than a batch): features are (sum, first − last).
        let images = [0.1, 0.2, 0.3, 0.4, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5];
        let features = encoder.embed_batch(&images).unwrap();
        assert_eq!(features.len(), 3);
        let expected = [[1.0, -0.3], [1.0, 1.0], [0.5, -0.5]];
        for (got, want) in features.iter().zip(expected) {
            assert!(
                (got[0] - want[0]).abs() < 1e-6 && (got[1] - want[1]).abs() < 1e-6,
                "{got:?}"
            );
        }

        // Built for RGB images, it cannot take grey ones: the message names both shapes.
        let rgb = dir.path().join("rgb.onnx");
        tiny_encoder(&rgb, 3, None);
        let err = OnnxEncoder::load(&rgb, input).err().unwrap().to_string();
        assert!(
            err.contains("rgb.onnx")
                && err.contains("[?, 3, 2, 2]")
                && err.contains("[batch, 1, 2, 2]"),
            "{err}"
        );
        // Not an ONNX file at all.
        std::fs::write(dir.path().join("junk.onnx"), b"junk").unwrap();
        let err = OnnxEncoder::load(&dir.path().join("junk.onnx"), input)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("not a readable ONNX model"), "{err}");
    }

    #[test]
    fn an_encoder_giving_nan_is_refused_naming_it_the_set_and_the_image() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nan.onnx");
        tiny_encoder(&path, 1, Some("Sqrt"));
        let input = InputShape::new(1, 2, 2, 3);
        let encoder = crate::features::Encoder::Onnx(OnnxEncoder::load(&path, input).unwrap());
        // Image 2 is the first whose first pixel is darker than its last: sqrt of a negative.
        let pixels = [9, 0, 0, 1, 5, 5, 5, 5, 1, 0, 0, 9, 7, 0, 0, 7];
        let labels = vec![0, 1, 2, 0];
        let store = trainer::data::ImageStore::from_hwc(
            input,
            &pixels,
            labels,
            vec![datasets::Source::Synthetic; 4],
        )
        .unwrap();
        let err = encoder
            .embed(&store, "synthetic train", &|_| {})
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("nan.onnx")
                && err.contains("image 2 of the synthetic train split")
                && err.contains("not a finite number"),
            "{err}"
        );
    }
}
