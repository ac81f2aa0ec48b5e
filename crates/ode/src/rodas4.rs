//! The RODAS4 solver: one adaptive, accepted step at a time, its step-size
//! control (rodas.f's controller with Gustafsson's predictive variant), the
//! initial step heuristic and the dense output of each accepted step.
//!
//! All work storage is allocated in [`Rodas4::new`], so `step` does not
//! allocate (the solver is called millions of times in test-suite runs).

use nalgebra::DMatrix;

use crate::control;
use crate::derivs::{self, all_finite, eval};
use crate::linalg::{lu_factor, lu_solve};
use crate::mass::{self, MassKind};
use crate::segment::Segment;
use crate::tableau::{A, C, CC, D, DENSE2, DENSE3, GAMMA};
use crate::{Options, SolverError, Stats, System};

/// Safety factor of the step-size controller.
const SAFE: f64 = 0.9;
/// Bounds of h/h_new (rodas.f's FACR and FACL): the step grows at most 6×
/// and shrinks at most 5× per decision.
const FAC_MIN: f64 = 1.0 / 6.0;
const FAC_MAX: f64 = 5.0;
/// Consecutive non-finite attempts (each shrinking h by 10) before giving up.
const MAX_NONFINITE: usize = 15;
/// Consecutive singular iteration matrices (each halving h) before giving up.
const MAX_SINGULAR: usize = 5;

/// Outcome of one step attempt with a fixed h.
enum Attempt {
    /// Stages computed; the scaled error norm (≤ 1 means acceptable).
    Done(f64),
    /// The iteration matrix could not be factorised.
    Singular,
    /// NaN or infinity in the new solution or the error.
    NonFinite,
}

/// RODAS4 integrator state for `M·y' = f(t, y)`.
pub struct Rodas4 {
    n: usize,
    t: f64,
    y: Vec<f64>,
    opts: Options,
    /// Proposed size of the next step (before clipping to t_stop).
    h: f64,
    /// False until a step size has been chosen since construction / reset.
    h_valid: bool,
    /// Accepted steps since construction / reset (the predictive controller
    /// needs a previous step).
    accepted_since_reset: usize,
    /// Step and error of the last accepted step (Gustafsson controller).
    hacc: f64,
    erracc: f64,
    /// Step attempts counted against `Options::max_steps`.
    budget_used: usize,
    stats: Stats,
    /// f0, fx and jac belong to the current (t, y).
    point_current: bool,
    f0: Vec<f64>,
    fx: Vec<f64>,
    jac: DMatrix<f64>,
    /// Iteration matrix, overwritten in place by its LU factors.
    e: DMatrix<f64>,
    piv: Vec<usize>,
    k: [Vec<f64>; 6],
    ynew: Vec<f64>,
    ytmp: Vec<f64>,
    ftmp: Vec<f64>,
    comb: Vec<f64>,
    mass_diag: Vec<f64>,
    mask: Vec<bool>,
    /// Rows of M that are entirely zero (algebraic equations).
    algebraic: Vec<bool>,
    fd: derivs::FdWork,
    /// Largest |y_j| seen: the scale of finite-difference increments.
    typ: Vec<f64>,
    seg: Segment,
    has_seg: bool,
}

impl Rodas4 {
    /// A solver at (t0, y0); the dimension is `y0.len()`.
    pub fn new(t0: f64, y0: &[f64], options: Options) -> Self {
        let n = y0.len();
        let v = || vec![0.0; n];
        Rodas4 {
            n,
            t: t0,
            y: y0.to_vec(),
            opts: options,
            h: 0.0,
            h_valid: false,
            accepted_since_reset: 0,
            hacc: 0.0,
            erracc: 1e-2,
            budget_used: 0,
            stats: Stats::default(),
            point_current: false,
            f0: v(),
            fx: v(),
            jac: DMatrix::zeros(n, n),
            e: DMatrix::zeros(n, n),
            piv: vec![0; n],
            k: [v(), v(), v(), v(), v(), v()],
            ynew: v(),
            ytmp: v(),
            ftmp: v(),
            comb: v(),
            mass_diag: v(),
            mask: vec![true; n],
            algebraic: vec![false; n],
            fd: derivs::FdWork::new(n),
            typ: y0.iter().map(|x| x.abs()).collect(),
            seg: Segment::rodas(n),
            has_seg: false,
        }
    }

    pub fn t(&self) -> f64 {
        self.t
    }

    pub fn y(&self) -> &[f64] {
        &self.y
    }

    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// Dense output over the last accepted step (t in [t_prev, t]); before
    /// any step (or right after [`reset`](Self::reset)) it returns y.
    pub fn interpolate(&self, t: f64, out: &mut [f64]) {
        if self.has_seg {
            self.seg.eval(t, out);
        } else {
            for (o, y) in out.iter_mut().zip(&self.y) {
                *o = *y;
            }
        }
    }

    pub fn last_segment(&self) -> Option<&Segment> {
        self.has_seg.then_some(&self.seg)
    }

    /// Continue from a new state after a discontinuity (events): forget the
    /// step history and choose a fresh initial step on the next call. Also
    /// restarts the `max_steps` budget.
    pub fn reset(&mut self, t: f64, y: &[f64]) {
        self.t = t;
        for (dst, src) in self.y.iter_mut().zip(y) {
            *dst = *src;
        }
        for (typ, v) in self.typ.iter_mut().zip(&self.y) {
            *typ = typ.max(v.abs());
        }
        self.h_valid = false;
        self.accepted_since_reset = 0;
        self.erracc = 1e-2;
        self.budget_used = 0;
        self.point_current = false;
        self.has_seg = false;
    }

    pub fn set_max_step(&mut self, h: f64) {
        self.opts.max_step = h;
        if self.h_valid && self.h > h {
            self.h = h;
        }
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Replaces the per-component factors on `atol` from the next step on.
    pub fn set_atol_scale(&mut self, scale: &[f64]) {
        self.opts.atol_scale.clear();
        self.opts.atol_scale.extend_from_slice(scale);
    }

    /// Restarts the `max_steps` budget (used by [`integrate_to`](crate::integrate_to)).
    pub fn reset_step_budget(&mut self) {
        self.budget_used = 0;
    }

    /// Take one accepted step forward, never past `t_stop`: the last step is
    /// shortened to land on `t_stop` exactly (then `t() == t_stop`
    /// bit-exactly). Does nothing if `t_stop <= t()`.
    pub fn step<S: System>(&mut self, sys: &mut S, t_stop: f64) -> Result<(), SolverError> {
        if t_stop.is_nan() || t_stop <= self.t {
            return Ok(());
        }
        self.check_shapes(sys)?;
        if self.n == 0 {
            // Nothing to integrate: one trivial step to the stop time.
            self.seg.t0 = self.t;
            self.seg.t1 = t_stop;
            self.has_seg = true;
            self.t = t_stop;
            self.stats.steps += 1;
            return Ok(());
        }
        let kind = mass::classify(sys.mass(), &mut self.mass_diag);
        match kind {
            MassKind::Identity => self.algebraic.fill(false),
            MassKind::Diagonal => {
                for (a, d) in self.algebraic.iter_mut().zip(&self.mass_diag) {
                    *a = *d == 0.0;
                }
            }
            MassKind::Full => {
                mass::differential_rows(sys.mass(), &mut self.algebraic);
                self.algebraic.iter_mut().for_each(|a| *a = !*a);
            }
        }
        if !self.h_valid {
            self.h = self.initial_step(sys, kind, t_stop)?;
            self.h_valid = true;
        }
        let mut rejected_here = false;
        let mut nonfinite = 0usize;
        let mut singular = 0usize;
        loop {
            let t = self.t;
            self.h = self.h.min(self.opts.max_step);
            let h_proposed = self.h;
            let (h, t1, last) =
                control::next_attempt(t, h_proposed, t_stop, &self.opts, &mut self.budget_used)?;
            if !self.point_current {
                self.eval_point(sys, h)?;
            }
            match self.attempt(sys, kind, h, t1)? {
                Attempt::Singular => {
                    self.stats.rejected += 1;
                    singular += 1;
                    if singular >= MAX_SINGULAR {
                        return Err(SolverError::SingularMatrix { t });
                    }
                    rejected_here = true;
                    self.h = 0.5 * h;
                }
                Attempt::NonFinite => {
                    self.stats.rejected += 1;
                    nonfinite += 1;
                    if nonfinite > MAX_NONFINITE {
                        return Err(SolverError::NonFinite { t });
                    }
                    rejected_here = true;
                    // The system may be undefined there: back off hard.
                    self.h = 0.1 * h;
                }
                Attempt::Done(err) => {
                    let mut fac = (err.powf(0.25) / SAFE).clamp(FAC_MIN, FAC_MAX);
                    if err <= 1.0 {
                        if self.accepted_since_reset > 0 {
                            // Gustafsson's predictive controller (as in
                            // rodas.f): damps step-size oscillations on stiff
                            // problems by also using the previous step's error.
                            let facgus =
                                (self.hacc / h) * (err * err / self.erracc).powf(0.25) / SAFE;
                            fac = fac.max(facgus.clamp(FAC_MIN, FAC_MAX));
                        }
                        self.hacc = h;
                        self.erracc = err.max(1e-2);
                        let mut hnew = h / fac;
                        if rejected_here {
                            // Do not grow right after a failure.
                            hnew = hnew.min(h);
                        } else if last && h < h_proposed {
                            // The step was cut short only to hit t_stop: its
                            // tiny error says little about the next step, so
                            // keep the earlier proposal unless the error
                            // itself asks for less.
                            let unclamped = h / (err.powf(0.25) / SAFE);
                            hnew = hnew.max(h_proposed.min(unclamped));
                        }
                        self.h = hnew.min(self.opts.max_step);
                        self.accept(t1);
                        return Ok(());
                    }
                    self.stats.rejected += 1;
                    rejected_here = true;
                    self.h = h / fac;
                }
            }
        }
    }

    fn check_shapes<S: System>(&self, sys: &S) -> Result<(), SolverError> {
        crate::mass::check_shapes(sys, self.n, self.t)
    }

    /// f0 = f(t, y), fx = ∂f/∂t and J = ∂f/∂y at the current point. They stay
    /// valid for every attempt from this point (a rejection only changes h).
    fn eval_point<S: System>(&mut self, sys: &mut S, h: f64) -> Result<(), SolverError> {
        let t = self.t;
        eval(sys, t, &self.y, &mut self.f0, &mut self.stats.rhs_evals)?;
        if !all_finite(&self.f0) {
            // A smaller step cannot help: the state itself is bad.
            return Err(SolverError::NonFinite { t });
        }
        derivs::time_derivative(
            sys,
            t,
            &self.y,
            &self.f0,
            h,
            &mut self.fx,
            &mut self.ftmp,
            &mut self.stats.rhs_evals,
        )?;
        derivs::jacobian(
            sys,
            t,
            &self.y,
            &self.f0,
            &self.typ,
            &self.algebraic,
            &mut self.jac,
            &mut self.fd,
            &mut self.stats.rhs_evals,
        )?;
        self.stats.jac_evals += 1;
        self.point_current = true;
        Ok(())
    }

    /// Computes the six stages for step h (ending at t1) into `k` and `ynew`.
    fn attempt<S: System>(
        &mut self,
        sys: &mut S,
        kind: MassKind,
        h: f64,
        t1: f64,
    ) -> Result<Attempt, SolverError> {
        let n = self.n;
        let t = self.t;
        mass::iteration_matrix(
            kind,
            sys.mass(),
            &self.mass_diag,
            1.0 / (h * GAMMA),
            &self.jac,
            &mut self.e,
        );
        self.stats.lu_decomps += 1;
        if !lu_factor(self.e.as_mut_slice(), n, &mut self.piv) {
            return Ok(Attempt::Singular);
        }

        // Stage 1 at the current point.
        let hd = h * D[0];
        for ((k, f), fx) in self.k[0].iter_mut().zip(&self.f0).zip(&self.fx) {
            *k = f + hd * fx;
        }
        lu_solve(self.e.as_slice(), n, &self.piv, &mut self.k[0]);

        for s in 1..6 {
            // Stage argument y + Σ a_sj k_j (for stage 6 it includes k_5).
            self.ytmp.copy_from_slice(&self.y);
            for (j, kj) in self.k[..s].iter().enumerate() {
                let a = A[s][j];
                for (yt, kv) in self.ytmp.iter_mut().zip(kj) {
                    *yt += a * kv;
                }
            }
            let ts = if C[s] == 1.0 { t1 } else { t + C[s] * h };
            eval(
                sys,
                ts,
                &self.ytmp,
                &mut self.ftmp,
                &mut self.stats.rhs_evals,
            )?;

            // M·Σ (C_sj/h) k_j
            self.comb.fill(0.0);
            for (j, kj) in self.k[..s].iter().enumerate() {
                let c = CC[s][j] / h;
                for (cv, kv) in self.comb.iter_mut().zip(kj) {
                    *cv += c * kv;
                }
            }
            let ks = &mut self.k[s];
            let hd = h * D[s];
            if hd != 0.0 {
                for ((k, f), fx) in ks.iter_mut().zip(&self.ftmp).zip(&self.fx) {
                    *k = f + hd * fx;
                }
            } else {
                ks.copy_from_slice(&self.ftmp);
            }
            mass::add_mul(kind, sys.mass(), &self.mass_diag, &self.comb, ks);
            lu_solve(self.e.as_slice(), n, &self.piv, ks);
        }

        // Stiffly accurate: the stage-6 argument plus k6 is the solution, and
        // k6 is its difference to the embedded 3rd-order solution.
        let (rtol, atol) = (self.opts.rtol, self.opts.atol);
        let scale = &self.opts.atol_scale;
        let mut sum = 0.0;
        for i in 0..n {
            let yn = self.ytmp[i] + self.k[5][i];
            self.ynew[i] = yn;
            let a = atol * scale.get(i).copied().unwrap_or(1.0);
            let sc = a + rtol * self.y[i].abs().max(yn.abs());
            let r = self.k[5][i] / sc;
            sum += r * r;
        }
        let err = (sum / n as f64).sqrt();
        if !err.is_finite() || !all_finite(&self.ynew) {
            return Ok(Attempt::NonFinite);
        }
        Ok(Attempt::Done(err))
    }

    /// Commits the attempt just computed as the step [t, t1].
    fn accept(&mut self, t1: f64) {
        control::clip_negative(&self.opts, &mut self.ynew);
        self.seg.t0 = self.t;
        self.seg.t1 = t1;
        let (n, y, ynew, k) = (self.n, &self.y, &self.ynew, &self.k);
        self.seg.fill_rodas(n, |p| {
            for i in 0..n {
                let mut d2 = 0.0;
                let mut d3 = 0.0;
                for j in 0..5 {
                    d2 += DENSE2[j] * k[j][i];
                    d3 += DENSE3[j] * k[j][i];
                }
                p.y0[i] = y[i];
                p.delta[i] = ynew[i] - y[i];
                p.d2[i] = d2;
                p.d3[i] = d3;
            }
        });
        self.has_seg = true;
        std::mem::swap(&mut self.y, &mut self.ynew);
        for (typ, v) in self.typ.iter_mut().zip(&self.y) {
            *typ = typ.max(v.abs());
        }
        self.t = t1;
        self.point_current = false;
        self.accepted_since_reset += 1;
        self.stats.steps += 1;
    }

    /// Initial step size: `Options::initial_step`, else the heuristic of
    /// Hairer & Wanner (hinit in their codes) in the scaled norm, over the
    /// differential variables only (algebraic ones have no derivative to
    /// extrapolate with).
    fn initial_step<S: System>(
        &mut self,
        sys: &mut S,
        kind: MassKind,
        t_stop: f64,
    ) -> Result<f64, SolverError> {
        let max_step = self.opts.max_step;
        if let Some(h) = self.opts.initial_step {
            if h > 0.0 && h.is_finite() {
                return Ok(h.min(max_step));
            }
        }
        let n = self.n;
        let t = self.t;
        let hmin = self.opts.min_step_ratio * t.abs().max(1.0);
        eval(sys, t, &self.y, &mut self.f0, &mut self.stats.rhs_evals)?;
        if !all_finite(&self.f0) {
            return Err(SolverError::NonFinite { t });
        }
        // ydot ≈ M⁻¹ f on the differential variables, into `comb`.
        let inv = self.derivative_estimate(sys, kind);
        let sk = |i: usize, y: f64, opts: &Options| {
            opts.atol * opts.atol_scale.get(i).copied().unwrap_or(1.0) + opts.rtol * y.abs()
        };
        let rms = |v: &dyn Fn(usize) -> f64, mask: &[bool]| -> f64 {
            let mut sum = 0.0;
            let mut cnt = 0usize;
            for (i, &m) in mask.iter().enumerate() {
                if m {
                    let x = v(i);
                    sum += x * x;
                    cnt += 1;
                }
            }
            if cnt == 0 {
                0.0
            } else {
                (sum / cnt as f64).sqrt()
            }
        };
        let d0 = rms(&|i| self.y[i] / sk(i, self.y[i], &self.opts), &self.mask);
        let d1 = rms(&|i| self.comb[i] / sk(i, self.y[i], &self.opts), &self.mask);
        let mut h0 = if d0 < 1e-5 || d1 < 1e-5 {
            1e-6
        } else {
            0.01 * d0 / d1
        };
        h0 = h0.min(max_step).min(t_stop - t).max(hmin);

        // One explicit Euler step to estimate the second derivative.
        for i in 0..n {
            self.ytmp[i] = self.y[i] + if self.mask[i] { h0 * self.comb[i] } else { 0.0 };
        }
        eval(
            sys,
            t + h0,
            &self.ytmp,
            &mut self.ftmp,
            &mut self.stats.rhs_evals,
        )?;
        let mut d2 = f64::NAN;
        if all_finite(&self.ftmp) {
            self.k[0].copy_from_slice(&self.ftmp);
            apply_inverse_mass(inv, &self.e, &self.piv, &self.mass_diag, &mut self.k[0]);
            d2 = rms(
                &|i| (self.k[0][i] - self.comb[i]) / sk(i, self.y[i], &self.opts),
                &self.mask,
            ) / h0;
        }
        if !d2.is_finite() {
            return Ok(h0);
        }
        let dm = d1.max(d2);
        // The error estimate is O(h⁴) (embedded order 3).
        let h1 = if dm <= 1e-15 {
            (h0 * 1e-3).max(1e-6)
        } else {
            (0.01 / dm).powf(0.25)
        };
        let h = (100.0 * h0).min(h1).min(max_step);
        Ok(h.max(100.0 * hmin).min(max_step))
    }

    /// Sets `mask` to the differential variables and `comb` to an estimate
    /// of y' = M⁻¹·f0 on them (0 elsewhere); returns how to repeat that.
    fn derivative_estimate<S: System>(&mut self, sys: &mut S, kind: MassKind) -> InvMass {
        let n = self.n;
        self.comb.copy_from_slice(&self.f0);
        let inv = match kind {
            MassKind::Identity => InvMass::Identity,
            MassKind::Diagonal => InvMass::Diagonal,
            MassKind::Full => match sys.mass() {
                None => InvMass::Identity,
                Some(m) => {
                    self.e.copy_from(m);
                    if lu_factor(self.e.as_mut_slice(), n, &mut self.piv) {
                        InvMass::Lu
                    } else {
                        // Singular non-diagonal M: a rough per-row estimate,
                        // f_i / (largest |M_ij| of row i), is enough for a
                        // first step that the controller then corrects.
                        // `mass_diag` is unused for a full M, so it holds
                        // the row scales.
                        for i in 0..n {
                            self.mass_diag[i] =
                                m.row(i).iter().fold(0.0_f64, |a, &b| a.max(b.abs()));
                        }
                        InvMass::Diagonal
                    }
                }
            },
        };
        for i in 0..n {
            self.mask[i] = inv != InvMass::Diagonal || self.mass_diag[i] != 0.0;
        }
        apply_inverse_mass(inv, &self.e, &self.piv, &self.mass_diag, &mut self.comb);
        inv
    }
}

/// How the initial-step heuristic turns f into y'.
#[derive(Clone, Copy, PartialEq, Eq)]
enum InvMass {
    Identity,
    /// Divide by `mass_diag`; zero entries are algebraic (y' taken as 0).
    Diagonal,
    /// Solve with the LU factors of M held in `e`.
    Lu,
}

fn apply_inverse_mass(inv: InvMass, lu: &DMatrix<f64>, piv: &[usize], diag: &[f64], v: &mut [f64]) {
    match inv {
        InvMass::Identity => {}
        InvMass::Diagonal => {
            for (x, &d) in v.iter_mut().zip(diag) {
                *x = if d != 0.0 { *x / d } else { 0.0 };
            }
        }
        InvMass::Lu => lu_solve(lu.as_slice(), v.len(), piv, v),
    }
}
