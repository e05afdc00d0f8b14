//! compression: one token stream coded six ways, in bits per token (C12).
//!
//! The oracle (`-log2 p` under the true parameters) and the Bayes learner (the mixture code of
//! the model class) code every token of the stream; a transformer codes it prequentially in one
//! pass (each batch is coded by the model as it is before training on it, so the summed
//! training losses are a code length a decoder can replay: `L = sum_s B T loss_s / ln 2`); gzip,
//! xz and zstd code the same tokens written as little-endian integers. Theory orders them
//! oracle < Bayes < any learner of the class, and a model of the source should beat coders
//! that know nothing of it.

use std::io::{Read, Write};

use anyhow::{Context, Result, ensure};
use polars::prelude::*;
use serde::Deserialize;
use skm_generator::Token;
use skm_report::{Claim, Figure, Scale, Series, Style, Verdict};
use skm_trainer::{ModelConfig, TrainConfig, Trainer};

use super::bayes_learning_curve::slug;
use super::training::{LossRows, configs, model_label};
use super::{
    Analysis, Env, Experiment, FigureOut, FrameSet, Frames, concat, floats, num, rows_where,
};
use crate::measure::measure;
use crate::spec::Spec;

pub struct Compression;

/// The `[analysis]` table: the settings of the general-purpose coders.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// gzip (flate2) level, 0..=9.
    gzip_level: u32,
    /// xz (liblzma) preset, 0..=9.
    xz_preset: u32,
    /// Whether the xz preset is or'ed with `PRESET_EXTREME` (`xz -9e`).
    xz_extreme: bool,
    /// zstd level, 1..=22.
    zstd_level: i32,
    /// zstd long-distance matching (`zstd --long`).
    zstd_long: bool,
    /// log2 of the zstd window in bytes, 10..=27 (27 is the largest every decoder accepts).
    zstd_window_log: u32,
}

/// The codes, in the order of the claim: `(key in the frames, name in figures and prose)`.
const CODERS: [(&str, &str); 6] = [
    ("oracle", "oracle"),
    ("bayes", "Bayes learner"),
    ("transformer", "transformer (prequential)"),
    ("gzip", "gzip"),
    ("xz", "xz"),
    ("zstd", "zstd"),
];

/// Bytes per token when the stream is written for the byte coders: the fewest of 1, 2 or 4
/// that hold every id `< vocab_size`.
fn token_width(vocab_size: usize) -> usize {
    match vocab_size {
        0..=0x100 => 1,
        0x101..=0x1_0000 => 2,
        _ => 4,
    }
}

/// `tokens` as `width`-byte little-endian integers, one after the other.
fn serialize(tokens: &[Token], width: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(tokens.len() * width);
    for &token in tokens {
        bytes.extend_from_slice(&token.to_le_bytes()[..width]);
    }
    bytes
}

/// One general-purpose coder with its settings.
#[derive(Clone, Copy)]
enum ByteCoder {
    Gzip {
        level: u32,
    },
    Xz {
        preset: u32,
    },
    Zstd {
        level: i32,
        long: bool,
        window_log: u32,
    },
}

impl ByteCoder {
    /// The three coders of `p`, in the order of [`CODERS`].
    fn all(p: &Params) -> [(&'static str, ByteCoder); 3] {
        let extreme = if p.xz_extreme {
            liblzma::stream::PRESET_EXTREME
        } else {
            0
        };
        [
            (
                "gzip",
                ByteCoder::Gzip {
                    level: p.gzip_level,
                },
            ),
            (
                "xz",
                ByteCoder::Xz {
                    preset: p.xz_preset | extreme,
                },
            ),
            (
                "zstd",
                ByteCoder::Zstd {
                    level: p.zstd_level,
                    long: p.zstd_long,
                    window_log: p.zstd_window_log,
                },
            ),
        ]
    }

    /// The coded bytes of `bytes` (a whole file: header and trailer included).
    fn encode(self, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
        match self {
            ByteCoder::Gzip { level } => {
                let mut encoder =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
                encoder.write_all(bytes)?;
                encoder.finish()
            }
            ByteCoder::Xz { preset } => {
                let mut encoder = liblzma::write::XzEncoder::new(Vec::new(), preset);
                encoder.write_all(bytes)?;
                encoder.finish()
            }
            ByteCoder::Zstd {
                level,
                long,
                window_log,
            } => {
                let mut encoder = zstd::stream::Encoder::new(Vec::new(), level)?;
                encoder.long_distance_matching(long)?;
                encoder.window_log(window_log)?;
                encoder.set_pledged_src_size(Some(bytes.len() as u64))?;
                encoder.write_all(bytes)?;
                encoder.finish()
            }
        }
    }

    /// The bytes `coded` decodes to.
    fn decode(self, coded: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::new();
        match self {
            ByteCoder::Gzip { .. } => {
                flate2::read::GzDecoder::new(coded).read_to_end(&mut out)?;
            }
            ByteCoder::Xz { .. } => {
                liblzma::read::XzDecoder::new(coded).read_to_end(&mut out)?;
            }
            ByteCoder::Zstd { .. } => out = zstd::stream::decode_all(coded)?,
        }
        Ok(out)
    }

    /// Coded size of `bytes` in bytes, after checking that it decodes back to `bytes`.
    fn size(self, name: &str, bytes: &[u8]) -> Result<usize> {
        let coded = self
            .encode(bytes)
            .with_context(|| format!("coding the stream with {name}"))?;
        let decoded = self
            .decode(&coded)
            .with_context(|| format!("decoding the {name} stream"))?;
        ensure!(
            decoded == bytes,
            "{name} does not decode to the stream it coded"
        );
        Ok(coded.len())
    }
}

/// What every row of `codes` says about its stream.
struct StreamKey<'a> {
    point: &'a str,
    alpha: f64,
    seed: u64,
    /// Tokens in the stream.
    tokens: u64,
    /// Bytes per token when written for the byte coders.
    token_bytes: usize,
}

/// Columns of the frames.
#[derive(Default)]
struct Rows {
    // codes: one row per (point, seed, coder)
    c_point: Vec<String>,
    c_alpha: Vec<f64>,
    c_seed: Vec<u64>,
    c_order: Vec<u32>,
    c_coder: Vec<&'static str>,
    c_tokens: Vec<u64>,
    c_stream_tokens: Vec<u64>,
    c_token_bytes: Vec<u32>,
    c_bits: Vec<f64>,
    training: LossRows,
}

impl Rows {
    /// One row of `codes`: `coder` spent `bits` on `tokens` tokens of `stream`.
    fn code(
        &mut self,
        stream: &StreamKey,
        coder: &'static str,
        tokens: u64,
        bits: f64,
    ) -> Result<()> {
        let order = CODERS
            .iter()
            .position(|&(key, _)| key == coder)
            .with_context(|| format!("unknown coder {coder:?}"))?;
        self.c_point.push(stream.point.into());
        self.c_alpha.push(stream.alpha);
        self.c_seed.push(stream.seed);
        self.c_order.push(order as u32);
        self.c_coder.push(coder);
        self.c_tokens.push(tokens);
        self.c_stream_tokens.push(stream.tokens);
        self.c_token_bytes.push(stream.token_bytes as u32);
        self.c_bits.push(bits);
        Ok(())
    }

    fn frames(self) -> Result<Frames> {
        let per_token: Vec<f64> = self
            .c_bits
            .iter()
            .zip(&self.c_tokens)
            .map(|(&bits, &tokens)| bits / tokens as f64)
            .collect();
        let codes = df!(
            "point" => self.c_point,
            "alpha" => self.c_alpha,
            "seed" => self.c_seed,
            "order" => self.c_order,
            "coder" => self.c_coder,
            "coded_tokens" => self.c_tokens,
            "stream_tokens" => self.c_stream_tokens,
            "token_bytes" => self.c_token_bytes,
            "bits" => self.c_bits,
            "bits_per_token" => per_token,
        )?;
        let training = self.training.frame()?;
        Ok(Frames::from([
            ("codes".to_string(), codes),
            ("training".to_string(), training),
        ]))
    }
}

/// Full batches of `B` windows of `T` tokens in a stream of `tokens` tokens:
/// `floor(floor((tokens - 1) / T) / B)`, the steps of one prequential pass.
fn full_batches(tokens: usize, context: usize, batch: usize) -> usize {
    tokens.saturating_sub(1) / context / batch
}

/// The training config of one pass over a stream with `batches` full batches: `steps =
/// min(train.steps, batches)` (so the cosine decay ends with the pass) and the warmup capped
/// at it; the seed is offset by the seed's index, as in train-smoke.
fn pass_config(train: &TrainConfig, batches: usize, index: usize) -> TrainConfig {
    let steps = train.steps.min(batches);
    TrainConfig {
        seed: train.seed.wrapping_add(index as u64),
        steps,
        warmup_steps: train.warmup_steps.min(steps),
        ..train.clone()
    }
}

impl Experiment for Compression {
    fn name(&self) -> &'static str {
        "compression"
    }

    fn check(&self, spec: &Spec) -> Result<()> {
        let p: Params = spec.analysis()?;
        let file = spec.path.display();
        configs(spec)?;
        ensure!(
            p.gzip_level <= 9,
            "{file}: analysis.gzip_level = {} is out of range: allowed 0..=9",
            p.gzip_level
        );
        ensure!(
            p.xz_preset <= 9,
            "{file}: analysis.xz_preset = {} is out of range: allowed 0..=9",
            p.xz_preset
        );
        ensure!(
            (1..=22).contains(&p.zstd_level),
            "{file}: analysis.zstd_level = {} is out of range: allowed 1..=22",
            p.zstd_level
        );
        ensure!(
            (10..=27).contains(&p.zstd_window_log),
            "{file}: analysis.zstd_window_log = {} is out of range: allowed 10..=27",
            p.zstd_window_log
        );
        Ok(())
    }

    fn compute(&self, spec: &Spec, env: &Env<'_>) -> Result<Frames> {
        let progress = env.progress;
        let p: Params = spec.analysis()?;
        let (model_config, train_config) = configs(spec)?;
        let device = spec.device.unwrap_or_default().device()?;
        let mut rows = Rows::default();
        let mut sentences = Vec::new();
        for point in &spec.points {
            for (index, &seed) in spec.seeds.iter().enumerate() {
                let generator = spec.generator_at(point, seed);
                progress.set_message("oracle and Bayes learner");
                let stream = measure(&point.label, &generator, spec.sentences, &())?;
                let corpus = &stream.corpus;
                let tokens = &corpus.tokens;
                let n_tokens = tokens.len() as u64;
                let label = point.label.as_str();
                let vocab_size = corpus.world.vocabulary.size();
                let key = StreamKey {
                    point: label,
                    alpha: generator.alpha,
                    seed,
                    tokens: n_tokens,
                    token_bytes: token_width(vocab_size),
                };
                let oracle: f64 = stream.oracle.iter().map(|r| r.total()).sum();
                let bayes: f64 = stream.bayes.iter().map(|r| r.total()).sum();
                rows.code(&key, "oracle", n_tokens, oracle)?;
                rows.code(&key, "bayes", n_tokens, bayes)?;

                // The transformer: one prequential pass.
                let model = ModelConfig {
                    vocab_size,
                    ..model_config.clone()
                };
                let batches = full_batches(tokens.len(), model.context, train_config.batch_size);
                ensure!(
                    batches >= 1,
                    "{}: the stream of {label} seed {seed} has {} tokens, fewer than one batch of \
                     train.batch_size x model.context + 1 = {} tokens: raise profiles.{}.sentences",
                    spec.path.display(),
                    tokens.len(),
                    train_config.batch_size * model.context + 1,
                    spec.profile.as_str()
                );
                let train = pass_config(train_config, batches, index);
                let tokens_per_step = (train.batch_size * model.context) as u64;
                let mut trainer = Trainer::new(&model, &train, &device)?;
                let mut counted = 0;
                let code = skm_trainer::prequential(&mut trainer, tokens, |_, outcome| {
                    rows.training.push(&point.label, seed, outcome);
                    // Sentences whose tokens are all coded so far (targets 1..=coded).
                    let coded = (outcome.step as u64 + 1) * tokens_per_step;
                    let done = corpus.offsets[1..].partition_point(|&o| o as u64 <= coded + 1);
                    progress.inc((done - counted) as u64);
                    counted = done;
                    progress.trained(tokens_per_step, outcome.loss);
                    Ok(())
                })
                .with_context(|| format!("coding {label} seed {seed} with the transformer"))?;
                progress.inc((corpus.sentences.len() - counted) as u64);
                rows.code(&key, "transformer", code.tokens, code.bits)?;

                // The general-purpose coders, on the whole stream.
                progress.set_message("gzip, xz, zstd");
                let bytes = serialize(tokens, key.token_bytes);
                for (name, coder) in ByteCoder::all(&p) {
                    let size = coder.size(name, &bytes)?;
                    rows.code(&key, name, n_tokens, 8.0 * size as f64)?;
                }
                sentences.push(stream.sentences_frame()?);
            }
        }
        let mut frames = rows.frames()?;
        frames.insert("sentences".into(), concat(sentences)?);
        Ok(frames)
    }

    fn analyse(&self, spec: &Spec, frames: &Frames) -> Result<Analysis> {
        let p: Params = spec.analysis()?;
        let (model_config, train_config) = configs(spec)?;
        let mut claims = Vec::new();
        let mut figures = Vec::new();
        let mut prose = Vec::new();
        let several = spec.points.len() > 1;
        for point in &spec.points {
            let codes = rows_where(frames.frame("codes")?, "point", &point.label)?;
            let training = rows_where(frames.frame("training")?, "point", &point.label)?;
            // bits/token of each coder, one value per seed, in seed order.
            let per_seed = |coder: &str| -> Result<Vec<f64>> {
                floats(&rows_where(&codes, "coder", coder)?, "bits_per_token")
            };
            let mut values = Vec::new();
            for (key, _) in CODERS {
                let v = per_seed(key)?;
                ensure!(
                    !v.is_empty(),
                    "compression: no {key} rows at {}",
                    point.label
                );
                values.push(v);
            }
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            let means: Vec<f64> = values.iter().map(|v| mean(v)).collect();
            let seeds = values[0].len();
            // The order must hold on every seed.
            let ordered = (0..seeds).all(|s| {
                let at = |c: usize| values[c].get(s).copied().unwrap_or(f64::NAN);
                let best_coder = at(3).min(at(4)).min(at(5));
                at(0) < at(1) && at(1) < at(2) && at(2) < best_coder
            });
            let transformer = &values[2];
            let (lo, hi) = transformer
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                });
            let transformer_rows = rows_where(&codes, "coder", "transformer")?;
            let coded = mean(&floats(&transformer_rows, "coded_tokens")?);
            let stream_tokens = mean(&floats(&transformer_rows, "stream_tokens")?);
            let steps = floats(&training, "step")?.into_iter().fold(-1.0, f64::max) + 1.0;
            // The transformer's rate at the end of the pass: its mean loss over the last tenth
            // of the steps (seeds pooled), in bits.
            let losses = floats(&training, "loss_nats")?;
            let late: Vec<f64> = floats(&training, "step")?
                .into_iter()
                .zip(&losses)
                .filter(|&(step, _)| step >= (0.9 * steps).floor())
                .map(|(_, &loss)| loss / std::f64::consts::LN_2)
                .collect();
            let late_bits = mean(&late);
            let listing = CODERS
                .iter()
                .zip(&means)
                .map(|(&(_, name), &m)| format!("{name} {}", num(m)))
                .collect::<Vec<_>>()
                .join(", ");
            let claim = Claim {
                id: "C12".into(),
                variant: format!("{} order", point.label),
                experiment: self.name().into(),
                statement: "Bits per token order as oracle < Bayes learner < transformer (prequential, one pass), and the transformer beats gzip, xz and zstd on the same stream".into(),
                measured: means[2],
                theory: means[1],
                lo,
                hi,
                verdict: Verdict::from_bool(ordered),
                detail: format!(
                    "Seed-mean bits per token ({seeds} seed(s)): {listing}; the transformer's prequential code covers the {} tokens of its full batches ({} steps) of the {} in the stream, the others the whole stream. measured = the transformer's bits/token, theory = the Bayes learner's (the floor of a learner of the model class), interval = the transformer's range over seeds; PASS when oracle < Bayes < transformer < min(gzip, xz, zstd) on every seed.",
                    num(coded),
                    num(steps),
                    num(stream_tokens),
                ),
            };

            // Figure: one outlined bar per coder (seed mean), the seeds as dots.
            let mut series = Vec::new();
            for (i, (&(_, name), &m)) in CODERS.iter().zip(&means).enumerate() {
                let x = i as f64;
                let half = 0.35;
                series.push(Series {
                    label: format!("{i}: {name}, {}", num(m)),
                    points: vec![
                        (x - half, 0.0),
                        (x - half, m),
                        (x + half, m),
                        (x + half, 0.0),
                        (x - half, 0.0),
                    ],
                    style: Style::Line,
                    color: i,
                });
                if seeds > 1 {
                    series.push(Series {
                        label: String::new(),
                        points: values[i].iter().map(|&v| (x, v)).collect(),
                        style: Style::Points,
                        color: i,
                    });
                }
            }
            let title = if several {
                format!("Bits per token on the same stream, {}", point.label)
            } else {
                "Bits per token on the same stream".to_string()
            };
            figures.push(FigureOut {
                stem: format!("codes-{}", slug(&point.label)),
                caption: format!(
                    "Bits per token of one stream ({}, {} tokens, mean over {} seed(s){}) under six codes: the oracle and the Bayes learner (every token), a {} transformer coding it prequentially in one pass ({} of the tokens: those of its {} full batches; it transmits no weights, since a decoder replays the training), and gzip, xz and zstd on the tokens written as {}-byte integers (whole files, headers included). Compare per token.",
                    point.label,
                    num(stream_tokens),
                    seeds,
                    if seeds > 1 { ", each seed a dot" } else { "" },
                    model_label(model_config),
                    num(coded),
                    num(steps),
                    num(mean(&floats(&transformer_rows, "token_bytes")?)),
                ),
                panels: vec![Figure {
                    title,
                    x_label: "code (0 oracle, 1 Bayes, 2 transformer, 3 gzip, 4 xz, 5 zstd)".into(),
                    y_label: "bits per token".into(),
                    x_scale: Scale::Linear,
                    y_scale: Scale::Linear,
                    series,
                    markers: Vec::new(),
                }],
            });

            let best = CODERS[3..]
                .iter()
                .zip(&means[3..])
                .min_by(|a, b| a.1.total_cmp(b.1))
                .map(|(&(_, name), &m)| (name, m))
                .context("no byte coder")?;
            prose.push(format!(
                "At {}: the oracle needs {} bits per token, the Bayes learner {} ({} more), and the transformer {} over one pass ({} times the Bayes learner's excess over the oracle; over the last tenth of the pass its batches cost {} bits per token). The best general-purpose coder is {} at {} bits per token (gzip {}, xz {}, zstd {}), so the transformer's code is {} bits per token {} than it. C12 **{}**.",
                point.label,
                num(means[0]),
                num(means[1]),
                num(means[1] - means[0]),
                num(means[2]),
                num((means[2] - means[0]) / (means[1] - means[0])),
                num(late_bits),
                best.0,
                num(best.1),
                num(means[3]),
                num(means[4]),
                num(means[5]),
                num((means[2] - best.1).abs()),
                if means[2] < best.1 { "shorter" } else { "longer" },
                claim.verdict,
            ));
            claims.push(claim);
        }
        let extreme = if p.xz_extreme { "e" } else { "" };
        let body = format!(
            "One stream of {} sentences per seed is coded six ways. The oracle knows every parameter; the Bayes learner knows the model class and learns the rest as it reads; both code every token, and their bits are exact. A {} transformer ({} parameters) codes the stream prequentially: batches of {} consecutive windows of {} tokens, in order, each coded by the model as it stands and then trained on, once (AdamW, peak rate {}, warmup of at most {} steps, cosine decay to {} at the end of the pass). The summed losses are a real code length: a decoder that runs the same training from the same seed recovers every batch before it trains on it, so no weights are transmitted; this is prequential MDL (Rissanen; Blier and Ollivier 2018). The general-purpose coders compress the same tokens as little-endian integers: gzip -{} (flate2), xz -{}{} (liblzma) and zstd -{}{} (window 2^{} bytes), each checked to decode back to the stream. Theory orders the codes oracle < Bayes learner < any learner of the class, since the Bayes mixture is the shortest code on average over the model's prior; a transformer that has learned the source should also beat coders that know nothing of it.\n\n{}",
            spec.sentences,
            model_label(model_config),
            model_config.parameters(),
            train_config.batch_size,
            model_config.context,
            train_config.learning_rate,
            train_config.warmup_steps,
            train_config.min_learning_rate,
            p.gzip_level,
            p.xz_preset,
            extreme,
            p.zstd_level,
            if p.zstd_long { " --long" } else { "" },
            p.zstd_window_log,
            prose.join("\n\n"),
        );
        Ok(Analysis {
            figures,
            claims,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_take_the_fewest_whole_bytes() {
        assert_eq!(token_width(2), 1);
        assert_eq!(token_width(256), 1);
        assert_eq!(token_width(257), 2);
        assert_eq!(token_width(65_536), 2);
        assert_eq!(token_width(65_537), 4);
        assert_eq!(serialize(&[1, 258], 2), vec![1, 0, 2, 1]);
        assert_eq!(serialize(&[7, 255], 1), vec![7, 255]);
    }

    #[test]
    fn one_pass_has_as_many_steps_as_full_batches() {
        // 99 targets make 12 windows of 8, 4 batches of 3.
        assert_eq!(full_batches(100, 8, 3), 4);
        assert_eq!(full_batches(24, 8, 3), 0);
        assert_eq!(full_batches(0, 8, 3), 0);
        let train = TrainConfig {
            steps: 1_000,
            warmup_steps: 10,
            ..TrainConfig::spec()
        };
        let pass = pass_config(&train, 4, 2);
        assert_eq!((pass.steps, pass.warmup_steps, pass.seed), (4, 4, 2));
        assert!(pass.validate().is_ok());
        let capped = pass_config(&train, 5_000, 0);
        assert_eq!((capped.steps, capped.warmup_steps), (1_000, 10));
    }

    #[test]
    fn byte_coders_round_trip_and_compress_repetition() {
        let p = Params {
            gzip_level: 9,
            xz_preset: 9,
            xz_extreme: true,
            zstd_level: 22,
            zstd_long: true,
            zstd_window_log: 27,
        };
        let tokens: Vec<Token> = (0..20_000).map(|i| (i % 7) * 40).collect();
        let bytes = serialize(&tokens, 2);
        for (name, coder) in ByteCoder::all(&p) {
            let size = coder.size(name, &bytes).unwrap();
            assert!(size > 0 && size < bytes.len() / 20, "{name}: {size}");
        }
    }
}
