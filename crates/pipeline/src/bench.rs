//! `cargo xtask bench trainer`: training throughput of skm's trainer beside PyTorch's
//! reference implementation (`shared/bench/torch_reference.py`), when PyTorch is installed.

use std::path::Path;

use crate::error::{Context, Result};
use skm_trainer::{
    ModelConfig, bench_tokens_per_second, gemm_flops_per_second, training_flops_per_token,
};

/// One benchmarked model size.
struct Size {
    name: &'static str,
    model: ModelConfig,
    batch: usize,
}

/// The SPEC model, an 11M-parameter one, the experiments' typical model (`tiny`) and a
/// narrower variant of it (`d32`), all with the SPEC's vocabulary of 512.
fn sizes() -> [Size; 4] {
    let typical = ModelConfig {
        context: 64,
        d_model: 64,
        n_heads: 4,
        n_layers: 2,
        ..ModelConfig::spec()
    };
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
        Size {
            name: "tiny",
            model: typical.clone(),
            batch: 32,
        },
        Size {
            name: "d32",
            model: ModelConfig {
                d_model: 32,
                ..typical
            },
            batch: 32,
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
    let threads = rayon::current_num_threads();
    // One product per thread at the 11M model's qkv shape (half a batch of 16 x 256 tokens).
    let peak = gemm_flops_per_second(threads, 2048, 384, 1152, 20);
    println!(
        "gemm: {:.1} GFLOP/s with {threads} threads (2048 x 384 x 1152, one product per thread)",
        peak / 1e9
    );
    println!("RESULT gemm_gflops={:.1} threads={threads}", peak / 1e9);
    let runs = runs.max(1);
    for size in sizes() {
        let skm = skm_speed(&size, runs, (steps, warmup), peak)?;
        if torch {
            let reference = Reference {
                shell: &shell,
                script: &shared.join("bench/torch_reference.py"),
                threads,
            };
            let speed = reference.speed(&size, runs, (steps, warmup))?;
            println!(
                "torch {:>4}: {speed:>9.1} tokens/s; skm / torch = {:.2}",
                size.name,
                skm / speed
            );
            println!(
                "RESULT framework=torch model={} tokens_per_s={speed:.1}",
                size.name
            );
        }
    }
    if !torch {
        println!(
            "PyTorch is not installed (python3 -c 'import torch' failed): no ratio. `pip install torch` to compare."
        );
    }
    Ok(())
}

/// skm's median training speed at `size` over `runs` runs (tokens/s), printed with its share
/// of the `peak` GEMM rate.
fn skm_speed(size: &Size, runs: usize, (steps, warmup): (usize, usize), peak: f64) -> Result<f64> {
    let model = &size.model;
    let skm = median(
        (0..runs)
            .map(|_| bench_tokens_per_second(model, size.batch, steps, warmup))
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("benchmarking the {} model", size.name))?,
    );
    let flops = skm * training_flops_per_token(model);
    println!(
        "skm   {:>4}: {:>10} parameters, batch {:>2}, context {:>3}: {skm:>9.1} tokens/s (median of {runs}), {:.1} GFLOP/s = {:.0}% of the gemm rate",
        size.name,
        model.parameters(),
        size.batch,
        model.context,
        flops / 1e9,
        100.0 * flops / peak
    );
    println!(
        "RESULT framework=skm model={} tokens_per_s={skm:.1}",
        size.name
    );
    Ok(skm)
}

/// The PyTorch reference script of `../shared/bench`, run with `threads` threads.
struct Reference<'a> {
    shell: &'a xshell::Shell,
    script: &'a Path,
    threads: usize,
}

impl Reference<'_> {
    /// Its median training speed at `size` over `runs` runs (tokens/s).
    fn speed(&self, size: &Size, runs: usize, (steps, warmup): (usize, usize)) -> Result<f64> {
        let model = &size.model;
        let script = self.script;
        let (v, c, nh, nl, t, b) = (
            model.vocab_size.to_string(),
            model.d_model.to_string(),
            model.n_heads.to_string(),
            model.n_layers.to_string(),
            model.context.to_string(),
            size.batch.to_string(),
        );
        let (total, warm, threads) = (
            (steps + warmup).to_string(),
            warmup.to_string(),
            self.threads.to_string(),
        );
        let mut results = Vec::with_capacity(runs);
        for _ in 0..runs {
            let output = xshell::cmd!(self.shell, "python3 {script}")
                .env("V", &v)
                .env("C", &c)
                .env("NH", &nh)
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
        Ok(median(results))
    }
}
