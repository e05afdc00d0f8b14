//! The `[analysis]` table of compression (the settings of the general-purpose coders) and
//! its check.

use anyhow::{Result, ensure};
use serde::Deserialize;

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
