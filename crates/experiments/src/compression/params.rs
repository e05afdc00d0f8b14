//! The `[analysis]` table of compression (the settings of the general-purpose coders) and
//! its check.

use crate::error::Result;
use serde::Deserialize;

use crate::check_range;
use crate::spec::Spec;
use crate::training::configs;

/// The `[analysis]` table: the settings of the general-purpose coders.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Params {
    /// gzip (flate2) level, 0..=9.
    pub gzip_level: u32,
    /// xz (liblzma) preset, 0..=9.
    pub xz_preset: u32,
    /// Whether the xz preset is or'ed with `PRESET_EXTREME` (`xz -9e`).
    pub xz_extreme: bool,
    /// zstd level, 1..=22.
    pub zstd_level: i32,
    /// zstd long-distance matching (`zstd --long`).
    pub zstd_long: bool,
    /// log2 of the zstd window in bytes, 10..=27 (27 is the largest every decoder accepts).
    pub zstd_window_log: u32,
}

/// Checks the table (and the model and training configs) of `spec`.
pub(super) fn check(spec: &Spec) -> Result<()> {
    let p: Params = spec.analysis()?;
    configs(spec)?;
    check_range(spec, "gzip_level", p.gzip_level, 0..=9)?;
    check_range(spec, "xz_preset", p.xz_preset, 0..=9)?;
    check_range(spec, "zstd_level", p.zstd_level, 1..=22)?;
    check_range(spec, "zstd_window_log", p.zstd_window_log, 10..=27)?;
    Ok(())
}
