//! The PEtab objective: every (pre-equilibration, simulation) condition pair simulated once,
//! in parallel, through the engine's run API; observables and noise evaluated at each
//! measurement with its placeholders filled; the log-likelihood summed as PEtab defines it.

use std::collections::{BTreeMap, HashMap};

use her2sim_engine::{Selector, SensitivityParameter, SimOptions};
use rayon::prelude::*;

use crate::problem::{Cell, Measurement, Noise, Prior, Problem, Transformation};
use crate::PetabError;

/// Steady state: every rate below `STEADY_ATOL + STEADY_RTOL * |x|`.
const STEADY_RTOL: f64 = 1e-8;
const STEADY_ATOL: f64 = 1e-16;
/// Longest pre-equilibration (model time units) before it is called a failure.
const STEADY_MAX_TIME: f64 = 1e9;

/// Solver steps per simulation segment (AMICI's default `maxsteps`). Enough for every
/// benchmark problem at its nominal values; random starts in a fit reach corners where a
/// steady state with sensitivities is not found in 1e9 time units after 10 s of stepping
/// (Brannmark 2010): there a failed evaluation after 0.8 s is the useful answer.
const MAX_STEPS: usize = 10_000;

/// Solver settings of every objective simulation (plain and with sensitivities alike, so
/// both see the same trajectories).
fn simulation_options() -> SimOptions {
    SimOptions {
        rtol: 1e-8,
        atol: 1e-12,
        max_steps: MAX_STEPS,
        ..SimOptions::default()
    }
}

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

/// Derivatives of the simulated values by the estimated parameters (linear scale).
struct Gradient {
    /// Per time: row-major, one row per observed id, one column per estimated parameter.
    at: HashMap<u64, Vec<f64>>,
}

impl Simulated {
    /// The values moved by `delta` along the derivatives by parameter `k`.
    fn shifted(&self, g: &Gradient, k: usize, n_est: usize, delta: f64) -> Simulated {
        let at = self
            .at
            .iter()
            .map(|(t, v)| {
                let d = &g.at[t];
                let moved = v
                    .iter()
                    .enumerate()
                    .map(|(i, x)| x + delta * d[i * n_est + k])
                    .collect();
                (*t, moved)
            })
            .collect();
        Simulated { at }
    }
}

/// A pre-equilibrated steady state with its sensitivities.
struct SteadyState {
    /// Every state variable (`state_selectors` order).
    values: Vec<f64>,
    /// Row-major: one row per state variable, one column per estimated parameter.
    derivatives: Vec<f64>,
    /// Per estimated parameter: whether it reaches the pre-equilibration condition.
    reached: Vec<bool>,
}

/// The distinct pre-equilibration conditions of the pairs.
fn pre_conditions<'a>(pairs: &[Pair<'a>]) -> Vec<&'a str> {
    let mut out: Vec<&str> = pairs.iter().filter_map(|((p, _), _)| *p).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The terms at a point and, per estimated parameter, at the points a step above and below.
pub(crate) type TermsAndSides = (Vec<Term>, Vec<(Vec<Term>, Vec<Term>)>);

/// A (pre-equilibration, simulation) condition pair and its measured times.
type Pair<'a> = ((Option<&'a str>, &'a str), Vec<f64>);

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
        let (ids, selectors) = self.observed_ids();
        let pairs = self.condition_pairs();
        let steady: HashMap<&str, Vec<f64>> = pre_conditions(&pairs)
            .par_iter()
            .map(|&p| Ok((p, self.preequilibrate(p, parameters)?)))
            .collect::<Result<_, PetabError>>()?;
        let simulated: Vec<Simulated> = pairs
            .par_iter()
            .map(|((pre, cond), times)| {
                let start = pre.map(|p| (p, steady[p].as_slice()));
                self.simulate_pair(start, cond, times, &selectors, parameters)
            })
            .collect::<Result<_, _>>()?;
        self.terms_from(&pairs, &simulated, &ids, parameters)
    }

    /// The model symbols the observable and noise formulas read, and their selectors.
    fn observed_ids(&self) -> (Vec<String>, Vec<Selector>) {
        let mut ids: Vec<String> = Vec::new();
        let mut selectors = Vec::new();
        for o in &self.observables {
            for f in [&o.formula, &o.noise_formula] {
                for id in f.identifiers() {
                    if let Ok(sel) = self.sim.formula_selector(id) {
                        if !ids.iter().any(|x| x == id) {
                            ids.push(id.to_string());
                            selectors.push(sel);
                        }
                    }
                }
            }
        }
        (ids, selectors)
    }

    /// Every (pre-equilibration, simulation) condition pair with its measured times.
    fn condition_pairs(&self) -> Vec<Pair<'_>> {
        let mut pairs: BTreeMap<(Option<&str>, &str), Vec<f64>> = BTreeMap::new();
        for m in &self.measurements {
            pairs
                .entry((m.preequilibration.as_deref(), m.condition.as_str()))
                .or_default()
                .push(m.time);
        }
        pairs.into_iter().collect()
    }

    /// The terms from simulated values (one `Simulated` per pair, in `pairs` order).
    fn terms_from(
        &self,
        pairs: &[Pair<'_>],
        simulated: &[Simulated],
        ids: &[String],
        parameters: &HashMap<String, f64>,
    ) -> Result<Vec<Term>, PetabError> {
        self.measurements
            .iter()
            .zip(self.pair_of_measurements(pairs))
            .map(|(m, k)| {
                let values = &simulated[k].at[&m.time.to_bits()];
                self.measurement_term(m, ids, values, parameters)
            })
            .collect()
    }

    /// The terms, and for each estimated parameter k (ids in `estimated`) the terms at the
    /// parameters `perturbed(k, +step)` and `perturbed(k, -step)` to first order: the
    /// simulated values move along their forward sensitivities while the algebraic rest
    /// (observable and noise formulas, transformations) is evaluated exactly, so central
    /// differences of anything built from the terms need no further simulation. `None` when
    /// some condition needs what the sensitivities do not cover yet (delays, delayed events,
    /// algebraic rules, ...): the caller then differences simulations.
    pub(crate) fn terms_with_gradient(
        &self,
        parameters: &HashMap<String, f64>,
        estimated: &[String],
        perturbed: &(dyn Fn(usize, f64) -> HashMap<String, f64> + Sync),
        step: f64,
    ) -> Option<Result<TermsAndSides, PetabError>> {
        let (ids, selectors) = self.observed_ids();
        let pairs = self.condition_pairs();
        let mut steady: HashMap<&str, SteadyState> = HashMap::new();
        let pre_runs: Vec<(&str, Option<Result<SteadyState, PetabError>>)> = pre_conditions(&pairs)
            .par_iter()
            .map(|&p| (p, self.preequilibrate_gradient(p, parameters, estimated)))
            .collect();
        for (p, r) in pre_runs {
            match r? {
                Ok(s) => {
                    steady.insert(p, s);
                }
                Err(e) => return Some(Err(e)),
            }
        }
        let runs: Vec<Option<Result<(Simulated, Gradient), PetabError>>> = pairs
            .par_iter()
            .map(|((pre, cond), times)| {
                let start = pre.map(|p| (p, &steady[p]));
                self.simulate_pair_gradient(start, cond, times, &selectors, parameters, estimated)
            })
            .collect();
        let mut simulated = Vec::with_capacity(runs.len());
        let mut gradients = Vec::with_capacity(runs.len());
        for r in runs {
            match r? {
                Ok((s, g)) => {
                    simulated.push(s);
                    gradients.push(g);
                }
                Err(e) => return Some(Err(e)),
            }
        }
        let terms = match self.terms_from(&pairs, &simulated, &ids, parameters) {
            Ok(t) => t,
            Err(e) => return Some(Err(e)),
        };
        let n_est = estimated.len();
        let pair_of = self.pair_of_measurements(&pairs);
        let readers = self.measurements_reading_parameters();
        let mut by_pair: Vec<Vec<usize>> = vec![Vec::new(); pairs.len()];
        for (m, &k) in pair_of.iter().enumerate() {
            by_pair[k].push(m);
        }
        let mut sides = Vec::with_capacity(n_est);
        for (k, id) in estimated.iter().enumerate() {
            // Only the measurements this parameter reaches change: through the simulation
            // (a nonzero sensitivity in their condition) or by name in their formulas.
            let mut affected: Vec<usize> = readers.get(id.as_str()).cloned().unwrap_or_default();
            for (pair, g) in gradients.iter().enumerate() {
                let moves =
                    g.at.values()
                        .any(|d| d.iter().skip(k).step_by(n_est).any(|v| *v != 0.0));
                if moves {
                    affected.extend_from_slice(&by_pair[pair]);
                }
            }
            affected.sort_unstable();
            affected.dedup();
            let side = |sign: f64| -> Option<Vec<Term>> {
                let moved = perturbed(k, sign * step);
                // Any other value moved with it (none in practice) reaches everything.
                let others_moved = moved
                    .iter()
                    .any(|(name, v)| name != id && parameters.get(name) != Some(v));
                if others_moved {
                    let delta = moved.get(id).copied().unwrap_or(f64::NAN)
                        - parameters.get(id).copied().unwrap_or(f64::NAN);
                    let shifted: Vec<Simulated> = simulated
                        .iter()
                        .zip(&gradients)
                        .map(|(s, g)| s.shifted(g, k, n_est, delta))
                        .collect();
                    return self.terms_from(&pairs, &shifted, &ids, &moved).ok();
                }
                let delta = moved.get(id).copied().unwrap_or(f64::NAN)
                    - parameters.get(id).copied().unwrap_or(f64::NAN);
                let mut side = terms.clone();
                for &m in &affected {
                    let meas = &self.measurements[m];
                    let t = meas.time.to_bits();
                    let pair = pair_of[m];
                    let values = &simulated[pair].at[&t];
                    let d = &gradients[pair].at[&t];
                    let shifted: Vec<f64> = values
                        .iter()
                        .enumerate()
                        .map(|(i, x)| x + delta * d[i * n_est + k])
                        .collect();
                    side[m] = self.measurement_term(meas, &ids, &shifted, &moved).ok()?;
                }
                Some(side)
            };
            sides.push((side(1.0)?, side(-1.0)?));
        }
        Some(Ok((terms, sides)))
    }

    /// Per measurement, the index of its (pre-equilibration, simulation) pair in `pairs`.
    fn pair_of_measurements(&self, pairs: &[Pair<'_>]) -> Vec<usize> {
        let index: HashMap<(Option<&str>, &str), usize> = pairs
            .iter()
            .enumerate()
            .map(|(i, (k, _))| (*k, i))
            .collect();
        self.measurements
            .iter()
            .map(|m| index[&(m.preequilibration.as_deref(), m.condition.as_str())])
            .collect()
    }

    /// For every name a measurement's terms may read directly (parameter ids in its
    /// observable and noise parameters, identifiers of its observable's formulas), the
    /// measurements that read it.
    fn measurements_reading_parameters(&self) -> HashMap<&str, Vec<usize>> {
        let mut readers: HashMap<&str, Vec<usize>> = HashMap::new();
        let formula_names: Vec<Vec<&str>> = self
            .observables
            .iter()
            .map(|o| {
                let mut names = o.formula.identifiers();
                names.extend(o.noise_formula.identifiers());
                names
            })
            .collect();
        for (m, meas) in self.measurements.iter().enumerate() {
            let cells = meas
                .observable_parameters
                .iter()
                .chain(&meas.noise_parameters)
                .filter_map(|c| match c {
                    Cell::Param(id) => Some(id.as_str()),
                    Cell::Num(_) => None,
                });
            for name in cells.chain(formula_names[meas.observable].iter().copied()) {
                let list = readers.entry(name).or_default();
                if list.last() != Some(&m) {
                    list.push(m);
                }
            }
        }
        readers
    }

    /// Per estimated parameter, the model values it sets in condition `cond` (none if it
    /// sets nothing there): the parameter table's own ids first, then what the condition
    /// sets (it wins, as in `simulate_pair`).
    fn estimated_targets(
        &self,
        cond: &str,
        estimated: &[String],
    ) -> Result<Vec<Vec<Selector>>, PetabError> {
        let mut carried: Vec<(Selector, Option<usize>)> = Vec::new();
        let mut carry = |sel: Selector, k: Option<usize>| {
            carried.retain(|(s, _)| s.symbol() != sel.symbol());
            carried.push((sel, k));
        };
        for p in &self.parameters {
            if let Ok(sel) = self.sim.override_target(&p.id) {
                carry(sel, estimated.iter().position(|e| *e == p.id));
            }
        }
        for (target, cell) in self.conditions.get(cond).into_iter().flatten() {
            let sel = self
                .sim
                .formula_selector(target)
                .map_err(|e| PetabError::Simulation(format!("condition '{cond}': {e}")))?;
            let k = match cell {
                Cell::Param(id) => estimated.iter().position(|e| e == id),
                Cell::Num(_) => None,
            };
            carry(sel, k);
        }
        let mut targets = vec![Vec::new(); estimated.len()];
        for (sel, k) in carried {
            if let Some(k) = k {
                targets[k].push(sel);
            }
        }
        Ok(targets)
    }

    /// A pre-equilibration condition's steady state with its sensitivities by the estimated
    /// parameters that reach it (columns of the others stay zero). `None` if the model is not
    /// covered.
    fn preequilibrate_gradient(
        &self,
        pre: &str,
        parameters: &HashMap<String, f64>,
        estimated: &[String],
    ) -> Option<Result<SteadyState, PetabError>> {
        let fail = |e: her2sim_engine::EngineError| {
            PetabError::Simulation(format!("pre-equilibration condition '{pre}': {e}"))
        };
        let n_est = estimated.len();
        let run = || -> Result<Option<SteadyState>, PetabError> {
            let targets = self.estimated_targets(pre, estimated)?;
            let reached: Vec<usize> = (0..n_est).filter(|&k| !targets[k].is_empty()).collect();
            let mut overrides = self.parameter_overrides(parameters);
            overrides.extend(self.condition_overrides(pre, parameters)?);
            let opts = SimOptions {
                overrides,
                ..simulation_options()
            };
            let params: Vec<SensitivityParameter> = reached
                .iter()
                .map(|&k| SensitivityParameter {
                    targets: targets[k].clone(),
                    slopes: Vec::new(),
                })
                .collect();
            let mut run = match self.sim.start_sensitivities(&opts, &params) {
                Ok(r) => r,
                Err(e) if e.is_unsupported() => return Ok(None),
                Err(e) => return Err(fail(e)),
            };
            run.advance_to_steady_state(STEADY_RTOL, STEADY_ATOL, STEADY_MAX_TIME)
                .map_err(fail)?;
            let (values, d) = run.sample(&self.state_selectors());
            let np = reached.len();
            let mut derivatives = vec![0.0; values.len() * n_est];
            for i in 0..values.len() {
                for (j, &k) in reached.iter().enumerate() {
                    derivatives[i * n_est + k] = d[i * np + j];
                }
            }
            Ok(Some(SteadyState {
                values,
                derivatives,
                reached: (0..n_est).map(|k| !targets[k].is_empty()).collect(),
            }))
        };
        run().transpose()
    }

    /// One condition pair simulated with the sensitivities of the observed values by the
    /// estimated parameters: the pre-equilibration's steady state (`pre`, computed once per
    /// pre-equilibration condition) carries its sensitivities into the simulation condition's
    /// start, and `t = inf` is the steady state with its sensitivities. `None` if the model is
    /// not covered.
    fn simulate_pair_gradient(
        &self,
        pre: Option<(&str, &SteadyState)>,
        cond: &str,
        times: &[f64],
        selectors: &[Selector],
        parameters: &HashMap<String, f64>,
        estimated: &[String],
    ) -> Option<Result<(Simulated, Gradient), PetabError>> {
        let fail = |e: her2sim_engine::EngineError| {
            PetabError::Simulation(match pre {
                Some((p, _)) => format!("condition '{cond}' (pre-equilibrated in '{p}'): {e}"),
                None => format!("condition '{cond}': {e}"),
            })
        };
        let n_est = estimated.len();
        let mut sorted: Vec<f64> = times.to_vec();
        sorted.sort_by(f64::total_cmp);
        sorted.dedup();
        let run = || -> Result<Option<(Simulated, Gradient)>, PetabError> {
            let main_targets = self.estimated_targets(cond, estimated)?;
            // Only parameters that reach the model here get sensitivity equations.
            let active: Vec<usize> = (0..n_est)
                .filter(|&k| !main_targets[k].is_empty() || pre.is_some_and(|(_, s)| s.reached[k]))
                .collect();
            if active.is_empty() {
                let start = pre.map(|(p, s)| (p, s.values.as_slice()));
                let s = self.simulate_pair(start, cond, &sorted, selectors, parameters)?;
                let g =
                    s.at.keys()
                        .map(|&t| (t, vec![0.0; selectors.len() * n_est]))
                        .collect();
                return Ok(Some((s, Gradient { at: g })));
            }
            let base = simulation_options();
            let mut overrides = self.parameter_overrides(parameters);
            let mut slopes: Vec<Vec<(usize, f64)>> = vec![Vec::new(); active.len()];
            if let Some((_, steady)) = pre {
                // The steady state, moving with the parameters, starts the simulation
                // condition; what that condition sets explicitly comes later and wins.
                let state = self.state_selectors();
                for (i, (sel, &x)) in state.into_iter().zip(&steady.values).enumerate() {
                    for (slope, &k) in slopes.iter_mut().zip(&active) {
                        slope.push((overrides.len(), steady.derivatives[i * n_est + k]));
                    }
                    overrides.push((sel, x));
                }
            }
            overrides.extend(self.condition_overrides(cond, parameters)?);
            let opts = SimOptions { overrides, ..base };
            let params: Vec<SensitivityParameter> = active
                .iter()
                .zip(slopes)
                .map(|(&k, slopes)| SensitivityParameter {
                    targets: main_targets[k].clone(),
                    slopes,
                })
                .collect();
            let mut run = match self.sim.start_sensitivities(&opts, &params) {
                Ok(r) => r,
                Err(e) if e.is_unsupported() => return Ok(None),
                Err(e) => return Err(fail(e)),
            };
            // Derivatives come for the non-time selectors only, in order.
            let outputs: Vec<usize> = (0..selectors.len())
                .filter(|&i| selectors[i] != Selector::Time)
                .collect();
            let np = active.len();
            let mut at = HashMap::new();
            let mut grad = HashMap::new();
            if let Some(&last) = sorted.iter().rfind(|t| t.is_finite()) {
                run.set_stop_time(last);
            }
            for &t in &sorted {
                if t.is_infinite() {
                    run.advance_to_steady_state(STEADY_RTOL, STEADY_ATOL, STEADY_MAX_TIME)
                        .map_err(fail)?;
                } else {
                    run.advance_to(t).map_err(fail)?;
                }
                let (values, derivatives) = run.sample(selectors);
                let mut g = vec![0.0; selectors.len() * n_est];
                for (o, &i) in outputs.iter().enumerate() {
                    for (j, &k) in active.iter().enumerate() {
                        g[i * n_est + k] = derivatives[o * np + j];
                    }
                }
                at.insert(t.to_bits(), values);
                grad.insert(t.to_bits(), g);
            }
            Ok(Some((Simulated { at }, Gradient { at: grad })))
        };
        run().transpose()
    }

    /// Every state variable's selector: what a pre-equilibrated steady state hands on.
    fn state_selectors(&self) -> Vec<Selector> {
        self.sim
            .state_ids()
            .iter()
            .filter_map(|id| self.sim.formula_selector(id).ok())
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

    /// A pre-equilibration condition's steady state: the values of every state variable.
    fn preequilibrate(
        &self,
        pre: &str,
        parameters: &HashMap<String, f64>,
    ) -> Result<Vec<f64>, PetabError> {
        let fail = |e: her2sim_engine::EngineError| {
            PetabError::Simulation(format!("pre-equilibration condition '{pre}': {e}"))
        };
        let mut overrides = self.parameter_overrides(parameters);
        overrides.extend(self.condition_overrides(pre, parameters)?);
        let opts = SimOptions {
            overrides,
            ..simulation_options()
        };
        let mut run = self.sim.start(&opts).map_err(fail)?;
        run.advance_to_steady_state(STEADY_RTOL, STEADY_ATOL, STEADY_MAX_TIME)
            .map_err(fail)?;
        Ok(run.sample(&self.state_selectors()))
    }

    /// One condition pair: the simulation condition started from the pre-equilibration's
    /// steady state (`pre`: its id and state values) or from the model's initial state.
    fn simulate_pair(
        &self,
        pre: Option<(&str, &[f64])>,
        cond: &str,
        times: &[f64],
        selectors: &[Selector],
        parameters: &HashMap<String, f64>,
    ) -> Result<Simulated, PetabError> {
        let fail = |e: her2sim_engine::EngineError| {
            PetabError::Simulation(match pre {
                Some((p, _)) => format!("condition '{cond}' (pre-equilibrated in '{p}'): {e}"),
                None => format!("condition '{cond}': {e}"),
            })
        };
        let base = simulation_options();
        let mut overrides = self.parameter_overrides(parameters);
        if let Some((_, values)) = pre {
            // The steady state becomes the start of the simulation condition; what that
            // condition sets explicitly is applied after it (and wins).
            overrides.extend(
                self.state_selectors()
                    .into_iter()
                    .zip(values.iter().copied()),
            );
        }
        overrides.extend(self.condition_overrides(cond, parameters)?);
        let opts = SimOptions { overrides, ..base };
        let mut run = self.sim.start(&opts).map_err(fail)?;
        let mut sorted: Vec<f64> = times.to_vec();
        sorted.sort_by(f64::total_cmp);
        sorted.dedup();
        let mut at = HashMap::new();
        // Finite times from the dense output in one pass (as AMICI's CVODE does), then the
        // steady state.
        let finite: Vec<f64> = sorted.iter().copied().filter(|t| t.is_finite()).collect();
        let rows = run.advance_sampling(&finite, selectors).map_err(fail)?;
        for (t, row) in finite.iter().zip(rows) {
            at.insert(t.to_bits(), row);
        }
        if sorted.iter().any(|t| t.is_infinite()) {
            run.advance_to_steady_state(STEADY_RTOL, STEADY_ATOL, STEADY_MAX_TIME)
                .map_err(fail)?;
            at.insert(f64::INFINITY.to_bits(), run.sample(selectors));
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
