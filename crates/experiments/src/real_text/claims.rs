//! The claim rule of real-text: C13, the scaling exponents the word statistics predict,
//! against the published ones.

use skm_report::{Claim, Estimate, Rule};

use super::fits::Fits;
use super::params::Params;
use crate::num;

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
    fn range(self) -> (f64, f64) {
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

/// C13: the exponent predicted from `alpha` (read by `name`, e.g. `Heaps`, as `source`
/// says) lies between the published values.
pub(super) fn c13(
    experiment: &str,
    exponent: Exponent,
    name: &str,
    alpha: f64,
    source: &str,
) -> Claim {
    let variant = match exponent {
        Exponent::Data => format!("data exponent 1 - alpha, {name} alpha"),
        Exponent::Parameters => format!("parameter exponent (1 - alpha)/alpha, {name} alpha"),
    };
    let (lo, hi) = exponent.range();
    crate::claim(
        "C13",
        variant,
        experiment,
        Estimate::SingleRun {
            value: exponent.predicted(alpha),
        },
        // Between the published values: their middle, plus or minus half their span.
        Rule::Within {
            reference: (lo + hi) / 2.0,
            tolerance: (hi - lo) / 2.0,
        },
        format!(
            "{source}; one corpus, so no interval. Reference: the middle of the published values ({}); PASS when the prediction lies between them.",
            exponent.cited()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use skm_report::Verdict;

    #[test]
    fn c13_passes_between_the_published_exponents() {
        let c = c13("real-text", Exponent::Data, "Zipf", 0.8, "alpha = 0.8");
        assert_eq!(c.verdict(), Verdict::Pass);
        assert!((c.measured().unwrap() - 0.2).abs() < 1e-12);
        assert_eq!(c.variant, "data exponent 1 - alpha, Zipf alpha");
        assert_eq!(
            c.rule(),
            &Rule::Within {
                reference: (0.095 + 0.28) / 2.0,
                tolerance: (0.28 - 0.095) / 2.0
            }
        );
        assert!(c.detail.starts_with("alpha = 0.8; one corpus"));
        assert!(
            c.detail
                .contains("(Kaplan et al. 2020 0.095, Hoffmann et al. 2022 0.28)")
        );
    }

    #[test]
    fn c13_fails_outside_the_published_exponents() {
        let c = c13("real-text", Exponent::Parameters, "Heaps", 0.5, "s");
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
    fn c13_is_not_measurable_when_alpha_is_zero() {
        let c = c13("real-text", Exponent::Parameters, "Zipf", 0.0, "s");
        assert_eq!(c.verdict(), Verdict::NotMeasurable);
    }
}
