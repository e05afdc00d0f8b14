//! `cargo xtask bench trainer`: training throughput of skm's trainer beside PyTorch's
//! reference implementation (`shared/bench/torch_reference.py`), when PyTorch is installed.

use std::path::Path;

use anyhow::{Context, Result};
use skm_trainer::{ModelConfig, bench_tokens_per_second};

/// One benchmarked model size.
struct Size {
    name: &'static str,
    model: ModelConfig,
    batch: usize,
}

fn sizes() -> [Size; 2] {
    [
        Size {
            name: "spec",
            model: ModelConfig::spec(),
            batch: 32,
        },
        Size {
            name: "11m",
            model: ModelConfig {
                d_model: 384,
                n_layers: 6,
                context: 256,
                ..ModelConfig::spec()
            },
            batch: 16,
        },
    ]
}

/// The median of `values` (not empty).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Runs the trainer benchmark `runs` times per size (median reported) and, when
/// `python3 -c "import torch"` works, the PyTorch reference beside it; prints one
/// `RESULT framework=... model=... tokens_per_s=...` line per measurement and the ratios.
pub fn trainer(shared: &Path, runs: usize, steps: usize, warmup: usize) -> Result<()> {
    let shell = xshell::Shell::new()?;
    let torch = xshell::cmd!(shell, "python3 -c 'import torch'")
        .quiet()
        .ignore_stderr()
        .run()
        .is_ok();
    let reference = shared.join("bench/torch_reference.py");
    let threads = std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "2".into());
    for size in sizes() {
        let model = &size.model;
        let skm = median(
            (0..runs.max(1))
                .map(|_| bench_tokens_per_second(model, size.batch, steps, warmup))
                .collect::<Result<Vec<_>, _>>()
                .with_context(|| format!("benchmarking the {} model", size.name))?,
        );
        println!(
            "skm   {:>4}: {:>10} parameters, batch {:>2}, context {:>3}: {skm:>9.1} tokens/s (median of {runs})",
            size.name,
            model.parameters(),
            size.batch,
            model.context
        );
        println!(
            "RESULT framework=skm model={} tokens_per_s={skm:.1}",
            size.name
        );
        if !torch {
            continue;
        }
        let (c, nl, t, b) = (
            model.d_model.to_string(),
            model.n_layers.to_string(),
            model.context.to_string(),
            size.batch.to_string(),
        );
        let total = (steps + warmup).to_string();
        let warm = warmup.to_string();
        let mut results = Vec::new();
        for _ in 0..runs.max(1) {
            let output = xshell::cmd!(shell, "python3 {reference}")
                .env("C", &c)
                .env("NL", &nl)
                .env("T", &t)
                .env("B", &b)
                .env("STEPS", &total)
                .env("WARM", &warm)
                .env("THREADS", &threads)
                .quiet()
                .ignore_stderr()
                .read()
                .context("running the PyTorch reference")?;
            let value = output
                .lines()
                .find_map(|line| line.strip_prefix("RESULT framework=torch tokens_per_s="))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|v| v.parse::<f64>().ok())
                .context("the PyTorch reference printed no RESULT line")?;
            results.push(value);
        }
        let reference_speed = median(results);
        println!(
            "torch {:>4}: {reference_speed:>9.1} tokens/s; skm / torch = {:.2}",
            size.name,
            skm / reference_speed
        );
        println!(
            "RESULT framework=torch model={} tokens_per_s={reference_speed:.1}",
            size.name
        );
    }
    if !torch {
        println!(
            "PyTorch is not installed (python3 -c 'import torch' failed): no ratio. `pip install torch` to compare."
        );
    }
    Ok(())
}
