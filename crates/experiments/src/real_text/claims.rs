//! The claim rule of real-text: C13, the scaling exponents the word statistics predict,
//! against the published ones.

use skm_report::{Claim, Estimate, Rule};

use super::fits::Fits;
use super::params::Params;
use crate::{CONFIDENCE, jackknife_interval, num};

/// Published scaling exponents the spec cites: (source, data exponent, parameter exponent).
const PUBLISHED: [(&str, f64, f64); 2] = [
    ("Kaplan et al. 2020", 0.095, 0.076),
    ("Hoffmann et al. 2022", 0.28, 0.34),
];

/// Which scaling exponent a C13 claim predicts.
#[derive(Clone, Copy)]
pub(super) enum Exponent {
    /// `1 - alpha`, of data.
    Data,
    /// `(1 - alpha)/alpha`, of parameters.
    Parameters,
}

impl Exponent {
    /// The exponent predicted from `alpha`.
    pub fn predicted(self, alpha: f64) -> f64 {
        match self {
            Self::Data => 1.0 - alpha,
            Self::Parameters => (1.0 - alpha) / alpha,
        }
    }

    /// This exponent in a published row.
    fn published(self, row: &(&str, f64, f64)) -> f64 {
        match self {
            Self::Data => row.1,
            Self::Parameters => row.2,
        }
    }

    /// The published values of this exponent, as `source value, ...`.
    pub fn cited(self) -> String {
        PUBLISHED
            .iter()
            .map(|row| format!("{} {}", row.0, self.published(row)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The smallest and the largest published value.
    pub fn range(self) -> (f64, f64) {
        let values: Vec<f64> = PUBLISHED.iter().map(|row| self.published(row)).collect();
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lo, hi)
    }
}

/// Where the Heaps alpha comes from, for the claims' detail.
pub(super) fn heaps_source(fits: &Fits, p: &Params) -> String {
    format!(
        "alpha = {} from the Heaps slope over the last {} decades of {} words (R^2 = {})",
        num(fits.alpha()),
        p.heaps_decades(),
        fits.total,
        num(fits.heaps.r_squared)
    )
}

/// Where the Zipf alpha comes from, for the claims' detail.
pub(super) fn zipf_source(fits: &Fits) -> String {
    let (from, to) = fits.zipf_ranks();
    format!(
        "alpha = {} = -1/slope of the rank-frequency fit over ranks {from} to {to} (slope {}, R^2 = {})",
        num(fits.alpha_zipf()),
        num(fits.zipf.slope),
        num(fits.zipf.r_squared)
    )
}

/// Where `interval` lies against the published span of `exponent`, for prose.
pub(super) fn lands(exponent: Exponent, (lo, hi): (f64, f64)) -> &'static str {
    let (first, last) = exponent.range();
    if hi < first {
        "below every published value"
    } else if lo > last {
        "above every published value"
    } else if first <= lo && hi <= last {
        "inside the published span"
    } else {
        "across an end of the published span"
    }
}

/// C13: the exponent predicted from `alpha` (read by `name`, e.g. `Heaps`, as `source`
/// says), with the delete-one-block jackknife interval from the alphas of the text without
/// each block (`replicates`), lies inside the span of the published values (FAIL wholly
/// outside it, not measurable across an end).
pub(super) fn c13(
    experiment: &str,
    exponent: Exponent,
    name: &str,
    (alpha, replicates): (f64, &[f64]),
    source: &str,
) -> Claim {
    let variant = match exponent {
        Exponent::Data => format!("data exponent 1 - alpha, {name} alpha"),
        Exponent::Parameters => format!("parameter exponent (1 - alpha)/alpha, {name} alpha"),
    };
    let value = exponent.predicted(alpha);
    let replicated: Vec<f64> = replicates.iter().map(|&a| exponent.predicted(a)).collect();
    let blocks = replicates.len();
    let (estimate, lands) = match jackknife_interval(value, &replicated, CONFIDENCE) {
        Some(i) => (
            Estimate::Interval {
                value,
                lo: i.lo,
                hi: i.hi,
                method: format!("95% delete-one-block jackknife t-interval, {blocks} blocks"),
            },
            lands(exponent, (i.lo, i.hi)),
        ),
        None => (
            Estimate::SingleRun { value },
            lands(exponent, (value, value)),
        ),
    };
    let (lo, hi) = exponent.range();
    crate::claim(
        "C13",
        variant,
        experiment,
        estimate,
        Rule::Band {
            reference: (lo + hi) / 2.0,
            tolerance: (hi - lo) / 2.0,
        },
        format!(
            "{source}; the interval is the delete-one-block jackknife's over {blocks} contiguous blocks of the text (t with {} degrees of freedom). PASS when it lies inside the span of the published values ({}), FAIL when wholly outside, not measurable across an end: it lies {lands}.",
            blocks.saturating_sub(1),
            exponent.cited()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use skm_report::Verdict;

    /// Replicate alphas spread around `alpha` by `spread`.
    fn replicates(alpha: f64, spread: f64) -> Vec<f64> {
        (0..10)
            .map(|i| alpha + spread * (i as f64 - 4.5) / 4.5)
            .collect()
    }

    #[test]
    fn c13_passes_inside_the_published_span_and_cannot_decide_across_an_end() {
        let c = c13(
            "real-text",
            Exponent::Data,
            "Zipf",
            (0.8, &replicates(0.8, 0.01)),
            "alpha = 0.8",
        );
        assert_eq!(c.verdict(), Verdict::Pass);
        assert!((c.measured().unwrap() - 0.2).abs() < 1e-12);
        assert_eq!(c.variant, "data exponent 1 - alpha, Zipf alpha");
        assert_eq!(
            c.rule(),
            &Rule::Band {
                reference: (0.095 + 0.28) / 2.0,
                tolerance: (0.28 - 0.095) / 2.0
            }
        );
        assert!(
            c.estimate_text()
                .contains("jackknife t-interval, 10 blocks")
        );
        assert!(c.detail.starts_with("alpha = 0.8; the interval"));
        assert!(
            c.detail
                .contains("(Kaplan et al. 2020 0.095, Hoffmann et al. 2022 0.28)")
        );
        assert!(c.detail.ends_with("it lies inside the published span."));
        // 1 - 0.7 = 0.3 is above the span; a wide interval reaching into it cannot decide.
        let c = c13(
            "r",
            Exponent::Data,
            "Zipf",
            (0.7, &replicates(0.7, 0.001)),
            "s",
        );
        assert_eq!(c.verdict(), Verdict::Fail);
        assert!(c.detail.ends_with("it lies above every published value."));
        let c = c13(
            "r",
            Exponent::Data,
            "Zipf",
            (0.7, &replicates(0.7, 0.05)),
            "s",
        );
        assert_eq!(c.verdict(), Verdict::NotMeasurable);
        assert!(
            c.detail
                .ends_with("it lies across an end of the published span.")
        );
    }

    #[test]
    fn c13_fails_outside_the_published_exponents() {
        let c = c13(
            "real-text",
            Exponent::Parameters,
            "Heaps",
            (0.5, &replicates(0.5, 0.01)),
            "s",
        );
        assert_eq!((c.measured(), c.verdict()), (Some(1.0), Verdict::Fail));
        assert_eq!(
            c.variant,
            "parameter exponent (1 - alpha)/alpha, Heaps alpha"
        );
        assert!(
            c.detail
                .contains("(Kaplan et al. 2020 0.076, Hoffmann et al. 2022 0.34)")
        );
    }

    #[test]
    fn c13_without_replicates_is_one_run_and_alpha_zero_is_not_measurable() {
        let c = c13("real-text", Exponent::Data, "Zipf", (0.8, &[]), "s");
        assert!(matches!(c.estimate(), Estimate::SingleRun { .. }));
        assert_eq!(c.verdict(), Verdict::Pass);
        let c = c13(
            "real-text",
            Exponent::Parameters,
            "Zipf",
            (0.0, &[0.0, 0.0]),
            "s",
        );
        assert_eq!(c.verdict(), Verdict::NotMeasurable);
    }
}
