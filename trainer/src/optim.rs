//! Adam as one fused pass per parameter ([`FusedAdam`]): burn's `Adam` with the update computed by
//! [`ops::adam_step`] on flex. It keeps burn's `AdamState`, so its checkpoints are burn's and a
//! run checkpointed before it resumes with it, and it computes burn's values bit for bit; on a
//! backend the kernel does not cover it is burn's `Adam` itself.

use burn::optim::{Adam, AdamConfig, AdamState, AdaptiveMomentumState, LearningRate, Optimizer};
use burn::tensor::{Device, Tensor};

use crate::ops::{self, AdamStep};

/// burn's `AdamConfig` defaults, which [`FusedAdam`] and its fallback share.
const BETA_1: f32 = 0.9;
const BETA_2: f32 = 0.999;
const EPSILON: f32 = 1e-5;

#[derive(Clone)]
pub struct FusedAdam {
    /// burn's Adam with the same settings: what runs off flex.
    burn: Adam,
}

impl FusedAdam {
    pub fn new() -> FusedAdam {
        FusedAdam {
            burn: AdamConfig::new()
                .with_beta_1(BETA_1)
                .with_beta_2(BETA_2)
                .with_epsilon(EPSILON)
                .build(),
        }
    }
}

impl Default for FusedAdam {
    fn default() -> Self {
        FusedAdam::new()
    }
}

impl Optimizer for FusedAdam {
    type State<const D: usize> = AdamState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<AdamState<D>>,
    ) -> (Tensor<D>, Option<AdamState<D>>) {
        if !ops::adam_applies(&tensor) {
            return self.burn.step(lr, tensor, grad, state);
        }
        // The moments are moved, not cloned: a second owner would make the kernel copy them.
        let (time, moment_1, moment_2) = match state {
            Some(AdamState { momentum }) => {
                (momentum.time + 1, momentum.moment_1, momentum.moment_2)
            }
            // burn starts the moments from the first gradient; from zeros, its formula gives
            // the same values.
            None => (1, grad.zeros_like(), grad.zeros_like()),
        };
        let step = AdamStep {
            beta_1: BETA_1,
            beta_2: BETA_2,
            epsilon: EPSILON,
            time,
            lr,
        };
        let (tensor, moment_1, moment_2) = ops::adam_step(tensor, grad, moment_1, moment_2, step);
        let momentum = AdaptiveMomentumState::new(time, moment_1, moment_2);
        (tensor, Some(AdamState::new(momentum)))
    }

    fn to_device<const D: usize>(state: AdamState<D>, device: &Device) -> AdamState<D> {
        <Adam as Optimizer>::to_device(state, device)
    }
}

#[cfg(test)]
mod tests {
    use burn::module::{Module, ModuleVisitor, Param};
    use burn::nn::loss::CrossEntropyLoss;
    use burn::optim::{GradientsParams, ModuleOptimizer};
    use burn::tensor::{Int, TensorData};

    use super::*;
    use crate::data::InputShape;
    use crate::init::init_model;
    use crate::models::{Architecture, ArchitectureVisitor, Classifier, ModelKind};

    /// Trains one model with `optimizer` for a few steps on fixed images, and returns its
    /// parameters.
    struct Steps {
        optimizer: fn() -> ModuleOptimizer,
    }

    impl ArchitectureVisitor for Steps {
        type Output = Vec<u32>;

        fn visit<A: Architecture>(self, architecture: A) -> Vec<u32> {
            let device = Device::flex().autodiff();
            let input = architecture.input();
            let mut model = init_model(&architecture, &device, 7);
            let mut optimizer = (self.optimizer)();
            let batch = 3;
            for step in 0..4u32 {
                let len = batch * input.pixels();
                let pixels: Vec<f32> = (0..len)
                    .map(|i| (((i as u32 * 2_654_435_761) ^ step) % 1000) as f32 / 1000.0)
                    .collect();
                let images = Tensor::<4>::from_data(
                    TensorData::new(pixels, [batch, input.channels, input.height, input.width]),
                    &device,
                );
                let labels = Tensor::<1, Int>::from_data(
                    TensorData::new(vec![0i64, 1, step as i64 % 2], [batch]),
                    &device,
                );
                let loss =
                    CrossEntropyLoss::new(None, &device).forward(model.forward(images), labels);
                let grads = GradientsParams::from_grads(loss.backward(), &model);
                // A learning rate that is not a round f32, as a schedule gives.
                model = optimizer.step(1e-3 * (1.0 + step as f64 / 3.0), model, grads);
            }
            let mut values = Values(Vec::new());
            model.visit(&mut values);
            values.0
        }
    }

    /// Every parameter's values, in the module's order, as bits.
    struct Values(Vec<u32>);

    impl ModuleVisitor for Values {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let values = param.val().into_data().try_to_vec::<f32>().unwrap();
            self.0.extend(values.iter().map(|v| v.to_bits()));
        }
    }

    #[test]
    fn the_fused_step_gives_burns_adam_bit_for_bit() {
        let _serial = crate::serial();
        // 20×20: the MLP's first layer (102,400 values) is split between threads.
        let input = InputShape::new(1, 20, 20, 3);
        for kind in ModelKind::ALL {
            let burn = kind
                .visit(
                    input,
                    Steps {
                        optimizer: || AdamConfig::new().init(),
                    },
                )
                .unwrap();
            let fused = kind
                .visit(
                    input,
                    Steps {
                        optimizer: || ModuleOptimizer::from(FusedAdam::new()),
                    },
                )
                .unwrap();
            assert!(
                burn == fused,
                "{kind}: the parameters differ from burn's Adam"
            );
        }
    }
}
