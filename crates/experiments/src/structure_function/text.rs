//! The section's prose: the learner and its two-part code, then per point C11 and the
//! least-seen stored entity.

use skm_report::Claim;

use crate::num;
use crate::spec::Spec;

/// The paragraph of the point `label` of discount `alpha`; `min_counts` is the seed-mean
/// count of the least-seen stored entity against N.
pub(super) fn point_paragraph(
    (label, alpha): (&str, f64),
    c11: &Claim,
    min_counts: &[(f64, f64)],
) -> String {
    let (exponent, verdict) = (c11.estimate_text(), c11.verdict());
    let sentences = |p: &(f64, f64)| format!("{} sentences", num(p.1));
    let first = min_counts.first().map_or("-".into(), sentences);
    let last = min_counts.last().map_or("-".into(), sentences);
    format!(
        "At {label}: m*(N) grows with exponent {exponent} against alpha = {alpha}: **{verdict}**. The least-seen stored entity has, averaged over seeds, {first} at the smallest N and {last} at the largest."
    )
}

/// The section: the learner, the setup, then the paragraphs of every point.
pub(super) fn body(spec: &Spec, prose: &[String]) -> String {
    let (sentences, seeds) = (spec.sentences, spec.seeds.len());
    let sizes = spec.sizes.iter().map(|n| n.to_string());
    let sizes = sizes.collect::<Vec<_>>().join(", ");
    let prose = prose.join("\n\n");
    format!(
        "A learner with budget m stores the m most frequent entities (name, facts and weight) and codes every other entity by its name under the base measure. Its model costs C(m) = (d/2) log2 N + m (L log2 |names| + A log2 |V| + (1/2) log2 N) bits; the data cost N loss(m) falls as m grows. The curve is the Kolmogorov structure function of the corpus, and the two-part code picks m*(N). Streams of {sentences} sentences, {seeds} seed(s), prefixes N = {sizes}.\n\n{prose}"
    )
}
