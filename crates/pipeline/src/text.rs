//! The text of corpora the project does not generate: the pipeline runs the program an
//! experiment names ([`TextSource`]) and hands its output to the experiment.

use skm_experiments::spec::Spec;
use skm_experiments::{Experiment, TextSource};

/// The text `source` prints, or why it cannot be had (the program is missing, fails or
/// prints nothing), with the install hint.
pub fn read(source: &TextSource) -> Result<String, String> {
    let missing = || {
        format!(
            "the corpus program `{}` is not installed: install it with `{}`",
            source.program, source.install
        )
    };
    let shell = xshell::Shell::new().map_err(|e| e.to_string())?;
    let program = &source.program;
    let arguments = &source.arguments;
    let text = xshell::cmd!(shell, "{program} {arguments...}")
        .quiet()
        .ignore_stderr()
        .read()
        .map_err(|_| missing())?;
    if text.trim().is_empty() {
        return Err(format!("`{program}` printed nothing: {}", missing()));
    }
    Ok(text)
}

/// The corpus text of `experiment` at `spec`: `Ok(None)` for an experiment on generated
/// data, `Err(reason)` when its program cannot run here (the experiment is then skipped).
pub fn of(experiment: &dyn Experiment, spec: &Spec) -> Result<Option<String>, String> {
    match experiment.text_source(spec).map_err(|e| format!("{e:#}"))? {
        None => Ok(None),
        Some(source) => read(&source).map(Some),
    }
}
