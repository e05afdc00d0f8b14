//! Reading the paper's Markdown, shared by the test programs that check its figures.

/// The targets of the Markdown image links `![alt](path.svg)`, in order. The alt text may
/// hold parentheses but no brackets, so the link is the last `](` of its line.
pub fn svg_links(md: &str) -> Vec<String> {
    md.lines()
        .filter(|line| line.starts_with("!["))
        .filter_map(|line| {
            let (_, rest) = line.rsplit_once("](")?;
            let path = rest.strip_suffix(')')?;
            path.ends_with(".svg").then(|| path.to_string())
        })
        .collect()
}
