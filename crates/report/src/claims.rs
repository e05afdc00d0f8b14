//! Claim checks (one row per claim and variant) and their Parquet storage.

use std::fmt;
use std::fs::File;
use std::path::Path;
use std::str::FromStr;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{ReportError, sibling};

/// Outcome of checking one claim against its PASS rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Verdict {
    /// The measurement satisfies the claim's PASS rule.
    Pass,
    /// It does not.
    Fail,
}

impl Verdict {
    /// `Pass` if `ok`, else `Fail`.
    pub fn from_bool(ok: bool) -> Self {
        if ok { Self::Pass } else { Self::Fail }
    }

    /// "PASS" or "FAIL".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "PASS",
            Self::Fail => "FAIL",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Verdict {
    type Err = ReportError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "PASS" => Ok(Self::Pass),
            "FAIL" => Ok(Self::Fail),
            other => Err(ReportError::InvalidData(format!(
                "verdict must be PASS or FAIL, got {other:?}"
            ))),
        }
    }
}

/// One checked claim of the paper, as measured by one experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    /// Claim identifier, e.g. "C1".
    pub id: String,
    /// Which setting of the experiment this row is for, e.g. "alpha=0.5"; may be empty.
    pub variant: String,
    /// Experiment that measured it.
    pub experiment: String,
    /// The claim in words.
    pub statement: String,
    /// Measured value (e.g. a fitted exponent).
    pub measured: f64,
    /// Value theory predicts.
    pub theory: f64,
    /// Lower end of the measurement's confidence interval.
    pub lo: f64,
    /// Upper end of the measurement's confidence interval.
    pub hi: f64,
    /// Whether the PASS rule held.
    pub verdict: Verdict,
    /// One sentence: how it was measured and what the PASS rule is.
    pub detail: String,
}

/// Column names of a claims frame, in order.
const COLUMNS: [&str; 10] = [
    "id",
    "variant",
    "experiment",
    "statement",
    "measured",
    "theory",
    "lo",
    "hi",
    "verdict",
    "detail",
];

/// One row per claim with columns `id, variant, experiment, statement` (String),
/// `measured, theory, lo, hi` (Float64), `verdict` (String "PASS"/"FAIL"), `detail` (String).
pub fn claims_frame(claims: &[Claim]) -> Result<DataFrame, ReportError> {
    let text = |name: &str, f: fn(&Claim) -> &str| {
        Column::new(name.into(), claims.iter().map(f).collect::<Vec<_>>())
    };
    let num = |name: &str, f: fn(&Claim) -> f64| {
        Column::new(name.into(), claims.iter().map(f).collect::<Vec<_>>())
    };
    let df = DataFrame::new(
        claims.len(),
        vec![
            text(COLUMNS[0], |c| &c.id),
            text(COLUMNS[1], |c| &c.variant),
            text(COLUMNS[2], |c| &c.experiment),
            text(COLUMNS[3], |c| &c.statement),
            num(COLUMNS[4], |c| c.measured),
            num(COLUMNS[5], |c| c.theory),
            num(COLUMNS[6], |c| c.lo),
            num(COLUMNS[7], |c| c.hi),
            text(COLUMNS[8], |c| c.verdict.as_str()),
            text(COLUMNS[9], |c| &c.detail),
        ],
    )?;
    Ok(df)
}

/// Inverse of [`claims_frame`]. Numeric columns may have any numeric dtype;
/// nulls in numeric columns read as NaN, nulls in text columns are an error.
pub fn claims_from_frame(df: &DataFrame) -> Result<Vec<Claim>, ReportError> {
    let text = |name: &str| -> Result<Vec<String>, ReportError> {
        df.column(name)?
            .str()?
            .iter()
            .map(|v| {
                v.map(str::to_owned)
                    .ok_or_else(|| ReportError::InvalidData(format!("null in column {name:?}")))
            })
            .collect()
    };
    let num = |name: &str| -> Result<Vec<f64>, ReportError> {
        let col = df.column(name)?.cast(&DataType::Float64)?;
        Ok(col.f64()?.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
    };
    let [id, variant, experiment, statement, verdict, detail] = [
        COLUMNS[0], COLUMNS[1], COLUMNS[2], COLUMNS[3], COLUMNS[8], COLUMNS[9],
    ]
    .map(text);
    let [measured, theory, lo, hi] = [COLUMNS[4], COLUMNS[5], COLUMNS[6], COLUMNS[7]].map(num);
    let (id, variant, experiment, statement) = (id?, variant?, experiment?, statement?);
    let (verdict, detail) = (verdict?, detail?);
    let (measured, theory, lo, hi) = (measured?, theory?, lo?, hi?);
    (0..df.height())
        .map(|i| {
            Ok(Claim {
                id: id[i].clone(),
                variant: variant[i].clone(),
                experiment: experiment[i].clone(),
                statement: statement[i].clone(),
                measured: measured[i],
                theory: theory[i],
                lo: lo[i],
                hi: hi[i],
                verdict: verdict[i].parse()?,
                detail: detail[i].clone(),
            })
        })
        .collect()
}

/// Writes `df` to `path` as Parquet, atomically (via `<path>.tmp`, then a rename).
///
/// The bytes are a pure function of the frame: zstd at its default level, V1
/// pages, serial column encoding, and Parquet metadata holds no timestamps.
pub fn write_parquet(df: &mut DataFrame, path: &Path) -> Result<(), ReportError> {
    write_parquet_with_metadata(df, path, &[])
}

/// [`write_parquet`] with file-level key-value metadata (e.g. the run's config hash, seeds
/// and git revision), readable by any Parquet reader.
pub fn write_parquet_with_metadata(
    df: &mut DataFrame,
    path: &Path,
    metadata: &[(String, String)],
) -> Result<(), ReportError> {
    let tmp = sibling(path, ".tmp");
    let file = File::create(&tmp).map_err(|e| ReportError::io(&tmp, e))?;
    let metadata = (!metadata.is_empty())
        .then(|| polars::io::parquet::write::KeyValueMetadata::from_static(metadata.to_vec()));
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Zstd(None))
        .with_key_value_metadata(metadata)
        .set_parallel(false)
        .finish(df)?;
    std::fs::rename(&tmp, path).map_err(|e| ReportError::io(path, e))
}

/// Reads a whole Parquet file into a frame.
pub fn read_parquet(path: &Path) -> Result<DataFrame, ReportError> {
    let file = File::open(path).map_err(|e| ReportError::io(path, e))?;
    Ok(ParquetReader::new(file).finish()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Claim> {
        vec![
            Claim {
                id: "C1".into(),
                variant: "alpha=0.5".into(),
                experiment: "data-statistics".into(),
                statement: "Heaps' law exponent is 1/alpha".into(),
                measured: 0.512,
                theory: 0.5,
                lo: 0.49,
                hi: 0.53,
                verdict: Verdict::Pass,
                detail: "Log-log OLS over 5 seeds; PASS if theory in 95% CI.".into(),
            },
            Claim {
                id: "C2".into(),
                variant: String::new(),
                experiment: "two-part-code".into(),
                statement: "Optimal model size grows with data".into(),
                measured: f64::NAN,
                theory: 1.0,
                lo: f64::NEG_INFINITY,
                hi: 2.0,
                verdict: Verdict::Fail,
                detail: "No fit possible.".into(),
            },
        ]
    }

    /// Equality that treats NaN as equal to NaN, for the round trip.
    fn same(a: &[Claim], b: &[Claim]) -> bool {
        let f = |c: &Claim| format!("{c:?}");
        a.iter().map(f).eq(b.iter().map(f))
    }

    #[test]
    fn frame_round_trip() {
        let claims = sample();
        let df = claims_frame(&claims).unwrap();
        let names: Vec<_> = df.get_column_names().iter().map(|s| s.as_str()).collect();
        assert_eq!(names, COLUMNS);
        assert_eq!(
            df.column("verdict").unwrap().str().unwrap().get(1),
            Some("FAIL")
        );
        assert!(same(&claims_from_frame(&df).unwrap(), &claims));
        assert!(
            claims_from_frame(&claims_frame(&[]).unwrap())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn bad_verdict_is_an_error() {
        let mut df = claims_frame(&sample()).unwrap();
        df.with_column(Column::new("verdict".into(), ["PASS", "maybe"]))
            .unwrap();
        assert!(matches!(
            claims_from_frame(&df),
            Err(ReportError::InvalidData(_))
        ));
    }

    #[test]
    fn parquet_round_trip_is_byte_deterministic() {
        let dir = crate::test_dir("parquet");
        let (a, b) = (dir.join("a.parquet"), dir.join("b.parquet"));
        let mut df = claims_frame(&sample()).unwrap();
        write_parquet(&mut df, &a).unwrap();
        write_parquet(&mut df, &b).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        assert!(!sibling(&a, ".tmp").exists());
        let back = claims_from_frame(&read_parquet(&a).unwrap()).unwrap();
        assert!(same(&back, &sample()));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
