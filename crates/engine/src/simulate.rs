//! Deterministic time courses: one [`Run`] advanced through evenly spaced output times,
//! sampling the selections from the integrator's dense output.

use her2sim_ode::{LinearSolver, Method};

use crate::compile::Compiled;
use crate::run::Run;
use crate::select::{value, Selector};
use crate::EngineError;

/// What a time course asks for.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Start time.
    pub start: f64,
    /// Length of the simulated interval.
    pub duration: f64,
    /// Output intervals; the result has `steps + 1` rows.
    pub steps: usize,
    /// Absolute tolerance of the integrator.
    pub atol: f64,
    /// Relative tolerance of the integrator.
    pub rtol: f64,
    /// Solver step attempts allowed between two discontinuities (and per `advance_to` of a
    /// stateful run).
    pub max_steps: usize,
    /// Wall-clock limit for one time course; `None` = unlimited.
    pub timeout: Option<std::time::Duration>,
    /// Seed for the random choice among simultaneous events of equal priority.
    pub seed: u64,
    /// The integration method.
    pub method: Method,
    /// Dense or sparse linear algebra in the BDF method (auto: sparse for large models).
    pub linear_solver: LinearSolver,
    /// Initial values to use instead of the model's (from `Simulator::override_target`):
    /// everything that depends on them is recomputed. When a symbol is listed more than once,
    /// the last entry wins.
    pub overrides: Vec<(Selector, f64)>,
    /// Largest dense Jacobian with its LU factors (bytes) a run may hold; a model needing
    /// more without the sparse path is refused before allocating. A server running several
    /// untrusted models at once lowers it so that together they stay under its ceiling.
    pub max_matrix_bytes: usize,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            start: 0.0,
            duration: 10.0,
            steps: 100,
            atol: 1e-12,
            rtol: 1e-8,
            max_steps: 500_000,
            timeout: None,
            seed: 1,
            // DOP853 while the model is not stiff, BDF from the moment it is: on the curated
            // BioModels at rtol 1e-10 the median simulate time fell from 0.75x to 0.46x of
            // libRoadRunner's (non-stiff models 2-5x faster, stiff ones at BDF's cost). BDF
            // alone reuses its Jacobian and LU across steps and is 10-100x faster than RODAS4.
            method: Method::Auto,
            linear_solver: LinearSolver::Auto,
            overrides: Vec::new(),
            max_matrix_bytes: crate::run::MAX_DENSE_BYTES,
        }
    }
}

/// A table of sampled values: one row per output time, one column per selection.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TimeCourse {
    /// Column names (the selection as given).
    pub columns: Vec<String>,
    /// One row per output time.
    pub rows: Vec<Vec<f64>>,
}

/// Runs a time course and samples `selection` at `steps + 1` evenly spaced times.
pub fn simulate(
    c: &Compiled,
    opts: &SimOptions,
    selection: &[Selector],
    names: &[String],
) -> Result<TimeCourse, EngineError> {
    let grid = crate::grid::Grid::new(opts.start, opts.duration, opts.steps, selection.len())?;
    let times = grid.times();
    let mut run = Run::start(c, opts)?;
    let mut rows = Vec::with_capacity(times.len());
    run.advance(grid.time(grid.steps()), &times, &mut |tau, v| {
        rows.push(selection.iter().map(|&s| value(c, v, tau, s)).collect())
    })?;
    if std::env::var_os("HER2SIM_SOLVER_STATS").is_some() {
        eprintln!("solver: {:?}", run.solver_stats());
    }
    Ok(TimeCourse {
        columns: names.to_vec(),
        rows,
    })
}

/// Runs `replicates` time courses, replicate k seeded with stream k of `opts.seed` (its own
/// `distrib` draws and event tie-breaks), and reports `columns` (`X-mean`, `X-sd`, or single
/// values with one replicate) at `steps + 1` evenly spaced times.
pub(crate) fn simulate_replicates(
    c: &Compiled,
    opts: &SimOptions,
    columns: &[crate::ssa::Column],
    names: &[String],
    replicates: usize,
) -> Result<TimeCourse, EngineError> {
    if replicates == 0 {
        return Err(EngineError::Options(
            "--replicates must be at least 1".into(),
        ));
    }
    let selectors = crate::ensemble::sampled(columns);
    let grid = crate::grid::Grid::new(opts.start, opts.duration, opts.steps, columns.len())?;
    let times = grid.times();
    let end = grid.time(grid.steps());
    let (table, _) = crate::ensemble::reduce(&times, columns, names, replicates, |rep| {
        let mut run_opts = opts.clone();
        run_opts.seed = crate::draw::stream_seed(opts.seed, rep as u64);
        let mut rows = Vec::with_capacity(times.len());
        let mut run = Run::start(c, &run_opts)?;
        run.advance(end, &times, &mut |tau, v| {
            rows.push(selectors.iter().map(|&s| value(c, v, tau, s)).collect())
        })
        .map_err(|e| match e {
            EngineError::Options(m) if replicates > 1 => {
                EngineError::Options(format!("replicate {rep}: {m}"))
            }
            e => e,
        })?;
        Ok((rows, 0))
    })?;
    Ok(table)
}
