//! JSON and CSV responses, the `/api` index (what each endpoint takes and returns) and the
//! not-found answer.

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// A JSON response.
pub(crate) fn json_response(status: StatusCode, v: &serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        format!("{v}\n"),
    )
        .into_response()
}

/// A CSV response offered as a download named `filename`.
pub(crate) fn csv_response(csv: String, filename: &str) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        csv,
    )
        .into_response()
}

pub(crate) use her2sim_report::csv::{field as csv_field, number as csv_number};

/// The endpoints: (method and path, parameters, answer).
const ENDPOINTS: [(&str, &str, &str); 10] = [
    ("GET|POST /api/predict", "cell_line, modifier (repeatable) or modifiers (list), treatment, days", "the object of `her2sim predict --json`"),
    ("GET /api/lab.csv", "as /api/predict (or the lab form's agentN/doseN/windowN)", "time courses: hours, arm (treated/untreated), each read-out"),
    ("GET|POST /api/dose-response", "cell_line, modifier, treatment, doses (\"1nM..10uM:12\"), readout, days", "the object of `her2sim dose-response --json` (simulated)"),
    ("GET /api/dose-response.csv", "as /api/dose-response", "the report's dose_response.csv rows"),
    ("GET|POST /api/combo", "cell_line, modifier, treatment (twice) or treatment_a/treatment_b, doses (twice) or doses_a/doses_b, readout, days", "the object of `her2sim combo --json` (simulated)"),
    ("GET /api/combo.csv", "as /api/combo", "the report's synergy.csv rows"),
    ("GET /api/study", "", "the object of `her2sim study --json` for the default study (computed once, then cached); report: its URL"),
    ("POST /api/simulate", "sbml (text or multipart file), selections (comma list or JSON list; default time and every species concentration), start, end, points, method (bdf|rodas4); ?format=csv for CSV", "{\"columns\": [...], \"rows\": [[...], ...]}"),
    ("POST /api/trial", "toml (a TRIAL.toml's text) or example (cleopatra|slamon2001|vogel2002|cobleigh1999|destiny_breast03), patients (1-2000, default 200), seed", "the object of `her2sim trial --json`"),
    ("GET /study/{predictions,time_courses,dose_response,synergy}.csv", "", "the default study's tidy CSVs; /study/report its HTML report"),
];

/// `GET /api`: the endpoint list.
pub(crate) async fn index() -> Response {
    let list: Vec<serde_json::Value> = ENDPOINTS
        .iter()
        .map(|(e, p, a)| serde_json::json!({"endpoint": e, "parameters": p, "returns": a}))
        .collect();
    json_response(
        StatusCode::OK,
        &serde_json::json!({
            "endpoints": list,
            "errors": "bad input: HTTP 400 {\"error\": message}; body over the limit: 413; busy: 503",
        }),
    )
}

/// Any other path: 404 (JSON under /api/, a short page elsewhere).
pub(crate) async fn not_found(req: Request) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/api/") {
        return json_response(
            StatusCode::NOT_FOUND,
            &serde_json::json!({"error": format!("no such endpoint: {path} (see /api)")}),
        );
    }
    crate::page::Page {
        title: "Not found".into(),
        error: Some(crate::WebError {
            status: StatusCode::NOT_FOUND,
            message: format!("no page at {path}"),
        }),
        ..Default::default()
    }
    .response()
}
