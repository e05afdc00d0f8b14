//! The section's prose: the theory and the setup, then per point the exponents and C3/C4.

use skm_report::Claim;

use super::claims::Settled;
use super::params::Params;
use crate::num;
use crate::spec::Spec;

/// The paragraph of the point `label` of discount `alpha`; `claims` are C3 (syntax), C3
/// (knowledge) and C4.
pub(super) fn point_paragraph(
    p: &Params,
    (label, alpha): (&str, f64),
    settled: &Settled,
    [syntax, knowledge, c4]: [&Claim; 3],
) -> String {
    let (syntax_exponent, knowledge_exponent) = (syntax.estimate_text(), knowledge.estimate_text());
    let (theory, floor) = (num(alpha - 1.0), p.floor_bits);
    let syntax_at = settled.syntax.map_or("never".into(), num);
    let knowledge_at = settled.knowledge_text("at N = ");
    let gap = c4.estimate_text();
    let (syntax, knowledge, c4) = (syntax.verdict(), knowledge.verdict(), c4.verdict());
    format!(
        "At {label}: the syntax excess falls with exponent {syntax_exponent} (theory -1), the knowledge excess with exponent {knowledge_exponent} (theory alpha - 1 = {theory}). Syntax settles below {floor} bits per sentence at N = {syntax_at}, knowledge {knowledge_at}: the gap in decades is {gap}. C3 syntax **{syntax}**, C3 knowledge **{knowledge}**, C4 **{c4}**."
    )
}

/// The section: the theory and the setup, then the paragraphs of every point.
pub(super) fn body(spec: &Spec, prose: &[String]) -> String {
    let (sentences, seeds, points) = (spec.sentences, spec.seeds.len(), spec.point_labels());
    let paragraphs = prose.join("\n\n");
    format!(
        "The Bayes learner knows the model class but not its parameters. Its redundancy over the oracle splits: the syntax has d = A(T-1) parameters, so it costs (d/2) log N bits in all and d/(2N ln 2) per sentence; knowledge keeps arriving, at a per-sentence cost ~ N^(alpha-1). We code {sentences} sentences for each of {seeds} seed(s) at {points} and average the per-sentence excess over log-spaced bins.\n\n{paragraphs}"
    )
}
