//! The learning-rate schedule: linear warmup, then cosine decay.

use crate::TrainConfig;

/// The learning rate of step `s` (0-based) of `S = steps`, with warmup `W`, peak `lr` and
/// floor `lr_min`:
///
/// ```text
/// s <  W:  lr (s + 1) / W
/// s >= W:  lr_min + (lr - lr_min) (1 + cos(pi q)) / 2,   q = (s - W) / max(1, S - W)
/// ```
///
/// So the first step after warmup runs at `lr`, and the rate falls to `lr_min` at the end of
/// the budget (`q` reaches `(S - W - 1) / (S - W)` at the last step). `lr_min = lr` gives a
/// constant rate.
pub fn learning_rate(config: &TrainConfig, step: usize) -> f64 {
    let (peak, floor) = (config.learning_rate, config.min_learning_rate);
    let warmup = config.warmup_steps;
    if step < warmup {
        return peak * (step + 1) as f64 / warmup as f64;
    }
    if peak == floor {
        return peak;
    }
    let decay = config.steps.saturating_sub(warmup).max(1);
    let q = ((step - warmup) as f64 / decay as f64).min(1.0);
    floor + (peak - floor) * 0.5 * (1.0 + (std::f64::consts::PI * q).cos())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(steps: usize, warmup: usize) -> TrainConfig {
        TrainConfig {
            steps,
            warmup_steps: warmup,
            learning_rate: 1e-3,
            min_learning_rate: 1e-4,
            ..TrainConfig::spec()
        }
    }

    #[test]
    fn warmup_is_linear_to_the_peak() {
        let c = config(100, 10);
        for s in 0..10 {
            let expected = 1e-3 * (s + 1) as f64 / 10.0;
            assert!((learning_rate(&c, s) - expected).abs() < 1e-15);
        }
        assert!((learning_rate(&c, 10) - 1e-3).abs() < 1e-15);
    }

    #[test]
    fn cosine_falls_monotonically_to_the_floor() {
        let c = config(100, 10);
        let rates: Vec<f64> = (10..100).map(|s| learning_rate(&c, s)).collect();
        assert!(rates.windows(2).all(|w| w[1] < w[0]));
        // Halfway through the decay the rate is the mean of peak and floor.
        assert!((learning_rate(&c, 55) - 5.5e-4).abs() < 1e-12);
        assert!(rates[89] > 1e-4 && rates[89] < 1.01e-4);
        assert!((learning_rate(&c, 100) - 1e-4).abs() < 1e-15);
    }

    #[test]
    fn equal_peak_and_floor_is_constant() {
        let c = TrainConfig::spec();
        assert!((0..35).all(|s| learning_rate(&c, s) == 1e-3));
    }
}
