//! `skm-gpu`: the CUDA engine's checks and benchmark, for a machine with an NVIDIA GPU and no
//! Rust toolchain (`cargo xtask gpu-stage` builds it and stages it with `run.sh`).
//!
//! ```text
//! skm-gpu compile                      the kernels through NVRTC for sm_90 (no GPU needed)
//! skm-gpu equivalence                  the SPEC run against PyTorch's losses, twice
//! skm-gpu training                     an experiment's run on the GPU against the CPU's, resumed
//! skm-gpu bench [STEPS [WARMUP]]       tokens/s at each size, and the GPU's fp32 GEMM rate
//! ```
//!
//! The equivalence check passes when every one of the 35 SPEC losses is within 1e-3 of
//! PyTorch's (the CPU engine's tolerance, unchanged: cuBLAS runs in fp32, no TF32) and
//! the second run repeats the first bit for bit. The training check runs what the
//! experiments ask of a trainer on the GPU (held-out evaluations, checkpoints, an interruption
//! and a resume from the checkpoint, fine-tuning) on a Syntax-Knowledge stream, beside the same
//! run on the CPU engine: it passes when every loss and evaluation is within the same 1e-3 of
//! the CPU's, and the resumed run ends bit for bit where the uninterrupted one does.

use std::process::ExitCode;
use std::rc::Rc;
use std::time::Instant;

use skm_trainer::bench::spec_workload;
use skm_trainer::data::SpecData;
use skm_trainer::engine::cuda::{
    Gpu, compile_kernels, gemm_flops_per_second, training_check, training_stream,
};
use skm_trainer::{
    Device, DeviceKind, ModelConfig, TrainConfig, Trainer, training_flops_per_token,
};

const REFERENCE: &str = include_str!("../../tests/data/torch_reference_losses.txt");
const TOLERANCE: f64 = 1e-3;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, default: usize| -> Result<usize, String> {
        args.get(i).map_or(Ok(default), |s| {
            s.parse()
                .map_err(|_| format!("{s:?} is not a number of steps"))
        })
    };
    let result = match args.first().map(String::as_str) {
        Some("compile") => compile(),
        Some("equivalence") => equivalence(),
        Some("training") => training(),
        Some("bench") => number(1, 20).and_then(|steps| bench(steps, number(2, 5)?)),
        _ => Err("usage: skm-gpu compile | equivalence | training | bench [STEPS [WARMUP]]".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("skm-gpu: {message}");
            ExitCode::FAILURE
        }
    }
}

fn compile() -> Result<(), String> {
    let ptx = compile_kernels(9, 0).map_err(|e| e.to_string())?;
    println!(
        "kernels.cu compiled for sm_90: {} bytes of PTX",
        ptx.to_src().len()
    );
    Ok(())
}

/// PyTorch's SPEC losses, `(step, loss)`.
fn reference() -> Result<Vec<(usize, f32)>, String> {
    REFERENCE
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            match fields[..] {
                ["loss", step, _, bits] => Ok((
                    step.parse().map_err(|_| format!("bad step in {line:?}"))?,
                    f32::from_bits(
                        u32::from_str_radix(bits, 16).map_err(|_| format!("bad bits {line:?}"))?,
                    ),
                )),
                _ => Err(format!("malformed reference line {line:?}")),
            }
        })
        .collect()
}

/// The SPEC training run on the GPU: its 35 losses.
fn spec_losses() -> Result<Vec<f32>, String> {
    let gpu = DeviceKind::Cuda.device().map_err(|e| e.to_string())?;
    let mut trainer = Trainer::new(&ModelConfig::spec(), &TrainConfig::spec(), &gpu)
        .map_err(|e| e.to_string())?;
    SpecData::spec()
        .batches()
        .iter()
        .map(|batch| trainer.step(batch).map(|o| o.loss))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())
}

fn equivalence() -> Result<(), String> {
    let reference = reference()?;
    let first = spec_losses()?;
    let second = spec_losses()?;
    let mut largest = (0, 0.0f64);
    for ((step, expected), loss) in reference.iter().zip(&first) {
        let deviation = (f64::from(*loss) - f64::from(*expected)).abs();
        println!("step {step:2}: skm-cuda {loss:.6} torch {expected:.6} deviation {deviation:.2e}");
        if deviation > largest.1 {
            largest = (*step, deviation);
        }
    }
    let repeats = first
        .iter()
        .zip(&second)
        .all(|(a, b)| a.to_bits() == b.to_bits());
    println!(
        "RESULT equivalence steps={} largest_deviation={:.3e} at_step={} tolerance={TOLERANCE:e} repeats_bit_for_bit={repeats}",
        first.len(),
        largest.1,
        largest.0
    );
    if first.len() != reference.len() || largest.1 >= TOLERANCE {
        return Err(format!(
            "the GPU's SPEC losses differ from PyTorch's by {:.3e} (step {}), tolerance {TOLERANCE:e}",
            largest.1, largest.0
        ));
    }
    if !repeats {
        return Err("a second GPU run did not repeat the first bit for bit".into());
    }
    Ok(())
}

fn training() -> Result<(), String> {
    let err = |e: skm_trainer::TrainerError| e.to_string();
    let gpu = DeviceKind::Cuda.device().map_err(err)?;
    let scratch = std::env::temp_dir().join(format!("skm-gpu-training-{}", std::process::id()));
    let corpus = training_stream().map_err(|e| e.to_string())?;
    let check = training_check(&gpu, &corpus, &scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    let check = check.map_err(err)?;
    println!(
        "RESULT training steps={} evaluations={} largest_deviation={:.3e} tolerance={TOLERANCE:e} resumed_bit_for_bit={} fine_tuned={}",
        check.steps,
        check.evaluations,
        check.largest_deviation,
        check.resumed_bit_for_bit,
        check.fine_tuned
    );
    if check.largest_deviation >= TOLERANCE {
        return Err(format!(
            "the GPU run differs from the CPU run by {:.3e} (tolerance {TOLERANCE:e})",
            check.largest_deviation
        ));
    }
    if !check.resumed_bit_for_bit {
        return Err("the GPU run resumed from its checkpoint did not end bit for bit where the uninterrupted one did".into());
    }
    if !check.fine_tuned {
        return Err("fine-tuning on the GPU did not start from the trained weights".into());
    }
    Ok(())
}

/// The benchmarked sizes: the CPU bench's four (`cargo xtask bench trainer`) and a
/// ~100M-parameter model; `(name, model, batch)`.
fn sizes() -> Vec<(&'static str, ModelConfig, usize)> {
    let spec = ModelConfig::spec();
    let typical = ModelConfig {
        context: 64,
        d_model: 64,
        n_heads: 4,
        n_layers: 2,
        ..spec.clone()
    };
    vec![
        ("spec", spec.clone(), 32),
        (
            "11m",
            ModelConfig {
                d_model: 384,
                n_layers: 6,
                context: 256,
                ..spec.clone()
            },
            16,
        ),
        ("tiny", typical.clone(), 32),
        (
            "d32",
            ModelConfig {
                d_model: 32,
                ..typical
            },
            32,
        ),
        (
            "100m",
            ModelConfig {
                d_model: 768,
                n_heads: 12,
                n_layers: 14,
                context: 256,
                ..spec
            },
            32,
        ),
    ]
}

fn bench(steps: usize, warmup: usize) -> Result<(), String> {
    let gpu = Gpu::new(0).map_err(|e| e.to_string())?;
    let peak = gemm_flops_per_second(&gpu, 8192, 8192, 8192, 5).map_err(|e| e.to_string())?;
    println!("gpu: {}", gpu.name);
    println!("RESULT gpu_fp32_gemm_tflops={:.2}", peak / 1e12);
    drop(gpu);
    for (name, model, batch) in sizes() {
        let tokens_per_s = speed(&model, batch, steps, warmup)?;
        let flops = tokens_per_s * training_flops_per_token(&model);
        println!(
            "skm-cuda {name:>4}: {:>11} parameters, batch {batch:>2}, context {:>3}: {tokens_per_s:>11.1} tokens/s, {:.2} TFLOP/s = {:.0}% of the fp32 GEMM rate",
            model.parameters(),
            model.context,
            flops / 1e12,
            100.0 * flops / peak
        );
        println!("RESULT framework=skm-cuda model={name} tokens_per_s={tokens_per_s:.1}");
    }
    Ok(())
}

/// Training tokens per second of `model` on SPEC-like data: `warmup` untimed steps, then
/// `steps` timed ones (the GPU drained before and after).
fn speed(model: &ModelConfig, batch: usize, steps: usize, warmup: usize) -> Result<f64, String> {
    let err = |e: skm_trainer::TrainerError| e.to_string();
    let (config, data) = spec_workload(model, batch, warmup + steps);
    let gpu = Rc::new(Gpu::new(0).map_err(err)?);
    let mut trainer = Trainer::new(model, &config, &Device::Cuda(Rc::clone(&gpu))).map_err(err)?;
    let mut start = Instant::now();
    for (step, batch) in data.batches().iter().enumerate() {
        if step == warmup {
            gpu.synchronize().map_err(err)?;
            start = Instant::now();
        }
        trainer.step(batch).map_err(err)?;
    }
    gpu.synchronize().map_err(err)?;
    Ok((steps * batch * model.context) as f64 / start.elapsed().as_secs_f64())
}
