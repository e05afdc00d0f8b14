//! Frames, the analysis language of skm: what every `compute` returns and every `analyse`
//! reads.
//!
//! One module per kind of frame that several experiments write defines the frame's name, its
//! columns and its builder: [`training`] curves, [`evaluations`] by token role, [`probes`],
//! [`sentences`], [`scaling`] points and [`tail_counts`]; [`columns`] holds the key columns
//! they share. A frame that one experiment alone writes is defined in that experiment's
//! `frames` module. A run's frames are read as named [`Frame`]s, so a reader that misses a
//! column names the frame and the column instead of panicking. Aggregations
//! (means over seeds, shares by bucket, curves by step) are polars expressions. polars' own
//! grouped `mean` sums in an order that depends on the size of its thread pool, so a group's
//! mean is taken over the group's values in row order ([`in_order_mean`]), and no result
//! depends on the thread count (`tests/polars_threads.rs`).

pub mod columns;
pub mod evaluations;
pub mod probes;
pub mod scaling;
pub mod sentences;
pub mod tail_counts;
pub mod training;

use std::collections::BTreeMap;

use crate::error::{Context, Result};
use polars::prelude::*;

pub use self::evaluations::RoleRows;
pub use self::probes::ProbeColumns;
pub use self::training::LossRows;

/// Frames by name; `sentences` is written but never read back by `analyse`.
pub type Frames = BTreeMap<String, DataFrame>;

/// A frame of a run with its name, so that a reader that misses a column can say which
/// frame lacks it. Derefs to the [`DataFrame`]; [`rows_where`] and [`rows_between`] keep
/// the name.
#[derive(Clone, Debug)]
pub struct Frame {
    name: String,
    data: DataFrame,
}

impl Frame {
    /// `data` under the name `name`.
    pub fn new(name: impl Into<String>, data: DataFrame) -> Self {
        Self {
            name: name.into(),
            data,
        }
    }

    /// The frame's rows as a lazy query.
    pub fn lazy(self) -> LazyFrame {
        self.data.lazy()
    }
}

impl std::ops::Deref for Frame {
    type Target = DataFrame;
    fn deref(&self) -> &DataFrame {
        &self.data
    }
}

/// What the readers read: a named [`Frame`], or a bare [`DataFrame`] (an intermediate
/// result).
pub trait Table {
    /// The frame's name, empty for an unnamed one.
    fn name(&self) -> &str;
    /// The data.
    fn data(&self) -> &DataFrame;
}

impl Table for Frame {
    fn name(&self) -> &str {
        &self.name
    }
    fn data(&self) -> &DataFrame {
        &self.data
    }
}

impl Table for DataFrame {
    fn name(&self) -> &str {
        ""
    }
    fn data(&self) -> &DataFrame {
        self
    }
}

/// Reading a run's frames by name.
pub trait FrameSet {
    /// The frame `name`, or an error naming it (a run of older code may lack it).
    fn frame(&self, name: &str) -> Result<Frame>;
}

impl FrameSet for Frames {
    fn frame(&self, name: &str) -> Result<Frame> {
        let data = self.get(name).with_context(|| {
            let have: Vec<&str> = self.keys().map(String::as_str).collect();
            format!("the run has no frame {name:?} (it has {})", have.join(", "))
        })?;
        Ok(Frame::new(name, data.clone()))
    }
}

/// A curve as its `(x, y)` columns.
pub type Curve = (Vec<f64>, Vec<f64>);

/// Concatenates frames of the same schema.
pub fn concat(frames: Vec<DataFrame>) -> Result<DataFrame> {
    let mut iter = frames.into_iter();
    let mut all = iter.next().context("nothing to concatenate")?;
    for frame in iter {
        all.vstack_mut(&frame)?;
    }
    all.align_chunks_par();
    Ok(all)
}

/// `col(column) == value`: the rows of a string column with one value.
pub fn is(column: &str, value: &str) -> Expr {
    col(column).eq(lit(value))
}

/// The rows of `frame` where the string column `column` equals `value`.
pub fn rows_where(frame: &impl Table, column: &str, value: &str) -> Result<Frame> {
    filtered(frame, column, is(column, value))
}

/// The rows of `frame` whose numeric `column` lies in `[lo, hi]`.
pub fn rows_between(frame: &impl Table, column: &str, (lo, hi): (f64, f64)) -> Result<Frame> {
    let value = col(column).cast(DataType::Float64);
    filtered(
        frame,
        column,
        value.clone().gt_eq(lit(lo)).and(value.lt_eq(lit(hi))),
    )
}

/// The rows of `frame` of the seed `seed`.
pub fn rows_of_seed(frame: &impl Table, seed: u64) -> Result<Frame> {
    rows_equal(frame, columns::SEED, seed)
}

/// The rows of `frame` whose numeric `column` equals `value`.
pub fn rows_equal(frame: &impl Table, column: &str, value: impl Literal) -> Result<Frame> {
    filtered(frame, column, col(column).eq(lit(value)))
}

/// The rows of `frame` where `keep` (an expression of `column`) holds, under its name.
fn filtered(frame: &impl Table, column: &str, keep: Expr) -> Result<Frame> {
    column_of(frame, column)?;
    let rows = frame.data().clone().lazy().filter(keep).collect()?;
    Ok(Frame::new(frame.name(), rows))
}

/// The column `column` of `frame`, or an error naming the frame, the column and the columns
/// there are.
fn column_of<'a>(frame: &'a impl Table, column: &str) -> Result<&'a Column> {
    frame.data().column(column).ok().with_context(|| {
        let names = frame.data().get_column_names();
        let have: Vec<&str> = names.iter().map(|name| name.as_str()).collect();
        let which = match frame.name() {
            "" => "the frame".to_string(),
            name => format!("frame {name:?}"),
        };
        format!(
            "{which} has no column {column:?} (it has {})",
            have.join(", ")
        )
    })
}

/// A numeric (or boolean) column as `f64`; a null reads as NaN.
pub fn floats(frame: &impl Table, column: &str) -> Result<Vec<f64>> {
    let cast = column_of(frame, column)?.cast(&DataType::Float64)?;
    Ok(cast.f64()?.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
}

/// A string column; a null reads as the empty string.
pub fn strings(frame: &impl Table, column: &str) -> Result<Vec<String>> {
    Ok(column_of(frame, column)?
        .str()?
        .iter()
        .map(|s| s.unwrap_or_default().to_string())
        .collect())
}

/// The mean of each group's list `name`, summed in row order: aggregate a value into a list
/// in `group_by(..).agg(..)`, then take `in_order_mean` of it. (polars' grouped `mean`
/// itself sums in an order that depends on the size of its thread pool:
/// `tests/polars_threads.rs`.)
pub fn in_order_mean(name: &str) -> Expr {
    col(name).list().mean()
}

/// The mean of `y` over the rows at each distinct `x`, ascending in `x`:
/// `rows.group_by([x]).agg([y]).with_column(in_order_mean(y)).sort([x])`. A boolean `y`
/// gives the share of rows where it holds.
pub fn mean_by(rows: LazyFrame, x: &str, y: Expr) -> Result<Vec<(f64, f64)>> {
    const MEAN: &str = "__mean";
    let means = rows
        .group_by([col(x)])
        .agg([y.cast(DataType::Float64).alias(MEAN)])
        .with_column(in_order_mean(MEAN))
        .sort([x], SortMultipleOptions::default())
        .collect()?;
    Ok(floats(&means, x)?
        .into_iter()
        .zip(floats(&means, MEAN)?)
        .collect())
}

/// The seed mean of the column `y` at each `x` of `frame`.
pub fn mean_over_seeds(frame: &impl Table, x: &str, y: &str) -> Result<Vec<(f64, f64)>> {
    column_of(frame, y)?;
    mean_by(frame.data().clone().lazy(), x, col(y))
}

/// One number from `rows`: `select([value])`; NaN when it is null (a mean over no rows).
/// A sum adds its chunks' sums, so the rows are gathered into one chunk first, however the
/// steps before chunked them.
pub fn scalar(rows: LazyFrame, value: Expr) -> Result<f64> {
    const VALUE: &str = "__value";
    let mut rows = rows.collect()?;
    rows.rechunk_mut_par();
    let frame = rows
        .lazy()
        .select([value.cast(DataType::Float64).alias(VALUE)])
        .collect()?;
    Ok(floats(&frame, VALUE)?.first().copied().unwrap_or(f64::NAN))
}

/// How many rows `rows` has.
pub fn count(rows: LazyFrame) -> Result<usize> {
    Ok(scalar(rows, len())? as usize)
}

/// `(x, y)` curves of a frame, one per distinct value of the column `key` (a seed, a chain),
/// in the order of `key`, each in row order: `group_by([key]).agg([x, y]).sort([key])`.
pub fn curves_by(frame: &impl Table, key: &str, x: &str, y: &str) -> Result<Vec<Curve>> {
    for column in [key, x, y] {
        column_of(frame, column)?;
    }
    let as_f64 = |c: &str| col(c).cast(DataType::Float64);
    let curves = frame
        .data()
        .clone()
        .lazy()
        .group_by([col(key)])
        .agg([as_f64(x), as_f64(y)])
        .sort([key], SortMultipleOptions::default())
        .collect()?;
    let lists = |c: &str| -> Result<Vec<Vec<f64>>> {
        let list = curves.column(c)?.list()?;
        (0..list.len())
            .map(|i| {
                let values = list.get_as_series(i).context("a curve with no points")?;
                Ok(values
                    .f64()?
                    .iter()
                    .map(|v| v.unwrap_or(f64::NAN))
                    .collect())
            })
            .collect()
    };
    Ok(lists(x)?.into_iter().zip(lists(y)?).collect())
}

/// Per-seed `(x, y)` curves of a frame, one per distinct `seed`, in seed order.
pub fn curves_by_seed(frame: &impl Table, x: &str, y: &str) -> Result<Vec<Curve>> {
    curves_by(frame, columns::SEED, x, y)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> DataFrame {
        df!(
            "seed" => [2u64, 1, 2, 1, 1],
            "x" => [1.0, 1.0, 2.0, 2.0, 3.0],
            "y" => [10.0, 20.0, 30.0, 40.0, 50.0],
            "ok" => [true, false, true, true, false],
            "tag" => ["a", "b", "a", "b", "b"],
        )
        .unwrap()
    }

    #[test]
    fn curves_come_in_key_order_with_rows_in_frame_order() {
        let curves = curves_by_seed(&frame(), "x", "y").unwrap();
        assert_eq!(
            curves,
            vec![
                (vec![1.0, 2.0, 3.0], vec![20.0, 40.0, 50.0]),
                (vec![1.0, 2.0], vec![10.0, 30.0]),
            ]
        );
    }

    #[test]
    fn means_and_shares_are_per_x_ascending() {
        let rows = || frame().lazy();
        assert_eq!(
            mean_by(rows(), "x", col("y")).unwrap(),
            vec![(1.0, 15.0), (2.0, 35.0), (3.0, 50.0)]
        );
        assert_eq!(
            mean_by(rows().filter(is("tag", "b")), "x", col("ok")).unwrap(),
            vec![(1.0, 0.0), (2.0, 1.0), (3.0, 0.0)]
        );
        assert_eq!(count(rows().filter(col("ok"))).unwrap(), 3);
        assert_eq!(scalar(rows(), col("y").mean()).unwrap(), 30.0);
        assert!(
            scalar(rows().filter(is("tag", "c")), col("y").mean())
                .unwrap()
                .is_nan()
        );
    }

    #[test]
    fn a_missing_column_is_named() {
        let error = floats(&frame(), "z").unwrap_err().to_string();
        assert!(
            error.contains("\"z\"") && error.contains("seed, x, y"),
            "{error}"
        );
        assert!(curves_by_seed(&frame(), "x", "z").is_err());
        assert!(rows_where(&frame(), "kind", "a").is_err());
    }

    #[test]
    fn a_run_frame_is_named_in_errors_also_after_a_filter() {
        let frames = Frames::from([("probes".to_string(), frame())]);
        let probes = frames.frame("probes").unwrap();
        let error = floats(&probes, "z").unwrap_err().to_string();
        assert!(
            error.starts_with("frame \"probes\" has no column \"z\""),
            "{error}"
        );
        let rows = rows_where(&probes, "tag", "a").unwrap();
        assert_eq!(rows.height(), 2);
        let error = mean_over_seeds(&rows, "x", "z").unwrap_err().to_string();
        assert!(error.contains("frame \"probes\""), "{error}");
        let error = frames.frame("scaling").unwrap_err().to_string();
        assert!(
            error.contains("no frame \"scaling\" (it has probes)"),
            "{error}"
        );
    }

    #[test]
    fn filters_select_rows() {
        assert_eq!(rows_where(&frame(), "tag", "a").unwrap().height(), 2);
        assert_eq!(rows_between(&frame(), "x", (2.0, 3.0)).unwrap().height(), 3);
    }
}
