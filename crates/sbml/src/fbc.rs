//! The SBML Level 3 `fbc` (flux balance constraints) package, versions 1 and 2: flux bounds,
//! objectives, gene products and gene-product associations, and the species' charge and
//! chemical formula. Read beside the core model into [`Fbc`]; nothing here is simulated.

use roxmltree::Node;

use crate::mathml::{line_of, parse_number};
use crate::parse::{checked_sid, err};
use crate::SbmlError;

/// The namespace of fbc version `v` (1, 2 or 3).
fn namespace(v: u32) -> String {
    format!("http://www.sbml.org/sbml/level3/version1/fbc/version{v}")
}

/// Which fbc version a namespace URI declares, if it is an fbc namespace.
pub(crate) fn version_of(uri: &str) -> Option<u32> {
    (1..=3).find(|&v| uri == namespace(v))
}

/// Everything the fbc package adds to a model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fbc {
    /// The package version declared on `<sbml>` (1 or 2; version 3 is read as version 2).
    pub version: u32,
    /// fbc v2 `fbc:strict` on `<model>` (v1 has no such attribute: `false`).
    pub strict: bool,
    /// fbc v1 `<fbc:listOfFluxBounds>`, in document order.
    pub flux_bounds: Vec<FluxBound>,
    /// `<fbc:listOfObjectives>`, in document order.
    pub objectives: Vec<Objective>,
    /// The `fbc:activeObjective` of the list of objectives.
    pub active_objective: Option<String>,
    /// fbc v2 `<fbc:listOfGeneProducts>`.
    pub gene_products: Vec<GeneProduct>,
    /// Per-reaction fbc v2 data (bounds, gene-product association), for the reactions that
    /// carry any, in document order.
    pub reactions: Vec<ReactionFbc>,
    /// Species with an `fbc:charge` or `fbc:chemicalFormula`, in document order.
    pub species: Vec<SpeciesFbc>,
}

/// A v1 `<fbc:fluxBound>`: `reaction operation value`.
#[derive(Debug, Clone, PartialEq)]
pub struct FluxBound {
    pub id: Option<String>,
    pub reaction: String,
    pub operation: BoundOperation,
    pub value: f64,
    pub line: u32,
}

/// The operation of a v1 flux bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundOperation {
    /// `lessEqual` (also the deprecated `less`): flux ≤ value.
    LessEqual,
    /// `greaterEqual` (also `greater`): flux ≥ value.
    GreaterEqual,
    /// `equal`: flux = value.
    Equal,
}

/// Whether an objective is maximised or minimised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectiveSense {
    Maximize,
    Minimize,
}

/// An `<fbc:objective>`: a linear function of fluxes to maximise or minimise.
#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    pub id: String,
    pub sense: ObjectiveSense,
    /// `(reaction, coefficient)` of each `<fbc:fluxObjective>`.
    pub terms: Vec<(String, f64)>,
    pub line: u32,
}

/// An fbc v2 `<fbc:geneProduct>`.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneProduct {
    pub id: String,
    pub label: String,
    pub name: Option<String>,
    pub associated_species: Option<String>,
}

/// A gene-product association: which gene products a reaction needs.
#[derive(Debug, Clone, PartialEq)]
pub enum GeneAssociation {
    /// `<fbc:geneProductRef fbc:geneProduct="...">`.
    Gene(String),
    /// `<fbc:and>`: every part is needed.
    And(Vec<GeneAssociation>),
    /// `<fbc:or>`: any part will do.
    Or(Vec<GeneAssociation>),
}

impl std::fmt::Display for GeneAssociation {
    /// `g1 and (g2 or g3)`, with parentheses around nested lists.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (parts, word) = match self {
            GeneAssociation::Gene(g) => return f.write_str(g),
            GeneAssociation::And(p) => (p, " and "),
            GeneAssociation::Or(p) => (p, " or "),
        };
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                f.write_str(word)?;
            }
            match p {
                GeneAssociation::Gene(g) => f.write_str(g)?,
                nested => write!(f, "({nested})")?,
            }
        }
        Ok(())
    }
}

/// The fbc v2 data of one reaction.
#[derive(Debug, Clone, PartialEq)]
pub struct ReactionFbc {
    pub reaction: String,
    /// `fbc:lowerFluxBound`: a parameter id.
    pub lower_bound: Option<String>,
    /// `fbc:upperFluxBound`: a parameter id.
    pub upper_bound: Option<String>,
    pub gene_association: Option<GeneAssociation>,
    pub line: u32,
}

/// The fbc attributes of one species.
#[derive(Debug, Clone, PartialEq)]
pub struct SpeciesFbc {
    pub species: String,
    pub charge: Option<f64>,
    pub chemical_formula: Option<String>,
}

/// Reads the fbc content of `<model>` for the fbc namespace `uri`.
pub(crate) fn read(model: Node, uri: &str, version: u32) -> Result<Fbc, SbmlError> {
    let r = FbcReader { uri };
    let mut fbc = Fbc {
        // Version 3 adds to version 2; what it adds that matters is refused below.
        version: version.min(2),
        strict: match model.attribute((uri, "strict")) {
            None => false,
            Some(v) => r.boolean(model, "strict", v)?,
        },
        ..Default::default()
    };
    for list in model.children().filter(|n| r.is_fbc(*n)) {
        let items = || list.children().filter(|n| r.is_fbc(*n));
        match list.tag_name().name() {
            "listOfFluxBounds" => {
                for b in items() {
                    r.expect(b, "fluxBound")?;
                    fbc.flux_bounds.push(r.flux_bound(b)?);
                }
            }
            "listOfObjectives" => {
                fbc.active_objective = r.attr(list, "activeObjective").map(str::to_string);
                for o in items() {
                    r.expect(o, "objective")?;
                    fbc.objectives.push(r.objective(o)?);
                }
            }
            "listOfGeneProducts" => {
                for g in items() {
                    r.expect(g, "geneProduct")?;
                    fbc.gene_products.push(GeneProduct {
                        id: r.required_id(g, "id")?,
                        label: r.required(g, "label")?.to_string(),
                        name: r.attr(g, "name").map(str::to_string),
                        associated_species: r.attr(g, "associatedSpecies").map(str::to_string),
                    });
                }
            }
            "listOfUserDefinedConstraints" if items().next().is_some() => {
                return Err(err(
                    list,
                    "unsupported: fbc version 3 user-defined constraints",
                ))
            }
            _ => {}
        }
    }
    for s in children(model, "listOfSpecies") {
        let charge = match r.attr(s, "charge") {
            Some(v) => Some(
                parse_number(v)
                    .ok_or_else(|| err(s, format!("attribute fbc:charge='{v}' is not a number")))?,
            ),
            None => None,
        };
        let chemical_formula = r.attr(s, "chemicalFormula").map(str::to_string);
        if charge.is_some() || chemical_formula.is_some() {
            fbc.species.push(SpeciesFbc {
                species: s.attribute("id").unwrap_or_default().trim().to_string(),
                charge,
                chemical_formula,
            });
        }
    }
    for rx in children(model, "listOfReactions") {
        let lower_bound = r.optional_id(rx, "lowerFluxBound")?;
        let upper_bound = r.optional_id(rx, "upperFluxBound")?;
        let gene_association = match rx
            .children()
            .find(|c| r.is_fbc(*c) && c.tag_name().name() == "geneProductAssociation")
        {
            Some(gpa) => {
                let mut parts = gpa.children().filter(|c| r.is_fbc(*c));
                match (parts.next(), parts.next()) {
                    (Some(p), None) => Some(r.association(p, 0)?),
                    (None, _) => None,
                    (Some(_), Some(extra)) => {
                        return Err(err(
                            extra,
                            "a geneProductAssociation holds one association (use fbc:and or fbc:or to combine)",
                        ))
                    }
                }
            }
            None => None,
        };
        if lower_bound.is_some() || upper_bound.is_some() || gene_association.is_some() {
            fbc.reactions.push(ReactionFbc {
                reaction: rx.attribute("id").unwrap_or_default().trim().to_string(),
                lower_bound,
                upper_bound,
                gene_association,
                line: line_of(rx),
            });
        }
    }
    Ok(fbc)
}

/// Deepest nesting of and/or in one gene-product association.
const MAX_ASSOCIATION_DEPTH: usize = 200;

struct FbcReader<'u> {
    uri: &'u str,
}

impl FbcReader<'_> {
    fn is_fbc(&self, n: Node) -> bool {
        n.is_element() && n.tag_name().namespace() == Some(self.uri)
    }

    /// An attribute in the fbc namespace, or without a namespace (v1 documents use both).
    fn attr<'a>(&self, n: Node<'a, '_>, name: &str) -> Option<&'a str> {
        n.attribute((self.uri, name)).or_else(|| n.attribute(name))
    }

    fn required<'a>(&self, n: Node<'a, '_>, name: &str) -> Result<&'a str, SbmlError> {
        self.attr(n, name)
            .ok_or_else(|| err(n, format!("missing required attribute 'fbc:{name}'")))
    }

    fn required_id(&self, n: Node, name: &str) -> Result<String, SbmlError> {
        checked_sid(n, name, self.required(n, name)?.trim())
    }

    fn optional_id(&self, n: Node, name: &str) -> Result<Option<String>, SbmlError> {
        self.attr(n, name)
            .map(|v| checked_sid(n, name, v.trim()))
            .transpose()
    }

    fn number(&self, n: Node, name: &str) -> Result<f64, SbmlError> {
        let v = self.required(n, name)?;
        parse_number(v).ok_or_else(|| err(n, format!("attribute fbc:{name}='{v}' is not a number")))
    }

    fn boolean(&self, n: Node, name: &str, v: &str) -> Result<bool, SbmlError> {
        match v.trim() {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err(err(
                n,
                format!("attribute fbc:{name}='{v}' is not a boolean"),
            )),
        }
    }

    fn expect(&self, n: Node, name: &str) -> Result<(), SbmlError> {
        if n.tag_name().name() == name {
            Ok(())
        } else {
            Err(err(
                n,
                format!(
                    "unknown element <fbc:{}> where <fbc:{name}> belongs",
                    n.tag_name().name()
                ),
            ))
        }
    }

    fn flux_bound(&self, n: Node) -> Result<FluxBound, SbmlError> {
        let op = self.required(n, "operation")?;
        let operation = match op.trim() {
            "lessEqual" | "less" => BoundOperation::LessEqual,
            "greaterEqual" | "greater" => BoundOperation::GreaterEqual,
            "equal" => BoundOperation::Equal,
            other => {
                return Err(err(
                    n,
                    format!("fbc:operation='{other}' is not lessEqual, greaterEqual or equal"),
                ))
            }
        };
        let value = self.number(n, "value")?;
        if value.is_nan() {
            return Err(err(n, "fbc:value is NaN"));
        }
        Ok(FluxBound {
            id: self.optional_id(n, "id")?,
            reaction: self.required_id(n, "reaction")?,
            operation,
            value,
            line: line_of(n),
        })
    }

    fn objective(&self, n: Node) -> Result<Objective, SbmlError> {
        let sense = match self.required(n, "type")?.trim() {
            "maximize" => ObjectiveSense::Maximize,
            "minimize" => ObjectiveSense::Minimize,
            other => {
                return Err(err(
                    n,
                    format!("fbc:type='{other}' is neither maximize nor minimize"),
                ))
            }
        };
        let mut terms = Vec::new();
        for list in n.children().filter(|c| self.is_fbc(*c)) {
            if list.tag_name().name() != "listOfFluxObjectives" {
                continue;
            }
            for t in list.children().filter(|c| self.is_fbc(*c)) {
                self.expect(t, "fluxObjective")?;
                let c = self.number(t, "coefficient")?;
                if !c.is_finite() {
                    return Err(err(
                        t,
                        format!("fbc:coefficient is {c}, not a finite number"),
                    ));
                }
                terms.push((self.required_id(t, "reaction")?, c));
            }
        }
        Ok(Objective {
            id: self.required_id(n, "id")?,
            sense,
            terms,
            line: line_of(n),
        })
    }

    fn association(&self, n: Node, depth: usize) -> Result<GeneAssociation, SbmlError> {
        if depth > MAX_ASSOCIATION_DEPTH {
            return Err(err(
                n,
                format!(
                    "gene-product association nested deeper than {MAX_ASSOCIATION_DEPTH} levels"
                ),
            ));
        }
        let parts = || -> Result<Vec<GeneAssociation>, SbmlError> {
            n.children()
                .filter(|c| self.is_fbc(*c))
                .map(|c| self.association(c, depth + 1))
                .collect()
        };
        match n.tag_name().name() {
            "geneProductRef" => Ok(GeneAssociation::Gene(self.required_id(n, "geneProduct")?)),
            "and" => Ok(GeneAssociation::And(parts()?)),
            "or" => Ok(GeneAssociation::Or(parts()?)),
            other => Err(err(
                n,
                format!("unknown element <fbc:{other}> in a gene-product association"),
            )),
        }
    }
}

/// The elements inside `<model>`'s core list `name` (e.g. `listOfSpecies`).
fn children<'a, 'i>(model: Node<'a, 'i>, name: &'static str) -> Vec<Node<'a, 'i>> {
    model
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == name)
        .flat_map(|c| c.children().filter(|c| c.is_element()))
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::{read_str, BoundOperation, GeneAssociation, ObjectiveSense};

    const V2: &str = r#"<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core"
        xmlns:fbc="http://www.sbml.org/sbml/level3/version1/fbc/version2" level="3" version="2"
        fbc:required="false">
      <model fbc:strict="true">
        <listOfCompartments><compartment id="c" size="1" constant="true"/></listOfCompartments>
        <listOfSpecies>
          <species id="A" compartment="c" hasOnlySubstanceUnits="false" boundaryCondition="false"
                   constant="false" fbc:charge="-1" fbc:chemicalFormula="C6H12O6"/>
        </listOfSpecies>
        <listOfParameters>
          <parameter id="zero" value="0" constant="true"/>
          <parameter id="ub" value="10" constant="true"/>
        </listOfParameters>
        <listOfReactions>
          <reaction id="R1" reversible="false" fbc:lowerFluxBound="zero" fbc:upperFluxBound="ub">
            <listOfProducts><speciesReference species="A" stoichiometry="1" constant="true"/></listOfProducts>
            <fbc:geneProductAssociation>
              <fbc:or>
                <fbc:geneProductRef fbc:geneProduct="g1"/>
                <fbc:and><fbc:geneProductRef fbc:geneProduct="g2"/><fbc:geneProductRef fbc:geneProduct="g3"/></fbc:and>
              </fbc:or>
            </fbc:geneProductAssociation>
          </reaction>
        </listOfReactions>
        <fbc:listOfObjectives fbc:activeObjective="obj">
          <fbc:objective fbc:id="obj" fbc:type="maximize">
            <fbc:listOfFluxObjectives>
              <fbc:fluxObjective fbc:reaction="R1" fbc:coefficient="2"/>
            </fbc:listOfFluxObjectives>
          </fbc:objective>
        </fbc:listOfObjectives>
        <fbc:listOfGeneProducts>
          <fbc:geneProduct fbc:id="g1" fbc:label="b0001"/>
          <fbc:geneProduct fbc:id="g2" fbc:label="b0002" fbc:name="thrA"/>
          <fbc:geneProduct fbc:id="g3" fbc:label="b0003"/>
        </fbc:listOfGeneProducts>
      </model>
    </sbml>"#;

    #[test]
    fn reads_fbc_version_2() {
        let doc = read_str(V2).unwrap();
        let fbc = doc.fbc.expect("fbc read");
        assert_eq!(fbc.version, 2);
        assert!(fbc.strict);
        assert_eq!(fbc.active_objective.as_deref(), Some("obj"));
        assert_eq!(fbc.objectives[0].sense, ObjectiveSense::Maximize);
        assert_eq!(fbc.objectives[0].terms, vec![("R1".to_string(), 2.0)]);
        assert_eq!(fbc.gene_products.len(), 3);
        assert_eq!(fbc.gene_products[1].name.as_deref(), Some("thrA"));
        let r = &fbc.reactions[0];
        assert_eq!(r.lower_bound.as_deref(), Some("zero"));
        assert_eq!(r.upper_bound.as_deref(), Some("ub"));
        let gpa = r.gene_association.as_ref().unwrap();
        assert!(matches!(gpa, GeneAssociation::Or(p) if p.len() == 2));
        assert_eq!(gpa.to_string(), "g1 or (g2 and g3)");
        assert_eq!(fbc.species[0].charge, Some(-1.0));
        assert_eq!(fbc.species[0].chemical_formula.as_deref(), Some("C6H12O6"));
        // The core model is read as before.
        assert_eq!(doc.model.reactions.len(), 1);
    }

    #[test]
    fn reads_fbc_version_1_bounds() {
        let text = r#"<sbml xmlns="http://www.sbml.org/sbml/level3/version1/core"
            xmlns:fbc="http://www.sbml.org/sbml/level3/version1/fbc/version1" level="3" version="1"
            fbc:required="false">
          <model>
            <fbc:listOfFluxBounds>
              <fbc:fluxBound fbc:id="b1" fbc:reaction="R1" fbc:operation="lessEqual" fbc:value="5"/>
              <fbc:fluxBound fbc:reaction="R1" fbc:operation="greaterEqual" fbc:value="-INF"/>
              <fbc:fluxBound fbc:reaction="R2" fbc:operation="equal" fbc:value="1.5"/>
            </fbc:listOfFluxBounds>
          </model>
        </sbml>"#;
        let fbc = read_str(text).unwrap().fbc.unwrap();
        assert_eq!(fbc.version, 1);
        assert_eq!(fbc.flux_bounds.len(), 3);
        assert_eq!(fbc.flux_bounds[0].id.as_deref(), Some("b1"));
        assert_eq!(fbc.flux_bounds[0].operation, BoundOperation::LessEqual);
        assert_eq!(fbc.flux_bounds[1].value, f64::NEG_INFINITY);
        assert_eq!(fbc.flux_bounds[2].operation, BoundOperation::Equal);
    }

    #[test]
    fn bad_fbc_input_is_an_error_naming_the_element() {
        let bad = V2.replace(r#"fbc:type="maximize""#, r#"fbc:type="most""#);
        let e = read_str(&bad).unwrap_err();
        assert!(e.to_string().contains("objective 'obj'") || e.to_string().contains("most"));
        assert!(e.to_string().contains("maximize nor minimize"), "{e}");
        let bad = V2.replace(r#"fbc:coefficient="2""#, r#"fbc:coefficient="x""#);
        let e = read_str(&bad).unwrap_err().to_string();
        assert!(e.contains("line") && e.contains("not a number"), "{e}");
        let bad = V2.replace(r#"fbc:geneProduct="g1""#, "");
        let e = read_str(&bad).unwrap_err().to_string();
        assert!(e.contains("fbc:geneProduct"), "{e}");
    }

    #[test]
    fn documents_without_fbc_have_none() {
        let text = r#"<sbml xmlns="http://www.sbml.org/sbml/level3/version1/core" level="3" version="1">
          <model/></sbml>"#;
        assert!(read_str(text).unwrap().fbc.is_none());
    }
}
