//! The error type of the integrator, with messages written for the people
//! who run simulations (they usually see them without the source code).

/// Why an integration stopped.
#[derive(Debug, thiserror::Error)]
pub enum SolverError {
    #[error(
        "step size {h:e} too small at t = {t}: the model may be discontinuous or singular there"
    )]
    StepTooSmall { t: f64, h: f64 },

    #[error(
        "gave up at t = {t} after {steps} step attempts: the problem may be too stiff \
         or the tolerances too strict (raise the step limit or loosen the tolerances)"
    )]
    TooManySteps { t: f64, steps: usize },

    #[error(
        "the iteration matrix is singular at t = {t}: the algebraic equations may not \
         determine their variables (a DAE of index > 1) or the model is singular there"
    )]
    SingularMatrix { t: f64 },

    #[error("the model produced NaN or infinite values at t = {t}")]
    NonFinite { t: f64 },

    #[error("model evaluation failed at t = {t}: {message}")]
    System { t: f64, message: String },

    #[error("linear algebra failed at t = {t}: {message}")]
    LinearAlgebra { t: f64, message: String },

    #[error(
        "could not find initial values that satisfy the algebraic equations at t = {t} \
         (remaining residual {residual:e})"
    )]
    InconsistentInit { t: f64, residual: f64 },
}
