//! PEtab v1 parameter-estimation problems: the YAML problem file and its tables (conditions,
//! measurements, observables, parameters) read into a checked [`Problem`], and the objective
//! exactly as PEtab defines it: the log-likelihood of the measurements (normal or Laplace
//! noise, lin/log/log10 transformations with their Jacobian terms, normalisation constants
//! included), χ², and the log-prior as a separate term. Every condition is simulated through
//! the engine's run API, with pre-equilibration to steady state and `t = inf` measurements.
//!
//! ```no_run
//! let problem = her2sim_petab::Problem::read("Boehm.yaml".as_ref()).unwrap();
//! let value = problem.objective(&problem.nominal_parameters()).unwrap();
//! println!("llh = {}", value.llh);
//! ```

#![warn(missing_docs)]

mod fit;
mod formula;
mod objective;
mod optimize;
mod problem;
mod profile;
pub mod report;
mod tables;
mod wald;

use std::path::Path;

pub use fit::{
    Bounds, FitOptions, FitResult, FitSummary, ObjectiveGradient, StartResult, MAX_RESAMPLES,
    MAX_STARTS,
};
pub use formula::{Formula, FormulaError};
pub use objective::{Objective, Term};
pub use optimize::{Optimizer, ResidualsAndColumns};
pub use problem::{
    Cell, Measurement, Noise, Observable, ParameterRow, Prior, Problem, Scale, Transformation,
};
pub use profile::{Identifiability, Profile, ProfileOptions, PROFILE_THRESHOLD};
pub use wald::WaldInterval;

/// What can go wrong reading or evaluating a PEtab problem; names the file, row and column.
#[derive(Debug, thiserror::Error)]
pub enum PetabError {
    #[error("{file}: line {line}, column '{column}': {message}")]
    /// A cell or column of a table.
    Table {
        /// The table file.
        file: String,
        /// 1-based line.
        line: usize,
        /// The column name.
        column: String,
        /// What is wrong.
        message: String,
    },
    #[error("{0}")]
    /// An input file could not be read.
    File(#[from] her2sim_files::FileError),
    #[error("{file}: {message}")]
    /// The problem as a whole is wrong (YAML, model, cross-references).
    Problem {
        /// The problem or model file.
        file: String,
        /// What is wrong.
        message: String,
    },
    #[error("{0}")]
    /// A condition could not be simulated or a formula not evaluated.
    Simulation(String),
}

impl PetabError {
    pub(crate) fn at(file: &Path, line: usize, column: &str, message: &str) -> PetabError {
        PetabError::Table {
            file: file.display().to_string(),
            line,
            column: column.to_string(),
            message: message.to_string(),
        }
    }

    pub(crate) fn problem(file: &Path, message: impl Into<String>) -> PetabError {
        PetabError::Problem {
            file: file.display().to_string(),
            message: message.into(),
        }
    }
}
