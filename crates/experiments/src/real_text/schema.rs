//! The frames of real-text, measured on the words of one corpus (one row set, no seeds).

/// `heaps` (the whole text) and `jackknife_heaps` (the text without each block): distinct
/// words after n words ([`crate::frames::columns::N`]), on a log grid.
pub(super) mod heaps {
    /// The whole text's frame.
    pub const NAME: &str = "heaps";
    /// The jackknife replicates' frame.
    pub const JACKKNIFE_NAME: &str = "jackknife_heaps";
    /// Distinct words among the first n.
    pub const DISTINCT: &str = "distinct";
    /// The replicate b (1-based): the text without its block b.
    pub const REPLICATE: &str = "replicate";
}

/// `rank_frequency` (the whole text) and `jackknife_rank_frequency` (without each block):
/// every word's count, by rank (the replicates keyed by [`heaps::REPLICATE`]).
pub(super) mod rank_frequency {
    /// The whole text's frame.
    pub const NAME: &str = "rank_frequency";
    /// The jackknife replicates' frame.
    pub const JACKKNIFE_NAME: &str = "jackknife_rank_frequency";
    /// The rank by count, 1 the most frequent.
    pub const RANK: &str = "rank";
    /// The word (the whole text's frame only).
    pub const WORD: &str = "word";
    /// Its count.
    pub const COUNT: &str = "count";
}

/// `corpus`: one row describing the text.
pub(super) mod corpus {
    /// The frame's name.
    pub const NAME: &str = "corpus";
    /// The program that printed the text, with its module.
    pub const PROGRAM: &str = "program";
    /// Non-empty lines read.
    pub const LINES: &str = "lines";
    /// Words counted.
    pub const WORDS: &str = "words";
    /// Distinct words.
    pub const DISTINCT_WORDS: &str = "distinct_words";
    /// The SHA-256 of the text, hex.
    pub const TEXT_SHA256: &str = "text_sha256";
}
