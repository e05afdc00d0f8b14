//! Batches from a token stream, and the reference data of `shared/bench/SPEC.md`.
//!
//! Training batches are random windows of the stream: the window of sequence `i` of step `s`
//! starts at a position drawn from the splitmix64 stream of `(seed, s)`, so the batch of a
//! step is a pure function of the seed and the step number. That makes resuming exact (no
//! sampler state to save) and keeps the data order independent of everything else.

use skm_generator::Token;

use crate::init::SplitMix64;
use crate::{Result, TrainerError};

/// `B` sequences of `T` input tokens and their `T` next-token targets, row-major.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    /// Sequences `B`.
    pub batch: usize,
    /// Tokens per sequence `T`.
    pub context: usize,
    /// `inputs[i T + t]`: token `t` of sequence `i`.
    pub inputs: Vec<Token>,
    /// `targets[i T + t]`: the token after `inputs[i T + t]`.
    pub targets: Vec<Token>,
}

/// Checks that every token is below `vocab_size`.
pub fn check_tokens(tokens: &[Token], vocab_size: usize) -> Result<()> {
    match tokens.iter().position(|&t| t as usize >= vocab_size) {
        Some(position) => Err(TrainerError::TokenOutOfRange {
            token: tokens[position],
            position,
            vocab_size,
        }),
        None => Ok(()),
    }
}

/// Random windows of a training stream: the batches of training.
#[derive(Clone, Debug)]
pub struct WindowSampler<'a> {
    tokens: &'a [Token],
    context: usize,
    batch: usize,
    seed: u64,
}

/// Salt of the data-order stream, so it never coincides with an initialisation stream.
const DATA_SALT: u64 = 0xD1B5_4A32_D192_ED03;

impl<'a> WindowSampler<'a> {
    /// Windows of `context + 1` tokens of `tokens` (inputs and shifted targets), `batch` per
    /// step. Fails when the stream is shorter than one window or has a token outside the
    /// vocabulary.
    pub fn new(
        tokens: &'a [Token],
        context: usize,
        batch: usize,
        vocab_size: usize,
        seed: u64,
    ) -> Result<Self> {
        if tokens.len() < context + 1 {
            return Err(TrainerError::StreamTooShort {
                what: "training",
                tokens: tokens.len(),
                needed: context + 1,
            });
        }
        check_tokens(tokens, vocab_size)?;
        Ok(WindowSampler {
            tokens,
            context,
            batch,
            seed,
        })
    }

    /// The batch of step `step`: window starts uniform on `0..=len - T - 1`, drawn from
    /// `splitmix64(seed ^ salt + step * 2^32)`.
    pub fn batch(&self, step: usize) -> Batch {
        let t = self.context;
        let starts = (self.tokens.len() - t) as u64;
        let stream = (self.seed ^ DATA_SALT).wrapping_add((step as u64).wrapping_mul(1 << 32));
        let mut rng = SplitMix64::new(stream);
        let mut inputs = Vec::with_capacity(self.batch * t);
        let mut targets = Vec::with_capacity(self.batch * t);
        for _ in 0..self.batch {
            let start = rng.below(starts) as usize;
            inputs.extend_from_slice(&self.tokens[start..start + t]);
            targets.extend_from_slice(&self.tokens[start + 1..start + t + 1]);
        }
        Batch {
            batch: self.batch,
            context: t,
            inputs,
            targets,
        }
    }
}

/// The stream cut into consecutive windows, in order: the batches of one pass.
///
/// Window `w` has inputs `tokens[w T..(w + 1) T]` and the targets one position later; batch
/// `s` holds windows `s B..(s + 1) B`. Every target after the first token is in exactly one
/// window, until the last full batch; the tail that does not fill a batch is left out.
#[derive(Clone, Debug)]
pub struct SequentialBatches<'a> {
    tokens: &'a [Token],
    context: usize,
    batch: usize,
}

impl<'a> SequentialBatches<'a> {
    /// Fails when the stream has no full batch or a token outside the vocabulary.
    pub fn new(
        tokens: &'a [Token],
        context: usize,
        batch: usize,
        vocab_size: usize,
    ) -> Result<Self> {
        let needed = context * batch + 1;
        if tokens.len() < needed {
            return Err(TrainerError::StreamTooShort {
                what: "training",
                tokens: tokens.len(),
                needed,
            });
        }
        check_tokens(tokens, vocab_size)?;
        Ok(SequentialBatches {
            tokens,
            context,
            batch,
        })
    }

    /// Full batches in the stream: `floor(floor((len - 1) / T) / B)`.
    pub fn len(&self) -> usize {
        (self.tokens.len() - 1) / self.context / self.batch
    }

    /// Always false: a stream without a full batch is refused by [`SequentialBatches::new`].
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Batch `step` (`step < len()`).
    pub fn batch(&self, step: usize) -> Batch {
        let t = self.context;
        let start = step * self.batch * t;
        let span = self.batch * t;
        let inputs = self.tokens[start..start + span].to_vec();
        let targets = self.tokens[start + 1..start + span + 1].to_vec();
        Batch {
            batch: self.batch,
            context: t,
            inputs,
            targets,
        }
    }
}

/// One evaluation window: `tokens[start..start + len + 1]` gives `len` inputs and targets, of
/// which the targets at offsets `score_from..len` are scored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// First input position in the stream.
    pub start: usize,
    /// Inputs in the window (at most the context).
    pub len: usize,
    /// First scored offset within the window.
    pub score_from: usize,
}

/// Sliding windows that score every token of `tokens` except the first exactly once, each with
/// at least `context / 2` tokens of history (or all of it, near the start).
///
/// Windows of `T = context` inputs advance by `S = max(1, T / 2)`; the first window scores all
/// its targets, later ones only their last `S`. The target at stream position `p >= 1` is
/// scored in exactly one window. Fails when the stream has fewer than 2 tokens.
pub fn eval_windows(tokens: usize, context: usize) -> Result<Vec<Window>> {
    if tokens < 2 {
        return Err(TrainerError::StreamTooShort {
            what: "held-out",
            tokens,
            needed: 2,
        });
    }
    let targets = tokens - 1;
    let stride = (context / 2).max(1);
    let mut windows = vec![Window {
        start: 0,
        len: context.min(targets),
        score_from: 0,
    }];
    let mut scored = context.min(targets);
    while scored < targets {
        // The next window ends `stride` targets later (or at the end of the stream).
        let end = (scored + stride).min(targets);
        let start = end.saturating_sub(context);
        windows.push(Window {
            start,
            len: end - start,
            score_from: scored - start,
        });
        scored = end;
    }
    Ok(windows)
}

/// The reference data of `shared/bench/SPEC.md`, parameterised like `torch_reference.py`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpecData {
    /// Batches (steps).
    pub steps: usize,
    /// Sequences per batch.
    pub batch: usize,
    /// Tokens per sequence.
    pub context: usize,
    /// Vocabulary size.
    pub vocab_size: usize,
    /// splitmix64 seed (42 in the SPEC).
    pub seed: u64,
}

impl SpecData {
    /// The SPEC defaults: 35 steps of 32 sequences of 128 tokens, vocabulary 512, seed 42.
    pub fn spec() -> Self {
        SpecData {
            steps: 35,
            batch: 32,
            context: 128,
            vocab_size: 512,
            seed: 42,
        }
    }

    /// All batches, in order. Per sequence: `t0 = next() % V`, then per token `r = next()`:
    /// `(r >> 8) % V` if `r & 3 == 0`, else `(3 prev + 7) % V`; 129 tokens give inputs
    /// `seq[..128]` and targets `seq[1..]`.
    pub fn batches(&self) -> Vec<Batch> {
        let v = self.vocab_size as u64;
        let mut rng = SplitMix64::new(self.seed);
        let mut sequence = Vec::with_capacity(self.context + 1);
        (0..self.steps)
            .map(|_| {
                let mut batch = Batch {
                    batch: self.batch,
                    context: self.context,
                    inputs: Vec::with_capacity(self.batch * self.context),
                    targets: Vec::with_capacity(self.batch * self.context),
                };
                for _ in 0..self.batch {
                    sequence.clear();
                    let mut prev = rng.next_u64() % v;
                    sequence.push(prev as Token);
                    for _ in 0..self.context {
                        let r = rng.next_u64();
                        prev = if r & 3 == 0 {
                            (r >> 8) % v
                        } else {
                            (3 * prev + 7) % v
                        };
                        sequence.push(prev as Token);
                    }
                    batch.inputs.extend_from_slice(&sequence[..self.context]);
                    batch.targets.extend_from_slice(&sequence[1..]);
                }
                batch
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eval_windows_score_every_target_once() {
        for (tokens, context) in [(2, 4), (5, 4), (6, 4), (100, 8), (101, 7), (33, 1), (9, 64)] {
            let windows = eval_windows(tokens, context).expect("windows");
            let mut scored = vec![0u32; tokens];
            for w in &windows {
                assert!(w.len <= context && w.start + w.len < tokens, "{w:?}");
                for offset in w.score_from..w.len {
                    scored[w.start + offset + 1] += 1;
                }
                if w.start > 0 {
                    assert!(w.score_from >= (context / 2).min(w.len), "{w:?}");
                }
            }
            assert_eq!(scored[0], 0);
            assert!(scored[1..].iter().all(|&c| c == 1), "{tokens} {context}");
        }
        assert!(eval_windows(1, 4).is_err());
    }

    #[test]
    fn sampler_windows_are_shifted_slices_and_deterministic() {
        let tokens: Vec<Token> = (0..1000).map(|i| (i * 7 % 50) as Token).collect();
        let sampler = WindowSampler::new(&tokens, 16, 4, 50, 3).expect("sampler");
        let a = sampler.batch(5);
        assert_eq!(a, sampler.batch(5));
        assert_ne!(a, sampler.batch(6));
        for i in 0..4 {
            let x = &a.inputs[i * 16..(i + 1) * 16];
            let y = &a.targets[i * 16..(i + 1) * 16];
            assert_eq!(&x[1..], &y[..15]);
        }
        assert!(matches!(
            WindowSampler::new(&tokens, 16, 4, 40, 3),
            Err(TrainerError::TokenOutOfRange { .. })
        ));
        assert!(matches!(
            WindowSampler::new(&tokens[..16], 16, 4, 50, 3),
            Err(TrainerError::StreamTooShort { .. })
        ));
    }

    #[test]
    fn sequential_batches_tile_the_stream_in_order() {
        let tokens: Vec<Token> = (0..100).map(|i| (i % 50) as Token).collect();
        let batches = SequentialBatches::new(&tokens, 8, 3, 50).expect("batches");
        // 99 targets make 12 windows of 8, 4 batches of 3.
        assert_eq!(batches.len(), 4);
        let mut inputs = Vec::new();
        for s in 0..batches.len() {
            let b = batches.batch(s);
            assert_eq!(b.inputs.len(), 24);
            assert_eq!(&b.inputs[1..], &b.targets[..23]);
            inputs.extend(b.inputs);
        }
        assert_eq!(inputs, tokens[..96]);
        assert!(SequentialBatches::new(&tokens[..24], 8, 3, 50).is_err());
        assert!(SequentialBatches::new(&tokens, 8, 3, 40).is_err());
    }

    #[test]
    fn spec_data_follows_the_recurrence() {
        let batches = SpecData::spec().batches();
        assert_eq!(batches.len(), 35);
        let b = &batches[0];
        assert_eq!(b.inputs.len(), 32 * 128);
        assert_eq!(&b.inputs[1..128], &b.targets[..127]);
        // First token of the stream: splitmix64(42).next() % 512.
        assert_eq!(u64::from(b.inputs[0]), SplitMix64::new(42).next_u64() % 512);
    }
}
