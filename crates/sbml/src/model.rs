//! Typed SBML core components, one struct per SBML element, with the line each came from.
//! Attribute defaults of the document's level are applied by the reader.

use crate::Math;

/// A whole SBML document.
#[derive(Debug, Clone, Default)]
pub struct Document {
    pub level: u32,
    pub version: u32,
    /// Package prefixes declared on `<sbml>` (e.g. `comp`, `fbc`, `layout`) with their `required` flag.
    pub packages: Vec<(String, bool)>,
    pub model: Model,
    /// The `fbc` package's content (flux bounds, objectives, gene products), when the
    /// document declares the package.
    pub fbc: Option<crate::Fbc>,
}

#[derive(Debug, Clone, Default)]
pub struct Model {
    pub id: Option<String>,
    pub name: Option<String>,
    /// L3 model-wide species conversion factor (a parameter id).
    pub conversion_factor: Option<String>,
    pub function_definitions: Vec<FunctionDefinition>,
    pub compartments: Vec<Compartment>,
    pub species: Vec<Species>,
    pub parameters: Vec<Parameter>,
    pub initial_assignments: Vec<InitialAssignment>,
    pub rules: Vec<Rule>,
    pub constraints: Vec<Constraint>,
    pub reactions: Vec<Reaction>,
    pub events: Vec<Event>,
}

#[derive(Debug, Clone)]
pub struct FunctionDefinition {
    pub id: String,
    /// A `Math::Lambda`, or `None` when the element has no math.
    pub math: Option<Math>,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub struct Compartment {
    pub id: String,
    pub spatial_dimensions: Option<f64>,
    pub size: Option<f64>,
    pub constant: bool,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub struct Species {
    pub id: String,
    pub compartment: String,
    pub initial_amount: Option<f64>,
    pub initial_concentration: Option<f64>,
    pub has_only_substance_units: bool,
    pub boundary_condition: bool,
    pub constant: bool,
    pub conversion_factor: Option<String>,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub struct Parameter {
    pub id: String,
    pub value: Option<f64>,
    pub constant: bool,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub struct InitialAssignment {
    pub symbol: String,
    pub math: Option<Math>,
    pub line: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    Assignment,
    Rate,
    Algebraic,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub kind: RuleKind,
    /// The variable set by an assignment or rate rule; `None` for algebraic rules.
    pub variable: Option<String>,
    pub math: Option<Math>,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub struct Constraint {
    pub math: Option<Math>,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub struct Reaction {
    pub id: String,
    pub reversible: bool,
    pub fast: bool,
    pub compartment: Option<String>,
    pub reactants: Vec<SpeciesReference>,
    pub products: Vec<SpeciesReference>,
    pub modifiers: Vec<String>,
    pub kinetic_law: Option<KineticLaw>,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub struct SpeciesReference {
    pub id: Option<String>,
    pub species: String,
    /// The stoichiometry attribute (L2 default 1; L3 has no default).
    pub stoichiometry: Option<f64>,
    /// L3 `constant` attribute; L2 references are constant unless they have stoichiometryMath.
    pub constant: bool,
    /// L2 `<stoichiometryMath>`.
    pub stoichiometry_math: Option<Math>,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub struct KineticLaw {
    pub math: Option<Math>,
    /// `localParameter` (L3) or `parameter` inside the kinetic law (L2).
    pub local_parameters: Vec<Parameter>,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub struct Event {
    pub id: Option<String>,
    pub use_values_from_trigger_time: bool,
    pub trigger: Option<Trigger>,
    pub delay: Option<Math>,
    pub priority: Option<Math>,
    pub assignments: Vec<EventAssignment>,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub struct Trigger {
    pub math: Option<Math>,
    pub initial_value: bool,
    pub persistent: bool,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub struct EventAssignment {
    pub variable: String,
    pub math: Option<Math>,
    pub line: u32,
}

impl Document {
    /// Replaces every element's line by `map(line)` (a flattened comp document's lines are
    /// mapped back to the input's).
    pub(crate) fn remap_lines(&mut self, map: impl Fn(u32) -> u32) {
        let m = &mut self.model;
        m.function_definitions
            .iter_mut()
            .for_each(|x| x.line = map(x.line));
        m.compartments.iter_mut().for_each(|x| x.line = map(x.line));
        m.species.iter_mut().for_each(|x| x.line = map(x.line));
        m.parameters.iter_mut().for_each(|x| x.line = map(x.line));
        m.initial_assignments
            .iter_mut()
            .for_each(|x| x.line = map(x.line));
        m.rules.iter_mut().for_each(|x| x.line = map(x.line));
        m.constraints.iter_mut().for_each(|x| x.line = map(x.line));
        for r in &mut m.reactions {
            r.line = map(r.line);
            for s in r.reactants.iter_mut().chain(r.products.iter_mut()) {
                s.line = map(s.line);
            }
            if let Some(k) = &mut r.kinetic_law {
                k.line = map(k.line);
                k.local_parameters
                    .iter_mut()
                    .for_each(|p| p.line = map(p.line));
            }
        }
        for e in &mut m.events {
            e.line = map(e.line);
            if let Some(t) = &mut e.trigger {
                t.line = map(t.line);
            }
            e.assignments.iter_mut().for_each(|a| a.line = map(a.line));
        }
        if let Some(f) = &mut self.fbc {
            f.flux_bounds.iter_mut().for_each(|b| b.line = map(b.line));
            f.objectives.iter_mut().for_each(|o| o.line = map(o.line));
            f.reactions.iter_mut().for_each(|r| r.line = map(r.line));
        }
    }
}
