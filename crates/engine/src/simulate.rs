//! Deterministic time courses: integrates the compiled model with RODAS4, locates event
//! triggers on the dense output, runs the SBML event queue (delays, priorities, persistence,
//! trigger-time values), and samples the selections at evenly spaced output times.

use std::cell::RefCell;

use her2sim_ode::{consistent_init, Integrator, Method, Options};

use crate::compile::Compiled;
use crate::events::Events;
use crate::runtime::{DelayHistory, Sys};
use crate::select::{value, Selector};
use crate::EngineError;

/// What a time course asks for.
#[derive(Debug, Clone)]
pub struct SimOptions {
    pub start: f64,
    pub duration: f64,
    /// Output intervals; the result has `steps + 1` rows.
    pub steps: usize,
    pub atol: f64,
    pub rtol: f64,
    /// Solver step attempts allowed between two discontinuities.
    pub max_steps: usize,
    /// Wall-clock limit for one time course; `None` = unlimited.
    pub timeout: Option<std::time::Duration>,
    /// Seed for the random choice among simultaneous events of equal priority.
    pub seed: u64,
    /// The integration method.
    pub method: Method,
    /// Initial values to use instead of the model's (from `Simulator::override_target`):
    /// everything that depends on them is recomputed. When a symbol is listed more than once,
    /// the last entry wins.
    pub overrides: Vec<(Selector, f64)>,
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
            // BDF reuses its Jacobian and LU across steps: on the curated BioModels it is
            // 10-100x faster than RODAS4 at the same tolerances, with the same conformance.
            method: Method::Bdf,
            overrides: Vec::new(),
        }
    }
}

/// A table of sampled values: one row per output time, one column per selection.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeCourse {
    pub columns: Vec<String>,
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
    if !(opts.rtol > 0.0 && opts.atol > 0.0 && opts.rtol.is_finite() && opts.atol.is_finite()) {
        return Err(EngineError::Options(
            "tolerances must be positive finite numbers".into(),
        ));
    }
    let t0 = opts.start;
    let t_end = grid.time(grid.steps());
    let steps = grid.steps();
    let out_time = |i: usize| grid.time(i);
    let mut solver_opts = Options {
        rtol: opts.rtol,
        atol: opts.atol,
        max_steps: opts.max_steps,
        ..Options::default()
    };
    // Initial values in dependency order. With delays, a first pass without history gives the
    // initial state; the second pass reads delayed values from the constant pre-start history.
    let history = c.has_delay.then(|| DelayHistory {
        compiled: c,
        t0,
        v0: RefCell::new(Vec::new()),
        segments: RefCell::new(Vec::new()),
        snapshots: RefCell::new(Vec::new()),
        depth: std::cell::Cell::new(0),
    });
    let mut sys = Sys {
        c,
        v: vec![0.0; c.n_slots],
        history: None,
        locked: Vec::new(),
        grads: Vec::new(),
        fast_only: None,
    };
    let passes = if history.is_some() { 2 } else { 1 };
    for pass in 0..passes {
        if pass == 1 {
            if let Some(h) = &history {
                *h.v0.borrow_mut() = sys.v.clone();
                sys.history = Some(h);
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
    let mut table = TimeCourse {
        columns: names.to_vec(),
        rows: Vec::with_capacity(steps + 1),
    };
    let mut next_out = 0;
    let mut t = t0;
    if !c.events.is_empty() {
        let fired = events.process(&mut sys, t, &mut y, &solver_opts)?;
        if fired {
            relax_fast(&mut sys, t, &mut y, &solver_opts)?;
        }
        if let (true, Some(h)) = (fired, &history) {
            h.snapshots.borrow_mut().push((t, sys.v.clone()));
        }
    }
    let mut solver = Integrator::new(opts.method, t, &y, solver_opts.clone());
    let record = |sys: &mut Sys, tau: f64, y: &[f64], table: &mut TimeCourse| {
        sys.load(tau, y);
        table.rows.push(
            selection
                .iter()
                .map(|&s| value(c, &sys.v, tau, s))
                .collect(),
        );
    };
    while next_out <= steps && out_time(next_out) <= t {
        record(&mut sys, out_time(next_out), &y, &mut table);
        next_out += 1;
    }
    let mut buf = vec![0.0; y.len()];
    let started = std::time::Instant::now();
    while t < t_end {
        if let Some(limit) = opts.timeout.filter(|l| started.elapsed() > *l) {
            return Err(EngineError::Timeout { limit, t });
        }
        let t_event = events.next_time(t);
        let t_stop = t_end.min(t_event);
        let t_old = t;
        if !c.switches.is_empty() {
            sys.load(t, &y);
            sys.locked = sys.switches(t);
        }
        solver.step(&mut sys, t_stop)?;
        // Outside the step (events, DAE initialisation, outputs) relationals are evaluated.
        let locked = std::mem::take(&mut sys.locked);
        let t_new = solver.t();
        if let Some(h) = &history {
            if let Some(seg) = solver.last_segment() {
                h.segments.borrow_mut().push(seg.clone());
            }
        }
        let mut te = None;
        if !c.events.is_empty() || !c.switches.is_empty() {
            te = find_trigger_change(
                &mut sys,
                &solver,
                &events,
                &locked,
                (t_old, &y),
                t_new,
                &mut buf,
            );
            if te.is_none() && t_new == t_event {
                te = Some(t_new);
            }
        }
        match te {
            Some(te) => {
                while next_out <= steps && out_time(next_out) < te {
                    let tau = out_time(next_out);
                    solver.interpolate(tau, &mut buf);
                    record(&mut sys, tau, &buf, &mut table);
                    next_out += 1;
                }
                if te == t_new {
                    y.copy_from_slice(solver.y());
                } else {
                    solver.interpolate(te, &mut y);
                }
                let fired = events.process(&mut sys, te, &mut y, &solver_opts)?;
                if fired {
                    relax_fast(&mut sys, te, &mut y, &solver_opts)?;
                }
                if let (true, Some(h)) = (fired, &history) {
                    h.snapshots.borrow_mut().push((te, sys.v.clone()));
                }
                // A switched relational may move the algebraic equations (e.g. a fast
                // equilibrium's rate law changing branch): re-solve them.
                if !fired && c.mass.is_some() {
                    consistent_init(&mut sys, te, &mut y, &solver_opts)?;
                }
                solver.reset(te, &y);
                t = te;
            }
            None => {
                y.copy_from_slice(solver.y());
                t = t_new;
            }
        }
        while next_out <= steps && out_time(next_out) <= t {
            let tau = out_time(next_out);
            if tau == t {
                record(&mut sys, tau, &y, &mut table);
            } else {
                solver.interpolate(tau, &mut buf);
                record(&mut sys, tau, &buf, &mut table);
            }
            next_out += 1;
        }
    }
    if std::env::var_os("HER2SIM_SOLVER_STATS").is_some() {
        eprintln!("solver: {:?}", solver.stats());
    }
    Ok(table)
}

/// The first time in `(t_old, t_new]` where a trigger differs from its last value or a
/// right-hand-side relational differs from the value it was locked at for this step.
///
/// Triggers are boolean, so a step can jump over a short window where one is true. Every
/// relational inside the triggers is watched as well: the step is cut at each change of any
/// of them (located by bisection on the dense output) and the triggers are checked there.
fn find_trigger_change(
    sys: &mut Sys,
    solver: &Integrator,
    events: &Events,
    locked: &[bool],
    old: (f64, &[f64]),
    t_new: f64,
    buf: &mut [f64],
) -> Option<f64> {
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
            return Some(hi);
        }
        lo = hi;
        rel_lo = rel;
        if lo >= t_new {
            return None;
        }
    }
    None
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
