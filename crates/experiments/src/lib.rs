//! The science of skm: every experiment of the paper, from its resolved [`Spec`] to frames
//! (`compute`) and from frames to figures, claims and text (`analyse`).
//!
//! Each experiment is one TOML file under `experiments/` and one type here that implements
//! [`Experiment`]; [`registry`] lists them in the order of the paper. This crate never
//! touches files, runs programs or reads the clock: what it needs from the world (trained
//! models from the cache, the text of a real corpus, a progress display) comes in through
//! [`Env`], and the pipeline (`skm-pipeline`) provides it.

mod bayes_learning_curve;
mod compression;
mod data_scaling;
mod data_statistics;
pub mod error;
mod estimate;
mod fine_tuning;
pub mod frames;
mod hallucination;
pub mod measure;
mod model_scaling;
mod real_text;
pub mod spec;
mod structure_function;
mod train_smoke;
pub mod training;

use crate::error::{Context, Result};
use polars::prelude::*;
use rayon::prelude::*;
use skm_report::{Claim, Figure};

pub use crate::estimate::{
    CONFIDENCE, ExponentCheck, SeedSlopes, claim, exact_slope, jackknife_interval, mean_variance,
    not_measurable, point_estimate, pooled_estimate, pooled_over, seed_interval, seed_values,
    t_interval,
};
pub use crate::frames::{
    Curve, Frame, FrameSet, Frames, Table, concat, curves_by, curves_by_seed, floats, rows_between,
    rows_where,
};
use crate::measure::{Stream, measure};
use crate::spec::Spec;
use crate::training::Models;

/// A figure of an experiment: file stem (under `figures/<experiment>/`) and caption.
pub struct FigureOut {
    /// File name without extension.
    pub stem: String,
    /// Caption in the paper.
    pub caption: String,
    /// Its panels, side by side (usually one).
    pub panels: Vec<Figure>,
}

/// What an experiment concludes from its frames.
#[derive(Default)]
pub struct Analysis {
    /// Figures, in order.
    pub figures: Vec<FigureOut>,
    /// Claim checks.
    pub claims: Vec<Claim>,
    /// Markdown: what theory predicts and what was measured, numbers from the frames.
    pub body: String,
}

/// Progress of a computation, shown by the pipeline; `()` shows nothing.
pub trait Progress: Sync {
    /// `n` more units of the experiment's [`Experiment::work`] are done.
    fn inc(&self, n: u64);
    /// What is being done now.
    fn set_message(&self, message: &str);
    /// A line for the reader, printed above the progress display.
    fn println(&self, line: &str);
    /// One training step of `tokens` tokens ended with loss `loss_nats` (the pipeline shows
    /// the loss and the training rate).
    fn trained(&self, tokens: u64, loss_nats: f32);
}

impl Progress for () {
    fn inc(&self, _: u64) {}
    fn set_message(&self, _: &str) {}
    fn println(&self, _: &str) {}
    fn trained(&self, _: u64, _: f32) {}
}

/// A program that prints the text of a corpus the project does not generate (real-text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextSource {
    /// The program, e.g. `bible`.
    pub program: String,
    /// Its arguments.
    pub arguments: Vec<String>,
    /// How to install it, for the message when it is missing.
    pub install: String,
}

/// What an experiment gets from the world: the only way in for anything not computed here.
pub struct Env<'a> {
    /// Where progress is shown.
    pub progress: &'a dyn Progress,
    /// Trained models (the pipeline's checkpoint cache).
    pub models: &'a dyn Models,
    /// The corpus text, for an experiment with a [`Experiment::text_source`].
    pub text: Option<&'a str>,
}

/// One experiment of the paper.
pub trait Experiment: Sync {
    /// The file stem of its TOML.
    fn name(&self) -> &'static str;
    /// Checks the `[analysis]` table (and anything else the experiment needs) before any
    /// work starts.
    fn check(&self, spec: &Spec) -> Result<()>;
    /// Sentences the computation draws in all, for the progress bar.
    fn work(&self, spec: &Spec) -> u64 {
        spec.sentences * spec.seeds.len() as u64 * spec.points.len() as u64
    }
    /// The program that prints the experiment's corpus, for an experiment on text the project
    /// does not generate; the pipeline runs it and hands the text in [`Env::text`] (or skips
    /// the experiment, saying how to install the program).
    fn text_source(&self, _spec: &Spec) -> Result<Option<TextSource>> {
        Ok(None)
    }
    /// What [`Experiment::work`] counts, for the progress bar.
    fn unit(&self) -> &'static str {
        "sentences"
    }
    /// The expensive part: frames, including `sentences`.
    fn compute(&self, spec: &Spec, env: &Env<'_>) -> Result<Frames>;
    /// Figures, claims and text from the frames.
    fn analyse(&self, spec: &Spec, frames: &Frames) -> Result<Analysis>;
    /// The regime its claims are measured in, in a few words, for each claim's scope (e.g.
    /// "the Bayes learner on exact Pitman-Yor streams").
    fn regime(&self, spec: &Spec) -> String;
}

/// Completes the scope of each of `claims` of `experiment`: the stream length and seeds of
/// `spec`, then what the claim's own fit set (its decades, if any), then the regime:
/// "N = 1e6 sentences, 8 seeds, fit over 2.75 decades; the Bayes learner on ...". An
/// experiment on a real corpus counts lines and no seeds (a text has none; its regime names
/// the corpus): "N = 3.11e4 lines; the words of one real corpus, no learner".
pub fn scope_claims(experiment: &dyn Experiment, spec: &Spec, claims: &mut [Claim]) {
    let seeds = spec.seeds.len();
    let length = num(spec.sentences as f64);
    let stream = if experiment.text_source(spec).ok().flatten().is_some() {
        format!("N = {length} lines")
    } else {
        format!(
            "N = {length} sentences, {seeds} seed{}",
            if seeds == 1 { "" } else { "s" }
        )
    };
    let regime = experiment.regime(spec);
    for claim in claims {
        claim.scope = scoped(&stream, &claim.scope, &regime);
    }
}

/// "stream, fit; regime", the fit left out when empty.
fn scoped(stream: &str, fit: &str, regime: &str) -> String {
    if fit.is_empty() {
        format!("{stream}; {regime}")
    } else {
        format!("{stream}, {fit}; {regime}")
    }
}

/// Every experiment, in the order of the paper.
pub fn registry() -> Vec<Box<dyn Experiment>> {
    vec![
        Box::new(data_statistics::DataStatistics),
        Box::new(bayes_learning_curve::BayesLearningCurve),
        Box::new(structure_function::StructureFunction),
        Box::new(train_smoke::TrainAndProbe {
            name: "train-smoke",
        }),
        Box::new(data_scaling::DataScaling),
        Box::new(model_scaling::ModelScaling),
        Box::new(train_smoke::TrainAndProbe {
            name: "acquisition",
        }),
        // After model-scaling, whose models it reads from the checkpoint cache.
        Box::new(hallucination::Hallucination),
        Box::new(fine_tuning::FineTuning),
        Box::new(compression::Compression),
        Box::new(real_text::RealText),
    ]
}

/// Measures every (point, seed) stream of a spec in parallel; results come back in
/// (point, seed) order whatever the thread count, each reduced by `reduce`.
pub fn for_each_stream<T: Send>(
    spec: &Spec,
    progress: &dyn Progress,
    reduce: impl Fn(&Stream) -> Result<T> + Sync,
) -> Result<(Vec<T>, DataFrame)> {
    let tasks: Vec<(usize, u64)> = (0..spec.points.len())
        .flat_map(|p| spec.seeds.iter().map(move |&s| (p, s)))
        .collect();
    let results: Vec<(T, DataFrame)> = tasks
        .par_iter()
        .map(|&(p, seed)| {
            let point = &spec.points[p];
            let stream = measure(
                &point.label,
                &spec.generator_at(point, seed),
                spec.sentences,
                progress,
            )?;
            Ok((reduce(&stream)?, crate::frames::sentences::frame(&stream)?))
        })
        .collect::<Result<_>>()?;
    let mut reduced = Vec::with_capacity(results.len());
    let mut sentences: Option<DataFrame> = None;
    for (value, frame) in results {
        reduced.push(value);
        match sentences.as_mut() {
            Some(all) => {
                all.vstack_mut(&frame)?;
            }
            None => sentences = Some(frame),
        }
    }
    let mut sentences = sentences.context("no streams to measure")?;
    sentences.align_chunks_par();
    Ok((reduced, sentences))
}

/// The points of each curve with `x >= from`: the fit window.
pub fn window(curves: &[Curve], from: f64) -> Vec<Curve> {
    curves
        .iter()
        .map(|(x, y)| {
            x.iter()
                .copied()
                .zip(y.iter().copied())
                .filter(|(x, _)| *x >= from)
                .unzip()
        })
        .collect()
}

/// Checks an `[analysis]` fraction: `0 < value < 1`.
pub fn check_fraction(spec: &Spec, key: &str, value: f64) -> Result<()> {
    crate::error::ensure_config!(
        value > 0.0 && value < 1.0,
        "{}: {} = {value} is out of range: allowed 0 < {key} < 1",
        spec.path.display(),
        spec.analysis_key(key)
    );
    Ok(())
}

/// Checks an `[analysis]` value: `lo <= value <= hi`.
pub fn check_range<T: PartialOrd + std::fmt::Display>(
    spec: &Spec,
    key: &str,
    value: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<()> {
    crate::error::ensure_config!(
        range.contains(&value),
        "{}: {} = {value} is out of range: allowed {}..={}",
        spec.path.display(),
        spec.analysis_key(key),
        range.start(),
        range.end()
    );
    Ok(())
}

/// Checks an `[analysis]` value with only a least value: `value >= least`.
pub fn check_at_least<T: PartialOrd + std::fmt::Display>(
    spec: &Spec,
    key: &str,
    value: T,
    least: T,
) -> Result<()> {
    crate::error::ensure_config!(
        value >= least,
        "{}: {} = {value} is out of range: allowed {key} >= {least}",
        spec.path.display(),
        spec.analysis_key(key)
    );
    Ok(())
}

/// Checks an `[analysis]` value with only a lower end, itself excluded: `value > lower`
/// (NaN fails).
pub fn check_above(spec: &Spec, key: &str, value: f64, lower: f64) -> Result<()> {
    crate::error::ensure_config!(
        value > lower,
        "{}: {} = {value} is out of range: allowed {key} > {lower}",
        spec.path.display(),
        spec.analysis_key(key)
    );
    Ok(())
}

/// Checks a positive `[analysis]` value: `0 < value <= at_most`.
pub fn check_positive(spec: &Spec, key: &str, value: f64, at_most: f64) -> Result<()> {
    crate::error::ensure_config!(
        value > 0.0 && value <= at_most,
        "{}: {} = {value} is out of range: allowed 0 < {key} <= {at_most}",
        spec.path.display(),
        spec.analysis_key(key)
    );
    Ok(())
}

/// The first `x` of `curve` from which `y` stays below `floor` for good (the first point when
/// it always does; `None` when the last point is not below it).
pub fn settles_below(curve: &[(f64, f64)], floor: f64) -> Option<f64> {
    match curve.iter().rposition(|&(_, y)| y >= floor) {
        None => curve.first().map(|&(x, _)| x),
        Some(i) => curve.get(i + 1).map(|&(x, _)| x),
    }
}

/// The first 8 bytes of the SHA-256 of `text`, in hexadecimal: how skm names a text by its
/// content (a config, the sources, a corpus a frame was read from).
pub fn text_digest(text: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(text.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// `value` rounded for prose.
pub fn num(value: f64) -> String {
    skm_report::paper::format_number(value)
}

/// File-name-safe form of a point label.
pub fn slug(label: &str) -> String {
    label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod scope_tests {
    use super::scoped;

    #[test]
    fn a_scope_reads_stream_fit_and_regime() {
        let stream = "N = 1e6 sentences, 8 seeds";
        assert_eq!(
            scoped(stream, "fit over 2.75 decades", "exact streams"),
            "N = 1e6 sentences, 8 seeds, fit over 2.75 decades; exact streams"
        );
        assert_eq!(
            scoped(stream, "", "a transformer"),
            "N = 1e6 sentences, 8 seeds; a transformer"
        );
    }
}
