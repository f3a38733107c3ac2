//! Which burn device runs the training. `flex` (pure-Rust CPU) is always compiled; `wgpu` only with
//! the crate's `wgpu` feature, for machines with a GPU.

use std::fmt;
use std::str::FromStr;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    Flex,
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
                "backend 'wgpu' is not compiled into this build; rebuild synmix with `--features gpu-training` or use --backend flex",
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

impl FromStr for BackendKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "flex" | "cpu" => Ok(BackendKind::Flex),
            "wgpu" | "gpu" => Ok(BackendKind::Wgpu),
            other => Err(Error::invalid(format!(
                "unknown backend '{other}' (expected flex or wgpu)"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_and_uncompiled_backends_are_clear_errors() {
        let err = "tpu".parse::<BackendKind>().unwrap_err().to_string();
        assert!(err.contains("unknown backend 'tpu'"), "{err}");
        assert!(BackendKind::Flex.device().is_ok());
        if !cfg!(feature = "wgpu") {
            let err = BackendKind::Wgpu.device().unwrap_err().to_string();
            assert!(err.contains("not compiled"), "{err}");
        }
    }
}
