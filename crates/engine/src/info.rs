//! Typed lists of what a loaded model holds (species, parameters, compartments, reactions,
//! the state vector) and parsed selections, so callers never reach into the compiled model.

use her2sim_model::{Determined, SymbolKind};
use serde::Serialize;

use crate::compile::Compiled;
use crate::select::Selector;

/// What decides a quantity's value over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeterminedBy {
    /// Declared constant.
    Constant,
    /// Not constant, but nothing but events (or [`crate::Run::set`]) changes it.
    /// PLACEHOLDER_SKIP
    Events,
    /// An assignment rule gives its value at all times.
    AssignmentRule,
    /// A rate rule gives its time derivative.
    RateRule,
    /// Changed by reactions.
    Reactions,
    /// Solved from an algebraic rule.
    AlgebraicRule,
    /// A reaction id: its value is the rate.
    KineticLaw,
}

/// A species of the model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpeciesInfo {
    /// The SBML id.
    pub id: String,
    /// The id of its compartment.
    pub compartment: String,
    /// Its value in formulas is an amount (hasOnlySubstanceUnits), not a concentration.
    pub amount_valued: bool,
    /// A boundary species: reactions do not change it.
    pub boundary: bool,
    /// What changes it over time.
    pub determined_by: DeterminedBy,
}

/// A parameter: global, or local to a reaction (`reaction.id`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParameterInfo {
    /// The id (`reaction.id` for a kinetic-law local parameter).
    pub id: String,
    /// Local to one reaction's kinetic law.
    pub local: bool,
    /// What changes it over time.
    pub determined_by: DeterminedBy,
}

/// A compartment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompartmentInfo {
    /// The SBML id.
    pub id: String,
    /// Spatial dimensions (3 when the model does not say).
    pub dimensions: f64,
    /// What changes its size over time.
    pub determined_by: DeterminedBy,
}

/// Parsed output columns: each selector with the name it was given by.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// How each column reads the model.
    pub selectors: Vec<Selector>,
    /// Each column's name as given (the CSV header).
    pub names: Vec<String>,
}

pub(crate) fn determined_by(c: &Compiled, s: usize) -> DeterminedBy {
    let sym = &c.model.symbols[s];
    match sym.determined {
        Determined::Fixed if sym.constant => DeterminedBy::Constant,
        Determined::Fixed => DeterminedBy::Events,
        Determined::Assignment(_) => DeterminedBy::AssignmentRule,
        Determined::Rate(_) => DeterminedBy::RateRule,
        Determined::Reactions => DeterminedBy::Reactions,
        Determined::Algebraic(_) => DeterminedBy::AlgebraicRule,
        Determined::KineticLaw(_) => DeterminedBy::KineticLaw,
    }
}

pub(crate) fn species(c: &Compiled) -> Vec<SpeciesInfo> {
    let symbols = &c.model.symbols;
    symbols
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match s.kind {
            SymbolKind::Species {
                compartment,
                amount_valued,
                boundary,
                ..
            } => Some(SpeciesInfo {
                id: s.id.clone(),
                compartment: symbols[compartment].id.clone(),
                amount_valued,
                boundary,
                determined_by: determined_by(c, i),
            }),
            _ => None,
        })
        .collect()
}

pub(crate) fn parameters(c: &Compiled) -> Vec<ParameterInfo> {
    c.model
        .symbols
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let local = match s.kind {
                SymbolKind::Parameter => false,
                SymbolKind::LocalParameter => true,
                _ => return None,
            };
            Some(ParameterInfo {
                id: s.id.clone(),
                local,
                determined_by: determined_by(c, i),
            })
        })
        .collect()
}

pub(crate) fn compartments(c: &Compiled) -> Vec<CompartmentInfo> {
    c.model
        .symbols
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match s.kind {
            SymbolKind::Compartment { dimensions } => Some(CompartmentInfo {
                id: s.id.clone(),
                dimensions,
                determined_by: determined_by(c, i),
            }),
            _ => None,
        })
        .collect()
}
