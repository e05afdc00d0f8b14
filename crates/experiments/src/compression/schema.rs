//! The frame compression alone writes (besides [`crate::frames::training`] for the
//! transformer's prequential pass and [`crate::frames::sentences`]).

/// `codes`: per (point, seed, coder) the code length of the whole token stream. The keys are
/// `point, alpha, seed` ([`crate::frames::columns`]).
pub(super) mod codes {
    /// The frame's name.
    pub const NAME: &str = "codes";
    /// The coder's place in the figure's order.
    pub const ORDER: &str = "order";
    /// The coder: `oracle`, `bayes`, `transformer`, `gzip`, `xz` or `zstd`.
    pub const CODER: &str = "coder";
    /// Tokens the coder coded (the transformer codes only full batches).
    pub const CODED_TOKENS: &str = "coded_tokens";
    /// Tokens of the stream.
    pub const STREAM_TOKENS: &str = "stream_tokens";
    /// Bytes per token in the serialisation the byte coders read.
    pub const TOKEN_BYTES: &str = "token_bytes";
    /// The code length, bits.
    pub const BITS: &str = "bits";
    /// Bits per coded token.
    pub const BITS_PER_TOKEN: &str = "bits_per_token";
}
