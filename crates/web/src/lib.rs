//! The her2sim web UI (`her2sim serve`): the HER2 laboratory (predict, dose-response,
//! combinations, the default study), virtual trials and the SBML simulator as server-rendered HTML pages with
//! plain forms and inline SVG plots (drawn by `her2sim-report`), and a JSON API under `/api/`
//! whose objects are those of the CLI's `--json` outputs.
//!
//! Every page and endpoint calls the `her2sim_her2` / `her2sim_engine` functions the CLI
//! calls. Requests are bounded: a body size limit, a wall-clock budget per simulation (an
//! upload's, and each of the laboratory's runs), a memory budget for an uploaded model's
//! matrices, and a limit on simulations running at once (they run on blocking threads; excess
//! requests wait in a short queue, then get HTTP 503). No request path or field ever reaches the file system;
//! bad input is an HTTP 400 with the message shown in the page (or as `{"error": ...}`).
//!
//! ```no_run
//! let listener = std::net::TcpListener::bind("127.0.0.1:8000").unwrap();
//! her2sim_web::serve_std(listener, her2sim_web::Config::default()).unwrap();
//! ```

mod api;
mod dose;
mod error;
mod gate;
mod lab_page;
mod page;
mod params;
mod simulate;
mod study;
mod trial_page;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;
use her2sim_her2::Lab;

pub use error::WebError;

/// Limits and budgets of a server.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest request body accepted (bytes); larger requests get HTTP 413.
    pub max_body_bytes: usize,
    /// Wall-clock budget of one SBML simulation (`SimOptions::timeout`).
    pub sim_timeout: Duration,
    /// Simulations (of any kind) running at once.
    pub max_concurrent: usize,
    /// Requests waiting for a simulation slot; beyond them a request gets HTTP 503.
    pub max_queued: usize,
    /// Largest dense Jacobian with its LU factors one uploaded model may need (bytes;
    /// `SimOptions::max_matrix_bytes`): with `max_concurrent` runs at once, the server's
    /// memory ceiling should hold that many of them.
    pub max_run_bytes: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_body_bytes: 16 * 1024 * 1024,
            sim_timeout: Duration::from_secs(60),
            max_concurrent: std::thread::available_parallelism().map_or(2, |n| n.get()),
            max_queued: 32,
            max_run_bytes: 1 << 30,
        }
    }
}

/// What every handler shares: the built-in laboratory (with its steady-state cache), the
/// limits, the simulation gate and the cached default study.
pub(crate) struct AppState {
    pub lab: Arc<Lab>,
    pub config: Config,
    pub gate: gate::Gate,
    pub study: tokio::sync::OnceCell<Arc<study::StudyOutput>>,
}

/// Shared state as handlers receive it.
pub(crate) type Shared = Arc<AppState>;

/// The application: every page and API route, with the body limit applied.
pub fn app(config: Config) -> Result<Router, WebError> {
    let mut lab = Lab::builtin().map_err(|e| WebError::internal(format!("laboratory: {e}")))?;
    // Every simulation behind a lab page or API call gets the same budget as an upload.
    lab.run_timeout = Some(config.sim_timeout);
    let state = Arc::new(AppState {
        lab: Arc::new(lab),
        gate: gate::Gate::new(config.max_concurrent, config.max_queued),
        config: config.clone(),
        study: tokio::sync::OnceCell::new(),
    });
    Ok(Router::new()
        .route("/", get(lab_page::page))
        .route("/dose-response", get(dose::dose_page))
        .route("/combo", get(dose::combo_page))
        .route("/study", get(study::page))
        .route("/study/report", get(study::report_html))
        .route("/study/{file}", get(study::report_file))
        .route("/simulate", get(simulate::page).post(simulate::page_post))
        .route("/trials", get(trial_page::page).post(trial_page::page_post))
        .route("/api", get(api::index))
        .route("/api/", get(api::index))
        .route(
            "/api/predict",
            get(lab_page::api_predict).post(lab_page::api_predict_post),
        )
        .route("/api/lab.csv", get(lab_page::api_csv))
        .route(
            "/api/dose-response",
            get(dose::api_dose).post(dose::api_dose_post),
        )
        .route("/api/dose-response.csv", get(dose::api_dose_csv))
        .route(
            "/api/combo",
            get(dose::api_combo).post(dose::api_combo_post),
        )
        .route("/api/combo.csv", get(dose::api_combo_csv))
        .route("/api/study", get(study::api))
        .route("/api/simulate", axum::routing::post(simulate::api))
        .route("/api/trial", axum::routing::post(trial_page::api))
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .with_state(state))
}

/// Serves the application on a bound listener until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, config: Config) -> std::io::Result<()> {
    let app = app(config).map_err(|e| std::io::Error::other(e.message))?;
    axum::serve(listener, app).await
}

/// Serves on a bound standard-library listener from a new multi-threaded runtime; blocks
/// until the process ends (or the listener fails).
pub fn serve_std(listener: std::net::TcpListener, config: Config) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("her2sim-web")
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        serve(listener, config).await
    })
}
