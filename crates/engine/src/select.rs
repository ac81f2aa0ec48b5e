//! Output selections in libRoadRunner's convention: `time`, `S` (species amount or any other
//! symbol's value), `[S]` (species concentration).

use her2sim_model::{SymbolId, SymbolKind};

use crate::compile::Compiled;
use crate::EngineError;

/// How an output column or a set value reads the model (libRoadRunner's convention).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Selector {
    /// Model time.
    Time,
    /// A species' amount (`S`).
    Amount(SymbolId),
    /// A species' concentration (`[S]`).
    Concentration(SymbolId),
    /// Any symbol's value as its formulas see it (parameters, compartments, reaction rates).
    Value(SymbolId),
}

impl Selector {
    /// The model symbol selected (`None` for time).
    pub fn symbol(&self) -> Option<SymbolId> {
        match *self {
            Selector::Time => None,
            Selector::Amount(s) | Selector::Concentration(s) | Selector::Value(s) => Some(s),
        }
    }
}

/// Parses one selection name against the model.
pub fn parse_selector(c: &Compiled, name: &str) -> Result<Selector, EngineError> {
    let name = name.trim();
    if name == "time" {
        return Ok(Selector::Time);
    }
    parse_symbol_selector(c, name)
}

/// Parses a selection that names a model symbol (`S`, `[S]`), even one called `time`.
pub fn parse_symbol_selector(c: &Compiled, name: &str) -> Result<Selector, EngineError> {
    let name = name.trim();
    let unknown = |why: &str| EngineError::Selection(name.to_string(), why.to_string());
    if let Some(inner) = name.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        let s = c
            .model
            .find(inner)
            .ok_or_else(|| unknown("no species with this id"))?;
        return match c.model.symbols[s].kind {
            SymbolKind::Species { .. } => Ok(Selector::Concentration(s)),
            _ => Err(unknown(
                "[...] selects a species concentration, and this is not a species",
            )),
        };
    }
    let s = c.model.find(name).ok_or_else(|| {
        // Local parameters are named REACTION.ID; point at them.
        let local: Vec<&str> = c
            .model
            .symbols
            .iter()
            .map(|s| s.id.as_str())
            .filter(|id| id.rsplit_once('.').is_some_and(|(_, p)| p == name))
            .collect();
        if local.is_empty() {
            unknown("no symbol with this id in the model")
        } else {
            unknown(&format!(
                "no global symbol with this id; kinetic-law local parameters: {}",
                local.join(", ")
            ))
        }
    })?;
    Ok(match c.model.symbols[s].kind {
        SymbolKind::Species { .. } => Selector::Amount(s),
        _ => Selector::Value(s),
    })
}

/// The selected value from loaded slots at time `t`.
/// A species' compartment and whether its slot holds an amount (a non-species: itself, true).
fn compartment_of(c: &Compiled, s: SymbolId) -> (SymbolId, bool) {
    match c.model.symbols[s].kind {
        SymbolKind::Species {
            compartment,
            amount_valued,
            ..
        } => (compartment, amount_valued),
        _ => (s, true),
    }
}

/// The derivative of [`value`] along a direction in which slot `s` changes by `dv(s)`
/// (product and quotient rules for amounts and concentrations).
pub fn value_derivative(c: &Compiled, v: &[f64], dv: impl Fn(usize) -> f64, sel: Selector) -> f64 {
    let species = |s: SymbolId| compartment_of(c, s);
    match sel {
        Selector::Time => 0.0,
        Selector::Value(s) => dv(s),
        Selector::Amount(s) => {
            if let Some(a) = c.amount_slot[s] {
                return dv(a);
            }
            let (comp, amount_valued) = species(s);
            if amount_valued {
                dv(s)
            } else {
                dv(s) * v[comp] + v[s] * dv(comp)
            }
        }
        Selector::Concentration(s) => {
            let (comp, amount_valued) = species(s);
            if amount_valued {
                (dv(s) * v[comp] - v[s] * dv(comp)) / (v[comp] * v[comp])
            } else {
                dv(s)
            }
        }
    }
}

pub fn value(c: &Compiled, v: &[f64], t: f64, sel: Selector) -> f64 {
    let species = |s: SymbolId| compartment_of(c, s);
    match sel {
        Selector::Time => t,
        Selector::Value(s) => v[s],
        Selector::Amount(s) => {
            if let Some(a) = c.amount_slot[s] {
                return v[a];
            }
            let (comp, amount_valued) = species(s);
            if amount_valued {
                v[s]
            } else {
                v[s] * v[comp]
            }
        }
        Selector::Concentration(s) => {
            let (comp, amount_valued) = species(s);
            if amount_valued {
                v[s] / v[comp]
            } else {
                v[s]
            }
        }
    }
}
