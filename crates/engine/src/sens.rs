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
//! Events carry the sensitivities across their jumps (`sens_events.rs`). Not yet covered
//! (a clear error): delayed events, delays, algebraic rules and fast reactions.
//! Relationals in rate laws (piecewise) are evaluated freely here, without the discontinuity
//! locking of plain runs: the step control absorbs the switch, and the sensitivity of a
//! state-dependent switching time is not added (it would need the event-jump conditions).

use her2sim_ode::{Integrator, Method, System};

use crate::compile::Compiled;
use crate::eval::Ctx;
use crate::events::Events;
use crate::jacobian::{JacobianProgram, JacobianScratch};
use crate::run::Run;
use crate::runtime::Sys;
use crate::select::{value, value_derivative, Selector};
use crate::simulate::{SimOptions, TimeCourse};
use crate::EngineError;

/// A parameter that outputs are differentiated by: the model values it sets, and how
/// start-value overrides move with it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SensitivityParameter {
    /// What it sets (as for a start-value override: `k`, `S`, `[S]`); several model values
    /// may carry one parameter, and none if it only moves start values through `slopes`.
    pub targets: Vec<Selector>,
    /// `(i, d)`: entry `i` of `SimOptions::overrides` moves by `d` per unit of the parameter.
    /// This is how start values computed elsewhere (a pre-equilibrated steady state) carry
    /// their sensitivities into a run; an override that a later one of the same symbol
    /// replaces moves nothing, as its value does not count.
    pub slopes: Vec<(usize, f64)>,
}

impl SensitivityParameter {
    /// The parameter that sets exactly `target`.
    pub fn of(target: Selector) -> Self {
        SensitivityParameter {
            targets: vec![target],
            slopes: Vec::new(),
        }
    }
}

/// The model with its sensitivity equations appended: y, then s_1, ..., s_np (n each).
struct SensSys<'c> {
    sys: Sys<'c>,
    program: std::sync::Arc<JacobianProgram>,
    grads: JacobianScratch,
    /// Parameter index of each differentiated slot (columns n, n+1, ... of the program).
    seed_param: Vec<usize>,
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
        let seeds = &self.seed_param;
        let cx = Ctx {
            v: &self.sys.v,
            t,
            history: None,
            before_start: false,
            locked: None,
            draws: None,
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
    let why = if c.events.iter().any(|e| e.delay.is_some()) {
        Some("delayed events")
    } else if c.has_delay {
        Some("delay()")
    } else if c.has_draws {
        Some("distrib draws (the outputs are random)")
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
    parameter: &SensitivityParameter,
    base: &[f64],
) -> Result<Vec<f64>, EngineError> {
    // A power of two near 1e-6·|p|: p ± h are then exact, so a start value equal to p gets
    // exactly 1 (and one independent of p exactly 0). Without a target the start values
    // move linearly (slopes only), so any step does.
    let scale = base.iter().fold(0.0f64, |a, b| a.max(b.abs())).max(1e-3);
    let h = (2f64).powi((1e-6 * scale).log2().floor() as i32);
    let at = |dx: f64| -> Result<Vec<f64>, EngineError> {
        let mut o = opts.clone();
        for &(i, d) in &parameter.slopes {
            if let Some(entry) = o.overrides.get_mut(i) {
                entry.1 += d * dx;
            }
        }
        for (&target, &b) in parameter.targets.iter().zip(base) {
            o.overrides.push((target, b + dx));
        }
        Ok(Run::start(c, &o)?.state().to_vec())
    };
    let (plus, minus) = (at(h)?, at(-h)?);
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
    let mut run = SensitivityRun::start(c, opts, parameters)?;
    let mut rows = Vec::with_capacity(times.len());
    for &t in times {
        run.advance_to(t)?;
        let (mut row, derivatives) = run.sample(selection);
        row.extend(derivatives);
        rows.push(row);
    }
    let mut columns = names.to_vec();
    for (i, s) in selection.iter().enumerate() {
        if *s != Selector::Time {
            for pn in parameter_names {
                columns.push(format!("d{}/d{pn}", names[i]));
            }
        }
    }
    Ok(TimeCourse { columns, rows })
}

/// A model run that carries the sensitivities of its state by chosen parameters along: the
/// stateful counterpart of [`sensitivities_at`], for callers that sample as they go or need
/// a steady state (PEtab pre-equilibration, `t = inf` measurements).
pub struct SensitivityRun<'c> {
    c: &'c Compiled,
    sys: SensSys<'c>,
    /// Evaluates outputs at sampled points (its own slots, so sampling never disturbs `sys`).
    out: Sys<'c>,
    out_grads: JacobianScratch,
    solver: Integrator,
    /// The run's current time and augmented state (interpolated when behind the solver).
    t: f64,
    y: Vec<f64>,
    timeout: Option<std::time::Duration>,
    started: std::time::Instant,
    /// The run's absolute tolerance and its per-component factors (states, then each
    /// parameter's sensitivities).
    atol: f64,
    atol_scale: Vec<f64>,
    /// Smallest absolute tolerance of a sensitivity relative to its vector's largest entry.
    floor_ratio: f64,
    /// The event queue (models with events), taken over from the start's plain run.
    events: Option<Events>,
    /// The plain run's solver options, for event processing.
    event_opts: her2sim_ode::Options,
    /// Per parameter: the non-state slots it sets.
    param_slots: Vec<Vec<usize>>,
    /// Scratch for the dense output (augmented size).
    buf: Vec<f64>,
    /// How far the solver may step past an output time (see `set_stop_time`).
    stop: f64,
}

impl<'c> SensitivityRun<'c> {
    /// Starts at `opts.start` with the start values of `opts` and their sensitivities.
    pub fn start(
        c: &'c Compiled,
        opts: &SimOptions,
        parameters: &[SensitivityParameter],
    ) -> Result<Self, EngineError> {
        check_supported(c)?;
        if parameters.is_empty() {
            return Err(EngineError::Options(
                "no parameters to differentiate by".into(),
            ));
        }
        let run = Run::start(c, opts)?;
        let n = c.states.len();
        let np = parameters.len();
        let mut y = Vec::with_capacity(n * (1 + np));
        y.extend_from_slice(run.state());
        // Parameters whose value enters the rates get a column in the derivative program;
        // start values of states only change s(t0).
        let mut seed_slots = Vec::new();
        let mut seed_param = Vec::new();
        for (j, p) in parameters.iter().enumerate() {
            let mut probe = Run::start(c, opts)?;
            let base = probe.sample(&p.targets);
            y.extend(initial_sensitivity(c, opts, p, &base)?);
            for target in &p.targets {
                if let Selector::Value(s) = *target {
                    if c.state_of[s].is_none() {
                        seed_slots.push(s);
                        seed_param.push(j);
                    }
                }
            }
        }
        let mut param_slots = vec![Vec::new(); np];
        for (&slot, &j) in seed_slots.iter().zip(&seed_param) {
            param_slots[j].push(slot);
        }
        if let Some((ev, slot)) = c.events.iter().find_map(|e| {
            e.assignments
                .iter()
                .find(|(s, _)| seed_slots.contains(s))
                .map(|(s, _)| (e, *s))
        }) {
            return Err(EngineError::Unsupported(format!(
                "sensitivities by '{}' are not supported: event '{}' assigns it",
                c.name(slot),
                ev.id
            )));
        }
        let program = c.sensitivity_program(&seed_slots).ok_or_else(|| {
            EngineError::Unsupported(
                "sensitivities need derivative rules for every function in the model".into(),
            )
        })?;
        let mut solver_opts = run.solver_options().clone();
        solver_opts.linear_solver = opts.linear_solver;
        let mut atol_scale = solver_opts.atol_scale.clone();
        atol_scale.resize(n, 1.0);
        atol_scale.resize(n * (1 + np), 1.0);
        for j in 0..np {
            atol_scale.copy_within(0..n, n * (1 + j));
        }
        solver_opts.atol_scale = atol_scale.clone();
        // Constants live in the slots from the start-value computation on.
        let mut base = Sys::new(c);
        base.v.copy_from_slice(run.slots());
        let mut out = Sys::new(c);
        out.v.copy_from_slice(run.slots());
        let solver_opts_atol = solver_opts.atol;
        let event_opts = run.solver_options().clone();
        let events = (!c.events.is_empty()).then(|| run.into_events());
        let buf = vec![0.0; y.len()];
        let solver = Integrator::new(Method::Bdf, opts.start, &y, solver_opts);
        Ok(SensitivityRun {
            c,
            sys: SensSys {
                sys: base,
                program,
                grads: JacobianScratch::default(),
                seed_param,
                n,
                np,
            },
            out,
            out_grads: JacobianScratch::default(),
            solver,
            t: opts.start,
            y,
            timeout: opts.timeout,
            started: std::time::Instant::now(),
            atol: solver_opts_atol,
            atol_scale,
            floor_ratio: (opts.rtol / 100.0).max(1e3 * f64::EPSILON),
            events,
            event_opts,
            param_slots,
            buf,
            stop: f64::NEG_INFINITY,
        })
    }

    /// After a step from (t_old, y_old): the first trigger change inside it, if any, is
    /// located, the events due there run with their sensitivity jumps, and the solver
    /// restarts from that point.
    fn handle_events(&mut self, t_old: f64, y_old: &[f64]) -> Result<(), EngineError> {
        let Some(events) = self.events.as_mut() else {
            return Ok(());
        };
        let t_new = self.solver.t();
        let change = crate::run::locate_trigger_change(
            &mut self.sys.sys,
            &self.solver,
            events,
            &[],
            (t_old, y_old),
            t_new,
            &mut self.buf,
        );
        let Some((te, before)) = change else {
            return Ok(());
        };
        let mut y = if te == t_new {
            self.solver.y().to_vec()
        } else {
            self.solver.interpolate(te, &mut self.buf);
            self.buf.clone()
        };
        let point = crate::sens_events::EventPoint {
            te,
            before: Some(&before),
            param_slots: &self.param_slots,
            opts: &self.event_opts,
        };
        crate::sens_events::process(self.c, events, &mut self.sys.sys, &mut y, &point)?;
        self.out.v.copy_from_slice(&self.sys.sys.v);
        self.solver.reset(te, &y);
        Ok(())
    }

    /// Absolute tolerances of the sensitivities, set before every step: the state's, but
    /// never below `floor_ratio` times the largest entry of the same parameter's vector.
    ///
    /// Why: a sensitivity vector mixes entries of very different sizes, and the corrector's
    /// residual for a tiny entry carries rounding errors of about ε·h·|J|·max|s| from the
    /// large ones. Below that level (1e-12 of the vector in stiff models such as Bachmann
    /// 2011) the Newton iteration cannot converge and the step size collapses: 10,000 steps
    /// were not enough for one 15-minute stretch. An error of `rtol / 100` of the vector's
    /// largest entry is far below what a gradient needs, and above the rounding floor.
    fn update_sensitivity_tolerances(&mut self) {
        let (n, atol) = (self.sys.n, self.atol);
        let y = self.solver.y();
        for (j, s) in y[n..].chunks(n).enumerate() {
            let largest = s.iter().fold(0.0f64, |a, x| a.max(x.abs()));
            let floor = self.floor_ratio * largest / atol;
            for i in 0..n {
                self.atol_scale[n + j * n + i] = self.atol_scale[i].max(floor);
            }
        }
        self.solver.set_atol_scale(&self.atol_scale);
    }

    /// Lets the solver step past the times asked for, up to `t_stop`, the values at those
    /// times coming from its dense output (CVODE's normal mode with a stop time): outputs as
    /// dense as data then do not shorten the steps. Without it every output is landed on.
    pub fn set_stop_time(&mut self, t_stop: f64) {
        self.stop = t_stop;
    }

    /// The current model time.
    pub fn time(&self) -> f64 {
        self.t
    }

    /// Integrates to `t_end` (not before the current time).
    pub fn advance_to(&mut self, t_end: f64) -> Result<(), EngineError> {
        if t_end.is_nan() || t_end < self.t || !t_end.is_finite() {
            return Err(EngineError::Options(format!(
                "cannot advance from t = {} to t = {t_end}",
                self.t
            )));
        }
        // The step budget holds per output interval, as CVODE's `mxstep` does per call.
        self.solver.reset_step_budget();
        // Steps may run on to the stop time, the output coming from the dense output; with
        // events every output is landed on, so an event's restart never precedes one.
        let limit = if self.events.is_none() {
            t_end.max(self.stop)
        } else {
            t_end
        };
        while self.solver.t() < t_end {
            self.update_sensitivity_tolerances();
            let before_step = self
                .events
                .is_some()
                .then(|| (self.solver.t(), self.solver.y().to_vec()));
            self.solver.step(&mut self.sys, limit)?;
            if let Some((t_old, y_old)) = before_step {
                self.handle_events(t_old, &y_old)?;
            }
            if let Some(limit) = self.timeout {
                if self.started.elapsed() > limit {
                    return Err(EngineError::Timeout {
                        limit,
                        t: self.solver.t(),
                    });
                }
            }
        }
        if self.solver.t() == t_end {
            self.y.copy_from_slice(self.solver.y());
        } else {
            self.solver.interpolate(t_end, &mut self.y);
        }
        self.t = t_end;
        Ok(())
    }

    /// Integrates until every rate of the state is below `atol + rtol·|x|` and every rate of
    /// its sensitivities below `atol + rtol·(|s| + max|s| of its parameter)`: the
    /// sensitivities then are those of the steady state (for a singular Jacobian, the one
    /// this start reaches, as integration respects conserved totals). Returns the time.
    pub fn advance_to_steady_state(
        &mut self,
        rtol: f64,
        atol: f64,
        max_time: f64,
    ) -> Result<f64, EngineError> {
        let t0 = self.t;
        let n = self.sys.n;
        let mut span = 1.0f64;
        let mut rates = vec![0.0; self.y.len()];
        let mut tried_newton = false;
        loop {
            self.sys
                .rhs(self.t, &self.y, &mut rates)
                .map_err(EngineError::Options)?;
            let state_steady = rates[..n]
                .iter()
                .zip(&self.y[..n])
                .all(|(d, x)| d.abs() <= atol + rtol * x.abs());
            let sens_steady = rates[n..]
                .chunks(n)
                .zip(self.y[n..].chunks(n))
                .all(|(ds, s)| {
                    let scale = s.iter().fold(0.0f64, |a, x| a.max(x.abs()));
                    ds.iter()
                        .zip(s)
                        .all(|(d, x)| d.abs() <= atol + rtol * (x.abs() + scale))
                });
            if state_steady && sens_steady {
                return Ok(self.t);
            }
            // The state is steady: its sensitivities solve J s = -∂f/∂p directly (AMICI's
            // Newton route), instead of integrating a slow mode for up to `max_time`.
            if state_steady && !tried_newton {
                tried_newton = true;
                if self.newton_sensitivities(rtol, atol) {
                    return Ok(self.t);
                }
            }
            if self.t - t0 >= max_time {
                return Err(EngineError::Options(format!(
                    "no steady state (with sensitivities) within {max_time} time units of t = {t0} (largest rate {:e})",
                    rates.iter().fold(0.0f64, |a, d| a.max(d.abs()))
                )));
            }
            self.advance_to(t0 + span.min(max_time))?;
            span *= 10.0;
        }
    }

    /// At a steady state x*, sets the sensitivities to the solution of J s = -∂f/∂p. Where
    /// J is singular (conserved totals), the solution is fixed by keeping each conserved
    /// combination lᵀs (l spanning J's left null space, checked to satisfy lᵀ∂f/∂p = 0) at
    /// its current value, as integration would. Returns false, changing nothing, when J is
    /// not available densely, the system has no consistent solution, or the result does
    /// not pass the steady-state test.
    fn newton_sensitivities(&mut self, rtol: f64, atol: f64) -> bool {
        let (n, np) = (self.sys.n, self.sys.np);
        let mut jac = nalgebra::DMatrix::<f64>::zeros(n, n);
        if !matches!(self.sys.jacobian(self.t, &self.y, &mut jac), Some(Ok(()))) {
            return false;
        }
        // ∂f/∂p: the sensitivity rates with every sensitivity zero.
        let mut zero = self.y.clone();
        zero[n..].fill(0.0);
        let mut fp = vec![0.0; zero.len()];
        if self.sys.rhs(self.t, &zero, &mut fp).is_err() {
            return false;
        }
        let svd = jac.svd(true, true);
        let (Some(u), Some(v_t)) = (&svd.u, &svd.v_t) else {
            return false;
        };
        let sigma = &svd.singular_values;
        let largest = sigma.max();
        if !(largest.is_finite() && largest > 0.0) {
            return false;
        }
        let tol = largest * 1e-10 * n as f64;
        let kept: Vec<usize> = (0..n).filter(|&i| sigma[i] > tol).collect();
        let null: Vec<usize> = (0..n).filter(|&i| sigma[i] <= tol).collect();
        let mut solved = self.y.clone();
        for j in 0..np {
            let b = nalgebra::DVector::from_iterator(
                n,
                fp[n + j * n..n + (j + 1) * n].iter().map(|v| -v),
            );
            // Minimum-norm solution V Σ⁺ Uᵀ b.
            let mut s = nalgebra::DVector::<f64>::zeros(n);
            for &i in &kept {
                let coeff = u.column(i).dot(&b) / sigma[i];
                s += v_t.row(i).transpose() * coeff;
            }
            if !null.is_empty() {
                let current =
                    nalgebra::DVector::from_column_slice(&self.y[n + j * n..n + (j + 1) * n]);
                let scale = b.amax().max(1e-300);
                let k = null.len();
                let mut lt_n = nalgebra::DMatrix::<f64>::zeros(k, k);
                let mut rhs = nalgebra::DVector::<f64>::zeros(k);
                for (a, &ia) in null.iter().enumerate() {
                    let l = u.column(ia);
                    // A conserved combination moves with no parameter.
                    if l.dot(&b).abs() > 1e-8 * scale * (n as f64).sqrt() {
                        return false;
                    }
                    rhs[a] = l.dot(&(&current - &s));
                    for (c, &ic) in null.iter().enumerate() {
                        lt_n[(a, c)] = l.dot(&v_t.row(ic).transpose());
                    }
                }
                let Some(c) = lt_n.lu().solve(&rhs) else {
                    return false;
                };
                for (c_i, &ic) in c.iter().zip(&null) {
                    s += v_t.row(ic).transpose() * *c_i;
                }
            }
            solved[n + j * n..n + (j + 1) * n].copy_from_slice(s.as_slice());
        }
        let mut rates = vec![0.0; solved.len()];
        if self.sys.rhs(self.t, &solved, &mut rates).is_err() {
            return false;
        }
        let steady = rates[n..]
            .chunks(n)
            .zip(solved[n..].chunks(n))
            .all(|(ds, s)| {
                let scale = s.iter().fold(0.0f64, |a, x| a.max(x.abs()));
                ds.iter()
                    .zip(s)
                    .all(|(d, x)| d.is_finite() && d.abs() <= atol + rtol * (x.abs() + scale))
            });
        if !steady {
            return false;
        }
        self.y = solved;
        self.solver.reset(self.t, &self.y);
        true
    }

    /// The values of `selection` now and, X-major after them, dX/dp for every non-time
    /// selector X and parameter p.
    pub fn sample(&mut self, selection: &[Selector]) -> (Vec<f64>, Vec<f64>) {
        let (c, n, np, t) = (self.c, self.sys.n, self.sys.np, self.t);
        let yy = &self.y;
        self.out.load(t, &yy[..n]);
        let cx = Ctx {
            v: &self.out.v,
            t,
            history: None,
            before_start: false,
            locked: None,
            draws: None,
        };
        let program = &self.sys.program;
        let seed_param = &self.sys.seed_param;
        program.accumulate(c, &cx, &mut self.out_grads, &mut |_, _, _| {});
        let values: Vec<f64> = selection
            .iter()
            .map(|&s| value(c, &self.out.v, t, s))
            .collect();
        let mut derivatives = Vec::new();
        for &sel in selection.iter().filter(|s| **s != Selector::Time) {
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
                let dv = |slot: usize| program.directional(slot, &self.out_grads, column);
                derivatives.push(value_derivative(c, &self.out.v, dv, sel));
            }
        }
        (values, derivatives)
    }
}
