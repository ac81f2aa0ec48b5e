//! Engine errors: model construction, unsupported features, solver failures, bad selections.

use thiserror::Error;

/// Everything that can stop loading or simulating a model; each message names what and why.
#[derive(Debug, Error)]
pub enum EngineError {
    /// The SBML text could not be read (line, element and reason).
    #[error("{0}")]
    Sbml(#[from] her2sim_sbml::SbmlError),
    /// The model is inconsistent (undefined symbols, cycles, over-determined rules, ...).
    #[error("{0}")]
    Model(#[from] her2sim_model::ModelError),
    /// A feature her2sim does not simulate (yet); the message names it.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The integrator could not continue (step size underflow, step budget, non-finite values).
    #[error("solver failed: {0}")]
    Solver(#[from] her2sim_ode::SolverError),
    /// A selection or override names nothing the model has, or something that cannot be set.
    #[error("unknown selection '{0}': {1}")]
    Selection(String, String),
    /// An option is out of range (times, tolerances, sizes).
    #[error("invalid option: {0}")]
    Options(String),
    /// The model asks for something undefined (e.g. a negative delay).
    #[error("invalid model: {0}")]
    InvalidModel(String),
    /// The event queue or the fast-reaction relaxation failed.
    #[error("{0}")]
    Event(String),
    /// A flux balance problem is malformed (fbc references, bounds) or its LP solver failed.
    #[error("flux balance: {0}")]
    Fba(String),
    /// The wall-clock limit of `SimOptions::timeout` was reached at model time `t`.
    #[error("time limit of {limit:?} reached at t = {t}")]
    Timeout {
        /// The limit that was set.
        limit: std::time::Duration,
        /// Model time reached.
        t: f64,
    },
}

impl EngineError {
    /// Whether the model uses a feature her2sim does not support (rather than being wrong).
    pub fn is_unsupported(&self) -> bool {
        match self {
            EngineError::Unsupported(_) => true,
            EngineError::Sbml(e) => e.is_unsupported(),
            EngineError::Model(e) => e.is_unsupported(),
            _ => false,
        }
    }
}
