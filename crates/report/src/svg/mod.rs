//! Shared SVG plumbing for the charts: the render context (unique ids, full or compact
//! size), the colour-blind-safe categorical palette (Okabe–Ito), text-width estimates,
//! text elements, legends, and the `<figure>` wrapper with its "No data" fallback.

pub mod axis;
mod bar;
mod frame;
mod heatmap;
mod line;

pub(crate) use bar::render as bar_chart;
pub(crate) use heatmap::render as heat_map;
pub(crate) use line::render as line_chart;

use crate::html::escape;
use crate::num::coord;
use std::fmt::Write;

/// Okabe–Ito colours, ordered so that the first few are the most distinct on white
/// (yellow, the weakest on white, comes last).
pub(crate) const PALETTE: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
];

/// The `i`-th categorical colour (cycling).
pub(crate) fn palette(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// Font size of tick labels, legends and other chart text, in viewBox units.
pub(crate) const FONT: f64 = 12.0;
/// Outer padding of every chart, in viewBox units.
pub(crate) const PAD: f64 = 8.0;
/// Colour of chart text.
pub(crate) const TEXT: &str = "#3d4450";

/// Rendering state shared by all blocks of one report.
#[derive(Debug, Default)]
pub(crate) struct Ctx {
    next_id: usize,
    /// Charts are being drawn as small multiples inside a grid.
    pub compact: bool,
}

impl Ctx {
    /// A fresh id, unique within the document.
    pub fn id(&mut self, kind: &str) -> String {
        self.next_id += 1;
        format!("h2r-{kind}-{}", self.next_id)
    }

    /// The viewBox width and height of a chart.
    pub fn size(&self) -> (f64, f64) {
        if self.compact {
            (380.0, 280.0)
        } else {
            (760.0, 430.0)
        }
    }
}

/// Rough width of `s` at font size `size` (a slight over-estimate for a sans-serif face).
pub(crate) fn text_width(s: &str, size: f64) -> f64 {
    let em: f64 = s
        .chars()
        .map(|c| match c {
            'i' | 'l' | 'j' | '.' | ',' | ':' | ';' | '!' | '|' | '\'' | 'I' | '1' => 0.32,
            ' ' | 'f' | 't' | 'r' | '(' | ')' | '[' | ']' | '-' => 0.38,
            'm' | 'w' | 'M' | 'W' | '%' | '@' | '—' => 0.88,
            c if c.is_uppercase() => 0.68,
            _ => 0.57,
        })
        .sum();
    em * size
}

/// `s` cut to at most `max` characters (with an ellipsis when cut).
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// A `<text>` element; `extra` is inserted verbatim as further attributes.
pub(crate) fn text(x: f64, y: f64, anchor: &str, size: f64, extra: &str, body: &str) -> String {
    format!(
        r#"<text x="{}" y="{}" text-anchor="{anchor}" font-size="{}" fill="{TEXT}"{extra}>{}</text>"#,
        coord(x),
        coord(y),
        coord(size),
        escape(body)
    )
}

/// The opening `<svg>` tag of a chart with the given viewBox size. The chart scales with the
/// page width up to 1.25× its natural size; full-size (non-grid) charts stop shrinking at
/// about 0.7× so their text stays legible on narrow screens (the figure scrolls instead).
pub(crate) fn open_svg(w: f64, h: f64, label: &str, compact: bool) -> String {
    let min_w = if compact {
        String::new()
    } else {
        format!(";min-width:{}px", coord((w * 0.7).min(540.0)))
    };
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" style="max-width:{mw}px{min_w}" role="img" aria-label="{label}">"#,
        w = coord(w),
        h = coord(h),
        mw = coord(w * 1.25),
        label = escape(label)
    )
}

/// Wraps chart markup in a `<figure>` with the title as caption.
pub(crate) fn figure(title: &str, body: &str) -> String {
    let caption = if title.is_empty() {
        String::new()
    } else {
        format!("<figcaption>{}</figcaption>", escape(title))
    };
    format!("<figure class=\"chart\">{caption}\n{body}\n</figure>\n")
}

/// A chart with nothing to draw.
pub(crate) fn no_data(title: &str) -> String {
    figure(title, "<p class=\"no-data\">No data to display</p>")
}

/// Running minimum and maximum of the values added.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Extent(Option<(f64, f64)>);

impl Extent {
    pub fn add(&mut self, v: f64) {
        self.0 = Some(match self.0 {
            None => (v, v),
            Some((lo, hi)) => (lo.min(v), hi.max(v)),
        });
    }
    pub fn get(self) -> Option<(f64, f64)> {
        self.0
    }
}

/// What a legend entry shows next to its name.
pub(crate) enum Swatch {
    Line { color: &'static str, dashed: bool },
    Box { color: &'static str },
    Reference,
}

/// Lays out a legend left-to-right from `(x0, y0)`, wrapping at `max_w`; returns the markup
/// and the height used (0 for no items).
pub(crate) fn legend(items: &[(String, Swatch)], x0: f64, y0: f64, max_w: f64) -> (String, f64) {
    if items.is_empty() {
        return (String::new(), 0.0);
    }
    const ROW: f64 = 18.0;
    const SAMPLE: f64 = 22.0;
    let mut out = String::from("<g class=\"legend\">");
    let (mut x, mut y) = (x0, y0 + ROW / 2.0);
    for (name, swatch) in items {
        let name = truncate(name, 40);
        let item_w = SAMPLE + 6.0 + text_width(&name, FONT);
        if x > x0 && x + item_w > x0 + max_w {
            x = x0;
            y += ROW;
        }
        match swatch {
            Swatch::Line { color, dashed } => {
                let dash = if *dashed {
                    r#" stroke-dasharray="6 4""#
                } else {
                    ""
                };
                let _ = write!(
                    out,
                    r#"<path d="M{} {}h{SAMPLE}" stroke="{color}" stroke-width="2.5"{dash}/>"#,
                    coord(x),
                    coord(y)
                );
            }
            Swatch::Box { color } => {
                let _ = write!(
                    out,
                    r#"<path d="M{} {}h14v12h-14z" fill="{color}"/>"#,
                    coord(x + 4.0),
                    coord(y - 6.0)
                );
            }
            Swatch::Reference => {
                let _ = write!(
                    out,
                    r##"<path d="M{} {}h{SAMPLE}" stroke="#555" stroke-width="1.5" stroke-dasharray="5 3"/>"##,
                    coord(x),
                    coord(y)
                );
            }
        }
        out.push_str(&text(
            x + SAMPLE + 6.0,
            y,
            "start",
            FONT,
            r#" dy="0.35em""#,
            &name,
        ));
        x += item_w + 18.0;
    }
    out.push_str("</g>");
    (out, y - y0 + ROW / 2.0)
}

/// A line chart as a standalone SVG document: the chart's `<svg>` element (without the HTML
/// `<figure>` around it) with an XML declaration and the title as `<title>`; a chart with
/// nothing to draw becomes a small SVG saying so.
pub(crate) fn standalone_line_chart(c: &crate::LineChart) -> String {
    let html = line_chart(c, &mut Ctx::default());
    let title = format!("<title>{}</title>", escape(&c.title));
    let body = match (html.find("<svg"), html.rfind("</svg>")) {
        (Some(start), Some(end)) if start < end => {
            let svg = &html[start..end + "</svg>".len()];
            match svg.find('>') {
                Some(open) => format!("{}{title}{}", &svg[..=open], &svg[open + 1..]),
                None => svg.to_string(),
            }
        }
        _ => format!(
            "{}{title}{}</svg>",
            open_svg(380.0, 60.0, &c.title, true),
            text(190.0, 34.0, "middle", FONT, "", "No data to display")
        ),
    };
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{body}\n")
}
