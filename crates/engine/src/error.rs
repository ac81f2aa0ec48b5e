//! Engine errors: model construction, unsupported features, solver failures, bad selections.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum EngineError {
    #[error("{0}")]
    Sbml(#[from] her2sim_sbml::SbmlError),
    #[error("{0}")]
    Model(#[from] her2sim_model::ModelError),
    #[error("unsupported: {0}")]
    Unsupported(String),
    #[error("solver failed: {0}")]
    Solver(#[from] her2sim_ode::SolverError),
    #[error("unknown selection '{0}': {1}")]
    Selection(String, String),
    #[error("invalid option: {0}")]
    Options(String),
    #[error("invalid model: {0}")]
    InvalidModel(String),
    #[error("{0}")]
    Event(String),
    #[error("time limit of {limit:?} reached at t = {t}")]
    Timeout { limit: std::time::Duration, t: f64 },
}

impl EngineError {
    pub fn is_unsupported(&self) -> bool {
        match self {
            EngineError::Unsupported(_) => true,
            EngineError::Sbml(e) => e.is_unsupported(),
            EngineError::Model(e) => e.is_unsupported(),
            _ => false,
        }
    }
}
