//! Virtual trials (`/trials`): a trial file (one of the bundled examples, or TOML pasted or
//! uploaded by the user, never a path) run on the simulation gate with at most
//! `MAX_WEB_PATIENTS` per arm; the page shows the report's sections (simulated beside
//! published, Kaplan–Meier curves, waterfall, tumour sizes, PK), and `/api/trial` answers
//! with the object of `her2sim trial --json`.

use axum::extract::{RawQuery, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use her2sim_her2::trial::{output, run_trial, KnownDrugs, Trial, TrialResult};
use her2sim_report::escape;

use crate::page::{self, Page};
use crate::params::Params;
use crate::{api, Shared, WebError};

/// The bundled example trials: (id, label, TOML).
const EXAMPLES: [(&str, &str, &str); 8] = [
    (
        "cleopatra",
        "CLEOPATRA (pertuzumab + trastuzumab + docetaxel, first line)",
        include_str!("../../../examples/trials/cleopatra.toml"),
    ),
    (
        "slamon2001",
        "Slamon 2001 (paclitaxel ± trastuzumab)",
        include_str!("../../../examples/trials/slamon2001.toml"),
    ),
    (
        "vogel2002",
        "Vogel 2002 (trastuzumab monotherapy, first line)",
        include_str!("../../../examples/trials/vogel2002.toml"),
    ),
    (
        "cobleigh1999",
        "Cobleigh 1999 (trastuzumab after chemotherapy)",
        include_str!("../../../examples/trials/cobleigh1999.toml"),
    ),
    (
        "emilia",
        "EMILIA (T-DM1 vs lapatinib + capecitabine; PIK3CA subgroups)",
        include_str!("../../../examples/trials/emilia.toml"),
    ),
    (
        "destiny_breast03",
        "DESTINY-Breast03 (T-DXd vs T-DM1, after trastuzumab)",
        include_str!("../../../examples/trials/destiny_breast03.toml"),
    ),
    (
        "m77001",
        "M77001 (docetaxel ± trastuzumab, first line)",
        include_str!("../../../examples/trials/m77001.toml"),
    ),
    (
        "th3resa",
        "TH3RESA (T-DM1 vs physician's choice, a mixed arm)",
        include_str!("../../../examples/trials/th3resa.toml"),
    ),
];

/// Patients per arm a web request may ask for (the CLI allows 100,000; a page should answer
/// in seconds).
const MAX_WEB_PATIENTS: u32 = 2000;
/// Patients per arm when the request does not say.
const DEFAULT_WEB_PATIENTS: u32 = 200;

/// `GET /trials[?example=id]`: the form with an example's TOML.
pub(crate) async fn page(RawQuery(q): RawQuery) -> Response {
    let p = Params::from_query(q.as_deref());
    let id = p.get("example").unwrap_or("cleopatra");
    let mut page = trial_page(&Params::default());
    match EXAMPLES.iter().find(|(e, _, _)| *e == id) {
        Some((e, _, text)) => {
            page.form = form(&Params(vec![
                ("example".into(), (*e).into()),
                ("toml".into(), (*text).into()),
            ]))
        }
        None => page.error = Some(WebError::bad(format!("no example trial '{id}'"))),
    }
    page.response()
}

/// `POST /trials`: the form and the trial's report (or the error, with HTTP 400).
pub(crate) async fn page_post(State(state): State<Shared>, req: Request) -> Response {
    let p = match Params::from_body(req).await {
        Ok(p) => p,
        Err(e) => {
            let mut page = trial_page(&Params::default());
            page.error = Some(e);
            return page.response();
        }
    };
    let mut page = trial_page(&p);
    match run(&state, &p).await {
        Ok(r) => {
            page.subtitle = format!(
                "{}: {} virtual patients per arm (every arm on the same patients), seed {}.",
                r.name, r.patients_per_arm, r.seed
            );
            page.downloads = vec![
                (
                    "arms (CSV)".into(),
                    data_url("text/csv", &output::arms_csv(&r)),
                ),
                (
                    "patients (CSV)".into(),
                    data_url("text/csv", &output::patients_csv(&r)),
                ),
                (
                    "summary (JSON)".into(),
                    data_url("application/json", &output::json(&r).to_string()),
                ),
            ];
            page.sections = output::sections(&r);
        }
        Err(e) => page.error = Some(e),
    }
    page.response()
}

/// `POST /api/trial` (form or JSON: `toml` or `example`, `patients`, `seed`): the object of
/// `her2sim trial --json`.
pub(crate) async fn api(State(state): State<Shared>, req: Request) -> Response {
    let p = match Params::from_body(req).await {
        Ok(p) => p,
        Err(e) => return e.json(),
    };
    match run(&state, &p).await {
        Ok(r) => api::json_response(StatusCode::OK, &output::json(&r)),
        Err(e) => e.json(),
    }
}

fn trial_page(p: &Params) -> Page {
    Page {
        title: "her2sim — virtual trials".into(),
        subtitle: "Run a virtual trial: every arm on the same seeded virtual patients (population PK, tumour subclones, RECIST 1.1). Start from an example or paste a TRIAL.toml (docs/trials.md).".into(),
        path: "/trials",
        form: form(p),
        ..Page::default()
    }
}

fn form(p: &Params) -> String {
    let mut f = String::from("<p class=\"examples\">Examples: ");
    let links: Vec<String> = EXAMPLES
        .iter()
        .map(|(id, label, _)| format!("<a href=\"/trials?example={id}\">{}</a>", escape(label)))
        .collect();
    f.push_str(&links.join(" · "));
    f.push_str("</p>\n");
    f.push_str(&format!(
        "<label class=\"field wide\"><span>Trial file (TOML)</span><textarea name=\"toml\" id=\"toml\" spellcheck=\"false\" rows=\"18\">{}</textarea></label>\n",
        escape(p.get("toml").unwrap_or(""))
    ));
    f.push_str(&page::text_input(
        "patients",
        "Patients per arm",
        p.get("patients")
            .unwrap_or(&DEFAULT_WEB_PATIENTS.to_string()),
        "200",
        &format!("1 to {MAX_WEB_PATIENTS} here (the command line allows more)"),
    ));
    f.push_str(&page::text_input(
        "seed",
        "Seed",
        p.get("seed").unwrap_or(""),
        "the file's seed",
        "",
    ));
    page::form("/trials", "post", &f, "Run trial", true)
}

/// Reads the request's trial (its TOML, or a bundled example) and runs it on the gate.
async fn run(state: &Shared, p: &Params) -> Result<TrialResult, WebError> {
    let (label, text) = match (p.get("toml"), p.get("example")) {
        (Some(t), _) => ("the trial file".to_string(), t.to_string()),
        (None, Some(id)) => EXAMPLES
            .iter()
            .find(|(e, _, _)| *e == id)
            .map(|(e, _, t)| (format!("examples/trials/{e}.toml"), (*t).to_string()))
            .ok_or_else(|| WebError::bad(format!("no example trial '{id}'")))?,
        (None, None) => return Err(WebError::bad("give a trial file (toml) or an example")),
    };
    let patients = match p.get("patients") {
        None => DEFAULT_WEB_PATIENTS,
        Some(s) => match s.parse::<u32>() {
            Ok(n) if (1..=MAX_WEB_PATIENTS).contains(&n) => n,
            _ => {
                return Err(WebError::bad(format!(
                    "patients: expected 1 to {MAX_WEB_PATIENTS}, got '{s}'"
                )))
            }
        },
    };
    let seed = match p.get("seed") {
        None => None,
        Some(s) => Some(
            s.parse::<u64>()
                .map_err(|_| WebError::bad(format!("seed: expected a whole number, got '{s}'")))?,
        ),
    };
    let lab = state.lab.clone();
    state
        .gate
        .run(move || {
            let known = KnownDrugs::from_catalogue(lab.catalogue());
            let trial = Trial::from_toml(&text, &label, &known)
                .map_err(|e| WebError::bad(e.to_string()))?;
            run_trial(trial, Some(patients), seed, &lab, &|_| {}, &|| {}).map_err(WebError::bad)
        })
        .await
}

/// A download link carrying its data.
fn data_url(mime: &str, text: &str) -> String {
    format!(
        "data:{mime};charset=utf-8,{}",
        crate::simulate::percent_encode(text)
    )
}
