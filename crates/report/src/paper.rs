//! The generated report: a Markdown results section and a self-contained
//! HTML page with the same content.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::Path;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use crate::claims::{Claim, Verdict};
use crate::{ReportError, write_atomic};

/// A whole report: introduction, one section per experiment, a summary of
/// all claims, and where the numbers came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Document title.
    pub title: String,
    /// Markdown paragraphs before the first section.
    pub introduction: String,
    /// One section per experiment, in order.
    pub sections: Vec<Section>,
    /// Every claim, for the summary table.
    pub claims: Vec<Claim>,
    /// `(item, value)` pairs, e.g. ("git commit", "abc123"), ("seeds", "5").
    pub provenance: Vec<(String, String)>,
    /// The machine the report was made on, listed first under provenance.
    pub machine: Option<Machine>,
}

/// A machine as the caller found it (this crate reads nothing from the system).
#[derive(Debug, Clone, PartialEq)]
pub struct Machine {
    /// CPU model, e.g. "AMD EPYC 7763 64-Core Processor", or "unknown".
    pub cpu: String,
    /// Logical cores available to the process, when known.
    pub cores: Option<usize>,
    /// Total memory in GiB, when known.
    pub memory_gib: Option<f64>,
    /// Operating system, e.g. "Debian GNU/Linux 12 (bookworm), linux x86_64".
    pub os: String,
    /// Where transformers train, e.g. "cpu" or "cuda".
    pub device: String,
}

impl std::fmt::Display for Machine {
    /// One line: "CPU, N logical cores, M GiB memory, OS, training on DEVICE".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cores = self
            .cores
            .map_or("unknown number of".into(), |n| n.to_string());
        let memory = self
            .memory_gib
            .map_or("unknown".into(), |g| format!("{g:.1} GiB"));
        write!(
            f,
            "{}, {cores} logical cores, {memory} memory, {}, training on {}",
            self.cpu, self.os, self.device
        )
    }
}

/// The provenance rows, the machine first.
fn provenance_rows(report: &Report) -> Vec<(String, String)> {
    let machine = report
        .machine
        .iter()
        .map(|m| ("machine".to_string(), m.to_string()));
    machine.chain(report.provenance.iter().cloned()).collect()
}

/// One experiment's results.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Section heading.
    pub title: String,
    /// Markdown paragraphs: what theory predicts and what was measured.
    pub body: String,
    /// Figures, in order; numbered consecutively across the report.
    pub figures: Vec<FigureRef>,
    /// The claims this experiment checks.
    pub claims: Vec<Claim>,
}

/// A figure as the report uses it.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureRef {
    /// Caption (plain text, may use the inline Markdown of bodies).
    pub caption: String,
    /// The SVG document, inlined into the HTML page.
    pub svg: String,
    /// Path of the figure files relative to the report, without extension,
    /// e.g. "../figures/data-statistics/heaps"; Markdown links `<file_stem>.svg`.
    pub file_stem: String,
}

/// Formats `v` to 4 significant digits, trailing zeros dropped: plain
/// decimals for `1e-3 ≤ |v| < 1e4`, otherwise `1.235e6`.
pub fn format_number(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "∞" } else { "−∞" }.into();
    }
    if v == 0.0 {
        return "0".into();
    }
    // Rust's `{:e}` rounds first, so its exponent is the one after rounding.
    let sci = format!("{v:.3e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-3..=3).contains(&exp) {
        trim_zeros(format!("{v:.*}", (3 - exp) as usize))
    } else {
        format!("{}e{exp}", trim_zeros(mantissa.to_owned()))
    }
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// Columns of every claims table (per section and summary). "Measured" is the estimate as
/// known (a value with its interval and the interval's method, one run, a bound, or why it
/// is not measurable); "Reference" is the PASS rule ("inside: 0.5", "≥ 2", "0.5 ± 0.05",
/// "order"); "Scope" the stream length, seeds, decades of the fit and regime.
const CLAIM_HEADER: [&str; 7] = [
    "Claim",
    "Variant",
    "Scope",
    "Statement",
    "Measured",
    "Reference",
    "Verdict",
];

/// Columns right-aligned in tables: the rule is one short number. "Measured" mixes numbers
/// with words (a method, a reason), which read best left-aligned.
const NUMERIC: [&str; 1] = ["Reference"];

fn claim_cells(c: &Claim) -> [String; 7] {
    [
        c.id.clone(),
        c.variant.clone(),
        c.scope.clone(),
        c.statement.clone(),
        c.estimate_text(),
        c.rule_text(),
        c.verdict_text(),
    ]
}

/// "12 of 36 checks pass, 20 fail, 4 not measurable."
fn summary_line(claims: &[Claim]) -> String {
    let count = |v: Verdict| claims.iter().filter(|c| c.verdict() == v).count();
    let failed = count(Verdict::Fail);
    format!(
        "{} of {} checks pass, {failed} {}, {} not measurable.",
        count(Verdict::Pass),
        claims.len(),
        if failed == 1 { "fails" } else { "fail" },
        count(Verdict::NotMeasurable),
    )
}

/// How each claim was measured, one entry per distinct (id, detail); the
/// variant is named only when variants of one claim were measured differently.
fn details(claims: &[Claim]) -> Vec<(String, &str)> {
    let mut seen = HashSet::new();
    claims
        .iter()
        .filter(|c| seen.insert((&c.id, &c.detail)))
        .map(|c| {
            let shared = claims
                .iter()
                .filter(|o| o.id == c.id)
                .all(|o| o.detail == c.detail);
            let label = if shared || c.variant.is_empty() {
                c.id.clone()
            } else {
                format!("{} ({})", c.id, c.variant)
            };
            (label, c.detail.as_str())
        })
        .collect()
}

/// The report as Markdown: title, introduction, numbered sections with
/// figures (`![caption](stem.svg)` plus an italic caption), claim tables
/// and how each claim was measured, a summary table of all claims, and
/// provenance.
pub fn markdown(report: &Report) -> String {
    let mut md = format!("# {}\n\n", report.title);
    push_block(&mut md, &report.introduction);
    let mut figure_no = 0;
    for (i, section) in report.sections.iter().enumerate() {
        let _ = write!(md, "## {}. {}\n\n", i + 1, section.title);
        push_block(&mut md, &section.body);
        for fig in &section.figures {
            figure_no += 1;
            let alt = one_line(&fig.caption).replace(['[', ']'], "");
            let _ = write!(
                md,
                "![{alt}]({}.svg)\n\n*Figure {figure_no}. {}*\n\n",
                fig.file_stem,
                one_line(&fig.caption)
            );
        }
        if !section.claims.is_empty() {
            md_table(
                &mut md,
                &CLAIM_HEADER,
                section.claims.iter().map(claim_cells),
            );
            for (label, detail) in details(&section.claims) {
                let _ = writeln!(md, "- *{label}*: {}", one_line(detail));
            }
            md.push('\n');
        }
    }
    md.push_str("## Summary of claims\n\n");
    if report.claims.is_empty() {
        md.push_str("No claims were checked.\n\n");
    } else {
        md_table(
            &mut md,
            &CLAIM_HEADER,
            report.claims.iter().map(claim_cells),
        );
        let _ = write!(md, "{}\n\n", summary_line(&report.claims));
    }
    let provenance = provenance_rows(report);
    if !provenance.is_empty() {
        md.push_str("## Provenance\n\n");
        let rows = provenance.into_iter().map(|(k, v)| [k, v]);
        md_table(&mut md, &["Item", "Value"], rows);
    }
    md.truncate(md.trim_end().len());
    md.push('\n');
    md
}

fn push_block(out: &mut String, text: &str) {
    let text = text.trim();
    if !text.is_empty() {
        out.push_str(text);
        out.push_str("\n\n");
    }
}

/// Collapses newlines so a text fits in one table cell or caption line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn md_table<const N: usize>(
    out: &mut String,
    header: &[&str; N],
    rows: impl Iterator<Item = [String; N]>,
) {
    let cell = |s: &str| one_line(s).replace('|', "\\|");
    let line = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    out.push_str(&line(header.iter().map(|h| cell(h)).collect()));
    // Numbers read best right-aligned.
    let rule = |h: &&str| if NUMERIC.contains(h) { "---:" } else { "---" }.to_owned();
    out.push_str(&line(header.iter().map(rule).collect()));
    for row in rows {
        out.push_str(&line(row.iter().map(|c| cell(c)).collect()));
    }
    out.push('\n');
}

/// Writes [`markdown`] of `report` to `path` (via a temporary file and a rename).
pub fn write_markdown(report: &Report, path: &Path) -> Result<(), ReportError> {
    write_atomic(path, markdown(report).as_bytes())
}

/// Writes [`html`] of `report` to `path` (via a temporary file and a rename).
pub fn write_html(report: &Report, path: &Path) -> Result<(), ReportError> {
    write_atomic(path, html(report).as_bytes())
}

const CSS: &str = "\
body{margin:0;background:#fcfcfa;color:#1f2328;\
font:17px/1.6 Charter,'Bitstream Charter','Sitka Text',Cambria,Georgia,serif}
main{max-width:60rem;margin:0 auto;padding:2.5rem 1.25rem 4rem}
h1,h2{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;line-height:1.25}
h1{font-size:2rem;margin:0 0 1.5rem}
h2{font-size:1.35rem;margin-top:2.75rem;padding-bottom:.3rem;border-bottom:1px solid #d8d8d4}
figure{margin:1.75rem 0}
figure svg{display:block;max-width:100%;height:auto;margin:0 auto}
figcaption{font-size:.95rem;color:#444;margin-top:.5rem}
.table{overflow-x:auto;margin:1.25rem 0}
table{border-collapse:collapse;width:100%;font:.88rem/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}
th,td{padding:.4rem .6rem;border-bottom:1px solid #e4e4e0;text-align:left;vertical-align:top}
th{border-bottom:2px solid #9a9a94;white-space:nowrap}
th.num{text-align:right}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.pass{color:#1a7f37;font-weight:700}
td.fail{color:#cf222e;font-weight:700}
td.unmeasured{color:#6e7781;font-weight:700}
td .why{font-weight:400}
ul.how{font-size:.95rem;color:#333}
code{font:.88em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#efefeb;padding:.1em .3em;border-radius:3px}
";

/// The report as one self-contained HTML page: inline CSS, figures as
/// inline SVG, no external resources. Bodies go through [`markdown_to_html`],
/// titles, captions and table cells through [`inline`] (both CommonMark, with
/// raw HTML escaped); every other text is escaped.
pub fn html(report: &Report) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<main>\n<h1>{}</h1>\n",
        escape(&report.title),
        inline(&report.title),
    );
    h.push_str(&markdown_to_html(&report.introduction));
    let mut figures = 0;
    for (i, section) in report.sections.iter().enumerate() {
        html_section(&mut h, i + 1, section, &mut figures);
    }
    h.push_str("<section>\n<h2>Summary of claims</h2>\n");
    if report.claims.is_empty() {
        h.push_str("<p>No claims were checked.</p>\n");
    } else {
        html_claims(&mut h, &report.claims);
        let _ = writeln!(h, "<p>{}</p>", escape(&summary_line(&report.claims)));
    }
    h.push_str("</section>\n");
    html_provenance(&mut h, report);
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

/// Section `number`: its body, its figures (numbered on from `figures`, which it advances),
/// its claim table and how each claim was measured.
fn html_section(h: &mut String, number: usize, section: &Section, figures: &mut usize) {
    let _ = write!(
        h,
        "<section>\n<h2>{number}. {}</h2>\n",
        inline(&section.title)
    );
    h.push_str(&markdown_to_html(&section.body));
    for fig in &section.figures {
        *figures += 1;
        let _ = write!(
            h,
            "<figure>\n{}\n<figcaption><strong>Figure {figures}.</strong> {}</figcaption>\n</figure>\n",
            fig.svg.trim(),
            inline(&one_line(&fig.caption))
        );
    }
    if !section.claims.is_empty() {
        html_claims(h, &section.claims);
        h.push_str("<ul class=\"how\">\n");
        for (label, detail) in details(&section.claims) {
            let _ = writeln!(
                h,
                "<li><em>{}</em>: {}</li>",
                escape(&label),
                inline(detail)
            );
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</section>\n");
}

/// The provenance table, when the report has any.
fn html_provenance(h: &mut String, report: &Report) {
    let provenance = provenance_rows(report);
    if provenance.is_empty() {
        return;
    }
    h.push_str("<section>\n<h2>Provenance</h2>\n<div class=\"table\"><table>\n");
    h.push_str("<tr><th>Item</th><th>Value</th></tr>\n");
    for (k, v) in &provenance {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td><code>{}</code></td></tr>",
            escape(k),
            escape(v)
        );
    }
    h.push_str("</table></div>\n</section>\n");
}

fn html_claims(h: &mut String, claims: &[Claim]) {
    h.push_str("<div class=\"table\"><table>\n<tr>");
    for name in CLAIM_HEADER {
        let class = if NUMERIC.contains(&name) {
            " class=\"num\""
        } else {
            ""
        };
        let _ = write!(h, "<th{class}>{}</th>", escape(name));
    }
    h.push_str("</tr>\n");
    for c in claims {
        let [id, variant, scope, statement, measured, reference, _] = claim_cells(c);
        // The verdict in bold, the rule's reason (if any) in the text's weight.
        let verdict = match c.undecided_reason() {
            Some(reason) => format!(
                "{}<span class=\"why\">: {}</span>",
                c.verdict(),
                escape(reason)
            ),
            None => c.verdict().to_string(),
        };
        let class = match c.verdict() {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::NotMeasurable => "unmeasured",
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td class=\"num\">{}</td><td class=\"{class}\">{}</td></tr>",
            escape(&id),
            escape(&variant),
            escape(&scope),
            inline(&statement),
            escape(&measured),
            escape(&reference),
            verdict,
        );
    }
    h.push_str("</table></div>\n");
}

/// Escapes the five HTML-special characters.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Converts Markdown (CommonMark, no extensions) to HTML with `pulldown-cmark`.
///
/// Text is escaped by the HTML writer. Raw HTML in the input is escaped too, never passed
/// through: CommonMark would copy `<b>` or an HTML block verbatim, and the report is built
/// from experiment output that may hold any characters. No extension is enabled, so math in
/// plain text (`L(n) ~ n^-0.5`, `2 * 3`, `$x$`) stays as written.
pub fn markdown_to_html(md: &str) -> String {
    let mut out = String::new();
    pulldown_cmark::html::push_html(
        &mut out,
        escape_raw_html(Parser::new_ext(md, Options::empty())),
    );
    out
}

/// Inline Markdown of one line (a title, caption, table cell) to escaped HTML, without the
/// paragraph around it: `` `code` ``, `**bold**`, `*emphasis*` and the rest of CommonMark's
/// inline forms. Newlines become spaces. A text that would not be a single paragraph
/// (one starting like a heading, a list item or a quote, e.g. "1. x" or "# x") is shown
/// literally instead, since such a line is a label, not a block.
pub fn inline(text: &str) -> String {
    let line = one_line(text);
    let mut events = Parser::new_ext(&line, Options::empty()).collect::<Vec<_>>();
    let single_paragraph = matches!(events.first(), Some(Event::Start(Tag::Paragraph)))
        && matches!(events.last(), Some(Event::End(TagEnd::Paragraph)))
        && events
            .iter()
            .filter(|e| matches!(e, Event::Start(Tag::Paragraph)))
            .count()
            == 1;
    if !single_paragraph {
        return escape(&line);
    }
    events.pop();
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, escape_raw_html(events.into_iter().skip(1)));
    out
}

/// Turns raw HTML into text, so the HTML writer escapes it; an HTML block becomes a
/// paragraph of that text.
fn escape_raw_html<'a>(events: impl Iterator<Item = Event<'a>>) -> impl Iterator<Item = Event<'a>> {
    events.map(|event| match event {
        Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
        Event::Start(Tag::HtmlBlock) => Event::Start(Tag::Paragraph),
        Event::End(TagEnd::HtmlBlock) => Event::End(TagEnd::Paragraph),
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::claims::{Estimate, Rule, Side};

    /// A C1 row: the fitted exponent with a t-interval over seeds, PASS when it holds 0.5.
    fn exponent(variant: &str, measured: f64) -> Claim {
        let mut claim = Claim::judged(
            "C1",
            variant,
            "data-statistics",
            "Heaps exponent equals *1/alpha*",
            Estimate::Interval {
                value: measured,
                lo: measured - 0.0123,
                hi: measured + 0.0123,
                method: "95% t-interval over 5 seeds".into(),
            },
            Rule::ReferenceInside { reference: 0.5 },
            "Pooled log-log OLS over 5 seeds; PASS if the 95% interval contains theory.",
        );
        claim.scope = "N = 1e5 sentences, 5 seeds, 2 decades; exact streams".into();
        claim
    }

    /// One claim of every other estimate kind, for the tables.
    fn others() -> Vec<Claim> {
        let claim = |id: &str, statement: &str, estimate, rule, detail: &str| {
            Claim::judged(id, "", "train-smoke", statement, estimate, rule, detail)
        };
        vec![
            claim(
                "C4",
                "Syntax is learned decades before knowledge",
                Estimate::Bound {
                    value: 1.2,
                    side: Side::AtLeast,
                },
                Rule::AtLeast { threshold: 2.0 },
                "Knowledge had not settled when the run ended: the gap is a lower bound.",
            ),
            claim(
                "C8",
                "Loss is linear in |x| for frequent entities",
                Estimate::SingleRun { value: 1.04 },
                Rule::Within {
                    reference: 1.0,
                    tolerance: 0.05,
                },
                "Slope of one run; PASS within 0.05 of 1.",
            ),
            claim(
                "C12",
                "The trained model compresses better than gzip",
                Estimate::NotMeasurable {
                    reason: "no model was trained".into(),
                },
                Rule::Order { holds: false },
                "Bits per token of every coder, every seed.",
            ),
        ]
    }

    fn report() -> Report {
        let mut claims = vec![exponent("alpha=0.5", 0.50312), exponent("alpha=0.8", 0.9)];
        claims.extend(others());
        Report {
            title: "Understanding LLM behaviours via compression: results".into(),
            introduction: "We reproduce the *data* experiments.\nAll runs use `seed=0..5`.\n\n\
                           - first point\n- second **point** with L(n) ~ n^-0.5"
                .into(),
            sections: vec![Section {
                title: "Data statistics".into(),
                body: "Theory predicts V(n) ∝ n^(1/alpha) for n < N.".into(),
                figures: vec![FigureRef {
                    caption: "Vocabulary growth <Heaps' law>".into(),
                    svg: "<svg xmlns=\"http://www.w3.org/2000/svg\"><text>V &amp; n</text></svg>"
                        .into(),
                    file_stem: "../figures/data-statistics/heaps".into(),
                }],
                claims: claims.clone(),
            }],
            claims,
            provenance: vec![
                ("git commit".into(), "0123abcd".into()),
                ("seeds".into(), "5".into()),
            ],
            machine: Some(Machine {
                cpu: "Example CPU <v2>".into(),
                cores: Some(8),
                memory_gib: Some(15.6),
                os: "Debian GNU/Linux 12 (bookworm), linux x86_64".into(),
                device: "cpu".into(),
            }),
        }
    }

    #[test]
    fn numbers_have_four_significant_digits() {
        let cases = [
            (0.5, "0.5"),
            (0.123456, "0.1235"),
            (1234.56, "1235"),
            (12345.6, "1.235e4"),
            (-0.000123456, "-1.235e-4"),
            (0.001, "0.001"),
            (9999.6, "1e4"),
            (0.0, "0"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "−∞"),
        ];
        for (v, want) in cases {
            assert_eq!(format_number(v), want, "{v}");
        }
    }

    #[test]
    fn markdown_snapshot() {
        insta::assert_snapshot!(markdown(&report()));
    }

    #[test]
    fn inline_markdown() {
        assert_eq!(
            inline("a *b* **c** `<d>` 2 * 3 & x*y"),
            "a <em>b</em> <strong>c</strong> <code>&lt;d&gt;</code> 2 * 3 &amp; x*y"
        );
        assert_eq!(inline("**unclosed"), "**unclosed");
        assert_eq!(inline("two\nlines"), "two lines");
        // Lines that would be blocks (an ordered list, a heading) are labels: shown as written.
        assert_eq!(inline("1. x"), "1. x");
        assert_eq!(inline("# <x>"), "# &lt;x&gt;");
        assert_eq!(
            markdown_to_html("p1 line\nmore\n\n- a\n  cont\n- b\n\np2"),
            "<p>p1 line\nmore</p>\n<ul>\n<li>a\ncont</li>\n<li>b</li>\n</ul>\n<p>p2</p>\n"
        );
    }

    #[test]
    fn raw_html_is_escaped_not_passed_through() {
        assert_eq!(
            inline("a <b>bold</b> <script>x</script>"),
            "a &lt;b&gt;bold&lt;/b&gt; &lt;script&gt;x&lt;/script&gt;"
        );
        assert_eq!(
            markdown_to_html("<div onclick=\"x\">\nhi\n</div>\n\ntext <i>it</i>"),
            "<p>&lt;div onclick=\"x\"&gt;\nhi\n&lt;/div&gt;\n</p>\n\
             <p>text &lt;i&gt;it&lt;/i&gt;</p>\n"
        );
    }

    #[test]
    fn html_is_self_contained() {
        let r = report();
        let page = html(&r);
        for fig in r.sections.iter().flat_map(|s| &s.figures) {
            assert!(page.contains(fig.svg.trim()));
        }
        let without_ns = page.replace("http://www.w3.org/2000/svg", "");
        assert!(!without_ns.contains("http"), "external reference in page");
        assert!(page.contains("&lt;Heaps' law&gt;"));
        assert!(page.contains("<td class=\"fail\">FAIL</td>"));
        assert!(page.contains("<td class=\"pass\">PASS</td>"));
        assert!(page.contains("<td class=\"unmeasured\">NOT MEASURABLE</td>"));
        // The rule's reason in the text's weight, after the verdict.
        assert!(page.contains(
            "<td class=\"unmeasured\">NOT MEASURABLE<span class=\"why\">: only a bound is known \
             (the value is at least 1.2): the true value may or may not be ≥ 2</span></td>"
        ));
        assert!(page.contains("<em>1/alpha</em>"));
        assert!(page.contains("<td>≥ 1.2</td><td class=\"num\">≥ 2</td>"));
        assert!(page.contains("<p>2 of 5 checks pass, 1 fails, 2 not measurable.</p>"));
        assert!(!page.contains("95% interval</th>"));
    }

    #[test]
    fn provenance_lists_the_machine_first() {
        let r = report();
        let line = "Example CPU <v2>, 8 logical cores, 15.6 GiB memory, \
                    Debian GNU/Linux 12 (bookworm), linux x86_64, training on cpu";
        assert!(markdown(&r).contains(&format!(
            "| Item | Value |\n| --- | --- |\n| machine | {line} |\n"
        )));
        assert!(html(&r).contains(&format!(
            "<tr><th>Item</th><th>Value</th></tr>\n<tr><td>machine</td><td><code>{}</code></td></tr>",
            escape(line)
        )));
        // Unknown parts say so, and the machine alone makes a provenance section.
        let machine = Machine {
            cpu: "unknown".into(),
            cores: None,
            memory_gib: None,
            os: "linux aarch64".into(),
            device: "cuda".into(),
        };
        assert_eq!(
            machine.to_string(),
            "unknown, unknown number of logical cores, unknown memory, linux aarch64, training on cuda"
        );
        let only_machine = Report {
            provenance: Vec::new(),
            machine: Some(machine),
            ..r
        };
        assert!(markdown(&only_machine).contains("## Provenance"));
        assert!(html(&only_machine).contains("<h2>Provenance</h2>"));
    }

    #[test]
    fn writers_write_atomically() {
        let dir = crate::test_dir("paper");
        let (md, page) = (dir.join("report.md"), dir.join("report.html"));
        write_markdown(&report(), &md).unwrap();
        write_html(&report(), &page).unwrap();
        assert_eq!(std::fs::read_to_string(&md).unwrap(), markdown(&report()));
        assert_eq!(std::fs::read_to_string(&page).unwrap(), html(&report()));
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
