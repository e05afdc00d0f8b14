//! The claim rules of bayes-learning-curve: C3 (the syntax and the knowledge redundancy
//! exponents) and C4 (syntax settles decades before knowledge), each against the same
//! statistic read off the exact expected curves.

use crate::error::Result;
use skm_report::{Claim, Estimate, Rule, Side};
use skm_theory::exponents;

use crate::{Curve, ExponentCheck, exact_slope, num, window};

/// The slope of the exact expected curve `exact` over `N >= from`.
fn reference_slope(exact: &Curve, from: f64) -> Result<f64> {
    exact_slope(&window(std::slice::from_ref(exact), from).remove(0))
}

/// The two parts of the excess that C3 fits separately.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Part {
    /// The syntax excess: asymptotically slope -1 per sentence (the syntax costs
    /// (d/2) log N bits in all).
    Syntax,
    /// The knowledge (name + value) excess: asymptotically slope alpha - 1.
    Knowledge,
}

impl Part {
    /// The role of the curves this part is read from.
    pub(super) fn role(self) -> &'static str {
        match self {
            Part::Syntax => "syntax",
            Part::Knowledge => "knowledge",
        }
    }

    /// What the check fits, for its row.
    fn fitted(self) -> &'static str {
        match self {
            Part::Syntax => {
                "the per-sentence syntax excess (Bayes minus oracle bits, bin means) against N"
            }
            Part::Knowledge => "the per-sentence knowledge (name + value) excess against N",
        }
    }
}

/// C3 (one part): the per-seed slopes of the per-sentence excess of `part`, fitted over
/// `N >= from`, against the slope of its exact expectation `exact` over the same window
/// (the asymptotes, for prose, are [`asymptotes`]).
pub(super) fn c3(
    experiment: &str,
    label: &str,
    part: Part,
    (curves, exact): (&[Curve], &Curve),
    from: f64,
) -> Result<Claim> {
    ExponentCheck {
        id: "C3",
        variant: &format!("{label} {}", part.role()),
        experiment,
        fitted: part.fitted(),
        theory: reference_slope(exact, from)?,
    }
    .check(&window(curves, from))
}

/// The asymptotic exponents of C3 at discount `alpha`, for prose: `(syntax, knowledge)`.
pub(super) fn asymptotes(alpha: f64) -> (f64, f64) {
    (
        exponents::syntax_excess_exponent(),
        exponents::knowledge_excess_exponent(alpha),
    )
}

/// Where one set of excess curves settles: the N from which each stays below the floor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Settled {
    /// Syntax (`None`: never within the stream).
    pub syntax: Option<f64>,
    /// The earlier of name and value (infinite: not within the stream).
    pub knowledge: f64,
}

impl Settled {
    /// The gap in decades, when both settle within the stream.
    fn gap(&self) -> Option<f64> {
        let syntax = self.syntax?;
        self.knowledge
            .is_finite()
            .then(|| (self.knowledge / syntax).log10())
    }

    /// Where knowledge settles, for prose: `at N = ...` or `not within N = ...`.
    pub fn knowledge_text(&self, at: &str, sentences: u64) -> String {
        if self.knowledge.is_infinite() {
            format!("not within N = {sentences}")
        } else {
            format!("{at}{}", num(self.knowledge))
        }
    }
}

/// C4's inputs: where the seed-mean curves settle and where the exact curves do.
pub(super) struct C4Input {
    pub measured: Settled,
    pub exact: Settled,
    /// Sentences in the stream.
    pub sentences: u64,
    /// Seeds whose mean curve it is read off.
    pub seeds: usize,
    /// The floor, bits per sentence.
    pub floor_bits: f64,
    /// Bins per decade of N: one bin is `1/bins_per_decade` decades.
    pub bins_per_decade: u32,
}

/// C4 for the Bayes learner: the gap in decades between the N from which the seed-mean
/// syntax excess stays below the floor and the one from which knowledge does, against the
/// same gap on the exact expected curves, within one bin. When the exact knowledge curve
/// does not settle within the stream, PASS when the measured one does not either.
pub(super) fn c4(experiment: &str, label: &str, input: &C4Input) -> Claim {
    let (measured, exact) = (&input.measured, &input.exact);
    let bin = 1.0 / f64::from(input.bins_per_decade);
    let estimate = match (measured.syntax, measured.gap()) {
        (None, _) => Estimate::NotMeasurable {
            reason: format!(
                "the syntax excess never settles below {} bits within N = {}",
                input.floor_bits, input.sentences
            ),
        },
        (Some(_), Some(gap)) => crate::point_estimate(gap, input.seeds),
        (Some(s), None) => Estimate::Bound {
            value: (input.sentences as f64 / s).log10(),
            side: Side::AtLeast,
        },
    };
    let rule = match (exact.syntax, exact.gap()) {
        (_, Some(gap)) => Rule::Within {
            reference: gap,
            tolerance: bin,
        },
        (Some(_), None) => Rule::Order {
            holds: measured.knowledge.is_infinite(),
        },
        (None, None) => Rule::Order {
            holds: measured.syntax.is_none(),
        },
    };
    crate::claim(
        "C4",
        format!("{label} Bayes"),
        experiment,
        estimate,
        rule,
        c4_detail(input, bin),
    )
}

/// The detail sentence of [`c4`].
fn c4_detail(input: &C4Input, bin: f64) -> String {
    let (measured, exact, n) = (&input.measured, &input.exact, input.sentences);
    let at = |s: Option<f64>| s.map_or("never".into(), num);
    let floor = input.floor_bits;
    let read = format!(
        "Decades between the N from which the seed-mean per-sentence excess stays below {floor} bits for syntax ({}) and for the earlier of name and value ({}); the exact expected curves, binned alike, settle at {} and {}",
        at(measured.syntax),
        measured.knowledge_text("", n),
        at(exact.syntax),
        exact.knowledge_text("", n),
    );
    match (exact.syntax, exact.gap()) {
        (_, Some(gap)) => format!(
            "{read}: PASS when the measured gap is within one bin ({}) of their gap {}.",
            num(bin),
            num(gap)
        ),
        (Some(_), None) => format!(
            "{read}: the exact knowledge curve does not settle within the stream, so PASS when the measured one does not either."
        ),
        (None, None) => format!(
            "{read}: the exact syntax curve does not settle within the stream, so PASS when the measured one does not either."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use skm_report::Verdict;

    fn input(measured: (Option<f64>, f64), exact: (Option<f64>, f64)) -> C4Input {
        let settled = |(syntax, knowledge)| Settled { syntax, knowledge };
        C4Input {
            measured: settled(measured),
            exact: settled(exact),
            sentences: 100_000,
            seeds: 1,
            floor_bits: 0.5,
            bins_per_decade: 4,
        }
    }

    #[test]
    fn c4_passes_when_the_gap_agrees_with_the_exact_curves_within_a_bin() {
        let c = c4(
            "b",
            "alpha=0.5",
            &input((Some(10.0), 10_000.0), (Some(10.0), 7_000.0)),
        );
        assert_eq!(c.verdict(), Verdict::Pass);
        assert!((c.measured().unwrap() - 3.0).abs() < 1e-12);
        assert!((c.reference().unwrap() - 700f64.log10()).abs() < 1e-12);
        assert_eq!(c.variant, "alpha=0.5 Bayes");
        assert!(c.detail.contains("within one bin (0.25)"), "{}", c.detail);
        // Two bins apart: FAIL, whichever side.
        let c = c4(
            "b",
            "alpha=0.5",
            &input((Some(10.0), 10_000.0), (Some(10.0), 3_000.0)),
        );
        assert_eq!(c.verdict(), Verdict::Fail);
        let c = c4(
            "b",
            "alpha=0.5",
            &input((Some(10.0), 1_000.0), (Some(10.0), 3_000.0)),
        );
        assert_eq!(c.verdict(), Verdict::Fail);
    }

    /// A gap read off the mean curve of several seeds is no single run's, and has no interval.
    #[test]
    fn c4_over_several_seeds_says_so() {
        let several = C4Input {
            seeds: 8,
            ..input((Some(10.0), 10_000.0), (Some(10.0), 10_000.0))
        };
        let c = c4("b", "alpha=0.5", &several);
        assert!(matches!(c.estimate(), Estimate::NoInterval { .. }));
        assert!(
            c.estimate_text()
                .contains("mean curve of 8 seeds, no interval")
        );
        assert_eq!(c.verdict(), Verdict::Pass);
    }

    #[test]
    fn c4_when_knowledge_does_not_settle_within_the_stream() {
        let never = f64::INFINITY;
        // Neither the measured nor the exact knowledge settles: they agree.
        let c = c4(
            "b",
            "alpha=0.5",
            &input((Some(10.0), never), (Some(12.0), never)),
        );
        let bound = Estimate::Bound {
            value: 4.0,
            side: Side::AtLeast,
        };
        assert_eq!((c.estimate(), c.verdict()), (&bound, Verdict::Pass));
        assert!(c.detail.contains("does not settle within the stream"));
        // The measured knowledge settles although the exact curve says it does not: FAIL.
        let c = c4(
            "b",
            "alpha=0.5",
            &input((Some(10.0), 1e4), (Some(12.0), never)),
        );
        assert_eq!(c.verdict(), Verdict::Fail);
        // Only a bound measured, the exact gap inside it: undecided; beyond it: FAIL.
        let c = c4(
            "b",
            "alpha=0.5",
            &input((Some(10.0), never), (Some(10.0), 1e5)),
        );
        assert_eq!(c.verdict(), Verdict::NotMeasurable);
        let c = c4(
            "b",
            "alpha=0.5",
            &input((Some(10.0), never), (Some(10.0), 1e3)),
        );
        assert_eq!(c.verdict(), Verdict::Fail);
    }

    #[test]
    fn c4_is_not_measurable_when_syntax_never_settles() {
        let c = c4("b", "alpha=0.5", &input((None, 10.0), (Some(10.0), 1e4)));
        assert_eq!((c.measured(), c.verdict()), (None, Verdict::NotMeasurable));
        assert_eq!(
            c.reason(),
            Some("the syntax excess never settles below 0.5 bits within N = 100000")
        );
    }

    /// A curve `y = c N^slope` over N = 10..=100000.
    fn curve(c: f64, slope: f64) -> Curve {
        let n = vec![1e1, 1e2, 1e3, 1e4, 1e5];
        let y = n.iter().map(|x: &f64| c * x.powf(slope)).collect();
        (n, y)
    }

    /// `curve(c, slope)`, flat (at its value at N = 1000) below N = 1000.
    fn bent(c: f64, slope: f64) -> Curve {
        let (n, y) = curve(c, slope);
        let flat = c * 1e3f64.powf(slope);
        let y = n
            .iter()
            .zip(y)
            .map(|(x, y)| if *x < 1e3 { flat } else { y });
        (n.clone(), y.collect())
    }

    #[test]
    fn c3_fits_only_the_window_and_compares_with_the_exact_slope_there() {
        // Measured flat before N = 1000, slope about -1 from there on; the exact curve a
        // power law throughout: only the window decides.
        let curves = [bent(2.0, -0.9), bent(3.0, -1.1), bent(1.0, -1.0)];
        let exact = curve(5.0, -0.98);
        let c = c3("b", "alpha=0.5", Part::Syntax, (&curves, &exact), 1e3).unwrap();
        assert!((c.reference().unwrap() + 0.98).abs() < 1e-12);
        assert_eq!(c.verdict(), Verdict::Pass);
        assert!(
            c.detail
                .contains("(3 points per seed from x = 1000 to 1e5 (2 decades), 3 seed(s)")
        );
        let c = c3("b", "alpha=0.5", Part::Syntax, (&curves, &exact), 10.0).unwrap();
        assert_eq!(c.verdict(), Verdict::Fail);
    }

    #[test]
    fn c3_knowledge_compares_with_the_exact_curve_not_the_asymptote() {
        let curves = [curve(2.0, -0.515), curve(3.0, -0.525), curve(1.0, -0.52)];
        let exact = curve(4.0, -0.52);
        let c = c3("b", "alpha=0.5", Part::Knowledge, (&curves, &exact), 10.0).unwrap();
        assert_eq!(c.variant, "alpha=0.5 knowledge");
        assert!((c.reference().unwrap() + 0.52).abs() < 1e-12);
        assert_eq!(c.verdict(), Verdict::Pass);
        // The asymptote alpha - 1 = -0.5 lies outside this interval.
        let (lo, hi) = c.interval().unwrap();
        assert!(hi < asymptotes(0.5).1 && lo < hi);
        let one = c3(
            "b",
            "alpha=0.5",
            Part::Knowledge,
            (&curves[..1], &exact),
            10.0,
        )
        .unwrap();
        assert_eq!(one.verdict(), Verdict::NotMeasurable);
    }
}
