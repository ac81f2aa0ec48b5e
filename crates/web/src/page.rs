//! The page shell: a `her2sim_report::Report` rendered to HTML (its stylesheet, header and
//! sections with inline SVG charts) with the site navigation, the page's form, an error box
//! and download links put in after the header, plus the form helpers the pages share.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use her2sim_report::{escape, Report, Section};

use crate::WebError;

/// The site's pages, for the navigation bar: (path, label).
const NAV: [(&str, &str); 7] = [
    ("/", "Lab"),
    ("/dose-response", "Dose-response"),
    ("/combo", "Combination"),
    ("/study", "Default study"),
    ("/trials", "Trials"),
    ("/simulate", "Simulate SBML"),
    ("/api", "API"),
];

/// One page's content.
#[derive(Default)]
pub(crate) struct Page {
    pub title: String,
    pub subtitle: String,
    /// Path of the page (its navigation entry is marked current).
    pub path: &'static str,
    /// The form (HTML).
    pub form: String,
    /// An error to show above the results.
    pub error: Option<WebError>,
    /// Download links: (label, href).
    pub downloads: Vec<(String, String)>,
    /// Results.
    pub sections: Vec<Section>,
}

impl Page {
    /// The HTML document.
    pub fn html(&self) -> String {
        let report = Report {
            title: self.title.clone(),
            subtitle: self.subtitle.clone(),
            sections: self.sections.clone(),
        };
        let mut html = report.to_html();
        // The report's table of contents is for long reports; a page has a few sections.
        if let Some(start) = html.find("<nav class=\"toc\"") {
            if let Some(len) = html[start..].find("</nav>\n") {
                html.replace_range(start..start + len + "</nav>\n".len(), "");
            }
        }
        html = html.replacen("</style>", &format!("{CSS}</style>"), 1);
        let mut nav = String::from(
            "<nav class=\"site\" aria-label=\"Pages\"><span class=\"brand\">her2sim</span>",
        );
        for (href, label) in NAV {
            let current = if href == self.path {
                " aria-current=\"page\""
            } else {
                ""
            };
            nav.push_str(&format!("<a href=\"{href}\"{current}>{label}</a>"));
        }
        nav.push_str("</nav>\n");
        html = html.replacen("<main>\n", &format!("<main>\n{nav}"), 1);
        let mut after = String::new();
        after.push_str(&self.form);
        if let Some(e) = &self.error {
            after.push_str(&format!(
                "<div class=\"error\" role=\"alert\"><strong>Error:</strong> {}</div>\n",
                escape(&e.message)
            ));
        }
        if !self.downloads.is_empty() {
            after.push_str("<p class=\"downloads\">Download: ");
            let links: Vec<String> = self
                .downloads
                .iter()
                .map(|(label, href)| {
                    format!(
                        "<a class=\"download\" href=\"{}\" download>{}</a>",
                        escape(href),
                        escape(label)
                    )
                })
                .collect();
            after.push_str(&links.join(" · "));
            after.push_str("</p>\n");
        }
        html.replacen("</header>\n", &format!("</header>\n{after}"), 1)
    }

    /// The response: HTTP 200, or the error's status when the page shows an error.
    pub fn response(&self) -> Response {
        let status = self.error.as_ref().map_or(StatusCode::OK, |e| e.status);
        html_response(status, self.html())
    }
}

/// An HTML response.
pub(crate) fn html_response(status: StatusCode, html: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response()
}

/// A `<label>` with a text input.
pub(crate) fn text_input(
    name: &str,
    label: &str,
    value: &str,
    placeholder: &str,
    hint: &str,
) -> String {
    format!(
        "<label class=\"field\"><span>{}</span><input type=\"text\" name=\"{name}\" id=\"{name}\" value=\"{}\" placeholder=\"{}\">{}</label>\n",
        escape(label),
        escape(value),
        escape(placeholder),
        hint_html(hint)
    )
}

/// A `<label>` with a `<select>` of (value, label) options; `selected` is marked.
pub(crate) fn select(
    name: &str,
    label: &str,
    options: &[(String, String)],
    selected: &str,
    hint: &str,
) -> String {
    let mut s = format!(
        "<label class=\"field\"><span>{}</span><select name=\"{name}\" id=\"{name}\">",
        escape(label)
    );
    for (value, text) in options {
        let sel = if value.eq_ignore_ascii_case(selected) {
            " selected"
        } else {
            ""
        };
        s.push_str(&format!(
            "<option value=\"{}\"{sel}>{}</option>",
            escape(value),
            escape(text)
        ));
    }
    s.push_str("</select>");
    s.push_str(&hint_html(hint));
    s.push_str("</label>\n");
    s
}

fn hint_html(hint: &str) -> String {
    if hint.is_empty() {
        String::new()
    } else {
        format!("<small>{}</small>", escape(hint))
    }
}

/// The `<form>` around the fields, with a submit button.
pub(crate) fn form(
    action: &str,
    method: &str,
    fields: &str,
    submit: &str,
    multipart: bool,
) -> String {
    let enctype = if multipart {
        " enctype=\"multipart/form-data\""
    } else {
        ""
    };
    format!(
        "<form class=\"params\" action=\"{action}\" method=\"{method}\"{enctype}>\n{fields}<div class=\"actions\"><button type=\"submit\">{}</button></div>\n</form>\n",
        escape(submit)
    )
}

/// Checkboxes for the resistance modifiers, those in `chosen` checked.
pub(crate) fn modifier_boxes(lab: &her2sim_her2::Lab, chosen: &[String]) -> String {
    let mut s = String::from("<fieldset class=\"field wide\"><legend>Resistance modifiers</legend><div class=\"checks\">");
    for m in lab.catalogue().modifiers() {
        let checked = if chosen.iter().any(|c| c.eq_ignore_ascii_case(&m.id)) {
            " checked"
        } else {
            ""
        };
        s.push_str(&format!(
            "<label title=\"{}\"><input type=\"checkbox\" name=\"modifier\" value=\"{}\"{checked}> {}</label>",
            escape(&m.description),
            escape(&m.id),
            escape(&m.id)
        ));
    }
    s.push_str("</div></fieldset>\n");
    s
}

/// Options for a cell-line `<select>`: (id, name).
pub(crate) fn cell_line_options(lab: &her2sim_her2::Lab) -> Vec<(String, String)> {
    lab.catalogue()
        .cell_lines()
        .iter()
        .map(|c| (c.id.clone(), c.name.clone()))
        .collect()
}

/// Options for a strategy `<select>`: (id, name); `blank` adds a leading "—" entry.
pub(crate) fn strategy_options(lab: &her2sim_her2::Lab, blank: bool) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if blank {
        out.push((String::new(), "—".to_string()));
    }
    out.extend(
        lab.catalogue()
            .strategies()
            .iter()
            .map(|s| (s.id.clone(), s.name.clone())),
    );
    out
}

/// Options for a read-out `<select>`.
pub(crate) fn readout_options() -> Vec<(String, String)> {
    her2sim_her2::READOUTS
        .iter()
        .map(|(n, _)| (n.to_string(), n.to_string()))
        .collect()
}

/// Page-specific additions to the report stylesheet: navigation, forms, errors, downloads.
const CSS: &str = r#"
nav.site { display: flex; flex-wrap: wrap; gap: .25rem 1.1rem; align-items: baseline; margin: 0 0 1.5rem; padding: 0 0 .75rem; border-bottom: 1px solid var(--border); }
nav.site .brand { font-weight: 700; margin-right: .5rem; }
nav.site a[aria-current="page"] { font-weight: 600; color: var(--fg); border-bottom: 2px solid var(--accent); }
form.params { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: .8rem 1.2rem; margin: 1.5rem 0; padding: 1rem 1.25rem; background: var(--soft); border: 1px solid var(--border); border-radius: 8px; }
form.params .field { display: flex; flex-direction: column; gap: .2rem; font-size: .9rem; min-width: 0; }
form.params .field > span, form.params legend { font-weight: 600; }
form.params .wide { grid-column: 1 / -1; }
form.params fieldset { border: 0; padding: 0; margin: 0; }
form.params .checks { display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; }
form.params input[type=text], form.params input[type=number], form.params select, form.params textarea { font: inherit; padding: .35rem .5rem; border: 1px solid #afb8c1; border-radius: 6px; background: #fff; width: 100%; }
form.params textarea { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .8rem; min-height: 9rem; }
form.params small { color: var(--muted); font-size: .78rem; }
form.params .agents { display: grid; grid-template-columns: 1.3fr 1fr 1fr; gap: .4rem .8rem; align-items: end; }
form.params .actions { grid-column: 1 / -1; }
form.params button { font: inherit; font-weight: 600; padding: .5rem 1.4rem; border: 0; border-radius: 6px; background: var(--accent); color: #fff; cursor: pointer; }
form.params button:hover { background: #0550ae; }
.error { margin: 1rem 0; padding: .8rem 1rem; border: 1px solid #ff8182; background: #ffebe9; color: #82071e; border-radius: 8px; white-space: pre-wrap; }
p.downloads { margin: 1rem 0; }
pre.api { background: var(--soft); border: 1px solid var(--border); border-radius: 8px; padding: .8rem 1rem; overflow-x: auto; font-size: .85rem; }
"#;

/// `x` with `digits` significant digits: plain decimals for 1e-3 <= |x| < 1e5, scientific
/// otherwise; "n/a" when not finite.
pub(crate) fn sig(x: f64, digits: usize) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    let digits = digits.max(1);
    if x != 0.0 && (x.abs() >= 1e5 || x.abs() < 1e-3) {
        return format!("{x:.prec$e}", prec = digits - 1);
    }
    let magnitude = if x == 0.0 {
        0
    } else {
        x.abs().log10().floor() as i32
    };
    let decimals = (digits as i32 - 1 - magnitude).clamp(0, 17) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn significant_digits() {
        assert_eq!(super::sig(4.641588833612778, 4), "4.642");
        assert_eq!(super::sig(0.7000000000000001, 6), "0.7");
        assert_eq!(super::sig(1.4274387e-5, 6), "1.42744e-5");
        assert_eq!(super::sig(10000.0, 4), "10000");
        assert_eq!(super::sig(0.0, 4), "0");
        assert_eq!(super::sig(f64::NAN, 4), "n/a");
    }
}
