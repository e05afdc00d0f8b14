//! The claim rule of compression: C12 (oracle < Bayes < transformer < byte coders).

use skm_report::{Claim, Estimate, Rule};

use super::CODERS;
use super::codes::Codes;
use crate::num;

/// Why the order cannot be checked on every seed, or `None` when it can: the first seed where
/// the oracle, the Bayes learner or the transformer has no value (or a NaN), or where no
/// byte coder has one (`values` in the order of [`CODERS`]). A single missing byte coder is
/// allowed: the order compares the transformer with the best of those present.
fn missing_value(values: &[Vec<f64>], seeds: usize) -> Option<String> {
    let at = |c: usize, s: usize| values[c].get(s).copied().filter(|v| !v.is_nan());
    (0..seeds).find_map(|s| {
        let missing = if let Some(c) = (0..3).find(|&c| at(c, s).is_none()) {
            format!("the {} has no", CODERS[c].1)
        } else if (3..6).all(|c| at(c, s).is_none()) {
            "no general-purpose coder has".into()
        } else {
            return None;
        };
        Some(format!(
            "{missing} bits per token for seed {} of {seeds}",
            s + 1
        ))
    })
}

/// Whether oracle < Bayes < transformer < min(gzip, xz, zstd) holds on every seed
/// (`values` in the order of [`CODERS`]); missing byte coders are skipped (`f64::min`
/// ignores a NaN). Only meaningful when [`missing_value`] found nothing.
fn ordered_on_every_seed(values: &[Vec<f64>], seeds: usize) -> bool {
    (0..seeds).all(|s| {
        let at = |c: usize| values[c].get(s).copied().unwrap_or(f64::NAN);
        let best_coder = at(3).min(at(4)).min(at(5));
        at(0) < at(1) && at(1) < at(2) && at(2) < best_coder
    })
}

/// The transformer's bits per token: its seed mean with the range over seeds, or the one
/// value of a single seed.
fn transformer_estimate(codes: &Codes) -> Estimate {
    let transformer = &codes.values[2];
    if transformer.len() == 1 {
        return Estimate::SingleRun {
            value: codes.means[2],
        };
    }
    let (lo, hi) = transformer
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    Estimate::Interval {
        value: codes.means[2],
        lo,
        hi,
        method: format!("range over {} seeds", transformer.len()),
    }
}

/// C12: PASS when the codes order as theory says on every seed (an [`Rule::Order`]); the
/// estimate is the transformer's bits/token (seed mean, range over seeds). NOT MEASURABLE
/// when a seed lacks a value the order needs.
pub(super) fn c12(experiment: &str, label: &str, codes: &Codes) -> Claim {
    let (seeds, listing) = (codes.seeds, codes.listing());
    let estimate = match missing_value(&codes.values, seeds) {
        Some(reason) => Estimate::NotMeasurable { reason },
        None => transformer_estimate(codes),
    };
    let holds = ordered_on_every_seed(&codes.values, seeds);
    let (coded, steps, stream_tokens) =
        (num(codes.coded), num(codes.steps), num(codes.stream_tokens));
    let bayes = num(codes.means[1]);
    crate::claim(
        "C12",
        format!("{label} order"),
        experiment,
        estimate,
        Rule::Order { holds },
        format!(
            "Seed-mean bits per token ({seeds} seed(s)): {listing}; the transformer's prequential code covers the {coded} tokens of its full batches ({steps} steps) of the {stream_tokens} in the stream, the others the whole stream. The estimate is the transformer's bits/token (seed mean, range over seeds), beside the Bayes learner's {bayes} (the floor of a learner of the model class); PASS when oracle < Bayes < transformer < min(gzip, xz, zstd) on every seed (NOT MEASURABLE when a seed lacks the oracle's, the Bayes learner's or the transformer's value, or every byte coder's)."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::super::codes::mean;
    use super::*;
    use skm_report::Verdict;

    fn codes(values: Vec<Vec<f64>>) -> Codes {
        Codes {
            means: values.iter().map(|v| mean(v)).collect(),
            seeds: values[0].len(),
            values,
            coded: 90.0,
            stream_tokens: 100.0,
            steps: 3.0,
            late_bits: 2.0,
            token_bytes: 1.0,
        }
    }

    #[test]
    fn c12_passes_when_the_order_holds_on_every_seed() {
        let c = c12(
            "x",
            "base",
            &codes(vec![
                vec![1.0, 1.5],
                vec![2.0, 2.5],
                vec![3.0, 3.5],
                vec![5.0, 5.0],
                vec![4.0, 4.0],
                vec![6.0, 6.0],
            ]),
        );
        assert_eq!(c.verdict(), Verdict::Pass);
        assert_eq!(
            c.estimate(),
            &Estimate::Interval {
                value: 3.25,
                lo: 3.0,
                hi: 3.5,
                method: "range over 2 seeds".into(),
            }
        );
        assert_eq!(c.rule(), &Rule::Order { holds: true });
        assert!(
            c.detail
                .starts_with("Seed-mean bits per token (2 seed(s)): oracle ")
        );
    }

    #[test]
    fn c12_fails_when_one_seed_breaks_the_order() {
        // On the second seed the transformer is worse than xz.
        let c = c12(
            "x",
            "base",
            &codes(vec![
                vec![1.0, 1.0],
                vec![2.0, 2.0],
                vec![3.0, 4.5],
                vec![5.0, 5.0],
                vec![4.0, 4.0],
                vec![6.0, 6.0],
            ]),
        );
        assert_eq!(c.verdict(), Verdict::Fail);
        assert_eq!(c.measured(), Some(3.75));
    }

    #[test]
    fn c12_is_not_measurable_when_the_transformer_lacks_a_seed_but_not_a_byte_coder() {
        let c = c12(
            "x",
            "base",
            &codes(vec![
                vec![1.0, 1.0],
                vec![2.0, 2.0],
                vec![3.0],
                vec![5.0, 5.0],
                vec![4.0, 4.0],
                vec![6.0, 6.0],
            ]),
        );
        assert_eq!(c.verdict(), Verdict::NotMeasurable);
        assert_eq!(
            c.reason(),
            Some("the transformer (prequential) has no bits per token for seed 2 of 2")
        );
        assert_eq!(c.measured(), None);
        // A missing byte coder is skipped by `f64::min`: the order still holds.
        let c = c12(
            "x",
            "base",
            &codes(vec![
                vec![1.0, 1.0],
                vec![2.0, 2.0],
                vec![3.0, 3.0],
                vec![5.0, 5.0],
                vec![4.0],
                vec![6.0, 6.0],
            ]),
        );
        assert_eq!(c.verdict(), Verdict::Pass);
        // Every byte coder missing on a seed: nothing to compare the transformer with.
        let c = c12(
            "x",
            "base",
            &codes(vec![
                vec![1.0, 1.0],
                vec![2.0, 2.0],
                vec![3.0, 3.0],
                vec![5.0],
                vec![4.0],
                vec![6.0],
            ]),
        );
        assert_eq!(c.verdict(), Verdict::NotMeasurable);
        assert_eq!(
            c.reason(),
            Some("no general-purpose coder has bits per token for seed 2 of 2")
        );
    }

    #[test]
    fn c12_of_one_seed_is_a_single_run() {
        let c = c12(
            "x",
            "base",
            &codes(vec![
                vec![1.0],
                vec![2.0],
                vec![3.0],
                vec![5.0],
                vec![4.0],
                vec![6.0],
            ]),
        );
        assert_eq!(c.verdict(), Verdict::Pass);
        assert_eq!(c.estimate(), &Estimate::SingleRun { value: 3.0 });
        assert_eq!(c.interval(), None);
    }
}
