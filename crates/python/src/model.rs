//! `Model`: one compiled SBML model and the start values set on it from Python
//! (`m["k1"] = 2.0`). Every simulation starts from the model's initial values with those set
//! values applied (the engine's start-value overrides), so a model is never left half-way
//! through a run; `reset` forgets the set values. The model is shared read-only across
//! threads and the GIL is released while it compiles, simulates or seeks a steady state.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use her2sim_engine::ssa::{SsaOptions, DEFAULT_SSA_MAX_STEPS};
use her2sim_engine::{EngineError, Method, Selector, SimOptions, Simulator};

use crate::error;

/// A start value set from Python: the name as given, its target, the value.
type SetValue = (String, Selector, f64);

/// A compiled SBML model. Create it with `her2sim.load`.
#[pyclass(module = "her2sim._her2sim", frozen)]
pub struct Model {
    sim: Arc<Simulator>,
    /// The file it was read from: error messages start with it, as the CLI's do.
    source: Option<String>,
    set: Mutex<Vec<SetValue>>,
}

/// Reads and compiles an SBML file (size limit as the CLI's default `--max-input-mb`).
#[pyfunction]
pub fn load_file(py: Python<'_>, path: PathBuf) -> PyResult<Model> {
    let name = path.display().to_string();
    let sim = py
        .detach(|| {
            let text = her2sim_files::read_text(&path, her2sim_files::DEFAULT_INPUT_LIMIT)
                .map_err(|e| e.to_string())?;
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            };
            // A hierarchical (comp) model's external model files are found beside it.
            Simulator::from_sbml_text_in(&text, &dir).map_err(|e| format!("{name}: {e}"))
        })
        .map_err(error)?;
    Ok(Model::new(sim, Some(name)))
}

/// Reads and compiles an SBML document given as text.
#[pyfunction]
pub fn load_text(py: Python<'_>, text: String) -> PyResult<Model> {
    let sim = py
        .detach(|| Simulator::from_sbml_text(&text))
        .map_err(error)?;
    Ok(Model::new(sim, None))
}

/// How a time course is computed.
enum How {
    Deterministic(Method),
    Ssa,
}

fn method(name: &str) -> PyResult<How> {
    match name.trim().to_ascii_lowercase().as_str() {
        "auto" => Ok(How::Deterministic(Method::Auto)),
        "bdf" => Ok(How::Deterministic(Method::Bdf)),
        "rodas4" => Ok(How::Deterministic(Method::Rodas4)),
        "ssa" => Ok(How::Ssa),
        _ => Err(error(format!(
            "method must be 'auto', 'bdf', 'rodas4' or 'ssa', got {name:?}"
        ))),
    }
}

/// A seed from the operating system's randomness (for stochastic runs without a seed).
fn fresh_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

impl Model {
    fn new(sim: Simulator, source: Option<String>) -> Model {
        Model {
            sim: Arc::new(sim),
            source,
            set: Mutex::new(Vec::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<SetValue>> {
        // Poisoned only if a thread panicked while pushing: the list is still whole.
        self.set.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An engine error as the CLI words it (`FILE: message` for a model read from a file).
    fn fail(&self, e: impl std::fmt::Display) -> PyErr {
        match &self.source {
            Some(s) => error(format!("{s}: {e}")),
            None => error(e),
        }
    }

    /// The start-value overrides of the values set so far.
    fn overrides(&self) -> Vec<(Selector, f64)> {
        self.lock().iter().map(|(_, s, v)| (*s, *v)).collect()
    }

    /// Selection names, or the default: time and every species concentration.
    fn names(&self, selections: Option<Vec<String>>) -> PyResult<Vec<String>> {
        let names = match selections {
            Some(n) => n,
            None => self.sim.default_selection().names,
        };
        if let Some(bad) = names.iter().find(|n| n.contains(',')) {
            return Err(error(format!(
                "selection {bad:?}: give one name per list item (no commas)"
            )));
        }
        Ok(names)
    }
}

#[pymethods]
impl Model {
    /// Runs a time course; returns `(column names, f64 bytes row by row, rows)`.
    #[pyo3(signature = (start, end, points, selections, method_name, replicates, seed, atol, rtol, max_steps, tau_leap, sensitivities=None, ssa_initial="error"))]
    #[allow(clippy::too_many_arguments)]
    fn simulate<'py>(
        &self,
        py: Python<'py>,
        start: f64,
        end: f64,
        points: usize,
        selections: Option<Vec<String>>,
        method_name: &str,
        replicates: usize,
        seed: Option<u64>,
        atol: Option<f64>,
        rtol: Option<f64>,
        max_steps: Option<u64>,
        tau_leap: Option<f64>,
        sensitivities: Option<Vec<String>>,
        ssa_initial: &str,
    ) -> PyResult<(Vec<String>, Bound<'py, PyBytes>, usize)> {
        let how = method(method_name)?;
        let initial = match ssa_initial {
            "error" => her2sim_engine::ssa::InitialCounts::Error,
            "round" => her2sim_engine::ssa::InitialCounts::Round,
            "floor" => her2sim_engine::ssa::InitialCounts::Floor,
            other => {
                return Err(error(format!(
                    "ssa_initial must be 'error', 'round' or 'floor', got {other:?}"
                )))
            }
        };
        if !(start.is_finite() && end.is_finite() && end >= start) {
            return Err(error(format!(
                "start and end must be finite numbers with end >= start, got start={start}, end={end}"
            )));
        }
        if points < 2 {
            return Err(error(format!(
                "points must be at least 2 (the start and the end), got {points}"
            )));
        }
        if replicates == 0 {
            return Err(error("replicates must be at least 1"));
        }
        let deterministic = matches!(how, How::Deterministic(_));
        if deterministic && replicates != 1 && sensitivities.is_some() {
            return Err(error(
                "sensitivities are computed for one run (replicates=1)",
            ));
        }
        if deterministic && tau_leap.is_some() {
            return Err(error("tau_leap applies to method='ssa' only"));
        }
        // Sensitivities are always integrated with BDF; 'auto' (the default) means that too.
        if sensitivities.is_some() && !matches!(method_name.trim(), "bdf" | "auto") {
            return Err(error(
                "sensitivities are integrated with method='bdf' (or the default 'auto') only",
            ));
        }
        // SSA's default is the CLI's: time and every species amount (molecule counts), as
        // mean and sd per species with several replicates.
        let names = match (&how, &selections) {
            (How::Ssa, None) => self.sim.default_ssa_selection(replicates),
            // Deterministic replicates (runs differing in their distrib draws): every default
            // column's ensemble mean and sd.
            (How::Deterministic(_), None) if replicates > 1 => self
                .names(None)?
                .into_iter()
                .flat_map(|n| match n.as_str() {
                    "time" => vec![n],
                    _ => vec![format!("{n}-mean"), format!("{n}-sd")],
                })
                .collect(),
            _ => self.names(selections.clone())?,
        };
        let overrides = self.overrides();
        let defaults = SimOptions::default();
        let sim = Arc::clone(&self.sim);
        let course = match how {
            How::Deterministic(m) => {
                let opts = SimOptions {
                    start,
                    duration: end - start,
                    steps: points - 1,
                    atol: atol.unwrap_or(defaults.atol),
                    rtol: rtol.unwrap_or(defaults.rtol),
                    max_steps: max_steps
                        .map_or(defaults.max_steps, |m| usize::try_from(m).unwrap_or(usize::MAX)),
                    seed: seed.unwrap_or(defaults.seed),
                    method: m,
                    overrides,
                    ..defaults
                };
                py.detach(move || {
                    if replicates > 1 {
                        return sim.simulate_replicates(&opts, &names.join(","), replicates);
                    }
                    let selection = sim.selection(&names)?;
                    match &sensitivities {
                        Some(p) => sim.simulate_sensitivities(&opts, &selection, p),
                        None => sim.simulate(&opts, &selection),
                    }
                })
            }
            How::Ssa => {
                if !overrides.is_empty() {
                    return Err(error(
                        "values set with model[id] = value are not supported with method='ssa' yet (call reset() or edit the model's start values)",
                    ));
                }
                let opts = SsaOptions {
                    start,
                    duration: end - start,
                    steps: points - 1,
                    replicates,
                    seed: seed.unwrap_or_else(fresh_seed),
                    tau_leap,
                    max_steps: max_steps.unwrap_or(DEFAULT_SSA_MAX_STEPS),
                    initial,
                };
                py.detach(move || sim.simulate_ssa(&opts, &names.join(",")))
            }
        }
        .map_err(|e| self.fail(e))?;
        Ok(crate::table::time_course(py, &course))
    }

    /// The species as JSON (id, compartment, amount_valued, boundary, determined_by).
    fn species_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.sim.species()).map_err(error)
    }

    /// The parameters as JSON (id, local, determined_by).
    fn parameters_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.sim.parameters()).map_err(error)
    }

    /// The compartments as JSON (id, dimensions, determined_by).
    fn compartments_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.sim.compartments()).map_err(error)
    }

    /// The reaction ids.
    fn reactions(&self) -> Vec<String> {
        self.sim.reactions()
    }

    /// The value of one selection (`k1`, `S1` amount, `[S1]` concentration, a reaction's
    /// rate, `time`) at the start, with the set values applied.
    #[pyo3(signature = (name, start))]
    fn get(&self, py: Python<'_>, name: &str, start: f64) -> PyResult<f64> {
        let selector = self.sim.selector(name).map_err(|e| self.fail(e))?;
        let opts = SimOptions {
            start,
            overrides: self.overrides(),
            ..SimOptions::default()
        };
        let sim = Arc::clone(&self.sim);
        py.detach(move || -> Result<f64, EngineError> {
            let mut run = sim.start(&opts)?;
            Ok(run.sample(&[selector]).first().copied().unwrap_or(f64::NAN))
        })
        .map_err(|e| self.fail(e))
    }

    /// Sets a start value (`k1`, `S1` amount, `[S1]` concentration, a compartment size);
    /// what depends on it through initial assignments and rules is recomputed at the start.
    fn set(&self, name: &str, value: f64) -> PyResult<()> {
        let target = self
            .sim
            .override_target(name.trim())
            .map_err(|e| self.fail(e))?;
        if !value.is_finite() {
            return Err(self.fail(format!(
                "'{name}' cannot be set to {value}: give a finite number"
            )));
        }
        let mut set = self.lock();
        set.retain(|(n, _, _)| n != name);
        set.push((name.to_string(), target, value));
        Ok(())
    }

    /// The values set so far, in the order they were set.
    fn set_values(&self) -> Vec<(String, f64)> {
        self.lock()
            .iter()
            .map(|(n, _, v)| (n.clone(), *v))
            .collect()
    }

    /// Forgets every set value: the model's own start values again.
    fn reset(&self) {
        self.lock().clear();
    }

    /// Runs from `start` until every rate is below `atol + rtol * |x|` (checked at 1, 10,
    /// 100, ... time units, up to `max_time`); returns `(names, values, time reached)`.
    #[pyo3(signature = (selections, start, max_time, atol, rtol))]
    fn steady_state(
        &self,
        py: Python<'_>,
        selections: Option<Vec<String>>,
        start: f64,
        max_time: f64,
        atol: Option<f64>,
        rtol: Option<f64>,
    ) -> PyResult<(Vec<String>, Vec<f64>, f64)> {
        if !(max_time.is_finite() && max_time > 0.0) {
            return Err(error(format!(
                "max_time must be a positive number, got {max_time}"
            )));
        }
        let names: Vec<String> = match selections {
            Some(n) => self.names(Some(n))?,
            None => self
                .names(None)?
                .into_iter()
                .filter(|n| n != "time")
                .collect(),
        };
        let defaults = SimOptions::default();
        let opts = SimOptions {
            start,
            atol: atol.unwrap_or(defaults.atol),
            rtol: rtol.unwrap_or(defaults.rtol),
            overrides: self.overrides(),
            ..defaults
        };
        let sim = Arc::clone(&self.sim);
        py.detach(move || -> Result<_, EngineError> {
            let selection = sim.selection(&names)?;
            let mut run = sim.start(&opts)?;
            let t = run.advance_to_steady_state(opts.rtol, opts.atol, max_time)?;
            let values = run.sample(&selection.selectors);
            Ok((selection.names, values, t))
        })
        .map_err(|e| self.fail(e))
    }

    /// The file the model was read from, if any.
    #[getter]
    fn source(&self) -> Option<String> {
        self.source.clone()
    }
}
