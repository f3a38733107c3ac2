//! Multi-layer perceptron: the flattened image through ReLU hidden layers to a linear head.

use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::{Architecture, Classifier};
use crate::data::InputShape;

#[derive(Config, Debug)]
pub struct MlpConfig {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    pub classes: usize,
    /// Widths of the hidden layers.
    #[config(default = "vec![256, 128]")]
    pub hidden: Vec<usize>,
}

#[derive(Module, Debug)]
pub struct Mlp {
    hidden: Vec<Linear>,
    head: Linear,
}

impl Architecture for MlpConfig {
    type Model = Mlp;

    fn for_input(input: InputShape) -> Self {
        MlpConfig::new(input.channels, input.height, input.width, input.classes)
    }

    fn input(&self) -> InputShape {
        InputShape::new(self.channels, self.height, self.width, self.classes)
    }

    fn check(&self) -> Result<(), String> {
        if self.hidden.contains(&0) {
            Err("a hidden layer has width 0".into())
        } else {
            Ok(())
        }
    }

    fn init(&self, device: &Device) -> Mlp {
        let mut width = self.input().pixels();
        let hidden = self
            .hidden
            .iter()
            .map(|&out| {
                let layer = LinearConfig::new(width, out).init(device);
                width = out;
                layer
            })
            .collect();
        Mlp {
            hidden,
            head: LinearConfig::new(width, self.classes).init(device),
        }
    }
}

impl Classifier for Mlp {
    fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let x = self
            .hidden
            .iter()
            .fold(images.flatten(1, 3), |x, layer| relu(layer.forward(x)));
        self.head.forward(x)
    }
}
