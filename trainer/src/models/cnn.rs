//! Plain CNN: blocks of 3×3 convolution, ReLU and 2×2 max-pooling, then a linear head.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::{Architecture, Classifier};
use crate::data::InputShape;
use crate::ops;

/// Side of the blocks' max-pooling windows (and their stride).
const POOL: usize = 2;

#[derive(Config, Debug)]
pub struct CnnConfig {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    pub classes: usize,
    /// Output channels of each conv block; every block halves the image side.
    #[config(default = "vec![16, 32]")]
    pub filters: Vec<usize>,
}

#[derive(Module, Debug)]
pub struct ConvBlock {
    conv: Conv2d,
}

#[derive(Module, Debug)]
pub struct Cnn {
    blocks: Vec<ConvBlock>,
    head: Linear,
}

impl CnnConfig {
    /// Height and width after the blocks' poolings (each floors the side to half).
    fn pooled_side(&self) -> (usize, usize) {
        self.filters
            .iter()
            .fold((self.height, self.width), |(h, w), _| (h / POOL, w / POOL))
    }
}

impl Architecture for CnnConfig {
    type Model = Cnn;

    fn for_input(input: InputShape) -> Self {
        CnnConfig::new(input.channels, input.height, input.width, input.classes)
    }

    fn input(&self) -> InputShape {
        InputShape::new(self.channels, self.height, self.width, self.classes)
    }

    fn check(&self) -> Result<(), String> {
        match self.pooled_side() {
            (0, _) | (_, 0) => Err(format!(
                "{} pooling blocks need a side of at least {}",
                self.filters.len(),
                POOL.pow(self.filters.len() as u32)
            )),
            _ => Ok(()),
        }
    }

    fn init(&self, device: &Device) -> Cnn {
        let mut channels = self.channels;
        let blocks = self
            .filters
            .iter()
            .map(|&out| {
                let conv = Conv2dConfig::new([channels, out], [3, 3])
                    .with_padding(PaddingConfig2d::Same)
                    .init(device);
                channels = out;
                ConvBlock { conv }
            })
            .collect();
        let (h, w) = self.pooled_side();
        Cnn {
            blocks,
            head: LinearConfig::new(channels * h * w, self.classes).init(device),
        }
    }
}

impl Classifier for Cnn {
    fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let x = self.blocks.iter().fold(images, |x, block| {
            // ReLU after the pooling: the same values and gradients as pooling the ReLU
            // (both are monotonic), on a quarter of the elements.
            relu(ops::max_pool2d(ops::conv2d(&block.conv, x), POOL))
        });
        self.head.forward(x.flatten(1, 3))
    }
}
