//! The three architectures compared by the benchmark. Each is a burn `Module` built from its own
//! `Config`, sized from the data (channels, height, width, classes) with small defaults that train
//! fast on a few CPU cores. None uses batch norm or dropout, so a run depends only on its seed.

mod cnn;
mod mlp;
mod vit;

use std::fmt;

use burn::prelude::*;
use serde::{Deserialize, Serialize};

pub use cnn::{Cnn, CnnConfig, ConvBlock, conv_blocks, conv_features, pooled_side};
pub use mlp::{Mlp, MlpConfig};
pub use vit::{EncoderBlock, Vit, VitConfig};

use crate::data::InputShape;
use crate::{Error, Result};

/// A model mapping a `[batch, C, H, W]` image batch to `[batch, classes]` logits.
pub trait Classifier: Module {
    fn forward(&self, images: Tensor<4>) -> Tensor<2>;
}

/// The configuration of one architecture: what the training loop needs to build a model.
pub trait Architecture: Config + Clone + 'static {
    type Model: Classifier;

    /// The default configuration for this input.
    fn for_input(input: InputShape) -> Self;

    /// The input the configuration was sized for.
    fn input(&self) -> InputShape;

    /// Why the configuration cannot be built, if it cannot (e.g. an image smaller than a patch).
    fn check(&self) -> Result<(), String>;

    fn init(&self, device: &Device) -> Self::Model;
}

/// Code that runs with any architecture: [`ModelKind::visit`] hands it the chosen one, so a
/// caller is written once and monomorphised per model.
pub trait ArchitectureVisitor {
    type Output;
    fn visit<A: Architecture>(self, architecture: A) -> Self::Output;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    Mlp,
    Cnn,
    Vit,
}

impl ModelKind {
    pub const ALL: [ModelKind; 3] = [ModelKind::Mlp, ModelKind::Cnn, ModelKind::Vit];

    /// Runs `visitor` with this architecture's default configuration for `input`, after checking
    /// that the configuration can take that input.
    pub fn visit<V: ArchitectureVisitor>(self, input: InputShape, visitor: V) -> Result<V::Output> {
        fn checked<A: Architecture, V: ArchitectureVisitor>(
            kind: ModelKind,
            config: A,
            visitor: V,
        ) -> Result<V::Output> {
            config.check().map_err(|why| {
                Error::invalid(format!(
                    "model {kind} cannot take {} images: {why}",
                    config.input().describe()
                ))
            })?;
            Ok(visitor.visit(config))
        }
        match self {
            ModelKind::Mlp => checked(self, MlpConfig::for_input(input), visitor),
            ModelKind::Cnn => checked(self, CnnConfig::for_input(input), visitor),
            ModelKind::Vit => checked(self, VitConfig::for_input(input), visitor),
        }
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ModelKind::Mlp => "mlp",
            ModelKind::Cnn => "cnn",
            ModelKind::Vit => "vit",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct OutputShape(usize);

    impl ArchitectureVisitor for OutputShape {
        type Output = [usize; 2];
        fn visit<A: Architecture>(self, architecture: A) -> [usize; 2] {
            let device = Device::flex();
            let input = architecture.input();
            let model = architecture.init(&device);
            let images =
                Tensor::zeros([self.0, input.channels, input.height, input.width], &device);
            model.forward(images).dims()
        }
    }

    #[test]
    fn every_architecture_maps_images_to_class_logits() {
        // Initialising draws from burn's process-wide generator: without the lock these draws
        // would interleave with a seeded run's in another test and change its weights.
        let _serial = crate::serial();
        for input in [
            InputShape::new(1, 28, 28, 10),
            InputShape::new(3, 64, 64, 5),
            InputShape::new(3, 30, 20, 3),
        ] {
            for kind in ModelKind::ALL {
                assert_eq!(
                    kind.visit(input, OutputShape(2)).unwrap(),
                    [2, input.classes],
                    "{kind} {input:?}"
                );
            }
        }
    }

    #[test]
    fn too_small_images_are_clear_errors() {
        let _serial = crate::serial();
        let tiny = InputShape::new(1, 2, 2, 2);
        for kind in [ModelKind::Cnn, ModelKind::Vit] {
            let err = kind.visit(tiny, OutputShape(1)).unwrap_err().to_string();
            assert!(err.contains("cannot take 2×2×1 images"), "{err}");
        }
    }
}
