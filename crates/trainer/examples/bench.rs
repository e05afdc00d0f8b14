//! Training throughput of the SPEC model or a variant: `cargo run -p skm-trainer --example bench
//! -- [steps] [warmup] [batch] [d_model] [n_layers] [context]` (defaults 30, 5, 32 and the
//! SPEC's 128, 4, 128). Threads: `RAYON_NUM_THREADS`.

use skm_trainer::{ModelConfig, bench_tokens_per_second};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arg = |i: usize, default: usize| -> Result<usize, Box<dyn std::error::Error>> {
        match std::env::args().nth(i) {
            Some(text) => Ok(text.parse()?),
            None => Ok(default),
        }
    };
    let (steps, warmup, batch) = (arg(1, 30)?, arg(2, 5)?, arg(3, 32)?);
    let spec = ModelConfig::spec();
    let model = ModelConfig {
        d_model: arg(4, spec.d_model)?,
        n_layers: arg(5, spec.n_layers)?,
        context: arg(6, spec.context)?,
        ..spec
    };
    let tokens_per_second = bench_tokens_per_second(&model, batch, steps, warmup)?;
    println!(
        "skm-trainer d_model {} n_layers {} ({} parameters), batch {batch}, context {}, {steps} timed steps \
         after {warmup}: {tokens_per_second:.0} tokens/s",
        model.d_model,
        model.n_layers,
        model.parameters(),
        model.context
    );
    Ok(())
}
