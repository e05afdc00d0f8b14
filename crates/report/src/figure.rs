//! Declarative figures and their one renderer (SVG and PNG, via plotters).
//!
//! Callers build a [`Figure`] as a pure function of their data and hand it to
//! [`render_svg`] or [`render_files`]; all styling decisions live here so that
//! every figure of the report looks alike.

use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

use plotters::chart::SeriesAnno;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};
use plotters::element::{DashedPathElement, IntoDynElement, MultiLineText};
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};
use polars::prelude::{DataFrame, DataType};

use crate::{ReportError, sibling, write_atomic};

/// Width and height of every figure, in pixels.
pub const SIZE: (u32, u32) = (800, 560);

/// Okabe–Ito colour-blind-safe palette; [`Series::color`] and
/// [`Marker::color`] index into it (modulo its length). Yellow comes last
/// because it is hard to see on white.
pub const PALETTE: [(u8, u8, u8); 8] = [
    (0x00, 0x72, 0xB2), // blue
    (0xD5, 0x5E, 0x00), // vermillion
    (0x00, 0x9E, 0x73), // bluish green
    (0xE6, 0x9F, 0x00), // orange
    (0xCC, 0x79, 0xA7), // reddish purple
    (0x56, 0xB4, 0xE9), // sky blue
    (0x00, 0x00, 0x00), // black
    (0xF0, 0xE4, 0x42), // yellow
];

/// Font family every text element uses; the embedded DejaVu Sans is
/// registered under this name.
const FAMILY: &str = "sans-serif";
static DEJAVU_SANS: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// How many labelled ticks an axis aims for.
const TICKS: usize = 8;

/// Scale of one axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Values map linearly to pixels.
    Linear,
    /// `log10` of values maps linearly to pixels; non-positive values are dropped.
    Log,
}

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Solid line through the points in order.
    Line,
    /// Dashed line, for theory overlays.
    Dashed,
    /// Unconnected dots.
    Points,
    /// Solid line with a dot at each point.
    LinePoints,
}

/// One data series of a figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend entry; an empty label keeps the series out of the legend.
    pub label: String,
    /// `(x, y)` points, drawn in this order.
    pub points: Vec<(f64, f64)>,
    /// How to draw it.
    pub style: Style,
    /// Index into [`PALETTE`].
    pub color: usize,
}

/// A highlighted point (e.g. a two-part-code optimum), drawn as a large
/// outlined dot and listed in the legend.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    /// Legend entry.
    pub label: String,
    /// Where it is.
    pub point: (f64, f64),
    /// Index into [`PALETTE`].
    pub color: usize,
}

/// A complete, declarative description of one 2-D figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// Caption drawn above the plot; also names the figure in errors.
    pub title: String,
    /// x-axis label, units included (e.g. "tokens n").
    pub x_label: String,
    /// y-axis label, units included (e.g. "loss (bits/token)").
    pub y_label: String,
    /// Scale of the x axis.
    pub x_scale: Scale,
    /// Scale of the y axis.
    pub y_scale: Scale,
    /// Data series, drawn in order (later on top).
    pub series: Vec<Series>,
    /// Highlighted points, drawn on top of all series.
    pub markers: Vec<Marker>,
}

/// Reads columns `x` and `y` of `df` as `(x, y)` pairs of `f64`, casting any
/// numeric dtype; rows where either value is null are skipped.
pub fn series_from_columns(
    df: &DataFrame,
    x: &str,
    y: &str,
) -> Result<Vec<(f64, f64)>, ReportError> {
    let column = |name: &str| -> Result<Vec<Option<f64>>, ReportError> {
        let col = df.column(name)?;
        if !col.dtype().is_primitive_numeric() {
            return Err(ReportError::InvalidData(format!(
                "column {name:?} has non-numeric dtype {}",
                col.dtype()
            )));
        }
        Ok(col.cast(&DataType::Float64)?.f64()?.iter().collect())
    };
    let (xs, ys) = (column(x)?, column(y)?);
    Ok(xs
        .into_iter()
        .zip(ys)
        .filter_map(|(a, b)| Some((a?, b?)))
        .collect())
}

/// Renders `fig` as an SVG document (800×560 px). The output is a pure
/// function of `fig`: no timestamps, paths or random ids.
pub fn render_svg(fig: &Figure) -> Result<String, ReportError> {
    render_panels_svg(std::slice::from_ref(fig))
}

/// Writes `fig` to `<stem>.svg` and `<stem>.png`, each via a temporary file
/// and a rename. The parent directory must exist.
pub fn render_files(fig: &Figure, stem: &Path) -> Result<(), ReportError> {
    render_panels_files(std::slice::from_ref(fig), stem)
}

/// Renders `panels` side by side, each 800×560 px, as one SVG document; one
/// panel gives exactly [`render_svg`]'s output.
pub fn render_panels_svg(panels: &[Figure]) -> Result<String, ReportError> {
    let plots = prepare(panels)?;
    let mut svg = String::new();
    draw(
        SVGBackend::with_string(&mut svg, panels_size(panels)).into_drawing_area(),
        panels,
        &plots,
    )?;
    Ok(svg)
}

/// Writes `panels`, side by side, to `<stem>.svg` and `<stem>.png`, each via a
/// temporary file and a rename. The parent directory must exist.
pub fn render_panels_files(panels: &[Figure], stem: &Path) -> Result<(), ReportError> {
    write_atomic(
        &sibling(stem, ".svg"),
        render_panels_svg(panels)?.as_bytes(),
    )?;
    // The bitmap backend picks its encoder from the extension, hence `.tmp.png`.
    let (tmp, png) = (sibling(stem, ".tmp.png"), sibling(stem, ".png"));
    draw(
        BitMapBackend::new(&tmp, panels_size(panels)).into_drawing_area(),
        panels,
        &prepare(panels)?,
    )?;
    std::fs::rename(&tmp, &png).map_err(|e| ReportError::io(&png, e))
}

fn panels_size(panels: &[Figure]) -> (u32, u32) {
    (SIZE.0 * panels.len().max(1) as u32, SIZE.1)
}

fn prepare(panels: &[Figure]) -> Result<Vec<Prepared>, ReportError> {
    if panels.is_empty() {
        return Err(ReportError::Figure {
            title: String::new(),
            message: "a figure needs at least one panel".into(),
        });
    }
    panels.iter().map(Prepared::new).collect()
}

/// A figure's data after dropping unplottable points, with its axes.
struct Prepared {
    series: Vec<Vec<(f64, f64)>>,
    markers: Vec<Option<(f64, f64)>>,
    x: Axis,
    y: Axis,
}

impl Prepared {
    fn new(fig: &Figure) -> Result<Self, ReportError> {
        let ok = |scale, v: f64| v.is_finite() && (scale == Scale::Linear || v > 0.0);
        let keep = |&(x, y): &(f64, f64)| ok(fig.x_scale, x) && ok(fig.y_scale, y);
        let series: Vec<Vec<_>> = fig
            .series
            .iter()
            .map(|s| s.points.iter().copied().filter(keep).collect())
            .collect();
        let markers: Vec<_> = fig
            .markers
            .iter()
            .map(|m| Some(m.point).filter(keep))
            .collect();
        let all: Vec<(f64, f64)> = series
            .iter()
            .flatten()
            .chain(markers.iter().flatten())
            .copied()
            .collect();
        let axis = |scale, values: Vec<f64>, name| {
            Axis::fit(scale, &values).ok_or_else(|| ReportError::Figure {
                title: fig.title.clone(),
                message: match scale {
                    Scale::Log => format!("no finite positive {name} values for its log axis"),
                    Scale::Linear => format!("no finite {name} values"),
                },
            })
        };
        Ok(Self {
            x: axis(fig.x_scale, all.iter().map(|p| p.0).collect(), "x")?,
            y: axis(fig.y_scale, all.iter().map(|p| p.1).collect(), "y")?,
            series,
            markers,
        })
    }
}

fn rgb(index: usize) -> RGBColor {
    let (r, g, b) = PALETTE[index % PALETTE.len()];
    RGBColor(r, g, b)
}

/// Registers the embedded font once per process. The SVG backend needs it
/// too: plotters measures text with it to lay out labels and the legend.
fn font_registered(title: &str) -> Result<(), ReportError> {
    static OK: OnceLock<bool> = OnceLock::new();
    if *OK.get_or_init(|| register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS).is_ok()) {
        Ok(())
    } else {
        Err(ReportError::Figure {
            title: title.into(),
            message: "embedded DejaVu Sans font failed to load".into(),
        })
    }
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    panels: &[Figure],
    plots: &[Prepared],
) -> Result<(), ReportError> {
    font_registered(&panels[0].title)?;
    let areas = root.split_evenly((1, panels.len()));
    for ((area, fig), plot) in areas.iter().zip(panels).zip(plots) {
        draw_chart(area, fig, plot).map_err(|e| ReportError::Figure {
            title: fig.title.clone(),
            message: e.to_string(),
        })?;
    }
    root.present().map_err(|e| ReportError::Figure {
        title: panels[0].title.clone(),
        message: e.to_string(),
    })
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn draw_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &Figure,
    plot: &Prepared,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(root)
        .caption(&fig.title, (FAMILY, 22))
        .margin(16)
        .margin_right(28)
        .x_label_area_size(50)
        .y_label_area_size(76)
        .build_cartesian_2d(plot.x.clone(), plot.y.clone())?;
    chart
        .configure_mesh()
        .x_labels(TICKS)
        .y_labels(TICKS)
        .x_desc(&fig.x_label)
        .y_desc(&fig.y_label)
        .label_style((FAMILY, 14))
        .axis_desc_style((FAMILY, 16))
        .bold_line_style(RGBColor(215, 215, 215))
        .light_line_style(RGBColor(240, 240, 240))
        .axis_style(RGBColor(90, 90, 90))
        .draw()?;

    draw_series(&mut chart, fig, plot)?;
    draw_markers(&mut chart, fig, plot)?;
    draw_legend(&mut chart, fig, plot)
}

/// The chart of one panel, as the series, markers and legend are drawn on it.
type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<Axis, Axis>>;

/// Every series of `fig` in its style, each with its legend entry.
fn draw_series<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    fig: &Figure,
    plot: &Prepared,
) -> DrawResult<DB> {
    for (s, points) in fig.series.iter().zip(&plot.series) {
        let color = rgb(s.color);
        let line = color.stroke_width(2);
        let dot = move |r: i32| move |p: (f64, f64)| Circle::new(p, r, color.filled());
        match s.style {
            Style::Line => {
                let anno = chart.draw_series(LineSeries::new(points.clone(), line))?;
                add_legend(anno, &s.label, move |(x, y)| {
                    PathElement::new([(x, y), (x + 24, y)], line)
                });
            }
            Style::Dashed => {
                let anno = chart.draw_series(DashedLineSeries::new(points.clone(), 8, 5, line))?;
                add_legend(anno, &s.label, move |(x, y)| {
                    DashedPathElement::new([(x, y), (x + 24, y)], 8, 5, line)
                });
            }
            Style::Points => {
                let anno = chart.draw_series(points.iter().copied().map(dot(4)))?;
                add_legend(anno, &s.label, move |(x, y)| {
                    Circle::new((x + 12, y), 4, color.filled())
                });
            }
            Style::LinePoints => {
                chart.draw_series(LineSeries::new(points.clone(), line))?;
                let anno = chart.draw_series(points.iter().copied().map(dot(3)))?;
                add_legend(anno, &s.label, move |(x, y)| {
                    EmptyElement::at((x, y))
                        + PathElement::new([(0, 0), (24, 0)], line)
                        + Circle::new((12, 0), 3, color.filled())
                });
            }
        }
    }
    Ok(())
}

/// The markers of `fig`: large dots with a dark ring, which stand out from every series style.
fn draw_markers<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    fig: &Figure,
    plot: &Prepared,
) -> DrawResult<DB> {
    for (m, point) in fig.markers.iter().zip(&plot.markers) {
        let Some(point) = *point else { continue };
        let (fill, ring) = (rgb(m.color).filled(), BLACK.stroke_width(2));
        let anno = chart.draw_series([EmptyElement::at(point)
            + Circle::new((0, 0), 7, fill)
            + Circle::new((0, 0), 7, ring)])?;
        add_legend(anno, &m.label, move |(x, y)| {
            EmptyElement::at((x + 12, y))
                + Circle::new((0, 0), 6, fill)
                + Circle::new((0, 0), 6, ring)
        });
    }

    Ok(())
}

/// The legend, where it covers the fewest data pixels (none when nothing is labelled).
fn draw_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    fig: &Figure,
    plot: &Prepared,
) -> DrawResult<DB> {
    let labels = legend_labels(fig, plot);
    if !labels.is_empty() {
        let position = legend_position(chart, fig, plot, &labels);
        chart
            .configure_series_labels()
            .position(position)
            .label_font((FAMILY, LEGEND_FONT))
            .legend_area_size(LEGEND_GLYPH)
            .margin(LEGEND_MARGIN)
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(160, 160, 160))
            .draw()?;
    }
    Ok(())
}

/// Attaches a legend entry unless the label is empty (unlabelled series,
/// e.g. individual seeds, stay out of the legend).
fn add_legend<'a, DB, E, F>(anno: &mut SeriesAnno<'a, DB>, label: &str, glyph: F)
where
    DB: DrawingBackend + 'a,
    E: IntoDynElement<'a, DB, (i32, i32)>,
    F: Fn((i32, i32)) -> E + 'a,
{
    if !label.is_empty() {
        anno.label(label).legend(glyph);
    }
}

const LEGEND_FONT: u32 = 14;
const LEGEND_GLYPH: u32 = 32;
const LEGEND_MARGIN: u32 = 8;

/// Legend entries in drawing order: labelled series, then labelled markers
/// that survived filtering (a dropped marker draws no entry).
fn legend_labels<'f>(fig: &'f Figure, plot: &Prepared) -> Vec<&'f str> {
    let series = fig.series.iter().map(|s| s.label.as_str());
    let markers = fig
        .markers
        .iter()
        .zip(&plot.markers)
        .filter(|(_, p)| p.is_some())
        .map(|(m, _)| m.label.as_str());
    series.chain(markers).filter(|l| !l.is_empty()).collect()
}

/// Picks the legend spot (corners first, then edge midpoints) that covers the
/// fewest data pixels, sampling lines every few pixels; markers count extra.
fn legend_position<DB: DrawingBackend>(
    chart: &ChartContext<DB, Cartesian2d<Axis, Axis>>,
    fig: &Figure,
    plot: &Prepared,
    labels: &[&str],
) -> SeriesLabelPosition {
    let (w, h) = legend_size(labels);
    let samples = data_pixels(chart, fig, plot);
    let (aw, ah) = chart.plotting_area().dim_in_pixel();
    let inset = 8;
    let (left, right) = (inset, aw as i32 - w - inset);
    let (top, bottom) = (inset, ah as i32 - h - inset);
    let (mid_x, mid_y) = ((aw as i32 - w) / 2, (ah as i32 - h) / 2);
    let candidates = [
        (right, top),
        (left, top),
        (right, bottom),
        (left, bottom),
        (mid_x, top),
        (mid_x, bottom),
        (right, mid_y),
        (left, mid_y),
    ];
    let covered = |&(x, y): &(i32, i32)| {
        let pad = 6.0;
        let (x0, y0) = (f64::from(x) - pad, f64::from(y) - pad);
        let (x1, y1) = (f64::from(x + w) + pad, f64::from(y + h) + pad);
        samples
            .iter()
            .filter(|&&(sx, sy)| (x0..=x1).contains(&sx) && (y0..=y1).contains(&sy))
            .count()
    };
    // On ties `min_by_key` keeps the first, so corners win over edge midpoints.
    let (x, y) = candidates
        .into_iter()
        .min_by_key(covered)
        .unwrap_or((right, top));
    SeriesLabelPosition::Coordinate(x, y)
}

/// The legend box's width and height in pixels, measured exactly as plotters' legend
/// drawing does.
fn legend_size(labels: &[&str]) -> (i32, i32) {
    let style = TextStyle::from((FAMILY, LEGEND_FONT).into_font());
    let mut text = MultiLineText::<_, &str>::new((0, 0), &style);
    labels.iter().for_each(|l| text.push_line(*l));
    let (tw, th) = text
        .estimate_dimension()
        .unwrap_or((200, 18 * labels.len() as i32));
    let (margin, glyph) = (LEGEND_MARGIN as i32, LEGEND_GLYPH as i32);
    (tw + glyph + 2 * margin, th + 2 * margin)
}

/// The data's pixels in the plotting area: every point, every line sampled every 4 pixels,
/// and each marker 20 times (a legend over a marker costs more).
fn data_pixels<DB: DrawingBackend>(
    chart: &ChartContext<DB, Cartesian2d<Axis, Axis>>,
    fig: &Figure,
    plot: &Prepared,
) -> Vec<(f64, f64)> {
    let base = chart.plotting_area().get_base_pixel();
    let to_px = |p: &(f64, f64)| {
        let (x, y) = chart.backend_coord(p);
        (f64::from(x - base.0), f64::from(y - base.1))
    };
    let mut samples = Vec::new();
    for (s, points) in fig.series.iter().zip(&plot.series) {
        let px: Vec<_> = points.iter().map(to_px).collect();
        samples.extend_from_slice(&px);
        if s.style != Style::Points {
            for pair in px.windows(2) {
                let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
                let steps = ((x1 - x0).hypot(y1 - y0) / 4.0).ceil().min(1000.0) as usize;
                samples.extend((1..steps).map(|k| {
                    let t = k as f64 / steps as f64;
                    (x0 + t * (x1 - x0), y0 + t * (y1 - y0))
                }));
            }
        }
    }
    for p in plot.markers.iter().flatten() {
        samples.extend(std::iter::repeat_n(to_px(p), 20));
    }
    samples
}

/// One axis: its scale and visible range, with the tick placement and tick
/// labels of a hand-made plot.
#[derive(Debug, Clone)]
struct Axis {
    scale: Scale,
    lo: f64,
    hi: f64,
}

impl Axis {
    /// Range covering `values` (already filtered to be plottable) with a little
    /// padding: 5% of the span on linear axes (not crossing zero when all
    /// values are non-negative), 5% of the decades on log axes.
    fn fit(scale: Scale, values: &[f64]) -> Option<Self> {
        let lo = values.iter().copied().reduce(f64::min)?;
        let hi = values.iter().copied().reduce(f64::max)?;
        let (lo, hi) = match scale {
            Scale::Linear => {
                let pad = if hi > lo {
                    0.05 * (hi - lo)
                } else {
                    (0.1 * hi.abs()).max(1.0)
                };
                let floor = if lo >= 0.0 { 0.0 } else { f64::NEG_INFINITY };
                ((lo - pad).max(floor), hi + pad)
            }
            Scale::Log => {
                let decades = (hi / lo).log10();
                let pad = if decades > 0.0 {
                    10f64.powf((0.05 * decades).max(0.03))
                } else {
                    10f64.sqrt()
                };
                (lo / pad, hi * pad)
            }
        };
        Some(Self { scale, lo, hi })
    }

    /// Position along the axis in "linearised" units (value or log10 value).
    fn t(&self, v: f64) -> f64 {
        match self.scale {
            Scale::Linear => v,
            Scale::Log => v.log10(),
        }
    }

    fn contains(&self, v: f64) -> bool {
        let slack = 1e-9 * (self.t(self.hi) - self.t(self.lo));
        self.t(v) >= self.t(self.lo) - slack && self.t(v) <= self.t(self.hi) + slack
    }

    /// Linear ticks at multiples of a 1-2-5 step, at most `max` of them.
    fn linear_ticks(&self, max: usize) -> Vec<f64> {
        let step = nice_step((self.hi - self.lo) / max.max(1) as f64);
        let first = (self.lo / step).ceil() as i64;
        let last = (self.hi / step).floor() as i64;
        // Multiply rather than accumulate, so ticks land exactly on k·step.
        // `+ 0.0` turns a -0.0 tick into 0.0, so it is not labelled "-0".
        (first..=last).map(|k| k as f64 * step + 0.0).collect()
    }

    /// `m·10^k` inside the range for the given mantissas, keeping only every
    /// `stride`-th decade.
    fn log_ticks(&self, mantissas: &[f64], stride: i32) -> Vec<f64> {
        let (k0, k1) = (
            self.lo.log10().floor() as i32,
            self.hi.log10().ceil() as i32,
        );
        (k0..=k1)
            .filter(|k| k.rem_euclid(stride) == 0)
            .flat_map(|k| mantissas.iter().map(move |m| m * 10f64.powi(k)))
            .filter(|&v| self.contains(v))
            .collect()
    }

    /// Whether a log axis spans too few decades for powers of ten alone.
    fn narrow_log(&self) -> bool {
        self.log_ticks(&[1.0], 1).len() < 3
    }

    /// Labelled ticks: powers of ten on wide log axes (thinned to at most
    /// `max`), 1-2-5 multiples on narrow ones, nice linear steps otherwise.
    fn major_ticks(&self, max: usize) -> Vec<f64> {
        match self.scale {
            Scale::Linear => self.linear_ticks(max),
            Scale::Log if !self.narrow_log() => {
                let n = self.log_ticks(&[1.0], 1).len();
                self.log_ticks(&[1.0], n.div_ceil(max.max(1)) as i32)
            }
            Scale::Log => {
                let ticks = self.log_ticks(&[1.0, 2.0, 5.0], 1);
                if ticks.len() >= 2 {
                    ticks
                } else {
                    self.linear_ticks(max.min(5))
                }
            }
        }
    }
}

/// The smallest of 1, 2, 5 × 10^k that is at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let scale = 10f64.powf(raw.log10().floor());
    let m = raw / scale;
    let nice = [1.0, 2.0, 5.0]
        .into_iter()
        .find(|&n| m <= n * (1.0 + 1e-9))
        .unwrap_or(10.0);
    nice * scale
}

impl Ranged for Axis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let (a, b) = (self.t(self.lo), self.t(self.hi));
        let f = (self.t(*v) - a) / (b - a);
        limit.0 + (f * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        let major = self.major_ticks(hint.bold_points());
        if !hint.weight().allow_light_points() {
            return major;
        }
        // Light grid: every integer mantissa per decade on log axes, a fifth of
        // the major step on linear ones; falls back to the major ticks.
        let minor = match self.scale {
            Scale::Log => self.log_ticks(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], 1),
            Scale::Linear => self.linear_ticks(hint.bold_points() * 5),
        };
        if minor.len() <= hint.max_num_points() {
            minor
        } else {
            major
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

impl ValueFormatter<f64> for Axis {
    /// Powers of ten as `10³`/`10⁻²` on log axes (`m×10ᵏ` or plain decimals for
    /// the 1-2-5 ticks of narrow ones). On linear axes, plain decimals with as
    /// many digits as the tick step needs, in thousands (`250k`) or millions
    /// (`1.5M`) once the axis reaches 10⁴ or 10⁶, and `m×10ᵏ` from 10¹² on.
    fn format_ext(&self, v: &f64) -> String {
        let v = *v;
        if v == 0.0 {
            return "0".into();
        }
        // The epsilon keeps 999.9999… from being labelled 9.99×10².
        let k = (v.abs().log10() + 1e-9).floor() as i32;
        let m = v / 10f64.powi(k);
        match self.scale {
            Scale::Log if !self.narrow_log() || !(-3..5).contains(&k) => power_label(m, k),
            Scale::Log => trim_zeros(format!("{v:.*}", (2 - k).max(0) as usize)),
            Scale::Linear => {
                let (unit, suffix) = match self.lo.abs().max(self.hi.abs()) {
                    r if r >= 1e12 => return power_label(m, k),
                    r if r >= 1e6 => (1e6, "M"),
                    r if r >= 1e4 => (1e3, "k"),
                    _ => (1.0, ""),
                };
                let step = nice_step((self.hi - self.lo) / TICKS as f64) / unit;
                let decimals = (-step.log10().floor()).max(0.0) as usize;
                format!("{:.*}{suffix}", decimals, v / unit)
            }
        }
    }
}

/// `10ᵏ` when the mantissa `m` is 1, else `m×10ᵏ` (mantissa to 2 decimals).
fn power_label(m: f64, k: i32) -> String {
    const SUPERSCRIPT: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let exponent: String = k
        .to_string()
        .chars()
        .map(|c| c.to_digit(10).map_or('⁻', |d| SUPERSCRIPT[d as usize]))
        .collect();
    let mantissa = trim_zeros(format!("{m:.2}"));
    if mantissa == "1" {
        format!("10{exponent}")
    } else {
        format!("{mantissa}×10{exponent}")
    }
}

/// Drops trailing zeros (and a trailing point) of a decimal number.
fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use polars::prelude::{Column, NamedFrom, Series as PlSeries};

    use super::*;

    /// A small log-log figure: empirical curve, theory overlay, raw points
    /// (one non-positive, to be dropped) and an optimum marker.
    fn sample() -> Figure {
        let n: Vec<f64> = (0..9)
            .map(|i| 10f64.powf(2.0 + f64::from(i) * 0.5))
            .collect();
        let curve = |a: f64, b: f64| n.iter().map(|&x| (x, a * x.powf(b))).collect::<Vec<_>>();
        let mut points = curve(5.5, -0.28);
        points.push((1e3, 0.0));
        Figure {
            title: "Loss vs. training tokens".into(),
            x_label: "training tokens n".into(),
            y_label: "loss (bits/token)".into(),
            x_scale: Scale::Log,
            y_scale: Scale::Log,
            series: vec![
                Series {
                    label: "measured".into(),
                    points: curve(5.0, -0.3),
                    style: Style::LinePoints,
                    color: 0,
                },
                Series {
                    label: "theory n^-0.3".into(),
                    points: curve(5.0, -0.3),
                    style: Style::Dashed,
                    color: 1,
                },
                Series {
                    label: "seed runs".into(),
                    points,
                    style: Style::Points,
                    color: 2,
                },
                Series {
                    label: String::new(),
                    points: curve(4.5, -0.3),
                    style: Style::Line,
                    color: 5,
                },
            ],
            markers: vec![Marker {
                label: "optimum".into(),
                point: (1e4, 5.0 * 1e4f64.powf(-0.3)),
                color: 3,
            }],
        }
    }

    #[test]
    fn svg_snapshot() {
        let svg = render_svg(&sample()).unwrap();
        assert_eq!(
            svg,
            render_svg(&sample()).unwrap(),
            "SVG must be deterministic"
        );
        assert!(!svg.contains("/tmp") && !svg.contains("/work") && !svg.contains("/root"));
        insta::assert_snapshot!(svg);
    }

    #[test]
    fn panels_sit_side_by_side() {
        let mut right = sample();
        right.title = "Accuracy vs. step".into();
        let svg = render_panels_svg(&[sample(), right.clone()]).unwrap();
        assert!(svg.contains(r#"width="1600""#) && svg.contains(r#"height="560""#));
        assert!(svg.contains("Loss vs. training tokens") && svg.contains("Accuracy vs. step"));
        assert!(render_panels_svg(&[]).is_err());
        let dir = crate::test_dir("panels");
        let stem = dir.join("both");
        render_panels_files(&[sample(), right], &stem).unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("both.svg")).unwrap(), svg);
        assert!(
            std::fs::read(dir.join("both.png"))
                .unwrap()
                .starts_with(b"\x89PNG")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn render_files_writes_png_and_svg() {
        let dir = crate::test_dir("figure");
        let stem = dir.join("loss.v1");
        render_files(&sample(), &stem).unwrap();
        let png = std::fs::read(dir.join("loss.v1.png")).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        let svg = std::fs::read_to_string(dir.join("loss.v1.svg")).unwrap();
        assert_eq!(svg, render_svg(&sample()).unwrap());
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "temporary files left behind: {names:?}");
        // Set SKM_REPORT_KEEP_PNG=/some/file.png to look at the rendering.
        if let Ok(keep) = std::env::var("SKM_REPORT_KEEP_PNG") {
            std::fs::copy(dir.join("loss.v1.png"), keep).unwrap();
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn log_axis_without_positive_data_is_an_error() {
        let mut fig = sample();
        fig.title = "All negative".into();
        fig.markers.clear();
        for s in &mut fig.series {
            s.points.iter_mut().for_each(|p| p.1 = -p.1);
        }
        let err = render_svg(&fig).unwrap_err();
        assert!(matches!(&err, ReportError::Figure { title, .. } if title == "All negative"));
        assert!(err.to_string().contains("All negative"), "{err}");
        // The same data is fine on a linear y axis.
        fig.y_scale = Scale::Linear;
        render_svg(&fig).unwrap();
    }

    #[test]
    fn reads_numeric_columns() {
        let df = DataFrame::new_infer_height(vec![
            Column::from(PlSeries::new("n".into(), [1i32, 2, 3])),
            Column::from(PlSeries::new(
                "loss".into(),
                [Some(0.5f32), None, Some(0.25)],
            )),
            Column::from(PlSeries::new("name".into(), ["a", "b", "c"])),
        ])
        .unwrap();
        assert_eq!(
            series_from_columns(&df, "n", "loss").unwrap(),
            vec![(1.0, 0.5), (3.0, 0.25)]
        );
        assert!(matches!(
            series_from_columns(&df, "n", "name"),
            Err(ReportError::InvalidData(_))
        ));
        assert!(matches!(
            series_from_columns(&df, "n", "nope"),
            Err(ReportError::Polars(_))
        ));
    }

    #[test]
    fn ticks_and_labels() {
        let wide = Axis {
            scale: Scale::Log,
            lo: 50.0,
            hi: 2e6,
        };
        assert_eq!(wide.major_ticks(8), vec![1e2, 1e3, 1e4, 1e5, 1e6]);
        assert_eq!(wide.format_ext(&1e3), "10³");
        assert_eq!(wide.format_ext(&1e-2), "10⁻²");
        let very_wide = Axis {
            scale: Scale::Log,
            lo: 1e-3,
            hi: 1e12,
        };
        assert_eq!(very_wide.major_ticks(8).len(), 8);
        let narrow = Axis {
            scale: Scale::Log,
            lo: 1.5,
            hi: 30.0,
        };
        assert_eq!(narrow.major_ticks(8), vec![2.0, 5.0, 10.0, 20.0]);
        assert_eq!(narrow.format_ext(&20.0), "20");
        let lin = Axis {
            scale: Scale::Linear,
            lo: -0.03,
            hi: 0.97,
        };
        assert_eq!(lin.major_ticks(8).len(), 5);
        assert_eq!(lin.format_ext(&0.4), "0.4");
        let big = Axis {
            scale: Scale::Linear,
            lo: 0.0,
            hi: 3e6,
        };
        assert_eq!(big.format_ext(&2.5e6), "2.5M");
        let thousands = Axis {
            scale: Scale::Linear,
            lo: 0.0,
            hi: 5e5,
        };
        assert_eq!(thousands.format_ext(&1e5), "100k");
        assert_eq!(
            Axis {
                scale: Scale::Linear,
                lo: 0.0,
                hi: 3e13
            }
            .format_ext(&2e13),
            "2×10¹³"
        );
        assert_eq!(nice_step(0.13), 0.2);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(7.0), 10.0);
    }
}
