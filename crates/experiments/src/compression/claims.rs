//! The claim rule of compression: C12 (oracle < Bayes < transformer < byte coders).

use skm_report::{Claim, Verdict};

use super::codes::Codes;
use crate::num;

/// Whether oracle < Bayes < transformer < min(gzip, xz, zstd) holds on every seed
/// (`values` in the order of [`super::CODERS`]).
fn ordered_on_every_seed(values: &[Vec<f64>], seeds: usize) -> bool {
    (0..seeds).all(|s| {
        // not measurable: a coder without a value for this seed reads NaN, so the order
        // fails when it is the oracle, the Bayes learner or the transformer (`f64::min`
        // skips a NaN, so a missing byte coder is ignored).
        let at = |c: usize| values[c].get(s).copied().unwrap_or(f64::NAN);
        let best_coder = at(3).min(at(4)).min(at(5));
        at(0) < at(1) && at(1) < at(2) && at(2) < best_coder
    })
}

/// C12: PASS when the codes order as theory says on every seed; measured = the
/// transformer's bits/token, theory = the Bayes learner's, interval = the transformer's
/// range over seeds.
pub(super) fn c12(experiment: &str, label: &str, codes: &Codes) -> Claim {
    let transformer = &codes.values[2];
    let (lo, hi) = transformer
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let (seeds, listing) = (codes.seeds, codes.listing());
    let (coded, steps, stream_tokens) =
        (num(codes.coded), num(codes.steps), num(codes.stream_tokens));
    Claim {
        id: "C12".into(),
        variant: format!("{label} order"),
        experiment: experiment.into(),
        statement: "Bits per token order as oracle < Bayes learner < transformer (prequential, one pass), and the transformer beats gzip, xz and zstd on the same stream".into(),
        measured: codes.means[2],
        theory: codes.means[1],
        lo,
        hi,
        verdict: Verdict::from_bool(ordered_on_every_seed(&codes.values, seeds)),
        detail: format!(
            "Seed-mean bits per token ({seeds} seed(s)): {listing}; the transformer's prequential code covers the {coded} tokens of its full batches ({steps} steps) of the {stream_tokens} in the stream, the others the whole stream. measured = the transformer's bits/token, theory = the Bayes learner's (the floor of a learner of the model class), interval = the transformer's range over seeds; PASS when oracle < Bayes < transformer < min(gzip, xz, zstd) on every seed."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::codes::mean;
    use super::*;

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
        assert_eq!(c.verdict, Verdict::Pass);
        assert_eq!((c.measured, c.theory, c.lo, c.hi), (3.25, 2.25, 3.0, 3.5));
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
        assert_eq!(c.verdict, Verdict::Fail);
    }

    #[test]
    fn c12_fails_when_the_transformer_lacks_a_seed_but_not_a_byte_coder() {
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
        assert_eq!(c.verdict, Verdict::Fail);
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
        assert_eq!(c.verdict, Verdict::Pass);
    }
}
