//! Progress bars (indicatif) for the experiments' [`Progress`].

use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressStyle};
use skm_experiments::Progress;

/// A progress bar of one experiment; training steps also show the loss and the rate of
/// trained tokens since the bar started (over every run training at once).
pub struct Bar {
    bar: ProgressBar,
    tokens: AtomicU64,
}

impl Bar {
    /// A bar of `len` units named `name`; hidden unless `visible`.
    pub fn new(len: u64, name: &str, unit: &str, visible: bool) -> Self {
        let bar = if visible {
            let bar = ProgressBar::new(len);
            bar.set_style(
                ProgressStyle::with_template(&format!(
                    "{{prefix:>22}} [{{bar:30}}] {{percent:>3}}% {{human_pos}}/{{human_len}} {unit}, ETA {{eta}} {{msg}}"
                ))
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_prefix(name.to_string());
            bar
        } else {
            ProgressBar::hidden()
        };
        Bar {
            bar,
            tokens: AtomicU64::new(0),
        }
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for Bar {
    fn inc(&self, n: u64) {
        self.bar.inc(n);
    }

    fn set_message(&self, message: &str) {
        self.bar.set_message(message.to_string());
    }

    fn println(&self, line: &str) {
        // A hidden bar (no terminal) prints nothing: the line still reaches the reader.
        if self.bar.is_hidden() {
            eprintln!("{line}");
        } else {
            self.bar.println(line);
        }
    }

    fn trained(&self, tokens: u64, loss_nats: f32) {
        let total = self.tokens.fetch_add(tokens, Ordering::Relaxed) + tokens;
        let seconds = self.bar.elapsed().as_secs_f64().max(1e-9);
        self.bar.set_message(format!(
            "loss {loss_nats:.3} nats, {:.0} tok/s",
            total as f64 / seconds
        ));
    }
}
