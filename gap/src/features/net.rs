//! The feature network: two 3×3 convolution blocks (ReLU, 2×2 max-pooling, as the trainer's
//! CNN), a 64-wide ReLU layer — the penultimate layer, whose activations are the features — and
//! a linear head over the classes. Trained through the trainer's loop like its own models.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::relu;
use trainer::data::InputShape;
use trainer::models::{Architecture, Classifier};
use trainer::ops;

const POOL: usize = 2;

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
    convs: Vec<Conv2d>,
    penultimate: Linear,
    head: Linear,
}

impl FeatureNetConfig {
    fn pooled_side(&self) -> (usize, usize) {
        self.filters
            .iter()
            .fold((self.height, self.width), |(h, w), _| (h / POOL, w / POOL))
    }
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
        match self.pooled_side() {
            (0, _) | (_, 0) => Err(format!(
                "the feature network's {} pooling blocks need images of side {} or more",
                self.filters.len(),
                POOL.pow(self.filters.len() as u32)
            )),
            _ => Ok(()),
        }
    }

    fn init(&self, device: &Device) -> FeatureNet {
        let mut channels = self.channels;
        let convs = self
            .filters
            .iter()
            .map(|&out| {
                let conv = Conv2dConfig::new([channels, out], [3, 3])
                    .with_padding(PaddingConfig2d::Same)
                    .init(device);
                channels = out;
                conv
            })
            .collect();
        let (h, w) = self.pooled_side();
        FeatureNet {
            convs,
            penultimate: LinearConfig::new(channels * h * w, self.features).init(device),
            head: LinearConfig::new(self.features, self.classes).init(device),
        }
    }
}

impl FeatureNet {
    /// The penultimate layer's activations: `[batch, features]`.
    pub fn embed(&self, images: Tensor<4>) -> Tensor<2> {
        let x = self.convs.iter().fold(images, |x, conv| {
            relu(ops::max_pool2d(ops::conv2d(conv, x), POOL))
        });
        relu(self.penultimate.forward(x.flatten(1, 3)))
    }
}

impl Classifier for FeatureNet {
    fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.head.forward(self.embed(images))
    }
}
