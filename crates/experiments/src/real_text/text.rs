//! The section's prose: the corpus, both estimates of alpha, the exponents they predict and
//! the C13 verdicts.

use skm_report::Claim;

use super::claims::Exponent;
use super::fits::Fits;
use super::params::Params;
use crate::num;

/// The section's text; `claims` are C13 with the Heaps alpha (data, parameters), then with
/// the Zipf alpha.
pub(super) fn body(p: &Params, fits: &Fits, claims: &[Claim; 4]) -> String {
    let (corpus, words, vocabulary) = (p.corpus(), fits.words, fits.vocabulary);
    let (decades, alpha, heaps_r2) = (
        p.heaps_decades(),
        num(fits.alpha()),
        num(fits.heaps.r_squared),
    );
    let (zipf_from, zipf_to) = fits.zipf_ranks();
    let (zipf_slope, alpha_zipf) = (num(fits.zipf.slope), num(fits.alpha_zipf()));
    let predicted = |e: Exponent, a: f64| num(e.predicted(a));
    let (heaps_data, heaps_parameters) = (
        predicted(Exponent::Data, fits.alpha()),
        predicted(Exponent::Parameters, fits.alpha()),
    );
    let (zipf_data, zipf_parameters) = (
        predicted(Exponent::Data, fits.alpha_zipf()),
        predicted(Exponent::Parameters, fits.alpha_zipf()),
    );
    let (published_data, published_parameters) =
        (Exponent::Data.cited(), Exponent::Parameters.cited());
    let [
        c13_heaps_data,
        c13_heaps_parameters,
        c13_zipf_data,
        c13_zipf_parameters,
    ] = claims.each_ref().map(Claim::verdict);
    format!(
        "If text is a Syntax-Knowledge stream, the Pitman-Yor discount alpha of its knowledge shows in the word statistics, and the theory turns it into scaling exponents: 1 - alpha for data and (1 - alpha)/alpha for parameters. We read `{corpus}`: {words} words, {vocabulary} distinct. Heaps' law over the last {decades} decades of the text gives alpha = {alpha} (R^2 = {heaps_r2}); Zipf's law over ranks {zipf_from} to {zipf_to} gives a slope of {zipf_slope}, i.e. alpha = {alpha_zipf} (Zipf's exponent is 1/alpha). With the Heaps alpha the predicted exponents are {heaps_data} for data and {heaps_parameters} for parameters; with the Zipf alpha {zipf_data} and {zipf_parameters}. Published LLM fits: {published_data} for data and {published_parameters} for parameters. C13 with the Heaps alpha: data **{c13_heaps_data}**, parameters **{c13_heaps_parameters}**; with the Zipf alpha: data **{c13_zipf_data}**, parameters **{c13_zipf_parameters}**.\n\nWords are the maximal runs of ASCII letters, lower-cased, after dropping each verse reference; the Heaps and Zipf estimates of alpha differ, as they do for natural text, because word frequencies are not a Pitman-Yor stream of fixed alpha; which estimate is used decides the verdict, so both are checked."
    )
}
