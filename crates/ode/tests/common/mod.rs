//! The reference problems every solver is tested against, in one place (as
//! diffsol's `test_models` are): each problem's [`System`] implementation
//! together with its analytic solution or published reference values, plus
//! the small helpers the test binaries share.
//!
//! Every test binary includes this module with `mod common;` and uses only a
//! subset of it, hence the module-wide `dead_code` allowance.

#![allow(dead_code)]
// Parallel indexing of solution and reference arrays reads clearer here.
#![allow(clippy::needless_range_loop)]

use her2sim_ode::{integrate_to, Method, Options, Segment, SolverError, Stats, Stepper, System};
use nalgebra::{DMatrix, DVector};

/// Both solvers, for tests that loop over them with [`her2sim_ode::Integrator`].
pub const METHODS: [Method; 2] = [Method::Rodas4, Method::Bdf];

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Options with the given tolerances, defaults otherwise.
pub fn opts(rtol: f64, atol: f64) -> Options {
    Options {
        rtol,
        atol,
        ..Options::default()
    }
}

/// Relative error of `a` against the reference `b`.
pub fn rel_err(a: f64, b: f64) -> f64 {
    ((a - b) / b).abs()
}

/// Integrates to `t_end`, keeping every accepted step's segment.
pub fn run_with_history<I: Stepper, S: System>(
    solver: &mut I,
    sys: &mut S,
    t_end: f64,
) -> Result<Vec<Segment>, SolverError> {
    let mut segs = Vec::new();
    integrate_to(solver, sys, t_end, |s| {
        segs.push(
            s.last_segment()
                .expect("a segment after every accepted step")
                .clone(),
        )
    })?;
    Ok(segs)
}

/// Prints a solver's work counters (visible with `--nocapture`).
pub fn show(what: &str, st: Stats) {
    eprintln!(
        "{what}: steps {} rejected {} rhs {} jac {} lu {}",
        st.steps, st.rejected, st.rhs_evals, st.jac_evals, st.lu_decomps
    );
}

// ---------------------------------------------------------------------------
// ODEs with analytic solutions
// ---------------------------------------------------------------------------

/// y_i' = −k_i y_i, optionally with the analytic Jacobian; the solution is
/// y_i(t) = y_i(0)·exp(−k_i t) ([`Decay::exact`]).
pub struct Decay {
    pub k: Vec<f64>,
    pub analytic: bool,
}

impl Decay {
    /// Finite-difference Jacobian.
    pub fn new(k: &[f64]) -> Self {
        Decay {
            k: k.to_vec(),
            analytic: false,
        }
    }

    /// With the analytic Jacobian iff `analytic`.
    pub fn with_jacobian(k: &[f64], analytic: bool) -> Self {
        Decay {
            k: k.to_vec(),
            analytic,
        }
    }

    /// Component `i` of the exact solution at `t` from `y0` at t = 0.
    pub fn exact(&self, i: usize, y0: &[f64], t: f64) -> f64 {
        y0[i] * (-self.k[i] * t).exp()
    }
}

impl System for Decay {
    fn dim(&self) -> usize {
        self.k.len()
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        for i in 0..y.len() {
            dy[i] = -self.k[i] * y[i];
        }
        Ok(())
    }
    fn jacobian(
        &mut self,
        _t: f64,
        _y: &[f64],
        jac: &mut DMatrix<f64>,
    ) -> Option<Result<(), String>> {
        if !self.analytic {
            return None;
        }
        for (i, k) in self.k.iter().enumerate() {
            jac[(i, i)] = -k;
        }
        Some(Ok(()))
    }
}

/// y' = cos(t), y(0) = 0: the solution sin(t) oscillates and f depends on t
/// only, which exercises the ∂f/∂t term.
pub struct Cosine;

impl Cosine {
    /// The exact solution for y(0) = 0.
    pub fn exact(t: f64) -> f64 {
        t.sin()
    }

    /// Largest error of the dense output at a quarter, half and three quarters of each step.
    pub fn worst_dense_error(segs: &[Segment]) -> f64 {
        let mut out = [0.0];
        let mut worst = 0.0_f64;
        for seg in segs {
            for frac in [0.25, 0.5, 0.75] {
                let tm = seg.t0 + frac * (seg.t1 - seg.t0);
                seg.eval(tm, &mut out);
                worst = worst.max((out[0] - Cosine::exact(tm)).abs());
            }
        }
        worst
    }
}

impl System for Cosine {
    fn dim(&self) -> usize {
        1
    }
    fn rhs(&mut self, t: f64, _y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        dy[0] = t.cos();
        Ok(())
    }
}

/// y' = 1: the trivial ODE (no mass matrix).
pub struct UnitSlope;

impl System for UnitSlope {
    fn dim(&self) -> usize {
        1
    }
    fn rhs(&mut self, _t: f64, _y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        dy[0] = 1.0;
        Ok(())
    }
}

/// y' = −√y, y(0) = 1: y = (1 − t/2)², so y(1) = 0.25 ([`SqrtDecay::Y_AT_1`])
/// and y reaches 0 at t = 2; NaN once a step overshoots below zero.
pub struct SqrtDecay;

impl SqrtDecay {
    pub const Y0: [f64; 1] = [1.0];
    pub const Y_AT_1: f64 = 0.25;
}

impl System for SqrtDecay {
    fn dim(&self) -> usize {
        1
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        dy[0] = -y[0].sqrt();
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Stiff ODEs with published reference values
// ---------------------------------------------------------------------------

/// Robertson's chemical kinetics, the classic stiff test problem.
pub struct Robertson;

/// Robertson's initial value.
pub const ROBERTSON_Y0: [f64; 3] = [1.0, 0.0, 0.0];

/// Robertson at t = 40 (Hairer & Wanner, reference solution); the same for
/// the ODE ([`Robertson`]) and the DAE ([`RobertsonDae`]) form.
pub const ROBERTSON_40: [f64; 3] = [0.7158270687, 9.185534764e-6, 0.2841637457];

/// Asserts `y` matches [`ROBERTSON_40`] to a relative 1e-7 per component.
pub fn check_robertson_40(y: &[f64], what: &str) {
    for i in 0..3 {
        let e = rel_err(y[i], ROBERTSON_40[i]);
        assert!(
            e < 1e-7,
            "{what}: component {i}: {} vs {} (rel {e:e})",
            y[i],
            ROBERTSON_40[i]
        );
    }
}

impl System for Robertson {
    fn dim(&self) -> usize {
        3
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        dy[0] = -0.04 * y[0] + 1e4 * y[1] * y[2];
        dy[2] = 3e7 * y[1] * y[1];
        dy[1] = -dy[0] - dy[2];
        Ok(())
    }
}

/// Van der Pol, y1' = y2, y2' = μ((1 − y1²)·y2) − y1; with μ = 1000 stiff
/// with fast transitions twice per period (≈ 1614). No closed form: tests
/// compare with a tight RODAS4 run.
pub struct VanDerPol {
    pub mu: f64,
}

impl VanDerPol {
    pub const Y0: [f64; 2] = [2.0, 0.0];
}

impl System for VanDerPol {
    fn dim(&self) -> usize {
        2
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        dy[0] = y[1];
        dy[1] = self.mu * (1.0 - y[0] * y[0]) * y[1] - y[0];
        Ok(())
    }
}

/// OREGO, the Oregonator (Hairer & Wanner II, sect. IV.10): stiff and
/// oscillating, with sharp fronts every ≈ 60 time units.
pub struct Orego;

impl Orego {
    pub const Y0: [f64; 3] = [1.0, 2.0, 3.0];
    pub const T_END: f64 = 360.0;
    /// y(360) from the IVP test set (Mazzia & Magherini, Bari).
    pub const REFERENCE: [f64; 3] = [
        0.1000814870318523e1,
        0.1228178521549917e4,
        0.1320554942846706e3,
    ];
}

impl System for Orego {
    fn dim(&self) -> usize {
        3
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        dy[0] = 77.27 * (y[1] + y[0] * (1.0 - 8.375e-6 * y[0] - y[1]));
        dy[1] = (y[2] - (1.0 + y[0]) * y[1]) / 77.27;
        dy[2] = 0.161 * (y[0] - y[2]);
        Ok(())
    }
}

/// HIRES (Hairer & Wanner II, sect. IV.10): 8 species of a plant
/// physiology model, the kind of network her2sim integrates.
pub struct Hires;

impl Hires {
    pub const Y0: [f64; 8] = [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0057];
    pub const T_END: f64 = 321.8122;
    /// y(321.8122) from the IVP test set (Mazzia & Magherini, Bari).
    pub const REFERENCE: [f64; 8] = [
        0.7371312573325668e-3,
        0.1442485726316185e-3,
        0.5888729740967575e-4,
        0.1175651343283149e-2,
        0.2386356198831331e-2,
        0.6238968252742796e-2,
        0.2849998395185769e-2,
        0.2850001604814231e-2,
    ];
}

impl System for Hires {
    fn dim(&self) -> usize {
        8
    }
    fn rhs(&mut self, _t: f64, y: &[f64], f: &mut [f64]) -> Result<(), String> {
        f[0] = -1.71 * y[0] + 0.43 * y[1] + 8.32 * y[2] + 0.0007;
        f[1] = 1.71 * y[0] - 8.75 * y[1];
        f[2] = -10.03 * y[2] + 0.43 * y[3] + 0.035 * y[4];
        f[3] = 8.32 * y[1] + 1.71 * y[2] - 1.12 * y[3];
        f[4] = -1.745 * y[4] + 0.43 * y[5] + 0.43 * y[6];
        f[5] = -280.0 * y[5] * y[7] + 0.69 * y[3] + 1.71 * y[4] - 0.43 * y[5] + 0.69 * y[6];
        f[6] = 280.0 * y[5] * y[7] - 1.81 * y[6];
        f[7] = -f[6];
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Mass matrices and DAEs
// ---------------------------------------------------------------------------

/// Robertson as a DAE: y3 is given by conservation, 0 = y1 + y2 + y3 − 1.
/// Same solution as [`Robertson`] (reference [`ROBERTSON_40`]).
pub struct RobertsonDae {
    m: DMatrix<f64>,
}

impl RobertsonDae {
    pub fn new() -> Self {
        RobertsonDae {
            m: DMatrix::from_diagonal(&DVector::from_vec(vec![1.0, 1.0, 0.0])),
        }
    }
}

impl System for RobertsonDae {
    fn dim(&self) -> usize {
        3
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        dy[0] = -0.04 * y[0] + 1e4 * y[1] * y[2];
        dy[1] = 0.04 * y[0] - 1e4 * y[1] * y[2] - 3e7 * y[1] * y[1];
        dy[2] = y[0] + y[1] + y[2] - 1.0;
        Ok(())
    }
    fn mass(&self) -> Option<&DMatrix<f64>> {
        Some(&self.m)
    }
}

/// Robertson with a tiny explicit time dependence (exercising the ∂f/∂t
/// path), as an ODE or, with a mass matrix, as a DAE whose third row is the
/// conservation law: identity, diagonal and non-diagonal M.
#[derive(Clone)]
pub struct RobertsonForced {
    m: Option<DMatrix<f64>>,
}

impl RobertsonForced {
    /// Plain ODE (M = I).
    pub fn ode() -> Self {
        RobertsonForced { m: None }
    }

    /// M = diag(1, 1, 0).
    pub fn dae_diagonal() -> Self {
        RobertsonForced {
            m: Some(DMatrix::from_row_slice(
                3,
                3,
                &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
            )),
        }
    }

    /// Non-diagonal M: rows 1 and 2 mixed (an invertible change of variables
    /// of the differential part).
    pub fn dae_mixed() -> Self {
        RobertsonForced {
            m: Some(DMatrix::from_row_slice(
                3,
                3,
                &[1.0, 0.5, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
            )),
        }
    }
}

impl System for RobertsonForced {
    fn dim(&self) -> usize {
        3
    }
    fn rhs(&mut self, t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        dy[0] = -0.04 * y[0] + 1e4 * y[1] * y[2] + 1e-9 * t.sin();
        dy[1] = 0.04 * y[0] - 1e4 * y[1] * y[2] - 3e7 * y[1] * y[1];
        dy[2] = if self.m.is_some() {
            y[0] + y[1] + y[2] - 1.0
        } else {
            3e7 * y[1] * y[1]
        };
        Ok(())
    }
    fn mass(&self) -> Option<&DMatrix<f64>> {
        self.m.as_ref()
    }
}

/// y' = A·y with A = diag(a) written as T·y' = (T·A)·y for a full,
/// invertible T: a non-diagonal invertible mass matrix; the solution is
/// y_i(t) = y_i(0)·exp(a_i t) ([`Transformed::exact`]).
pub struct Transformed {
    t: DMatrix<f64>,
    ta: DMatrix<f64>,
}

impl Transformed {
    pub const A: [f64; 3] = [-1.0, -2.0, -0.5];
    pub const Y0: [f64; 3] = [1.0, -2.0, 0.5];

    /// a = [`Self::A`] and a fixed full T.
    pub fn new() -> Self {
        let t = DMatrix::from_row_slice(3, 3, &[2.0, 1.0, 0.5, -1.0, 3.0, 1.0, 0.3, -0.7, 1.5]);
        let ta = &t * DMatrix::from_diagonal(&DVector::from_column_slice(&Self::A));
        Transformed { t, ta }
    }

    /// Component `i` of the exact solution at `t` from [`Self::Y0`].
    pub fn exact(i: usize, t: f64) -> f64 {
        Self::Y0[i] * (Self::A[i] * t).exp()
    }
}

impl System for Transformed {
    fn dim(&self) -> usize {
        3
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        let v = &self.ta * DVector::from_column_slice(y);
        dy.copy_from_slice(v.as_slice());
        Ok(())
    }
    fn mass(&self) -> Option<&DMatrix<f64>> {
        Some(&self.t)
    }
}

/// (u + v)' = −(u + v), 0 = u − 2v: M = [[1, 1], [0, 0]], a non-diagonal
/// singular mass matrix. s = u + v decays, u = 2s/3, v = s/3
/// ([`Coupled::exact`]).
pub struct Coupled {
    m: DMatrix<f64>,
}

impl Coupled {
    /// An inconsistent start (u − 2v = 1 ≠ 0) with u + v = 1.
    pub const Y0_INCONSISTENT: [f64; 2] = [1.0, 0.0];

    pub fn new() -> Self {
        Coupled {
            m: DMatrix::from_row_slice(2, 2, &[1.0, 1.0, 0.0, 0.0]),
        }
    }

    /// (u, v) at `t` for u + v = 1 at t = 0.
    pub fn exact(t: f64) -> [f64; 2] {
        let s = (-t).exp();
        [2.0 * s / 3.0, s / 3.0]
    }
}

impl System for Coupled {
    fn dim(&self) -> usize {
        2
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        dy[0] = -(y[0] + y[1]);
        dy[1] = y[0] - 2.0 * y[1];
        Ok(())
    }
    fn mass(&self) -> Option<&DMatrix<f64>> {
        Some(&self.m)
    }
}

/// x' = −x, 0 = z³ + z − x (z is the real root; needs real Newton steps).
/// x = x0·exp(−t); for x = 10 the root is z = 2.
pub struct Cubic {
    m: DMatrix<f64>,
}

impl Cubic {
    pub fn new() -> Self {
        Cubic {
            m: DMatrix::from_row_slice(2, 2, &[1.0, 0.0, 0.0, 0.0]),
        }
    }

    /// The residual of the algebraic equation.
    pub fn constraint(x: f64, z: f64) -> f64 {
        z * z * z + z - x
    }
}

impl System for Cubic {
    fn dim(&self) -> usize {
        2
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        dy[0] = -y[0];
        dy[1] = Cubic::constraint(y[0], y[1]);
        Ok(())
    }
    fn mass(&self) -> Option<&DMatrix<f64>> {
        Some(&self.m)
    }
}

/// x' = −x, 0 = z² + 1: the algebraic equation has no real solution.
pub struct NoSolution {
    m: DMatrix<f64>,
}

impl NoSolution {
    pub fn new() -> Self {
        NoSolution {
            m: DMatrix::from_row_slice(2, 2, &[1.0, 0.0, 0.0, 0.0]),
        }
    }
}

impl System for NoSolution {
    fn dim(&self) -> usize {
        2
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        dy[0] = -y[0];
        dy[1] = y[1] * y[1] + 1.0;
        Ok(())
    }
    fn mass(&self) -> Option<&DMatrix<f64>> {
        Some(&self.m)
    }
}

/// x' = −x, 0 = x − 1: z appears in no equation, so the DAE does not
/// determine it (singular iteration matrix).
pub struct Undetermined {
    m: DMatrix<f64>,
}

impl Undetermined {
    pub fn new() -> Self {
        Undetermined {
            m: DMatrix::from_row_slice(2, 2, &[1.0, 0.0, 0.0, 0.0]),
        }
    }
}

impl System for Undetermined {
    fn dim(&self) -> usize {
        2
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        dy[0] = -y[0];
        dy[1] = y[0] - 1.0;
        Ok(())
    }
    fn mass(&self) -> Option<&DMatrix<f64>> {
        Some(&self.m)
    }
}

// ---------------------------------------------------------------------------
// Problems the solvers must fail on cleanly
// ---------------------------------------------------------------------------

/// y' = 1 until t = 0.5, then the model evaluation fails.
pub struct Failing;

impl System for Failing {
    fn dim(&self) -> usize {
        1
    }
    fn rhs(&mut self, t: f64, _y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        if t > 0.5 {
            return Err("division by zero in rate law".into());
        }
        dy[0] = 1.0;
        Ok(())
    }
}

/// y' = 1/(1 − t), y(0) = 0: the solution −ln(1 − t) blows up at t = 1.
pub struct BlowUp;

impl System for BlowUp {
    fn dim(&self) -> usize {
        1
    }
    fn rhs(&mut self, t: f64, _y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        dy[0] = 1.0 / (1.0 - t);
        Ok(())
    }
}

/// y' = y²: finite-time blow-up at t = 1 for y(0) = 1 (state-dependent).
pub struct Quadratic;

impl System for Quadratic {
    fn dim(&self) -> usize {
        1
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        dy[0] = y[0] * y[0];
        Ok(())
    }
}
