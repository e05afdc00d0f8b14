//! real-text: Zipf's and Heaps' laws of the words of a real English corpus, the alpha they
//! imply, and the scaling exponents the theory predicts from it beside published ones (C13).
//!
//! The corpus is the output of a program a package installs (by default Debian's `bible`
//! from `bible-kjv`, which prints the King James Bible of `bible-kjv-text`, public domain).
//! Where the program is missing the experiment is skipped with the command that installs it,
//! and the rest of `reproduce` runs.
//!
//! [`params`] holds the `[analysis]` table, [`schema`] the frames' columns, [`compute`] the frames,
//! [`fits`] the power laws read off them, [`claims`] the rule of C13, [`figures`] and [`text`] the
//! figure and the prose.

mod claims;
mod compute;
mod figures;
mod fits;
mod params;
mod schema;
mod text;

use crate::error::Result;

use self::claims::Exponent;
use self::fits::Fits;
use self::params::Params;
use super::{Analysis, Env, Experiment, Frames, TextSource};
use crate::spec::Spec;

pub struct RealText;

impl Experiment for RealText {
    fn name(&self) -> &'static str {
        "real-text"
    }

    fn check(&self, spec: &Spec) -> Result<()> {
        params::check(spec)
    }

    fn text_source(&self, spec: &Spec) -> Result<Option<TextSource>> {
        let p: Params = spec.analysis()?;
        Ok(Some(TextSource {
            program: p.program,
            arguments: p.arguments,
            install: p.install,
        }))
    }

    fn work(&self, spec: &Spec) -> u64 {
        spec.sentences
    }

    fn unit(&self) -> &'static str {
        "lines"
    }

    fn compute(&self, spec: &Spec, env: &Env<'_>) -> Result<Frames> {
        compute::frames(spec, env)
    }

    fn analyse(&self, spec: &Spec, frames: &Frames) -> Result<Analysis> {
        let p: Params = spec.analysis()?;
        let fits = Fits::read(frames, &p)?;
        let (heaps_replicates, zipf_replicates) = fits::jackknife_alphas(frames, &p)?;
        // Both estimates of alpha are checked: they disagree for natural text, and the
        // verdict depends on which one is used.
        let sources = [
            (
                "Heaps",
                (fits.alpha(), &heaps_replicates),
                claims::heaps_source(&fits, &p),
            ),
            (
                "Zipf",
                (fits.alpha_zipf(), &zipf_replicates),
                claims::zipf_source(&fits),
            ),
        ];
        let claims = sources.map(|(name, (alpha, replicates), source)| {
            [Exponent::Data, Exponent::Parameters]
                .map(|e| claims::c13(self.name(), e, name, (alpha, replicates), &source))
        });
        let [[heaps_data, heaps_parameters], [zipf_data, zipf_parameters]] = claims;
        let claims = [heaps_data, heaps_parameters, zipf_data, zipf_parameters];
        Ok(Analysis {
            figures: vec![figures::figure(&p, &fits)],
            body: text::body(&p, &fits, (&heaps_replicates, &zipf_replicates), &claims),
            claims: claims.into(),
        })
    }

    fn regime(&self, _spec: &Spec) -> String {
        "the words of one real corpus, no learner".into()
    }
}
