//! The DOP853 solver: the explicit Runge–Kutta method of order 8 (Dormand & Prince) with
//! Hairer's step-size control, error estimate (orders 5 and 3 combined), 7th-order dense
//! output and stiffness detection. One adaptive, accepted step at a time.
//!
//! At the tight tolerances of reference simulations (rtol 1e-10) an 8th-order method needs
//! far fewer steps than BDF's order 5 on non-stiff problems, and a step costs no Jacobian,
//! no LU and no Newton iteration. It cannot integrate stiff problems efficiently, so it
//! reports stiffness ([`Dop853::is_stiff`]) and [`Method::Auto`](crate::Method::Auto) then
//! hands the problem to BDF. Written here because no maintained crate offers it behind our
//! [`System`] trait with events-friendly dense output and the step-at-a-time API the engine
//! drives.
//!
//! All work storage is allocated in [`Dop853::new`], so `step` does not allocate.

use crate::control;
use crate::derivs::{all_finite, eval};
use crate::dop853_tableau::{A, B, BHH, C, DENSE, ER};
use crate::segment::Segment;
use crate::{Options, SolverError, Stats, System};

/// Safety factor of the step-size controller (dop853.f's SAFE).
const SAFE: f64 = 0.9;
/// h_new/h stays within [1/3, 6] per decision (dop853.f's FAC1, FAC2).
const FAC_MIN: f64 = 1.0 / 3.0;
const FAC_MAX: f64 = 6.0;
/// Consecutive non-finite attempts (each shrinking h by 10) before giving up.
const MAX_NONFINITE: usize = 15;
/// h·|λ| beyond which a step is limited by stability rather than accuracy. dop853.f uses 6.1,
/// the boundary of the stability region, but the step-size controller keeps stability-limited
/// steps just inside it (Robertson at rtol 1e-10: h·|λ| ≈ 5.5 for a thousand steps). An
/// accuracy-limited step has h·|λ| well below 1 for the modes that still matter (the local
/// error grows like (h·λ)⁹), so half the boundary separates the two regimes.
const STIFF_HLAMBDA: f64 = 3.0;
/// Stability-limited steps (without 6 consecutive unlimited ones between them) after which
/// the problem is declared stiff (dop853.f: 15).
const STIFF_COUNT: usize = 15;
const NONSTIFF_RESET: usize = 6;

/// DOP853 integrator state for `y' = f(t, y)` (no mass matrix).
pub struct Dop853 {
    n: usize,
    t: f64,
    y: Vec<f64>,
    opts: Options,
    /// Proposed size of the next step (before clipping to t_stop).
    h: f64,
    h_valid: bool,
    /// f(t, y) is in `k[0]`.
    f_current: bool,
    /// Step attempts counted against `Options::max_steps`.
    budget_used: usize,
    stats: Stats,
    /// Stages 1–16 (index 0–15); index 12 is f at the new solution.
    k: [Vec<f64>; 16],
    ynew: Vec<f64>,
    ytmp: Vec<f64>,
    /// Argument of stage 12 (for the stiffness test).
    y12: Vec<f64>,
    seg: Segment,
    has_seg: bool,
    stiff_steps: usize,
    nonstiff_steps: usize,
    stiff: bool,
    /// Steps ending before this time skip the dense output (see [`set_dense_from`](Self::set_dense_from)).
    dense_from: f64,
}

impl Dop853 {
    /// A solver at (t0, y0); the dimension is `y0.len()`.
    pub fn new(t0: f64, y0: &[f64], options: Options) -> Self {
        let n = y0.len();
        let v = || vec![0.0; n];
        Dop853 {
            n,
            t: t0,
            y: y0.to_vec(),
            opts: options,
            h: 0.0,
            h_valid: false,
            f_current: false,
            budget_used: 0,
            stats: Stats::default(),
            k: std::array::from_fn(|_| v()),
            ynew: v(),
            ytmp: v(),
            y12: v(),
            seg: Segment::dop853(n),
            has_seg: false,
            stiff_steps: 0,
            nonstiff_steps: 0,
            stiff: false,
            dense_from: f64::NEG_INFINITY,
        }
    }

    /// Dense output is only needed for steps that end at or after `t`: earlier steps skip
    /// its three extra stages (a fifth of a step's work). The caller promises not to
    /// interpolate inside such a step ([`last_segment`](Self::last_segment) is then `None`;
    /// the end point itself stays available). The default, −∞, computes it on every step.
    pub fn set_dense_from(&mut self, t: f64) {
        self.dense_from = t;
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

    /// Whether the stiffness test has fired: steps are limited by stability, not accuracy.
    pub fn is_stiff(&self) -> bool {
        self.stiff
    }

    /// Dense output over the last accepted step; before any step (or right after
    /// [`reset`](Self::reset)) it returns y.
    pub fn interpolate(&self, t: f64, out: &mut [f64]) {
        if self.has_seg {
            self.seg.eval(t, out);
        } else {
            out.iter_mut().zip(&self.y).for_each(|(o, y)| *o = *y);
        }
    }

    pub fn last_segment(&self) -> Option<&Segment> {
        self.has_seg.then_some(&self.seg)
    }

    /// Continue from a new state after a discontinuity: forget the step size and choose a
    /// fresh initial step. Also restarts the `max_steps` budget and the stiffness test.
    pub fn reset(&mut self, t: f64, y: &[f64]) {
        self.t = t;
        self.y.iter_mut().zip(y).for_each(|(d, s)| *d = *s);
        self.h_valid = false;
        self.f_current = false;
        self.budget_used = 0;
        self.has_seg = false;
        self.stiff_steps = 0;
        self.nonstiff_steps = 0;
        self.stiff = false;
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

    /// Restarts the `max_steps` budget.
    pub fn reset_step_budget(&mut self) {
        self.budget_used = 0;
    }

    /// Take one accepted step forward, never past `t_stop` (the last step lands on it
    /// exactly). Does nothing if `t_stop <= t()`. Fails on a system with a mass matrix.
    pub fn step<S: System>(&mut self, sys: &mut S, t_stop: f64) -> Result<(), SolverError> {
        if t_stop.is_nan() || t_stop <= self.t {
            return Ok(());
        }
        crate::mass::check_shapes(sys, self.n, self.t)?;
        if sys.mass().is_some() {
            return Err(SolverError::System {
                t: self.t,
                message: "the explicit DOP853 method cannot integrate algebraic equations \
                          (a mass matrix); use BDF or RODAS4"
                    .into(),
            });
        }
        if self.n == 0 {
            self.seg.t0 = self.t;
            self.seg.t1 = t_stop;
            self.has_seg = true;
            self.t = t_stop;
            self.stats.steps += 1;
            return Ok(());
        }
        if !self.f_current {
            eval(
                sys,
                self.t,
                &self.y,
                &mut self.k[0],
                &mut self.stats.rhs_evals,
            )?;
            if !all_finite(&self.k[0]) {
                return Err(SolverError::NonFinite { t: self.t });
            }
            self.f_current = true;
        }
        if !self.h_valid {
            self.h = self.initial_step(sys, t_stop)?;
            self.h_valid = true;
        }
        let mut rejected_here = false;
        let mut nonfinite = 0usize;
        loop {
            let t = self.t;
            self.h = self.h.min(self.opts.max_step);
            let h_proposed = self.h;
            let (h, t1, last) =
                control::next_attempt(t, h_proposed, t_stop, &self.opts, &mut self.budget_used)?;
            let err = self.attempt(sys, h, t1)?;
            let mut finite = err.is_finite();
            if finite && err <= 1.0 {
                // f at the new solution: the next step's first stage and the dense output's.
                eval(
                    sys,
                    t1,
                    &self.ynew,
                    &mut self.k[12],
                    &mut self.stats.rhs_evals,
                )?;
                finite = all_finite(&self.k[12]);
            }
            if !finite {
                self.stats.rejected += 1;
                nonfinite += 1;
                if nonfinite > MAX_NONFINITE {
                    return Err(SolverError::NonFinite { t });
                }
                rejected_here = true;
                // The system may be undefined there: back off hard.
                self.h = 0.1 * h;
                continue;
            }
            let fac11 = err.powf(0.125);
            if err <= 1.0 {
                self.stiffness_test(h);
                let fac = (fac11 / SAFE).clamp(1.0 / FAC_MAX, 1.0 / FAC_MIN);
                let mut hnew = h / fac;
                if rejected_here {
                    hnew = hnew.min(h);
                } else if last && h < h_proposed {
                    // Cut short only to hit t_stop: keep the earlier proposal unless the
                    // error itself asks for less.
                    hnew = hnew.max(h_proposed.min(h / (fac11 / SAFE)));
                }
                if t1 >= self.dense_from {
                    self.dense_output(sys, h, t1)?;
                } else {
                    self.has_seg = false;
                }
                self.accept(t1);
                self.h = hnew.min(self.opts.max_step);
                return Ok(());
            }
            self.stats.rejected += 1;
            rejected_here = true;
            self.h = h / (fac11 / SAFE).min(1.0 / FAC_MIN);
        }
    }

    /// Stages 2–12 for step h from (t, y) with k[0] = f(t, y); the new solution into `ynew`.
    /// Returns the scaled error norm (non-finite when the stages are).
    fn attempt<S: System>(&mut self, sys: &mut S, h: f64, t1: f64) -> Result<f64, SolverError> {
        let t = self.t;
        for (s, &cs) in C.iter().enumerate().take(12).skip(1) {
            self.stage_argument(s, h);
            let ts = if s == 11 { t1 } else { t + cs * h };
            if s == 11 {
                self.y12.copy_from_slice(&self.ytmp);
            }
            eval(
                sys,
                ts,
                &self.ytmp,
                &mut self.k[s],
                &mut self.stats.rhs_evals,
            )?;
        }
        let n = self.n;
        let (rtol, atol) = (self.opts.rtol, self.opts.atol);
        let scale = &self.opts.atol_scale;
        let (mut err5, mut err3) = (0.0, 0.0);
        for i in 0..n {
            let incr: f64 = B.iter().map(|&(j, b)| b * self.k[j - 1][i]).sum();
            let yn = self.y[i] + h * incr;
            self.ynew[i] = yn;
            let sk =
                atol * scale.get(i).copied().unwrap_or(1.0) + rtol * self.y[i].abs().max(yn.abs());
            let e3 = incr - BHH.iter().map(|&(j, b)| b * self.k[j - 1][i]).sum::<f64>();
            let e5: f64 = ER.iter().map(|&(j, e)| e * self.k[j - 1][i]).sum();
            err3 += (e3 / sk) * (e3 / sk);
            err5 += (e5 / sk) * (e5 / sk);
        }
        if !all_finite(&self.ynew) {
            return Ok(f64::NAN);
        }
        // dop853.f's combination of the two estimators: the 5th-order one, damped where the
        // 3rd-order one is much larger (an estimate that behaves like O(h^8)).
        let mut deno = err5 + 0.01 * err3;
        if deno <= 0.0 {
            deno = 1.0;
        }
        Ok(h.abs() * err5 * (1.0 / (n as f64 * deno)).sqrt())
    }

    /// ytmp = y + h·Σ_j a_sj k_j for the 0-based stage s.
    fn stage_argument(&mut self, s: usize, h: f64) {
        self.ytmp.copy_from_slice(&self.y);
        for &(j, a) in A[s] {
            let ha = h * a;
            for (yt, kv) in self.ytmp.iter_mut().zip(&self.k[j - 1]) {
                *yt += ha * kv;
            }
        }
    }

    /// Hairer's test: h·|λ| ≈ h·‖f(y_new) − f(y12)‖ / ‖y_new − y12‖ beyond the stability
    /// boundary on many steps means the step size is set by stability.
    fn stiffness_test(&mut self, h: f64) {
        let (mut num, mut den) = (0.0, 0.0);
        for i in 0..self.n {
            let df = self.k[12][i] - self.k[11][i];
            let dy = self.ynew[i] - self.y12[i];
            num += df * df;
            den += dy * dy;
        }
        if den <= 0.0 {
            return;
        }
        if h.abs() * (num / den).sqrt() > STIFF_HLAMBDA {
            self.nonstiff_steps = 0;
            self.stiff_steps += 1;
            if self.stiff_steps >= STIFF_COUNT {
                self.stiff = true;
            }
        } else {
            self.nonstiff_steps += 1;
            if self.nonstiff_steps >= NONSTIFF_RESET {
                self.stiff_steps = 0;
            }
        }
    }

    /// The 7th-order continuous extension of the step [t, t1] (three more stages).
    fn dense_output<S: System>(&mut self, sys: &mut S, h: f64, t1: f64) -> Result<(), SolverError> {
        let t = self.t;
        for (s, &cs) in C.iter().enumerate().skip(13) {
            self.stage_argument(s, h);
            eval(
                sys,
                t + cs * h,
                &self.ytmp,
                &mut self.k[s],
                &mut self.stats.rhs_evals,
            )?;
        }
        let (n, y, ynew, k) = (self.n, &self.y, &self.ynew, &self.k);
        self.seg.t0 = t;
        self.seg.t1 = t1;
        self.seg.fill_dop853(n, |r| {
            for i in 0..n {
                let ydiff = ynew[i] - y[i];
                let bspl = h * k[0][i] - ydiff;
                r[i] = y[i];
                r[n + i] = ydiff;
                r[2 * n + i] = bspl;
                r[3 * n + i] = ydiff - h * k[12][i] - bspl;
                for (row, d) in DENSE.iter().enumerate() {
                    let sum: f64 = d.iter().map(|&(j, c)| c * k[j - 1][i]).sum();
                    r[(4 + row) * n + i] = h * sum;
                }
                r[8 * n + i] = ynew[i];
            }
        });
        self.has_seg = true;
        Ok(())
    }

    /// Commits the attempt just computed as the step [t, t1].
    fn accept(&mut self, t1: f64) {
        if control::clip_negative(&self.opts, &mut self.ynew) {
            // f at the clipped point is not k[12]; recompute on the next step.
            self.f_current = false;
        }
        std::mem::swap(&mut self.y, &mut self.ynew);
        if self.f_current {
            self.k.swap(0, 12);
        }
        self.t = t1;
        self.stats.steps += 1;
    }

    /// Initial step size: `Options::initial_step`, else Hairer & Wanner's heuristic (hinit
    /// of dop853.f) for an 8th-order method, from k[0] = f(t, y).
    fn initial_step<S: System>(&mut self, sys: &mut S, t_stop: f64) -> Result<f64, SolverError> {
        let max_step = self.opts.max_step;
        if let Some(h) = self.opts.initial_step {
            if h > 0.0 && h.is_finite() {
                return Ok(h.min(max_step));
            }
        }
        let n = self.n;
        let t = self.t;
        let hmin = self.opts.min_step_ratio * t.abs().max(1.0);
        let opts = &self.opts;
        let sk = |i: usize, y: f64| {
            opts.atol * opts.atol_scale.get(i).copied().unwrap_or(1.0) + opts.rtol * y.abs()
        };
        let rms = |v: &dyn Fn(usize) -> f64| -> f64 {
            ((0..n).map(|i| v(i) * v(i)).sum::<f64>() / n as f64).sqrt()
        };
        let d0 = rms(&|i| self.y[i] / sk(i, self.y[i]));
        let d1 = rms(&|i| self.k[0][i] / sk(i, self.y[i]));
        let mut h0 = if d0 < 1e-10 || d1 < 1e-10 {
            1e-6
        } else {
            0.01 * d0 / d1
        };
        h0 = h0.min(max_step).min(t_stop - t).max(hmin);
        for i in 0..n {
            self.ytmp[i] = self.y[i] + h0 * self.k[0][i];
        }
        eval(
            sys,
            t + h0,
            &self.ytmp,
            &mut self.k[1],
            &mut self.stats.rhs_evals,
        )?;
        let d2 = rms(&|i| (self.k[1][i] - self.k[0][i]) / sk(i, self.y[i])) / h0;
        if !d2.is_finite() {
            return Ok(h0);
        }
        let dm = d1.max(d2);
        let h1 = if dm <= 1e-15 {
            (h0 * 1e-3).max(1e-6)
        } else {
            (0.01 / dm).powf(1.0 / 8.0)
        };
        Ok((100.0 * h0).min(h1).min(max_step).max(hmin))
    }
}
