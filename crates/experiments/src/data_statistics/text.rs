//! The section's prose: the setup, then per point the Heaps and the Zipf paragraphs.

use skm_report::Claim;

use super::claims::Sampling;
use crate::error::ExperimentError;
use crate::num;
use crate::spec::Spec;

/// C1's sentences at the point `label` of discount `alpha`, with one seed's slope under the
/// exact law when it is known.
pub(super) fn heaps_sentence(
    (label, alpha): (&str, f64),
    c1: &Claim,
    sampling: Option<&Sampling>,
) -> String {
    let (exponent, verdict) = (c1.estimate_text(), c1.verdict());
    let theory = num(c1.reference().unwrap_or(f64::NAN));
    let sampling = sampling.map_or_else(String::new, |s| format!(" {}", s.sentence()));
    format!(
        "At {label}, K_N grows with exponent {exponent}; the exact E[K_N] over the same window has slope {theory} (asymptotically alpha = {alpha}): **{verdict}**.{sampling}"
    )
}

/// C2's sentence at the point of discount `alpha`.
pub(super) fn zipf_sentence(alpha: f64, c2: &Claim) -> String {
    let (slope, verdict) = (c2.estimate_text(), c2.verdict());
    let reference = num(c2.reference().unwrap_or(f64::NAN));
    let asymptote = num(super::claims::asymptotic_tail_slope(alpha));
    format!(
        "The tail count G(c) falls with slope {slope}; the exact E[G_N(c)] over the same window has slope {reference} (asymptotically -alpha = {asymptote}, the ranked counts' -1/alpha with the axes swapped): **{verdict}**."
    )
}

/// The sentence in place of C2's when its window or fit fails with `error`.
pub(super) fn zipf_error(label: &str, error: &ExperimentError) -> String {
    format!(
        "The Zipf fit at {label} is not possible: {}.",
        error.chain()
    )
}

/// The section: the setup, then the sentences of every point.
pub(super) fn body(spec: &Spec, prose: &[String]) -> String {
    let (sentences, seeds, points) = (spec.sentences, spec.seeds.len(), spec.point_labels());
    let prose = prose.join("\n\n");
    format!(
        "The knowledge model is a Pitman-Yor process, so the number of distinct entities after N sentences grows like N^alpha (Heaps) and the ranked frequencies fall like rank^(-1/alpha) (Zipf), that is the number of entities seen at least c times, G(c), falls like c^(-alpha). We draw {sentences} sentences for each of {seeds} seed(s) at {points} and count. Each exponent is fitted per seed and summarised by the mean with its t-interval over seeds; the reference is the same fit on the exact expectation over the same window (E[K_N] from its recursion, E[G_N(c)] from the expected frequency spectrum E[K_{{N,j}}] = C(N,j) B(j-alpha, N-j+beta+alpha) / B(1-alpha, beta+alpha)), frames `heaps` and `theory_tail_counts`.\n\n{prose}"
    )
}
