//! Training throughput of the SPEC model: `cargo run -p skm-trainer --example bench --
//! [steps] [warmup] [batch]` (defaults 30, 5, 32). Threads: `RAYON_NUM_THREADS`.

use skm_trainer::{ModelConfig, bench_tokens_per_second};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arg = |i: usize, default: usize| -> Result<usize, Box<dyn std::error::Error>> {
        match std::env::args().nth(i) {
            Some(text) => Ok(text.parse()?),
            None => Ok(default),
        }
    };
    let (steps, warmup, batch) = (arg(1, 30)?, arg(2, 5)?, arg(3, 32)?);
    let model = ModelConfig::spec();
    let tokens_per_second = bench_tokens_per_second(&model, batch, steps, warmup)?;
    println!(
        "skm-trainer SPEC model ({} parameters), batch {batch}, context {}, {steps} timed steps \
         after {warmup}: {tokens_per_second:.0} tokens/s",
        model.parameters(),
        model.context
    );
    Ok(())
}
