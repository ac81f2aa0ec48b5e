//! The PEtab objective: every (pre-equilibration, simulation) condition pair simulated once,
//! in parallel, through the engine's run API; observables and noise evaluated at each
//! measurement with its placeholders filled; the log-likelihood summed as PEtab defines it.

use std::collections::{BTreeMap, HashMap};

use her2sim_engine::{Selector, SimOptions};
use rayon::prelude::*;

use crate::problem::{Cell, Measurement, Noise, Prior, Problem, Transformation};
use crate::PetabError;

/// Steady state: every rate below `STEADY_ATOL + STEADY_RTOL * |x|`.
const STEADY_RTOL: f64 = 1e-8;
const STEADY_ATOL: f64 = 1e-16;
/// Longest pre-equilibration (model time units) before it is called a failure.
const STEADY_MAX_TIME: f64 = 1e9;

/// The objective's terms at one parameter vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    /// Log-likelihood of the measurements (normalisation constants and the Jacobian terms of
    /// log-transformed data included; priors excluded).
    pub llh: f64,
    /// Sum of squared weighted residuals (on the transformed scale).
    pub chi2: f64,
    /// Log-density of the objective priors of the estimated parameters.
    pub log_prior: f64,
    /// Number of measurements.
    pub n_measurements: usize,
}

/// One measurement's part of the objective.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Term {
    /// (transformed measurement - transformed simulation) / sigma.
    pub residual: f64,
    /// The noise parameter (standard deviation or Laplace scale).
    pub sigma: f64,
    /// The noise distribution.
    pub noise: Noise,
    /// The observable's simulated value (untransformed).
    pub simulated: f64,
    /// Its log-likelihood (with the normalisation and Jacobian terms).
    pub llh: f64,
}

/// Simulated model values at each measured time of one condition pair.
struct Simulated {
    /// Per time (as bits, for exact lookup): the values of `ids`.
    at: HashMap<u64, Vec<f64>>,
}

impl Problem {
    /// The objective at `parameters` (every parameter-table id on the linear scale).
    pub fn objective(&self, parameters: &HashMap<String, f64>) -> Result<Objective, PetabError> {
        let terms = self.terms(parameters)?;
        Ok(Objective {
            llh: terms.iter().map(|t| t.llh).sum(),
            chi2: terms.iter().map(|t| t.residual * t.residual).sum(),
            log_prior: self.log_prior(parameters),
            n_measurements: terms.len(),
        })
    }

    /// Each measurement's term of the objective, in table order.
    pub fn terms(&self, parameters: &HashMap<String, f64>) -> Result<Vec<Term>, PetabError> {
        // The model symbols the formulas read.
        let mut ids: Vec<String> = Vec::new();
        for o in &self.observables {
            for f in [&o.formula, &o.noise_formula] {
                for id in f.identifiers() {
                    if self.sim.formula_selector(id).is_ok() && !ids.iter().any(|x| x == id) {
                        ids.push(id.to_string());
                    }
                }
            }
        }
        let selectors: Vec<Selector> = ids
            .iter()
            .filter_map(|id| self.sim.formula_selector(id).ok())
            .collect();
        let mut pairs: BTreeMap<(Option<&str>, &str), Vec<f64>> = BTreeMap::new();
        for m in &self.measurements {
            pairs
                .entry((m.preequilibration.as_deref(), m.condition.as_str()))
                .or_default()
                .push(m.time);
        }
        let pairs: Vec<_> = pairs.into_iter().collect();
        let simulated: Vec<Simulated> = pairs
            .par_iter()
            .map(|((pre, cond), times)| {
                self.simulate_pair(*pre, cond, times, &selectors, parameters)
            })
            .collect::<Result<_, _>>()?;
        let index: HashMap<(Option<&str>, &str), usize> = pairs
            .iter()
            .enumerate()
            .map(|(i, (k, _))| (*k, i))
            .collect();
        self.measurements
            .iter()
            .map(|m| {
                let k = index[&(m.preequilibration.as_deref(), m.condition.as_str())];
                let values = &simulated[k].at[&m.time.to_bits()];
                self.measurement_term(m, &ids, values, parameters)
            })
            .collect()
    }

    /// Model parameters set from the parameter table.
    fn parameter_overrides(&self, parameters: &HashMap<String, f64>) -> Vec<(Selector, f64)> {
        self.parameters
            .iter()
            .filter_map(|p| {
                let sel = self.sim.override_target(&p.id).ok()?;
                Some((sel, parameters.get(&p.id).copied().unwrap_or(p.nominal)))
            })
            .collect()
    }

    /// What one condition sets (NaN cells keep the model's or the pre-equilibrated value).
    fn condition_overrides(
        &self,
        c: &str,
        parameters: &HashMap<String, f64>,
    ) -> Result<Vec<(Selector, f64)>, PetabError> {
        let mut out = Vec::new();
        for (target, cell) in self.conditions.get(c).into_iter().flatten() {
            let value = self
                .cell_value(cell, parameters)
                .map_err(|e| PetabError::Simulation(format!("condition '{c}', '{target}': {e}")))?;
            if value.is_nan() {
                continue;
            }
            let sel = self
                .sim
                .formula_selector(target)
                .map_err(|e| PetabError::Simulation(format!("condition '{c}': {e}")))?;
            out.push((sel, value));
        }
        Ok(out)
    }

    fn cell_value(&self, cell: &Cell, parameters: &HashMap<String, f64>) -> Result<f64, String> {
        match cell {
            Cell::Num(x) => Ok(*x),
            Cell::Param(id) => parameters
                .get(id)
                .copied()
                .ok_or_else(|| format!("'{id}' is neither a number nor a parameter-table id")),
        }
    }

    fn simulate_pair(
        &self,
        pre: Option<&str>,
        cond: &str,
        times: &[f64],
        selectors: &[Selector],
        parameters: &HashMap<String, f64>,
    ) -> Result<Simulated, PetabError> {
        let fail = |e: her2sim_engine::EngineError| {
            PetabError::Simulation(match pre {
                Some(p) => format!("condition '{cond}' (pre-equilibrated in '{p}'): {e}"),
                None => format!("condition '{cond}': {e}"),
            })
        };
        let base = SimOptions {
            rtol: 1e-8,
            atol: 1e-12,
            ..SimOptions::default()
        };
        let mut overrides = self.parameter_overrides(parameters);
        if let Some(p) = pre {
            let mut pre_overrides = overrides.clone();
            pre_overrides.extend(self.condition_overrides(p, parameters)?);
            let opts = SimOptions {
                overrides: pre_overrides,
                ..base.clone()
            };
            let mut run = self.sim.start(&opts).map_err(fail)?;
            run.advance_to_steady_state(STEADY_RTOL, STEADY_ATOL, STEADY_MAX_TIME)
                .map_err(fail)?;
            // The steady state becomes the start of the simulation condition; what that
            // condition sets explicitly is applied after it (and wins).
            let state: Vec<Selector> = self
                .sim
                .state_ids()
                .iter()
                .filter_map(|id| self.sim.formula_selector(id).ok())
                .collect();
            let values = run.sample(&state);
            overrides.extend(state.into_iter().zip(values));
        }
        overrides.extend(self.condition_overrides(cond, parameters)?);
        let opts = SimOptions { overrides, ..base };
        let mut run = self.sim.start(&opts).map_err(fail)?;
        let mut sorted: Vec<f64> = times.to_vec();
        sorted.sort_by(f64::total_cmp);
        sorted.dedup();
        let mut at = HashMap::new();
        for t in sorted {
            if t.is_infinite() {
                run.advance_to_steady_state(STEADY_RTOL, STEADY_ATOL, STEADY_MAX_TIME)
                    .map_err(fail)?;
            } else {
                run.advance_to(t).map_err(fail)?;
            }
            at.insert(t.to_bits(), run.sample(selectors));
        }
        Ok(Simulated { at })
    }

    /// The term of one measurement.
    fn measurement_term(
        &self,
        m: &Measurement,
        ids: &[String],
        values: &[f64],
        parameters: &HashMap<String, f64>,
    ) -> Result<Term, PetabError> {
        let o = &self.observables[m.observable];
        let err = |msg: String| {
            PetabError::Simulation(format!(
                "measurement of '{}' (line {}): {msg}",
                o.id, m.line
            ))
        };
        let placeholder = |name: &str, kind: &str, cells: &[Cell]| -> Option<Result<f64, String>> {
            let rest = name.strip_prefix(kind)?;
            let (n, obs) = rest.split_once('_')?;
            if obs != o.id {
                return None;
            }
            let n: usize = n.parse().ok()?;
            Some(match cells.get(n.wrapping_sub(1)) {
                Some(c) => self.cell_value(c, parameters),
                None => Err(format!(
                    "{name}: the measurement gives {} value(s)",
                    cells.len()
                )),
            })
        };
        let lookup_result = std::cell::RefCell::new(None);
        let lookup = |name: &str| -> Option<f64> {
            let found = placeholder(name, "observableParameter", &m.observable_parameters)
                .or_else(|| placeholder(name, "noiseParameter", &m.noise_parameters));
            match found {
                Some(Ok(v)) => return Some(v),
                Some(Err(e)) => {
                    *lookup_result.borrow_mut() = Some(e);
                    return None;
                }
                None => {}
            }
            if let Some(i) = ids.iter().position(|x| x == name) {
                return Some(values[i]);
            }
            if let Some(v) = parameters.get(name) {
                return Some(*v);
            }
            match name {
                "t" | "time" => Some(m.time),
                _ => None,
            }
        };
        let eval = |f: &crate::Formula| {
            f.eval(&lookup)
                .map_err(|e| err(lookup_result.borrow_mut().take().unwrap_or(e)))
        };
        let h = eval(&o.formula)?;
        let sigma = eval(&o.noise_formula)?;
        let y = m.value;
        let (ty, th, jacobian) = match o.transformation {
            Transformation::Lin => (y, h, 0.0),
            Transformation::Log => (y.ln(), h.ln(), -y.ln()),
            Transformation::Log10 => (y.log10(), h.log10(), -(y * std::f64::consts::LN_10).ln()),
        };
        let r = (ty - th) / sigma;
        let llh = match o.noise {
            Noise::Normal => -0.5 * (2.0 * std::f64::consts::PI * sigma * sigma).ln() - 0.5 * r * r,
            Noise::Laplace => -(2.0 * sigma).ln() - r.abs(),
        } + jacobian;
        Ok(Term {
            residual: r,
            sigma,
            simulated: h,
            noise: o.noise,
            llh,
        })
    }

    /// Log-density of the priors of estimated parameters.
    pub fn log_prior(&self, parameters: &HashMap<String, f64>) -> f64 {
        let ln2pi = (2.0 * std::f64::consts::PI).ln();
        self.parameters
            .iter()
            .filter(|p| p.estimate)
            .filter_map(|p| {
                let x = parameters.get(&p.id).copied().unwrap_or(p.nominal);
                let on = |scaled: bool| if scaled { p.scale.to_scale(x) } else { x };
                Some(match p.prior.as_ref()? {
                    Prior::Normal { mean, sd, on_scale } => {
                        let z = (on(*on_scale) - mean) / sd;
                        -0.5 * ln2pi - sd.ln() - 0.5 * z * z
                    }
                    Prior::Laplace {
                        location,
                        scale,
                        on_scale,
                    } => -(2.0 * scale).ln() - (on(*on_scale) - location).abs() / scale,
                    Prior::Uniform {
                        low,
                        high,
                        on_scale,
                    } => {
                        let v = on(*on_scale);
                        if (*low..=*high).contains(&v) {
                            -(high - low).ln()
                        } else {
                            f64::NEG_INFINITY
                        }
                    }
                    Prior::LogNormal { mu, sigma } => {
                        let z = (x.ln() - mu) / sigma;
                        -0.5 * ln2pi - sigma.ln() - x.ln() - 0.5 * z * z
                    }
                    Prior::LogLaplace { location, scale } => {
                        -(2.0 * scale * x).ln() - (x.ln() - location).abs() / scale
                    }
                })
            })
            .sum()
    }
}
