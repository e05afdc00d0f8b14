//! The section's prose: how the six codes are made, then per point what they cost.

use crate::error::{Context, Result};
use skm_report::Claim;
use skm_trainer::{ModelConfig, TrainConfig};

use super::CODERS;
use super::codes::Codes;
use super::params::Params;
use crate::num;
use crate::spec::Spec;
use crate::training::model_label;

/// The paragraph of point `label`: each code's cost and C12's verdict (with the reason when
/// it is not measurable).
pub(super) fn point_paragraph(label: &str, codes: &Codes, c12: &Claim) -> Result<String> {
    let m = &codes.means;
    let (best, best_bits) = CODERS[3..]
        .iter()
        .zip(&m[3..])
        .min_by(|a, b| a.1.total_cmp(b.1))
        .map(|(&(_, name), &m)| (name, m))
        .context("no byte coder")?;
    let (oracle, bayes, transformer) = (num(m[0]), num(m[1]), num(m[2]));
    let redundancy = num(m[1] - m[0]);
    let excess_ratio = num((m[2] - m[0]) / (m[1] - m[0]));
    let late = num(codes.late_bits);
    let (gzip, xz, zstd) = (num(m[3]), num(m[4]), num(m[5]));
    let gap = num((m[2] - best_bits).abs());
    let shorter = if m[2] < best_bits {
        "shorter"
    } else {
        "longer"
    };
    let best_bits = num(best_bits);
    let verdict = c12.verdict();
    let reason = c12
        .reason()
        .map_or(String::new(), |r| format!(" (not measurable: {r})"));
    Ok(format!(
        "At {label}: the oracle needs {oracle} bits per token, the Bayes learner {bayes} ({redundancy} more), and the transformer {transformer} over one pass ({excess_ratio} times the Bayes learner's excess over the oracle; over the last tenth of the pass its batches cost {late} bits per token). The best general-purpose coder is {best} at {best_bits} bits per token (gzip {gzip}, xz {xz}, zstd {zstd}), so the transformer's code is {gap} bits per token {shorter} than it. C12 **{verdict}**{reason}."
    ))
}

/// The section: the six codes, then the paragraphs of every point.
pub(super) fn body(
    spec: &Spec,
    p: &Params,
    (model, train): (&ModelConfig, &TrainConfig),
    prose: &[String],
) -> String {
    let sentences = spec.sentences;
    let (label, parameters) = (model_label(model), model.parameters());
    let (batch, context) = (train.batch_size, model.context);
    let (rate, warmup, min_rate) = (
        train.learning_rate,
        train.warmup_steps,
        train.min_learning_rate,
    );
    let gzip = p.gzip_level;
    let xz = format!("{}{}", p.xz_preset, if p.xz_extreme { "e" } else { "" });
    let zstd = format!(
        "{}{}",
        p.zstd_level,
        if p.zstd_long { " --long" } else { "" }
    );
    let window = p.zstd_window_log;
    let points = prose.join("\n\n");
    format!(
        "One stream of {sentences} sentences per seed is coded six ways. The oracle knows every parameter; the Bayes learner knows the model class and learns the rest as it reads; both code every token, and their bits are exact. A {label} transformer ({parameters} parameters) codes the stream prequentially: batches of {batch} consecutive windows of {context} tokens, in order, each coded by the model as it stands and then trained on, once (AdamW, peak rate {rate}, warmup of at most {warmup} steps, cosine decay to {min_rate} at the end of the pass). The summed losses are a real code length: a decoder that runs the same training from the same seed recovers every batch before it trains on it, so no weights are transmitted; this is prequential MDL (Rissanen; Blier and Ollivier 2018). The general-purpose coders compress the same tokens as little-endian integers: gzip -{gzip} (flate2), xz -{xz} (liblzma) and zstd -{zstd} (window 2^{window} bytes), each checked to decode back to the stream. Theory orders the codes oracle < Bayes learner < any learner of the class, since the Bayes mixture is the shortest code on average over the model's prior; a transformer that has learned the source should also beat coders that know nothing of it.\n\n{points}"
    )
}
