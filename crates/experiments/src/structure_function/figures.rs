//! The figures of one structure-function point: the structure functions of the first seed,
//! one curve per N with the optimum marked, and m*(N) beside K_N with a line of slope alpha.

use crate::error::Result;
use crate::frames::columns::{N, SEED};
use skm_report::{Figure, Marker, Scale, Series, Style};
use skm_theory::exponents;

use super::schema::{curves, optimum};
use crate::spec::Spec;
use crate::{FigureOut, Frame, floats, num, slug};

/// A curve as `(x, y)` points.
pub(super) type Points = Vec<(f64, f64)>;

/// `structure-function-<point>` from the point's `curves` and `optimum` rows.
pub(super) fn structure_function(
    spec: &Spec,
    label: &str,
    (curves, optima): (&Frame, &Frame),
) -> Result<FigureOut> {
    let seed = spec.seeds[0];
    let (ns, seeds) = (floats(curves, N)?, floats(curves, SEED)?);
    let (model, data, m) = (
        floats(curves, curves::MODEL_BITS)?,
        floats(curves, curves::DATA_BITS)?,
        floats(curves, curves::M)?,
    );
    let best = floats(optima, optimum::M_STAR)?;
    let (best_n, best_seed) = (floats(optima, N)?, floats(optima, SEED)?);
    let (mut series, mut markers) = (Vec::new(), Vec::new());
    for (color, &n) in spec.sizes.iter().enumerate() {
        let rows: Vec<usize> = (0..ns.len())
            .filter(|&i| ns[i] == n as f64 && seeds[i] == seed as f64)
            .collect();
        let at = |i: usize| (model[i], data[i] / n as f64);
        series.push(Series {
            label: format!("N = {}", num(n as f64)),
            points: rows.iter().map(|&i| at(i)).collect(),
            style: Style::Line,
            color,
        });
        let chosen =
            (0..best.len()).find(|&i| best_n[i] == n as f64 && best_seed[i] == seed as f64);
        if let Some(i) = chosen.and_then(|j| rows.iter().copied().find(|&i| m[i] == best[j])) {
            markers.push(Marker {
                label: if color == 0 {
                    "two-part optimum".into()
                } else {
                    String::new()
                },
                point: at(i),
                color,
            });
        }
    }
    Ok(FigureOut {
        stem: format!("structure-function-{}", slug(label)),
        caption: format!(
            "Kolmogorov structure function of the corpus ({label}, seed {seed}): data bits per sentence of the capacity-limited learner against its model bits C(m), for each stream size N; the dot marks the two-part optimum min_m C(m) + N loss(m)."
        ),
        panels: vec![Figure {
            title: format!("Structure function, {label}"),
            x_label: "model bits C(m)".into(),
            y_label: "data bits per sentence".into(),
            x_scale: Scale::Log,
            y_scale: Scale::Linear,
            series,
            markers,
        }],
    })
}

/// `optimal-entities-<point>`: the seed-mean m*(N) (`mean`) and K_N (`distinct`) against N,
/// beside the exact `E[G_N(c)]` (`expected`, `c` the least stored count), with a line of
/// slope alpha from the first point at or after `from` up to `n_max`.
pub(super) fn optimal_entities(
    (label, alpha): (&str, f64),
    (mean, distinct, (c, expected)): (Points, Points, (u64, Points)),
    (from, n_max): (f64, f64),
) -> FigureOut {
    let start = mean.iter().find(|(n, y)| *n >= from && *y > 0.0).copied();
    let mut series = vec![
        Series {
            label: "m*(N), mean over seeds".into(),
            points: mean,
            style: Style::LinePoints,
            color: 0,
        },
        Series {
            label: "distinct entities K_N".into(),
            points: distinct,
            style: Style::Line,
            color: 1,
        },
        Series {
            label: format!("exact E[G_N({c})], entities seen >= {c} times"),
            points: expected,
            style: Style::Dashed,
            color: 2,
        },
    ];
    if let Some((n0, y0)) = start {
        series.push(Series {
            label: format!("slope alpha = {alpha}"),
            points: vec![(n0, y0), (n_max, y0 * (n_max / n0).powf(alpha))],
            style: Style::Dashed,
            color: 0,
        });
    }
    FigureOut {
        stem: format!("optimal-entities-{}", slug(label)),
        caption: format!(
            "Entities stored by the two-part optimum, m*(N), against stream size N ({label}), beside all distinct entities K_N and the exact expected number of entities seen at least c times, E[G_N(c)], c = {c} the optimum's least stored count, with a line of slope alpha (the asymptote)."
        ),
        panels: vec![Figure {
            title: format!("Two-part optimum m*(N), {label}"),
            x_label: "sentences N".into(),
            y_label: "entities".into(),
            x_scale: Scale::Log,
            y_scale: Scale::Log,
            series,
            markers: Vec::new(),
        }],
    }
}

/// `capacity-excess-<point>`: the capacity-limited learner's excess over the oracle against
/// its budget at the largest N (`n`), the mean over seeds (`measured`) and over spectra drawn
/// from the exact law (`exact`, `chains` of them) at each least count c, with a line of the
/// asymptotic slope `-(1 - alpha)/alpha` through the first measured point.
pub(super) fn capacity_excess(
    (label, alpha): (&str, f64),
    (measured, exact): (Points, Points),
    (n, chains): (u64, usize),
) -> FigureOut {
    let slope = -exponents::model_scaling_exponent(alpha);
    let (first, last) = (measured.first().copied(), measured.last().copied());
    let mut series = vec![
        Series {
            label: "measured, mean over seeds".into(),
            points: measured,
            style: Style::LinePoints,
            color: 0,
        },
        Series {
            label: format!("exact law, mean of {chains} spectra"),
            points: exact,
            style: Style::Dashed,
            color: 2,
        },
    ];
    if let (Some((m0, x0)), Some((m1, _))) = (first, last) {
        series.push(Series {
            label: format!("asymptotic slope -(1 - alpha)/alpha = {}", num(slope)),
            points: vec![(m0, x0), (m1, x0 * (m1 / m0).powf(slope))],
            style: Style::Dashed,
            color: 3,
        });
    }
    FigureOut {
        stem: format!("capacity-excess-{}", slug(label)),
        caption: format!(
            "The capacity-limited learner that stores the entities seen at least c times: its excess over the oracle on the first {sentences} sentences against the entities it stores, G(c), one point per c of the fit window ({label}), measured (mean over seeds of G and of the excess at each c) and under the exact law (the same means over {chains} frequency spectra drawn from the Pitman-Yor process, the weights integrated exactly), with the asymptotic model-scaling slope. How many entities a stream draws varies strongly between seeds, which moves a curve along the law; the check compares slopes.",
            sentences = num(n as f64),
        ),
        panels: vec![Figure {
            title: format!("Capacity-limited learner, {label}"),
            x_label: "entities stored G(c)".into(),
            y_label: "excess over the oracle (bits)".into(),
            x_scale: Scale::Log,
            y_scale: Scale::Log,
            series,
            markers: Vec::new(),
        }],
    }
}
