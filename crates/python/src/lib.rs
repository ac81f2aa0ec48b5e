//! The native half of the Python package `her2sim` (module `her2sim._her2sim`): a loaded SBML
//! model ([`model::Model`]), the HER2 laboratory's entry points ([`lab`]) and PEtab fitting
//! ([`petab`]), each a thin call
//! into the workspace crates with the GIL released while Rust computes. Results cross as plain
//! Python values (column lists, bytes of `f64`, JSON text); the Python wrapper
//! (`python/her2sim/__init__.py`) turns them into DataFrames and dicts. Every error becomes a
//! `her2sim.Her2simError` (a `ValueError`) carrying the message the CLI prints.

use pyo3::prelude::*;

mod lab;
mod model;
mod petab;
mod survival;
mod table;
mod trial;

pyo3::create_exception!(
    her2sim,
    Her2simError,
    pyo3::exceptions::PyValueError,
    "An error of her2sim (unreadable model, unknown id, invalid option, failed simulation); the message names what and why, as the command line does."
);

/// A `Her2simError` with `message`.
pub(crate) fn error(message: impl std::fmt::Display) -> PyErr {
    Her2simError::new_err(message.to_string())
}

/// The native module; import `her2sim`, not this.
#[pymodule]
mod _her2sim {
    #[pymodule_export]
    use super::Her2simError;

    #[pymodule_export]
    use super::model::{load_file, load_text, Model};

    #[pymodule_export]
    use super::lab::{combo, dose_response, predict, study};

    #[pymodule_export]
    use super::petab::{fit, petab_problem, PetabProblem};

    #[pymodule_export]
    use super::trial::trial;

    #[pymodule_export]
    use super::survival::{survival_cox, survival_kaplan_meier, survival_logrank};
}
