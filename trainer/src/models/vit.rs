//! Small Vision Transformer: non-overlapping patches embedded by a strided convolution, a learned
//! position embedding, pre-norm encoder blocks (multi-head self-attention + MLP, both residual),
//! a final LayerNorm, mean pooling over the patches and a linear head.

use burn::module::Param;
use burn::nn::attention::{MultiHeadAttention, MultiHeadAttentionConfig};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Initializer, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::prelude::*;

use super::{Architecture, Classifier};
use crate::data::InputShape;
use crate::ops;

#[derive(Config, Debug)]
pub struct VitConfig {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    pub classes: usize,
    /// Side of the square patches; pixels past the last whole patch are dropped.
    pub patch: usize,
    #[config(default = 64)]
    pub dim: usize,
    #[config(default = 2)]
    pub depth: usize,
    #[config(default = 4)]
    pub heads: usize,
    /// Hidden width of each block's MLP, as a multiple of `dim`.
    #[config(default = 2)]
    pub mlp_ratio: usize,
}

#[derive(Module, Debug)]
pub struct EncoderBlock {
    norm_attention: LayerNorm,
    attention: MultiHeadAttention,
    norm_mlp: LayerNorm,
    expand: Linear,
    project: Linear,
}

#[derive(Module, Debug)]
pub struct Vit {
    patches: Conv2d,
    position: Param<Tensor<3>>,
    blocks: Vec<EncoderBlock>,
    norm: LayerNorm,
    head: Linear,
}

impl VitConfig {
    fn grid(&self) -> (usize, usize) {
        (self.height / self.patch, self.width / self.patch)
    }
}

impl Architecture for VitConfig {
    type Model = Vit;

    /// 4-pixel patches up to 47 pixels a side (49 patches at 28×28), 8-pixel ones above, which
    /// keeps the sequence at 64 patches for 64×64 images.
    fn for_input(input: InputShape) -> Self {
        let patch = if input.height.min(input.width) >= 48 {
            8
        } else {
            4
        };
        VitConfig::new(
            input.channels,
            input.height,
            input.width,
            input.classes,
            patch,
        )
    }

    fn input(&self) -> InputShape {
        InputShape::new(self.channels, self.height, self.width, self.classes)
    }

    fn check(&self) -> Result<(), String> {
        if self.patch == 0 || self.grid().0 == 0 || self.grid().1 == 0 {
            return Err(format!(
                "the images are smaller than one {0}×{0} patch",
                self.patch
            ));
        }
        if self.heads == 0 || !self.dim.is_multiple_of(self.heads) {
            return Err(format!(
                "width {} does not split into {} attention heads",
                self.dim, self.heads
            ));
        }
        Ok(())
    }

    fn init(&self, device: &Device) -> Vit {
        let (gh, gw) = self.grid();
        let block = || EncoderBlock {
            norm_attention: LayerNormConfig::new(self.dim).init(device),
            // No dropout: runs must depend only on their seed.
            attention: MultiHeadAttentionConfig::new(self.dim, self.heads)
                .with_dropout(0.0)
                .init(device),
            norm_mlp: LayerNormConfig::new(self.dim).init(device),
            expand: LinearConfig::new(self.dim, self.dim * self.mlp_ratio).init(device),
            project: LinearConfig::new(self.dim * self.mlp_ratio, self.dim).init(device),
        };
        Vit {
            patches: Conv2dConfig::new([self.channels, self.dim], [self.patch, self.patch])
                .with_stride([self.patch, self.patch])
                .init(device),
            position: Initializer::Normal {
                mean: 0.0,
                std: 0.02,
            }
            .init([1, gh * gw, self.dim], device),
            blocks: (0..self.depth).map(|_| block()).collect(),
            norm: LayerNormConfig::new(self.dim).init(device),
            head: LinearConfig::new(self.dim, self.classes).init(device),
        }
    }
}

impl EncoderBlock {
    fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let x = x.clone() + self_attention(&self.attention, self.norm_attention.forward(x));
        let hidden = ops::gelu(self.expand.forward(self.norm_mlp.forward(x.clone())));
        x + self.project.forward(hidden)
    }
}

/// What `attention.forward(MhaInput::self_attn(x)).context` computes (no mask, no dropout), with
/// the heads' attention in one kernel ([`ops::attention`]).
fn self_attention(attention: &MultiHeadAttention, x: Tensor<3>) -> Tensor<3> {
    let context = ops::attention(
        attention.query.forward(x.clone()),
        attention.key.forward(x.clone()),
        attention.value.forward(x),
        attention.n_heads,
    );
    attention.output.forward(context)
}

impl Classifier for Vit {
    fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        // [B, dim, gh, gw] -> [B, patches, dim]
        let tokens = ops::conv2d(&self.patches, images)
            .flatten::<3>(2, 3)
            .swap_dims(1, 2);
        let x = tokens + self.position.val();
        let x = self.blocks.iter().fold(x, |x, block| block.forward(x));
        self.head
            .forward(self.norm.forward(x).mean_dim(1).squeeze_dim(1))
    }
}

#[cfg(test)]
mod tests {
    use burn::nn::attention::MhaInput;
    use burn::tensor::Distribution;

    use super::*;

    /// The hand-written attention is burn's: same output, same input gradient.
    #[test]
    fn self_attention_is_burns_multi_head_attention() {
        let _serial = crate::serial();
        let device = Device::flex().autodiff();
        let attention = MultiHeadAttentionConfig::new(16, 4)
            .with_dropout(0.0)
            .init(&device);
        let x =
            Tensor::<3>::random([3, 5, 16], Distribution::Normal(0.0, 1.0), &device).require_grad();
        let ours = self_attention(&attention, x.clone());
        let reference = attention.forward(MhaInput::self_attn(x.clone())).context;
        let grad_ours = (ours.clone() * ours.clone()).sum().backward();
        let grad_reference = (reference.clone() * reference.clone()).sum().backward();
        ours.into_data()
            .assert_approx_eq::<f32>(&reference.into_data(), Default::default());
        x.grad(&grad_ours)
            .unwrap()
            .into_data()
            .assert_approx_eq::<f32>(
                &x.grad(&grad_reference).unwrap().into_data(),
                Default::default(),
            );
    }
}
