//! The HTML page: document skeleton, header, table of contents, sections (with unique,
//! sanitised anchor ids), block dispatch, text escaping and the inline stylesheet
//! (system fonts, max-width layout, responsive grid, print rules).

use crate::svg::{self, Ctx};
use crate::{table, Block, Report, Section};
use std::collections::HashSet;
use std::fmt::Write;

/// Escapes text for HTML and XML content and attribute values (`&`, `<`, `>`, `"`, `'`).
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

/// Plain text as paragraphs: blank lines separate paragraphs, single newlines are kept.
fn paragraphs(text: &str, class: &str) -> String {
    let class = if class.is_empty() {
        String::new()
    } else {
        format!(" class=\"{class}\"")
    };
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p{class}>{}</p>\n", escape(p).replace('\n', "<br>")))
        .collect()
}

/// Anchor ids for the sections: `[A-Za-z0-9_-]` kept, other runs become `-`, empty ids become
/// `section-N`, duplicates get a `-2`, `-3`, … suffix.
fn section_ids(sections: &[Section]) -> Vec<String> {
    let mut seen = HashSet::new();
    sections
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut id = String::new();
            for c in s.id.trim().chars() {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    id.push(c);
                } else if !id.ends_with('-') {
                    id.push('-');
                }
            }
            let id = id.trim_matches('-').to_string();
            let base = if id.is_empty() {
                format!("section-{}", i + 1)
            } else {
                id
            };
            let mut id = base.clone();
            let mut n = 1;
            while !seen.insert(id.clone()) {
                n += 1;
                id = format!("{base}-{n}");
            }
            id
        })
        .collect()
}

fn render_block(block: &Block, ctx: &mut Ctx, out: &mut String) {
    match block {
        Block::Paragraph(text) => out.push_str(&paragraphs(text, "")),
        Block::Table(t) => out.push_str(&table::render(t)),
        Block::LineChart(c) => out.push_str(&svg::line_chart(c, ctx)),
        Block::BarChart(c) => out.push_str(&svg::bar_chart(c, ctx)),
        Block::HeatMap(c) => out.push_str(&svg::heat_map(c, ctx)),
        Block::Grid(blocks) => {
            let was = ctx.compact;
            ctx.compact = true;
            out.push_str("<div class=\"grid\">\n");
            for b in blocks {
                // each cell of the grid is one element, so paragraphs and tables stay together
                out.push_str("<div class=\"cell\">");
                render_block(b, ctx, out);
                out.push_str("</div>\n");
            }
            out.push_str("</div>\n");
            ctx.compact = was;
        }
    }
}

/// Renders the whole document.
pub(crate) fn render_report(r: &Report) -> String {
    let ids = section_ids(&r.sections);
    let title = if r.title.is_empty() {
        "Report"
    } else {
        &r.title
    };
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"her2sim-report\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n\
         <header class=\"report-head\">\n<h1>{}</h1>\n",
        escape(title),
        escape(title)
    );
    if !r.subtitle.is_empty() {
        let _ = writeln!(out, "<p class=\"subtitle\">{}</p>", escape(&r.subtitle));
    }
    out.push_str("</header>\n");
    if !r.sections.is_empty() {
        out.push_str("<nav class=\"toc\" aria-label=\"Contents\">\n<h2>Contents</h2>\n<ol>\n");
        for (s, id) in r.sections.iter().zip(&ids) {
            let heading = if s.heading.is_empty() { id } else { &s.heading };
            let _ = writeln!(out, "<li><a href=\"#{id}\">{}</a></li>", escape(heading));
        }
        out.push_str("</ol>\n</nav>\n");
    }
    let mut ctx = Ctx::default();
    for (s, id) in r.sections.iter().zip(&ids) {
        let _ = writeln!(
            out,
            "<section class=\"report-section\" id=\"{id}\">\n<h2>{}</h2>",
            escape(&s.heading)
        );
        out.push_str(&paragraphs(&s.intro, "intro"));
        for b in &s.blocks {
            render_block(b, &mut ctx, &mut out);
        }
        out.push_str("</section>\n");
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// The inline stylesheet.
const CSS: &str = r#"
:root { --fg: #1f2328; --muted: #59636e; --border: #d8dee4; --soft: #f6f8fa; --accent: #0969da; }
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: #fff; color: var(--fg); font-size: 16px; line-height: 1.55;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif;
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }
main { max-width: 1040px; margin: 0 auto; padding: 2.5rem 1.5rem 4rem; }
.report-head h1 { font-size: 2rem; line-height: 1.2; margin: 0 0 .35rem; letter-spacing: -.01em; }
.report-head .subtitle { color: var(--muted); font-size: 1.1rem; margin: 0; }
nav.toc { background: var(--soft); border: 1px solid var(--border); border-radius: 8px; padding: .8rem 1.25rem .9rem; margin: 1.75rem 0 2rem; }
nav.toc h2 { font-size: .8rem; text-transform: uppercase; letter-spacing: .07em; color: var(--muted); margin: 0 0 .35rem; }
nav.toc ol { margin: 0; padding-left: 1.5rem; columns: 2 18rem; column-gap: 2rem; }
nav.toc li { break-inside: avoid; padding: .08rem 0; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
section.report-section { margin: 2.75rem 0; scroll-margin-top: 1rem; }
section.report-section > h2 { font-size: 1.45rem; line-height: 1.3; margin: 0 0 .8rem; padding-bottom: .35rem; border-bottom: 1px solid var(--border); }
p { margin: .6rem 0; max-width: 75ch; }
p.intro { color: var(--muted); }
figure.chart { margin: 1.25rem 0; padding: .85rem 1rem 1rem; overflow-x: auto; border: 1px solid var(--border); border-radius: 8px; background: #fff; break-inside: avoid; page-break-inside: avoid; }
figure.chart figcaption { font-weight: 600; font-size: 1rem; margin: 0 0 .5rem; }
figure.chart svg { display: block; width: 100%; height: auto; overflow: visible; font-family: inherit; }
figure.chart svg text { font-family: inherit; }
.no-data { margin: 0; padding: 2rem 1rem; text-align: center; color: var(--muted); font-style: italic; background: var(--soft); border-radius: 6px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 400px), 1fr)); gap: 1rem; margin: 1.25rem 0; align-items: start; }
.grid > .cell { min-width: 0; }
.grid > .cell > figure.chart, .grid > .cell > .table-wrap { margin: 0; }
.table-wrap { margin: 1.25rem 0; overflow-x: auto; }
.table-caption { font-weight: 600; }
table.data { border-collapse: collapse; width: 100%; font-size: .93rem; font-variant-numeric: tabular-nums; }
table.data caption { caption-side: top; text-align: left; font-weight: 600; padding: 0 0 .5rem; }
table.data th, table.data td { padding: .42rem .75rem; text-align: left; vertical-align: middle; border-bottom: 1px solid var(--border); }
table.data thead th { background: var(--soft); border-bottom: 2px solid #afb8c1; font-weight: 600; }
table.data tbody tr:nth-child(even) { background: #fbfcfd; }
table.data tbody tr:hover { background: #f1f5fa; }
table.data .num { text-align: right; white-space: nowrap; }
table.data .na { color: var(--muted); font-style: italic; }
table.data td.bar { min-width: 10rem; width: 30%; }
.cellbar { position: relative; height: 1.45rem; background: #eef1f4; border-radius: 4px; overflow: hidden; }
.cellbar .fill { position: absolute; left: 0; top: 0; bottom: 0; background: #a6cee3; }
.cellbar span { position: relative; display: block; padding: 0 .5rem; font-size: .85rem; line-height: 1.45rem; white-space: nowrap; }
@media (max-width: 600px) { main { padding: 1.25rem 1rem 3rem; } .report-head h1 { font-size: 1.6rem; } figure.chart { padding: .6rem; } }
@media print {
  @page { margin: 14mm; }
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  nav.toc { break-after: avoid; }
  a { color: inherit; }
  section.report-section > h2, p.intro { break-after: avoid; }
  table.data tbody tr:hover { background: none; }
  .table-wrap, figure.chart { overflow: visible; }
  figure.chart svg { min-width: 0 !important; }
  .grid { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .grid > .cell { break-inside: avoid; }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_all_five() {
        assert_eq!(
            escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn ids_are_sanitised_and_unique() {
        let s = |id: &str| Section {
            id: id.into(),
            ..Default::default()
        };
        let ids = section_ids(&[s("dose response"), s(""), s("dose-response"), s("<x>")]);
        assert_eq!(ids, ["dose-response", "section-2", "dose-response-2", "x"]);
    }

    #[test]
    fn paragraphs_split_on_blank_lines() {
        let html = paragraphs("a\nb\n\n c <d> ", "");
        assert_eq!(html, "<p>a<br>b</p>\n<p>c &lt;d&gt;</p>\n");
    }
}
