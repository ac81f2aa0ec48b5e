//! PEtab parameter estimation from Python: `her2sim.fit(problem.yaml, ...)` runs the same
//! multi-start fit as `her2sim fit` and returns its `--json` summary.

use std::path::PathBuf;

use her2sim_petab::{FitOptions, Problem, MAX_STARTS};
use pyo3::prelude::*;

use crate::error;

/// Fits a PEtab problem; returns the summary as JSON text. With `out`, writes the report
/// directory (parameters.tsv, starts.csv, index.html) as the CLI does.
#[pyfunction]
#[pyo3(signature = (problem, starts, seed, max_iterations, out, optimizer = "trust-region"))]
pub fn fit(
    py: Python<'_>,
    problem: PathBuf,
    starts: usize,
    seed: u64,
    max_iterations: usize,
    out: Option<PathBuf>,
    optimizer: &str,
) -> PyResult<String> {
    let optimizer: her2sim_petab::Optimizer = optimizer.parse().map_err(error)?;
    py.detach(move || -> Result<String, String> {
        if starts == 0 || starts > MAX_STARTS {
            return Err(format!("starts must be 1..={MAX_STARTS}, got {starts}"));
        }
        if let Some(o) = &out {
            her2sim_files::check_report_dir(o).map_err(|e| e.to_string())?;
        }
        let started = std::time::Instant::now();
        let p = Problem::read(&problem).map_err(|e| e.to_string())?;
        let opts = FitOptions {
            starts,
            seed,
            max_iterations,
            optimizer,
            from_nominal: false,
        };
        let result = p.fit(&opts, &|| {}).map_err(|e| e.to_string())?;
        let seconds = started.elapsed().as_secs_f64();
        let summary = result.summary(&p, seconds).ok_or_else(|| {
            let why = result
                .starts
                .first()
                .and_then(|s| s.error.clone())
                .unwrap_or_default();
            format!("{}: no start finished ({why})", problem.display())
        })?;
        if let Some(o) = &out {
            let files = her2sim_petab::report::fit_files(&p, &result, seconds)
                .map_err(|e| e.to_string())?;
            let files: Vec<(&str, &[u8])> = files.iter().map(|(n, t)| (*n, t.as_bytes())).collect();
            her2sim_files::write_report_dir(o, &files).map_err(|e| e.to_string())?;
        }
        serde_json::to_string(&summary).map_err(|e| e.to_string())
    })
    .map_err(error)
}

/// A PEtab problem read once, for external optimisers: the negative log-posterior with its
/// gradient and Gauss–Newton Hessian on the parameter scales, and `fit`'s start points.
#[pyclass(module = "her2sim._her2sim", frozen)]
pub struct PetabProblem {
    problem: Problem,
    ids: Vec<String>,
    bounds: Vec<(f64, f64)>,
    nominal: Vec<f64>,
}

/// Reads a PEtab problem (its YAML file).
#[pyfunction]
pub fn petab_problem(py: Python<'_>, problem: PathBuf) -> PyResult<PetabProblem> {
    py.detach(|| -> Result<PetabProblem, String> {
        let p = Problem::read(&problem).map_err(|e| e.to_string())?;
        let (estimated, bounds) = p.estimated_bounds().map_err(|e| e.to_string())?;
        let (_, nominal) = p.estimated_at_nominal();
        let ids = estimated
            .iter()
            .map(|&i| p.parameters[i].id.clone())
            .collect();
        Ok(PetabProblem {
            problem: p,
            ids,
            bounds,
            nominal,
        })
    })
    .map_err(error)
}

#[pymethods]
impl PetabProblem {
    /// Ids of the estimated parameters, in the order of every vector here.
    #[getter]
    fn parameter_ids(&self) -> Vec<String> {
        self.ids.clone()
    }

    /// (lower, upper) of each estimated parameter on its scale.
    #[getter]
    fn bounds(&self) -> Vec<(f64, f64)> {
        self.bounds.clone()
    }

    /// Nominal values on the parameter scales.
    #[getter]
    fn nominal(&self) -> Vec<f64> {
        self.nominal.clone()
    }

    /// (negative log-posterior, gradient, Gauss–Newton Hessian) at `x` (parameter scales).
    #[allow(clippy::type_complexity)]
    fn objective(&self, py: Python<'_>, x: Vec<f64>) -> PyResult<(f64, Vec<f64>, Vec<Vec<f64>>)> {
        py.detach(|| self.problem.objective_with_gradient(&x))
            .map(|o| (o.value, o.gradient, o.hessian))
            .map_err(error)
    }

    /// The starts `fit(starts=n, seed=seed)` runs from.
    fn start_points(&self, n: usize, seed: u64) -> PyResult<Vec<Vec<f64>>> {
        if n == 0 || n > MAX_STARTS {
            return Err(error(format!("starts must be 1..={MAX_STARTS}, got {n}")));
        }
        self.problem.start_points(n, seed).map_err(error)
    }
}
