//! The section's prose: the theory and the setup, then per point the exponents and C3/C4.

use skm_report::Claim;

use super::claims::{C4Input, asymptotes};
use crate::num;
use crate::spec::Spec;

/// The paragraph of the point `label` of discount `alpha`; `claims` are C3 (syntax), C3
/// (knowledge) and C4.
pub(super) fn point_paragraph(
    (label, alpha): (&str, f64),
    c4_input: &C4Input,
    [syntax, knowledge, c4]: [&Claim; 3],
) -> String {
    let reference = |c: &Claim| c.reference().map_or("none".into(), num);
    let (syntax_exact, knowledge_exact) = (reference(syntax), reference(knowledge));
    let (syntax_asymptote, knowledge_asymptote) = asymptotes(alpha);
    let (syntax_asymptote, knowledge_asymptote) = (num(syntax_asymptote), num(knowledge_asymptote));
    let (syntax_exponent, knowledge_exponent) = (syntax.estimate_text(), knowledge.estimate_text());
    let (measured, exact, n) = (&c4_input.measured, &c4_input.exact, c4_input.sentences);
    let floor = c4_input.floor_bits;
    let at = |s: Option<f64>| s.map_or("never".into(), num);
    let (syntax_at, exact_syntax_at) = (at(measured.syntax), at(exact.syntax));
    let knowledge_at = measured.knowledge_text("at N = ", n);
    let exact_knowledge_at = exact.knowledge_text("at N = ", n);
    let gap = c4.estimate_text();
    let (syntax, knowledge, c4) = (syntax.verdict(), knowledge.verdict(), c4.verdict());
    format!(
        "At {label}: the syntax excess falls with exponent {syntax_exponent}, against {syntax_exact} for its exact expectation over the same window (asymptotically {syntax_asymptote}); the knowledge excess with exponent {knowledge_exponent}, against {knowledge_exact} exact (asymptotically alpha - 1 = {knowledge_asymptote}). Syntax settles below {floor} bits per sentence at N = {syntax_at} (exact: {exact_syntax_at}), knowledge {knowledge_at} (exact: {exact_knowledge_at}): the gap in decades is {gap}. C3 syntax **{syntax}**, C3 knowledge **{knowledge}**, C4 **{c4}**."
    )
}

/// The section: the theory and the setup, then the paragraphs of every point;
/// `shared_syntax` when every point's syntax estimate is the same.
pub(super) fn body(spec: &Spec, prose: &[String], shared_syntax: bool) -> String {
    let (sentences, seeds, points) = (spec.sentences, spec.seeds.len(), spec.point_labels());
    let mut paragraphs = prose.join("\n\n");
    if shared_syntax {
        paragraphs.push_str(&format!("\n\n{}", shared_syntax_note(prose.len())));
    }
    format!(
        "The Bayes learner knows the model class but not its parameters. Its redundancy over the oracle splits: the syntax has d = A(T-1) parameters, so it costs about (d/2) log N bits in all and d/(2N ln 2) per sentence; knowledge keeps arriving, at a per-sentence cost ~ N^(alpha-1). Both are asymptotes. The references are exact instead: the expected excess of each role after N sentences, with no fitted constant (frame `theory_excess`): the Dirichlet-multinomial redundancy of the templates, the first statements of facts from the expected frequency spectrum of the Pitman-Yor process, and its exchangeable partition probability for the names. We code {sentences} sentences for each of {seeds} seed(s) at {points}, average the per-sentence excess over log-spaced bins, and compare each fitted slope, and the gap between the N at which syntax and knowledge settle, with the same statistic on the exact curves.\n\n{paragraphs}"
    )
}

/// Why the syntax rows of `points` points are the same numbers.
fn shared_syntax_note(points: usize) -> String {
    format!(
        "The syntax rows of the {points} points are the same numbers, and so is where syntax settles: each seed draws the attributes, templates and fillers from a random stream of its own, apart from the entities, so points that share the syntax model and the seeds share the syntax stream. They are one measurement, not {points} agreeing ones."
    )
}
