//! The feature space the measures are computed in: the penultimate layer of a small network
//! trained on the real `train` split ([`net`], cached by [`cache`]), or a pretrained encoder the
//! user gives as ONNX ([`onnx`], in a build with the `onnx` feature; without it, `no_onnx.rs`
//! refuses one).

mod cache;
mod net;
#[cfg_attr(not(feature = "onnx"), path = "no_onnx.rs")]
mod onnx;

use burn::prelude::*;
use nalgebra::DMatrix;
use trainer::data::ImageStore;
use trainer::train::on_pool_thread;

pub use cache::{RealNetwork, TRAINING_ROWS, real_network, training_rows};
pub use net::{FeatureNet, FeatureNetConfig};
pub use onnx::OnnxEncoder;

use crate::{Error, Result};

/// Feature sets: one row per image, what every measure compares.
pub type Features = DMatrix<f64>;

/// Images embedded per batch by the network.
const BATCH: usize = 256;

/// Images per call of an ONNX encoder: its plan is built for this batch, the last batch padded
/// with zeros.
const ONNX_BATCH: usize = 64;

/// What maps images to feature vectors.
pub enum Encoder<'a> {
    Network(&'a FeatureNet),
    Onnx(OnnxEncoder),
}

impl Encoder<'_> {
    /// How reports name it.
    pub fn describe(&self) -> String {
        match self {
            Encoder::Network(_) => {
                "feature network (penultimate layer, trained on the real train split)".into()
            }
            Encoder::Onnx(e) => format!("ONNX encoder {}", e.path().display()),
        }
    }

    /// One row of features per image of `store` (the images of `set`, as errors name them), in
    /// its order; `progress` hears of each batch. A feature that is not a finite number is an
    /// error: every measure would be NaN, or a distance built on it meaningless.
    pub fn embed(
        &self,
        store: &ImageStore,
        set: &str,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<Features> {
        let device = Device::flex();
        let rows: Vec<usize> = (0..store.len()).collect();
        let batch = match self {
            Encoder::Network(_) => BATCH,
            Encoder::Onnx(_) => ONNX_BATCH,
        };
        let mut values: Vec<f32> = Vec::new();
        let mut dim = 0;
        on_pool_thread(|| -> Result<()> {
            for chunk in rows.chunks(batch) {
                let images = store.images(chunk, &device)?;
                match self {
                    Encoder::Network(net) => {
                        let out = net.embed(images);
                        dim = out.dims()[1];
                        values.extend(out.into_data().iter::<f32>());
                    }
                    Encoder::Onnx(encoder) => {
                        let pixels: Vec<f32> = images.into_data().iter::<f32>().collect();
                        for row in encoder.embed_batch(&pixels)? {
                            dim = row.len();
                            values.extend(row);
                        }
                    }
                }
                progress(chunk.len());
            }
            Ok(())
        })?;
        if let Some(at) = values.iter().position(|v| !v.is_finite()) {
            return Err(Error::NotFinite {
                encoder: self.describe(),
                set: set.to_string(),
                image: at / dim.max(1),
            });
        }
        Ok(DMatrix::from_row_iterator(
            store.len(),
            dim,
            values.into_iter().map(f64::from),
        ))
    }
}
