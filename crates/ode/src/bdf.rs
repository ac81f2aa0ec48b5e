//! The variable-order (1–5), variable-step BDF solver [`Bdf`]: the
//! numerical differentiation formulas (NDF) of Shampine & Reichelt ("The
//! MATLAB ODE suite", SIAM J. Sci. Comput. 18, 1997) for orders 1–4 and
//! BDF5 for order 5, as in ode15s and scipy's `BDF`, for `M·y' = f(t, y)`.
//!
//! This module owns the backward-difference history and its rescaling when
//! h changes (quasi-constant step size), the simplified Newton iteration
//! with reuse of the Jacobian and of the LU factors across steps, the local
//! error estimate, the order and step-size selection and the dense output
//! of each step.
//!
//! Why this method next to RODAS4: a Rosenbrock method needs a Jacobian and
//! an LU factorisation on every step, and its number of steps grows quickly
//! at tight tolerances. BDF methods reach order 5 and factorise only when h
//! changes a lot or Newton stalls, which makes large stiff networks at
//! tight tolerances much cheaper (the approach of CVODE and ode15s).
//!
//! DAEs (singular M): the Newton iteration solves the algebraic rows
//! exactly, and algebraic variables take part in the error test like the
//! differential ones (as in DASSL and ode15s): their BDF error is of the
//! same order, being inherited from the differential variables.
//!
//! All work storage is allocated in [`Bdf::new`], so `step` does not
//! allocate.

use nalgebra::DMatrix;

use crate::derivs::{self, all_finite, eval};
use crate::linalg::{lu_factor, lu_solve};
use crate::mass::{self, MassKind};
use crate::segment::Segment;
use crate::sparse::SparseLinear;
use crate::{Options, SolverError, Stats, System};

/// Highest order.
pub(crate) const MAX_ORDER: usize = 5;
/// Rows of the difference array: orders 0..=MAX_ORDER, plus ∇^{q+1} (the
/// last correction) and ∇^{q+2}, used to estimate the error of order q + 1.
const ROWS: usize = MAX_ORDER + 3;
/// Newton iterations per attempt (ode15s and scipy use 4).
const NEWTON_MAXITER: usize = 4;
/// Step-size bounds per decision: at most 5× smaller after a failed error
/// test, at most 10× larger.
const MIN_FACTOR: f64 = 0.2;
const MAX_FACTOR: f64 = 10.0;
/// New step sizes aim at an error estimate of 1/BIAS of the tolerance
/// (1/BIAS_UP for a higher order, whose estimate is less reliable): CVODE's
/// BIAS2 and BIAS3. Without such a margin (as in scipy) the global error
/// ends up 10-100× the tolerance; with it, BDF is about as accurate at a
/// given tolerance as CVODE (libRoadRunner) and RODAS4.
const BIAS: f64 = 6.0;
const BIAS_UP: f64 = 10.0;
/// Newton accuracy asked for, in the scaled norm of the error test (whose
/// bound is 1): ode15s and scipy use 0.03–0.05.
const NEWTON_TOL: f64 = 0.03;
/// A contraction rate measured more than this many steps ago is not trusted
/// to stop Newton after one correction: the Jacobian ages as the solution
/// moves, and only a second correction reveals a modified Newton iteration
/// that no longer converges (which then refreshes J).
const RATE_MEMORY: usize = 10;
/// Step reduction after a Newton failure with a fresh Jacobian (ode15s).
const NEWTON_CUT: f64 = 0.3;
/// Step reduction after non-finite values (the model may be undefined
/// there: back off hard).
const NONFINITE_CUT: f64 = 0.25;
/// The LU factors of M − c_old·J are reused while |c/c_old − 1| stays below
/// this; the Newton correction is rescaled to compensate. CVODE uses 0.3;
/// on the test problems 0.5 saves a quarter of the factorisations (O(n³))
/// for about 5% more Newton iterations (O(n²) each).
const LU_REUSE: f64 = 0.5;
/// A step-size increase smaller than this factor is not worth it: keeping h
/// keeps the LU factors and the equal-step history (CVODE keeps h below 1.5).
const HOLD: f64 = 1.2;
/// Consecutive non-finite attempts before giving up.
const MAX_NONFINITE: usize = 15;
/// Consecutive singular iteration matrices (each halving h) before giving up.
const MAX_SINGULAR: usize = 5;
/// NDF coefficients κ_q (Shampine & Reichelt, table 1); κ_5 = 0 is BDF5.
/// Index 0 and 6 are placeholders that keep the formulas uniform.
const KAPPA: [f64; MAX_ORDER + 2] = [0.0, -0.1850, -1.0 / 9.0, -0.0823, -0.0415, 0.0, 0.0];

/// Method coefficients per order q: γ_q = Σ_{j≤q} 1/j, α_q = (1 − κ_q)·γ_q
/// (the NDF reads α_q·(y − y_pred) + Σ_{j≤q} γ_j ∇^j y_pred = h·f, times M
/// on the left) and the error constant κ_q·γ_q + 1/(q + 1) that turns the
/// correction y − y_pred ≈ ∇^{q+1} y into the local error.
#[derive(Clone, Copy, Debug)]
struct Coefficients {
    gamma: [f64; MAX_ORDER + 2],
    alpha: [f64; MAX_ORDER + 2],
    err: [f64; MAX_ORDER + 2],
}

impl Coefficients {
    fn ndf() -> Self {
        let mut c = Coefficients {
            gamma: [0.0; MAX_ORDER + 2],
            alpha: [0.0; MAX_ORDER + 2],
            err: [0.0; MAX_ORDER + 2],
        };
        for q in 1..MAX_ORDER + 2 {
            c.gamma[q] = c.gamma[q - 1] + 1.0 / q as f64;
        }
        for (q, kappa) in KAPPA.iter().enumerate() {
            c.alpha[q] = (1.0 - kappa) * c.gamma[q];
            c.err[q] = kappa * c.gamma[q] + 1.0 / (q + 1) as f64;
        }
        c
    }
}

/// Outcome of the Newton iteration of one attempt.
enum Newton {
    /// Converged after this many iterations.
    Converged(usize),
    /// Diverged, or converging too slowly to finish in time.
    Failed,
    /// f was NaN or infinite at an iterate.
    NonFinite,
}

/// How the starting derivative y'(t0) is obtained from f.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Deriv {
    /// y' = f.
    Identity,
    /// y' = f / diag(M), M diagonal and invertible.
    Diagonal,
    /// Solve with the LU factors (in `lu`) of M whose algebraic rows are
    /// replaced by those of ∂f/∂y: differentiating 0 = f_i(t, y) gives
    /// J_i·y' = −∂f_i/∂t. This is the y' consistent with the constraints.
    Lu,
    /// That matrix is singular: a per-row estimate, f_i over row i's
    /// largest |M_ij| (0 for algebraic rows), that the controller corrects.
    Rough,
}

/// Variable-order BDF/NDF integrator state for `M·y' = f(t, y)`.
pub struct Bdf {
    n: usize,
    t: f64,
    opts: Options,
    /// Absolute tolerance per component (`atol · atol_scale[i]`).
    atol: Vec<f64>,
    coef: Coefficients,
    /// Backward differences ∇^k y at t for steps of size h, row k at k·n
    /// (quasi-constant step size: the history is re-expressed whenever h
    /// changes). Row 0 is y itself.
    dif: Vec<f64>,
    /// Step size the differences are scaled for (the next step's size).
    h: f64,
    order: usize,
    /// Steps taken since the last change of h or order.
    n_equal: usize,
    /// False until the history is set up (after `new` and `reset`).
    started: bool,
    /// Step attempts counted against `Options::max_steps`.
    budget_used: usize,
    stats: Stats,
    /// Dense J (0×0 when the sparse solver is used).
    jac: DMatrix<f64>,
    /// J and the factors of M/c − J stored sparsely, for large systems (see
    /// [`Options::linear_solver`]); `None` = the dense `jac`, `lu` and `piv`.
    sparse: Option<Box<SparseLinear>>,
    /// Dense or sparse storage has been chosen (at the first step, when the system is known).
    storage_chosen: bool,
    /// Size of the Jacobian block (see [`System::jacobian_block`]): `n` unless the system
    /// is made of coupled copies sharing one block.
    block: usize,
    jac_valid: bool,
    /// J was evaluated during the current step (refreshing it again cannot help).
    jac_current: bool,
    /// LU factors of M/c − J, factorised for c = `lu_c` (0×0 when sparse).
    lu: DMatrix<f64>,
    piv: Vec<usize>,
    lu_c: f64,
    lu_valid: bool,
    /// Last observed Newton contraction rate (kept while J is unchanged),
    /// lets the iteration stop after one correction.
    rate: Option<f64>,
    /// Steps accepted since `rate` was measured.
    rate_age: usize,
    /// Newton accuracy asked for, in the error-test norm.
    newton_tol: f64,
    ypred: Vec<f64>,
    psi: Vec<f64>,
    ynew: Vec<f64>,
    /// The correction y_new − y_pred (≈ ∇^{q+1} y_new).
    d: Vec<f64>,
    f: Vec<f64>,
    /// f at the predicted point, from the first Newton iteration (the
    /// base point of a finite-difference Jacobian there).
    fpred: Vec<f64>,
    rhs: Vec<f64>,
    tmp: Vec<f64>,
    scale: Vec<f64>,
    mass_diag: Vec<f64>,
    /// Rows of M that are entirely zero (algebraic equations).
    algebraic: Vec<bool>,
    fd: derivs::FdWork,
    /// Largest |y_j| seen: the scale of finite-difference increments.
    typ: Vec<f64>,
    seg: Segment,
    has_seg: bool,
}

impl Bdf {
    /// A solver at (t0, y0); the dimension is `y0.len()`.
    pub fn new(t0: f64, y0: &[f64], options: Options) -> Self {
        let n = y0.len();
        let v = || vec![0.0; n];
        let mut dif = vec![0.0; ROWS * n];
        dif[..n].copy_from_slice(y0);
        let atol = (0..n)
            .map(|i| options.atol * options.atol_scale.get(i).copied().unwrap_or(1.0))
            .collect();
        // In the scaled norm the error test asks for ≤ 1; Newton is stopped
        // well below that (ode15s, scipy), but not below what rounding in y
        // allows.
        let newton_tol = NEWTON_TOL.max(10.0 * f64::EPSILON / options.rtol);
        Bdf {
            n,
            t: t0,
            opts: options,
            atol,
            coef: Coefficients::ndf(),
            dif,
            h: 0.0,
            order: 1,
            n_equal: 0,
            started: false,
            budget_used: 0,
            stats: Stats::default(),
            jac: DMatrix::zeros(0, 0),
            sparse: None,
            storage_chosen: false,
            block: n,
            jac_valid: false,
            jac_current: false,
            lu: DMatrix::zeros(0, 0),
            piv: Vec::new(),
            lu_c: 0.0,
            lu_valid: false,
            rate: None,
            rate_age: 0,
            newton_tol,
            ypred: v(),
            psi: v(),
            ynew: v(),
            d: v(),
            f: v(),
            fpred: v(),
            rhs: v(),
            tmp: v(),
            scale: v(),
            mass_diag: v(),
            algebraic: vec![false; n],
            fd: derivs::FdWork::new(n),
            typ: y0.iter().map(|x| x.abs()).collect(),
            seg: Segment::backward(n, MAX_ORDER),
            has_seg: false,
        }
    }

    pub fn t(&self) -> f64 {
        self.t
    }

    pub fn y(&self) -> &[f64] {
        &self.dif[..self.n]
    }

    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// Current order (1..=5) of the method.
    pub fn order(&self) -> usize {
        self.order
    }

    /// Dense output over the last accepted step (t in [t_prev, t]): the
    /// interpolating polynomial of the step's order. Before any step (or
    /// right after [`reset`](Self::reset)) it returns y.
    pub fn interpolate(&self, t: f64, out: &mut [f64]) {
        if self.has_seg {
            self.seg.eval(t, out);
        } else {
            for (o, y) in out.iter_mut().zip(self.y()) {
                *o = *y;
            }
        }
    }

    pub fn last_segment(&self) -> Option<&Segment> {
        self.has_seg.then_some(&self.seg)
    }

    /// Continue from a new state after a discontinuity (events): restart at
    /// order 1 with a fresh initial step on the next call. The Jacobian is
    /// kept for ODEs (Newton refreshes it if it no longer fits). Also
    /// restarts the `max_steps` budget.
    pub fn reset(&mut self, t: f64, y: &[f64]) {
        self.t = t;
        for (dst, src) in self.dif[..self.n].iter_mut().zip(y) {
            *dst = *src;
        }
        for (typ, v) in self.typ.iter_mut().zip(&self.dif[..self.n]) {
            *typ = typ.max(v.abs());
        }
        self.started = false;
        self.order = 1;
        self.budget_used = 0;
        self.has_seg = false;
        self.jac_current = false;
    }

    pub fn set_max_step(&mut self, h: f64) {
        // Applied (by rescaling the history) at the next step.
        self.opts.max_step = h;
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Restarts the `max_steps` budget (used by [`integrate_to`](crate::integrate_to)).
    pub fn reset_step_budget(&mut self) {
        self.budget_used = 0;
    }

    /// Replaces the per-component factors on `atol` from the next step on (a caller whose
    /// components' natural scales move during the run, such as sensitivities).
    pub fn set_atol_scale(&mut self, scale: &[f64]) {
        for (i, a) in self.atol.iter_mut().enumerate() {
            *a = self.opts.atol * scale.get(i).copied().unwrap_or(1.0);
        }
        self.opts.atol_scale.clear();
        self.opts.atol_scale.extend_from_slice(scale);
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
            self.seg
                .set_backward(self.t, t_stop, t_stop - self.t, 0, 0, &[]);
            self.has_seg = true;
            self.t = t_stop;
            self.stats.steps += 1;
            return Ok(());
        }
        let kind = self.classify(sys);
        if !self.storage_chosen {
            self.choose_storage(sys, kind)?;
        }
        if !self.started {
            self.start(sys, kind, t_stop)?;
        }
        let mut error_fails = 0usize;
        let mut nonfinite = 0usize;
        let mut singular = 0usize;
        let mut rejected_here = false;
        let mut want_lu = false;
        // Step size proposed before the step was shortened to hit t_stop.
        let mut resume: Option<f64> = None;
        loop {
            let t = self.t;
            if self.h > self.opts.max_step {
                self.change_step(self.opts.max_step / self.h);
            }
            let hmin = self.opts.min_step_ratio * t.abs().max(1.0);
            // t + h == t would not advance.
            if self.h.is_nan() || self.h < hmin || t + self.h == t {
                return Err(SolverError::StepTooSmall { t, h: self.h });
            }
            if self.budget_used >= self.opts.max_steps {
                return Err(SolverError::TooManySteps {
                    t,
                    steps: self.budget_used,
                });
            }
            self.budget_used += 1;
            // Stretch by up to 1e-4 rather than leave a sliver of a step.
            let t_new = if t + 1.0001 * self.h >= t_stop {
                let hs = t_stop - t;
                if hs < self.h && !rejected_here {
                    resume.get_or_insert(self.h);
                }
                if hs != self.h {
                    self.change_step(hs / self.h);
                    self.h = hs;
                }
                t_stop
            } else {
                t + self.h
            };
            let q = self.order;
            let c = self.h / self.coef.alpha[q];
            self.predict(q);

            if !self.jac_valid {
                // A Jacobian evaluation failed part-way: start again from
                // the current (valid) point.
                eval(
                    sys,
                    t,
                    &self.dif[..self.n],
                    &mut self.f,
                    &mut self.stats.rhs_evals,
                )?;
                self.jacobian_at(sys, t, false)?;
            }
            let stale = (c / self.lu_c - 1.0).abs() > LU_REUSE;
            if want_lu || !self.lu_valid || stale {
                want_lu = false;
                if !self.factor(sys, kind, c)? {
                    if !self.jac_current {
                        // The Jacobian may be stale: the matrix built from a
                        // fresh one may be regular.
                        eval(
                            sys,
                            t,
                            &self.dif[..self.n],
                            &mut self.f,
                            &mut self.stats.rhs_evals,
                        )?;
                        if all_finite(&self.f) && self.jacobian_at(sys, t, false)? {
                            want_lu = true;
                            continue;
                        }
                    }
                    self.stats.rejected += 1;
                    singular += 1;
                    if singular >= MAX_SINGULAR {
                        return Err(SolverError::SingularMatrix { t });
                    }
                    rejected_here = true;
                    resume = None;
                    self.change_step(0.5);
                    continue;
                }
            }
            let outcome = self.newton(sys, kind, t_new, c)?;
            let iters = match outcome {
                Newton::Converged(iters) => iters,
                Newton::Failed => {
                    if self.lu_c != c {
                        // First remedy: factors for the current h.
                        want_lu = true;
                        continue;
                    }
                    if !self.jac_current {
                        // Second: a Jacobian at the predicted point (f there
                        // is known from the first iteration).
                        if self.jacobian_at(sys, t_new, true)? {
                            want_lu = true;
                            continue;
                        }
                        // f is not finite near the predicted point.
                    } else {
                        // Last: a shorter step.
                        self.stats.rejected += 1;
                        rejected_here = true;
                        resume = None;
                        self.change_step(NEWTON_CUT);
                        continue;
                    }
                    0
                }
                Newton::NonFinite => 0,
            };
            let err = if iters > 0 {
                self.error_norm(q)
            } else {
                f64::NAN
            };
            if !err.is_finite() || !all_finite(&self.ynew) {
                self.stats.rejected += 1;
                nonfinite += 1;
                if nonfinite > MAX_NONFINITE {
                    return Err(SolverError::NonFinite { t });
                }
                rejected_here = true;
                resume = None;
                self.change_step(NONFINITE_CUT);
                continue;
            }
            // More Newton iterations → a less safe step size to grow
            // (scipy's factor, without its extra 0.9: BIAS plays that role).
            let safety = (2 * NEWTON_MAXITER + 1) as f64 / (2 * NEWTON_MAXITER + iters) as f64;
            if err > 1.0 {
                self.stats.rejected += 1;
                error_fails += 1;
                rejected_here = true;
                resume = None;
                let factor =
                    (safety * (BIAS * err).powf(-1.0 / (q + 1) as f64)).clamp(MIN_FACTOR, 0.9);
                if error_fails >= 2 && q > 1 {
                    // Repeated failures: the high-order history is not to be
                    // trusted (a sudden change of the solution).
                    self.order = q - 1;
                }
                self.change_step(factor);
                continue;
            }
            self.accept(t_new);
            if let Some(h_prop) = resume {
                // The step was cut short only to hit t_stop: go back to the
                // earlier proposal, or further if this step's error allows
                // (else a caller stopping every few steps would freeze h, as
                // the regular selection needs q + 1 equal steps). Bounded
                // like any increase.
                let by_error = self.h * safety * (BIAS * err).powf(-1.0 / (q + 1) as f64);
                let factor = (h_prop.max(by_error) / self.h).min(MAX_FACTOR);
                if factor > 1.0 {
                    self.change_step(factor);
                }
            } else if self.n_equal > q {
                self.select(q, err, safety);
            }
            return Ok(());
        }
    }

    fn check_shapes<S: System>(&self, sys: &S) -> Result<(), SolverError> {
        crate::mass::check_shapes(sys, self.n, self.t)
    }

    /// Classifies M and marks the algebraic rows.
    fn classify<S: System>(&mut self, sys: &S) -> MassKind {
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
        kind
    }

    /// Chooses dense or sparse storage for J and the iteration matrix (once: the pattern and
    /// the mass matrix are fixed) and allocates it.
    fn choose_storage<S: System>(&mut self, sys: &S, kind: MassKind) -> Result<(), SolverError> {
        if let Some(b) = sys.jacobian_block() {
            if b == 0 || !self.n.is_multiple_of(b) || kind != MassKind::Identity {
                return Err(SolverError::System {
                    t: self.t,
                    message: format!(
                        "a Jacobian block of {b} does not divide a system of {} variables with an identity mass matrix",
                        self.n
                    ),
                });
            }
            self.block = b;
        }
        let n = self.block;
        let eligible = kind != MassKind::Full && !self.algebraic.iter().any(|&a| a);
        let pattern = if eligible {
            sys.jacobian_pattern()
        } else {
            None
        };
        match pattern.filter(|p| self.opts.linear_solver.sparse_for(n, p.nnz())) {
            Some(p) => {
                let sparse = SparseLinear::new(n, &p)
                    .map_err(|message| SolverError::LinearAlgebra { t: self.t, message })?;
                self.sparse = Some(Box::new(sparse));
            }
            None => {
                self.jac = DMatrix::zeros(n, n);
                self.lu = DMatrix::zeros(n, n);
                self.piv = vec![0; n];
            }
        }
        self.storage_chosen = true;
        Ok(())
    }

    /// Solves (M/c − J)·x = b in place with the current factors (block by block).
    fn solve_iteration(&mut self, b: &mut [f64]) {
        for part in b.chunks_exact_mut(self.block) {
            match &mut self.sparse {
                Some(sp) => sp.solve(part),
                None => lu_solve(self.lu.as_slice(), self.block, &self.piv, part),
            }
        }
    }

    /// Sets up the history at order 1: y, h·y'(t) and the first step size.
    fn start<S: System>(
        &mut self,
        sys: &mut S,
        kind: MassKind,
        t_stop: f64,
    ) -> Result<(), SolverError> {
        let n = self.n;
        let t = self.t;
        eval(
            sys,
            t,
            &self.dif[..n],
            &mut self.f,
            &mut self.stats.rhs_evals,
        )?;
        if !all_finite(&self.f) {
            // A smaller step cannot help: the state itself is bad.
            return Err(SolverError::NonFinite { t });
        }
        // J is needed for the first factorisation and, with algebraic rows,
        // for y'; after a reset of an ODE the old one is kept (Newton
        // refreshes it if it no longer fits).
        if !self.jac_valid || self.algebraic.iter().any(|&a| a) {
            self.jacobian_at(sys, t, false)?;
        }
        let max_step = self.opts.max_step;
        let requested = self.opts.initial_step.filter(|h| *h > 0.0 && h.is_finite());
        let how = self.derivative_setup(sys, kind, requested.unwrap_or(1e-3 * t.abs().max(1.0)))?;
        // y'(t) into psi (free until the first step).
        apply_derivative(
            how,
            &self.lu,
            &self.piv,
            &self.mass_diag,
            &self.algebraic,
            &self.rhs,
            &self.f,
            &mut self.psi,
        );
        let h = match requested {
            Some(h) => h.min(max_step),
            None => self.initial_step(sys, how, t_stop)?,
        };
        self.h = h;
        let rest = &mut self.dif[n..];
        for (d1, yp) in rest[..n].iter_mut().zip(&self.psi) {
            *d1 = h * yp;
        }
        rest[n..].fill(0.0);
        self.order = 1;
        self.n_equal = 0;
        self.started = true;
        Ok(())
    }

    /// Prepares the computation of y' from f (see [`Deriv`]). Unless M is
    /// the identity or an invertible diagonal, this factorises the modified
    /// mass matrix into `lu` (so the iteration matrix must be factorised
    /// afresh) and leaves ∂f/∂t of the algebraic rows in `rhs`; `h` sets the
    /// time increment of that difference quotient.
    fn derivative_setup<S: System>(
        &mut self,
        sys: &mut S,
        kind: MassKind,
        h: f64,
    ) -> Result<Deriv, SolverError> {
        let n = self.n;
        let any_algebraic = self.algebraic.iter().any(|&a| a);
        match kind {
            MassKind::Identity => return Ok(Deriv::Identity),
            MassKind::Diagonal if !any_algebraic => return Ok(Deriv::Diagonal),
            _ => {}
        }
        if any_algebraic {
            derivs::time_derivative(
                sys,
                self.t,
                &self.dif[..n],
                &self.f,
                h,
                &mut self.rhs,
                &mut self.tmp,
                &mut self.stats.rhs_evals,
            )?;
        } else {
            self.rhs.fill(0.0);
        }
        let m = sys.mass();
        for j in 0..n {
            for i in 0..n {
                self.lu[(i, j)] = if self.algebraic[i] {
                    self.jac[(i, j)]
                } else {
                    match (kind, m) {
                        (MassKind::Full, Some(m)) => m[(i, j)],
                        _ if i == j => self.mass_diag[i],
                        _ => 0.0,
                    }
                };
            }
        }
        self.lu_valid = false;
        self.stats.lu_decomps += 1;
        if lu_factor(self.lu.as_mut_slice(), n, &mut self.piv) {
            return Ok(Deriv::Lu);
        }
        // Row scales of M for the rough estimate, kept in `mass_diag`
        // (unused for a full M; for a diagonal M they are the diagonal).
        if let (MassKind::Full, Some(m)) = (kind, m) {
            for i in 0..n {
                self.mass_diag[i] = m.row(i).iter().fold(0.0_f64, |a, &b| a.max(b.abs()));
            }
        }
        Ok(Deriv::Rough)
    }

    /// Initial step size for order 1: the heuristic of Hairer & Wanner
    /// (hinit in their codes, also scipy's) in the scaled norm, with the
    /// second derivative estimated from one explicit Euler step.
    fn initial_step<S: System>(
        &mut self,
        sys: &mut S,
        how: Deriv,
        t_stop: f64,
    ) -> Result<f64, SolverError> {
        let n = self.n;
        let t = self.t;
        let max_step = self.opts.max_step;
        let hmin = self.opts.min_step_ratio * t.abs().max(1.0);
        let rtol = self.opts.rtol;
        for i in 0..n {
            self.scale[i] = self.atol[i] + rtol * self.dif[i].abs();
        }
        let d0 = rms_scaled(&self.dif[..n], &self.scale);
        let d1 = rms_scaled(&self.psi, &self.scale);
        let mut h0 = if d0 < 1e-5 || d1 < 1e-5 {
            1e-6
        } else {
            0.01 * d0 / d1
        };
        h0 = h0.min(max_step).min(t_stop - t).max(hmin);
        for i in 0..n {
            self.ypred[i] = self.dif[i] + h0 * self.psi[i];
        }
        eval(
            sys,
            t + h0,
            &self.ypred,
            &mut self.fpred,
            &mut self.stats.rhs_evals,
        )?;
        let mut d2 = f64::NAN;
        if all_finite(&self.fpred) {
            apply_derivative(
                how,
                &self.lu,
                &self.piv,
                &self.mass_diag,
                &self.algebraic,
                &self.rhs,
                &self.fpred,
                &mut self.tmp,
            );
            for i in 0..n {
                self.tmp[i] -= self.psi[i];
            }
            d2 = rms_scaled(&self.tmp, &self.scale) / h0;
        }
        if !d2.is_finite() {
            return Ok(h0);
        }
        let dm = d1.max(d2);
        // The local error of order 1 is O(h²).
        let h1 = if dm <= 1e-15 {
            (h0 * 1e-3).max(1e-6)
        } else {
            (0.01 / dm).sqrt()
        };
        let h = (100.0 * h0).min(h1).min(max_step);
        Ok(h.max(100.0 * hmin).min(max_step))
    }

    /// Evaluates J at (t, y) (f there in `f`) or, with `at_pred`, at the
    /// predicted point (f there in `fpred`). Returns false when f is not
    /// finite near the predicted point (a shorter step may avoid that).
    fn jacobian_at<S: System>(
        &mut self,
        sys: &mut S,
        t: f64,
        at_pred: bool,
    ) -> Result<bool, SolverError> {
        let n = self.n;
        let (y, f0) = if at_pred {
            (&self.ypred[..], &self.fpred[..])
        } else {
            (&self.dif[..n], &self.f[..])
        };
        let result = match &mut self.sparse {
            Some(sp) => sparse_jacobian(sys, t, y, sp.jacobian_mut()),
            None => derivs::jacobian(
                sys,
                t,
                y,
                f0,
                &self.typ,
                &self.algebraic,
                &mut self.jac,
                &mut self.fd,
                &mut self.stats.rhs_evals,
            ),
        };
        match result {
            Ok(()) => {}
            Err(SolverError::NonFinite { .. }) if at_pred => {
                // `jac` is partly overwritten: rebuild it before next use.
                self.jac_valid = false;
                return Ok(false);
            }
            Err(e) => return Err(e),
        }
        self.stats.jac_evals += 1;
        self.jac_valid = true;
        self.jac_current = true;
        self.lu_valid = false;
        self.rate = None;
        Ok(true)
    }

    /// Factorises M/c − J (the Newton matrix M − c·J divided by c; c = h/α_q).
    /// Returns false if it is singular.
    fn factor<S: System>(&mut self, sys: &S, kind: MassKind, c: f64) -> Result<bool, SolverError> {
        if let Some(sp) = &mut self.sparse {
            self.stats.lu_decomps += 1;
            self.lu_c = c;
            let diag = (kind == MassKind::Diagonal).then_some(&self.mass_diag[..]);
            self.lu_valid = sp
                .factor(1.0 / c, diag)
                .map_err(|message| SolverError::LinearAlgebra { t: self.t, message })?;
            return Ok(self.lu_valid);
        }
        mass::iteration_matrix(
            kind,
            sys.mass(),
            &self.mass_diag[..self.block],
            1.0 / c,
            &self.jac,
            &mut self.lu,
        );
        self.stats.lu_decomps += 1;
        self.lu_c = c;
        self.lu_valid = lu_factor(self.lu.as_mut_slice(), self.block, &mut self.piv);
        Ok(self.lu_valid)
    }

    /// Predictor y_pred = Σ_{k≤q} ∇^k y and the history term
    /// ψ = Σ_{1≤k≤q} γ_k ∇^k y / α_q.
    fn predict(&mut self, q: usize) {
        let n = self.n;
        let inv_alpha = 1.0 / self.coef.alpha[q];
        self.ypred.fill(0.0);
        self.psi.fill(0.0);
        // Highest differences first: they are the smallest.
        for k in (1..=q).rev() {
            let row = &self.dif[k * n..(k + 1) * n];
            let g = self.coef.gamma[k] * inv_alpha;
            for ((p, s), d) in self.ypred.iter_mut().zip(&mut self.psi).zip(row) {
                *p += d;
                *s += g * d;
            }
        }
        for (p, y) in self.ypred.iter_mut().zip(&self.dif[..n]) {
            *p += y;
        }
    }

    /// Simplified Newton iteration for the corrector
    /// M·(y − y_pred + ψ) = c·f(t_new, y), starting from y_pred, into `ynew`
    /// and `d` = y − y_pred.
    fn newton<S: System>(
        &mut self,
        sys: &mut S,
        kind: MassKind,
        t_new: f64,
        c: f64,
    ) -> Result<Newton, SolverError> {
        let n = self.n;
        let rtol = self.opts.rtol;
        for i in 0..n {
            self.scale[i] = self.atol[i] + rtol * self.ypred[i].abs();
        }
        self.ynew.copy_from_slice(&self.ypred);
        self.d.fill(0.0);
        let inv_c = 1.0 / c;
        // Factors of M/c_old − J used for c: the correction is exact for
        // stiff (and algebraic) components and c_old/c times too small for
        // non-stiff ones; 2γ/(1 + γ), γ = c/c_old, splits the difference
        // (CVODE's scaling, in this formulation).
        let gam = c / self.lu_c;
        let corr = if gam == 1.0 {
            1.0
        } else {
            2.0 * gam / (1.0 + gam)
        };
        let mut old_norm: Option<f64> = None;
        for k in 0..NEWTON_MAXITER {
            eval(
                sys,
                t_new,
                &self.ynew,
                &mut self.f,
                &mut self.stats.rhs_evals,
            )?;
            if !all_finite(&self.f) {
                return Ok(Newton::NonFinite);
            }
            if k == 0 {
                self.fpred.copy_from_slice(&self.f);
            }
            // rhs = f − M·(ψ + d)/c, the residual divided by c.
            for ((tm, p), d) in self.tmp.iter_mut().zip(&self.psi).zip(&self.d) {
                *tm = -(p + d) * inv_c;
            }
            self.rhs.copy_from_slice(&self.f);
            mass::add_mul(kind, sys.mass(), &self.mass_diag, &self.tmp, &mut self.rhs);
            // A singular matrix shows up as a non-finite correction, caught below.
            let mut rhs = std::mem::take(&mut self.rhs);
            self.solve_iteration(&mut rhs);
            self.rhs = rhs;
            if corr != 1.0 {
                self.rhs.iter_mut().for_each(|x| *x *= corr);
            }
            let dy_norm = rms_scaled(&self.rhs, &self.scale);
            if !dy_norm.is_finite() {
                return Ok(Newton::Failed);
            }
            let rate = old_norm.map(|old| dy_norm / old);
            if let Some(r) = rate {
                // Diverging, or the remaining iterations cannot get there.
                let left = (NEWTON_MAXITER - k) as i32;
                if r >= 1.0 || r.powi(left) / (1.0 - r) * dy_norm > self.newton_tol {
                    return Ok(Newton::Failed);
                }
            }
            for ((y, d), dy) in self.ynew.iter_mut().zip(&mut self.d).zip(&self.rhs) {
                *y += dy;
                *d += dy;
            }
            if rate.is_some() {
                self.rate = rate;
                self.rate_age = 0;
            }
            // Estimated distance to the solution after this correction,
            // with the rate of earlier steps for the first one. Factors for
            // another c contract by no better than |γ − 1|/(γ + 1).
            let floor = if corr != 1.0 {
                (gam - 1.0).abs() / (gam + 1.0)
            } else {
                0.0
            };
            let remembered = self.rate.filter(|_| self.rate_age < RATE_MEMORY);
            let converged = dy_norm == 0.0
                || rate.or(remembered).is_some_and(|r| {
                    let r = r.max(floor);
                    r < 1.0 && r / (1.0 - r) * dy_norm < self.newton_tol
                });
            if converged {
                return Ok(Newton::Converged(k + 1));
            }
            old_norm = Some(dy_norm);
        }
        Ok(Newton::Failed)
    }

    /// Scaled RMS norm of the local error estimate of order q; leaves the
    /// error weights in `scale` for the order selection.
    fn error_norm(&mut self, q: usize) -> f64 {
        let rtol = self.opts.rtol;
        for i in 0..self.n {
            let y = self.dif[i].abs().max(self.ynew[i].abs());
            self.scale[i] = self.atol[i] + rtol * y;
        }
        self.coef.err[q] * rms_scaled(&self.d, &self.scale)
    }

    /// Commits the converged attempt as the step [t, t_new] and updates the
    /// differences.
    fn accept(&mut self, t_new: f64) {
        let n = self.n;
        // Components that must not go negative lose undershoots smaller than their absolute
        // tolerance (numerical noise around zero, which would make e.g. x^0.5 undefined). The
        // correction d follows, so the history and the dense output end on the same value.
        for (i, &nonneg) in self.opts.nonnegative.iter().enumerate().take(n) {
            if nonneg && self.ynew[i] < 0.0 && self.ynew[i] > -self.atol[i] {
                self.d[i] -= self.ynew[i];
                self.ynew[i] = 0.0;
            }
        }
        // With d = ∇^{q+1} y_new: ∇^{q+2} y_new = d − ∇^{q+1} y_old, and
        // ∇^k y_new = ∇^k y_old + ∇^{k+1} y_new downwards.
        let q = self.order;
        {
            let (lo, hi) = self.dif.split_at_mut((q + 2) * n);
            let row_q1 = &mut lo[(q + 1) * n..];
            let row_q2 = &mut hi[..n];
            for ((r2, r1), d) in row_q2.iter_mut().zip(row_q1.iter_mut()).zip(&self.d) {
                *r2 = d - *r1;
                *r1 = *d;
            }
        }
        for k in (0..=q).rev() {
            let (lo, hi) = self.dif.split_at_mut((k + 1) * n);
            for (a, b) in lo[k * n..].iter_mut().zip(&hi[..n]) {
                *a += b;
            }
        }
        // Row 0 is exactly the Newton result, not a sum with rounding.
        self.dif[..n].copy_from_slice(&self.ynew);
        self.seg
            .set_backward(self.t, t_new, self.h, q, n, &self.dif);
        self.has_seg = true;
        for (typ, v) in self.typ.iter_mut().zip(&self.ynew) {
            *typ = typ.max(v.abs());
        }
        self.t = t_new;
        self.n_equal += 1;
        self.rate_age += 1;
        self.jac_current = false;
        self.stats.steps += 1;
    }

    /// Order and step size for the next step from the error estimates of
    /// orders q − 1, q and q + 1 (after q + 1 steps of equal size, so the
    /// differences are those of equally spaced points): the order that
    /// allows the largest step wins (the lower one on ties).
    fn select(&mut self, q: usize, err: f64, safety: f64) {
        let n = self.n;
        let norm_row =
            |dif: &[f64], k: usize, scale: &[f64]| rms_scaled(&dif[k * n..(k + 1) * n], scale);
        let err_m = if q > 1 {
            self.coef.err[q - 1] * norm_row(&self.dif, q, &self.scale)
        } else {
            f64::INFINITY
        };
        let err_p = if q < MAX_ORDER {
            self.coef.err[q + 1] * norm_row(&self.dif, q + 2, &self.scale)
        } else {
            f64::INFINITY
        };
        let factors = [
            (BIAS * err_m).powf(-1.0 / q as f64),
            (BIAS * err).powf(-1.0 / (q + 1) as f64),
            (BIAS_UP * err_p).powf(-1.0 / (q + 2) as f64),
        ];
        let mut best = 1;
        for i in [0, 2] {
            if factors[i] > factors[best] || (i == 0 && factors[i] == factors[best]) {
                best = i;
            }
        }
        let factor = (safety * factors[best]).min(MAX_FACTOR);
        if best == 1 && (1.0..HOLD).contains(&factor) {
            return;
        }
        self.order = q + best - 1;
        self.change_step(factor);
    }

    /// Changes h by `factor`, re-expressing the history for the new spacing.
    fn change_step(&mut self, factor: f64) {
        self.n_equal = 0;
        if factor == 1.0 {
            return;
        }
        rescale(&mut self.dif, self.n, self.order, factor);
        self.h *= factor;
    }
}

/// The system's analytic Jacobian into `values` (its sparsity pattern's order).
fn sparse_jacobian<S: System>(
    sys: &mut S,
    t: f64,
    y: &[f64],
    values: &mut [f64],
) -> Result<(), SolverError> {
    values.fill(0.0);
    match sys.jacobian_sparse(t, y, values) {
        Some(Ok(())) if all_finite(values) => Ok(()),
        Some(Ok(())) => Err(SolverError::NonFinite { t }),
        Some(Err(message)) => Err(SolverError::System { t, message }),
        None => Err(SolverError::System {
            t,
            message: "the system gave a Jacobian pattern but no sparse Jacobian".into(),
        }),
    }
}

/// Root mean square of v_i / scale_i.
fn rms_scaled(v: &[f64], scale: &[f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let sum: f64 = v
        .iter()
        .zip(scale)
        .map(|(x, s)| {
            let r = x / s;
            r * r
        })
        .sum();
    (sum / v.len() as f64).sqrt()
}

/// y' from f (see [`Deriv`]); `ft` holds ∂f/∂t for the algebraic rows.
#[allow(clippy::too_many_arguments)]
fn apply_derivative(
    how: Deriv,
    lu: &DMatrix<f64>,
    piv: &[usize],
    diag: &[f64],
    algebraic: &[bool],
    ft: &[f64],
    f: &[f64],
    out: &mut [f64],
) {
    match how {
        Deriv::Identity => out.copy_from_slice(f),
        Deriv::Diagonal => {
            for ((o, fv), d) in out.iter_mut().zip(f).zip(diag) {
                *o = fv / d;
            }
        }
        Deriv::Lu => {
            for i in 0..out.len() {
                out[i] = if algebraic[i] { -ft[i] } else { f[i] };
            }
            lu_solve(lu.as_slice(), out.len(), piv, out);
        }
        Deriv::Rough => {
            for i in 0..out.len() {
                out[i] = if algebraic[i] || diag[i] == 0.0 {
                    0.0
                } else {
                    f[i] / diag[i]
                };
            }
        }
    }
}

/// Re-expresses the differences of order 0..=q (rows of `dif`) for the
/// step size h·factor: the same interpolating polynomial, sampled at the
/// new equally spaced points (Shampine & Reichelt, sect. 2.3). With
/// R(ρ)_{ij} = Π_{l=1}^{i} (l − 1 − ρ·j)/l, the new differences are
/// (R(factor)·R(1))ᵀ times the old ones; row 0 is unchanged.
fn rescale(dif: &mut [f64], n: usize, q: usize, factor: f64) {
    let r = r_matrix(q, factor);
    let u = r_matrix(q, 1.0);
    let mut ru = [[0.0; MAX_ORDER + 1]; MAX_ORDER + 1];
    for i in 0..=q {
        for j in 0..=q {
            ru[i][j] = (0..=q).map(|l| r[i][l] * u[l][j]).sum();
        }
    }
    let mut old = [0.0; MAX_ORDER + 1];
    for i in 0..n {
        for (k, o) in old.iter_mut().enumerate().take(q + 1) {
            *o = dif[k * n + i];
        }
        for k in 1..=q {
            dif[k * n + i] = (1..=q).map(|m| ru[m][k] * old[m]).sum();
        }
    }
}

fn r_matrix(q: usize, factor: f64) -> [[f64; MAX_ORDER + 1]; MAX_ORDER + 1] {
    let mut r = [[0.0; MAX_ORDER + 1]; MAX_ORDER + 1];
    for v in r[0].iter_mut().take(q + 1) {
        *v = 1.0;
    }
    for i in 1..=q {
        let above = r[i - 1];
        for (j, v) in r[i].iter_mut().enumerate().take(q + 1).skip(1) {
            *v = above[j] * ((i - 1) as f64 - factor * j as f64) / i as f64;
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Value at t_ref + s·h of the backward-difference polynomial in `dif`.
    fn poly_at(dif: &[f64], q: usize, s: f64) -> f64 {
        let mut v = dif[0];
        let mut c = 1.0;
        for (k, d) in dif.iter().enumerate().take(q + 1).skip(1) {
            c *= (s + (k - 1) as f64) / k as f64;
            v += c * d;
        }
        v
    }

    #[test]
    fn rescaling_keeps_the_polynomial() {
        for q in 1..=MAX_ORDER {
            // Differences of p(t) = Σ a_k t^k sampled at 0, −h, −2h, …
            let a = [0.3, -1.2, 0.7, 2.0, -0.4, 0.9];
            let p = |t: f64| (0..=q).map(|k| a[k] * t.powi(k as i32)).sum::<f64>();
            let h = 0.37;
            // ∇^k p at t = 0 for the spacing h.
            let mut dif = vec![0.0; q + 1];
            let mut col: Vec<f64> = (0..=q).map(|j| p(-(j as f64) * h)).collect();
            for d in dif.iter_mut() {
                *d = col[0];
                for j in 0..col.len() - 1 {
                    col[j] -= col[j + 1];
                }
                col.pop();
            }
            for s in [-2.5, -1.0, -0.3, 0.0, 0.8] {
                assert!((poly_at(&dif, q, s) - p(s * h)).abs() < 1e-12);
            }
            for factor in [0.2, 0.5, 1.7, 10.0] {
                let mut scaled = dif.clone();
                rescale(&mut scaled, 1, q, factor);
                for s in [-3.0, -1.0, -0.5, 0.0, 0.4] {
                    let e = (poly_at(&scaled, q, s) - p(s * h * factor)).abs();
                    assert!(
                        e < 1e-10 * (1.0 + p(s * h * factor).abs()),
                        "q={q} ρ={factor}"
                    );
                }
                rescale(&mut scaled, 1, q, 1.0 / factor);
                for (x, y) in scaled.iter().zip(&dif) {
                    assert!((x - y).abs() < 1e-10 * (1.0 + y.abs()));
                }
            }
        }
    }

    #[test]
    fn coefficients_match_the_published_values() {
        let c = Coefficients::ndf();
        assert!((c.gamma[3] - 11.0 / 6.0).abs() < 1e-15);
        // BDF5: α_5 = γ_5 = 137/60.
        assert!((c.alpha[5] - 137.0 / 60.0).abs() < 1e-15);
        // NDF1 error constant −0.185 + 1/2 (Shampine & Reichelt, table 1: 0.315).
        assert!((c.err[1] - 0.315).abs() < 1e-12);
    }
}
