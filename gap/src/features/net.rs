//! The feature network: two 3×3 convolution blocks (ReLU, 2×2 max-pooling, as the trainer's
//! CNN), a 64-wide ReLU layer — the penultimate layer, whose activations are the features — and
//! a linear head over the classes. Trained through the trainer's loop like its own models.

use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;
use trainer::data::InputShape;
use trainer::models::{
    Architecture, Classifier, ConvBlock, conv_blocks, conv_features, pooled_side,
};

#[derive(Config, Debug)]
pub struct FeatureNetConfig {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    pub classes: usize,
    #[config(default = "vec![16, 32]")]
    pub filters: Vec<usize>,
    /// Width of the penultimate layer: the dimension of the feature space.
    #[config(default = 64)]
    pub features: usize,
}

#[derive(Module, Debug)]
pub struct FeatureNet {
    convs: Vec<ConvBlock>,
    penultimate: Linear,
    head: Linear,
}

impl Architecture for FeatureNetConfig {
    type Model = FeatureNet;

    fn for_input(input: InputShape) -> Self {
        FeatureNetConfig::new(input.channels, input.height, input.width, input.classes)
    }

    fn input(&self) -> InputShape {
        InputShape::new(self.channels, self.height, self.width, self.classes)
    }

    fn check(&self) -> Result<(), String> {
        pooled_side(self.height, self.width, self.filters.len())
            .map(|_| ())
            .map_err(|why| format!("the feature network's {why}"))
    }

    fn init(&self, device: &Device) -> FeatureNet {
        let channels = self.filters.last().copied().unwrap_or(self.channels);
        let (h, w) = pooled_side(self.height, self.width, self.filters.len()).unwrap_or((1, 1));
        FeatureNet {
            convs: conv_blocks(self.channels, &self.filters, device),
            penultimate: LinearConfig::new(channels * h * w, self.features).init(device),
            head: LinearConfig::new(self.features, self.classes).init(device),
        }
    }
}

impl FeatureNet {
    /// The penultimate layer's activations: `[batch, features]`.
    pub fn embed(&self, images: Tensor<4>) -> Tensor<2> {
        let x = conv_features(&self.convs, images);
        relu(self.penultimate.forward(x.flatten(1, 3)))
    }
}

impl Classifier for FeatureNet {
    fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.head.forward(self.embed(images))
    }
}
