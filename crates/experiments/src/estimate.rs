//! From measurements to claim estimates: slopes fitted per seed with a Student-t interval
//! over seeds, values of one run or of a mean curve, and the claim row they make.
//!
//! Seeds are the independent unit. Pooling the points of several seeds into one fit lets
//! the seeds with many points (or a long tail) set the slope, and a bootstrap over 8 seeds
//! under-covers; a t-interval over per-seed estimates is exact for normal estimates and
//! robust for these sizes.

use crate::error::{Context, Result, ensure};
use skm_report::{Claim, Estimate, Interval, LogLogFit, Rule, fit_loglog};
use skm_theory::special::student_t_quantile;

use crate::Curve;

/// Confidence of every interval.
pub const CONFIDENCE: f64 = 0.95;

/// The mean of `values` and their sample variance `s^2 = sum (v - mean)^2 / (n - 1)`. `None`
/// below two values.
pub fn mean_variance(values: &[f64]) -> Option<(f64, f64)> {
    let n = values.len();
    if n < 2 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    Some((mean, variance))
}

/// The two-sided `confidence` Student-t interval of the mean of `values`:
/// `mean ± t_{(1 + c)/2, n - 1} s / sqrt(n)`, `s` the sample standard deviation. `None` below
/// two values (one run has no interval).
pub fn t_interval(values: &[f64], confidence: f64) -> Option<(f64, Interval)> {
    let n = values.len();
    let (mean, variance) = mean_variance(values)?;
    let half =
        student_t_quantile((1.0 + confidence) / 2.0, (n - 1) as f64) * (variance / n as f64).sqrt();
    Some((
        mean,
        Interval {
            lo: mean - half,
            hi: mean + half,
        },
    ))
}

/// The two-sided `confidence` interval of a statistic from the delete-one-block jackknife:
/// `full ± t_{(1 + c)/2, B - 1} se`, `se^2 = (B - 1)/B sum_b (theta_b - mean theta)^2` over
/// the `B` values `replicates` of the statistic on the data without block `b` (Efron and
/// Tibshirani 1993, ch. 11). `None` below two replicates.
pub fn jackknife_interval(full: f64, replicates: &[f64], confidence: f64) -> Option<Interval> {
    let b = replicates.len();
    if b < 2 {
        return None;
    }
    let mean = replicates.iter().sum::<f64>() / b as f64;
    let spread: f64 = replicates.iter().map(|t| (t - mean).powi(2)).sum();
    let se = ((b - 1) as f64 / b as f64 * spread).sqrt();
    let half = student_t_quantile((1.0 + confidence) / 2.0, (b - 1) as f64) * se;
    Some(Interval {
        lo: full - half,
        hi: full + half,
    })
}

/// The log-log slope of `exact`, an exact expected curve over the points a measured curve is
/// fitted on: the finite-N reference of that fit, the same statistic computed on the exact
/// expectation (not the asymptotic exponent, which finite windows only approach).
pub fn exact_slope(exact: &Curve) -> Result<f64> {
    Ok(fit_loglog(&exact.0, &exact.1)
        .context("the slope of the exact expected curve")?
        .slope)
}

/// Log-log slopes fitted to each seed's curve on its own.
pub struct SeedSlopes {
    /// One fit per seed, in seed order.
    pub fits: Vec<LogLogFit>,
    /// The least and the largest x of the points fitted (positive, finite x and y), over seeds.
    pub x_range: (f64, f64),
}

impl SeedSlopes {
    /// Fits every curve; an error names the seed (by position) whose fit fails.
    pub fn fit(curves: &[Curve]) -> Result<Self> {
        let fits = curves
            .iter()
            .enumerate()
            .map(|(i, (x, y))| fit_loglog(x, y).with_context(|| format!("the curve of seed {i}")))
            .collect::<Result<Vec<_>>>()?;
        ensure!(!fits.is_empty(), "no curves to fit");
        let usable = |v: &f64| v.is_finite() && *v > 0.0;
        let xs = curves.iter().flat_map(|(x, y)| {
            x.iter()
                .zip(y)
                .filter(|(x, y)| usable(x) && usable(y))
                .map(|(x, _)| *x)
        });
        let x_range = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        });
        Ok(Self { fits, x_range })
    }

    /// The slopes, in seed order.
    pub fn slopes(&self) -> Vec<f64> {
        self.fits.iter().map(|f| f.slope).collect()
    }

    /// The mean slope over seeds.
    pub fn mean(&self) -> f64 {
        self.slopes().iter().sum::<f64>() / self.fits.len() as f64
    }

    /// The estimate and its method in words: the mean slope with its 95% t-interval over
    /// seeds; with one seed the slope of a single run, with no interval.
    pub fn estimate(&self) -> (Estimate, String) {
        match interval_over_seeds(&self.slopes()) {
            None => (
                Estimate::SingleRun { value: self.mean() },
                "one seed, so no interval".to_string(),
            ),
            Some(estimate) => (estimate, t_method(self.fits.len())),
        }
    }

    /// "fit over 2.75 decades of x": the part of a claim's scope the fit sets.
    pub fn scope(&self) -> String {
        let (lo, hi) = self.x_range;
        let decades = crate::num((hi / lo).log10());
        let unit = if decades == "1" { "decade" } else { "decades" };
        format!("fit over {decades} {unit}")
    }

    /// "n points per seed" (or their range), the x range in decades, the seeds and the
    /// smallest R^2, for detail sentences.
    pub fn describe(&self) -> String {
        let points = self.fits.iter().map(|f| f.n_points);
        let (least, most) = (points.clone().min(), points.max());
        let r_squared = self.fits.iter().map(|f| f.r_squared).fold(1.0, f64::min);
        let points = match (least, most) {
            (Some(a), Some(b)) if a != b => format!("{a}-{b}"),
            (Some(a), _) => a.to_string(),
            _ => "no".to_string(),
        };
        let (lo, hi) = self.x_range;
        format!(
            "{points} points per seed from x = {} to {} ({} decades), {} seed(s), least R^2 = {r_squared:.3}",
            crate::num(lo),
            crate::num(hi),
            crate::num((hi / lo).log10()),
            self.fits.len()
        )
    }
}

/// An exponent claim: the mean of the per-seed slopes of `log y` on `log x`, with its 95%
/// t-interval over seeds; PASS when the interval contains `theory`. With one seed there is no
/// interval, and the claim is not measurable.
pub struct ExponentCheck<'a> {
    /// Claim id, e.g. "C1".
    pub id: &'a str,
    /// Sweep point label.
    pub variant: &'a str,
    /// Experiment name.
    pub experiment: &'a str,
    /// What was fitted, for the detail sentence.
    pub fitted: &'a str,
    /// The predicted exponent.
    pub theory: f64,
}

impl ExponentCheck<'_> {
    /// Fits each curve (one per seed) and applies the rule.
    pub fn check(&self, curves: &[Curve]) -> Result<Claim> {
        let slopes = SeedSlopes::fit(curves)
            .with_context(|| format!("fitting {} ({})", self.id, self.variant))?;
        let (estimate, method) = slopes.estimate();
        let mut claim = claim(
            self.id,
            self.variant,
            self.experiment,
            estimate,
            Rule::ReferenceInside {
                reference: self.theory,
            },
            format!(
                "Slope of {} on log-log axes, fitted per seed ({}); {method}; PASS when the \
                 interval contains the reference.",
                self.fitted,
                slopes.describe(),
            ),
        );
        claim.scope = slopes.scope();
        Ok(claim)
    }
}

/// A claim row of `experiment`, judged from `estimate` and `rule`. Its statement is left
/// empty: the claim is stated once, in `experiments/claims.toml`, and the pipeline fills it
/// in from there.
pub fn claim(
    id: &str,
    variant: impl Into<String>,
    experiment: &str,
    estimate: Estimate,
    rule: Rule,
    detail: impl Into<String>,
) -> Claim {
    Claim::judged(id, variant, experiment, "", estimate, rule, detail)
}

/// `checked` made not measurable because `why`: the same claim, rule and detail, with what
/// the measurement would have read kept in the reason (it is not judged: it is from the
/// wrong regime).
pub fn not_measurable(checked: Claim, why: &str) -> Claim {
    let reason = format!("{why} (the measurement reads {})", checked.estimate_text());
    rejudged(checked, Estimate::NotMeasurable { reason })
}

/// `checked` with `estimate` in place of its own, judged again by the same rule.
fn rejudged(checked: Claim, estimate: Estimate) -> Claim {
    let rule = *checked.rule();
    let mut claim = claim(
        &checked.id,
        checked.variant,
        &checked.experiment,
        estimate,
        rule,
        checked.detail,
    );
    claim.scope = checked.scope;
    claim
}

/// A value computed from the measurements of `seeds` seeds pooled together (for example
/// shares over all their probes): one run's value with one seed, else a value with no
/// interval that says it is pooled.
pub fn pooled_estimate(value: f64, seeds: usize) -> Estimate {
    if seeds == 1 {
        Estimate::SingleRun { value }
    } else {
        let basis = format!("{seeds} seeds pooled");
        Estimate::NoInterval { value, basis }
    }
}

/// `checked`, whose single value was computed from the measurements of `seeds` seeds pooled,
/// labelled so ([`pooled_estimate`]); any other estimate stays as it is.
pub fn pooled_over(checked: Claim, seeds: usize) -> Claim {
    match checked.estimate() {
        &Estimate::SingleRun { value } if seeds > 1 => {
            rejudged(checked, pooled_estimate(value, seeds))
        }
        _ => checked,
    }
}

/// The mean of the values each seed gave on its own, with its 95% t-interval over seeds:
/// `None` unless every seed of `by_seed` (at least two) gave a finite value, in which case the
/// caller keeps the value it read off the seeds' mean curve or pooled data. When every seed
/// gave the same value (a discrete statistic, such as a rank correlation of a few points),
/// the sample variance is 0 and a t-interval would be a point: the value comes with no
/// interval, and says why.
pub fn seed_interval(by_seed: &[Option<f64>]) -> Option<Estimate> {
    let values: Vec<f64> = by_seed.iter().copied().collect::<Option<_>>()?;
    if values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    if values.len() >= 2 && values.iter().all(|&v| v == values[0]) {
        let basis = format!("the same in each of {} seeds", values.len());
        return Some(Estimate::NoInterval {
            value: values[0],
            basis,
        });
    }
    interval_over_seeds(&values)
}

/// The mean of one value per seed with its 95% t-interval over seeds; `None` below two.
fn interval_over_seeds(values: &[f64]) -> Option<Estimate> {
    let (value, interval) = t_interval(values, CONFIDENCE)?;
    Some(Estimate::Interval {
        value,
        lo: interval.lo,
        hi: interval.hi,
        method: t_method(values.len()),
    })
}

/// How [`interval_over_seeds`] makes its interval, in words.
fn t_method(seeds: usize) -> String {
    format!("95% t-interval over {seeds} seeds")
}

/// `a, b, none, c`: the value of each seed, for the prose.
pub fn seed_values(by_seed: &[Option<f64>]) -> String {
    let value = |v: &Option<f64>| v.map_or_else(|| "none".to_string(), crate::num);
    by_seed.iter().map(value).collect::<Vec<_>>().join(", ")
}

/// A value read off the curve of one seed (a single run's), or off the mean curve of `seeds`
/// seeds, which has no interval (and is not one run's).
pub fn point_estimate(value: f64, seeds: usize) -> Estimate {
    if seeds == 1 {
        Estimate::SingleRun { value }
    } else {
        let basis = format!("mean curve of {seeds} seeds");
        Estimate::NoInterval { value, basis }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// For the mean, the jackknife's standard error is the usual `s / sqrt(n)`.
    #[test]
    fn the_jackknife_of_a_mean_is_the_t_interval() {
        let values = [1.0, 4.0, 2.0, 8.0, 5.0];
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let replicates: Vec<f64> = (0..values.len())
            .map(|i| (values.iter().sum::<f64>() - values[i]) / (n - 1.0))
            .collect();
        let jackknife = jackknife_interval(mean, &replicates, CONFIDENCE).unwrap();
        let (_, t) = t_interval(&values, CONFIDENCE).unwrap();
        assert!((jackknife.lo - t.lo).abs() < 1e-12 && (jackknife.hi - t.hi).abs() < 1e-12);
        assert!(jackknife_interval(1.0, &[1.0], CONFIDENCE).is_none());
    }

    #[test]
    fn the_t_interval_is_mean_plus_minus_t_times_the_standard_error() {
        // Mean 2, sample sd 1, n = 4: half width t_{0.975, 3} / 2 = 3.182446305 / 2.
        let (mean, interval) = t_interval(&[1.0, 2.0, 3.0, 2.0], 0.95).unwrap();
        let half = 3.182_446_305_284_263 * (2.0f64 / 3.0).sqrt() / 2.0;
        assert!((mean - 2.0).abs() < 1e-12);
        assert!((interval.hi - 2.0 - half).abs() < 1e-9);
        assert!((2.0 - interval.lo - half).abs() < 1e-9);
        assert!(t_interval(&[1.0], 0.95).is_none());
    }

    #[test]
    fn slopes_are_fitted_per_seed_not_pooled() {
        // Two seeds of slope -1 whose ranges differ: pooled, their offsets would tilt the fit.
        let x1 = vec![1.0, 10.0, 100.0];
        let x2 = vec![10.0, 100.0, 1000.0, 1e4];
        let curves = [
            (x1.clone(), x1.iter().map(|x| 1e3 / x).collect()),
            (x2.clone(), x2.iter().map(|x| 1e5 / x).collect()),
        ];
        let slopes = SeedSlopes::fit(&curves).unwrap();
        assert!(slopes.slopes().iter().all(|s| (s + 1.0).abs() < 1e-12));
        assert!(
            slopes
                .describe()
                .starts_with("3-4 points per seed from x = 1 to 1e4 (4 decades), 2 seed(s)")
        );
        let (pooled_x, pooled_y): (Vec<f64>, Vec<f64>) = curves
            .iter()
            .flat_map(|(x, y)| x.iter().copied().zip(y.iter().copied()))
            .unzip();
        assert!(fit_loglog(&pooled_x, &pooled_y).unwrap().slope > -0.9);
    }

    #[test]
    fn one_seed_is_a_single_run() {
        let x = vec![1.0, 2.0, 4.0];
        let slopes = SeedSlopes::fit(&[(x.clone(), x.clone())]).unwrap();
        assert!(
            matches!(slopes.estimate().0, Estimate::SingleRun { value } if (value - 1.0).abs() < 1e-12)
        );
        assert!(SeedSlopes::fit(&[]).is_err());
    }

    #[test]
    fn pooled_values_say_so_and_keep_their_verdict() {
        let one = claim(
            "C9",
            "v",
            "e",
            Estimate::SingleRun { value: 0.4 },
            Rule::AtMost { threshold: 0.5 },
            "d",
        );
        assert_eq!(pooled_over(one.clone(), 1), one);
        let pooled = pooled_over(one, 3);
        assert_eq!(pooled.estimate_text(), "0.4 (3 seeds pooled, no interval)");
        assert_eq!(pooled.verdict(), skm_report::Verdict::Pass);
        let reason = not_measurable(pooled, "out of regime")
            .reason()
            .unwrap()
            .to_string();
        assert_eq!(
            reason,
            "out of regime (the measurement reads 0.4 (3 seeds pooled, no interval))"
        );
    }

    /// A standard normal draw (Box-Muller).
    fn normal(rng: &mut impl rand::Rng) -> f64 {
        let (u, v): (f64, f64) = (1.0 - rng.random::<f64>(), rng.random());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    #[test]
    fn the_t_interval_over_four_seeds_covers_95_percent() {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let x: Vec<f64> = (0..8)
            .map(|i| 10f64.powf(1.0 + f64::from(i) / 4.0))
            .collect();
        let replications = 2_000;
        let mut covered = 0;
        for _ in 0..replications {
            // Each seed has its own slope around -0.6 and its own noise about its power law.
            let curves: Vec<Curve> = (0..4)
                .map(|_| {
                    let slope = -0.6 + 0.05 * normal(&mut rng);
                    let y = x
                        .iter()
                        .map(|x| x.powf(slope) * (0.1 * normal(&mut rng)).exp());
                    (x.clone(), y.collect())
                })
                .collect();
            let (_, interval) =
                t_interval(&SeedSlopes::fit(&curves).unwrap().slopes(), 0.95).unwrap();
            covered += usize::from(interval.contains(-0.6));
        }
        // Exact for normal slopes: 95% +- 1%; a normal quantile in place of t's would give 88%.
        let coverage = covered as f64 / replications as f64;
        assert!((0.94..=0.96).contains(&coverage), "coverage {coverage}");
    }

    #[test]
    fn seed_values_give_a_t_interval_or_say_why_not() {
        let interval = seed_interval(&[Some(1.0), Some(2.0), Some(3.0)]).unwrap();
        assert_eq!(interval.kind(), "interval");
        assert_eq!(interval.value(), Some(2.0));
        let same = seed_interval(&[Some(-1.0), Some(-1.0), Some(-1.0)]).unwrap();
        assert_eq!(
            same.to_string(),
            "-1 (the same in each of 3 seeds, no interval)"
        );
        assert_eq!(seed_interval(&[Some(1.0), None, Some(3.0)]), None);
        assert_eq!(seed_interval(&[Some(1.0), Some(f64::NAN)]), None);
        assert_eq!(
            seed_interval(&[Some(1.0)]),
            None,
            "one seed has no interval"
        );
        assert_eq!(seed_values(&[Some(0.5), None]), "0.5, none");
    }
}
