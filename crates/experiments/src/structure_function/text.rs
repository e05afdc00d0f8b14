//! The section's prose: the learner and its two-part code, then per point C11 and the
//! least-seen stored entity.

use skm_report::Claim;
use skm_theory::exponents;

use super::StoringCurves;
use crate::spec::Spec;
use crate::{SeedSlopes, mean_variance, num};

/// The paragraph of the point `label` of discount `alpha`; `stored` is the optimum's least
/// stored count c over the fit window and the range it took.
pub(super) fn point_paragraph(
    (label, alpha): (&str, f64),
    c11: &Claim,
    (c, (lo, hi)): (u64, (u64, u64)),
) -> String {
    let (exponent, verdict) = (c11.estimate_text(), c11.verdict());
    let reference = c11.reference().map_or("none".into(), num);
    let range = if lo == hi {
        "at every N and seed of the fit window".to_string()
    } else {
        format!("most often; it ranged from {lo} to {hi} over the fit window")
    };
    format!(
        "At {label}: the optimum stores the entities seen at least c = {c} times ({range}). m*(N) grows with exponent {exponent}, against {reference}, the slope of the exact E[G_N({c})] over the same window (asymptotically alpha = {alpha}): **{verdict}**."
    )
}

/// The paragraph of C6 on the capacity-limited learner at the point `label` of discount
/// `alpha`.
pub(super) fn storing_paragraph(
    (label, alpha): (&str, f64),
    c6: &Claim,
    storing: &StoringCurves,
) -> String {
    let (lo, hi) = storing.window;
    let (exponent, verdict) = (c6.estimate_text(), c6.verdict());
    let reference = c6.reference().map_or("none".into(), num);
    let slopes = SeedSlopes::fit(&storing.chains).map(|s| s.slopes());
    let spread = slopes.ok().and_then(|slopes| {
        let (_, variance) = mean_variance(&slopes)?;
        Some(format!(
            "its standard deviation over spectra is {}, its Monte Carlo error {}",
            num(variance.sqrt()),
            num((variance / slopes.len() as f64).sqrt())
        ))
    });
    let spread = spread.unwrap_or_else(|| "its spread over spectra unknown".into());
    let asymptote = num(-exponents::model_scaling_exponent(alpha));
    format!(
        "The capacity-limited learner is a model whose size is the entities it stores. Storing those seen at least c times ({lo} <= c <= {hi}), its excess over the oracle on the whole stream falls with the number stored with exponent {exponent}, against {reference}, the mean of the same fit over {chains} frequency spectra drawn from the exact law, the weights integrated exactly ({spread}; asymptotically -(1 - alpha)/alpha = {asymptote}): C6 ({label}, capacity-limited learner) **{verdict}**. It is the model-scaling law of the idealised learner; the trained transformers of model-scaling carry C6 for networks.",
        chains = storing.chains.len(),
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
