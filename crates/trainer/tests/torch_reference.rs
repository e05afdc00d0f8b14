//! The SPEC model, initial weights, data and optimizer of `shared/bench/SPEC.md` must give
//! PyTorch's losses (`tests/data/torch_reference_losses.txt`, a copy of
//! `shared/bench/torch_reference_losses.txt` written by `torch_reference.py`) step by step.

use skm_trainer::data::SpecData;
use skm_trainer::{ModelConfig, TrainConfig, Trainer, default_device};

const REFERENCE: &str = include_str!("data/torch_reference_losses.txt");
const TOLERANCE: f64 = 1e-3;

/// `(step, loss)` from lines `loss <step> <value> <f32 bits>`; the bits must be the value.
fn reference_losses() -> Vec<(usize, f32)> {
    REFERENCE
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(fields.len(), 4, "malformed line {line:?}");
            assert_eq!(fields[0], "loss");
            let step: usize = fields[1].parse().expect("step");
            let printed: f64 = fields[2].parse().expect("loss");
            let bits = u32::from_str_radix(fields[3], 16).expect("f32 bits");
            let loss = f32::from_bits(bits);
            assert!((f64::from(loss) - printed).abs() < 1e-6, "{line}");
            (step, loss)
        })
        .collect()
}

#[test]
fn spec_training_reproduces_pytorch_losses() {
    let reference = reference_losses();
    assert_eq!(reference.len(), 35);
    let model = ModelConfig::spec();
    assert_eq!(model.parameters(), 940_800);
    let mut trainer =
        Trainer::new(&model, &TrainConfig::spec(), &default_device()).expect("trainer");
    let batches = SpecData::spec().batches();
    let mut largest = (0, 0.0f64);
    for ((step, expected), batch) in reference.into_iter().zip(&batches) {
        let outcome = trainer.step(batch).expect("finite step");
        assert_eq!(outcome.step, step);
        let deviation = (f64::from(outcome.loss) - f64::from(expected)).abs();
        println!(
            "step {step:2}: skm {:.6} (bits {:08x}) torch {:.6} deviation {deviation:.2e}",
            outcome.loss,
            outcome.loss.to_bits(),
            expected
        );
        if deviation > largest.1 {
            largest = (step, deviation);
        }
        assert!(
            deviation < TOLERANCE,
            "step {step}: loss {} differs from PyTorch's {expected} by {deviation:e}",
            outcome.loss
        );
    }
    println!(
        "largest deviation from PyTorch: {:.3e} at step {}",
        largest.1, largest.0
    );
}
