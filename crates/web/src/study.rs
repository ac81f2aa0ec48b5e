//! The default study (`/study`): run once on first request (`Study::default_study`, on the
//! simulation gate), then kept in memory; the page shows the ranked table, `/study/report`
//! the study's full HTML report, `/study/*.csv` its tidy CSVs (`outputs::report_files`), and
//! `/api/study` the object of `her2sim study --json`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use her2sim_her2::study::{Study, StudyResults};
use her2sim_her2::{outputs, report, READOUTS};
use her2sim_report::{Block, Cell, Section, Table};

use crate::page::{html_response, Page};
use crate::{api, Shared, WebError};

/// A finished study: its results, the report's files and the ranking.
pub(crate) struct StudyOutput {
    results: StudyResults,
    groups: outputs::Groups,
    files: Vec<(&'static str, String)>,
    seconds: f64,
}

/// The cached default study, computed by the first request that needs it (others wait).
async fn study(state: &Shared) -> Result<Arc<StudyOutput>, WebError> {
    state
        .study
        .get_or_try_init(|| async {
            let lab = state.lab.clone();
            state
                .gate
                .run(move || {
                    let started = std::time::Instant::now();
                    let fail = |e: her2sim_her2::LabError| {
                        WebError::internal(format!("the default study failed: {e}"))
                    };
                    let study = Study::default_study(&lab).map_err(fail)?;
                    let results = study.run(&lab, &|| {}).map_err(fail)?;
                    let groups = outputs::groups(&lab, &results);
                    let files = outputs::report_files(&lab, &results, &groups);
                    Ok(Arc::new(StudyOutput {
                        results,
                        groups,
                        files,
                        seconds: started.elapsed().as_secs_f64(),
                    }))
                })
                .await
        })
        .await
        .cloned()
}

/// `GET /study`.
pub(crate) async fn page(State(state): State<Shared>) -> Response {
    let mut page = Page {
        title: "her2sim — the default study".into(),
        path: "/study",
        ..Page::default()
    };
    match study(&state).await {
        Ok(s) => {
            let r = &s.results;
            page.subtitle = format!(
                "{} conditions × {} treatments, {} days in vitro (computed once in {:.1} s, then cached). Viable cells relative to untreated; HER2-high = mean over the HER2-amplified lines without modifiers.",
                r.conditions.len(),
                r.treatments.len(),
                r.days,
                s.seconds
            );
            page.downloads = vec![("full report (HTML)".into(), "/study/report".into())];
            for (name, _) in &s.files {
                if name.ends_with(".csv") {
                    page.downloads
                        .push(((*name).into(), format!("/study/{name}")));
                }
            }
            page.downloads
                .push(("ranking (JSON)".into(), "/api/study".into()));
            page.sections = vec![ranked(&s)];
        }
        Err(e) => page.error = Some(e),
    }
    page.response()
}

/// The ranked table: treatment, HER2-high mean and the HER2-low reference.
fn ranked(s: &StudyOutput) -> Section {
    let r = &s.results;
    let v = READOUTS
        .iter()
        .position(|(n, _)| *n == "viable_cells")
        .unwrap_or(0);
    let rank = report::ranking(r, &s.groups.her2_high);
    let low = s.groups.her2_low;
    let mut headers = vec![
        "rank".to_string(),
        "treatment".to_string(),
        "viable cells, HER2-high".to_string(),
    ];
    if let Some(l) = low {
        headers.push(format!("viable cells, {}", r.conditions[l].label()));
    }
    let rows = rank
        .iter()
        .enumerate()
        .map(|(i, &(t, viable))| {
            let mut row = vec![
                Cell::number((i + 1) as f64, 0),
                Cell::text(r.treatments[t].clone()),
                Cell::bar(viable, 1.0, format!("{viable:.3}")),
            ];
            if let Some(l) = low {
                let x = r.predictions[l][t].relative[v];
                row.push(Cell::bar(x, 1.0, format!("{x:.3}")));
            }
            row
        })
        .collect();
    Section {
        id: "ranking".into(),
        heading: "Treatments ranked".into(),
        intro: "Best first: the lowest mean viable cells over the HER2-high lines (1 = no effect)."
            .into(),
        blocks: vec![Block::Table(Table {
            caption: String::new(),
            headers,
            rows,
        })],
    }
}

/// `GET /study/report`: the study's self-contained HTML report.
pub(crate) async fn report_html(State(state): State<Shared>) -> Response {
    match study(&state).await {
        Ok(s) => {
            let html = s
                .files
                .iter()
                .find(|(n, _)| *n == "index.html")
                .map(|(_, t)| t.clone())
                .unwrap_or_default();
            html_response(StatusCode::OK, html)
        }
        Err(e) => Page {
            title: "her2sim — the default study".into(),
            path: "/study",
            error: Some(e),
            ..Page::default()
        }
        .response(),
    }
}

/// `GET /study/{name}.csv`: one of the study's CSVs, looked up by name in memory.
pub(crate) async fn report_file(State(state): State<Shared>, Path(file): Path<String>) -> Response {
    if !file.ends_with(".csv") {
        return crate::page::Page {
            title: "Not found".into(),
            error: Some(WebError {
                status: StatusCode::NOT_FOUND,
                message: format!("no page at /study/{file}"),
            }),
            ..Default::default()
        }
        .response();
    }
    let s = match study(&state).await {
        Ok(s) => s,
        Err(e) => return e.json(),
    };
    match s.files.iter().find(|(n, _)| *n == file) {
        Some((name, text)) => api::csv_response(text.clone(), name),
        None => WebError {
            status: StatusCode::NOT_FOUND,
            message: format!("no study file {file:?}"),
        }
        .json(),
    }
}

/// `GET /api/study`: the object of `her2sim study --json` (its report is `/study/report`).
pub(crate) async fn api(State(state): State<Shared>) -> Response {
    match study(&state).await {
        Ok(s) => api::json_response(
            StatusCode::OK,
            &serde_json::json!({
                "study": s.results.name,
                "days": s.results.days,
                "report": "/study/report",
                "ranking": outputs::ranking_json(&s.results, &s.groups),
            }),
        ),
        Err(e) => e.json(),
    }
}
