//! The paper in a real browser: headless Chromium opens, in the shared smoke run of
//! `end_to_end.rs`, (1) `results/smoke/paper/index.html`
//! with a script that checks every inline SVG figure is laid out and drawn, and (2) a page
//! with one `<img>` per figure that `index.md` links, checking every file loads as an image.
//! Each page writes a JSON verdict into `<pre id="figure-check">`, read back from
//! `--dump-dom`. Without Chromium on PATH the test says so and passes.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::paper_links::svg_links;

const NOT_FOUND: &str = "chromium not found: install Debian's chromium (sudo apt-get install chromium) to run this check";

/// Without Chromium the checks are skipped with the install hint, except under
/// `SKM_REQUIRE_TOOLS=1` (set by CI), where that is a failure.
fn skip() {
    assert!(
        std::env::var_os("SKM_REQUIRE_TOOLS").is_none_or(|v| v != "1"),
        "SKM_REQUIRE_TOOLS=1 but {NOT_FOUND}"
    );
    eprintln!("{NOT_FOUND}");
}

/// Chromium gets this long in real time; the page itself runs in virtual time.
const TIMEOUT: Duration = Duration::from_secs(120);

/// The first of Chromium's usual names on PATH.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| {
            ["chromium", "chromium-browser", "google-chrome"].map(|name| dir.join(name))
        })
        .find(|candidate| candidate.is_file())
}

/// Appended to a page: after `load`, the verdict `{"figures": n, "failed": [..]}` goes into
/// `<pre id="figure-check">`. Non-ASCII and `&<>` are JSON-escaped so that the dumped DOM
/// holds the JSON verbatim, without HTML entities.
const VERDICT: &str = r#"
function skmVerdict(figures, failed) {
  const json = JSON.stringify({figures: figures, failed: failed}).replace(/[^\x20-\x7e]|[&<>]/g,
    c => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  document.getElementById('figure-check').textContent = json;
}
"#;

/// Checks the inline SVG of every `<figure>` of the HTML paper: one SVG per figure, each
/// with child elements, a non-empty layout box and non-empty drawn content.
const HTML_CHECK: &str = r#"
addEventListener('load', () => {
  const figures = document.querySelectorAll('figure');
  const svgs = Array.from(document.querySelectorAll('figure svg'));
  const failed = [];
  if (svgs.length !== figures.length) {
    failed.push(svgs.length + ' SVG elements in ' + figures.length + ' figures');
  }
  svgs.forEach((svg, i) => {
    const box = svg.getBoundingClientRect();
    let drawn = null;
    try { drawn = svg.getBBox(); } catch (e) { drawn = null; }
    const ok = svg.childElementCount > 0 && box.width > 0 && box.height > 0 &&
      drawn !== null && drawn.width > 0 && drawn.height > 0;
    if (!ok) {
      const caption = svg.closest('figure').querySelector('figcaption');
      failed.push((caption ? caption.textContent : 'figure ' + (i + 1)).slice(0, 100));
    }
  });
  skmVerdict(figures.length, failed);
});
"#;

/// In the harness's head, so that they exist before any `<img>` fires them: each image
/// reports its `onload` (with a non-zero natural width) or `onerror` in `data-status`.
const IMG_HANDLERS: &str = r#"
function skmLoaded(img) { img.dataset.status = img.naturalWidth > 0 ? 'ok' : 'empty'; }
function skmFailed(img) { img.dataset.status = 'error'; }
"#;

/// Checks every `<img>` of the harness page: by the window's `load` all have reported.
const IMG_CHECK: &str = r#"
addEventListener('load', () => {
  const imgs = Array.from(document.querySelectorAll('img'));
  const failed = imgs.filter(img => img.dataset.status !== 'ok')
    .map(img => img.getAttribute('src') + ': ' + (img.dataset.status || 'no load event'));
  skmVerdict(imgs.length, failed);
});
"#;

fn check_element(script: &str) -> String {
    format!(
        "<pre id=\"figure-check\">no verdict: the check script did not run</pre>\n\
         <script>{VERDICT}{script}</script>\n"
    )
}

/// `html` with the figure check inserted before `</body>`.
fn with_figure_check(html: &str) -> String {
    let at = html.rfind("</body>").unwrap_or(html.len());
    format!(
        "{}{}{}",
        &html[..at],
        check_element(HTML_CHECK),
        &html[at..]
    )
}

/// A page with one `<img>` per path, relative to the page.
fn img_harness(paths: &[String]) -> String {
    let attr = |s: &str| {
        s.replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;")
    };
    let imgs: String = paths
        .iter()
        .map(|p| {
            format!(
                "<img src=\"{}\" onload=\"skmLoaded(this)\" onerror=\"skmFailed(this)\">\n",
                attr(p)
            )
        })
        .collect();
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>figures</title>\
         <script>{IMG_HANDLERS}</script></head>\n<body>\n{imgs}{}</body></html>\n",
        check_element(IMG_CHECK)
    )
}

/// `file://` URL of an absolute path, percent-encoding all but unreserved bytes and `/`.
fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            url.push(byte as char);
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

/// Opens `page` in headless Chromium and returns the DOM after the page's virtual time
/// has run out (10 s: every load event has fired by then, however slow the machine).
fn dump_dom(browser: &Path, page: &Path) -> String {
    let scratch = tempfile::tempdir().expect("temp dir");
    let (dom, log) = (
        scratch.path().join("dom.html"),
        scratch.path().join("log.txt"),
    );
    // Output goes to files: a DOM larger than a pipe's buffer would block Chromium.
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox", // Chromium refuses to run as root without it.
            "--disable-gpu",
            "--disable-dev-shm-usage", // small /dev/shm in containers
            "--allow-file-access-from-files",
            "--virtual-time-budget=10000",
        ])
        .arg(format!(
            "--user-data-dir={}",
            scratch.path().join("profile").display()
        ))
        .arg("--dump-dom")
        .arg(file_url(page))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&dom).expect("dom file"))
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", browser.display()));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for chromium") {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not finish {} in {TIMEOUT:?}; its log:\n{}",
                page.display(),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        status.success(),
        "chromium failed on {} ({status}); its log:\n{}",
        page.display(),
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    std::fs::read_to_string(&dom).expect("dumped DOM")
}

/// The verdict a page wrote: (figures checked, descriptions of the failed ones).
fn verdict(dom: &str, page: &Path) -> (usize, Vec<String>) {
    let text = dom
        .split_once("<pre id=\"figure-check\">")
        .and_then(|(_, rest)| rest.split_once("</pre>"))
        .map(|(text, _)| text)
        .unwrap_or_else(|| panic!("{}: no figure-check element in the DOM", page.display()));
    let json: serde_json::Value = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("{}: verdict {text:?}: {e}", page.display()));
    let figures = json["figures"].as_u64().expect("figure count") as usize;
    let failed = json["failed"]
        .as_array()
        .expect("failed list")
        .iter()
        .map(|f| f.as_str().unwrap_or_default().to_string())
        .collect();
    (figures, failed)
}

/// Opens the paper in `paper` both ways and describes every figure that does not load.
fn problems(browser: &Path, paper: &Path) -> Vec<String> {
    let html = std::fs::read_to_string(paper.join("index.html")).expect("index.html");
    let html_page = paper.join("index.figure-check.html");
    std::fs::write(&html_page, with_figure_check(&html)).expect("writing the HTML check");
    let (html_figures, html_failed) = verdict(&dump_dom(browser, &html_page), &html_page);

    let links = svg_links(&std::fs::read_to_string(paper.join("index.md")).expect("index.md"));
    let md_page = paper.join("index.md.figure-check.html");
    std::fs::write(&md_page, img_harness(&links)).expect("writing the Markdown check");
    let (md_figures, md_failed) = verdict(&dump_dom(browser, &md_page), &md_page);

    let expected = html.matches("<figure>").count();
    let mut problems = Vec::new();
    if expected == 0 {
        problems.push("the HTML paper has no figures".to_string());
    }
    if html_figures != expected || md_figures != expected || links.len() != expected {
        problems.push(format!(
            "figure counts disagree: {expected} <figure> in index.html, {html_figures} checked \
             there, {} links in index.md, {md_figures} images checked",
            links.len()
        ));
    }
    problems.extend(html_failed.iter().map(|f| format!("index.html: {f}")));
    problems.extend(md_failed.iter().map(|f| format!("index.md: {f}")));
    problems
}

#[test]
fn every_figure_of_the_paper_loads_in_chromium() {
    let Some(browser) = chromium() else {
        return skip();
    };
    let (out, _) = super::smoke();
    // A smoke run writes its paper under results/smoke/ (only the default profile writes paper/).
    let problems = problems(&browser, &out.join("results/smoke/paper"));
    assert!(
        problems.is_empty(),
        "figures that did not load in Chromium (output in {}):\n{}",
        out.display(),
        problems.join("\n")
    );
}

/// The checks fail where they should: an SVG that draws nothing, a missing file.
#[test]
fn the_checks_name_broken_figures() {
    let Some(browser) = chromium() else {
        return skip();
    };
    let out = tempfile::tempdir().expect("temp dir");
    let (paper, figures) = (out.path().join("paper"), out.path().join("figures/x"));
    std::fs::create_dir_all(&paper).unwrap();
    std::fs::create_dir_all(&figures).unwrap();
    let svg = |content: &str| {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"50\">{content}</svg>"
        )
    };
    let figure = |svg: String, caption: &str| {
        format!("<figure>\n{svg}\n<figcaption>{caption}</figcaption>\n</figure>\n")
    };
    let good = svg("<rect width=\"100\" height=\"50\"/>");
    std::fs::write(
        paper.join("index.html"),
        format!(
            "<!DOCTYPE html>\n<html><body>\n{}{}</body></html>\n",
            figure(good.clone(), "Figure 1. Drawn"),
            figure(svg(""), "Figure 2. Empty")
        ),
    )
    .unwrap();
    std::fs::write(figures.join("good.svg"), good).unwrap();
    std::fs::write(
        paper.join("index.md"),
        "![drawn (a)](../figures/x/good.svg)\n\n![gone](../figures/x/missing.svg)\n",
    )
    .unwrap();
    assert_eq!(
        problems(&browser, &paper),
        [
            "index.html: Figure 2. Empty",
            "index.md: ../figures/x/missing.svg: error"
        ]
    );
}
