//! Forward sensitivities: how every output of a time course changes with chosen parameters
//! and start values, dX(t)/dp, integrated together with the model.
//!
//! For ODE y' = f(t, y, p) the sensitivities s_j = ∂y/∂p_j obey s_j' = J·s_j + ∂f/∂p_j with
//! s_j(t0) = ∂y0/∂p_j. J and ∂f/∂p come from the same symbolic chain rule as the analytic
//! Jacobian (a program that also differentiates by the parameters' slots), so the right-hand
//! side is exact; the BDF solver integrates state and sensitivities as one system whose
//! Newton matrix is block diagonal (one factorisation of M/c − J serves every parameter: the
//! simultaneous corrector of CVODES), with the sensitivities in the error test. ∂y0/∂p is
//! taken by central differences of the start-value computation (initial assignments),
//! which is exact for the common cases (y0 independent of p, or linear in it) up to rounding.
//! Outputs (concentrations, assignment-rule values) are differentiated by the chain rule.
//!
//! Not yet covered (a clear error): events, delays, algebraic rules and fast reactions.
//! Relationals in rate laws (piecewise) are evaluated freely here, without the discontinuity
//! locking of plain runs: the step control absorbs the switch, and the sensitivity of a
//! state-dependent switching time is not added (it would need the event-jump conditions).

use her2sim_ode::{Integrator, Method, System};

use crate::compile::Compiled;
use crate::eval::Ctx;
use crate::jacobian::JacobianProgram;
use crate::run::Run;
use crate::runtime::Sys;
use crate::select::{value, value_derivative, Selector};
use crate::simulate::{SimOptions, TimeCourse};
use crate::EngineError;

/// A parameter or start value that outputs are differentiated by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SensitivityParameter {
    /// What is varied (as for a start-value override: `k`, `S`, `[S]`).
    pub target: Selector,
}

/// The model with its sensitivity equations appended: y, then s_1, ..., s_np (n each).
struct SensSys<'c> {
    sys: Sys<'c>,
    program: &'c JacobianProgram,
    grads: Vec<Vec<f64>>,
    /// Parameter index of each differentiated slot (columns n, n+1, ... of the program).
    seed_param: &'c [usize],
    n: usize,
    np: usize,
}

impl System for SensSys<'_> {
    fn dim(&self) -> usize {
        self.n * (1 + self.np)
    }

    fn rhs(&mut self, t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        let n = self.n;
        let (ys, ss) = y.split_at(n);
        let (dys, dss) = dy.split_at_mut(n);
        self.sys.rhs(t, ys, dys)?;
        dss.fill(0.0);
        let np = self.np;
        let seeds = self.seed_param;
        let cx = Ctx {
            v: &self.sys.v,
            t,
            history: None,
            before_start: false,
            locked: None,
        };
        self.program
            .accumulate(self.sys.c, &cx, &mut self.grads, &mut |row, col, d| {
                if col < n {
                    for j in 0..np {
                        dss[j * n + row] += d * ss[j * n + col];
                    }
                } else {
                    dss[seeds[col - n] * n + row] += d;
                }
            });
        Ok(())
    }

    fn jacobian(
        &mut self,
        t: f64,
        y: &[f64],
        jac: &mut nalgebra::DMatrix<f64>,
    ) -> Option<Result<(), String>> {
        self.sys.jacobian(t, &y[..self.n], jac)
    }

    fn jacobian_pattern(&self) -> Option<her2sim_ode::SparsityPattern> {
        self.sys.jacobian_pattern()
    }

    fn jacobian_sparse(
        &mut self,
        t: f64,
        y: &[f64],
        values: &mut [f64],
    ) -> Option<Result<(), String>> {
        self.sys.jacobian_sparse(t, &y[..self.n], values)
    }

    fn jacobian_block(&self) -> Option<usize> {
        Some(self.n)
    }
}

/// Refuses model features the sensitivity equations do not cover yet.
fn check_supported(c: &Compiled) -> Result<(), EngineError> {
    let why = if !c.events.is_empty() {
        Some("events")
    } else if c.has_delay {
        Some("delay()")
    } else if c.mass.is_some() {
        Some("algebraic rules")
    } else if !c.fast_rows.is_empty() || c.model.reactions.iter().any(|r| r.fast) {
        Some("fast reactions")
    } else if c.jacobian.is_none() {
        Some("a function without a derivative rule")
    } else {
        None
    };
    match why {
        Some(w) => Err(EngineError::Unsupported(format!(
            "sensitivities of models with {w} are not supported yet"
        ))),
        None => Ok(()),
    }
}

/// ∂y0/∂p by central differences of the start values (initial assignments and overrides).
fn initial_sensitivity(
    c: &Compiled,
    opts: &SimOptions,
    target: Selector,
    base: f64,
) -> Result<Vec<f64>, EngineError> {
    // A power of two near 1e-6·|p|: p ± h are then exact, so a start value equal to p gets
    // exactly 1 (and one independent of p exactly 0).
    let h = (2f64).powi((1e-6 * base.abs().max(1e-3)).log2().floor() as i32);
    let at = |x: f64| -> Result<Vec<f64>, EngineError> {
        let mut o = opts.clone();
        o.overrides.push((target, x));
        Ok(Run::start(c, &o)?.state().to_vec())
    };
    let (plus, minus) = (at(base + h)?, at(base - h)?);
    Ok(plus
        .iter()
        .zip(&minus)
        .map(|(a, b)| if a == b { 0.0 } else { (a - b) / (2.0 * h) })
        .collect())
}

/// A time course of `selection` with, after its columns, dX/dp for every non-time column X
/// and parameter p (in that order: X-major), named `d<X>/d<p>`, at the grid of `opts`.
pub fn simulate_sensitivities(
    c: &Compiled,
    opts: &SimOptions,
    selection: &[Selector],
    names: &[String],
    parameters: &[SensitivityParameter],
    parameter_names: &[String],
) -> Result<TimeCourse, EngineError> {
    let outputs = selection.iter().filter(|s| **s != Selector::Time).count();
    let n_columns = selection.len() + outputs * parameters.len();
    let grid = crate::grid::Grid::new(opts.start, opts.duration, opts.steps, n_columns)?;
    sensitivities_at(
        c,
        opts,
        selection,
        names,
        parameters,
        parameter_names,
        &grid.times(),
    )
}

/// As [`simulate_sensitivities`] at the given times (ascending, from `opts.start` on).
pub fn sensitivities_at(
    c: &Compiled,
    opts: &SimOptions,
    selection: &[Selector],
    names: &[String],
    parameters: &[SensitivityParameter],
    parameter_names: &[String],
    times: &[f64],
) -> Result<TimeCourse, EngineError> {
    check_supported(c)?;
    if parameters.is_empty() {
        return Err(EngineError::Options(
            "no parameters to differentiate by".into(),
        ));
    }
    if times.windows(2).any(|w| w[0] > w[1]) || times.iter().any(|t| !t.is_finite()) {
        return Err(EngineError::Options(
            "output times must be finite and ascending".into(),
        ));
    }
    if times.first().is_some_and(|&t| t < opts.start) {
        return Err(EngineError::Options(format!(
            "output times must not precede the start ({})",
            opts.start
        )));
    }
    let outputs: Vec<usize> = (0..selection.len())
        .filter(|&i| selection[i] != Selector::Time)
        .collect();
    let mut run = Run::start(c, opts)?;
    let n = c.states.len();
    let np = parameters.len();
    let mut y = Vec::with_capacity(n * (1 + np));
    y.extend_from_slice(run.state());
    // Parameters whose value enters the rates get a column in the derivative program;
    // start values of states only change s(t0).
    let mut seed_slots = Vec::new();
    let mut seed_param = Vec::new();
    for (j, p) in parameters.iter().enumerate() {
        let base = run.sample(&[p.target])[0];
        y.extend(initial_sensitivity(c, opts, p.target, base)?);
        if let Selector::Value(s) = p.target {
            if c.state_of[s].is_none() {
                seed_slots.push(s);
                seed_param.push(j);
            }
        }
    }
    let program = JacobianProgram::with_parameters(c, &seed_slots).ok_or_else(|| {
        EngineError::Unsupported(
            "sensitivities need derivative rules for every function in the model".into(),
        )
    })?;
    let mut solver_opts = run.solver_options().clone();
    solver_opts.linear_solver = opts.linear_solver;
    let started = std::time::Instant::now();
    // Constants live in the slots from the start-value computation on.
    let mut base = Sys::new(c);
    base.v.copy_from_slice(run.slots());
    let mut out = Sys::new(c);
    out.v.copy_from_slice(run.slots());
    let mut sys = SensSys {
        sys: base,
        program: &program,
        grads: Vec::new(),
        seed_param: &seed_param,
        n,
        np,
    };
    let mut out_grads = Vec::new();
    let mut solver = Integrator::new(Method::Bdf, opts.start, &y, solver_opts);
    let mut buf = vec![0.0; y.len()];
    let mut rows = Vec::with_capacity(times.len());
    let t_end = times.last().copied().unwrap_or(opts.start);
    let mut sample = |t: f64, yy: &[f64], rows: &mut Vec<Vec<f64>>| {
        out.load(t, &yy[..n]);
        let cx = Ctx {
            v: &out.v,
            t,
            history: None,
            before_start: false,
            locked: None,
        };
        program.accumulate(c, &cx, &mut out_grads, &mut |_, _, _| {});
        let mut row: Vec<f64> = selection.iter().map(|&s| value(c, &out.v, t, s)).collect();
        for &i in &outputs {
            for j in 0..np {
                let column = |k: usize| {
                    if k < n {
                        yy[n * (1 + j) + k]
                    } else if seed_param[k - n] == j {
                        1.0
                    } else {
                        0.0
                    }
                };
                let dv = |slot: usize| program.directional(slot, &out_grads, column);
                row.push(value_derivative(c, &out.v, dv, selection[i]));
            }
        }
        rows.push(row);
    };
    let mut k = 0;
    while k < times.len() && times[k] <= solver.t() {
        sample(times[k], solver.y(), &mut rows);
        k += 1;
    }
    while k < times.len() {
        solver.step(&mut sys, t_end)?;
        if let Some(limit) = opts.timeout {
            if started.elapsed() > limit {
                return Err(EngineError::Timeout {
                    limit,
                    t: solver.t(),
                });
            }
        }
        while k < times.len() && times[k] <= solver.t() {
            solver.interpolate(times[k], &mut buf);
            sample(times[k], &buf, &mut rows);
            k += 1;
        }
    }
    let mut columns = names.to_vec();
    for &i in &outputs {
        for pn in parameter_names {
            columns.push(format!("d{}/d{pn}", names[i]));
        }
    }
    Ok(TimeCourse { columns, rows })
}
