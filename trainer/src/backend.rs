//! Which burn device runs the training. `flex` (pure-Rust CPU) is always compiled; `wgpu` only with
//! the crate's `wgpu` feature, for machines with a GPU.

use std::fmt;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// burn's flex backend on the CPU.
    #[cfg_attr(feature = "clap", value(alias = "cpu"))]
    Flex,
    /// burn's wgpu backend on a GPU (compiled only with the crate's `wgpu` feature).
    #[cfg_attr(feature = "clap", value(alias = "gpu"))]
    Wgpu,
}

impl BackendKind {
    /// The plain (non-autodiff) device; training wraps it with `.autodiff()`.
    pub fn device(self) -> Result<Device> {
        match self {
            BackendKind::Flex => Ok(Device::flex()),
            #[cfg(feature = "wgpu")]
            BackendKind::Wgpu => Ok(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice)),
            #[cfg(not(feature = "wgpu"))]
            BackendKind::Wgpu => Err(Error::invalid(
                "backend 'wgpu' is not compiled into this build (the trainer's `wgpu` feature is off)",
            )),
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BackendKind::Flex => "flex",
            BackendKind::Wgpu => "wgpu",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flex_computes_and_an_uncompiled_backend_is_a_clear_error() {
        let _serial = crate::serial();
        use burn::tensor::Tensor;

        let device = BackendKind::Flex.device().unwrap();
        let sum = Tensor::<1>::from_floats([1.0, 2.0, 3.5], &device)
            .sum()
            .into_scalar::<f32>();
        assert_eq!(sum, 6.5);
        if !cfg!(feature = "wgpu") {
            let err = BackendKind::Wgpu.device().unwrap_err().to_string();
            assert!(err.contains("not compiled"), "{err}");
        }
    }
}
