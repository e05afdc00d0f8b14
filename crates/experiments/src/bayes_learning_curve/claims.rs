//! The claim rules of bayes-learning-curve: C3 (the syntax and the knowledge redundancy
//! exponents) and C4 (syntax settles decades before knowledge).

use anyhow::Result;
use skm_report::{Claim, Estimate, Rule, Side};
use skm_theory::exponents;

use crate::{Curve, ExponentCheck, num, window};

/// C3 (syntax): the per-sentence syntax excess, fitted over `N >= from`, falls like `1/N`.
pub(super) fn c3_syntax(
    experiment: &str,
    label: &str,
    curves: &[Curve],
    from: f64,
) -> Result<Claim> {
    ExponentCheck {
        id: "C3",
        variant: &format!("{label} syntax"),
        experiment,
        fitted: "the per-sentence syntax excess (Bayes minus oracle bits, bin means) against N",
        theory: exponents::syntax_excess_exponent(),
    }
    .check(&window(curves, from))
}

/// C3 (knowledge): the per-sentence knowledge excess, fitted over `N >= from`, falls like
/// `N^(alpha - 1)`.
pub(super) fn c3_knowledge(
    experiment: &str,
    (label, alpha): (&str, f64),
    curves: &[Curve],
    from: f64,
) -> Result<Claim> {
    ExponentCheck {
        id: "C3",
        variant: &format!("{label} knowledge"),
        experiment,
        fitted: "the per-sentence knowledge (name + value) excess against N",
        theory: exponents::knowledge_excess_exponent(alpha),
    }
    .check(&window(curves, from))
}

/// C4's measurement: the N from which each seed-mean excess stays below the floor.
pub(super) struct Settled {
    /// Syntax (`None`: never within the stream).
    pub syntax: Option<f64>,
    /// The earlier of name and value (infinite: not within the stream).
    pub knowledge: f64,
    /// Sentences in the stream.
    pub sentences: u64,
    /// Seeds whose mean curve it is read off.
    pub seeds: usize,
}

impl Settled {
    /// Where knowledge settles, for prose: `at N = ...` or `not within N = ...`.
    pub fn knowledge_text(&self, at: &str) -> String {
        if self.knowledge.is_infinite() {
            format!("not within N = {}", self.sentences)
        } else {
            format!("{at}{}", num(self.knowledge))
        }
    }
}

/// C4: PASS when syntax settles at least `decades` decades of N before knowledge.
pub(super) fn c4(
    experiment: &str,
    label: &str,
    settled: &Settled,
    floor_bits: f64,
    decades: f64,
) -> Claim {
    let lower_bound = settled.syntax.is_some() && settled.knowledge.is_infinite();
    let gap = match settled.syntax {
        None => Estimate::NotMeasurable {
            reason: format!(
                "the syntax excess never settles below {floor_bits} bits within N = {}",
                settled.sentences
            ),
        },
        Some(s) if lower_bound => Estimate::Bound {
            value: (settled.sentences as f64 / s).log10(),
            side: Side::AtLeast,
        },
        Some(s) => crate::point_estimate((settled.knowledge / s).log10(), settled.seeds),
    };
    let syntax = settled.syntax.map_or("never".into(), num);
    let knowledge = settled.knowledge_text("");
    let bound = if lower_bound { ", a lower bound" } else { "" };
    crate::claim(
        "C4",
        format!("{label} Bayes"),
        experiment,
        gap,
        Rule::AtLeast { threshold: decades },
        format!(
            "Decades between the N from which the seed-mean per-sentence excess stays below {floor_bits} bits for syntax ({syntax}) and for the earlier of name and value ({knowledge}){bound}; PASS when at least {decades}."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use skm_report::Verdict;

    fn settled(syntax: Option<f64>, knowledge: f64) -> Settled {
        Settled {
            syntax,
            knowledge,
            sentences: 100_000,
            seeds: 1,
        }
    }

    #[test]
    fn c4_passes_when_syntax_settles_decades_earlier() {
        let c = c4("b", "alpha=0.5", &settled(Some(10.0), 10_000.0), 0.5, 2.0);
        assert_eq!(c.verdict(), Verdict::Pass);
        assert!((c.measured().unwrap() - 3.0).abs() < 1e-12);
        assert_eq!(c.variant, "alpha=0.5 Bayes");
        let settles = format!(
            "syntax ({}) and for the earlier of name and value ({});",
            num(10.0),
            num(10_000.0)
        );
        assert!(c.detail.contains(&settles), "{}", c.detail);
    }

    /// A gap read off the mean curve of several seeds is no single run's, and has no interval.
    #[test]
    fn c4_over_several_seeds_says_so() {
        let several = Settled {
            seeds: 8,
            ..settled(Some(10.0), 10_000.0)
        };
        let c = c4("b", "alpha=0.5", &several, 0.5, 2.0);
        assert!(matches!(c.estimate(), Estimate::NoInterval { .. }));
        assert!(
            c.estimate_text()
                .contains("mean curve of 8 seeds, no interval")
        );
        assert_eq!(c.verdict(), Verdict::Pass);
    }

    #[test]
    fn c4_fails_when_the_gap_is_too_small() {
        let c = c4("b", "alpha=0.5", &settled(Some(100.0), 1000.0), 0.5, 2.0);
        assert_eq!((c.measured(), c.verdict()), (Some(1.0), Verdict::Fail));
    }

    #[test]
    fn c4_knowledge_never_settling_gives_a_lower_bound() {
        let c = c4(
            "b",
            "alpha=0.5",
            &settled(Some(10.0), f64::INFINITY),
            0.5,
            2.0,
        );
        let bound = Estimate::Bound {
            value: 4.0,
            side: Side::AtLeast,
        };
        assert_eq!((c.estimate(), c.verdict()), (&bound, Verdict::Pass));
        assert!(c.detail.contains("(not within N = 100000), a lower bound"));
        let c = c4(
            "b",
            "alpha=0.5",
            &settled(Some(10.0), f64::INFINITY),
            0.5,
            5.0,
        );
        assert_eq!(c.verdict(), Verdict::NotMeasurable);
    }

    #[test]
    fn c4_is_not_measurable_when_syntax_never_settles() {
        let c = c4("b", "alpha=0.5", &settled(None, 10.0), 0.5, 2.0);
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

    #[test]
    fn c3_fits_only_the_window_and_compares_with_the_theory() {
        // Flat before N = 1000, slope about -1 from there on: only the window decides.
        let bent = |c: f64, slope: f64| {
            let (n, y) = curve(c, slope);
            let flat = c * 1e3f64.powf(slope);
            let y = n
                .iter()
                .zip(y)
                .map(|(x, y)| if *x < 1e3 { flat } else { y });
            (n.clone(), y.collect())
        };
        let curves = [bent(2.0, -0.9), bent(3.0, -1.1), bent(1.0, -1.0)];
        let c = c3_syntax("b", "alpha=0.5", &curves, 1e3).unwrap();
        assert_eq!((c.reference(), c.verdict()), (Some(-1.0), Verdict::Pass));
        assert!(
            c.detail
                .contains("(3 points per seed from x = 1000 to 1e5 (2 decades), 3 seed(s)")
        );
        let c = c3_syntax("b", "alpha=0.5", &curves, 10.0).unwrap();
        assert_eq!(c.verdict(), Verdict::Fail);
    }

    #[test]
    fn c3_knowledge_compares_with_alpha_minus_one() {
        let curves = [curve(2.0, -0.45), curve(3.0, -0.55), curve(1.0, -0.5)];
        let c = c3_knowledge("b", ("alpha=0.5", 0.5), &curves, 10.0).unwrap();
        assert_eq!(c.variant, "alpha=0.5 knowledge");
        assert!((c.reference().unwrap() + 0.5).abs() < 1e-12);
        assert_eq!(c.verdict(), Verdict::Pass);
        let one = c3_knowledge("b", ("alpha=0.5", 0.5), &curves[..1], 10.0).unwrap();
        assert_eq!(one.verdict(), Verdict::NotMeasurable);
    }
}
