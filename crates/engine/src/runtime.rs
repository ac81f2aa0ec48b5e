//! The compiled model at run time: the slot vector, loading a state into it, derivatives
//! (the `System` the ODE solver integrates) and the stored history that `delay()` reads.
//! `load` and `derivatives` run the model's native kernels (`jit.rs`) where it has them.

use std::cell::RefCell;

use her2sim_ode::{Segment, System};

use crate::compile::{Compiled, FastRowC, StateRate, StoichSlot};
use crate::eval::{CExpr, Ctx, History};
use crate::jacobian::JacobianScratch;

/// Past trajectory for `delay()`: the initial slot values and the solver's dense segments.
pub struct DelayHistory<'c> {
    pub compiled: &'c Compiled,
    pub t0: f64,
    pub v0: RefCell<Vec<f64>>,
    pub segments: RefCell<Vec<Segment>>,
    /// Slot values right after each event, so delays of event-set parameters see the past.
    pub snapshots: RefCell<Vec<(f64, Vec<f64>)>>,
    /// Nesting of delayed evaluations: rebuilding past slots runs assignment rules that may
    /// themselves contain delays, so deeper levels read current values instead of recursing.
    pub depth: std::cell::Cell<usize>,
}

const MAX_DELAY_NESTING: usize = 3;

impl DelayHistory<'_> {
    /// Slot values at a past time `t`, rebuilt from the stored state. Before the start the
    /// states keep their initial values while assignment rules still follow time.
    fn slots_at(&self, t: f64) -> Vec<f64> {
        let segs = self.segments.borrow();
        let mut v = {
            let snaps = self.snapshots.borrow();
            let k = snaps.partition_point(|(te, _)| *te <= t);
            match k.checked_sub(1) {
                Some(i) if t >= self.t0 => snaps[i].1.clone(),
                _ => self.v0.borrow().clone(),
            }
        };
        if t >= self.t0 && segs.is_empty() {
            // Inside the first step, before any is stored: the start state, with assignment
            // rules at time t (initial assignments held at t0 and are not re-evaluated).
            drop(segs);
            let y: Vec<f64> = self.compiled.states.iter().map(|st| v[st.slot]).collect();
            load(self.compiled, &mut v, t, &y, Some(self), false, None);
            return v;
        }
        if t < self.t0 {
            // Before the start every value follows its initial definition at that time.
            drop(segs);
            for (slot, e) in &self.compiled.initial {
                let x = e.eval(&Ctx {
                    v: &v,
                    t,
                    history: Some(self),
                    before_start: true,
                    locked: None,
                    draws: None,
                });
                v[*slot] = x;
            }
            return v;
        }
        // Last segment starting before t (later segments win at event times).
        let idx = segs.partition_point(|s| s.t0 < t).saturating_sub(1);
        let mut y = vec![0.0; self.compiled.states.len()];
        segs[idx].eval(t, &mut y);
        drop(segs);
        load(self.compiled, &mut v, t, &y, Some(self), false, None);
        v
    }
}

impl History for DelayHistory<'_> {
    fn delayed(&self, expr: &CExpr, t_past: f64) -> f64 {
        let depth = self.depth.get();
        if depth >= MAX_DELAY_NESTING {
            return f64::NAN;
        }
        self.depth.set(depth + 1);
        let v = self.slots_at(t_past);
        let x = expr.eval(&Ctx {
            v: &v,
            t: t_past,
            history: Some(self),
            before_start: t_past < self.t0,
            locked: None,
            draws: None,
        });
        self.depth.set(depth);
        x
    }
}

/// Writes state `y` into the slots and runs the assignment program.
pub fn load(
    c: &Compiled,
    v: &mut [f64],
    t: f64,
    y: &[f64],
    history: Option<&dyn History>,
    before_start: bool,
    locked: Option<&[bool]>,
) {
    if let Some(native) = c.native_rhs.as_deref().filter(|_| !before_start) {
        // Slots past the model's (a stochastic run's split propensities) are the caller's.
        let n = c.n_slots.min(v.len());
        if native.load(&mut v[..n], t, y, locked) {
            return;
        }
    }
    for (st, &yk) in c.states.iter().zip(y) {
        v[st.slot] = yk;
    }
    for (slot, e) in &c.program {
        let x = e.eval(&Ctx {
            v,
            t,
            history,
            before_start,
            locked,
            draws: None,
        });
        v[*slot] = x;
    }
}

/// State derivatives (and algebraic residuals) from slots already loaded for time `t`.
pub fn derivatives(
    c: &Compiled,
    v: &[f64],
    t: f64,
    history: Option<&dyn History>,
    locked: Option<&[bool]>,
    fast_only: bool,
    dy: &mut [f64],
) {
    if let Some(native) = c.native_rhs.as_deref().filter(|_| !fast_only) {
        if native.derivatives(v, t, locked, dy) {
            return;
        }
    }
    let scale = c.fast_scale.unwrap_or(1.0);
    let cx = Ctx {
        v,
        t,
        history,
        before_start: false,
        locked,
        draws: None,
    };
    for (st, d) in c.states.iter().zip(dy.iter_mut()) {
        *d = match &st.rate {
            StateRate::Expr(_) if fast_only => 0.0,
            StateRate::Expr(e) | StateRate::Algebraic(e) => e.eval(&cx),
            StateRate::Reactions(terms) => terms
                .iter()
                .filter(|term| term.fast || !fast_only)
                .map(|term| {
                    let s = match term.stoich {
                        StoichSlot::Const(s) => s,
                        StoichSlot::Slot(i) => v[i],
                    };
                    let cf = term.conversion_factor.map_or(1.0, |i| v[i]);
                    let k = if term.fast && !fast_only { scale } else { 1.0 };
                    term.sign * s * v[term.rate_slot] * cf * k
                })
                .sum(),
        };
    }
    if !c.fast_rows.is_empty() {
        let fast: Vec<f64> = c
            .fast_rows
            .iter()
            .map(|(_, row)| match row {
                FastRowC::Conservation(coefs) => coefs.iter().map(|(j, k)| k * dy[*j]).sum(),
                FastRowC::Equilibrium(rate) => v[*rate],
            })
            .collect();
        for ((k, _), x) in c.fast_rows.iter().zip(fast) {
            dy[*k] = x;
        }
    }
}

/// The model as an ODE/DAE system for the solver. Owns the slot vector, whose non-state
/// slots (event-set parameters) persist between calls.
pub struct Sys<'c> {
    pub c: &'c Compiled,
    pub v: Vec<f64>,
    pub history: Option<std::rc::Rc<DelayHistory<'c>>>,
    /// Values of the right-hand side's relationals held during the current solver step.
    pub locked: Vec<bool>,
    /// Scratch gradients for the analytic Jacobian.
    pub grads: JacobianScratch,
    /// `Some(t)`: only fast reactions act, at unscaled rates, with time frozen at t (the
    /// pseudo-time relaxation of `FastMode::Scaled`).
    pub fast_only: Option<f64>,
    /// The run's stream of `distrib` draws (models with draws only).
    pub draws: Option<crate::draw::Sampler>,
}

impl<'c> Sys<'c> {
    /// All slots zero, no history, nothing locked.
    pub fn new(c: &'c Compiled) -> Sys<'c> {
        Sys {
            c,
            v: vec![0.0; c.n_slots],
            history: None,
            locked: Vec::new(),
            grads: JacobianScratch::default(),
            fast_only: None,
            draws: None,
        }
    }

    /// Gives this run a stream of `distrib` draws seeded by `seed` (if the model draws).
    pub fn seed_draws(&mut self, seed: u64) {
        if self.c.has_draws {
            self.draws = Some(crate::draw::Sampler::new(seed));
        }
    }

    /// The first invalid `distrib` draw since the last check, as an error.
    pub fn draw_error(&self) -> Result<(), crate::EngineError> {
        match self.draws.as_ref().and_then(|d| d.take_error()) {
            Some(m) => Err(crate::EngineError::Options(m)),
            None => Ok(()),
        }
    }

    /// Loads (t, y) into the slots and returns the evaluation context over them, with the
    /// Jacobian's gradient scratch space.
    fn loaded(&mut self, t: f64, y: &[f64]) -> (Ctx<'_>, &mut JacobianScratch) {
        let h = self.history.as_deref().map(|h| h as &dyn History);
        let locked = (!self.locked.is_empty()).then_some(self.locked.as_slice());
        load(self.c, &mut self.v, t, y, h, false, locked);
        let cx = Ctx {
            v: &self.v,
            t,
            history: h,
            before_start: false,
            locked,
            draws: None,
        };
        (cx, &mut self.grads)
    }

    pub fn load(&mut self, t: f64, y: &[f64]) {
        let h = self.history.as_deref().map(|h| h as &dyn History);
        load(self.c, &mut self.v, t, y, h, false, None);
    }

    /// Evaluates every right-hand-side relational freely at the loaded state.
    pub fn switches(&self, t: f64) -> Vec<bool> {
        self.c
            .switches
            .iter()
            .map(|e| self.eval(e, t) != 0.0)
            .collect()
    }

    pub fn eval(&self, e: &CExpr, t: f64) -> f64 {
        e.eval(&Ctx {
            v: &self.v,
            t,
            history: self.history.as_deref().map(|h| h as &dyn History),
            before_start: false,
            locked: None,
            draws: self.draws.as_ref().map(|d| d as &dyn crate::draw::Draws),
        })
    }
}

impl System for Sys<'_> {
    fn dim(&self) -> usize {
        self.c.states.len()
    }

    fn rhs(&mut self, t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        let t = self.fast_only.unwrap_or(t);
        let h = self.history.as_deref().map(|h| h as &dyn History);
        let locked = (!self.locked.is_empty()).then_some(self.locked.as_slice());
        load(self.c, &mut self.v, t, y, h, false, locked);
        derivatives(self.c, &self.v, t, h, locked, self.fast_only.is_some(), dy);
        Ok(())
    }

    fn jacobian(
        &mut self,
        t: f64,
        y: &[f64],
        jac: &mut nalgebra::DMatrix<f64>,
    ) -> Option<Result<(), String>> {
        let c = self.c;
        let program = c.jacobian.as_ref().filter(|_| self.fast_only.is_none())?;
        let (cx, grads) = self.loaded(t, y);
        program.evaluate(c, &cx, grads, jac);
        Some(Ok(()))
    }

    fn jacobian_pattern(&self) -> Option<her2sim_ode::SparsityPattern> {
        let program = self
            .c
            .jacobian
            .as_ref()
            .filter(|_| self.fast_only.is_none())?;
        Some(program.sparse_layout()?.pattern.clone())
    }

    fn jacobian_sparse(
        &mut self,
        t: f64,
        y: &[f64],
        values: &mut [f64],
    ) -> Option<Result<(), String>> {
        let c = self.c;
        let program = c.jacobian.as_ref().filter(|_| self.fast_only.is_none())?;
        program.sparse_layout()?;
        let (cx, grads) = self.loaded(t, y);
        program.evaluate_sparse(c, &cx, grads, values);
        Some(Ok(()))
    }

    fn mass(&self) -> Option<&nalgebra::DMatrix<f64>> {
        self.c.mass.as_ref()
    }
}
