//! Survival analysis from Python (`her2sim.survival`): Kaplan–Meier, the log-rank test and
//! Cox proportional hazards of `her2sim_analysis::survival`, so the estimators the virtual
//! trials report can be checked against lifelines (crates/python/tests/test_survival.py).
//! Results are dicts of plain values; the Python wrapper shapes them into tables.

use pyo3::prelude::*;
use pyo3::types::PyDict;

use her2sim_analysis::survival::cox::cox;
use her2sim_analysis::survival::km::KaplanMeier;
use her2sim_analysis::survival::logrank::logrank;

use crate::error;

/// The Kaplan–Meier table (one row per distinct time), the median with its interval (`None`
/// where not reached) and, at each of `at`, the number at risk and `S(t)` with its interval.
#[pyfunction]
#[pyo3(signature = (times, events, at))]
pub fn survival_kaplan_meier<'py>(
    py: Python<'py>,
    times: Vec<f64>,
    events: Vec<bool>,
    at: Vec<f64>,
) -> PyResult<Bound<'py, PyDict>> {
    let km = py
        .detach(|| KaplanMeier::fit(&times, &events))
        .map_err(error)?;
    let d = PyDict::new(py);
    let col = |f: fn(&her2sim_analysis::survival::km::KmRow) -> f64| -> Vec<f64> {
        km.rows.iter().map(f).collect()
    };
    d.set_item("time", col(|r| r.time))?;
    let count = |f: fn(&her2sim_analysis::survival::km::KmRow) -> usize| -> Vec<usize> {
        km.rows.iter().map(f).collect()
    };
    d.set_item("at_risk", count(|r| r.at_risk))?;
    d.set_item("events", count(|r| r.events))?;
    d.set_item("censored", count(|r| r.censored))?;
    d.set_item("survival", col(|r| r.survival))?;
    d.set_item("variance", col(|r| r.variance))?;
    d.set_item("lower", col(|r| r.lower))?;
    d.set_item("upper", col(|r| r.upper))?;
    let m = km.median();
    d.set_item("median", (m.estimate, m.lower, m.upper))?;
    let est: Vec<_> = at.iter().map(|&t| km.survival_at(t)).collect();
    d.set_item("at", at.clone())?;
    d.set_item("at_risk_at", km.at_risk(&at))?;
    d.set_item(
        "survival_at",
        est.iter().map(|e| e.survival).collect::<Vec<_>>(),
    )?;
    d.set_item("lower_at", est.iter().map(|e| e.lower).collect::<Vec<_>>())?;
    d.set_item("upper_at", est.iter().map(|e| e.upper).collect::<Vec<_>>())?;
    Ok(d)
}

/// The two-group log-rank test.
#[pyfunction]
#[pyo3(signature = (times_a, events_a, times_b, events_b))]
pub fn survival_logrank<'py>(
    py: Python<'py>,
    times_a: Vec<f64>,
    events_a: Vec<bool>,
    times_b: Vec<f64>,
    events_b: Vec<bool>,
) -> PyResult<Bound<'py, PyDict>> {
    let r = py
        .detach(|| logrank(&times_a, &events_a, &times_b, &events_b))
        .map_err(error)?;
    let d = PyDict::new(py);
    d.set_item("statistic", r.statistic)?;
    d.set_item("p_value", r.p_value)?;
    d.set_item("observed_a", r.observed_a)?;
    d.set_item("expected_a", r.expected_a)?;
    d.set_item("observed_b", r.observed_b)?;
    d.set_item("expected_b", r.expected_b)?;
    Ok(d)
}

/// A Cox model; `covariates[j]` holds covariate `j` for every subject. Per-coefficient
/// columns (`coef`, `se`, `hazard_ratio`, `hr_lower`, `hr_upper`, `z`, `p`) and the fit.
#[pyfunction]
#[pyo3(signature = (times, events, covariates))]
pub fn survival_cox<'py>(
    py: Python<'py>,
    times: Vec<f64>,
    events: Vec<bool>,
    covariates: Vec<Vec<f64>>,
) -> PyResult<Bound<'py, PyDict>> {
    let fit = py
        .detach(|| cox(&times, &events, &covariates))
        .map_err(error)?;
    let d = PyDict::new(py);
    let c = &fit.coefficients;
    d.set_item("coef", c.iter().map(|c| c.beta).collect::<Vec<_>>())?;
    d.set_item("se", c.iter().map(|c| c.se).collect::<Vec<_>>())?;
    d.set_item(
        "hazard_ratio",
        c.iter().map(|c| c.hazard_ratio).collect::<Vec<_>>(),
    )?;
    d.set_item("hr_lower", c.iter().map(|c| c.hr_lower).collect::<Vec<_>>())?;
    d.set_item("hr_upper", c.iter().map(|c| c.hr_upper).collect::<Vec<_>>())?;
    d.set_item("z", c.iter().map(|c| c.z).collect::<Vec<_>>())?;
    d.set_item("p", c.iter().map(|c| c.p_value).collect::<Vec<_>>())?;
    d.set_item("log_likelihood", fit.log_likelihood)?;
    d.set_item("null_log_likelihood", fit.null_log_likelihood)?;
    d.set_item("lr_statistic", fit.lr_statistic)?;
    d.set_item("lr_p_value", fit.lr_p_value)?;
    d.set_item("iterations", fit.iterations)?;
    Ok(d)
}
