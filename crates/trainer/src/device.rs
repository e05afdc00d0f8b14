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
    /// A CUDA GPU: no engine for it in this build.
    Cuda,
}

/// A device the trainer can run on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Device {
    /// The CPU engine.
    #[default]
    Cpu,
}

impl DeviceKind {
    /// `cpu` or `cuda`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::Cpu => "cpu",
            DeviceKind::Cuda => "cuda",
        }
    }

    /// The device, or [`crate::TrainerError::NoCuda`] for CUDA, which this build cannot run.
    pub fn device(self) -> Result<Device> {
        match self {
            DeviceKind::Cpu => Ok(Device::Cpu),
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
