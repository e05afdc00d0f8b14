//! Checkpoints: model weights, optimizer state and training state in one safetensors file.
//!
//! Tensors (all f32, little-endian, exact bits):
//! - `model.<path>`: every parameter, by its module path (`wte.weight`, `h.0.qkv.weight`,
//!   `h.0.ln1.gamma`, ...), in burn's layout (a Linear weight is `[in, out]`, the transpose of
//!   PyTorch's), which the trainer used before it had its own engine: files written by either
//!   load in the other;
//! - `adamw.m.<path>`, `adamw.v.<path>`: AdamW's moments in the same layout, flattened (only
//!   once AdamW has taken a step).
//!
//! Metadata (`__metadata__`, strings): `format` ([`FORMAT`]), `model_config` and
//! `train_config` (JSON), `adamw_steps`, and `state` (JSON of [`TrainState`]). Files are
//! written to a temporary sibling and renamed into place, so a checkpoint is never half
//! written. Saving, loading into a fresh process and continuing gives the same weights bit for
//! bit as never stopping.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use serde::{Deserialize, Serialize};

use crate::engine::Tensor;
use crate::optim::{AdamW, AdamWConfig};
use crate::{Gpt, ModelConfig, Result, TrainConfig, TrainerError};

/// The `format` metadata of this layout.
pub const FORMAT: &str = "skm-trainer-checkpoint/1";

/// Training progress that a resumed run needs besides weights and optimizer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// Optimizer steps done.
    pub step: usize,
    /// Training loss (nats) of every step done, in order.
    pub losses: Vec<f32>,
    /// Held-out evaluations so far: `(step, loss in nats per token)`.
    pub evals: Vec<(usize, f64)>,
    /// The best held-out evaluation so far: `(step, loss)`.
    pub best: Option<(usize, f64)>,
    /// Evaluations since the best one (for early stopping).
    pub evals_since_best: usize,
}

/// Everything a checkpoint holds.
#[derive(Debug)]
pub struct Checkpoint {
    /// The model shape.
    pub model_config: ModelConfig,
    /// The training configuration of the run.
    pub train_config: TrainConfig,
    /// The weights, on the device they were loaded to.
    pub model: Gpt,
    /// AdamW's state.
    pub optimizer: AdamW,
    /// Progress.
    pub state: TrainState,
}

/// One parameter's values on the host.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedParameter {
    /// Module path (`h.0.qkv.weight`).
    pub name: String,
    /// Shape, in burn's layout.
    pub shape: Vec<usize>,
    /// Values, row-major.
    pub values: Vec<f32>,
}

/// The shape of `tensor` in the checkpoint: a Linear weight `[out, in]` is stored `[in, out]`.
fn file_shape(tensor: &Tensor) -> Vec<usize> {
    match tensor.linear {
        true => vec![tensor.shape[1], tensor.shape[0]],
        false => tensor.shape.clone(),
    }
}

/// `values` of `tensor` (PyTorch's layout) in the checkpoint's layout, with its shape there.
fn to_file_layout(tensor: &Tensor, values: &[f32]) -> (Vec<usize>, Vec<f32>) {
    if !tensor.linear {
        return (tensor.shape.clone(), values.to_vec());
    }
    let (out, inp) = (tensor.shape[0], tensor.shape[1]);
    let mut file = vec![0f32; values.len()];
    for o in 0..out {
        for i in 0..inp {
            file[i * out + o] = values[o * inp + i];
        }
    }
    (file_shape(tensor), file)
}

/// The inverse of [`to_file_layout`].
fn from_file_layout(tensor: &Tensor, file: &[f32]) -> Vec<f32> {
    if !tensor.linear {
        return file.to_vec();
    }
    let (out, inp) = (tensor.shape[0], tensor.shape[1]);
    let mut values = vec![0f32; file.len()];
    for o in 0..out {
        for i in 0..inp {
            values[o * inp + i] = file[i * out + o];
        }
    }
    values
}

/// Every parameter of a model, in module order and the checkpoint's (burn's) layout.
pub fn named_parameters(model: &Gpt) -> Vec<NamedParameter> {
    model
        .layout()
        .tensors
        .iter()
        .map(|tensor| {
            let (shape, values) = to_file_layout(tensor, tensor.span.of(model.params()));
            NamedParameter {
                name: tensor.name.clone(),
                shape,
                values,
            }
        })
        .collect()
}

fn bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn checkpoint_error(path: &Path, reason: impl ToString) -> TrainerError {
    TrainerError::Checkpoint {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// Writes a checkpoint to `path` atomically (temporary sibling, then rename).
pub fn save(
    path: &Path,
    model_config: &ModelConfig,
    train_config: &TrainConfig,
    model: &Gpt,
    optimizer: &AdamW,
    state: &TrainState,
) -> Result<()> {
    let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    for p in named_parameters(model) {
        tensors.push((format!("model.{}", p.name), p.shape, bytes(&p.values)));
    }
    if optimizer.steps > 0 {
        for tensor in &model.layout().tensors {
            for (which, moments) in [("m", &optimizer.m), ("v", &optimizer.v)] {
                let (_, values) = to_file_layout(tensor, tensor.span.of(moments));
                tensors.push((
                    format!("adamw.{which}.{}", tensor.name),
                    vec![values.len()],
                    bytes(&values),
                ));
            }
        }
    }
    let metadata = HashMap::from([
        ("format".to_string(), FORMAT.to_string()),
        ("model_config".to_string(), json(path, model_config)?),
        ("train_config".to_string(), json(path, train_config)?),
        ("adamw_steps".to_string(), optimizer.steps.to_string()),
        ("state".to_string(), json(path, state)?),
    ]);
    let views = tensors
        .iter()
        .map(|(name, shape, data)| {
            TensorView::new(Dtype::F32, shape.clone(), data)
                .map(|view| (name.clone(), view))
                .map_err(|e| checkpoint_error(path, e))
        })
        .collect::<Result<Vec<_>>>()?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| TrainerError::Io {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    // A process killed while writing leaves the temporary file, never a torn checkpoint.
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    safetensors::serialize_to_file(views, Some(metadata), &temporary)
        .map_err(|e| checkpoint_error(path, e))?;
    std::fs::rename(&temporary, path).map_err(|source| TrainerError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn json<T: Serialize>(path: &Path, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| checkpoint_error(path, e))
}

/// Reads a checkpoint. Fails when the file is missing, of another format, or does not fit its
/// own model configuration.
pub fn load(path: &Path) -> Result<Checkpoint> {
    let buffer = std::fs::read(path).map_err(|source| TrainerError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let file = SafeTensors::deserialize(&buffer).map_err(|e| checkpoint_error(path, e))?;
    let Metadata {
        model_config,
        train_config,
        state,
        steps,
    } = read_metadata(path, &buffer)?;
    // The structure comes from the configuration; every value is then replaced.
    let mut model = Gpt::init(&model_config, 0);
    let layout = model.layout().clone();
    let (mut m, mut v) = (vec![0f32; layout.len], vec![0f32; layout.len]);
    for tensor in &layout.tensors {
        let values = read_tensor(
            path,
            &file,
            &format!("model.{}", tensor.name),
            &file_shape(tensor),
        )?;
        let restore = |into: &mut [f32], values: &[f32]| {
            tensor
                .span
                .of_mut(into)
                .copy_from_slice(&from_file_layout(tensor, values));
        };
        restore(model.params_mut(), &values);
        if steps > 0 {
            for (which, moments) in [("m", &mut m), ("v", &mut v)] {
                let name = format!("adamw.{which}.{}", tensor.name);
                restore(
                    moments,
                    &read_tensor(path, &file, &name, &[tensor.span.len])?,
                );
            }
        }
    }
    let optimizer = AdamW {
        config: AdamWConfig {
            beta1: train_config.beta1,
            beta2: train_config.beta2,
            eps: train_config.eps,
            weight_decay: train_config.weight_decay,
            decay_vectors: train_config.decay_vectors,
        },
        steps,
        m,
        v,
    };
    Ok(Checkpoint {
        model_config,
        train_config,
        model,
        optimizer,
        state,
    })
}

/// What a checkpoint's metadata holds besides its format: the configurations (validated),
/// the training state and the optimizer's step count.
struct Metadata {
    model_config: ModelConfig,
    train_config: TrainConfig,
    state: TrainState,
    steps: u64,
}

/// The metadata of the checkpoint file `buffer` (read from `path`, for errors).
fn read_metadata(path: &Path, buffer: &[u8]) -> Result<Metadata> {
    let (_, header) = SafeTensors::read_metadata(buffer).map_err(|e| checkpoint_error(path, e))?;
    let metadata = header
        .metadata()
        .clone()
        .ok_or_else(|| checkpoint_error(path, "no metadata"))?;
    let field = |key: &str| {
        metadata
            .get(key)
            .ok_or_else(|| checkpoint_error(path, format!("metadata has no `{key}`")))
    };
    if field("format")? != FORMAT {
        return Err(checkpoint_error(
            path,
            format!("format {:?}, expected {FORMAT:?}", field("format")?),
        ));
    }
    let parse_error = |key: &str, e: &dyn std::fmt::Display| {
        checkpoint_error(path, format!("metadata `{key}`: {e}"))
    };
    let parsed = Metadata {
        model_config: serde_json::from_str(field("model_config")?)
            .map_err(|e| parse_error("model_config", &e))?,
        train_config: serde_json::from_str(field("train_config")?)
            .map_err(|e| parse_error("train_config", &e))?,
        state: serde_json::from_str(field("state")?).map_err(|e| parse_error("state", &e))?,
        steps: field("adamw_steps")?
            .parse()
            .map_err(|e| parse_error("adamw_steps", &e))?,
    };
    parsed.model_config.validate()?;
    parsed.train_config.validate()?;
    Ok(parsed)
}

/// The F32 tensor `name` of `file` (read from `path`, for errors), which must have `shape`.
fn read_tensor(
    path: &Path,
    file: &SafeTensors<'_>,
    name: &str,
    shape: &[usize],
) -> Result<Vec<f32>> {
    let view = file
        .tensor(name)
        .map_err(|_| checkpoint_error(path, format!("no tensor `{name}`")))?;
    if view.dtype() != Dtype::F32 || view.shape() != shape {
        return Err(checkpoint_error(
            path,
            format!(
                "`{name}` is {:?} {:?}, expected F32 {shape:?}",
                view.dtype(),
                view.shape()
            ),
        ));
    }
    Ok(view
        .data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect())
}

/// The path of the checkpoint `name` (`last`, `best`) in a run directory.
pub fn path_in(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.safetensors"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_metadata_round_trips_exactly() {
        let state = TrainState {
            step: 14,
            losses: vec![3.633_759_3, f32::from_bits(0x4051_fd3c), 1e-38],
            evals: vec![(4, 3.633_759_342_455_395_6), (8, 0.1 + 0.2)],
            best: Some((4, 3.633_759_342_455_395_6)),
            evals_since_best: 1,
        };
        let json = serde_json::to_string(&state).expect("json");
        let back: TrainState = serde_json::from_str(&json).expect("parse");
        assert_eq!(back, state);
        let bits = |s: &TrainState| s.evals.iter().map(|e| e.1.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back), bits(&state));
    }
}
