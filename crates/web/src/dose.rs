//! Dose series in the laboratory: `/dose-response` (one strategy over a dose series with its
//! four-parameter Hill fit) and `/combo` (a dose matrix of two strategies with HSA, Bliss,
//! Loewe and ZIP synergy). Both build a `her2sim_her2::study::Study` holding just that series
//! or matrix, as `her2sim dose-response` / `her2sim combo` do, and run it; the JSON endpoints
//! answer the objects of those commands' `--json`, the CSV endpoints the report's tidy rows.

use axum::extract::{RawQuery, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use her2sim_her2::study::{
    CombinationResult, CombinationSpec, DoseResponseResult, DoseResponseSpec, Study, StudyResults,
};
use her2sim_her2::{outputs, report, Condition, Lab, Quantity, READOUTS};
use her2sim_report::{Block, Cell, ColorScale, HeatMap, LineChart, Section, Series, Table};

use crate::lab_page::{days, modifiers};
use crate::page::{self, Page};

/// Four significant digits.
fn sig(x: f64) -> String {
    page::sig(x, 4)
}
use crate::params::Params;
use crate::{api, Shared, WebError};

/// Most doses in a dose-response series.
const MAX_SERIES: usize = 40;
/// Most doses per agent in a combination matrix (plus the untreated edge).
const MAX_MATRIX_SIDE: usize = 12;

/// The condition, read-out and days shared by both forms.
struct Common {
    cell_line: String,
    modifiers: Vec<String>,
    readout: usize,
    days: f64,
}

fn common(p: &Params) -> Result<Common, WebError> {
    let cell_line = p
        .get("cell_line")
        .ok_or_else(|| WebError::bad("cell_line is required (e.g. BT474)"))?
        .to_string();
    let name = p.get("readout").unwrap_or("viable_cells");
    let readout = READOUTS
        .iter()
        .position(|(n, _)| *n == name)
        .ok_or_else(|| {
            let known: Vec<&str> = READOUTS.iter().map(|(n, _)| *n).collect();
            WebError::bad(format!(
                "readout {name:?}: unknown; known: {}",
                known.join(", ")
            ))
        })?;
    Ok(Common {
        cell_line,
        modifiers: modifiers(p),
        readout,
        days: days(p)?,
    })
}

/// A dose series (`"1nM..10uM:12"` or `"1nM,10nM"`) of positive doses, at most `max` long.
fn series(text: &str, max: usize) -> Result<Vec<Quantity>, WebError> {
    let s = her2sim_her2::units::parse_dose_series(text)
        .map_err(|e| WebError::bad(format!("doses {text:?}: {e}")))?;
    // Zero is the untreated control, which every series and matrix adds itself.
    if s.iter().any(|q| q.value == 0.0) {
        return Err(WebError::bad(format!(
            "doses {text:?}: give positive doses (the untreated control is added automatically)"
        )));
    }
    if s.len() > max {
        return Err(WebError::bad(format!(
            "doses {text:?}: {} doses; the web UI runs at most {max} per series",
            s.len()
        )));
    }
    Ok(s)
}

/// A study holding only these series or matrices (as the CLI's simulated forms build it).
fn series_study(days: f64, drs: Vec<DoseResponseSpec>, combos: Vec<CombinationSpec>) -> Study {
    Study {
        name: "dose series".into(),
        description: String::new(),
        days,
        samples: 1,
        conditions: Vec::new(),
        treatments: Vec::new(),
        dose_responses: drs,
        combinations: combos,
    }
}

fn strategy_id(lab: &Lab, name: &str) -> Result<String, WebError> {
    Ok(lab
        .catalogue()
        .strategy(name)
        .map_err(|e| WebError::bad(e.to_string()))?
        .id
        .clone())
}

fn condition(lab: &Lab, c: &Common) -> Result<Condition, WebError> {
    lab.condition(&c.cell_line, &c.modifiers)
        .map_err(|e| WebError::bad(e.to_string()))
}

/// Runs a one-series or one-matrix study on the simulation gate.
async fn run_study<F>(state: &Shared, build: F) -> Result<StudyResults, WebError>
where
    F: FnOnce(&Lab) -> Result<Study, WebError> + Send + 'static,
{
    let lab = state.lab.clone();
    state
        .gate
        .run(move || {
            let study = build(&lab)?;
            study
                .run(&lab, &|| {})
                .map_err(|e| WebError::bad(e.to_string()))
        })
        .await
}

// ---------------------------------------------------------------------------------------------
// Dose-response

async fn dose_response(state: &Shared, p: &Params) -> Result<(StudyResults, f64), WebError> {
    let c = common(p)?;
    let treatments = p.all(&["treatment"]);
    let [treatment] = treatments.as_slice() else {
        return Err(WebError::bad(
            "treatment: give exactly one strategy for a dose-response series",
        ));
    };
    let treatment = treatment.clone();
    let doses = series(
        p.get("doses")
            .ok_or_else(|| WebError::bad("doses is required (e.g. 1nM..10uM:12)"))?,
        MAX_SERIES,
    )?;
    let days = c.days;
    let r = run_study(state, move |lab| {
        let spec = DoseResponseSpec {
            condition: condition(lab, &c)?,
            strategy: strategy_id(lab, &treatment)?,
            doses,
            readout: c.readout,
        };
        Ok(series_study(c.days, vec![spec], Vec::new()))
    })
    .await?;
    Ok((r, days))
}

/// The object of `her2sim dose-response --json` (simulated): the Hill fit and its context;
/// an error when the fit failed (as the CLI exits with it).
fn dose_json(d: &DoseResponseResult, days: f64) -> Result<serde_json::Value, WebError> {
    her2sim_her2::outputs::dose_response_json(d, days).map_err(WebError::bad)
}

/// `GET /dose-response`.
pub(crate) async fn dose_page(State(state): State<Shared>, RawQuery(q): RawQuery) -> Response {
    let p = Params::from_query(q.as_deref());
    let mut page = Page {
        title: "her2sim — dose-response".into(),
        subtitle: "One agent over a dose series on one condition, fitted with a four-parameter Hill curve (IC50 with its 95 % confidence interval, in nM).".into(),
        path: "/dose-response",
        form: dose_form(&state.lab, &p),
        ..Page::default()
    };
    if p.get("cell_line").is_none() {
        return page.response();
    }
    match dose_response(&state, &p).await {
        Ok((r, _)) => {
            let query = p.to_query();
            page.downloads = vec![
                ("fit (JSON)".into(), format!("/api/dose-response?{query}")),
                (
                    "points (CSV)".into(),
                    format!("/api/dose-response.csv?{query}"),
                ),
            ];
            if let Some(d) = r.dose_responses.first() {
                page.sections = dose_sections(d);
            }
        }
        Err(e) => page.error = Some(e),
    }
    page.response()
}

fn common_fields(lab: &Lab, p: &Params) -> String {
    let mut f = page::select(
        "cell_line",
        "Cell line",
        &page::cell_line_options(lab),
        p.get("cell_line").unwrap_or("bt474"),
        "",
    );
    f.push_str(&page::select(
        "readout",
        "Read-out",
        &page::readout_options(),
        p.get("readout").unwrap_or("viable_cells"),
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
    f
}

fn dose_form(lab: &Lab, p: &Params) -> String {
    let mut f = common_fields(lab, p);
    f.push_str(&page::select(
        "treatment",
        "Agent",
        &page::strategy_options(lab, false),
        p.get("treatment").unwrap_or("lapatinib"),
        "",
    ));
    f.push_str(&page::text_input(
        "doses",
        "Doses",
        p.get("doses").unwrap_or("1nM..10uM:9"),
        "1nM..10uM:12",
        "lo..hi:n (log-spaced) or a list 1nM,10nM,100nM",
    ));
    page::form("/dose-response", "get", &f, "Run series", false)
}

fn dose_sections(d: &DoseResponseResult) -> Vec<Section> {
    let pts: Vec<(f64, f64)> = d
        .doses_nm
        .iter()
        .copied()
        .zip(d.responses.iter().copied())
        .collect();
    let mut series = vec![Series::new("simulated", pts)];
    let mut fit_rows = Vec::new();
    match &d.fit {
        Ok(f) => {
            let lo = d
                .doses_nm
                .iter()
                .copied()
                .filter(|x| *x > 0.0)
                .fold(f64::INFINITY, f64::min);
            let hi = d.doses_nm.iter().copied().fold(0.0, f64::max);
            if lo.is_finite() && hi > lo {
                let curve = (0..=80)
                    .map(|i| {
                        let x = lo * (hi / lo).powf(i as f64 / 80.0);
                        (x, f.predict(x))
                    })
                    .collect();
                series.push(Series {
                    name: "4-parameter Hill fit".into(),
                    points: curve,
                    dashed: true,
                    no_markers: true,
                    points_only: false,
                });
            }
            for (name, v, ci) in [
                ("IC50 (nM)", f.ic50, f.ic50_ci),
                ("Hill slope", f.hill, f.hill_ci),
                ("E0", f.e0, f.e0_ci),
                ("Emax", f.emax, f.emax_ci),
            ] {
                fit_rows.push(vec![
                    Cell::text(name),
                    Cell::text(sig(v)),
                    Cell::text(format!("{} – {}", sig(ci.0), sig(ci.1))),
                ]);
            }
            fit_rows.push(vec![
                Cell::text("R²"),
                Cell::text(format!("{:.5}", f.r_squared)),
                Cell::text(format!("n = {}", f.n)),
            ]);
        }
        Err(e) => fit_rows.push(vec![
            Cell::text("fit"),
            Cell::text(format!("no fit: {e}")),
            Cell::text(""),
        ]),
    }
    let chart = LineChart {
        title: format!("{} — {}: {}", d.strategy, d.condition.label(), d.readout),
        x_label: "concentration (nM)".into(),
        y_label: format!("{} (relative to untreated)", d.readout),
        series,
        log_x: true,
        markers: true,
        y_min: Some(0.0),
        ..LineChart::default()
    };
    let points = d
        .doses
        .iter()
        .zip(&d.doses_nm)
        .zip(&d.responses)
        .map(|((q, nm), y)| {
            vec![
                Cell::text(format!("{} {}", sig(q.value), q.unit.symbol)),
                Cell::text(sig(*nm)),
                Cell::number(*y, 4),
            ]
        })
        .collect();
    vec![
        Section {
            id: "fit".into(),
            heading: format!("{} on {}", d.strategy, d.condition.label()),
            intro: String::new(),
            blocks: vec![
                Block::LineChart(chart),
                Block::Table(Table {
                    caption: "Hill fit".into(),
                    headers: ["parameter", "estimate", "95 % CI"]
                        .map(String::from)
                        .to_vec(),
                    rows: fit_rows,
                }),
            ],
        },
        Section {
            id: "points".into(),
            heading: "Simulated points".into(),
            intro: String::new(),
            blocks: vec![Block::Table(Table {
                caption: String::new(),
                headers: vec!["dose".into(), "nM".into(), d.readout.to_string()],
                rows: points,
            })],
        },
    ]
}

/// `GET /api/dose-response`.
pub(crate) async fn api_dose(State(state): State<Shared>, RawQuery(q): RawQuery) -> Response {
    dose_api_json(&state, &Params::from_query(q.as_deref())).await
}

/// `POST /api/dose-response` (JSON object or form).
pub(crate) async fn api_dose_post(State(state): State<Shared>, req: Request) -> Response {
    match Params::from_body(req).await {
        Ok(p) => dose_api_json(&state, &p).await,
        Err(e) => e.json(),
    }
}

async fn dose_api_json(state: &Shared, p: &Params) -> Response {
    let result = dose_response(state, p).await.and_then(|(r, days)| {
        let d = r
            .dose_responses
            .first()
            .ok_or_else(|| WebError::internal("no dose-response result"))?;
        dose_json(d, days)
    });
    match result {
        Ok(v) => api::json_response(StatusCode::OK, &v),
        Err(e) => e.json(),
    }
}

/// `GET /api/dose-response.csv`: the report's `dose_response.csv`.
pub(crate) async fn api_dose_csv(State(state): State<Shared>, RawQuery(q): RawQuery) -> Response {
    match dose_response(&state, &Params::from_query(q.as_deref())).await {
        Ok((r, _)) => api::csv_response(report::dose_response_csv(&r), "dose_response.csv"),
        Err(e) => e.json(),
    }
}

// ---------------------------------------------------------------------------------------------
// Combination matrix

/// Two values: `name` given twice, or `name_a` and `name_b`.
fn pair(p: &Params, name: &str) -> Vec<String> {
    let mut v = p.all(&[name]);
    if v.is_empty() {
        v = p.all(&[&format!("{name}_a"), &format!("{name}_b")]);
    }
    v
}

async fn combination(state: &Shared, p: &Params) -> Result<(StudyResults, f64), WebError> {
    let c = common(p)?;
    let treatments = pair(p, "treatment");
    let [a, b] = treatments.as_slice() else {
        return Err(WebError::bad(format!(
            "treatment: give exactly two strategies for a combination matrix, got {}",
            treatments.len()
        )));
    };
    let doses = pair(p, "doses");
    let [da, db] = doses.as_slice() else {
        return Err(WebError::bad(format!(
            "doses: give 2 series (one per treatment), got {}",
            doses.len()
        )));
    };
    let series_a = series(da, MAX_MATRIX_SIDE)?;
    let series_b = series(db, MAX_MATRIX_SIDE)?;
    let (a, b) = (a.clone(), b.clone());
    let days = c.days;
    let r = run_study(state, move |lab| {
        let spec = CombinationSpec {
            condition: condition(lab, &c)?,
            strategies: [strategy_id(lab, &a)?, strategy_id(lab, &b)?],
            doses: [series_a, series_b],
            readout: c.readout,
        };
        Ok(series_study(c.days, Vec::new(), vec![spec]))
    })
    .await?;
    Ok((r, days))
}

/// The object of `her2sim combo --json` (simulated).
fn combo_json(c: &CombinationResult, days: f64) -> Result<serde_json::Value, WebError> {
    outputs::combination_json(c, days).map_err(WebError::bad)
}

/// `GET /combo`.
pub(crate) async fn combo_page(State(state): State<Shared>, RawQuery(q): RawQuery) -> Response {
    let p = Params::from_query(q.as_deref());
    let mut page = Page {
        title: "her2sim — combination".into(),
        subtitle: "A dose matrix of two agents on one condition (each series plus the untreated edge), scored with HSA, Bliss, Loewe and ZIP (SynergyFinder's convention: % points, > 0 = synergy).".into(),
        path: "/combo",
        form: combo_form(&state.lab, &p),
        ..Page::default()
    };
    if p.get("cell_line").is_none() {
        return page.response();
    }
    match combination(&state, &p).await {
        Ok((r, _)) => {
            let query = p.to_query();
            page.downloads = vec![
                ("scores (JSON)".into(), format!("/api/combo?{query}")),
                ("matrix (CSV)".into(), format!("/api/combo.csv?{query}")),
            ];
            if let Some(c) = r.combinations.first() {
                page.sections = combo_sections(c);
            }
        }
        Err(e) => page.error = Some(e),
    }
    page.response()
}

fn combo_form(lab: &Lab, p: &Params) -> String {
    let mut f = common_fields(lab, p);
    let strategies = page::strategy_options(lab, false);
    let t = pair(p, "treatment");
    let d = pair(p, "doses");
    let get = |v: &[String], i: usize, default: &'static str| -> String {
        v.get(i).cloned().unwrap_or_else(|| default.to_string())
    };
    f.push_str(&page::select(
        "treatment_a",
        "Agent A",
        &strategies,
        &get(&t, 0, "trastuzumab"),
        "",
    ));
    f.push_str(&page::text_input(
        "doses_a",
        "Doses of A",
        &get(&d, 0, "0.1ug/mL..20ug/mL:5"),
        "0.1ug/mL..20ug/mL:5",
        "",
    ));
    f.push_str(&page::select(
        "treatment_b",
        "Agent B",
        &strategies,
        &get(&t, 1, "paclitaxel"),
        "",
    ));
    f.push_str(&page::text_input(
        "doses_b",
        "Doses of B",
        &get(&d, 1, "0.5nM..20nM:5"),
        "0.5nM..20nM:5",
        "Loewe needs 5 doses per agent",
    ));
    page::form("/combo", "get", &f, "Run matrix", false)
}

fn combo_sections(c: &CombinationResult) -> Vec<Section> {
    let rows: Vec<String> = c.doses_nm[0]
        .iter()
        .map(|d| format!("{} nM", sig(*d)))
        .collect();
    let cols: Vec<String> = c.doses_nm[1]
        .iter()
        .map(|d| format!("{} nM", sig(*d)))
        .collect();
    let mut grid = vec![Block::HeatMap(HeatMap {
        title: format!(
            "{}: rows {}, columns {}",
            c.readout, c.strategies[0], c.strategies[1]
        ),
        row_labels: rows.clone(),
        col_labels: cols.clone(),
        values: c.response.clone(),
        scale: ColorScale::Sequential { min: 0.0, max: 1.0 },
        value_digits: 2,
        legend: "treated / untreated".into(),
    })];
    let mut summary = Vec::new();
    for (name, s) in &c.scores {
        match s {
            Ok(s) => {
                summary.push(vec![Cell::text(*name), Cell::number(s.summary, 2)]);
                let values = c.score_matrix(s);
                grid.push(Block::HeatMap(HeatMap {
                    title: format!("{name} synergy (% points; > 0 synergy)"),
                    row_labels: rows.clone(),
                    col_labels: cols.clone(),
                    values,
                    scale: ColorScale::Diverging {
                        center: 0.0,
                        span: 20.0,
                    },
                    value_digits: 1,
                    legend: format!("{name} score"),
                }));
            }
            Err(e) => summary.push(vec![Cell::text(*name), Cell::text(format!("n/a ({e})"))]),
        }
    }
    vec![
        Section {
            id: "scores".into(),
            heading: format!(
                "{} + {} on {}",
                c.strategies[0],
                c.strategies[1],
                c.condition.label()
            ),
            intro: "Summary synergy scores: the mean over the matrix's combination cells.".into(),
            blocks: vec![Block::Table(Table {
                caption: String::new(),
                headers: vec!["model".into(), "score".into()],
                rows: summary,
            })],
        },
        Section {
            id: "matrix".into(),
            heading: "Response and synergy maps".into(),
            intro: "Grey cells have no score (the untreated edge).".into(),
            blocks: vec![Block::Grid(grid)],
        },
    ]
}

/// `GET /api/combo`.
pub(crate) async fn api_combo(State(state): State<Shared>, RawQuery(q): RawQuery) -> Response {
    combo_api_json(&state, &Params::from_query(q.as_deref())).await
}

/// `POST /api/combo` (JSON object or form).
pub(crate) async fn api_combo_post(State(state): State<Shared>, req: Request) -> Response {
    match Params::from_body(req).await {
        Ok(p) => combo_api_json(&state, &p).await,
        Err(e) => e.json(),
    }
}

async fn combo_api_json(state: &Shared, p: &Params) -> Response {
    let result = combination(state, p).await.and_then(|(r, days)| {
        let c = r
            .combinations
            .first()
            .ok_or_else(|| WebError::internal("no combination result"))?;
        combo_json(c, days)
    });
    match result {
        Ok(v) => api::json_response(StatusCode::OK, &v),
        Err(e) => e.json(),
    }
}

/// `GET /api/combo.csv`: the report's `synergy.csv`.
pub(crate) async fn api_combo_csv(State(state): State<Shared>, RawQuery(q): RawQuery) -> Response {
    match combination(&state, &Params::from_query(q.as_deref())).await {
        Ok((r, _)) => api::csv_response(report::synergy_csv(&r), "synergy.csv"),
        Err(e) => e.json(),
    }
}
