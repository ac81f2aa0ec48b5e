//! The SBML simulator (`/simulate`): a model uploaded as a file or pasted as text (never read
//! from the server's file system), its selections, start, end and output points, simulated
//! with `Simulator::from_sbml_text` + `Simulator::simulate` under the request time budget;
//! the page shows a plot, the first rows of the table and a CSV download (a `data:` link, so
//! nothing is stored on the server); `POST /api/simulate` answers the columns and rows as JSON
//! (or CSV with `?format=csv`).

use axum::extract::{RawQuery, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use her2sim_engine::{Method, SimOptions, Simulator, TimeCourse};
use her2sim_report::{escape, Block, Cell, LineChart, Section, Series, Table};

use crate::page::{self, Page};
use crate::params::Params;
use crate::{api, Shared, WebError};

/// Most output points of one time course.
const MAX_POINTS: usize = 100_001;
/// Most values (points x columns) of one time course.
const MAX_VALUES: usize = 5_000_000;
/// Rows shown in the page's table (the CSV has all).
const SHOWN_ROWS: usize = 100;
/// Columns plotted (the table and CSV have all).
const PLOTTED: usize = 12;
/// Model text echoed back into the form, at most (bytes).
const ECHO_LIMIT: usize = 2 * 1024 * 1024;

/// A small example model for the empty form: A -> B -> C with mass action.
const EXAMPLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
  <model id="chain">
    <listOfCompartments>
      <compartment id="cell" size="1" constant="true"/>
    </listOfCompartments>
    <listOfSpecies>
      <species id="A" compartment="cell" initialConcentration="10" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/>
      <species id="B" compartment="cell" initialConcentration="0" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/>
      <species id="C" compartment="cell" initialConcentration="0" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/>
    </listOfSpecies>
    <listOfParameters>
      <parameter id="k1" value="0.5" constant="true"/>
      <parameter id="k2" value="0.2" constant="true"/>
    </listOfParameters>
    <listOfReactions>
      <reaction id="r1" reversible="false">
        <listOfReactants><speciesReference species="A" stoichiometry="1" constant="true"/></listOfReactants>
        <listOfProducts><speciesReference species="B" stoichiometry="1" constant="true"/></listOfProducts>
        <kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><ci>k1</ci><ci>A</ci><ci>cell</ci></apply></math></kineticLaw>
      </reaction>
      <reaction id="r2" reversible="false">
        <listOfReactants><speciesReference species="B" stoichiometry="1" constant="true"/></listOfReactants>
        <listOfProducts><speciesReference species="C" stoichiometry="1" constant="true"/></listOfProducts>
        <kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><ci>k2</ci><ci>B</ci><ci>cell</ci></apply></math></kineticLaw>
      </reaction>
    </listOfReactions>
  </model>
</sbml>
"#;

/// A checked simulation request.
struct SimRequest {
    sbml: String,
    selections: Vec<String>,
    start: f64,
    end: f64,
    points: usize,
    method: Method,
}

impl SimRequest {
    fn from_params(p: &Params) -> Result<SimRequest, WebError> {
        // An uploaded file wins over the text area.
        let sbml = p
            .get("sbml_file")
            .or_else(|| p.get("sbml"))
            .ok_or_else(|| WebError::bad("no model: upload an SBML file or paste its text"))?
            .to_string();
        let selections = p
            .all(&["selections", "selection"])
            .iter()
            .flat_map(|s| s.split(','))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let start = p.number("start", 0.0)?;
        let end = p.number("end", 10.0)?;
        if end <= start {
            return Err(WebError::bad(format!(
                "end ({end}) must be after start ({start})"
            )));
        }
        let points_text = p.get("points").unwrap_or("101");
        let points: usize = points_text
            .parse()
            .map_err(|_| WebError::bad(format!("points: {points_text:?} is not a whole number")))?;
        if !(2..=MAX_POINTS).contains(&points) {
            return Err(WebError::bad(format!(
                "points must be between 2 and {MAX_POINTS}, got {points}"
            )));
        }
        let method = match p
            .get("method")
            .unwrap_or("auto")
            .to_ascii_lowercase()
            .as_str()
        {
            "auto" => Method::Auto,
            "bdf" => Method::Bdf,
            "rodas4" => Method::Rodas4,
            other => {
                return Err(WebError::bad(format!(
                    "method {other:?}: unknown; known: auto, bdf, rodas4"
                )))
            }
        };
        Ok(SimRequest {
            sbml,
            selections,
            start,
            end,
            points,
            method,
        })
    }
}

/// Compiles and simulates on the simulation gate, within the time budget.
async fn run(state: &Shared, req: SimRequest) -> Result<TimeCourse, WebError> {
    let timeout = state.config.sim_timeout;
    let max_matrix_bytes = state.config.max_run_bytes;
    state
        .gate
        .run(move || {
            let sim = Simulator::from_sbml_text(&req.sbml)
                .map_err(|e| WebError::bad(format!("model: {e}")))?;
            let selection = if req.selections.is_empty() {
                sim.default_selection()
            } else {
                sim.selection(&req.selections)
                    .map_err(|e| WebError::bad(format!("selections: {e}")))?
            };
            let values = req.points.saturating_mul(selection.names.len());
            if values > MAX_VALUES {
                return Err(WebError::bad(format!(
                    "{} points x {} columns is over the limit of {MAX_VALUES} values; ask for fewer points or columns",
                    req.points,
                    selection.names.len()
                )));
            }
            let opts = SimOptions {
                start: req.start,
                duration: req.end - req.start,
                steps: req.points - 1,
                method: req.method,
                timeout: Some(timeout),
                max_matrix_bytes,
                ..SimOptions::default()
            };
            sim.simulate(&opts, &selection)
                .map_err(|e| WebError::bad(format!("simulation: {e}")))
        })
        .await
}

/// `GET /simulate`: the empty form (with an example model).
pub(crate) async fn page(State(_state): State<Shared>) -> Response {
    let mut p = Params::default();
    p.0.push(("sbml".into(), EXAMPLE.into()));
    p.0.push(("end".into(), "20".into()));
    sim_page(&p).response()
}

fn sim_page(p: &Params) -> Page {
    Page {
        title: "her2sim — simulate an SBML model".into(),
        subtitle: "Upload an SBML Level 2 or 3 model (or paste it), choose what to record, and run a deterministic time course.".into(),
        path: "/simulate",
        form: form(p),
        ..Page::default()
    }
}

fn form(p: &Params) -> String {
    let mut f = String::from(
        "<label class=\"field wide\"><span>SBML file</span><input type=\"file\" name=\"sbml_file\" id=\"sbml_file\" accept=\".xml,.sbml,text/xml,application/xml\"><small>An uploaded file is used instead of the text below.</small></label>\n",
    );
    let text = p.get("sbml_file").or_else(|| p.get("sbml")).unwrap_or("");
    let text = if text.len() > ECHO_LIMIT { "" } else { text };
    f.push_str(&format!(
        "<label class=\"field wide\"><span>…or the model's text</span><textarea name=\"sbml\" id=\"sbml\" spellcheck=\"false\" placeholder=\"&lt;sbml ...&gt;\">{}</textarea></label>\n",
        escape(text)
    ));
    f.push_str(&page::text_input(
        "selections",
        "Selections",
        &p.all(&["selections", "selection"]).join(","),
        "time,A,[B],k1 (default: time and every species concentration)",
        "S1 = amount, [S1] = concentration",
    ));
    f.push_str(&page::text_input(
        "start",
        "Start",
        p.get("start").unwrap_or("0"),
        "0",
        "",
    ));
    f.push_str(&page::text_input(
        "end",
        "End",
        p.get("end").unwrap_or("10"),
        "10",
        "",
    ));
    f.push_str(&page::text_input(
        "points",
        "Output points",
        p.get("points").unwrap_or("101"),
        "101",
        "",
    ));
    let methods = [
        (
            "auto".to_string(),
            "Automatic: DOP853, BDF once stiff (default)".to_string(),
        ),
        ("bdf".to_string(), "BDF (variable order)".to_string()),
        ("rodas4".to_string(), "RODAS4 (Rosenbrock)".to_string()),
    ];
    f.push_str(&page::select(
        "method",
        "Method",
        &methods,
        p.get("method").unwrap_or("auto"),
        "",
    ));
    page::form("/simulate", "post", &f, "Simulate", true)
}

/// `POST /simulate`: the form and the result (or the error, with HTTP 400).
pub(crate) async fn page_post(State(state): State<Shared>, req: Request) -> Response {
    let p = match Params::from_body(req).await {
        Ok(p) => p,
        Err(e) => {
            let mut page = sim_page(&Params::default());
            page.error = Some(e);
            return page.response();
        }
    };
    let mut page = sim_page(&p);
    let result = match SimRequest::from_params(&p) {
        Ok(r) => run(&state, r).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(tc) => {
            page.downloads = vec![(
                "time course (CSV)".into(),
                format!("data:text/csv;charset=utf-8,{}", percent_encode(&csv(&tc))),
            )];
            page.sections = sections(&tc, &p);
        }
        Err(e) => page.error = Some(e),
    }
    page.response()
}

/// Plot and table of a time course.
fn sections(tc: &TimeCourse, p: &Params) -> Vec<Section> {
    let time_col = tc.columns.iter().position(|c| c == "time");
    let start = p.number("start", 0.0).unwrap_or(0.0);
    let end = p.number("end", 10.0).unwrap_or(10.0);
    let n = tc.rows.len();
    let time = |i: usize, row: &[f64]| -> f64 {
        match time_col {
            Some(k) => row.get(k).copied().unwrap_or(f64::NAN),
            None => start + (end - start) * i as f64 / (n.max(2) - 1) as f64,
        }
    };
    let series: Vec<Series> = tc
        .columns
        .iter()
        .enumerate()
        .filter(|(k, _)| Some(*k) != time_col)
        .take(PLOTTED)
        .map(|(k, name)| {
            Series::new(
                name.clone(),
                tc.rows
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (time(i, r), r.get(k).copied().unwrap_or(f64::NAN)))
                    .collect(),
            )
        })
        .collect();
    let plotted = series.len();
    let chart = LineChart {
        title: "Time course".into(),
        x_label: "time".into(),
        y_label: "value".into(),
        series,
        ..LineChart::default()
    };
    let rows = tc
        .rows
        .iter()
        .take(SHOWN_ROWS)
        .map(|r| r.iter().map(|x| Cell::text(page::sig(*x, 6))).collect())
        .collect();
    let mut intro = format!(
        "{} rows × {} columns (6 significant digits; the CSV has full precision).",
        n,
        tc.columns.len()
    );
    if n > SHOWN_ROWS {
        intro.push_str(&format!(
            " The table shows the first {SHOWN_ROWS}; the CSV has all."
        ));
    }
    let others = tc.columns.len() - usize::from(time_col.is_some());
    if others > plotted {
        intro.push_str(&format!(
            " The plot shows the first {plotted} of {others} columns."
        ));
    }
    vec![
        Section {
            id: "plot".into(),
            heading: "Plot".into(),
            intro: String::new(),
            blocks: vec![Block::LineChart(chart)],
        },
        Section {
            id: "table".into(),
            heading: "Table".into(),
            intro,
            blocks: vec![Block::Table(Table {
                caption: String::new(),
                headers: tc.columns.clone(),
                rows,
            })],
        },
    ]
}

/// The time course as CSV (header with the selection names, one row per time).
fn csv(tc: &TimeCourse) -> String {
    let mut s: String = tc
        .columns
        .iter()
        .map(|c| api::csv_field(c))
        .collect::<Vec<_>>()
        .join(",");
    s.push('\n');
    for row in &tc.rows {
        let cells: Vec<String> = row.iter().map(|x| api::csv_number(*x)).collect();
        s.push_str(&cells.join(","));
        s.push('\n');
    }
    s
}

/// Percent-encodes everything but unreserved characters and commas (for a `data:` URI).
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3 / 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b',') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `POST /api/simulate`: `{"columns": [...], "rows": [[...]]}`, or CSV with `?format=csv`.
pub(crate) async fn api(
    State(state): State<Shared>,
    RawQuery(q): RawQuery,
    req: Request,
) -> Response {
    let want_csv = Params::from_query(q.as_deref()).get("format") == Some("csv");
    let result = match Params::from_body(req).await {
        Ok(p) => match SimRequest::from_params(&p) {
            Ok(r) => run(&state, r).await,
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match result {
        Ok(tc) if want_csv => api::csv_response(csv(&tc), "simulation.csv"),
        Ok(tc) => match serde_json::to_value(&tc) {
            Ok(v) => api::json_response(StatusCode::OK, &v),
            Err(e) => WebError::internal(format!("could not encode the result: {e}")).json(),
        },
        Err(e) => e.json(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_keeps_csv_readable() {
        assert_eq!(
            percent_encode("time,[A]\n0.0,1e-5"),
            "time,%5BA%5D%0A0.0,1e-5"
        );
    }
}
