//! The lab (`/`): a cell line with resistance modifiers under a treatment (up to three agents,
//! each with a dose and an exposure window, or a treatment text) for some days. Shows the
//! `predict` read-outs (`Lab::predict`, relative to untreated), a bar chart of them and time
//! courses (`Lab::run`, treated and untreated); `/api/predict` answers the object of
//! `her2sim predict --json` (`outputs::prediction_json`) and `/api/lab.csv` the time courses.

use axum::extract::{RawQuery, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use her2sim_her2::{outputs, Lab, Prediction, Trajectory, Treatment, READOUTS};
use her2sim_report::{BarChart, Block, Cell, LineChart, Section, Series, Table};

use crate::page::{self, Page};
use crate::params::Params;
use crate::{api, Shared, WebError};

/// Longest treatment the web UI simulates (days).
pub(crate) const MAX_DAYS: f64 = 120.0;
/// Agent rows in the lab form.
const AGENT_ROWS: usize = 3;
/// Time-course samples per day (at most `MAX_SAMPLES` in all).
const SAMPLES_PER_DAY: f64 = 8.0;
const MAX_SAMPLES: usize = 400;

/// A checked lab request.
pub(crate) struct LabRequest {
    pub cell_line: String,
    pub modifiers: Vec<String>,
    pub treatment: String,
    pub days: f64,
}

/// Days from the parameters (`days`, default 5), checked to be in (0, `MAX_DAYS`].
pub(crate) fn days(p: &Params) -> Result<f64, WebError> {
    let d = p.number("days", 5.0)?;
    if !(d > 0.0 && d <= MAX_DAYS) {
        return Err(WebError::bad(format!(
            "days must be a positive number of at most {MAX_DAYS}, got {d}"
        )));
    }
    Ok(d)
}

/// The modifiers given (`modifier` repeated, or a `modifiers` list).
pub(crate) fn modifiers(p: &Params) -> Vec<String> {
    p.all(&["modifier", "modifiers"])
}

/// The treatment text: `treatment` if given, else the agent rows (`agentN`, `doseN`,
/// `windowN`) joined as `agent@dose(window)+...`; `None` when neither is given.
fn treatment_text(p: &Params) -> Option<String> {
    if let Some(t) = p.get("treatment") {
        return Some(t.to_string());
    }
    let mut parts = Vec::new();
    for i in 1..=AGENT_ROWS {
        let Some(agent) = p.get(&format!("agent{i}")) else {
            continue;
        };
        let mut s = agent.to_string();
        if let Some(d) = p.get(&format!("dose{i}")) {
            s.push('@');
            s.push_str(d);
        }
        if let Some(w) = p.get(&format!("window{i}")) {
            s.push('(');
            s.push_str(w.trim_start_matches('(').trim_end_matches(')'));
            s.push(')');
        }
        parts.push(s);
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join("+"))
    }
}

impl LabRequest {
    /// Reads and checks the request (names are checked against the catalogue when run).
    pub fn from_params(p: &Params, page: bool) -> Result<LabRequest, WebError> {
        let cell_line = p
            .get("cell_line")
            .ok_or_else(|| WebError::bad("cell_line is required (e.g. BT474)"))?
            .to_string();
        let treatment = match treatment_text(p) {
            Some(t) => t,
            // The page's agent rows may all be blank: the untreated control.
            None if page => "none".to_string(),
            None => {
                return Err(WebError::bad(
                    "treatment is required (e.g. \"trastuzumab@10ug/mL\" or \"none\")",
                ))
            }
        };
        Ok(LabRequest {
            cell_line,
            modifiers: modifiers(p),
            treatment,
            days: days(p)?,
        })
    }
}

/// What a lab run produced: the prediction and, for the page, both time courses.
struct LabResult {
    prediction: Prediction,
    courses: Option<(Trajectory, Trajectory)>,
}

/// Runs the request in the laboratory (on the simulation gate).
async fn run(state: &Shared, req: LabRequest, courses: bool) -> Result<LabResult, WebError> {
    let lab = state.lab.clone();
    state
        .gate
        .run(move || {
            let bad = |e: her2sim_her2::LabError| WebError::bad(e.to_string());
            let cond = lab.condition(&req.cell_line, &req.modifiers).map_err(bad)?;
            let treatment = lab.treatment(&req.treatment).map_err(bad)?;
            let prediction = lab.predict(&cond, &treatment, req.days).map_err(bad)?;
            let courses = if courses {
                let hours = req.days * 24.0;
                let steps = ((req.days * SAMPLES_PER_DAY).ceil() as usize).clamp(1, MAX_SAMPLES);
                let treated = lab.run(&cond, &treatment, hours, steps).map_err(bad)?;
                let untreated = lab
                    .run(&cond, &Treatment::none(), hours, steps)
                    .map_err(bad)?;
                Some((treated, untreated))
            } else {
                None
            };
            Ok(LabResult {
                prediction,
                courses,
            })
        })
        .await
}

/// `GET /`: the form, and the results when a cell line was submitted.
pub(crate) async fn page(State(state): State<Shared>, RawQuery(q): RawQuery) -> Response {
    let p = Params::from_query(q.as_deref());
    let mut page = Page {
        title: "her2sim — the HER2 laboratory".into(),
        subtitle: "A cell line with resistance modifiers under a treatment: every read-out relative to the same cell line untreated at the same time (1 = no effect).".into(),
        path: "/",
        form: form(&state.lab, &p),
        ..Page::default()
    };
    if p.get("cell_line").is_none() {
        return page.response();
    }
    let result = match LabRequest::from_params(&p, true) {
        Ok(req) => run(&state, req, true).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(r) => {
            let query = p.to_query();
            page.downloads = vec![
                ("prediction (JSON)".into(), format!("/api/predict?{query}")),
                ("time courses (CSV)".into(), format!("/api/lab.csv?{query}")),
            ];
            page.sections = sections(&r);
        }
        Err(e) => page.error = Some(e),
    }
    page.response()
}

/// The lab form, filled in from `p` (BT-474 with trastuzumab for 5 days when empty).
fn form(lab: &Lab, p: &Params) -> String {
    let fresh = p.is_empty();
    let mut f = String::new();
    f.push_str(&page::select(
        "cell_line",
        "Cell line",
        &page::cell_line_options(lab),
        p.get("cell_line").unwrap_or("bt474"),
        "",
    ));
    f.push_str(&page::text_input(
        "days",
        "Days of treatment",
        p.get("days").unwrap_or("5"),
        "5",
        "",
    ));
    f.push_str(&page::modifier_boxes(lab, &modifiers(p)));
    f.push_str("<fieldset class=\"field wide\"><legend>Treatment</legend><div class=\"agents\">");
    let strategies = page::strategy_options(lab, true);
    for i in 1..=AGENT_ROWS {
        let agent =
            p.get(&format!("agent{i}"))
                .unwrap_or(if fresh && i == 1 { "trastuzumab" } else { "" });
        f.push_str(&page::select(
            &format!("agent{i}"),
            &format!("Agent {i}"),
            &strategies,
            agent,
            "",
        ));
        f.push_str(&page::text_input(
            &format!("dose{i}"),
            "Dose",
            p.get(&format!("dose{i}")).unwrap_or(""),
            "default, 10ug/mL, 100nM, clinical",
            "",
        ));
        f.push_str(&page::text_input(
            &format!("window{i}"),
            "Schedule",
            p.get(&format!("window{i}")).unwrap_or(""),
            "continuous, 0-24h, 1d-",
            "",
        ));
    }
    f.push_str("</div></fieldset>\n");
    f.push_str(&format!(
        "<div class=\"wide\">{}</div>",
        page::text_input(
            "treatment",
            "…or a treatment text (overrides the agents)",
            p.get("treatment").unwrap_or(""),
            "trastuzumab@10ug/mL+pertuzumab, paclitaxel@5nM(0-24h), trastuzumab@clinical, none",
            "Agents joined by +, each optionally @dose (default: the documented dose; \"clinical\": its regimen with PK) and (window).",
        )
    ));
    page::form("/", "get", &f, "Run", false)
}

/// The result sections: read-out table and bar chart, time courses.
fn sections(r: &LabResult) -> Vec<Section> {
    let p = &r.prediction;
    let max_rel = p
        .relative
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(1.0, f64::max);
    let rows = READOUTS
        .iter()
        .enumerate()
        .map(|(i, (name, _))| {
            vec![
                Cell::text(*name),
                Cell::bar(p.relative[i], max_rel, format!("{:.3}", p.relative[i])),
                Cell::number(p.relative[i], 4),
                Cell::text(page::sig(p.treated[i], 5)),
                Cell::text(page::sig(p.untreated[i], 5)),
            ]
        })
        .collect();
    let mut out = vec![Section {
        id: "readouts".into(),
        heading: format!(
            "Read-outs after {} days: {} | {}",
            p.days,
            p.condition.label(),
            p.treatment
        ),
        intro: "Relative = treated / untreated at the same time (1 = no effect); treated and untreated are the model's values (cells: cell number relative to the start; rates per hour; phosphorylated fractions and totals in model units).".into(),
        blocks: vec![
            Block::Table(Table {
                caption: String::new(),
                headers: ["read-out", "relative", "relative (value)", "treated", "untreated"]
                    .map(String::from)
                    .to_vec(),
                rows,
            }),
            Block::BarChart(BarChart {
                title: "Read-outs relative to untreated".into(),
                y_label: "treated / untreated".into(),
                categories: READOUTS.iter().map(|(n, _)| n.to_string()).collect(),
                groups: vec![(p.treatment.clone(), p.relative.to_vec())],
                reference: Some(1.0),
            }),
        ],
    }];
    if let Some((treated, untreated)) = &r.courses {
        out.push(time_courses(&p.treatment, treated, untreated));
    }
    out
}

/// Viable cells treated and untreated, and the signalling read-outs relative to untreated.
fn time_courses(label: &str, treated: &Trajectory, untreated: &Trajectory) -> Section {
    let idx = |name: &str| READOUTS.iter().position(|(n, _)| *n == name).unwrap_or(0);
    let series = |t: &Trajectory, i: usize| -> Vec<(f64, f64)> {
        t.hours
            .iter()
            .zip(&t.values)
            .map(|(h, v)| (h / 24.0, v[i]))
            .collect()
    };
    let relative = |i: usize| -> Vec<(f64, f64)> {
        treated
            .hours
            .iter()
            .zip(treated.values.iter().zip(&untreated.values))
            .map(|(h, (a, b))| (h / 24.0, ratio(a[i], b[i])))
            .collect()
    };
    let v = idx("viable_cells");
    let cells = LineChart {
        title: "Viable cells".into(),
        x_label: "days".into(),
        y_label: "cells (relative to the start)".into(),
        series: vec![
            Series::new(label, series(treated, v)),
            Series {
                dashed: true,
                ..Series::new("untreated", series(untreated, v))
            },
        ],
        y_min: Some(0.0),
        ..LineChart::default()
    };
    let signals = LineChart {
        title: "Signalling relative to untreated".into(),
        x_label: "days".into(),
        y_label: "treated / untreated".into(),
        series: ["pHER2", "pHER3", "pAKT", "pERK", "viable_cells"]
            .iter()
            .map(|n| Series::new(*n, relative(idx(n))))
            .collect(),
        y_min: Some(0.0),
        ..LineChart::default()
    };
    Section {
        id: "time-course".into(),
        heading: "Time course".into(),
        intro:
            "The same condition simulated treated and untreated from its untreated steady state."
                .into(),
        blocks: vec![Block::Grid(vec![cells.into(), signals.into()])],
    }
}

/// `a / b`, with 0/0 = 1 (as the laboratory's relative read-outs).
fn ratio(a: f64, b: f64) -> f64 {
    if a == 0.0 && b == 0.0 {
        1.0
    } else {
        a / b
    }
}

/// `GET /api/predict?cell_line=..&modifier=..&treatment=..&days=..`: the predict contract.
pub(crate) async fn api_predict(State(state): State<Shared>, RawQuery(q): RawQuery) -> Response {
    predict_json(&state, &Params::from_query(q.as_deref())).await
}

/// `POST /api/predict` with a JSON object or form of the same fields.
pub(crate) async fn api_predict_post(State(state): State<Shared>, req: Request) -> Response {
    match Params::from_body(req).await {
        Ok(p) => predict_json(&state, &p).await,
        Err(e) => e.json(),
    }
}

async fn predict_json(state: &Shared, p: &Params) -> Response {
    let result = match LabRequest::from_params(p, false) {
        Ok(req) => run(state, req, false).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(r) => api::json_response(StatusCode::OK, &outputs::prediction_json(&r.prediction)),
        Err(e) => e.json(),
    }
}

/// `GET /api/lab.csv?...`: the time courses, one row per arm and time.
pub(crate) async fn api_csv(State(state): State<Shared>, RawQuery(q): RawQuery) -> Response {
    let p = Params::from_query(q.as_deref());
    let result = match LabRequest::from_params(&p, true) {
        Ok(req) => run(&state, req, true).await,
        Err(e) => Err(e),
    };
    let r = match result {
        Ok(r) => r,
        Err(e) => return e.json(),
    };
    let mut csv = String::from("hours,arm");
    for (name, _) in READOUTS {
        csv.push(',');
        csv.push_str(name);
    }
    csv.push('\n');
    if let Some((treated, untreated)) = &r.courses {
        for (arm, t) in [("treated", treated), ("untreated", untreated)] {
            for (h, v) in t.hours.iter().zip(&t.values) {
                csv.push_str(&api::csv_number(*h));
                csv.push(',');
                csv.push_str(arm);
                for x in v {
                    csv.push(',');
                    csv.push_str(&api::csv_number(*x));
                }
                csv.push('\n');
            }
        }
    }
    api::csv_response(csv, "her2sim-lab.csv")
}
