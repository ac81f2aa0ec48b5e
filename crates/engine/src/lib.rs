//! The her2sim simulation engine: compiles a model to slot programs and runs deterministic
//! time courses with exact SBML event semantics, algebraic rules (as a DAE) and delays.
//!
//! ```no_run
//! use her2sim_engine::{Simulator, SimOptions};
//! let sim = Simulator::from_file("model.xml".as_ref()).unwrap();
//! let out = sim.simulate(&SimOptions::default(), "time,S1,[S2]").unwrap();
//! println!("{:?}", out.rows.last());
//! ```

mod compile;
mod deriv;
mod error;
mod eval;
mod events;
mod fast;
mod grid;
mod jacobian;
pub(crate) mod runtime;
mod select;
mod simulate;
pub mod ssa;
mod sumtree;
mod tauleap;
pub mod testsuite;

use std::path::Path;

pub use compile::Compiled;
pub use error::EngineError;
pub use grid::MAX_OUTPUT_VALUES;
pub use her2sim_ode::Method;
pub use select::{parse_selector, parse_symbol_selector, Selector};
pub use simulate::{SimOptions, TimeCourse};

/// The factor on fast reaction rates when they are simulated as a singular perturbation.
pub const FAST_SCALE: f64 = 1e7;

/// A loaded, compiled model ready to simulate.
pub struct Simulator {
    compiled: Compiled,
}

impl Simulator {
    /// Reads, validates and compiles an SBML file.
    pub fn from_file(path: &Path) -> Result<Self, EngineError> {
        let doc = her2sim_sbml::read_file(path)?;
        Self::from_document(&doc)
    }

    pub fn from_sbml_text(text: &str) -> Result<Self, EngineError> {
        let doc = her2sim_sbml::read_str(text)?;
        Self::from_document(&doc)
    }

    pub fn from_document(doc: &her2sim_sbml::Document) -> Result<Self, EngineError> {
        let model = her2sim_model::build(doc)?;
        let compiled = match Compiled::new(model.clone()) {
            // What the exact equilibrium constraint cannot express, the scaled form can.
            Err(EngineError::Unsupported(_)) if model.reactions.iter().any(|r| r.fast) => {
                Compiled::with_fast_mode(model, compile::FastMode::Scaled(FAST_SCALE))?
            }
            other => other?,
        };
        Ok(Simulator { compiled })
    }

    pub fn compiled(&self) -> &Compiled {
        &self.compiled
    }

    /// Runs a time course; `selection` is a comma-separated list like `time,S1,[S2],k1`.
    pub fn simulate(&self, opts: &SimOptions, selection: &str) -> Result<TimeCourse, EngineError> {
        let names: Vec<String> = selection
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if names.is_empty() {
            return Err(EngineError::Options("the selection is empty".into()));
        }
        let sel = select::parse_selection(&self.compiled, selection)?;
        self.simulate_selectors(opts, &sel, &names)
    }

    /// The target of a start-value override (`k1`, `S` amount, `[S]` concentration): any
    /// symbol not computed by an assignment rule or a kinetic law.
    pub fn override_target(&self, name: &str) -> Result<Selector, EngineError> {
        let sel = select::parse_symbol_selector(&self.compiled, name)?;
        let sym = match sel {
            Selector::Value(s) | Selector::Amount(s) | Selector::Concentration(s) => s,
            Selector::Time => {
                return Err(EngineError::Selection(
                    name.into(),
                    "time cannot be set".into(),
                ))
            }
        };
        match self.compiled.model.symbols[sym].determined {
            her2sim_model::Determined::Assignment(_) | her2sim_model::Determined::KineticLaw(_) => {
                Err(EngineError::Selection(
                    name.into(),
                    "its value is computed by a rule or kinetic law and cannot be set".into(),
                ))
            }
            _ => Ok(sel),
        }
    }

    /// Runs a stochastic ensemble (Gillespie direct method); `selection` like `time,X-mean,X-sd`.
    pub fn simulate_ssa(
        &self,
        opts: &ssa::SsaOptions,
        selection: &str,
    ) -> Result<TimeCourse, EngineError> {
        self.simulate_ssa_counted(opts, selection).map(|(t, _)| t)
    }

    /// As [`Simulator::simulate_ssa`], also returning the reaction firings of all replicates.
    pub fn simulate_ssa_counted(
        &self,
        opts: &ssa::SsaOptions,
        selection: &str,
    ) -> Result<(TimeCourse, u64), EngineError> {
        let names: Vec<String> = selection
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let columns = names
            .iter()
            .map(|n| ssa::parse_column(&self.compiled, n, opts.replicates))
            .collect::<Result<Vec<_>, _>>()?;
        ssa::simulate_ssa_counted(&self.compiled, opts, &columns, &names)
    }

    /// Runs a time course with already parsed selectors; `names` label the columns.
    pub fn simulate_selectors(
        &self,
        opts: &SimOptions,
        selectors: &[Selector],
        names: &[String],
    ) -> Result<TimeCourse, EngineError> {
        match simulate::simulate(&self.compiled, opts, selectors, names) {
            // A fast equilibrium the constraint form cannot solve (a rate that vanishes
            // identically, or a root the fast dynamics would never reach): retry with the
            // fast reactions as a singular perturbation.
            Err(EngineError::Solver(_))
                if self.compiled.fast_scale.is_none()
                    && self.compiled.model.reactions.iter().any(|r| r.fast) =>
            {
                let scaled = Compiled::with_fast_mode(
                    self.compiled.model.clone(),
                    compile::FastMode::Scaled(FAST_SCALE),
                )?;
                simulate::simulate(&scaled, opts, selectors, names)
            }
            other => other,
        }
    }
}
