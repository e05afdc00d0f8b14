//! The figure of one point: an outlined bar per coder, the seeds as dots.

use skm_report::{Figure, Scale, Series, Style};
use skm_trainer::ModelConfig;

use super::CODERS;
use super::codes::Codes;
use crate::slug;
use crate::training::model_label;
use crate::{FigureOut, num};

/// Half the width of a bar.
const HALF: f64 = 0.35;

/// The bars of point `label`; `several`: the spec has more than one point.
pub(super) fn figure(label: &str, codes: &Codes, model: &ModelConfig, several: bool) -> FigureOut {
    let title = if several {
        format!("Bits per token on the same stream, {label}")
    } else {
        "Bits per token on the same stream".to_string()
    };
    let seeds = codes.seeds;
    let (stream_tokens, coded, steps) =
        (num(codes.stream_tokens), num(codes.coded), num(codes.steps));
    let dots = if seeds > 1 { ", each seed a dot" } else { "" };
    let (model, width) = (model_label(model), num(codes.token_bytes));
    FigureOut {
        stem: format!("codes-{}", slug(label)),
        caption: format!(
            "Bits per token of one stream ({label}, {stream_tokens} tokens, mean over {seeds} seed(s){dots}) under six codes: the oracle and the Bayes learner (every token), a {model} transformer coding it prequentially in one pass ({coded} of the tokens: those of its {steps} full batches; it transmits no weights, since a decoder replays the training), and gzip, xz and zstd on the tokens written as {width}-byte integers (whole files, headers included). Compare per token."
        ),
        panels: vec![Figure {
            title,
            x_label: "code (0 oracle, 1 Bayes, 2 transformer, 3 gzip, 4 xz, 5 zstd)".into(),
            y_label: "bits per token".into(),
            x_scale: Scale::Linear,
            y_scale: Scale::Linear,
            series: bars(codes),
            markers: Vec::new(),
        }],
    }
}

/// One outlined bar per coder at its seed mean, and the seeds as dots when there are several.
fn bars(codes: &Codes) -> Vec<Series> {
    let mut series = Vec::new();
    for (i, (&(_, name), &m)) in CODERS.iter().zip(&codes.means).enumerate() {
        let x = i as f64;
        series.push(Series {
            label: format!("{i}: {name}, {}", num(m)),
            points: vec![
                (x - HALF, 0.0),
                (x - HALF, m),
                (x + HALF, m),
                (x + HALF, 0.0),
                (x - HALF, 0.0),
            ],
            style: Style::Line,
            color: i,
        });
        if codes.seeds > 1 {
            series.push(Series {
                label: String::new(),
                points: codes.values[i].iter().map(|&v| (x, v)).collect(),
                style: Style::Points,
                color: i,
            });
        }
    }
    series
}
