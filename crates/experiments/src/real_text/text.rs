//! The section's prose: the corpus, both estimates of alpha with their jackknife intervals,
//! the exponents they predict, where those land against the published ones, and the C13
//! verdicts.

use skm_report::Claim;

use super::claims::{Exponent, lands};
use super::fits::Fits;
use super::params::Params;
use crate::{CONFIDENCE, jackknife_interval, num};

/// `value [lo, hi]` with the jackknife interval from `replicates`, or `value` alone.
fn with_interval(value: f64, replicates: &[f64]) -> String {
    match jackknife_interval(value, replicates, CONFIDENCE) {
        Some(i) => format!("{} [{}, {}]", num(value), num(i.lo), num(i.hi)),
        None => num(value),
    }
}

/// One C13 row of `exponent` in words: "0.24 [0.2, 0.28] (...), inside the published
/// span: **PASS**".
fn verdict_text(claim: &Claim, exponent: Exponent) -> String {
    let measured = claim.measured().unwrap_or(f64::NAN);
    let lands = lands(exponent, claim.interval().unwrap_or((measured, measured)));
    format!(
        "{}, {lands}: **{}**",
        claim.estimate_text(),
        claim.verdict()
    )
}

/// The section's text; `replicates` are the alphas of the text without each block (Heaps,
/// Zipf); `claims` are C13 with the Heaps alpha (data, parameters), then with the Zipf alpha.
pub(super) fn body(
    p: &Params,
    fits: &Fits,
    (heaps_replicates, zipf_replicates): (&[f64], &[f64]),
    claims: &[Claim; 4],
) -> String {
    let (corpus, words, vocabulary) = (p.corpus(), fits.words, fits.vocabulary);
    let (decades, heaps_r2, blocks) = (
        p.heaps_decades(),
        num(fits.heaps.r_squared),
        p.jackknife_blocks,
    );
    let alpha = with_interval(fits.alpha(), heaps_replicates);
    let alpha_zipf = with_interval(fits.alpha_zipf(), zipf_replicates);
    let (zipf_from, zipf_to) = fits.zipf_ranks();
    let zipf_slope = num(fits.zipf.slope);
    let (published_data, published_parameters) =
        (Exponent::Data.cited(), Exponent::Parameters.cited());
    let [heaps_data, heaps_parameters, zipf_data, zipf_parameters] = [0, 1, 2, 3].map(|i| {
        let exponent = [Exponent::Data, Exponent::Parameters][i % 2];
        verdict_text(&claims[i], exponent)
    });
    format!(
        "If text is a Syntax-Knowledge stream, the Pitman-Yor discount alpha of its knowledge shows in the word statistics, and the theory turns it into scaling exponents: 1 - alpha for data and (1 - alpha)/alpha for parameters. We read `{corpus}`: {words} words, {vocabulary} distinct. Heaps' law over the last {decades} decades of the text gives alpha = {alpha} (R^2 = {heaps_r2}); Zipf's law over ranks {zipf_from} to {zipf_to} gives a slope of {zipf_slope}, i.e. alpha = {alpha_zipf} (Zipf's exponent is 1/alpha). The intervals are 95% delete-one-block jackknife intervals: the text is cut into {blocks} contiguous blocks of words, both laws are fitted again on the text without each block over the same windows, and the spread of those fits gives the standard error (t with {} degrees of freedom). The intervals measure how much the estimate depends on which parts of the text are read, not the gap between the two estimators.\n\nPublished LLM fits: {published_data} for data and {published_parameters} for parameters. The two studies differ in data, tokenizer and fitting range, so their span is the band the claim speaks of: a prediction passes when its interval lies inside that span, fails when it lies wholly outside, and cannot be decided when it straddles an end. With the Heaps alpha the predicted data exponent is {heaps_data}, the parameter exponent {heaps_parameters}. With the Zipf alpha: data {zipf_data}, parameters {zipf_parameters}.\n\nWords are the maximal runs of ASCII letters, lower-cased, after dropping each verse reference; the Heaps and Zipf estimates of alpha differ, as they do for natural text, because word frequencies are not a Pitman-Yor stream of fixed alpha; which estimate is used decides the verdict, so both are checked.",
        blocks.saturating_sub(1)
    )
}
