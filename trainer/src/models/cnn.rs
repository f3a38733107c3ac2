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

/// One block: a 3×3 convolution, then 2×2 max-pooling and ReLU in [`conv_features`].
#[derive(Module, Debug)]
pub struct ConvBlock {
    conv: Conv2d,
}

/// Blocks of 3×3 convolutions ("same" padding) from `channels` input channels, one per entry
/// of `filters` (its output channels): the CNN's body, and the gap meter's feature network's.
pub fn conv_blocks(channels: usize, filters: &[usize], device: &Device) -> Vec<ConvBlock> {
    let mut channels = channels;
    filters
        .iter()
        .map(|&out| {
            let conv = Conv2dConfig::new([channels, out], [3, 3])
                .with_padding(PaddingConfig2d::Same)
                .init(device);
            channels = out;
            ConvBlock { conv }
        })
        .collect()
}

/// The blocks applied to `images`: convolution, max-pooling, ReLU.
pub fn conv_features(blocks: &[ConvBlock], images: Tensor<4>) -> Tensor<4> {
    blocks.iter().fold(images, |x, block| {
        // ReLU after the pooling: the same values and gradients as pooling the ReLU
        // (both are monotonic), on a quarter of the elements.
        relu(ops::max_pool2d(ops::conv2d(&block.conv, x), POOL))
    })
}

/// Height and width after `blocks` poolings (each floors the side to half); an error when an
/// image that small has nothing left.
pub fn pooled_side(height: usize, width: usize, blocks: usize) -> Result<(usize, usize), String> {
    match (0..blocks).fold((height, width), |(h, w), _| (h / POOL, w / POOL)) {
        (0, _) | (_, 0) => Err(format!(
            "{blocks} pooling blocks need a side of at least {}",
            POOL.pow(blocks as u32)
        )),
        side => Ok(side),
    }
}

#[derive(Module, Debug)]
pub struct Cnn {
    blocks: Vec<ConvBlock>,
    head: Linear,
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
        pooled_side(self.height, self.width, self.filters.len()).map(|_| ())
    }

    fn init(&self, device: &Device) -> Cnn {
        let channels = self.filters.last().copied().unwrap_or(self.channels);
        let (h, w) = pooled_side(self.height, self.width, self.filters.len()).unwrap_or((1, 1));
        Cnn {
            blocks: conv_blocks(self.channels, &self.filters, device),
            head: LinearConfig::new(channels * h * w, self.classes).init(device),
        }
    }
}

impl Classifier for Cnn {
    fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.head
            .forward(conv_features(&self.blocks, images).flatten(1, 3))
    }
}
