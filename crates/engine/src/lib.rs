//! The her2sim simulation engine: compiles a model to slot programs and runs deterministic
//! time courses with exact SBML event semantics, algebraic rules (as a DAE) and delays, and
//! stochastic ensembles (SSA, tau-leaping).
//!
//! ```no_run
//! use her2sim_engine::{Simulator, SimOptions};
//! let sim = Simulator::from_file("model.xml".as_ref()).unwrap();
//! let selection = sim.selection(&["time", "S1", "[S2]"]).unwrap();
//! let out = sim.simulate(&SimOptions::default(), &selection).unwrap();
//! println!("{:?}", out.rows.last());
//!
//! // A stateful run: advance, dose, advance, sample.
//! let mut run = sim.start(&SimOptions::default()).unwrap();
//! run.advance_to(5.0).unwrap();
//! run.set(sim.selector("S1").unwrap(), 10.0).unwrap();
//! run.advance_to(10.0).unwrap();
//! println!("{:?}", run.sample(&selection.selectors));
//! ```

#![warn(missing_docs)]

mod compile;
mod deriv;
mod draw;
mod ensemble;
mod error;
mod eval;
mod events;
mod fast;
pub mod fba;
mod grid;
mod info;
mod jacobian;
mod jit;
mod run;
pub(crate) mod runtime;
mod select;
mod sens;
mod sens_events;
mod simulate;
pub mod ssa;
mod ssa_channels;
mod sumtree;
mod tauleap;
pub mod testsuite;

use std::path::Path;

use compile::Compiled;
pub use error::EngineError;
pub use grid::MAX_OUTPUT_VALUES;
pub use her2sim_ode::{LinearSolver, Method, SolverError, Stats};
pub use info::{CompartmentInfo, DeterminedBy, ParameterInfo, Selection, SpeciesInfo};
pub use run::Run;
pub use select::Selector;
pub use sens::{SensitivityParameter, SensitivityRun};
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

    /// Reads, validates and compiles an SBML document given as text.
    pub fn from_sbml_text(text: &str) -> Result<Self, EngineError> {
        let doc = her2sim_sbml::read_str(text)?;
        Self::from_document(&doc)
    }

    /// As [`Simulator::from_sbml_text`] for text read from a file in `dir`: a hierarchical
    /// (`comp`) model's external model definitions are files relative to it.
    pub fn from_sbml_text_in(text: &str, dir: &Path) -> Result<Self, EngineError> {
        let doc = her2sim_sbml::read_str_in(text, dir)?;
        Self::from_document(&doc)
    }

    /// Validates and compiles an already parsed SBML document (falls back to fast reactions
    /// as a singular perturbation where the equilibrium constraint cannot express them).
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

    pub(crate) fn compiled(&self) -> &Compiled {
        &self.compiled
    }

    /// Chooses how the model's right-hand side and Jacobian are evaluated: native code
    /// compiled from the model (`true`, the default unless the environment variable
    /// `HER2SIM_INTERPRETER=1` is set) or the expression interpreter (`false`). Models with
    /// `delay`, `rateOf` or fast reactions always use the interpreter; results agree bit for
    /// bit either way.
    pub fn set_native_code(&mut self, on: bool) {
        if on != self.compiled.native {
            self.compiled.set_native(on);
        }
    }

    /// True when the right-hand side runs as native code (see
    /// [`Simulator::set_native_code`]).
    pub fn native_code(&self) -> bool {
        self.compiled.native_rhs.is_some()
    }

    /// The model's species, in document order.
    pub fn species(&self) -> Vec<SpeciesInfo> {
        info::species(&self.compiled)
    }

    /// The model's parameters (global, then reaction-local as `reaction.id`).
    pub fn parameters(&self) -> Vec<ParameterInfo> {
        info::parameters(&self.compiled)
    }

    /// The model's compartments.
    pub fn compartments(&self) -> Vec<CompartmentInfo> {
        info::compartments(&self.compiled)
    }

    /// The ids of the reactions.
    pub fn reactions(&self) -> Vec<String> {
        let c = &self.compiled;
        c.model
            .reactions
            .iter()
            .map(|r| c.name(r.symbol).to_string())
            .collect()
    }

    /// The ids of the state vector's entries ([`Run::state`]), in order.
    pub fn state_ids(&self) -> Vec<String> {
        let c = &self.compiled;
        c.states
            .iter()
            .map(|s| c.name(s.symbol).to_string())
            .collect()
    }

    /// How one selection name (`time`, `S1`, `[S1]`, `k1`) reads the model.
    pub fn selector(&self, name: &str) -> Result<Selector, EngineError> {
        select::parse_selector(&self.compiled, name)
    }

    /// The value `id` has in the model's formulas: a species' concentration (its amount when
    /// it has only substance units), any other symbol's value.
    pub fn formula_selector(&self, id: &str) -> Result<Selector, EngineError> {
        self.compiled
            .model
            .symbols
            .iter()
            .position(|s| s.id == id)
            .map(Selector::Value)
            .ok_or_else(|| EngineError::Selection(id.into(), "no such symbol in the model".into()))
    }

    /// Parses output columns given by name.
    pub fn selection<S: AsRef<str>>(&self, names: &[S]) -> Result<Selection, EngineError> {
        let names: Vec<String> = names
            .iter()
            .map(|n| n.as_ref().trim().to_string())
            .collect();
        if names.is_empty() || names.iter().any(String::is_empty) {
            return Err(EngineError::Options(
                "the selection is empty or has an empty name".into(),
            ));
        }
        let selectors = names
            .iter()
            .map(|n| self.selector(n))
            .collect::<Result<_, _>>()?;
        Ok(Selection { selectors, names })
    }

    /// Parses a comma-separated selection like `time,S1,[S2],k1` (the CLI's `--select`).
    pub fn selection_list(&self, list: &str) -> Result<Selection, EngineError> {
        let names: Vec<&str> = list.split(',').filter(|s| !s.trim().is_empty()).collect();
        self.selection(&names)
    }

    /// Time and every species concentration (every species' amount if it has no compartment
    /// size): what a time course shows when nothing is selected.
    pub fn default_selection(&self) -> Selection {
        let mut names = vec!["time".to_string()];
        names.extend(self.species().into_iter().map(|s| format!("[{}]", s.id)));
        let selectors = names
            .iter()
            .map(|n| self.selector(n).unwrap_or(Selector::Time))
            .collect();
        Selection { selectors, names }
    }

    /// Starts a run at `opts.start` (initial values with `opts.overrides`, initial events);
    /// advance it with [`Run::advance_to`], change values with [`Run::set`].
    pub fn start(&self, opts: &SimOptions) -> Result<Run<'_>, EngineError> {
        Run::start(&self.compiled, opts)
    }

    /// Runs a time course: `steps + 1` rows of `selection` at evenly spaced times.
    pub fn simulate(
        &self,
        opts: &SimOptions,
        selection: &Selection,
    ) -> Result<TimeCourse, EngineError> {
        self.simulate_selectors(opts, &selection.selectors, &selection.names)
    }

    /// As [`Simulator::simulate`] with a comma-separated selection (`time,S1,[S2]`).
    pub fn simulate_list(&self, opts: &SimOptions, list: &str) -> Result<TimeCourse, EngineError> {
        self.simulate(opts, &self.selection_list(list)?)
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

    /// The default columns of a stochastic ensemble: `time` and every species amount
    /// (molecule count; concentrations are deterministic-run defaults), as `S` with one
    /// replicate and as `S-mean`, `S-sd` with several. A species whose amount cannot be
    /// selected stochastically is left out rather than failing the run.
    pub fn default_ssa_selection(&self, replicates: usize) -> Vec<String> {
        let mut names = vec!["time".to_string()];
        for s in self.species() {
            let candidates = if replicates > 1 {
                vec![format!("{}-mean", s.id), format!("{}-sd", s.id)]
            } else {
                vec![s.id.clone()]
            };
            // (A species called `time` would read as the time column: left out too.)
            if candidates.iter().all(|n| {
                ssa::parse_column(&self.compiled, n, replicates)
                    .is_ok_and(|col| col != ssa::Column::Time)
            }) {
                names.extend(candidates);
            }
        }
        names
    }

    /// Runs a stochastic ensemble (Gillespie direct method); `selection` like `time,X-mean,X-sd`.
    pub fn simulate_ssa(
        &self,
        opts: &ssa::SsaOptions,
        selection: &str,
    ) -> Result<TimeCourse, EngineError> {
        self.simulate_ssa_counted(opts, selection).map(|(t, _)| t)
    }

    /// One stochastic trajectory (`opts.replicates` is ignored) with `selectors` sampled at
    /// `times` (ascending; the first is the start): what a SED-ML task with a stochastic
    /// algorithm reports. The same seed gives the same trajectory.
    pub fn simulate_ssa_at(
        &self,
        opts: &ssa::SsaOptions,
        times: &[f64],
        selectors: &[Selector],
    ) -> Result<Vec<Vec<f64>>, EngineError> {
        ssa::single_trajectory(&self.compiled, opts, times, selectors)
    }

    /// As [`Simulator::simulate_ssa`], also returning the reaction firings of all replicates.
    pub fn simulate_ssa_counted(
        &self,
        opts: &ssa::SsaOptions,
        selection: &str,
    ) -> Result<(TimeCourse, u64), EngineError> {
        let (names, columns) = self.ensemble_columns(selection, opts.replicates)?;
        ssa::simulate_ssa_counted(&self.compiled, opts, &columns, &names)
    }

    /// Runs `replicates` deterministic time courses that differ in their `distrib` draws
    /// (replicate k seeded with stream k of `opts.seed`, as SSA replicates are); `selection`
    /// like `time,X-mean,X-sd` (plain `X` with one replicate).
    pub fn simulate_replicates(
        &self,
        opts: &SimOptions,
        selection: &str,
        replicates: usize,
    ) -> Result<TimeCourse, EngineError> {
        let (names, columns) = self.ensemble_columns(selection, replicates)?;
        simulate::simulate_replicates(&self.compiled, opts, &columns, &names, replicates)
    }

    /// The names and parsed columns of an ensemble selection (`time,X-mean,X-sd`).
    fn ensemble_columns(
        &self,
        selection: &str,
        replicates: usize,
    ) -> Result<(Vec<String>, Vec<ssa::Column>), EngineError> {
        let names: Vec<String> = selection
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let columns = names
            .iter()
            .map(|n| ssa::parse_column(&self.compiled, n, replicates))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((names, columns))
    }

    /// Whether the model makes `distrib` random draws (so runs differ by seed).
    pub fn has_draws(&self) -> bool {
        self.compiled.has_draws
    }

    /// Forward sensitivities at chosen times: `selection` and, after it, `dX/dp` for every
    /// selected X and every target p (start-value override targets, see
    /// [`Simulator::override_target`]; columns named after `target_names`). `times` must be
    /// ascending and not before `opts.start` (`opts.duration`/`steps` are not used).
    pub fn sensitivities_at(
        &self,
        opts: &SimOptions,
        selection: &Selection,
        targets: &[Selector],
        target_names: &[String],
        times: &[f64],
    ) -> Result<TimeCourse, EngineError> {
        if targets.len() != target_names.len() {
            return Err(EngineError::Options(
                "one name per sensitivity target is needed".into(),
            ));
        }
        let params = self.sensitivity_targets(targets, target_names)?;
        sens::sensitivities_at(
            &self.compiled,
            opts,
            &selection.selectors,
            &selection.names,
            &params,
            target_names,
            times,
        )
    }

    /// A run carrying the sensitivities of its state by `parameters` (see
    /// [`SensitivityParameter`]): advance it, sample values with their derivatives, or
    /// bring it to a steady state. Targets must be settable, each symbol in one parameter.
    pub fn start_sensitivities(
        &self,
        opts: &SimOptions,
        parameters: &[SensitivityParameter],
    ) -> Result<SensitivityRun<'_>, EngineError> {
        let targets: Vec<Selector> = parameters
            .iter()
            .flat_map(|p| p.targets.iter().copied())
            .collect();
        let names: Vec<String> = targets
            .iter()
            .map(|t| match t.symbol() {
                Some(s) => self.compiled.name(s).to_string(),
                None => "time".into(),
            })
            .collect();
        self.sensitivity_targets(&targets, &names)?;
        if let Some((i, _)) = parameters
            .iter()
            .flat_map(|p| p.slopes.iter())
            .find(|(i, _)| *i >= opts.overrides.len())
        {
            return Err(EngineError::Options(format!(
                "sensitivity slope for override {i}, but there are only {}",
                opts.overrides.len()
            )));
        }
        SensitivityRun::start(&self.compiled, opts, parameters)
    }

    /// Checks sensitivity targets: settable, each symbol once.
    fn sensitivity_targets(
        &self,
        targets: &[Selector],
        names: &[String],
    ) -> Result<Vec<SensitivityParameter>, EngineError> {
        let mut seen = std::collections::HashSet::new();
        targets
            .iter()
            .zip(names)
            .map(|(&target, name)| {
                let Some(sym) = target.symbol() else {
                    return Err(EngineError::Selection(
                        name.clone(),
                        "time cannot be a parameter".into(),
                    ));
                };
                if matches!(
                    self.compiled.model.symbols[sym].determined,
                    her2sim_model::Determined::Assignment(_)
                        | her2sim_model::Determined::KineticLaw(_)
                ) {
                    return Err(EngineError::Selection(
                        name.clone(),
                        "its value is computed by a rule or kinetic law and cannot be set".into(),
                    ));
                }
                if !seen.insert(sym) {
                    return Err(EngineError::Options(format!(
                        "'{name}' is listed twice among the sensitivity parameters"
                    )));
                }
                Ok(SensitivityParameter::of(target))
            })
            .collect()
    }

    /// A time course of `selection` with forward sensitivities: after its columns, `dX/dp`
    /// for every selected X (in the order given) and every parameter or start value p of
    /// `parameters` (names as for [`Simulator::override_target`]). Integrated with BDF.
    pub fn simulate_sensitivities<S: AsRef<str>>(
        &self,
        opts: &SimOptions,
        selection: &Selection,
        parameters: &[S],
    ) -> Result<TimeCourse, EngineError> {
        let names: Vec<String> = parameters
            .iter()
            .map(|p| p.as_ref().trim().to_string())
            .collect();
        let targets = names
            .iter()
            .map(|n| self.override_target(n))
            .collect::<Result<Vec<_>, _>>()?;
        let targets = self.sensitivity_targets(&targets, &names)?;
        sens::simulate_sensitivities(
            &self.compiled,
            opts,
            &selection.selectors,
            &selection.names,
            &targets,
            &names,
        )
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
