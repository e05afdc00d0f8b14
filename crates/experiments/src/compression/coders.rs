//! The general-purpose coders: the token stream written as little-endian integers and coded
//! by gzip, xz or zstd, each checked to decode back.

use std::io::{Read, Write};

use crate::error::{Context, Result, ensure};
use skm_generator::Token;

use super::params::Params;

/// Bytes per token when the stream is written for the byte coders: the fewest of 1, 2 or 4
/// that hold every id `< vocab_size`.
pub(super) fn token_width(vocab_size: usize) -> usize {
    match vocab_size {
        0..=0x100 => 1,
        0x101..=0x1_0000 => 2,
        _ => 4,
    }
}

/// `tokens` as `width`-byte little-endian integers, one after the other.
pub(super) fn serialize(tokens: &[Token], width: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(tokens.len() * width);
    for &token in tokens {
        bytes.extend_from_slice(&token.to_le_bytes()[..width]);
    }
    bytes
}

/// One general-purpose coder with its settings.
#[derive(Clone, Copy)]
pub(super) enum ByteCoder {
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
    /// The three coders of `p`, in the order of [`super::CODERS`].
    pub(super) fn all(p: &Params) -> [(&'static str, ByteCoder); 3] {
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
    pub(super) fn size(self, name: &str, bytes: &[u8]) -> Result<usize> {
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
