//! The device a run uses, chosen at run time (`--device cpu|cuda`).

use crate::Result;

/// Where the model trains, as a run's configuration names it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceKind {
    /// The CPU engine ([`crate::engine`]; threads: rayon's, `RAYON_NUM_THREADS` or one per
    /// core; results do not depend on them).
    #[default]
    Cpu,
    /// A CUDA GPU: the CUDA engine ([`crate::engine::cuda`]), in a build with the feature
    /// `cuda`.
    Cuda,
}

/// A device the trainer can run on.
#[derive(Clone, Debug, Default)]
pub enum Device {
    /// The CPU engine.
    #[default]
    Cpu,
    /// The CUDA engine on this GPU (feature `cuda`).
    #[cfg(feature = "cuda")]
    Cuda(std::rc::Rc<crate::engine::cuda::Gpu>),
    /// The CUDA engine's passes on the CPU emulator of the GPU: the tests' stand-in for
    /// `Device::Cuda`.
    #[cfg(test)]
    Emulator,
}

impl DeviceKind {
    /// `cpu` or `cuda`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::Cpu => "cpu",
            DeviceKind::Cuda => "cuda",
        }
    }

    /// The device: for CUDA, GPU 0 opened and its kernels compiled (seconds), or
    /// [`crate::TrainerError::NoCuda`] in a build without the feature `cuda`.
    pub fn device(self) -> Result<Device> {
        match self {
            DeviceKind::Cpu => Ok(Device::Cpu),
            #[cfg(feature = "cuda")]
            DeviceKind::Cuda => Ok(Device::Cuda(std::rc::Rc::new(
                crate::engine::cuda::Gpu::new(0)?,
            ))),
            #[cfg(not(feature = "cuda"))]
            DeviceKind::Cuda => Err(crate::TrainerError::NoCuda),
        }
    }
}

impl std::str::FromStr for DeviceKind {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "cpu" => Ok(DeviceKind::Cpu),
            "cuda" => Ok(DeviceKind::Cuda),
            other => Err(format!("unknown device {other:?}: allowed cpu, cuda")),
        }
    }
}
