//! HTML tables: caption, header row, text / number / inline-bar cells. Numeric columns are
//! right-aligned with tabular figures; non-finite numbers show "n/a"; short rows are padded.

use crate::html::escape;
use crate::num::{coord, fixed, sig};
use crate::{Cell, Table};
use std::fmt::Write;

fn is_numeric(cell: &Cell) -> bool {
    matches!(cell, Cell::Number { .. })
}

fn cell_html(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => format!("<td>{}</td>", escape(s)),
        Cell::Number { value, digits } if value.is_finite() => {
            format!("<td class=\"num\">{}</td>", fixed(*value, *digits))
        }
        Cell::Number { .. } => "<td class=\"num na\">n/a</td>".to_string(),
        Cell::Bar { value, max, label } => {
            let label = if label.is_empty() {
                sig(*value, 3)
            } else {
                label.clone()
            };
            let frac = if value.is_finite() && max.is_finite() && *max > 0.0 {
                Some((value / max).clamp(0.0, 1.0))
            } else {
                None
            };
            match frac {
                Some(f) => format!(
                    "<td class=\"bar\"><div class=\"cellbar\" title=\"{tip}\"><div class=\"fill\" style=\"width:{pct}%\"></div><span>{label}</span></div></td>",
                    tip = escape(&format!("{} of {}", sig(*value, 4), sig(*max, 4))),
                    pct = coord(f * 100.0),
                    label = escape(&label),
                ),
                None => "<td class=\"bar na\">n/a</td>".to_string(),
            }
        }
    }
}

/// Renders a table (wrapped in a horizontally scrollable container).
pub(crate) fn render(t: &Table) -> String {
    let ncols = t
        .rows
        .iter()
        .map(Vec::len)
        .fold(t.headers.len(), usize::max);
    if ncols == 0 {
        let caption = if t.caption.is_empty() {
            String::new()
        } else {
            format!("<p class=\"table-caption\">{}</p>", escape(&t.caption))
        };
        return format!("<div class=\"table-wrap\">{caption}<p class=\"no-data\">No data to display</p></div>\n");
    }
    let numeric_col = |k: usize| {
        let mut cells = t.rows.iter().filter_map(|r| r.get(k)).peekable();
        cells.peek().is_some() && cells.all(is_numeric)
    };
    let mut out = String::from("<div class=\"table-wrap\"><table class=\"data\">");
    if !t.caption.is_empty() {
        let _ = write!(out, "<caption>{}</caption>", escape(&t.caption));
    }
    if !t.headers.is_empty() {
        out.push_str("<thead><tr>");
        for k in 0..ncols {
            let h = t.headers.get(k).map_or("", String::as_str);
            let class = if numeric_col(k) { " class=\"num\"" } else { "" };
            let _ = write!(out, "<th scope=\"col\"{class}>{}</th>", escape(h));
        }
        out.push_str("</tr></thead>");
    }
    out.push_str("<tbody>");
    for row in &t.rows {
        out.push_str("<tr>");
        for k in 0..ncols {
            match row.get(k) {
                Some(cell) => out.push_str(&cell_html(cell)),
                None => out.push_str("<td></td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells() {
        let t = Table {
            caption: "IC50 <nM>".into(),
            headers: vec!["line".into(), "IC50".into(), "effect".into()],
            rows: vec![
                vec![
                    Cell::text("BT-474"),
                    Cell::number(6.2345, 2),
                    Cell::bar(0.5, 1.0, "50%"),
                ],
                vec![
                    Cell::text("SK-BR-3"),
                    Cell::number(f64::NAN, 2),
                    Cell::bar(f64::NAN, 1.0, ""),
                ],
                vec![Cell::text("short row")],
            ],
        };
        let html = render(&t);
        assert!(html.contains("<caption>IC50 &lt;nM&gt;</caption>"));
        assert!(html.contains("<td class=\"num\">6.23</td>"));
        assert!(html.contains("width:50%"));
        assert!(html.contains("n/a"));
        assert!(!html.contains("NaN"));
        assert_eq!(html.matches("<td></td>").count(), 2);
    }

    #[test]
    fn bar_is_clamped() {
        let html = cell_html(&Cell::bar(5.0, 2.0, "x"));
        assert!(html.contains("width:100%"));
        let html = cell_html(&Cell::bar(-1.0, 2.0, "x"));
        assert!(html.contains("width:0%"));
    }
}
