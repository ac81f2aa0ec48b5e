//! SBML document structure: walks `<sbml><model>` and fills the typed structs.

use std::path::Path;

use roxmltree::Node;

use crate::mathml::{line_of, parse_math_element, parse_number};
use crate::*;

/// Reads an SBML file. Errors name the line, element and reason (the caller adds the file name).
/// A `comp` document is flattened first, with its external model files found beside it.
pub fn read_file(path: &Path) -> Result<Document, SbmlError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| SbmlError::new(format!("cannot read file: {e}")))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    read(&text, Some(dir))
}

/// Reads an SBML document from text. A `comp` document can only use the model definitions
/// inside it: external model files need [`read_str_in`].
pub fn read_str(text: &str) -> Result<Document, SbmlError> {
    read(text, None)
}

/// Reads an SBML document from text that came from a file in `dir`: the external model
/// definitions of a `comp` document are files relative to it.
pub fn read_str_in(text: &str, dir: &Path) -> Result<Document, SbmlError> {
    read(text, Some(dir))
}

fn parse_xml(text: &str) -> Result<roxmltree::Document<'_>, SbmlError> {
    crate::xml_guard::check(text)?;
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(text, opts).map_err(|e| {
        let p = e.pos();
        SbmlError {
            line: Some(p.row),
            element: None,
            message: format!("malformed XML: {e}"),
        }
    })
}

fn read(text: &str, dir: Option<&Path>) -> Result<Document, SbmlError> {
    let xml = parse_xml(text)?;
    crate::mathml::reset_line_index();
    let root = xml.root_element();
    if root.tag_name().name() == "sbml"
        && root
            .namespaces()
            .any(|ns| crate::comp::is_comp_namespace(ns.uri()))
    {
        // Flattened to a core document (without the comp namespace), read as any other;
        // its lines are mapped back to the input's.
        let flat = crate::comp::flatten(root, dir)?;
        let flat_xml = parse_xml(&flat.text).map_err(|e| flat.map_error(e))?;
        crate::mathml::reset_line_index();
        let mut doc = read_document(&flat_xml).map_err(|e| flat.map_error(e))?;
        doc.remap_lines(|l| flat.map_line(l));
        return Ok(doc);
    }
    read_document(&xml)
}

fn read_document(xml: &roxmltree::Document) -> Result<Document, SbmlError> {
    let root = xml.root_element();
    if root.tag_name().name() != "sbml" {
        return Err(SbmlError::new(format!(
            "root element is <{}>, not <sbml>",
            root.tag_name().name()
        ))
        .at(line_of(root), "document"));
    }
    let level = attr_u32(root, "level")?.unwrap_or(0);
    let version = attr_u32(root, "version")?.unwrap_or(0);
    if !(2..=3).contains(&level) {
        return Err(SbmlError::new(format!(
            "unsupported: SBML Level {level} (Level 2 and 3 are read)"
        ))
        .at(line_of(root), "<sbml>"));
    }
    let packages = declared_packages(root);
    let model_node = elements(root)
        .find(|n| n.tag_name().name() == "model")
        .ok_or_else(|| SbmlError::new("no <model> element").at(line_of(root), "<sbml>"))?;
    let reader = Reader { level };
    let model = reader.model(model_node)?;
    // Namespaces in scope at <model> (declared there or on <sbml>).
    let fbc = model_node
        .namespaces()
        .find_map(|ns| crate::fbc::version_of(ns.uri()).map(|v| (ns.uri(), v)))
        .map(|(uri, v)| crate::fbc::read(model_node, uri, v))
        .transpose()?;
    Ok(Document {
        level,
        version,
        packages,
        model,
        fbc,
    })
}

/// Package namespaces declared on `<sbml>` as `(prefix, required)`.
fn declared_packages(root: Node) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for ns in root.namespaces() {
        let uri = ns.uri();
        if let Some(prefix) = ns.name() {
            if uri.contains("sbml.org/sbml/level3/version") && uri.contains("/version1") {
                let core = uri.ends_with("core");
                if !core {
                    let required = root
                        .attributes()
                        .find(|a| a.namespace() == Some(uri) && a.name() == "required")
                        .map(|a| a.value() == "true")
                        .unwrap_or(false);
                    out.push((prefix.to_string(), required));
                }
            }
        }
    }
    out
}

fn elements<'a, 'i>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(|n| n.is_element())
}

fn describe(node: Node) -> String {
    match node.attribute("id").or_else(|| node.attribute("variable")) {
        // Escaped: an id holding a line break must not split the one-line error.
        Some(id) => format!("{} '{}'", node.tag_name().name(), id.escape_debug()),
        None => format!("<{}>", node.tag_name().name()),
    }
}

pub(crate) fn err(node: Node, msg: impl Into<String>) -> SbmlError {
    SbmlError::new(msg).at(line_of(node), describe(node))
}

fn attr_u32(node: Node, name: &str) -> Result<Option<u32>, SbmlError> {
    node.attribute(name)
        .map(|v| {
            v.trim()
                .parse::<u32>()
                .map_err(|_| err(node, format!("attribute {name}='{v}' is not an integer")))
        })
        .transpose()
}

fn attr_f64(node: Node, name: &str) -> Result<Option<f64>, SbmlError> {
    node.attribute(name)
        .map(|v| {
            parse_number(v)
                .ok_or_else(|| err(node, format!("attribute {name}='{v}' is not a number")))
        })
        .transpose()
}

fn attr_bool(node: Node, name: &str, default: bool) -> Result<bool, SbmlError> {
    match node.attribute(name).map(str::trim) {
        None => Ok(default),
        Some("true") | Some("1") => Ok(true),
        Some("false") | Some("0") => Ok(false),
        Some(v) => Err(err(
            node,
            format!("attribute {name}='{v}' is not a boolean"),
        )),
    }
}

fn required_id(node: Node, attr: &str) -> Result<String, SbmlError> {
    match node.attribute(attr) {
        Some(v) if !v.trim().is_empty() => checked_sid(node, attr, v.trim()),
        _ => Err(err(node, format!("missing required attribute '{attr}'"))),
    }
}

fn optional_id(node: Node, attr: &str) -> Result<Option<String>, SbmlError> {
    node.attribute(attr)
        .map(|v| checked_sid(node, attr, v.trim()))
        .transpose()
}

/// SId syntax (a letter or '_', then letters, digits and '_'): an id is a column name in
/// the output and a token in formulas, so anything else (a comma, a line break) is refused.
pub(crate) fn checked_sid(node: Node, attr: &str, v: &str) -> Result<String, SbmlError> {
    let mut chars = v.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(v.to_string())
    } else {
        Err(err(
            node,
            format!(
                "attribute {attr}={:?} is not a valid SBML identifier (a letter or '_', then letters, digits or '_')",
                v
            ),
        ))
    }
}

fn math_child(node: Node) -> Result<Option<Math>, SbmlError> {
    match elements(node).find(|n| n.tag_name().name() == "math") {
        Some(m) => parse_math_element(m).map_err(|e| e.at(line_of(node), describe(node))),
        None => Ok(None),
    }
}

/// Elements every SBML component may carry and that do not affect simulation.
fn is_ignorable(node: Node) -> bool {
    matches!(node.tag_name().name(), "notes" | "annotation")
        || node
            .tag_name()
            .namespace()
            .is_some_and(|ns| !ns.contains("sbml.org/sbml/level") || ns.contains("/version1/"))
            && !node
                .tag_name()
                .namespace()
                .is_some_and(|ns| ns.ends_with("core"))
}

struct Reader {
    level: u32,
}

impl Reader {
    fn model(&self, node: Node) -> Result<Model, SbmlError> {
        let mut m = Model {
            id: optional_id(node, "id")?,
            name: node.attribute("name").map(str::to_string),
            conversion_factor: node.attribute("conversionFactor").map(str::to_string),
            ..Default::default()
        };
        for list in elements(node) {
            let name = list.tag_name().name();
            if is_ignorable(list) {
                continue;
            }
            for item in elements(list).filter(|n| !is_ignorable(*n)) {
                match (name, item.tag_name().name()) {
                    ("listOfFunctionDefinitions", "functionDefinition") => {
                        m.function_definitions.push(FunctionDefinition {
                            id: required_id(item, "id")?,
                            math: math_child(item)?,
                            line: line_of(item),
                        })
                    }
                    ("listOfUnitDefinitions", _)
                    | ("listOfCompartmentTypes", _)
                    | ("listOfSpeciesTypes", _) => {}
                    ("listOfCompartments", "compartment") => {
                        m.compartments.push(self.compartment(item)?)
                    }
                    ("listOfSpecies", "species") => m.species.push(self.species(item)?),
                    ("listOfParameters", "parameter") => {
                        m.parameters.push(self.parameter(item, true)?)
                    }
                    ("listOfInitialAssignments", "initialAssignment") => {
                        m.initial_assignments.push(InitialAssignment {
                            symbol: required_id(item, "symbol")?,
                            math: math_child(item)?,
                            line: line_of(item),
                        })
                    }
                    ("listOfRules", kind) => m.rules.push(self.rule(item, kind)?),
                    ("listOfConstraints", "constraint") => m.constraints.push(Constraint {
                        math: math_child(item)?,
                        line: line_of(item),
                    }),
                    ("listOfReactions", "reaction") => m.reactions.push(self.reaction(item)?),
                    ("listOfEvents", "event") => m.events.push(self.event(item)?),
                    _ => {
                        return Err(err(
                            item,
                            format!("unknown element <{}> in <{name}>", item.tag_name().name()),
                        ))
                    }
                }
            }
            if !matches!(
                name,
                "listOfFunctionDefinitions"
                    | "listOfUnitDefinitions"
                    | "listOfCompartmentTypes"
                    | "listOfSpeciesTypes"
                    | "listOfCompartments"
                    | "listOfSpecies"
                    | "listOfParameters"
                    | "listOfInitialAssignments"
                    | "listOfRules"
                    | "listOfConstraints"
                    | "listOfReactions"
                    | "listOfEvents"
            ) {
                return Err(err(list, format!("unknown element <{name}> in <model>")));
            }
        }
        Ok(m)
    }

    fn compartment(&self, n: Node) -> Result<Compartment, SbmlError> {
        // L2 'volume' is the L1 name; accept it as size.
        let size = match attr_f64(n, "size")? {
            Some(s) => Some(s),
            None => attr_f64(n, "volume")?,
        };
        Ok(Compartment {
            id: required_id(n, "id")?,
            spatial_dimensions: match attr_f64(n, "spatialDimensions")? {
                Some(d) => Some(d),
                None if self.level < 3 => Some(3.0),
                None => None,
            },
            size,
            constant: attr_bool(n, "constant", true)?,
            line: line_of(n),
        })
    }

    fn species(&self, n: Node) -> Result<Species, SbmlError> {
        Ok(Species {
            id: required_id(n, "id")?,
            compartment: required_id(n, "compartment")?,
            initial_amount: attr_f64(n, "initialAmount")?,
            initial_concentration: attr_f64(n, "initialConcentration")?,
            has_only_substance_units: attr_bool(n, "hasOnlySubstanceUnits", false)?,
            boundary_condition: attr_bool(n, "boundaryCondition", false)?,
            constant: attr_bool(n, "constant", false)?,
            conversion_factor: n.attribute("conversionFactor").map(str::to_string),
            line: line_of(n),
        })
    }

    fn parameter(&self, n: Node, default_constant: bool) -> Result<Parameter, SbmlError> {
        Ok(Parameter {
            id: required_id(n, "id")?,
            value: attr_f64(n, "value")?,
            constant: attr_bool(n, "constant", default_constant)?,
            line: line_of(n),
        })
    }

    fn rule(&self, n: Node, kind: &str) -> Result<Rule, SbmlError> {
        let kind = match kind {
            "assignmentRule" => RuleKind::Assignment,
            "rateRule" => RuleKind::Rate,
            "algebraicRule" => RuleKind::Algebraic,
            other => return Err(err(n, format!("unknown rule element <{other}>"))),
        };
        let variable = match kind {
            RuleKind::Algebraic => None,
            _ => Some(required_id(n, "variable")?),
        };
        Ok(Rule {
            kind,
            variable,
            math: math_child(n)?,
            line: line_of(n),
        })
    }

    fn reaction(&self, n: Node) -> Result<Reaction, SbmlError> {
        let mut r = Reaction {
            id: required_id(n, "id")?,
            reversible: attr_bool(n, "reversible", true)?,
            fast: attr_bool(n, "fast", false)?,
            compartment: n.attribute("compartment").map(str::to_string),
            reactants: Vec::new(),
            products: Vec::new(),
            modifiers: Vec::new(),
            kinetic_law: None,
            line: line_of(n),
        };
        for child in elements(n).filter(|c| !is_ignorable(*c)) {
            let items = || elements(child).filter(|c| !is_ignorable(*c));
            match child.tag_name().name() {
                "listOfReactants" => {
                    for s in items() {
                        r.reactants.push(self.species_reference(s)?);
                    }
                }
                "listOfProducts" => {
                    for s in items() {
                        r.products.push(self.species_reference(s)?);
                    }
                }
                "listOfModifiers" => {
                    for s in items() {
                        r.modifiers.push(required_id(s, "species")?);
                    }
                }
                "kineticLaw" => r.kinetic_law = Some(self.kinetic_law(child)?),
                other => {
                    return Err(err(
                        child,
                        format!("unknown element <{other}> in <reaction>"),
                    ))
                }
            }
        }
        Ok(r)
    }

    fn species_reference(&self, n: Node) -> Result<SpeciesReference, SbmlError> {
        if n.tag_name().name() != "speciesReference" {
            return Err(err(
                n,
                format!(
                    "expected <speciesReference>, found <{}>",
                    n.tag_name().name()
                ),
            ));
        }
        let stoichiometry_math =
            match elements(n).find(|c| c.tag_name().name() == "stoichiometryMath") {
                Some(sm) => math_child(sm)?,
                None => None,
            };
        let stoichiometry = match attr_f64(n, "stoichiometry")? {
            Some(s) => Some(s),
            None if self.level < 3 && stoichiometry_math.is_none() => {
                // L2: integer numerator / denominator, default 1.
                let denom = attr_f64(n, "denominator")?.unwrap_or(1.0);
                Some(1.0 / denom)
            }
            None => None,
        };
        let constant_default = self.level < 3 && stoichiometry_math.is_none();
        Ok(SpeciesReference {
            id: optional_id(n, "id")?,
            species: required_id(n, "species")?,
            stoichiometry,
            constant: attr_bool(n, "constant", constant_default)?,
            stoichiometry_math,
            line: line_of(n),
        })
    }

    fn kinetic_law(&self, n: Node) -> Result<KineticLaw, SbmlError> {
        let mut local_parameters = Vec::new();
        for list in elements(n) {
            match list.tag_name().name() {
                "listOfParameters" | "listOfLocalParameters" => {
                    for p in elements(list).filter(|c| !is_ignorable(*c)) {
                        local_parameters.push(self.parameter(p, true)?);
                    }
                }
                _ => {}
            }
        }
        Ok(KineticLaw {
            math: math_child(n)?,
            local_parameters,
            line: line_of(n),
        })
    }

    fn event(&self, n: Node) -> Result<Event, SbmlError> {
        let mut e = Event {
            id: optional_id(n, "id")?,
            use_values_from_trigger_time: attr_bool(n, "useValuesFromTriggerTime", true)?,
            trigger: None,
            delay: None,
            priority: None,
            assignments: Vec::new(),
            line: line_of(n),
        };
        for child in elements(n).filter(|c| !is_ignorable(*c)) {
            match child.tag_name().name() {
                "trigger" => {
                    e.trigger = Some(Trigger {
                        math: math_child(child)?,
                        initial_value: attr_bool(child, "initialValue", true)?,
                        persistent: attr_bool(child, "persistent", true)?,
                        line: line_of(child),
                    })
                }
                "delay" => e.delay = math_child(child)?,
                "priority" => e.priority = math_child(child)?,
                "listOfEventAssignments" => {
                    for a in elements(child).filter(|c| !is_ignorable(*c)) {
                        e.assignments.push(EventAssignment {
                            variable: required_id(a, "variable")?,
                            math: math_child(a)?,
                            line: line_of(a),
                        });
                    }
                }
                other => return Err(err(child, format!("unknown element <{other}> in <event>"))),
            }
        }
        Ok(e)
    }
}
