//! Generator throughput: tokens per second on one core (`cargo bench -p skm-generator`).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use skm_generator::{Generator, GeneratorConfig};

fn config(alpha: f64) -> GeneratorConfig {
    GeneratorConfig {
        alpha,
        beta: 1.0,
        seed: 1,
        name_tokens: 3,
        name_vocab: 512,
        attributes: 4,
        values_per_attribute: 64,
        templates_per_attribute: 4,
        template_dirichlet: 1.0,
        filler_vocab: 16,
    }
}

fn generate(c: &mut Criterion) {
    const SENTENCES: usize = 200_000;
    let mut group = c.benchmark_group("generate");
    for alpha in [0.5, 0.9] {
        // Count tokens once so criterion reports tokens per second.
        let mut generator = Generator::new(&config(alpha)).expect("valid config");
        let mut tokens = Vec::new();
        for _ in 0..SENTENCES {
            generator.next_sentence(&mut tokens).expect("name space");
        }
        group.throughput(Throughput::Elements(tokens.len() as u64));
        group.bench_function(format!("alpha={alpha}"), |b| {
            b.iter(|| {
                let mut generator = Generator::new(&config(alpha)).expect("valid config");
                let mut tokens = Vec::with_capacity(SENTENCES * 12);
                for _ in 0..SENTENCES {
                    generator.next_sentence(&mut tokens).expect("name space");
                }
                generator.finish().weights.len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, generate);
criterion_main!(benches);
