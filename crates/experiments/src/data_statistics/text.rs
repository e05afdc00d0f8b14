//! The section's prose: the setup, then per point the Heaps and the Zipf paragraphs.

use skm_report::Claim;

use crate::num;
use crate::spec::Spec;

/// C1's sentence at the point `label` of discount `alpha`.
pub(super) fn heaps_sentence((label, alpha): (&str, f64), c1: &Claim) -> String {
    let (exponent, verdict) = (c1.estimate_text(), c1.verdict());
    let theory = num(c1.reference().unwrap_or(f64::NAN));
    format!(
        "At {label}, K_N grows with exponent {exponent}; the exact E[K_N] over the same window has slope {theory} (asymptotically alpha = {alpha}): **{verdict}**."
    )
}

/// C2's sentence.
pub(super) fn zipf_sentence(c2: &Claim) -> String {
    let (slope, verdict) = (c2.estimate_text(), c2.verdict());
    let reference = num(c2.reference().unwrap_or(f64::NAN));
    format!("Ranked counts fall with slope {slope} against -1/alpha = {reference}: **{verdict}**.")
}

/// The sentence in place of C2's when its fit fails with `error`.
pub(super) fn zipf_error(label: &str, min_count: u64, error: &anyhow::Error) -> String {
    format!("The Zipf fit at {label} has too few ranks with counts >= {min_count}: {error:#}.")
}

/// The section: the setup, then the sentences of every point.
pub(super) fn body(spec: &Spec, prose: &[String]) -> String {
    let (sentences, seeds, points) = (spec.sentences, spec.seeds.len(), spec.point_labels());
    let prose = prose.join("\n\n");
    format!(
        "The knowledge model is a Pitman-Yor process, so the number of distinct entities after N sentences grows like N^alpha (Heaps) and the ranked frequencies fall like rank^(-1/alpha) (Zipf). We draw {sentences} sentences for each of {seeds} seed(s) at {points} and count.\n\n{prose}"
    )
}
