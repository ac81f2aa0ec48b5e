//! The validated model IR: every SBML symbol resolved to an index, function definitions
//! inlined, local parameters made unique, and each variable classified by what determines it
//! (a constant, an assignment rule, a rate rule, reactions, an algebraic rule, or only events).
//!
//! The engine compiles this IR; nothing downstream looks at SBML text again.

mod build;
mod error;
mod expr;
mod order;
mod rateof;

pub use build::{build, MAX_EXPR_DEPTH, MAX_EXPR_NODES};
pub use error::ModelError;
pub use expr::{Distribution, Expr, Op};

/// SBML's value of Avogadro's number (L3 csymbol `avogadro`).
pub const AVOGADRO: f64 = 6.02214179e23;

/// Index of a symbol in [`Model::symbols`].
pub type SymbolId = usize;

#[derive(Debug, Clone, PartialEq)]
pub enum SymbolKind {
    Compartment {
        dimensions: f64,
    },
    Species {
        compartment: SymbolId,
        /// The symbol's value in math is its amount (hasOnlySubstanceUnits, or a 0-D compartment).
        amount_valued: bool,
        boundary: bool,
        conversion_factor: Option<SymbolId>,
    },
    Parameter,
    /// A kinetic-law local parameter, renamed `reaction.local` to be unique.
    LocalParameter,
    SpeciesReference,
    /// A reaction id; its value in math is the reaction rate.
    Reaction,
}

/// What decides a variable's value over time.
#[derive(Debug, Clone, PartialEq)]
pub enum Determined {
    /// Fixed after initialisation, except by events.
    Fixed,
    Assignment(Expr),
    Rate(Expr),
    /// Amount changed by reactions (non-boundary, non-constant species).
    Reactions,
    /// Solved from the algebraic rule with this index in [`Model::algebraic_rules`].
    Algebraic(usize),
    /// The reaction with this index: value is its kinetic law.
    KineticLaw(usize),
}

#[derive(Debug, Clone)]
pub struct Symbol {
    pub id: String,
    pub kind: SymbolKind,
    pub constant: bool,
    /// How the initial value is defined before assignments.
    pub initial: InitialValue,
    pub determined: Determined,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum InitialValue {
    /// A value in the symbol's own math meaning.
    Value(f64),
    /// A species given as amount whose math value is a concentration (or vice versa): needs its
    /// compartment size.
    SpeciesAmount(f64),
    SpeciesConcentration(f64),
    /// An initial assignment.
    Assigned(Expr),
    /// Nothing defines it (an algebraic variable or an error reported on use).
    Undefined,
}

#[derive(Debug, Clone)]
pub struct Stoichiometry {
    pub species: SymbolId,
    /// Constant stoichiometry, or the species-reference symbol that holds a variable one.
    pub value: StoichValue,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StoichValue {
    Const(f64),
    Symbol(SymbolId),
}

#[derive(Debug, Clone)]
pub struct Reaction {
    pub symbol: SymbolId,
    pub rate: Expr,
    pub reactants: Vec<Stoichiometry>,
    pub products: Vec<Stoichiometry>,
    pub fast: bool,
}

#[derive(Debug, Clone)]
pub struct Event {
    pub id: String,
    pub trigger: Expr,
    pub initial_value: bool,
    pub persistent: bool,
    pub delay: Option<Expr>,
    pub priority: Option<Expr>,
    pub use_values_from_trigger_time: bool,
    pub assignments: Vec<(SymbolId, Expr)>,
}

/// A model ready to compile.
#[derive(Debug, Clone)]
pub struct Model {
    pub id: String,
    pub symbols: Vec<Symbol>,
    pub reactions: Vec<Reaction>,
    pub algebraic_rules: Vec<Expr>,
    pub events: Vec<Event>,
    /// Symbols with an assignment rule, reaction rate or stoichiometryMath, in evaluation order.
    pub assignment_order: Vec<SymbolId>,
    /// All symbols in the order their initial values must be computed.
    pub initial_order: Vec<SymbolId>,
}

impl Model {
    pub fn find(&self, id: &str) -> Option<SymbolId> {
        self.symbols.iter().position(|s| s.id == id)
    }
}
