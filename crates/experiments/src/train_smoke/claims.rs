//! The claim rules of train-smoke and acquisition: C4 (syntax before knowledge) and C7
//! (knowledge in order of frequency; after a constant number of exposures).

use crate::error::Result;
use skm_report::{Claim, Estimate, Rule, Side, fit_loglog};

use crate::num;

/// C4's measurement: the steps from which the excess stays below the floor.
pub(super) struct Settled {
    /// Syntax (`None`: at no evaluated step).
    pub syntax: Option<f64>,
    /// The earlier of name and value (`None`: not within the run).
    pub knowledge: Option<f64>,
    /// The last evaluated step.
    pub last_step: f64,
    /// Seeds whose mean curves it is read off.
    pub seeds: usize,
}

impl Settled {
    /// Decades of steps between syntax and knowledge settling, when both do.
    pub fn gap(&self) -> Option<f64> {
        Some(decades_between(self.syntax?, self.knowledge?))
    }

    /// When syntax settles and knowledge does not within the run, the gap is at least the
    /// decades from syntax settling to the last evaluated step.
    pub fn lower_bound(&self) -> Option<f64> {
        match (self.syntax, self.knowledge) {
            (Some(s), None) => Some(decades_between(s, self.last_step)),
            _ => None,
        }
    }

    /// The gap as the text gives it: the decades, `≥` a lower bound, or `none` when syntax
    /// never settles.
    fn describe(&self) -> String {
        match (self.gap(), self.lower_bound()) {
            (Some(gap), _) => num(gap),
            (None, Some(bound)) => format!("≥ {}", num(bound)),
            (None, None) => "none".to_string(),
        }
    }
}

/// Decades of steps from `from` to `to`; step 0, "before any training", counts as step 1 on
/// the log scale.
fn decades_between(from: f64, to: f64) -> f64 {
    (to.max(1.0) / from.max(1.0)).log10()
}

/// C4: PASS when syntax settles at least `decades` decades of steps before knowledge. Read
/// off the seeds' mean curves; when every seed's own curves (`by_seed`) give a gap, the
/// estimate is their mean with its t-interval over seeds.
pub(super) fn c4(
    experiment: &str,
    label: &str,
    (settled, by_seed): (&Settled, &[Settled]),
    floor_bits: f64,
    decades: f64,
) -> Claim {
    let last_step = settled.last_step;
    let estimate = match (settled.syntax, settled.knowledge) {
        (None, _) => Estimate::NotMeasurable {
            reason: format!(
                "syntax never stays below {floor_bits} bits/token within the {} steps of the run",
                num(last_step)
            ),
        },
        // Knowledge has not settled by the end of the run: the gap is at least this.
        (Some(s), None) => Estimate::Bound {
            value: decades_between(s, last_step),
            side: Side::AtLeast,
        },
        (Some(s), Some(k)) => {
            let gaps: Vec<Option<f64>> = by_seed.iter().map(Settled::gap).collect();
            crate::seed_interval(&gaps)
                .unwrap_or_else(|| crate::point_estimate(decades_between(s, k), settled.seeds))
        }
    };
    let per_seed: Vec<String> = by_seed.iter().map(Settled::describe).collect();
    let per_seed = per_seed.join(", ");
    let lower_bound = settled.lower_bound().is_some();
    let syntax = settled.syntax.map_or_else(|| "never".to_string(), num);
    let knowledge = match settled.knowledge {
        None => format!("not within {last_step} steps"),
        Some(k) => format!("step {}", num(k)),
    };
    let bound = if lower_bound { ", a lower bound" } else { "" };
    crate::claim(
        "C4",
        format!("{label} transformer"),
        experiment,
        estimate,
        Rule::AtLeast { threshold: decades },
        format!(
            "Decades of training steps between the evaluation from which the seed-mean held-out excess over the oracle stays below {floor_bits} bits/token for syntax (step {syntax}) and for the earlier of name and value ({knowledge}){bound}; in each seed's own curves: {per_seed} (≥: knowledge not settled by the run's end; the estimate is their mean with its t-interval when every seed gives a gap); PASS when at least {decades} (a lower bound only when it already is)."
        ),
    )
}

/// `bucket: first step known` for each stated bucket, `; `-separated.
pub(super) fn acquisition_listing(acquired: &[(String, Option<f64>)]) -> String {
    acquired
        .iter()
        .map(|(b, a)| format!("{b}: {}", a.map_or("not reached".into(), num)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// C7 (order): `acquired` holds each stated bucket, rarest first, with the first step at
/// which it is known (off the mean curves of `seeds` seeds); PASS when no rarer bucket is known
/// strictly earlier and one is known.
pub(super) fn c7_order(
    experiment: &str,
    label: &str,
    acquired: &[(String, Option<f64>)],
    (known_accuracy, seeds): (f64, usize),
) -> Claim {
    let at = |a: Option<f64>| a.unwrap_or(f64::INFINITY);
    let inversions = acquired
        .iter()
        .enumerate()
        .flat_map(|(i, rare)| {
            acquired[i + 1..]
                .iter()
                .map(move |frequent| (rare, frequent))
        })
        .filter(|(rare, frequent)| at(rare.1) < at(frequent.1))
        .count();
    // No bucket known: 0 inversions, but FAIL (nothing was acquired in any order).
    let any_known = acquired.iter().any(|(_, a)| a.is_some());
    let acquisition = acquisition_listing(acquired);
    crate::claim(
        "C7",
        format!("{label} order"),
        experiment,
        crate::point_estimate(inversions as f64, seeds),
        Rule::Order {
            holds: inversions == 0 && any_known,
        },
        format!(
            "First evaluated step at which the seed-mean probe accuracy of each exposure bucket reaches {known_accuracy} ({acquisition}); measured = pairs of buckets where the rarer is known strictly earlier; PASS when none is and at least one bucket is known."
        ),
    )
}

/// `mean exposures -> seen when known` for each known bucket, `; `-separated.
pub(super) fn seen_listing(known: &[(f64, f64)]) -> String {
    known
        .iter()
        .map(|(e, seen)| format!("{} -> {}", num(*e), num(*seen)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// What C7 (exposures) reads: `known` holds (mean exposures, exposures seen from the step
/// syntax settled, `syntax_settled`, until the bucket is known) per bucket known after it,
/// from the mean curves of `seeds` seeds; `by_seed` the slope of each seed's own curves.
pub(super) struct KnownAfter<'a> {
    pub known: &'a [(f64, f64)],
    pub syntax_settled: Option<f64>,
    pub seeds: usize,
    pub by_seed: &'a [Option<f64>],
}

/// The log-log slope of the exposures seen until known against the mean exposures, over the
/// buckets of `known`; `None` below two buckets.
pub(super) fn seen_slope(known: &[(f64, f64)]) -> Result<Option<f64>> {
    if known.len() < 2 {
        return Ok(None);
    }
    let (x, y): (Vec<f64>, Vec<f64>) = known.iter().copied().unzip();
    Ok(Some(fit_loglog(&x, &y)?.slope))
}

/// C7 (exposures): PASS when the log-log slope of the exposures seen from the step syntax
/// settled until a bucket is known, against the bucket's mean exposures, is at most
/// `exposure_slope` in size (0: a constant number of exposures; 1: a constant number of
/// steps). Not measurable when syntax never settles or fewer than two buckets are known
/// after it.
pub(super) fn c7_exposures(
    experiment: &str,
    label: &str,
    after: &KnownAfter<'_>,
    known_accuracy: f64,
    exposure_slope: f64,
) -> Result<Claim> {
    let rule = Rule::Within {
        reference: 0.0,
        tolerance: exposure_slope,
    };
    let not_measurable = |reason: String| {
        let detail = format!("C7 (exposures) is not measurable: {reason}.");
        let estimate = Estimate::NotMeasurable { reason };
        Ok(crate::claim(
            "C7",
            format!("{label} exposures"),
            experiment,
            estimate,
            rule,
            detail,
        ))
    };
    let Some(start) = after.syntax_settled else {
        return not_measurable(
            "syntax never settles within the run, so there is no step to count exposures from"
                .into(),
        );
    };
    let n = after.known.len();
    if n < 2 {
        return not_measurable(format!(
            "only {n} bucket(s) reach accuracy {known_accuracy} after syntax settles (step {}): no slope",
            num(start)
        ));
    }
    let slope = seen_slope(after.known)?.unwrap_or(f64::NAN);
    let estimate = crate::seed_interval(after.by_seed)
        .unwrap_or_else(|| crate::point_estimate(slope, after.seeds));
    let seen_list = seen_listing(after.known);
    let per_seed = crate::seed_values(after.by_seed);
    Ok(crate::claim(
        "C7",
        format!("{label} exposures"),
        experiment,
        estimate,
        rule,
        format!(
            "Slope of log(exposures seen from step {start}, when syntax has settled, until the bucket first reaches accuracy {known_accuracy}) against log(the bucket's mean exposures in the stream), over the {n} buckets known after that step (mean exposures -> seen: {seen_list}), off the seeds' mean curves; in each seed's own curves: {per_seed} (the estimate is their mean with its t-interval when every seed gives one); 0 is a constant number of exposures, 1 a constant number of steps; PASS when |slope| <= {exposure_slope}.",
            start = num(start),
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use skm_report::Verdict;

    fn settled(syntax: Option<f64>, knowledge: Option<f64>) -> Settled {
        Settled {
            syntax,
            knowledge,
            last_step: 1000.0,
            seeds: 1,
        }
    }

    /// Seeds whose syntax settles at step 10 and whose knowledge settles `gap` decades later
    /// (`None`: not within the run's 1000 steps).
    fn seeds(gaps: &[Option<f64>]) -> Vec<Settled> {
        let at = |gap: &Option<f64>| gap.map(|g| 10.0 * 10f64.powf(g));
        gaps.iter().map(|g| settled(Some(10.0), at(g))).collect()
    }

    #[test]
    fn c4_passes_when_syntax_settles_decades_earlier() {
        let c = c4(
            "x",
            "base",
            (&settled(Some(10.0), Some(1000.0)), &[]),
            0.1,
            1.0,
        );
        assert_eq!(c.verdict(), Verdict::Pass);
        assert_eq!(c.estimate(), &Estimate::SingleRun { value: 2.0 });
        assert_eq!((c.interval(), c.reference()), (None, Some(1.0)));
        // Step 0 counts as step 1.
        let c = c4(
            "x",
            "base",
            (&settled(Some(0.0), Some(100.0)), &[]),
            0.1,
            1.0,
        );
        assert_eq!((c.measured(), c.verdict()), (Some(2.0), Verdict::Pass));
    }

    /// With every seed's own gap, the estimate is their mean with its interval, which must
    /// clear the threshold as a whole.
    #[test]
    fn c4_takes_its_interval_from_the_seeds() {
        let mean = settled(Some(10.0), Some(1000.0));
        let c = c4(
            "x",
            "base",
            (&mean, &seeds(&[Some(1.9), Some(2.0), Some(2.1)])),
            0.1,
            1.0,
        );
        assert_eq!(c.verdict(), Verdict::Pass);
        assert!(c.estimate_text().contains("t-interval over 3 seeds"));
        assert!(c.detail.contains("in each seed's own curves: 1.9, 2, 2.1"));
        let c = c4(
            "x",
            "base",
            (&mean, &seeds(&[Some(0.2), Some(2.0), Some(3.5)])),
            0.1,
            1.0,
        );
        assert_eq!(
            c.verdict(),
            Verdict::NotMeasurable,
            "the interval straddles 1"
        );
        // A seed without a gap: the mean curves' value, no interval; the text gives that
        // seed's lower bound, and "none" for a seed whose syntax never settles.
        let mut by_seed = seeds(&[Some(1.9), None, Some(2.1)]);
        by_seed.push(settled(None, None));
        let c = c4("x", "base", (&mean, &by_seed), 0.1, 1.0);
        assert_eq!(c.estimate(), &Estimate::SingleRun { value: 2.0 });
        assert!(c.detail.contains("1.9, ≥ 2, 2.1, none"), "{}", c.detail);
    }

    #[test]
    fn c4_fails_when_the_gap_is_too_small() {
        let c = c4(
            "x",
            "base",
            (&settled(Some(100.0), Some(300.0)), &[]),
            0.1,
            1.0,
        );
        assert_eq!(c.verdict(), Verdict::Fail);
        assert!(c.measured().is_some_and(|m| m < 1.0));
    }

    #[test]
    fn c4_knowledge_never_settling_gives_a_lower_bound() {
        let c = c4("x", "base", (&settled(Some(1.0), None), &[]), 0.1, 1.0);
        let bound = Estimate::Bound {
            value: 3.0,
            side: Side::AtLeast,
        };
        assert_eq!(c.estimate(), &bound);
        assert_eq!(c.verdict(), Verdict::Pass);
        assert!(c.detail.contains("not within 1000 steps), a lower bound"));
        // A lower bound short of the threshold does not decide: the gap may still reach it.
        let c = c4("x", "base", (&settled(Some(500.0), None), &[]), 0.1, 1.0);
        assert_eq!(c.verdict(), Verdict::NotMeasurable);
        assert!(c.measured().is_some_and(|m| m < 1.0));
        assert!(
            c.reason()
                .is_some_and(|r| r.contains("only a bound is known"))
        );
    }

    #[test]
    fn c4_is_not_measurable_when_syntax_never_settles() {
        let c = c4("x", "base", (&settled(None, Some(10.0)), &[]), 0.1, 1.0);
        assert_eq!(c.verdict(), Verdict::NotMeasurable);
        assert_eq!((c.measured(), c.interval()), (None, None));
        assert_eq!(
            c.reason(),
            Some("syntax never stays below 0.1 bits/token within the 1000 steps of the run")
        );
        assert!(c.detail.contains("(step never)"));
    }

    fn buckets(steps: &[Option<f64>]) -> Vec<(String, Option<f64>)> {
        steps
            .iter()
            .enumerate()
            .map(|(i, &s)| (format!("b{i}"), s))
            .collect()
    }

    #[test]
    fn c7_order_passes_when_frequent_buckets_are_known_first() {
        let c = c7_order(
            "x",
            "base",
            &buckets(&[None, Some(100.0), Some(10.0)]),
            (0.5, 1),
        );
        assert_eq!((c.measured(), c.verdict()), (Some(0.0), Verdict::Pass));
        assert_eq!(c.rule(), &Rule::Order { holds: true });
        assert!(c.detail.contains("b0: not reached; b1: 100; b2: 10"));
    }

    #[test]
    fn c7_order_fails_on_an_inversion() {
        let c = c7_order(
            "x",
            "base",
            &buckets(&[Some(10.0), Some(100.0), None]),
            (0.5, 1),
        );
        // b0 before b1, b0 before b2, b1 before b2.
        assert_eq!((c.measured(), c.verdict()), (Some(3.0), Verdict::Fail));
    }

    #[test]
    fn c7_order_fails_when_no_bucket_is_known() {
        let c = c7_order("x", "base", &buckets(&[None, None]), (0.5, 1));
        assert_eq!((c.measured(), c.verdict()), (Some(0.0), Verdict::Fail));
    }

    fn after(known: &[(f64, f64)], seeds: usize) -> KnownAfter<'_> {
        KnownAfter {
            known,
            syntax_settled: Some(200.0),
            seeds,
            by_seed: &[],
        }
    }

    #[test]
    fn c7_exposures_passes_on_a_constant_number_of_exposures() {
        let known = [(1.0, 50.0), (10.0, 50.0), (100.0, 50.0)];
        let c = c7_exposures("x", "base", &after(&known, 1), 0.5, 0.3).unwrap();
        assert_eq!(c.verdict(), Verdict::Pass);
        assert!(c.measured().is_some_and(|m| m.abs() < 1e-9));
        assert_eq!(c.interval(), None, "one run, no interval");
        assert!(
            c.detail
                .contains("exposures seen from step 200, when syntax has settled")
        );
        let c = c7_exposures("x", "base", &after(&known, 3), 0.5, 0.3).unwrap();
        assert!(c.estimate_text().contains("mean curve of 3 seeds"));
        // Every seed's own slope: their mean with its interval, inside 0 ± 0.3 as a whole.
        let by_seed = [Some(-0.05), Some(0.0), Some(0.05)];
        let seeds = KnownAfter {
            by_seed: &by_seed,
            ..after(&known, 3)
        };
        let c = c7_exposures("x", "base", &seeds, 0.5, 0.3).unwrap();
        assert_eq!(c.verdict(), Verdict::Pass);
        assert!(c.estimate_text().contains("t-interval over 3 seeds"));
        let by_seed = [Some(-0.5), Some(0.0), Some(0.6)];
        let spread = KnownAfter {
            by_seed: &by_seed,
            ..after(&known, 3)
        };
        let c = c7_exposures("x", "base", &spread, 0.5, 0.3).unwrap();
        assert_eq!(
            c.verdict(),
            Verdict::NotMeasurable,
            "the interval leaves the band"
        );
    }

    #[test]
    fn c7_exposures_fails_on_a_constant_number_of_steps() {
        let known = [(1.0, 5.0), (10.0, 50.0), (100.0, 500.0)];
        let c = c7_exposures("x", "base", &after(&known, 1), 0.5, 0.3).unwrap();
        assert_eq!(c.verdict(), Verdict::Fail);
        assert!(c.measured().is_some_and(|m| (m - 1.0).abs() < 1e-9));
    }

    #[test]
    fn c7_exposures_is_not_measurable_with_one_known_bucket_or_unsettled_syntax() {
        let c = c7_exposures("x", "base", &after(&[(10.0, 50.0)], 1), 0.5, 0.3).unwrap();
        assert_eq!(c.verdict(), Verdict::NotMeasurable);
        assert_eq!(c.measured(), None);
        assert_eq!(
            c.reason(),
            Some("only 1 bucket(s) reach accuracy 0.5 after syntax settles (step 200): no slope")
        );
        let unsettled = KnownAfter {
            syntax_settled: None,
            ..after(&[(1.0, 5.0), (10.0, 50.0)], 1)
        };
        let c = c7_exposures("x", "base", &unsettled, 0.5, 0.3).unwrap();
        assert_eq!(c.verdict(), Verdict::NotMeasurable);
        assert!(c.reason().unwrap().starts_with("syntax never settles"));
    }
}
