//! Typed claim checks (one row per claim and variant) and their Parquet storage.
//!
//! A [`Claim`] pairs an [`Estimate`] (what was measured and how well it is known) with a
//! [`Rule`] (when the claim passes). Its [`Verdict`] is never set by hand: [`Claim::judged`]
//! computes it with [`judge`], a pure function of the two, so every PASS in a report follows
//! from the numbers shown next to it.

use std::fmt;
use std::fs::File;
use std::path::Path;
use std::str::FromStr;

use polars::prelude::*;
use polars_io::SerReader;
use polars_io::parquet::read::ParquetReader;
use polars_io::parquet::write::{KeyValueMetadata, ParquetCompression, ParquetWriter};
use serde::{Deserialize, Serialize};

use crate::paper::format_number;
use crate::{ReportError, sibling};

/// Which side of a [`Estimate::Bound`] is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Side {
    /// The true value is at least the bound.
    AtLeast,
    /// The true value is at most the bound.
    AtMost,
}

/// What was measured, and how well it is known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Estimate {
    /// A value with an interval and the interval's method, e.g. "95% t-interval over 8
    /// seeds".
    Interval {
        /// The point estimate.
        value: f64,
        /// Lower end of the interval.
        lo: f64,
        /// Upper end of the interval.
        hi: f64,
        /// How the interval was made, in words.
        method: String,
    },
    /// A value from a single run: no interval.
    SingleRun {
        /// The measured value.
        value: f64,
    },
    /// A value with no interval that is not one run's, e.g. read off the mean curve of
    /// several seeds; `basis` says how it was obtained ("mean curve of 8 seeds").
    NoInterval {
        /// The measured value.
        value: f64,
        /// How it was obtained, in words.
        basis: String,
    },
    /// Only a bound is known (e.g. "knowledge had not settled when the run ended": the gap
    /// is at least `value`).
    Bound {
        /// The bound.
        value: f64,
        /// Whether the true value lies above (`AtLeast`) or below (`AtMost`) it.
        side: Side,
    },
    /// Could not be measured; the reason in words.
    NotMeasurable {
        /// Why, e.g. "syntax never settled in the run".
        reason: String,
    },
}

impl Estimate {
    /// The point value, or the bound; `None` when not measurable.
    pub fn value(&self) -> Option<f64> {
        match *self {
            Self::Interval { value, .. }
            | Self::SingleRun { value }
            | Self::NoInterval { value, .. }
            | Self::Bound { value, .. } => Some(value),
            Self::NotMeasurable { .. } => None,
        }
    }

    /// `(lo, hi)` of an [`Estimate::Interval`], else `None`.
    pub fn interval(&self) -> Option<(f64, f64)> {
        match *self {
            Self::Interval { lo, hi, .. } => Some((lo, hi)),
            _ => None,
        }
    }

    /// The kind as stored in the `estimate` column of a claims frame: "interval",
    /// "single run", "no interval", "at least", "at most" or "not measurable".
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Interval { .. } => "interval",
            Self::SingleRun { .. } => "single run",
            Self::NoInterval { .. } => "no interval",
            Self::Bound {
                side: Side::AtLeast,
                ..
            } => "at least",
            Self::Bound {
                side: Side::AtMost, ..
            } => "at most",
            Self::NotMeasurable { .. } => "not measurable",
        }
    }
}

impl fmt::Display for Estimate {
    /// "0.52 [0.48, 0.55] (t-interval over 5 seeds)", "0.52 (one run)", "≥ 2.1", "≤ 2.1" or
    /// "not measurable: reason"; numbers to 4 significant digits ([`format_number`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Interval {
                value,
                lo,
                hi,
                method,
            } => write!(
                f,
                "{} [{}, {}] ({method})",
                format_number(*value),
                format_number(*lo),
                format_number(*hi)
            ),
            Self::SingleRun { value } => write!(f, "{} (one run)", format_number(*value)),
            Self::NoInterval { value, basis } => {
                write!(f, "{} ({basis}, no interval)", format_number(*value))
            }
            Self::Bound {
                value,
                side: Side::AtLeast,
            } => write!(f, "≥ {}", format_number(*value)),
            Self::Bound {
                value,
                side: Side::AtMost,
            } => write!(f, "≤ {}", format_number(*value)),
            Self::NotMeasurable { reason } => write!(f, "not measurable: {reason}"),
        }
    }
}

/// The PASS rule of a claim.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Rule {
    /// PASS when `reference` lies inside the estimate's interval: `lo ≤ reference ≤ hi`.
    ReferenceInside {
        /// The value theory predicts.
        reference: f64,
    },
    /// PASS when the value is at least `threshold`: `value ≥ threshold`. An interval passes
    /// when it lies wholly above the threshold, fails when wholly below, and is NOT
    /// MEASURABLE when it straddles it.
    AtLeast {
        /// The smallest passing value.
        threshold: f64,
    },
    /// PASS when the value is at most `threshold`: `value ≤ threshold`; an interval as for
    /// [`Rule::AtLeast`].
    AtMost {
        /// The largest passing value.
        threshold: f64,
    },
    /// PASS when `|value − reference| ≤ tolerance`; an interval as for [`Rule::Band`].
    Within {
        /// The value theory predicts.
        reference: f64,
        /// The largest passing distance from it.
        tolerance: f64,
    },
    /// The band `reference ± tolerance` tested with the estimate's interval: PASS when the
    /// interval lies inside the band, FAIL when it lies wholly outside, NOT MEASURABLE when it
    /// straddles an end (the data cannot tell); a value with no interval passes inside the
    /// band and fails outside it.
    Band {
        /// The middle of the band.
        reference: f64,
        /// Its half-width.
        tolerance: f64,
    },
    /// An order between measured quantities, decided by the experiment (e.g. "transformer
    /// bits < gzip bits < ... for every seed"): `holds` says whether it held.
    Order {
        /// Whether the order held.
        holds: bool,
    },
}

impl Rule {
    /// The reference value or threshold; `None` for [`Rule::Order`].
    pub fn reference(&self) -> Option<f64> {
        match *self {
            Self::ReferenceInside { reference }
            | Self::Within { reference, .. }
            | Self::Band { reference, .. } => Some(reference),
            Self::AtLeast { threshold } | Self::AtMost { threshold } => Some(threshold),
            Self::Order { .. } => None,
        }
    }

    /// The kind as stored in the `rule` column of a claims frame: "reference inside",
    /// "at least", "at most", "within" or "order".
    pub fn kind(&self) -> &'static str {
        match self {
            Self::ReferenceInside { .. } => "reference inside",
            Self::AtLeast { .. } => "at least",
            Self::AtMost { .. } => "at most",
            Self::Within { .. } => "within",
            Self::Band { .. } => "band",
            Self::Order { .. } => "order",
        }
    }
}

impl fmt::Display for Rule {
    /// "inside: 0.5", "≥ 2", "≤ 0.1", "0.5 ± 0.05" or "order".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::ReferenceInside { reference } => {
                write!(f, "inside: {}", format_number(reference))
            }
            Self::AtLeast { threshold } => write!(f, "≥ {}", format_number(threshold)),
            Self::AtMost { threshold } => write!(f, "≤ {}", format_number(threshold)),
            Self::Within {
                reference,
                tolerance,
            } => write!(
                f,
                "{} ± {}",
                format_number(reference),
                format_number(tolerance)
            ),
            Self::Band {
                reference,
                tolerance,
            } => write!(
                f,
                "band [{}, {}]",
                format_number(reference - tolerance),
                format_number(reference + tolerance)
            ),
            Self::Order { .. } => f.write_str("order"),
        }
    }
}

/// Outcome of checking one claim against its PASS rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Verdict {
    /// The measurement satisfies the claim's PASS rule.
    Pass,
    /// It does not.
    Fail,
    /// The measurement cannot decide the rule (nothing measured, only a bound that does not
    /// settle it, an estimate the rule does not apply to, or a non-finite number).
    NotMeasurable,
}

impl Verdict {
    /// "PASS", "FAIL" or "NOT MEASURABLE".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "PASS",
            Self::Fail => "FAIL",
            Self::NotMeasurable => "NOT MEASURABLE",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Verdict {
    type Err = ReportError;

    /// The inverse of [`Verdict::as_str`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "PASS" => Ok(Self::Pass),
            "FAIL" => Ok(Self::Fail),
            "NOT MEASURABLE" => Ok(Self::NotMeasurable),
            other => Err(ReportError::InvalidData(format!(
                "verdict must be PASS, FAIL or NOT MEASURABLE, got {other:?}"
            ))),
        }
    }
}

/// What [`judge`] decided: a [`Verdict`], with the reason when the rule could not be decided.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Judgement {
    /// The rule held.
    Pass,
    /// The rule did not hold.
    Fail,
    /// The rule could not be decided; why, in words.
    NotMeasurable {
        /// E.g. the estimate's own reason, or "a single run has no interval to contain the
        /// reference".
        reason: String,
    },
}

impl Judgement {
    /// The verdict alone.
    pub fn verdict(&self) -> Verdict {
        match self {
            Self::Pass => Verdict::Pass,
            Self::Fail => Verdict::Fail,
            Self::NotMeasurable { .. } => Verdict::NotMeasurable,
        }
    }

    /// Why the rule could not be decided; `None` for PASS and FAIL.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::NotMeasurable { reason } => Some(reason),
            Self::Pass | Self::Fail => None,
        }
    }

    fn from_bool(pass: bool) -> Self {
        if pass { Self::Pass } else { Self::Fail }
    }

    fn not_measurable(reason: impl Into<String>) -> Self {
        Self::NotMeasurable {
            reason: reason.into(),
        }
    }
}

/// Decides `rule` on `estimate`. Total: every combination has a verdict, and no non-finite
/// number ever passes.
///
/// In order:
/// 1. A [`Estimate::NotMeasurable`] estimate is NOT MEASURABLE, with its own reason.
/// 2. A non-finite number in the estimate (value, bound or interval end) or the rule
///    (reference, threshold, tolerance), an interval with `lo > hi` or a negative tolerance
///    is NOT MEASURABLE, with a reason naming the number.
/// 3. [`Rule::Order`]: PASS when `holds`, else FAIL (the estimate only reports a value).
/// 4. [`Rule::ReferenceInside`]: an interval passes when `lo ≤ reference ≤ hi`, else fails.
///    A single run, a value with no interval or a bound has no interval to contain the
///    reference: NOT MEASURABLE.
/// 5. [`Rule::AtLeast`] `t`, [`Rule::AtMost`] `t`, [`Rule::Within`] and [`Rule::Band`]
///    `r ± tol` pass the values `[t, ∞)`, `(-∞, t]` and `[r − tol, r + tol]`. The estimate
///    allows the values `[lo, hi]` of its interval, only its value (a single run, or a value
///    with no interval), or `[v, ∞)` and `(-∞, v]` for the bounds "≥ v" and "≤ v". It passes
///    when everything it allows passes, fails when nothing does, and is NOT MEASURABLE
///    otherwise: an interval across an end of the passing values, or a bound that does not
///    settle the rule (a bound never passes a band). So an interval's verdict includes the
///    sampling error, and a value alone is judged by the value.
pub fn judge(estimate: &Estimate, rule: &Rule) -> Judgement {
    if let Estimate::NotMeasurable { reason } = estimate {
        return Judgement::not_measurable(reason.clone());
    }
    if let Some(problem) = estimate_problem(estimate).or_else(|| rule_problem(rule)) {
        return Judgement::not_measurable(problem);
    }
    match *rule {
        Rule::Order { holds } => Judgement::from_bool(holds),
        Rule::ReferenceInside { reference } => reference_inside(estimate, reference),
        Rule::AtLeast { threshold } => Passing::at_least(threshold).judge(estimate),
        Rule::AtMost { threshold } => Passing::at_most(threshold).judge(estimate),
        Rule::Within {
            reference,
            tolerance,
        }
        | Rule::Band {
            reference,
            tolerance,
        } => Passing::band(reference, tolerance).judge(estimate),
    }
}

/// [`Rule::ReferenceInside`] on a measurable estimate: only an interval can contain the
/// reference.
fn reference_inside(estimate: &Estimate, reference: f64) -> Judgement {
    match estimate {
        Estimate::Interval { lo, hi, .. } => {
            Judgement::from_bool(*lo <= reference && reference <= *hi)
        }
        Estimate::SingleRun { .. } => {
            Judgement::not_measurable("a single run has no interval to contain the reference")
        }
        Estimate::NoInterval { basis, .. } => {
            Judgement::not_measurable(format!("{basis}: no interval to contain the reference"))
        }
        Estimate::Bound { .. } => {
            Judgement::not_measurable("only a bound is known: no interval to contain the reference")
        }
        Estimate::NotMeasurable { reason } => Judgement::not_measurable(reason.clone()),
    }
}

/// The values a threshold or band rule passes, `first ..= last` (one end may be infinite),
/// and the words its undecided verdicts use.
struct Passing {
    first: f64,
    last: f64,
    /// What an undecided interval straddles: "the threshold 2", "an end of the band [0.9, 1.1]".
    edge: String,
    /// What a bound cannot settle: "≥ 2", "≤ 2", "within 1 ± 0.1".
    condition: String,
}

impl Passing {
    /// `[threshold, ∞)`.
    fn at_least(threshold: f64) -> Self {
        Self {
            first: threshold,
            last: f64::INFINITY,
            edge: format!("the threshold {}", format_number(threshold)),
            condition: format!("≥ {}", format_number(threshold)),
        }
    }

    /// `(-∞, threshold]`.
    fn at_most(threshold: f64) -> Self {
        Self {
            first: f64::NEG_INFINITY,
            last: threshold,
            edge: format!("the threshold {}", format_number(threshold)),
            condition: format!("≤ {}", format_number(threshold)),
        }
    }

    /// `[reference − tolerance, reference + tolerance]`.
    fn band(reference: f64, tolerance: f64) -> Self {
        let (first, last) = (reference - tolerance, reference + tolerance);
        Self {
            first,
            last,
            edge: format!(
                "an end of the band [{}, {}]",
                format_number(first),
                format_number(last)
            ),
            condition: format!(
                "within {} ± {}",
                format_number(reference),
                format_number(tolerance)
            ),
        }
    }

    /// PASS when every value `estimate` allows passes, FAIL when none does, else NOT
    /// MEASURABLE (a value alone is always one or the other).
    fn judge(&self, estimate: &Estimate) -> Judgement {
        let (lo, hi) = match *estimate {
            Estimate::Interval { lo, hi, .. } => (lo, hi),
            Estimate::SingleRun { value } | Estimate::NoInterval { value, .. } => (value, value),
            Estimate::Bound {
                value,
                side: Side::AtLeast,
            } => (value, f64::INFINITY),
            Estimate::Bound {
                value,
                side: Side::AtMost,
            } => (f64::NEG_INFINITY, value),
            Estimate::NotMeasurable { ref reason } => {
                return Judgement::not_measurable(reason.clone());
            }
        };
        if self.first <= lo && hi <= self.last {
            return Judgement::Pass;
        }
        if hi < self.first || lo > self.last {
            return Judgement::Fail;
        }
        match *estimate {
            Estimate::Bound { value, side } => undecided_bound(value, side, &self.condition),
            _ => Judgement::not_measurable(format!(
                "the interval [{}, {}] straddles {}: the data cannot tell on which side the value lies",
                format_number(lo),
                format_number(hi),
                self.edge
            )),
        }
    }
}

/// The reason for a bound that does not settle the rule `wanted` ("≥ 2", "within 1 ± 0.1").
fn undecided_bound(value: f64, side: Side, wanted: &str) -> Judgement {
    let known = match side {
        Side::AtLeast => "at least",
        Side::AtMost => "at most",
    };
    Judgement::not_measurable(format!(
        "only a bound is known (the value is {known} {}): the true value may or may not be {wanted}",
        format_number(value)
    ))
}

/// Names the first non-finite or inconsistent number of a measurable estimate.
fn estimate_problem(estimate: &Estimate) -> Option<String> {
    let numbers: &[(&str, f64)] = match *estimate {
        Estimate::Interval { value, lo, hi, .. } => &[
            ("measured value", value),
            ("interval's lower end", lo),
            ("interval's upper end", hi),
        ],
        Estimate::SingleRun { value } | Estimate::NoInterval { value, .. } => {
            &[("measured value", value)]
        }
        Estimate::Bound { value, .. } => &[("bound", value)],
        Estimate::NotMeasurable { .. } => &[],
    };
    if let Some(problem) = non_finite(numbers) {
        return Some(problem);
    }
    match *estimate {
        Estimate::Interval { lo, hi, .. } if lo > hi => Some(format!(
            "the interval is reversed: lower end {} > upper end {}",
            format_number(lo),
            format_number(hi)
        )),
        _ => None,
    }
}

/// Names the first non-finite or inconsistent number of a rule.
fn rule_problem(rule: &Rule) -> Option<String> {
    let numbers: &[(&str, f64)] = match *rule {
        Rule::ReferenceInside { reference } => &[("reference", reference)],
        Rule::AtLeast { threshold } | Rule::AtMost { threshold } => &[("threshold", threshold)],
        Rule::Within {
            reference,
            tolerance,
        }
        | Rule::Band {
            reference,
            tolerance,
        } => &[("reference", reference), ("tolerance", tolerance)],
        Rule::Order { .. } => &[],
    };
    if let Some(problem) = non_finite(numbers) {
        return Some(problem);
    }
    match *rule {
        Rule::Within { tolerance, .. } | Rule::Band { tolerance, .. } if tolerance < 0.0 => Some(
            format!("the tolerance {} is negative", format_number(tolerance)),
        ),
        _ => None,
    }
}

/// "the measured value is NaN" for the first non-finite `(name, value)`.
fn non_finite(numbers: &[(&str, f64)]) -> Option<String> {
    numbers
        .iter()
        .find(|(_, v)| !v.is_finite())
        .map(|(name, v)| format!("the {name} is {}", format_number(*v)))
}

/// One checked claim of the paper, as measured by one experiment.
///
/// Built only by [`Claim::judged`] (or read back by [`claims_from_frame`]), so its verdict is
/// always `judge(estimate, rule)`: the estimate, rule and judgement are private to keep it so.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Claim {
    /// Claim identifier, e.g. "C1".
    pub id: String,
    /// Which setting of the experiment this row is for, e.g. "alpha=0.5"; may be empty.
    pub variant: String,
    /// Experiment that measured it.
    pub experiment: String,
    /// The claim in words.
    pub statement: String,
    /// One sentence: how it was measured and what the PASS rule is.
    pub detail: String,
    /// Where the measurement stands, e.g. "N = 1e6 sentences, 8 seeds, 2.75 decades; the
    /// Bayes learner on exact Pitman-Yor streams": the experiment's stream length and seeds,
    /// the decades its fit spans (exponent checks) and its regime. Empty until the pipeline
    /// fills it in.
    pub scope: String,
    estimate: Estimate,
    rule: Rule,
    judgement: Judgement,
}

impl Claim {
    /// A claim whose verdict is [`judge`]`(&estimate, &rule)`.
    pub fn judged(
        id: impl Into<String>,
        variant: impl Into<String>,
        experiment: impl Into<String>,
        statement: impl Into<String>,
        estimate: Estimate,
        rule: Rule,
        detail: impl Into<String>,
    ) -> Self {
        let judgement = judge(&estimate, &rule);
        Self {
            id: id.into(),
            variant: variant.into(),
            experiment: experiment.into(),
            statement: statement.into(),
            detail: detail.into(),
            scope: String::new(),
            estimate,
            rule,
            judgement,
        }
    }

    /// What was measured.
    pub fn estimate(&self) -> &Estimate {
        &self.estimate
    }

    /// The PASS rule.
    pub fn rule(&self) -> &Rule {
        &self.rule
    }

    /// The full judgement (verdict and, when not measurable, why).
    pub fn judgement(&self) -> &Judgement {
        &self.judgement
    }

    /// PASS, FAIL or NOT MEASURABLE.
    pub fn verdict(&self) -> Verdict {
        self.judgement.verdict()
    }

    /// Why the claim is not measurable; `None` when it passed or failed.
    pub fn reason(&self) -> Option<&str> {
        self.judgement.reason()
    }

    /// Why the rule could not decide although something was measured (an interval across a
    /// threshold, a single run against a reference); `None` when it decided, or when the
    /// estimate itself is not measurable (its [`Claim::estimate_text`] gives that reason).
    pub fn undecided_reason(&self) -> Option<&str> {
        self.estimate.value().and(self.reason())
    }

    /// The verdict in words: "PASS", "FAIL", "NOT MEASURABLE", or "NOT MEASURABLE: reason"
    /// with the [`Claim::undecided_reason`].
    pub fn verdict_text(&self) -> String {
        match self.undecided_reason() {
            Some(reason) => format!("{}: {reason}", self.verdict()),
            None => self.verdict().to_string(),
        }
    }

    /// The measured value, or the bound when only a bound is known; `None` when not
    /// measurable.
    pub fn measured(&self) -> Option<f64> {
        self.estimate.value()
    }

    /// The rule's reference value or threshold; `None` for an order.
    pub fn reference(&self) -> Option<f64> {
        self.rule.reference()
    }

    /// `(lo, hi)` when the estimate has an interval.
    pub fn interval(&self) -> Option<(f64, f64)> {
        self.estimate.interval()
    }

    /// The estimate in words: "0.52 [0.48, 0.55] (t-interval over 5 seeds)",
    /// "0.52 (one run)", "≥ 2.1" or "not measurable: reason".
    pub fn estimate_text(&self) -> String {
        self.estimate.to_string()
    }

    /// The rule in words: "inside: 0.5", "≥ 2", "≤ 0.1", "0.5 ± 0.05" or "order".
    pub fn rule_text(&self) -> String {
        self.rule.to_string()
    }
}

/// Column names of a claims frame, in order.
pub const CLAIM_COLUMNS: [&str; 17] = [
    "id",
    "variant",
    "experiment",
    "statement",
    "estimate",
    "measured",
    "lo",
    "hi",
    "interval_method",
    "rule",
    "reference",
    "tolerance",
    "order_holds",
    "verdict",
    "reason",
    "detail",
    "scope",
];

/// One row per claim, flat for readers in any language:
///
/// | column | type | value |
/// | --- | --- | --- |
/// | `id`, `variant`, `experiment`, `statement` | str | as in [`Claim`] |
/// | `estimate` | str | [`Estimate::kind`]: "interval", "single run", "at least", "at most", "not measurable" |
/// | `measured` | f64 | the value or bound; null when not measurable |
/// | `lo`, `hi` | f64 | the interval; null unless an interval |
/// | `interval_method` | str | null unless an interval |
/// | `rule` | str | [`Rule::kind`]: "reference inside", "at least", "at most", "within", "order" |
/// | `reference` | f64 | the reference or threshold; null for an order |
/// | `tolerance` | f64 | null unless within |
/// | `order_holds` | bool | null unless an order |
/// | `verdict` | str | "PASS", "FAIL", "NOT MEASURABLE" |
/// | `reason` | str | why not measurable, else null |
/// | `detail` | str | as in [`Claim`] |
pub fn claims_frame(claims: &[Claim]) -> Result<DataFrame, ReportError> {
    let text = |name: &str, f: fn(&Claim) -> &str| {
        Column::new(name.into(), claims.iter().map(f).collect::<Vec<_>>())
    };
    let opt_text = |name: &str, f: fn(&Claim) -> Option<&str>| {
        Column::new(name.into(), claims.iter().map(f).collect::<Vec<_>>())
    };
    let num = |name: &str, f: fn(&Claim) -> Option<f64>| {
        Column::new(name.into(), claims.iter().map(f).collect::<Vec<_>>())
    };
    let flag = |name: &str, f: fn(&Claim) -> Option<bool>| {
        Column::new(name.into(), claims.iter().map(f).collect::<Vec<_>>())
    };
    let c = CLAIM_COLUMNS;
    let df = DataFrame::new(
        claims.len(),
        vec![
            text(c[0], |c| &c.id),
            text(c[1], |c| &c.variant),
            text(c[2], |c| &c.experiment),
            text(c[3], |c| &c.statement),
            text(c[4], |c| c.estimate.kind()),
            num(c[5], Claim::measured),
            num(c[6], |c| c.interval().map(|(lo, _)| lo)),
            num(c[7], |c| c.interval().map(|(_, hi)| hi)),
            // How the value was obtained: an interval's method, or the basis of a value with
            // no interval.
            opt_text(c[8], |c| match &c.estimate {
                Estimate::Interval { method, .. } => Some(method),
                Estimate::NoInterval { basis, .. } => Some(basis),
                _ => None,
            }),
            text(c[9], |c| c.rule.kind()),
            num(c[10], Claim::reference),
            num(c[11], |c| match c.rule {
                Rule::Within { tolerance, .. } | Rule::Band { tolerance, .. } => Some(tolerance),
                _ => None,
            }),
            flag(c[12], |c| match c.rule {
                Rule::Order { holds } => Some(holds),
                _ => None,
            }),
            text(c[13], |c| c.verdict().as_str()),
            opt_text(c[14], Claim::reason),
            text(c[15], |c| &c.detail),
            text(c[16], |c| &c.scope),
        ],
    )?;
    Ok(df)
}

/// The frame's columns, read once, each cast to the type [`claims_frame`] writes.
struct Columns<'a> {
    df: &'a DataFrame,
}

/// A column-named error for [`claims_from_frame`].
fn column_error(column: &str, message: impl Into<String>) -> ReportError {
    ReportError::Column {
        column: column.to_owned(),
        message: message.into(),
    }
}

impl Columns<'_> {
    fn get(&self, name: &str, dtype: &DataType) -> Result<Column, ReportError> {
        let col = self
            .df
            .column(name)
            .map_err(|_| column_error(name, "missing"))?;
        // A column of nulls only (as other writers may store one) reads as any type;
        // anything else must cast without losing values.
        col.strict_cast(dtype).map_err(|e| {
            column_error(
                name,
                format!("expected {dtype}, found {}: {e}", col.dtype()),
            )
        })
    }

    fn opt_text(&self, name: &str) -> Result<Vec<Option<String>>, ReportError> {
        // Numbers would cast to text without complaint: a text column must hold text.
        if let Ok(col) = self.df.column(name)
            && !matches!(col.dtype(), DataType::String | DataType::Null)
        {
            return Err(column_error(
                name,
                format!("expected text, found {}", col.dtype()),
            ));
        }
        let col = self.get(name, &DataType::String)?;
        let values = col.str().map_err(|e| column_error(name, e.to_string()))?;
        Ok(values.iter().map(|v| v.map(str::to_owned)).collect())
    }

    fn text(&self, name: &str) -> Result<Vec<String>, ReportError> {
        self.opt_text(name)?
            .into_iter()
            .enumerate()
            .map(|(row, v)| v.ok_or_else(|| column_error(name, format!("null in row {row}"))))
            .collect()
    }

    fn num(&self, name: &str) -> Result<Vec<Option<f64>>, ReportError> {
        let col = self.get(name, &DataType::Float64)?;
        let values = col.f64().map_err(|e| column_error(name, e.to_string()))?;
        Ok(values.iter().collect())
    }

    fn flag(&self, name: &str) -> Result<Vec<Option<bool>>, ReportError> {
        let col = self.get(name, &DataType::Boolean)?;
        let values = col.bool().map_err(|e| column_error(name, e.to_string()))?;
        Ok(values.iter().collect())
    }
}

/// `value`, or an error naming `column` and `row` when it is null.
fn required<T>(value: Option<T>, column: &str, row: usize, kind: &str) -> Result<T, ReportError> {
    value.ok_or_else(|| column_error(column, format!("null in row {row}, needed for {kind:?}")))
}

/// Inverse of [`claims_frame`]. Numeric columns may have any numeric dtype and a column of
/// nulls may have any dtype. Errors name the column: a missing one, a wrong type, a null
/// where the row's kind needs a value, an unknown kind, or a verdict or reason that is not
/// the one [`judge`] gives for the row's estimate and rule.
pub fn claims_from_frame(df: &DataFrame) -> Result<Vec<Claim>, ReportError> {
    let cols = Columns { df };
    let c = CLAIM_COLUMNS;
    let [
        id,
        variant,
        experiment,
        statement,
        estimate,
        rule,
        verdict,
        detail,
        scope,
    ] = [c[0], c[1], c[2], c[3], c[4], c[9], c[13], c[15], c[16]].map(|name| cols.text(name));
    let [measured, lo, hi, reference, tolerance] =
        [c[5], c[6], c[7], c[10], c[11]].map(|name| cols.num(name));
    let columns = RowColumns {
        estimate: estimate?,
        measured: measured?,
        lo: lo?,
        hi: hi?,
        method: cols.opt_text(c[8])?,
        rule: rule?,
        reference: reference?,
        tolerance: tolerance?,
        holds: cols.flag(c[12])?,
        reason: cols.opt_text(c[14])?,
    };
    let (id, variant, experiment, statement) = (id?, variant?, experiment?, statement?);
    let (verdict, detail, scope) = (verdict?, detail?, scope?);
    (0..df.height())
        .map(|i| {
            let mut claim = Claim::judged(
                &id[i],
                &variant[i],
                &experiment[i],
                &statement[i],
                columns.estimate(i)?,
                columns.rule(i)?,
                &detail[i],
            );
            check_stored(&claim, &verdict[i], columns.reason[i].as_deref(), i)?;
            claim.scope.clone_from(&scope[i]);
            Ok(claim)
        })
        .collect()
}

/// The columns of a claims frame that make a row's estimate and rule.
struct RowColumns {
    estimate: Vec<String>,
    measured: Vec<Option<f64>>,
    lo: Vec<Option<f64>>,
    hi: Vec<Option<f64>>,
    method: Vec<Option<String>>,
    rule: Vec<String>,
    reference: Vec<Option<f64>>,
    tolerance: Vec<Option<f64>>,
    holds: Vec<Option<bool>>,
    reason: Vec<Option<String>>,
}

impl RowColumns {
    /// The estimate of row `i`, from its kind and the columns that kind needs.
    fn estimate(&self, i: usize) -> Result<Estimate, ReportError> {
        let c = CLAIM_COLUMNS;
        let kind = self.estimate[i].as_str();
        let value = || required(self.measured[i], c[5], i, kind);
        Ok(match kind {
            "interval" => Estimate::Interval {
                value: value()?,
                lo: required(self.lo[i], c[6], i, kind)?,
                hi: required(self.hi[i], c[7], i, kind)?,
                method: required(self.method[i].clone(), c[8], i, kind)?,
            },
            "single run" => Estimate::SingleRun { value: value()? },
            "no interval" => Estimate::NoInterval {
                value: value()?,
                basis: required(self.method[i].clone(), c[8], i, kind)?,
            },
            "at least" => Estimate::Bound {
                value: value()?,
                side: Side::AtLeast,
            },
            "at most" => Estimate::Bound {
                value: value()?,
                side: Side::AtMost,
            },
            "not measurable" => Estimate::NotMeasurable {
                reason: required(self.reason[i].clone(), c[14], i, kind)?,
            },
            other => {
                let message = format!("unknown estimate kind {other:?} in row {i}");
                return Err(column_error(c[4], message));
            }
        })
    }

    /// The rule of row `i`, from its kind and the columns that kind needs.
    fn rule(&self, i: usize) -> Result<Rule, ReportError> {
        let c = CLAIM_COLUMNS;
        let kind = self.rule[i].as_str();
        let reference = || required(self.reference[i], c[10], i, kind);
        Ok(match kind {
            "reference inside" => Rule::ReferenceInside {
                reference: reference()?,
            },
            "at least" => Rule::AtLeast {
                threshold: reference()?,
            },
            "at most" => Rule::AtMost {
                threshold: reference()?,
            },
            "within" => Rule::Within {
                reference: reference()?,
                tolerance: required(self.tolerance[i], c[11], i, kind)?,
            },
            "band" => Rule::Band {
                reference: reference()?,
                tolerance: required(self.tolerance[i], c[11], i, kind)?,
            },
            "order" => Rule::Order {
                holds: required(self.holds[i], c[12], i, kind)?,
            },
            other => {
                let message = format!("unknown rule kind {other:?} in row {i}");
                return Err(column_error(c[9], message));
            }
        })
    }
}

/// The stored verdict and reason of row `i` must be the ones its estimate and rule give: a
/// file whose verdicts were edited, or written under another rule, is not silently re-judged.
fn check_stored(
    claim: &Claim,
    verdict: &str,
    reason: Option<&str>,
    i: usize,
) -> Result<(), ReportError> {
    let c = CLAIM_COLUMNS;
    let stored: Verdict = verdict
        .parse()
        .map_err(|e: ReportError| column_error(c[13], format!("row {i}: {e}")))?;
    if stored != claim.verdict() {
        let message = format!(
            "row {i} says {stored} but its estimate and rule give {}",
            claim.verdict()
        );
        return Err(column_error(c[13], message));
    }
    if reason != claim.reason() {
        let message = format!(
            "row {i} says {reason:?} but its estimate and rule give {:?}",
            claim.reason()
        );
        return Err(column_error(c[14], message));
    }
    Ok(())
}

/// Writes `df` to `path` as Parquet, atomically (via `<path>.tmp`, then a rename).
///
/// The bytes are a pure function of the frame: zstd at its default level, V1
/// pages, serial column encoding, and Parquet metadata holds no timestamps.
pub fn write_parquet(df: &mut DataFrame, path: &Path) -> Result<(), ReportError> {
    write_parquet_with_metadata(df, path, &[])
}

/// [`write_parquet`] with file-level key-value metadata (e.g. the run's config hash, seeds
/// and git revision), readable by any Parquet reader.
pub fn write_parquet_with_metadata(
    df: &mut DataFrame,
    path: &Path,
    metadata: &[(String, String)],
) -> Result<(), ReportError> {
    let tmp = sibling(path, ".tmp");
    let file = File::create(&tmp).map_err(|e| ReportError::io(&tmp, e))?;
    let metadata = (!metadata.is_empty()).then(|| KeyValueMetadata::from_static(metadata.to_vec()));
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Zstd(None))
        .with_key_value_metadata(metadata)
        .set_parallel(false)
        .finish(df)?;
    std::fs::rename(&tmp, path).map_err(|e| ReportError::io(path, e))
}

/// Reads a whole Parquet file into a frame.
pub fn read_parquet(path: &Path) -> Result<DataFrame, ReportError> {
    let file = File::open(path).map_err(|e| ReportError::io(path, e))?;
    Ok(ParquetReader::new(file).finish()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interval(value: f64, lo: f64, hi: f64) -> Estimate {
        Estimate::Interval {
            value,
            lo,
            hi,
            method: "t-interval over 5 seeds".into(),
        }
    }

    fn single(value: f64) -> Estimate {
        Estimate::SingleRun { value }
    }

    fn pooled(value: f64) -> Estimate {
        Estimate::NoInterval {
            value,
            basis: "mean curve of 8 seeds".into(),
        }
    }

    fn at_least(value: f64) -> Estimate {
        Estimate::Bound {
            value,
            side: Side::AtLeast,
        }
    }

    fn at_most(value: f64) -> Estimate {
        Estimate::Bound {
            value,
            side: Side::AtMost,
        }
    }

    fn unmeasured() -> Estimate {
        Estimate::NotMeasurable {
            reason: "syntax never settled".into(),
        }
    }

    const INSIDE: Rule = Rule::ReferenceInside { reference: 0.5 };
    const AT_LEAST: Rule = Rule::AtLeast { threshold: 2.0 };
    const AT_MOST: Rule = Rule::AtMost { threshold: 0.1 };
    const WITHIN: Rule = Rule::Within {
        reference: 1.0,
        tolerance: 0.1,
    };
    const BAND: Rule = Rule::Band {
        reference: 0.1875,
        tolerance: 0.0925,
    };

    /// The verdict, and the reason when not measurable.
    fn check(estimate: Estimate, rule: Rule) -> (Verdict, String) {
        let j = judge(&estimate, &rule);
        (j.verdict(), j.reason().unwrap_or_default().to_owned())
    }

    fn verdict(estimate: Estimate, rule: Rule) -> Verdict {
        check(estimate, rule).0
    }

    use Verdict::{Fail, NotMeasurable as Nm, Pass};

    #[test]
    fn rule_reference_inside() {
        assert_eq!(verdict(interval(0.52, 0.48, 0.55), INSIDE), Pass);
        assert_eq!(verdict(interval(0.5, 0.5, 0.5), INSIDE), Pass, "ends count");
        assert_eq!(verdict(interval(0.6, 0.55, 0.65), INSIDE), Fail);
        assert_eq!(verdict(interval(0.4, 0.3, 0.45), INSIDE), Fail);
        let (v, why) = check(single(0.5), INSIDE);
        assert_eq!(
            (v, why.as_str()),
            (Nm, "a single run has no interval to contain the reference")
        );
        assert_eq!(verdict(at_least(0.1), INSIDE), Nm);
        assert_eq!(verdict(at_most(0.9), INSIDE), Nm);
        let (v, why) = check(pooled(0.5), INSIDE);
        assert_eq!(
            (v, why.as_str()),
            (
                Nm,
                "mean curve of 8 seeds: no interval to contain the reference"
            )
        );
    }

    /// A value with no interval is compared like a single run's, and says how it was made.
    #[test]
    fn a_value_with_no_interval_is_judged_by_its_value() {
        assert_eq!(verdict(pooled(2.0), AT_LEAST), Pass);
        assert_eq!(verdict(pooled(1.5), AT_LEAST), Fail);
        assert_eq!(verdict(pooled(f64::NAN), AT_LEAST), Nm);
        assert_eq!(
            pooled(1.5).to_string(),
            "1.5 (mean curve of 8 seeds, no interval)"
        );
        assert_eq!(pooled(1.5).kind(), "no interval");
        assert_eq!(pooled(1.5).interval(), None);
    }

    #[test]
    fn rule_at_least() {
        for e in [interval(2.5, 2.0, 3.0), single(2.0)] {
            assert_eq!(verdict(e, AT_LEAST), Pass);
        }
        for e in [interval(1.5, 1.0, 1.99), single(1.99)] {
            assert_eq!(verdict(e, AT_LEAST), Fail);
        }
        // An interval across the threshold cannot tell, whichever side its middle is on.
        for e in [interval(1.9, 1.5, 2.5), interval(2.5, 1.0, 3.0)] {
            let (v, why) = check(e, AT_LEAST);
            assert_eq!(v, Nm);
            assert!(why.contains("straddles the threshold 2"), "{why}");
        }
        assert_eq!(verdict(at_least(2.0), AT_LEAST), Pass);
        let (v, why) = check(at_least(1.5), AT_LEAST);
        assert_eq!(v, Nm);
        assert!(why.contains("at least 1.5") && why.contains("≥ 2"), "{why}");
        assert_eq!(verdict(at_most(1.9), AT_LEAST), Fail);
        assert_eq!(verdict(at_most(2.0), AT_LEAST), Nm);
    }

    #[test]
    fn rule_at_most() {
        for e in [interval(0.05, 0.0, 0.1), single(0.1)] {
            assert_eq!(verdict(e, AT_MOST), Pass);
        }
        for e in [interval(0.2, 0.15, 0.3), single(0.11)] {
            assert_eq!(verdict(e, AT_MOST), Fail);
        }
        assert_eq!(verdict(interval(0.05, 0.0, 0.2), AT_MOST), Nm);
        assert_eq!(verdict(at_most(0.1), AT_MOST), Pass);
        assert_eq!(verdict(at_most(0.2), AT_MOST), Nm);
        assert_eq!(verdict(at_least(0.2), AT_MOST), Fail);
        assert_eq!(verdict(at_least(0.1), AT_MOST), Nm);
    }

    #[test]
    fn rule_within() {
        for e in [interval(1.05, 0.95, 1.1), single(0.95), single(1.09)] {
            assert_eq!(verdict(e, WITHIN), Pass);
        }
        assert_eq!(
            verdict(interval(1.05, 0.9, 1.2), WITHIN),
            Nm,
            "across an end"
        );
        // Both ends of the band pass (values exact in binary, so the edge is the edge).
        let band = Rule::Within {
            reference: 1.0,
            tolerance: 0.25,
        };
        assert_eq!(verdict(single(0.75), band), Pass);
        assert_eq!(verdict(single(1.25), band), Pass);
        for e in [interval(1.3, 1.2, 1.4), single(0.85)] {
            assert_eq!(verdict(e, WITHIN), Fail);
        }
        // A bound fails only when it excludes the whole band 0.9..=1.1; it never passes.
        assert_eq!(verdict(at_least(1.2), WITHIN), Fail);
        assert_eq!(verdict(at_least(1.0), WITHIN), Nm);
        assert_eq!(verdict(at_least(0.5), WITHIN), Nm);
        assert_eq!(verdict(at_most(0.8), WITHIN), Fail);
        assert_eq!(verdict(at_most(1.0), WITHIN), Nm);
        assert_eq!(verdict(at_most(1.5), WITHIN), Nm);
    }

    /// The band 0.095..=0.28: an interval passes inside it, fails outside, and cannot
    /// decide across an end; a value passes inside.
    #[test]
    fn rule_band() {
        for e in [interval(0.2, 0.1, 0.27), single(0.27), pooled(0.1)] {
            assert_eq!(verdict(e, BAND), Pass);
        }
        for e in [
            interval(0.35, 0.3, 0.4),
            interval(0.05, 0.0, 0.09),
            single(0.3),
        ] {
            assert_eq!(verdict(e, BAND), Fail);
        }
        let (v, why) = check(interval(0.3, 0.25, 0.35), BAND);
        assert_eq!(
            (v, why.as_str()),
            (
                Nm,
                "the interval [0.25, 0.35] straddles an end of the band [0.095, 0.28]: the data cannot tell on which side the value lies"
            )
        );
        assert_eq!(verdict(interval(0.2, 0.0, 0.5), BAND), Nm);
        // A bound fails only when it excludes the whole band; it never passes.
        assert_eq!(verdict(at_least(0.3), BAND), Fail);
        assert_eq!(verdict(at_least(0.1), BAND), Nm);
        assert_eq!(verdict(at_most(0.05), BAND), Fail);
        assert_eq!(BAND.to_string(), "band [0.095, 0.28]");
        let negative = Rule::Band {
            reference: 0.2,
            tolerance: -0.1,
        };
        assert_eq!(verdict(single(0.2), negative), Nm);
    }

    /// A value alone and an interval of that one value are the same knowledge: every rule
    /// with passing values gives them the same verdict, at its ends too.
    #[test]
    fn a_value_is_judged_as_the_interval_of_that_value() {
        let rules = [AT_LEAST, AT_MOST, WITHIN, BAND];
        let edges: [f64; 7] = [0.095, 0.1, 0.28, 0.5, 0.9, 1.1, 2.0];
        for rule in rules {
            for edge in edges {
                for v in [edge.next_down(), edge, edge.next_up()] {
                    let point = verdict(single(v), rule);
                    assert_ne!(point, Nm, "{v} under {rule}");
                    assert_eq!(point, verdict(interval(v, v, v), rule), "{v} under {rule}");
                }
            }
        }
    }

    #[test]
    fn rule_order() {
        let holds = Rule::Order { holds: true };
        let broken = Rule::Order { holds: false };
        for e in [
            interval(1.0, 0.9, 1.1),
            single(1.0),
            at_least(1.0),
            at_most(1.0),
        ] {
            assert_eq!(verdict(e.clone(), holds), Pass);
            assert_eq!(verdict(e, broken), Fail);
        }
        assert_eq!(verdict(unmeasured(), holds), Nm);
    }

    #[test]
    fn not_measurable_estimates_keep_their_reason() {
        for rule in [
            INSIDE,
            AT_LEAST,
            AT_MOST,
            WITHIN,
            Rule::Order { holds: true },
        ] {
            assert_eq!(
                check(unmeasured(), rule),
                (Nm, "syntax never settled".into())
            );
        }
    }

    #[test]
    fn non_finite_numbers_never_pass() {
        let cases = [
            (
                single(f64::NAN),
                Rule::Order { holds: true },
                "the measured value is NaN",
            ),
            (
                interval(0.5, f64::NEG_INFINITY, 1.0),
                INSIDE,
                "the interval's lower end is −∞",
            ),
            (
                interval(0.5, 0.0, f64::INFINITY),
                INSIDE,
                "the interval's upper end is ∞",
            ),
            (at_least(f64::NAN), AT_LEAST, "the bound is NaN"),
            (
                single(0.5),
                Rule::ReferenceInside {
                    reference: f64::NAN,
                },
                "the reference is NaN",
            ),
            (
                single(3.0),
                Rule::AtLeast {
                    threshold: f64::NAN,
                },
                "the threshold is NaN",
            ),
            (
                single(0.0),
                Rule::AtMost {
                    threshold: f64::NAN,
                },
                "the threshold is NaN",
            ),
            (
                single(1.0),
                Rule::Within {
                    reference: 1.0,
                    tolerance: f64::INFINITY,
                },
                "the tolerance is ∞",
            ),
            (
                single(1.0),
                Rule::Within {
                    reference: 1.0,
                    tolerance: -0.1,
                },
                "the tolerance -0.1 is negative",
            ),
            (
                interval(0.5, 0.6, 0.4),
                INSIDE,
                "the interval is reversed: lower end 0.6 > upper end 0.4",
            ),
        ];
        for (estimate, rule, why) in cases {
            assert_eq!(check(estimate, rule), (Nm, why.into()));
        }
    }

    #[test]
    fn texts() {
        let claim = |e: Estimate, r: Rule| Claim::judged("C1", "", "x", "s", e, r, "d");
        let c = claim(interval(0.52, 0.48, 0.55), INSIDE);
        assert_eq!(
            c.estimate_text(),
            "0.52 [0.48, 0.55] (t-interval over 5 seeds)"
        );
        assert_eq!(c.rule_text(), "inside: 0.5");
        assert_eq!(
            (c.measured(), c.reference(), c.interval()),
            (Some(0.52), Some(0.5), Some((0.48, 0.55)))
        );
        assert_eq!(c.verdict(), Pass);
        let c = claim(single(0.52), WITHIN);
        assert_eq!(
            (c.estimate_text(), c.rule_text()),
            ("0.52 (one run)".into(), "1 ± 0.1".into())
        );
        assert_eq!(c.interval(), None);
        let c = claim(at_least(2.1), AT_LEAST);
        assert_eq!(
            (c.estimate_text(), c.rule_text()),
            ("≥ 2.1".into(), "≥ 2".into())
        );
        let c = claim(at_most(0.05), AT_MOST);
        assert_eq!(
            (c.estimate_text(), c.rule_text()),
            ("≤ 0.05".into(), "≤ 0.1".into())
        );
        let c = claim(unmeasured(), Rule::Order { holds: true });
        assert_eq!(c.estimate_text(), "not measurable: syntax never settled");
        assert_eq!(
            (c.rule_text(), c.measured(), c.reference()),
            ("order".into(), None, None)
        );
        assert_eq!(c.reason(), Some("syntax never settled"));
        for v in [Pass, Fail, Nm] {
            assert_eq!(v.as_str().parse::<Verdict>().unwrap(), v);
        }
    }

    #[test]
    fn verdict_text_gives_the_rules_reason_once() {
        let claim = |e: Estimate, r: Rule| Claim::judged("C1", "", "x", "s", e, r, "d");
        assert_eq!(
            claim(interval(2.5, 2.1, 2.9), AT_LEAST).verdict_text(),
            "PASS"
        );
        assert_eq!(
            claim(interval(1.5, 1.1, 1.9), AT_LEAST).verdict_text(),
            "FAIL"
        );
        // Measured, but the interval lies across the threshold: the reason is the rule's.
        assert_eq!(
            claim(interval(2.0, 1.5, 2.5), AT_LEAST).verdict_text(),
            "NOT MEASURABLE: the interval [1.5, 2.5] straddles the threshold 2: the data cannot \
             tell on which side the value lies"
        );
        assert_eq!(
            claim(single(0.5), INSIDE).verdict_text(),
            "NOT MEASURABLE: a single run has no interval to contain the reference"
        );
        // Not measured: the estimate's text already says why.
        assert_eq!(
            claim(unmeasured(), AT_LEAST).verdict_text(),
            "NOT MEASURABLE"
        );
    }

    /// One claim of every estimate kind and every rule kind, and a NaN value.
    fn sample() -> Vec<Claim> {
        let claim = |id: &str, e: Estimate, r: Rule| {
            Claim::judged(
                id,
                "alpha=0.5",
                "data-statistics",
                "Heaps' law exponent is 1/alpha",
                e,
                r,
                "detail",
            )
        };
        let mut claims = vec![
            claim("C1", interval(0.512, 0.49, 0.53), INSIDE),
            claim("C2", single(0.5), WITHIN),
            claim("C3", at_least(2.5), AT_LEAST),
            claim("C4", at_most(0.5), AT_MOST),
            claim("C5", unmeasured(), Rule::Order { holds: false }),
            claim("C6", single(f64::NAN), Rule::Order { holds: true }),
            claim("C7", single(1.0), INSIDE),
            claim("C8", pooled(2.5), AT_LEAST),
            claim("C13", interval(0.2, 0.15, 0.25), BAND),
        ];
        claims[0].scope = "N = 1e6 sentences, 8 seeds, 2.75 decades; exact streams".into();
        claims
    }

    /// Equality that treats NaN as equal to NaN, for the round trip.
    fn same(a: &[Claim], b: &[Claim]) -> bool {
        let f = |c: &Claim| format!("{c:?}");
        a.iter().map(f).eq(b.iter().map(f))
    }

    #[test]
    fn frame_round_trip() {
        let claims = sample();
        let df = claims_frame(&claims).unwrap();
        let names: Vec<_> = df.get_column_names().iter().map(|s| s.as_str()).collect();
        assert_eq!(names, CLAIM_COLUMNS);
        let verdicts: Vec<_> = df
            .column("verdict")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        assert_eq!(
            verdicts,
            [
                "PASS",
                "FAIL",
                "PASS",
                "NOT MEASURABLE",
                "NOT MEASURABLE",
                "NOT MEASURABLE",
                "NOT MEASURABLE",
                "PASS",
                "PASS"
            ]
        );
        let measured = df.column("measured").unwrap().f64().unwrap();
        assert_eq!(measured.get(4), None, "not measurable is null");
        assert!(
            measured.get(5).is_some_and(f64::is_nan),
            "a NaN value stays NaN"
        );
        assert!(same(&claims_from_frame(&df).unwrap(), &claims));
        assert!(
            claims_from_frame(&claims_frame(&[]).unwrap())
                .unwrap()
                .is_empty()
        );
    }

    /// `claims_from_frame` of the sample with `column` replaced.
    fn read_with(column: Column) -> Result<Vec<Claim>, ReportError> {
        let mut df = claims_frame(&sample()).unwrap();
        df.with_column(column).unwrap();
        claims_from_frame(&df)
    }

    fn failing_column(result: Result<Vec<Claim>, ReportError>) -> String {
        match result {
            Err(ReportError::Column { column, .. }) => column,
            other => panic!("expected a column error, got {other:?}"),
        }
    }

    #[test]
    fn reading_errors_name_the_column() {
        let n = sample().len();
        let mut verdicts = vec!["PASS"; n];
        verdicts[0] = "maybe";
        assert_eq!(
            failing_column(read_with(Column::new("verdict".into(), verdicts.clone()))),
            "verdict"
        );
        verdicts[0] = "FAIL";
        assert_eq!(
            failing_column(read_with(Column::new("verdict".into(), verdicts))),
            "verdict"
        );
        let mut kinds = vec!["interval"; n];
        kinds[1] = "guess";
        assert_eq!(
            failing_column(read_with(Column::new("estimate".into(), kinds))),
            "estimate"
        );
        let nulls: Vec<Option<f64>> = vec![None; n];
        assert_eq!(
            failing_column(read_with(Column::new("lo".into(), nulls))),
            "lo"
        );
        let nulls: Vec<Option<String>> = vec![None; n];
        assert_eq!(
            failing_column(read_with(Column::new("reason".into(), nulls))),
            "reason"
        );
        assert_eq!(
            failing_column(read_with(Column::new("measured".into(), vec!["x"; n]))),
            "measured"
        );
        assert_eq!(
            failing_column(read_with(Column::new("id".into(), vec![1.0; n]))),
            "id"
        );
        let mut df = claims_frame(&sample()).unwrap();
        df.drop_in_place("rule").unwrap();
        assert_eq!(failing_column(claims_from_frame(&df)), "rule");
    }

    #[test]
    fn parquet_round_trip_is_byte_deterministic() {
        let dir = crate::test_dir("parquet");
        let (a, b) = (dir.join("a.parquet"), dir.join("b.parquet"));
        let mut df = claims_frame(&sample()).unwrap();
        write_parquet(&mut df, &a).unwrap();
        write_parquet(&mut df, &b).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        assert!(!sibling(&a, ".tmp").exists());
        let back = claims_from_frame(&read_parquet(&a).unwrap()).unwrap();
        assert!(same(&back, &sample()));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
