//! Stiff ODE / index-1 DAE integrator for systems `M·y' = f(t, y)`.
//!
//! This crate owns the numerical time integration of her2sim: the
//! [`System`] trait a model implements, two solvers with dense output
//! ([`Segment`]) — the RODAS4 Rosenbrock method ([`Rodas4`]) and a
//! variable-order BDF/NDF method ([`Bdf`]) —, the run-time choice between
//! them ([`Method`], [`Integrator`]), the consistent initialisation of DAEs
//! ([`consistent_init`]) and the convenience driver [`integrate_to`]. It
//! knows nothing about SBML; the engine crate adapts a model to [`System`].
//!
//! RODAS4 is the 4th-order L-stable Rosenbrock method of Hairer & Wanner
//! ("Solving Ordinary Differential Equations II", sect. VI.4), with an
//! embedded 3rd-order error estimate and 3rd-order continuous output. The
//! BDF solver uses the NDFs of orders 1–5 of Shampine & Reichelt (as
//! ode15s) with Jacobian and LU reuse in the manner of CVODE.

mod bdf;
mod control;
mod derivs;
mod dop853;
mod dop853_tableau;
mod error;
mod init;
mod integrator;
mod linalg;
mod mass;
mod rodas4;
mod segment;
mod sparse;
mod switching;
mod tableau;

pub use bdf::Bdf;
pub use dop853::Dop853;
pub use error::SolverError;
pub use init::consistent_init;
pub use integrator::{integrate_to, Integrator, Method, Stepper};

pub use rodas4::Rodas4;
pub use segment::Segment;
pub use sparse::SparsityPattern;
pub use switching::Switching;

/// A system of equations `M·y' = f(t, y)` with a constant mass matrix `M`.
pub trait System {
    /// Number of state variables (length of `y`).
    fn dim(&self) -> usize;

    /// dy = f(t, y). An Err aborts the integration with [`SolverError::System`].
    fn rhs(&mut self, t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String>;

    /// Analytic Jacobian ∂f/∂y if available: fill `jac` (dim × dim, zero on
    /// entry) and return `Some(Ok(()))`. The default `None` makes the solver
    /// use forward finite differences.
    fn jacobian(
        &mut self,
        _t: f64,
        _y: &[f64],
        _jac: &mut nalgebra::DMatrix<f64>,
    ) -> Option<Result<(), String>> {
        None
    }

    /// The structural nonzeros of ∂f/∂y, if the system knows them and can fill the Jacobian
    /// sparsely ([`jacobian_sparse`](Self::jacobian_sparse)). Large systems then use a
    /// sparse LU (see [`Options::linear_solver`]).
    fn jacobian_pattern(&self) -> Option<SparsityPattern> {
        None
    }

    /// Analytic Jacobian on the pattern of [`jacobian_pattern`](Self::jacobian_pattern):
    /// fill `values` (one per pattern entry, in pattern order, zero on entry).
    fn jacobian_sparse(
        &mut self,
        _t: f64,
        _y: &[f64],
        _values: &mut [f64],
    ) -> Option<Result<(), String>> {
        None
    }

    /// For a system made of `dim / b` parts that share one Jacobian block b×b — forward
    /// sensitivities: the state and, per parameter, its sensitivity, whose Jacobians all
    /// equal ∂f/∂y — the block size b. [`jacobian`](Self::jacobian) and the sparse
    /// variants then describe that block only (from the first b components of `y`), and the
    /// BDF solver factorises it once and applies it to every part: the simultaneous
    /// corrector with a block-diagonal Newton matrix (as CVODES). Needs an analytic Jacobian
    /// and the identity mass matrix. `None` = one block.
    fn jacobian_block(&self) -> Option<usize> {
        None
    }

    /// Constant mass matrix; `None` means the identity (a plain ODE).
    /// Rows that are entirely zero are algebraic equations `0 = f_i(t, y)`.
    fn mass(&self) -> Option<&nalgebra::DMatrix<f64>> {
        None
    }
}

/// Dense or sparse linear algebra in the BDF solver's Newton iteration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum LinearSolver {
    /// Sparse from [`SPARSE_MIN_DIM`] variables on, dense below.
    #[default]
    Auto,
    /// Always dense LU.
    Dense,
    /// Sparse LU whenever the system allows it.
    Sparse,
}

impl LinearSolver {
    /// Whether a system of `n` variables whose Jacobian has `nnz` structural nonzeros should
    /// be factorised sparsely (when it can be). Auto also asks for a Jacobian filling at most
    /// a quarter of the matrix: sparse only pays while the factors stay sparse.
    pub fn sparse_for(self, n: usize, nnz: usize) -> bool {
        match self {
            LinearSolver::Auto => n >= SPARSE_MIN_DIM && nnz <= n * n / 4,
            LinearSolver::Dense => false,
            LinearSolver::Sparse => true,
        }
    }
}

/// Size from which [`LinearSolver::Auto`] goes sparse. Measured with `biomodels-bench` (rtol
/// 1e-10, 31 curated models, BDF): with faer's fill-reducing sparse LU the simulate time fell
/// to 0.4–0.8× of the dense path's from about 20 variables on (0.38× at 194, 0.61× at 100,
/// 0.77× at 36, 0.87× at 24), and rose by 10–25 % at 5–12 variables. At 100 variables the
/// dense solves (partial pivoting, no reordering, so the factors fill in) were half the run
/// time.
pub const SPARSE_MIN_DIM: usize = 20;

/// Tolerances and limits of the integration.
#[derive(Clone, Debug)]
pub struct Options {
    /// Relative tolerance (same for every component).
    pub rtol: f64,
    /// Absolute tolerance (same for every component unless `atol_scale` is set).
    pub atol: f64,
    /// Per-component factors on `atol` (component i uses `atol * atol_scale[i]`); empty means
    /// all ones. Lets a caller whose variables live on different scales (amounts in tiny
    /// compartments, say) keep one meaningful absolute tolerance.
    pub atol_scale: Vec<f64>,
    /// Components that cannot be negative (species amounts): after each accepted step, a
    /// negative value within the component's absolute tolerance is set to zero. Empty = none.
    pub nonnegative: Vec<bool>,
    /// Largest step the solver may take; `f64::INFINITY` = unlimited.
    pub max_step: f64,
    /// First step size; `None` = estimated from the problem.
    pub initial_step: Option<f64>,
    /// Step attempts (accepted + rejected) allowed per call of
    /// [`integrate_to`] and per `reset` of a solver.
    pub max_steps: usize,
    /// Give up with [`SolverError::StepTooSmall`] when the step size the
    /// error control asks for drops below `min_step_ratio * max(|t|, 1)`.
    pub min_step_ratio: f64,
    /// How the BDF solver stores its Jacobian and iteration matrix. Sparse storage also needs
    /// a system that offers a sparse analytic Jacobian, no algebraic equations and a diagonal
    /// mass matrix; otherwise dense.
    pub linear_solver: LinearSolver,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            rtol: 1e-6,
            atol: 1e-12,
            atol_scale: Vec::new(),
            nonnegative: Vec::new(),
            max_step: f64::INFINITY,
            initial_step: None,
            max_steps: 500_000,
            min_step_ratio: 1e-14,
            linear_solver: LinearSolver::Auto,
        }
    }
}

/// Work counters of a solver, cumulative since construction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Accepted steps.
    pub steps: usize,
    /// Rejected step attempts (error too large, non-finite values or a
    /// singular iteration matrix).
    pub rejected: usize,
    /// Calls of [`System::rhs`] (including those for finite differences).
    pub rhs_evals: usize,
    /// Jacobian evaluations (analytic or by finite differences).
    pub jac_evals: usize,
    /// LU factorisations of the iteration matrix.
    pub lu_decomps: usize,
}
