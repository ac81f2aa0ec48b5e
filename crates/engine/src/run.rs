//! A stateful deterministic run: the compiled model's state advanced through time by the
//! BDF or RODAS4 integrator, with event triggers located on the dense output, the SBML event
//! queue (delays, priorities, persistence, trigger-time values), `delay()` history and fast
//! reactions. A caller holds a [`Run`], changes values ([`Run::set`]), advances
//! ([`Run::advance_to`]) and samples; a time course is one loop over a run.

use std::cell::RefCell;
use std::rc::Rc;

use her2sim_ode::{consistent_init, Integrator, Method, Options};

use crate::compile::Compiled;
use crate::events::Events;
use crate::runtime::{DelayHistory, Sys};
use crate::select::{value, Selector};
use crate::simulate::SimOptions;
use crate::EngineError;

/// Largest dense Jacobian plus LU factors a deterministic run may allocate (bytes): 10,000
/// states need 1.6 GB, 100,000 would need 160 GB.
pub const MAX_DENSE_BYTES: usize = 4_000_000_000;

/// A simulation in progress at [`Run::time`]. Created by [`crate::Simulator::start`].
pub struct Run<'c> {
    c: &'c Compiled,
    sys: Sys<'c>,
    history: Option<Rc<DelayHistory<'c>>>,
    /// The state at `t` (species amounts or concentrations, rate-rule variables, ...).
    y: Vec<f64>,
    solver: Integrator,
    solver_opts: Options,
    events: Events,
    t: f64,
    buf: Vec<f64>,
    timeout: Option<std::time::Duration>,
    started: std::time::Instant,
    /// Whether the step budget restarts at every output (`advance_sampling`).
    per_output_budget: bool,
}

impl<'c> Run<'c> {
    /// Initial values (with `opts.overrides`), consistent algebraic variables, equilibrated
    /// fast reactions and the events due at the start; the run stands at `opts.start`.
    pub(crate) fn start(c: &'c Compiled, opts: &SimOptions) -> Result<Run<'c>, EngineError> {
        if !opts.start.is_finite() {
            return Err(EngineError::Options(format!(
                "start must be a finite number, got {}",
                opts.start
            )));
        }
        if !(opts.rtol > 0.0 && opts.atol > 0.0 && opts.rtol.is_finite() && opts.atol.is_finite()) {
            return Err(EngineError::Options(
                "tolerances must be positive finite numbers".into(),
            ));
        }
        // Without the sparse path the integrators hold a dense Jacobian and its LU factors:
        // refuse what cannot fit before allocating.
        let n = c.states.len();
        let dense_bytes = n.saturating_mul(n).saturating_mul(16);
        let limit = opts.max_matrix_bytes.min(MAX_DENSE_BYTES);
        if dense_bytes > limit && !sparse_capable(c, opts) {
            return Err(EngineError::Unsupported(format!(
                "{n} state variables: the dense Jacobian and its LU factors would need {:.2} GB, over the limit of {:.2} GB; the sparse solver needs the BDF method, an analytic Jacobian, no algebraic rules or fast reactions, and a Jacobian filling at most a quarter of the matrix (--method ssa needs no Jacobian)",
                dense_bytes as f64 / 1e9,
                limit as f64 / 1e9
            )));
        }
        let t0 = opts.start;
        let mut solver_opts = Options {
            rtol: opts.rtol,
            atol: opts.atol,
            max_steps: opts.max_steps,
            linear_solver: opts.linear_solver,
            ..Options::default()
        };
        // Initial values in dependency order. With delays, a first pass without history gives the
        // initial state; the second pass reads delayed values from the constant pre-start history.
        let history = c.has_delay.then(|| {
            Rc::new(DelayHistory {
                compiled: c,
                t0,
                v0: RefCell::new(Vec::new()),
                segments: RefCell::new(Vec::new()),
                snapshots: RefCell::new(Vec::new()),
                depth: std::cell::Cell::new(0),
            })
        });
        let mut sys = Sys::new(c);
        sys.seed_draws(crate::draw::stream_seed(
            opts.seed,
            crate::draw::RUN_DRAW_STREAM,
        ));
        let passes = if history.is_some() { 2 } else { 1 };
        for pass in 0..passes {
            if pass == 1 {
                if let Some(h) = &history {
                    *h.v0.borrow_mut() = sys.v.clone();
                    sys.history = Some(Rc::clone(h));
                }
            }
            for (slot, e) in &c.initial {
                let mut x = sys.eval(e, t0);
                if let Some(o) = override_for(c, &opts.overrides, *slot, &sys.v) {
                    x = o;
                }
                sys.v[*slot] = x;
            }
        }
        sys.draw_error()?;
        let mut y: Vec<f64> = c
            .states
            .iter()
            .map(|st| match (&st.rate, sys.v[st.slot]) {
                // An algebraic variable without a start value: consistent_init solves for it.
                (crate::compile::StateRate::Algebraic(_), x) if x.is_nan() => 0.0,
                (_, x) => x,
            })
            .collect();
        // A state the solver must integrate cannot start undefined (e.g. after a division by zero).
        for (st, &y0) in c.states.iter().zip(&y) {
            if !y0.is_finite() {
                return Err(EngineError::Options(format!(
                    "the initial value of '{}' is {y0}; a variable that changes over time needs a finite start value (check for a missing value, NaN or a division by zero)",
                    c.name(st.symbol)
                )));
            }
        }
        if c.mass.is_some() {
            consistent_init(&mut sys, t0, &mut y, &solver_opts)?;
        }
        relax_fast(&mut sys, t0, &mut y, &solver_opts)?;
        sys.load(t0, &y);
        // Amounts of concentration species get the absolute tolerance scaled by their initial
        // compartment size, so atol means the same for every species (as libRoadRunner does).
        solver_opts.atol_scale = c
            .states
            .iter()
            .map(
                |st| match (c.amount_slot[st.symbol], &c.model.symbols[st.symbol].kind) {
                    (Some(_), her2sim_model::SymbolKind::Species { compartment, .. }) => {
                        let size = sys.v[*compartment].abs();
                        if size.is_finite() && size > 0.0 {
                            size.min(1.0)
                        } else {
                            1.0
                        }
                    }
                    _ => 1.0,
                },
            )
            .collect();
        // Species amounts that start non-negative stay so: undershoots within atol are noise.
        solver_opts.nonnegative = c
            .states
            .iter()
            .zip(&y)
            .map(|(st, &y0)| {
                y0 >= 0.0
                    && matches!(st.rate, crate::compile::StateRate::Reactions(_))
                    && matches!(
                        c.model.symbols[st.symbol].kind,
                        her2sim_model::SymbolKind::Species { .. }
                    )
            })
            .collect();
        if let Some(h) = &history {
            *h.v0.borrow_mut() = sys.v.clone();
            solver_opts.max_step = min_delay(&sys, t0).unwrap_or(f64::INFINITY);
        }
        let mut events = Events::new(c, opts.seed);
        if !c.events.is_empty() {
            let fired = events.process(&mut sys, t0, &mut y, &solver_opts)?;
            if fired {
                relax_fast(&mut sys, t0, &mut y, &solver_opts)?;
            }
            if let (true, Some(h)) = (fired, &history) {
                h.snapshots.borrow_mut().push((t0, sys.v.clone()));
            }
        }
        let solver = Integrator::new(opts.method, t0, &y, solver_opts.clone());
        let buf = vec![0.0; y.len()];
        Ok(Run {
            c,
            sys,
            history,
            y,
            solver,
            solver_opts,
            events,
            t: t0,
            buf,
            timeout: opts.timeout,
            started: std::time::Instant::now(),
            per_output_budget: false,
        })
    }

    /// The event queue as the start left it (for a sensitivity run that takes over).
    pub(crate) fn into_events(self) -> Events {
        self.events
    }

    /// The time the run stands at.
    pub fn time(&self) -> f64 {
        self.t
    }

    /// The state vector at [`Run::time`], in the order of [`crate::Simulator::state_ids`].
    pub fn state(&self) -> &[f64] {
        &self.y
    }

    /// The values of `selectors` at [`Run::time`].
    pub fn sample(&mut self, selectors: &[Selector]) -> Vec<f64> {
        self.sys.load(self.t, &self.y);
        selectors
            .iter()
            .map(|&s| value(self.c, &self.sys.v, self.t, s))
            .collect()
    }

    /// The time derivatives of the state at [`Run::time`] (zero rows of algebraic variables).
    pub fn rates(&mut self) -> Result<Vec<f64>, EngineError> {
        use her2sim_ode::System;
        let mut dy = vec![0.0; self.y.len()];
        self.sys
            .rhs(self.t, &self.y, &mut dy)
            .map_err(EngineError::Event)?;
        Ok(dy)
    }

    /// Advances until the state is steady: every rate below `atol + rtol * |x|` (checked at
    /// t + 1, 10, 100, ... up to `max_time` past the current time). Returns the time reached.
    pub fn advance_to_steady_state(
        &mut self,
        rtol: f64,
        atol: f64,
        max_time: f64,
    ) -> Result<f64, EngineError> {
        let t0 = self.t;
        let mut span = 1.0f64;
        loop {
            let rates = self.rates()?;
            let steady = rates
                .iter()
                .zip(&self.y)
                .zip(self.c.states.iter())
                .all(|((d, x), st)| {
                    matches!(st.rate, crate::compile::StateRate::Algebraic(_))
                        || d.abs() <= atol + rtol * x.abs()
                });
            if steady {
                return Ok(self.t);
            }
            if self.t - t0 >= max_time {
                return Err(EngineError::Options(format!(
                    "no steady state within {max_time} time units of t = {t0} (largest rate {:e})",
                    rates.iter().fold(0.0f64, |a, d| a.max(d.abs()))
                )));
            }
            self.advance_to(t0 + span.min(max_time))?;
            span *= 10.0;
        }
    }

    /// Every slot's value at the current time (constants included).
    pub(crate) fn slots(&self) -> &[f64] {
        &self.sys.v
    }

    /// The integrator options this run was set up with (tolerance scales, non-negativity).
    pub(crate) fn solver_options(&self) -> &Options {
        &self.solver_opts
    }

    /// Integrates to `t_end` (events included); the run then stands exactly at `t_end`.
    /// `SimOptions::max_steps` holds per call (and between discontinuities), as CVODE's
    /// `mxstep` holds per call: a long time course sampled often is not cut short.
    pub fn advance_to(&mut self, t_end: f64) -> Result<(), EngineError> {
        self.solver.reset_step_budget();
        self.advance(t_end, &[], &mut |_, _| {})
    }

    /// Sets a value now, as a dose or a perturbation does: a parameter, compartment size or
    /// species amount (`S`) or concentration (`[S]`). What depends on it through rules
    /// follows; initial assignments are not re-run (they hold at the start only). Events whose
    /// trigger the change makes true fire now; the integrator restarts here.
    pub fn set(&mut self, target: Selector, value: f64) -> Result<(), EngineError> {
        self.set_all(&[(target, value)])
    }

    /// Sets several values at once (one restart of the integrator), as [`Run::set`] does.
    pub fn set_all(&mut self, values: &[(Selector, f64)]) -> Result<(), EngineError> {
        self.sys.load(self.t, &self.y);
        for &(target, value) in values {
            self.assign(target, value)?;
        }
        self.restart()
    }

    /// Writes one value into the state or the slots (without restarting).
    fn assign(&mut self, target: Selector, value: f64) -> Result<(), EngineError> {
        let c = self.c;
        let Some(s) = target.symbol() else {
            return Err(EngineError::Selection(
                "time".into(),
                "time cannot be set".into(),
            ));
        };
        if !value.is_finite() {
            return Err(EngineError::Options(format!(
                "'{}' cannot be set to {value}: give a finite number",
                c.name(s)
            )));
        }
        if matches!(
            c.model.symbols[s].determined,
            her2sim_model::Determined::Assignment(_) | her2sim_model::Determined::KineticLaw(_)
        ) {
            return Err(EngineError::Selection(
                c.name(s).to_string(),
                "its value is computed by a rule or kinetic law and cannot be set".into(),
            ));
        }
        // The value in the symbol's own meaning (concentration or amount).
        let x = override_for(c, &[(target, value)], s, &self.sys.v).unwrap_or(value);
        match c.state_of[s] {
            Some(k) if c.amount_slot[s] == Some(c.states[k].slot) => {
                // The integrated state is the amount of a concentration species.
                let size = match c.model.symbols[s].kind {
                    her2sim_model::SymbolKind::Species { compartment, .. } => {
                        self.sys.v[compartment]
                    }
                    _ => 1.0,
                };
                self.y[k] = x * size;
            }
            Some(k) => self.y[k] = x,
            None => self.sys.v[s] = x,
        }
        Ok(())
    }

    /// After a change of state or parameters at `t`: algebraic variables re-solved, events
    /// processed, history noted, and the integrator restarted from the new state.
    fn restart(&mut self) -> Result<(), EngineError> {
        let t = self.t;
        self.sys.load(t, &self.y);
        if self.c.mass.is_some() {
            consistent_init(&mut self.sys, t, &mut self.y, &self.solver_opts)?;
        }
        if !self.c.events.is_empty() {
            let fired = self
                .events
                .process(&mut self.sys, t, &mut self.y, &self.solver_opts)?;
            if fired {
                relax_fast(&mut self.sys, t, &mut self.y, &self.solver_opts)?;
            }
        }
        self.sys.load(t, &self.y);
        if let Some(h) = &self.history {
            h.snapshots.borrow_mut().push((t, self.sys.v.clone()));
        }
        self.solver.reset(t, &self.y);
        Ok(())
    }

    /// Solver statistics so far (steps, evaluations, factorisations).
    pub fn solver_stats(&self) -> her2sim_ode::Stats {
        self.solver.stats()
    }

    /// The values of `selectors` at each of `times` (ascending, none before the current
    /// time), integrating to the last of them: the solver steps freely and the values between
    /// its steps come from its dense output (CVODE's normal mode), so outputs as dense as
    /// data do not shorten the steps. `SimOptions::max_steps` holds per output interval.
    pub fn advance_sampling(
        &mut self,
        times: &[f64],
        selectors: &[Selector],
    ) -> Result<Vec<Vec<f64>>, EngineError> {
        let ascending = times.windows(2).all(|w| w[0] <= w[1]);
        if !ascending
            || times.iter().any(|t| t.is_nan())
            || times.first().is_some_and(|&t| t < self.t)
        {
            return Err(EngineError::Options(format!(
                "output times must be ascending and not before t = {}",
                self.t
            )));
        }
        let Some(&last) = times.last() else {
            return Ok(Vec::new());
        };
        let c = self.c;
        let mut rows = Vec::with_capacity(times.len());
        self.per_output_budget = true;
        self.solver.reset_step_budget();
        let result = self.advance(last, times, &mut |tau, v| {
            rows.push(selectors.iter().map(|&s| value(c, v, tau, s)).collect())
        });
        self.per_output_budget = false;
        result?;
        Ok(rows)
    }

    /// Integrates to `t_end`, calling `on_output(tau, slots)` at each of `outputs` (sorted,
    /// within `[time, t_end]`) with the slot values there, read from the dense output.
    pub(crate) fn advance(
        &mut self,
        t_end: f64,
        outputs: &[f64],
        on_output: &mut dyn FnMut(f64, &[f64]),
    ) -> Result<(), EngineError> {
        if !(t_end.is_finite() && t_end >= self.t) {
            return Err(EngineError::Options(format!(
                "cannot advance from t = {} to t = {t_end}",
                self.t
            )));
        }
        let c = self.c;
        let emit = |sys: &mut Sys, tau: f64, y: &[f64], on_output: &mut dyn FnMut(f64, &[f64])| {
            sys.load(tau, y);
            on_output(tau, &sys.v);
        };
        let mut next = 0;
        while next < outputs.len() && outputs[next] <= self.t {
            emit(&mut self.sys, outputs[next], &self.y, on_output);
            next += 1;
        }
        while self.t < t_end {
            if let Some(limit) = self.timeout.filter(|l| self.started.elapsed() > *l) {
                return Err(EngineError::Timeout { limit, t: self.t });
            }
            let t = self.t;
            let t_event = self.events.next_time(t);
            let t_stop = t_end.min(t_event);
            if !c.switches.is_empty() {
                self.sys.load(t, &self.y);
                self.sys.locked = self.sys.switches(t);
            }
            // Without events, switches or a delay history, the dense output only serves the
            // next output time.
            let dense_from =
                if c.events.is_empty() && c.switches.is_empty() && self.history.is_none() {
                    outputs.get(next).copied().unwrap_or(f64::INFINITY)
                } else {
                    f64::NEG_INFINITY
                };
            self.solver.set_dense_from(dense_from);
            self.solver.step(&mut self.sys, t_stop)?;
            // Outside the step (events, DAE initialisation, outputs) relationals are evaluated.
            let locked = std::mem::take(&mut self.sys.locked);
            let t_new = self.solver.t();
            if let Some(h) = &self.history {
                if let Some(seg) = self.solver.last_segment() {
                    h.segments.borrow_mut().push(seg.clone());
                }
            }
            let mut te = None;
            if !c.events.is_empty() || !c.switches.is_empty() {
                te = locate_trigger_change(
                    &mut self.sys,
                    &self.solver,
                    &self.events,
                    &locked,
                    (t, &self.y),
                    t_new,
                    &mut self.buf,
                )
                .map(|(time, _)| time);
                if te.is_none() && t_new == t_event {
                    te = Some(t_new);
                }
            }
            match te {
                Some(te) => {
                    while next < outputs.len() && outputs[next] < te {
                        let tau = outputs[next];
                        self.solver.interpolate(tau, &mut self.buf);
                        emit(&mut self.sys, tau, &self.buf, on_output);
                        next += 1;
                    }
                    if te == t_new {
                        self.y.copy_from_slice(self.solver.y());
                    } else {
                        self.solver.interpolate(te, &mut self.y);
                    }
                    let opts = &self.solver_opts;
                    let fired = self.events.process(&mut self.sys, te, &mut self.y, opts)?;
                    if fired {
                        relax_fast(&mut self.sys, te, &mut self.y, opts)?;
                    }
                    if let (true, Some(h)) = (fired, &self.history) {
                        h.snapshots.borrow_mut().push((te, self.sys.v.clone()));
                    }
                    // A switched relational may move the algebraic equations (e.g. a fast
                    // equilibrium's rate law changing branch): re-solve them.
                    if !fired && c.mass.is_some() {
                        consistent_init(&mut self.sys, te, &mut self.y, opts)?;
                    }
                    self.solver.reset(te, &self.y);
                    self.t = te;
                }
                None => {
                    self.y.copy_from_slice(self.solver.y());
                    self.t = t_new;
                }
            }
            let emitted = next;
            while next < outputs.len() && outputs[next] <= self.t {
                let tau = outputs[next];
                if tau == self.t {
                    emit(&mut self.sys, tau, &self.y, on_output);
                } else {
                    self.solver.interpolate(tau, &mut self.buf);
                    emit(&mut self.sys, tau, &self.buf, on_output);
                }
                next += 1;
            }
            if self.per_output_budget && next > emitted {
                self.solver.reset_step_budget();
            }
        }
        Ok(())
    }
}

/// The first time in `(t_old, t_new]` where a trigger differs from its last value or a
/// right-hand-side relational differs from the value it was locked at for this step.
///
/// Triggers are boolean, so a step can jump over a short window where one is true. Every
/// relational inside the triggers is watched as well: the step is cut at each change of any
/// of them (located by bisection on the dense output) and the triggers are checked there.
///
/// Also returns the values the trigger relationals had just before the change (which ones
/// switched tells a sensitivity run whose event time it differentiates).
pub(crate) fn locate_trigger_change(
    sys: &mut Sys,
    solver: &Integrator,
    events: &Events,
    locked: &[bool],
    old: (f64, &[f64]),
    t_new: f64,
    buf: &mut [f64],
) -> Option<(f64, Vec<bool>)> {
    let (t_old, y_old) = old;
    let mut state_at = |sys: &mut Sys, tau: f64| -> (Vec<bool>, bool) {
        if tau == t_new {
            sys.load(tau, solver.y());
        } else if tau == t_old {
            // The exact state the step started from (an interpolant may differ in the last bits,
            // which can flip a trigger that sits exactly at its threshold after an event).
            sys.load(tau, y_old);
        } else {
            solver.interpolate(tau, buf);
            sys.load(tau, buf);
        }
        // A right-hand-side relational that left its locked value ends the step like a trigger.
        let switched = !locked.is_empty() && sys.switches(tau) != locked;
        (
            events.relationals(sys, tau),
            switched || events.changed(sys, tau),
        )
    };
    let mut lo = t_old;
    let (mut rel_lo, _) = state_at(sys, lo);
    for _ in 0..1000 {
        let (rel_hi, trig_hi) = state_at(sys, t_new);
        if rel_hi == rel_lo && !trig_hi {
            return None;
        }
        // Sample the interval first so bisection starts on the earliest change.
        let mut hi = t_new;
        const SAMPLES: usize = 8;
        for k in 1..SAMPLES {
            let tau = lo + (t_new - lo) * k as f64 / SAMPLES as f64;
            let (rel, trig) = state_at(sys, tau);
            if rel != rel_lo || trig {
                hi = tau;
                break;
            }
        }
        let mut a = lo;
        for _ in 0..200 {
            let mid = a + 0.5 * (hi - a);
            if mid <= a || mid >= hi {
                break;
            }
            let (rel, trig) = state_at(sys, mid);
            if rel != rel_lo || trig {
                hi = mid;
            } else {
                a = mid;
            }
        }
        let (rel, trig) = state_at(sys, hi);
        if trig {
            return Some((hi, rel_lo));
        }
        lo = hi;
        rel_lo = rel;
        if lo >= t_new {
            return None;
        }
    }
    None
}

/// Whether the BDF solver will store this model's Jacobian sparsely (the conditions of
/// `Options::linear_solver`, checked the way the solver checks them).
fn sparse_capable(c: &Compiled, opts: &SimOptions) -> bool {
    let n = c.states.len();
    matches!(opts.method, Method::Bdf | Method::Auto)
        && c.mass.is_none()
        && c.jacobian
            .as_ref()
            .and_then(|j| j.sparse_layout())
            .is_some_and(|l| opts.linear_solver.sparse_for(n, l.pattern.nnz()))
}

/// In `FastMode::Scaled`, lets the fast reactions alone (at unscaled rates, time frozen at
/// `t`) run to their stable equilibrium in pseudo-time, so outputs at `t` are equilibrated.
fn relax_fast(sys: &mut Sys, t: f64, y: &mut [f64], opts: &Options) -> Result<(), EngineError> {
    if sys.c.fast_scale.is_none() || y.is_empty() {
        return Ok(());
    }
    use her2sim_ode::System;
    sys.fast_only = Some(t);
    let result = (|| {
        let mut f = vec![0.0; y.len()];
        let mut solver = Integrator::new(Method::Bdf, 0.0, y, opts.clone());
        for _ in 0..100_000 {
            sys.rhs(0.0, solver.y(), &mut f)
                .map_err(EngineError::Event)?;
            let size = solver.y().iter().fold(1.0f64, |a, v| a.max(v.abs()));
            if f.iter().all(|d| d.abs() <= 1e-15 * size) || solver.t() > 1e12 {
                y.copy_from_slice(solver.y());
                return Ok(());
            }
            solver.step(sys, 1e15)?;
        }
        Err(EngineError::Event(format!(
            "fast reactions did not reach equilibrium at t = {t}"
        )))
    })();
    sys.fast_only = None;
    result
}

/// The overridden start value of `slot` in its math meaning, if an override targets it.
fn override_for(
    c: &Compiled,
    overrides: &[(Selector, f64)],
    slot: usize,
    v: &[f64],
) -> Option<f64> {
    let species = |s: usize| match c.model.symbols.get(s).map(|x| &x.kind) {
        Some(her2sim_model::SymbolKind::Species {
            compartment,
            amount_valued,
            ..
        }) => Some((*compartment, *amount_valued)),
        _ => None,
    };
    // The last override of a symbol wins, so callers can layer settings (model defaults, a
    // condition, then a treatment) by appending.
    overrides.iter().rev().find_map(|(sel, x)| match *sel {
        Selector::Value(s) if s == slot => Some(*x),
        Selector::Amount(s) if s == slot => Some(match species(s) {
            Some((comp, false)) => x / v[comp],
            _ => *x,
        }),
        Selector::Concentration(s) if s == slot => Some(match species(s) {
            Some((comp, true)) => x * v[comp],
            _ => *x,
        }),
        _ => None,
    })
}

/// Smallest positive constant delay in the model, used to bound the step so that delayed
/// values are always read from completed steps.
fn min_delay(sys: &Sys, t: f64) -> Option<f64> {
    use crate::eval::CExpr;
    let mut taus = Vec::new();
    let mut visit = |e: &CExpr| {
        e.visit(&mut |n| {
            if let CExpr::Delay(ab) = n {
                taus.push(sys.eval(&ab[1], t));
            }
        })
    };
    let c = sys.c;
    c.program.iter().for_each(|(_, e)| visit(e));
    for st in &c.states {
        if let crate::compile::StateRate::Expr(e) | crate::compile::StateRate::Algebraic(e) =
            &st.rate
        {
            visit(e);
        }
    }
    for ev in &c.events {
        visit(&ev.trigger);
        ev.assignments.iter().for_each(|(_, e)| visit(e));
    }
    taus.into_iter()
        .filter(|x| *x > 0.0 && x.is_finite())
        .fold(None, |acc: Option<f64>, x| {
            Some(acc.map_or(x, |a| a.min(x)))
        })
}
