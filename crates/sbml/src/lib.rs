//! Reads SBML Level 2 (v1–v5) and Level 3 (v1–v2) core documents into typed structs, and the
//! Level 3 `fbc` package (flux bounds, objectives, gene products) beside them. Level 3 `comp`
//! documents (hierarchical models) are flattened into one core model as they are read.
//!
//! This crate only parses: it turns XML into [`Document`] and MathML into [`Math`] trees, and
//! reports malformed input with the element id and line. Meaning (which variable is a state,
//! what a rule determines) is decided downstream in `her2sim-model`.
//!
//! ```no_run
//! let doc = her2sim_sbml::read_file(std::path::Path::new("model.xml")).unwrap();
//! println!("{} species", doc.model.species.len());
//! ```

mod comp;
mod error;
mod fbc;
mod math;
mod mathml;
mod model;
mod parse;
mod xml_guard;

pub use comp::{MAX_COMP_DEPTH, MAX_FLAT_ELEMENTS};
pub use error::SbmlError;
pub use fbc::{
    BoundOperation, Fbc, FluxBound, GeneAssociation, GeneProduct, Objective, ObjectiveSense,
    ReactionFbc, SpeciesFbc,
};
pub use math::{Constant, Distribution, Math, Op};
pub use model::*;
pub use parse::{read_file, read_str, read_str_in};
pub use xml_guard::{MAX_ATTRIBUTES, MAX_XML_DEPTH};

/// Parses a content-MathML `<math>` element (as found in SBML, and in SED-ML data generators)
/// into a [`Math`] tree; `None` when it is empty. Errors carry the line of the offending node.
pub fn parse_math(math: roxmltree::Node) -> Result<Option<Math>, SbmlError> {
    mathml::reset_line_index();
    mathml::parse_math_element(math)
}
