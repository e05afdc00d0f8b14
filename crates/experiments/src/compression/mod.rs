//! compression: one token stream coded six ways, in bits per token (C12).
//!
//! The oracle (`-log2 p` under the true parameters) and the Bayes learner (the mixture code of
//! the model class) code every token of the stream; a transformer codes it prequentially in one
//! pass (each batch is coded by the model as it is before training on it, so the summed
//! training losses are a code length a decoder can replay: `L = sum_s B T loss_s / ln 2`); gzip,
//! xz and zstd code the same tokens written as little-endian integers. Theory orders them
//! oracle < Bayes < any learner of the class, and a model of the source should beat coders
//! that know nothing of it.
//!
//! [`params`] holds the `[analysis]` table, [`schema`] the frame's columns, [`coders`] gzip, xz
//! and zstd, [`compute`] the frames, [`codes`] what the analysis reads off them, [`claims`] the
//! rule of C12, [`figures`] and [`text`] the figure and the prose.

mod claims;
mod coders;
mod codes;
mod compute;
mod figures;
mod params;
mod schema;
mod text;

use crate::error::Result;

use self::codes::Codes;
use self::params::Params;
use super::training::configs;
use super::{Analysis, Env, Experiment, Frames};
use crate::spec::Spec;

pub struct Compression;

/// The codes, in the order of the claim: `(key in the frames, name in figures and prose)`.
const CODERS: [(&str, &str); 6] = [
    ("oracle", "oracle"),
    ("bayes", "Bayes learner"),
    ("transformer", "transformer (prequential)"),
    ("gzip", "gzip"),
    ("xz", "xz"),
    ("zstd", "zstd"),
];

impl Experiment for Compression {
    fn name(&self) -> &'static str {
        "compression"
    }

    fn check(&self, spec: &Spec) -> Result<()> {
        params::check(spec)
    }

    fn compute(&self, spec: &Spec, env: &Env<'_>) -> Result<Frames> {
        compute::frames(spec, env)
    }

    fn analyse(&self, spec: &Spec, frames: &Frames) -> Result<Analysis> {
        let p: Params = spec.analysis()?;
        let configs = configs(spec)?;
        let several = spec.points.len() > 1;
        let mut analysis = Analysis::default();
        let mut prose = Vec::new();
        for point in &spec.points {
            let label = point.label.as_str();
            let codes = Codes::read(frames, label)?;
            let claim = claims::c12(self.name(), label, &codes);
            analysis
                .figures
                .push(figures::figure(label, &codes, configs.0, several));
            prose.push(text::point_paragraph(label, &codes, &claim)?);
            analysis.claims.push(claim);
        }
        analysis.body = text::body(spec, &p, configs, &prose);
        Ok(analysis)
    }

    fn regime(&self, spec: &Spec) -> String {
        // Its step budget is no cap: the pass sets the steps (one per full batch).
        format!(
            "{} coding the stream prequentially in one pass",
            crate::training::transformer_shape(spec)
        )
    }
}
