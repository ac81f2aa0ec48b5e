//! Flux balance analysis (the SBML `fbc` package): the linear program "maximise or minimise
//! the active objective c·v subject to S v = 0 and lb ≤ v ≤ ub" built from a model, and its
//! solution.
//!
//! It lives in the engine, not in a crate of its own, because stoichiometries and v2 bound
//! parameters are model values (initial assignments, species-reference ids): they are taken
//! from the same compiled initial values a simulation starts from, and the compiled model is
//! private to this crate. The problem ([`FbaProblem`]) is separate from the method
//! ([`FbaProblem::solve`]), so a later variant (pFBA, FVA) reuses the same problem.
//!
//! The LP solver is `microlp`: a pure-Rust simplex method (bounded dual simplex with an LU
//! basis), so an optimum is a vertex and repeatable, as the references of the SBML Test Suite
//! (from simplex solvers) are; it handles infinite bounds and proves infeasibility and
//! unboundedness. Its dependency tree is four small crates beyond ours (sprs, ndarray, log,
//! web-time; no proc macros, no C). clarabel (interior point, used by cvxpy) was the other
//! candidate: its optimum on a non-unique face is the face's centre rather than a vertex, and
//! it pulls in more (derive_builder, enum_dispatch, itertools, amd).
//!
//! ```no_run
//! let problem = her2sim_engine::fba::FbaProblem::from_file("model.xml".as_ref()).unwrap();
//! let result = problem.solve().unwrap();
//! println!("{:?} {:?}", result.status, result.objective);
//! ```

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use her2sim_model::{StoichValue, SymbolKind};
use her2sim_sbml as sbml;
use serde::ser::SerializeMap;
use serde::Serialize;

use crate::{EngineError, Simulator};

/// Fluxes closer to zero than this are reported as exactly zero (the simplex method leaves
/// round-off of order 1e-15 on basic variables that are zero).
const ZERO_FLUX: f64 = 1e-9;

/// Maximise or minimise the objective.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sense {
    /// Maximise c·v.
    Maximize,
    /// Minimise c·v.
    Minimize,
}

/// One reaction (one flux variable) of the problem.
#[derive(Debug, Clone, PartialEq)]
pub struct FluxVariable {
    /// The reaction id.
    pub id: String,
    /// Lower bound (may be −∞).
    pub lower: f64,
    /// Upper bound (may be +∞).
    pub upper: f64,
    /// Its coefficient in the active objective (0 when not in it).
    pub objective: f64,
    /// The fbc v2 gene-product association, written out (`g1 and (g2 or g3)`).
    pub gene_association: Option<String>,
}

/// A flux balance problem: maximise or minimise `Σ objective·v` subject to `S v = 0` and
/// `lower ≤ v ≤ upper`.
#[derive(Debug, Clone, PartialEq)]
pub struct FbaProblem {
    /// The active objective's id.
    pub objective_id: String,
    /// Maximise or minimise.
    pub sense: Sense,
    /// The flux variables, in the model's reaction order.
    pub reactions: Vec<FluxVariable>,
    /// The balanced species (neither boundary nor constant), one row of `S` each.
    pub species: Vec<String>,
    /// `S` by rows: per balanced species, `(reaction index, net stoichiometry)` (no zeros,
    /// each reaction at most once).
    pub stoichiometry: Vec<Vec<(usize, f64)>>,
}

/// How the optimisation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FbaStatus {
    /// An optimum was found.
    Optimal,
    /// No flux vector meets S v = 0 within the bounds.
    Infeasible,
    /// The objective improves without limit.
    Unbounded,
}

impl std::fmt::Display for FbaStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FbaStatus::Optimal => "optimal",
            FbaStatus::Infeasible => "infeasible",
            FbaStatus::Unbounded => "unbounded",
        })
    }
}

/// Reaction fluxes by id in reaction order; serialises as a JSON object `{id: value}`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fluxes(pub Vec<(String, f64)>);

impl Fluxes {
    /// The flux of reaction `id`.
    pub fn get(&self, id: &str) -> Option<f64> {
        self.0.iter().find(|(r, _)| r == id).map(|(_, v)| *v)
    }
}

impl Serialize for Fluxes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (id, v) in &self.0 {
            map.serialize_entry(id, v)?;
        }
        map.end()
    }
}

/// One reaction of a result: flux (when optimal), bounds and gene association.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReactionFlux {
    /// The reaction id.
    pub id: String,
    /// The optimal flux; `None` unless the status is optimal.
    pub flux: Option<f64>,
    /// Lower bound (JSON `null` for −∞).
    pub lower_bound: f64,
    /// Upper bound (JSON `null` for +∞).
    pub upper_bound: f64,
    /// The fbc v2 gene-product association, written out.
    pub gene_association: Option<String>,
}

/// The outcome of a flux balance analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FbaResult {
    /// Optimal, infeasible or unbounded.
    pub status: FbaStatus,
    /// The active objective's id.
    pub objective_id: String,
    /// Maximise or minimise.
    pub sense: Sense,
    /// The optimal objective value; `None` unless optimal.
    pub objective: Option<f64>,
    /// The optimal flux of every reaction; empty unless optimal.
    pub fluxes: Fluxes,
    /// Every reaction with its flux, bounds and gene association.
    pub reactions: Vec<ReactionFlux>,
}

/// The solver's options: its feasibility tolerance tightened from 1e-7 to 1e-9, so a flux
/// that a balance fixes to a bound's value comes out as that value to about nine digits.
fn lp_options() -> microlp::SolveOptions {
    let mut tolerances = microlp::Tolerances::default();
    tolerances.feasibility = 1e-9;
    let mut options = microlp::SolveOptions::default();
    options.tolerances = tolerances;
    options
}

fn invalid(msg: impl Into<String>) -> EngineError {
    EngineError::Fba(msg.into())
}

impl FbaProblem {
    /// Reads an SBML file with the fbc package and builds its flux balance problem.
    pub fn from_file(path: &Path) -> Result<Self, EngineError> {
        let doc = sbml::read_file(path)?;
        Self::from_document(&doc)
    }

    /// Reads an SBML document given as text and builds its flux balance problem.
    pub fn from_sbml_text(text: &str) -> Result<Self, EngineError> {
        let doc = sbml::read_str(text)?;
        Self::from_document(&doc)
    }

    /// As [`FbaProblem::from_sbml_text`] for text read from a file in `dir` (where a `comp`
    /// document's external model files are).
    pub fn from_sbml_text_in(text: &str, dir: &Path) -> Result<Self, EngineError> {
        let doc = sbml::read_str_in(text, dir)?;
        Self::from_document(&doc)
    }

    /// Builds the flux balance problem of a parsed document: stoichiometries and bound
    /// parameters are the model's initial values (initial assignments applied).
    pub fn from_document(doc: &sbml::Document) -> Result<Self, EngineError> {
        let fbc = doc.fbc.as_ref().ok_or_else(|| {
            invalid("the model does not use the fbc package (no flux bounds or objectives)")
        })?;
        let sim = Simulator::from_document(doc)?;
        let c = sim.compiled();
        let values = c.initial_values();
        let symbols: HashMap<&str, usize> = c
            .model
            .symbols
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect();
        let sbml_reactions: HashMap<&str, &sbml::Reaction> = doc
            .model
            .reactions
            .iter()
            .map(|r| (r.id.as_str(), r))
            .collect();
        let reaction_fbc: HashMap<&str, &sbml::ReactionFbc> = fbc
            .reactions
            .iter()
            .map(|r| (r.reaction.as_str(), r))
            .collect();

        // Bounds: v2 parameters, then v1 flux bounds intersected with them.
        let bound_value = |reaction: &str, which: &str, id: &str| -> Result<f64, EngineError> {
            let sym = symbols
                .get(id)
                .copied()
                .filter(|&s| matches!(c.model.symbols[s].kind, SymbolKind::Parameter))
                .ok_or_else(|| {
                    invalid(format!(
                        "reaction '{reaction}': fbc:{which}FluxBound '{id}' is not a parameter of the model"
                    ))
                })?;
            if fbc.strict && !c.model.symbols[sym].constant {
                return Err(invalid(format!(
                    "reaction '{reaction}': fbc:strict requires the {which} bound parameter '{id}' to be constant"
                )));
            }
            let v = values[sym];
            if v.is_nan() {
                return Err(invalid(format!(
                    "reaction '{reaction}': the {which} bound parameter '{id}' has no value"
                )));
            }
            Ok(v)
        };
        let mut reactions = Vec::with_capacity(c.model.reactions.len());
        let mut index = HashMap::new();
        for r in &c.model.reactions {
            let id = c.name(r.symbol).to_string();
            let (reversible, line) = sbml_reactions
                .get(id.as_str())
                .map_or((true, 0), |r| (r.reversible, r.line));
            let rf = reaction_fbc.get(id.as_str());
            if fbc.version >= 2
                && fbc.strict
                && rf.is_none_or(|f| f.lower_bound.is_none() || f.upper_bound.is_none())
            {
                return Err(invalid(format!(
                    "reaction '{id}' (line {line}): fbc:strict requires fbc:lowerFluxBound and fbc:upperFluxBound"
                )));
            }
            // Without a bound: 0 ≤ v for an irreversible reaction, otherwise unbounded.
            let lower = match rf.and_then(|f| f.lower_bound.as_deref()) {
                Some(p) => bound_value(&id, "lower", p)?,
                None if reversible => f64::NEG_INFINITY,
                None => 0.0,
            };
            let upper = match rf.and_then(|f| f.upper_bound.as_deref()) {
                Some(p) => bound_value(&id, "upper", p)?,
                None => f64::INFINITY,
            };
            index.insert(id.clone(), reactions.len());
            reactions.push(FluxVariable {
                gene_association: rf
                    .and_then(|f| f.gene_association.as_ref())
                    .map(ToString::to_string),
                id,
                lower,
                upper,
                objective: 0.0,
            });
        }
        // v1: a reaction's flux bounds replace the defaults above; several on one side
        // intersect (the largest lower, the smallest upper bound).
        let mut v1: Vec<(Option<f64>, Option<f64>)> = vec![(None, None); reactions.len()];
        for b in &fbc.flux_bounds {
            let name = b.id.as_deref().map_or(String::new(), |i| format!(" '{i}'"));
            let &i = index.get(b.reaction.as_str()).ok_or_else(|| {
                invalid(format!(
                    "fluxBound{name} (line {}): reaction '{}' is not in the model",
                    b.line, b.reaction
                ))
            })?;
            let (lower, upper) = &mut v1[i];
            let raise = |x: &mut Option<f64>| *x = Some(x.map_or(b.value, |l| l.max(b.value)));
            let cut = |x: &mut Option<f64>| *x = Some(x.map_or(b.value, |u| u.min(b.value)));
            match b.operation {
                sbml::BoundOperation::GreaterEqual => raise(lower),
                sbml::BoundOperation::LessEqual => cut(upper),
                sbml::BoundOperation::Equal => {
                    raise(lower);
                    cut(upper);
                }
            }
        }
        for (r, (lower, upper)) in reactions.iter_mut().zip(v1) {
            r.lower = lower.unwrap_or(r.lower);
            r.upper = upper.unwrap_or(r.upper);
        }
        for r in &reactions {
            if r.lower == f64::INFINITY || r.upper == f64::NEG_INFINITY {
                return Err(invalid(format!(
                    "reaction '{}': bounds [{}, {}] admit no finite flux",
                    r.id, r.lower, r.upper
                )));
            }
        }

        // The active objective.
        let objective = match (&fbc.active_objective, fbc.objectives.as_slice()) {
            (_, []) => {
                return Err(invalid(
                    "the model has no fbc objective (<fbc:listOfObjectives>)",
                ))
            }
            (Some(active), list) => list.iter().find(|o| &o.id == active).ok_or_else(|| {
                invalid(format!(
                    "fbc:activeObjective '{active}' names no objective of the model"
                ))
            })?,
            (None, [only]) => only,
            (None, _) => {
                return Err(invalid(
                    "the model has several objectives and no fbc:activeObjective",
                ))
            }
        };
        for (reaction, coefficient) in &objective.terms {
            let &i = index.get(reaction.as_str()).ok_or_else(|| {
                invalid(format!(
                    "objective '{}' (line {}): reaction '{reaction}' is not in the model",
                    objective.id, objective.line
                ))
            })?;
            reactions[i].objective += coefficient;
        }

        // S over balanced species: net stoichiometry, products minus reactants.
        let mut rows: BTreeMap<usize, BTreeMap<usize, f64>> = BTreeMap::new();
        for (ri, r) in c.model.reactions.iter().enumerate() {
            for (list, sign) in [(&r.reactants, -1.0), (&r.products, 1.0)] {
                for st in list {
                    let sym = &c.model.symbols[st.species];
                    let balanced = matches!(
                        sym.kind,
                        SymbolKind::Species {
                            boundary: false,
                            ..
                        }
                    ) && !sym.constant;
                    if !balanced {
                        continue;
                    }
                    let value = match st.value {
                        StoichValue::Const(v) => v,
                        StoichValue::Symbol(s) => values[s],
                    };
                    if !value.is_finite() {
                        return Err(invalid(format!(
                            "reaction '{}': the stoichiometry of '{}' is {value}",
                            reactions[ri].id, sym.id
                        )));
                    }
                    *rows.entry(st.species).or_default().entry(ri).or_default() += sign * value;
                }
            }
        }
        let mut species = Vec::new();
        let mut stoichiometry = Vec::new();
        for (s, row) in rows {
            let row: Vec<(usize, f64)> = row.into_iter().filter(|&(_, v)| v != 0.0).collect();
            if !row.is_empty() {
                species.push(c.model.symbols[s].id.clone());
                stoichiometry.push(row);
            }
        }
        Ok(FbaProblem {
            objective_id: objective.id.clone(),
            sense: match objective.sense {
                sbml::ObjectiveSense::Maximize => Sense::Maximize,
                sbml::ObjectiveSense::Minimize => Sense::Minimize,
            },
            reactions,
            species,
            stoichiometry,
        })
    }

    /// Solves the linear program. Infeasible and unbounded problems are results with that
    /// status; an error means the problem is malformed or the solver failed numerically.
    pub fn solve(&self) -> Result<FbaResult, EngineError> {
        use microlp::{ComparisonOp, Error as LpError, OptimizationDirection, Problem};
        let n = self.reactions.len();
        if let Some(bad) = self
            .stoichiometry
            .iter()
            .flatten()
            .find(|(i, v)| *i >= n || !v.is_finite())
        {
            return Err(invalid(format!(
                "stoichiometry entry {bad:?} is out of range or not finite"
            )));
        }
        let mut lp = Problem::new(match self.sense {
            Sense::Maximize => OptimizationDirection::Maximize,
            Sense::Minimize => OptimizationDirection::Minimize,
        });
        let mut outcome = None;
        for r in &self.reactions {
            if r.lower.is_nan() || r.upper.is_nan() || !r.objective.is_finite() {
                return Err(invalid(format!(
                    "reaction '{}': bounds [{}, {}] or objective coefficient {} is not a number",
                    r.id, r.lower, r.upper, r.objective
                )));
            }
            if r.lower > r.upper {
                // microlp reports it too, but naming the reaction helps.
                outcome = Some(FbaStatus::Infeasible);
            }
        }
        let vars: Vec<_> = self
            .reactions
            .iter()
            .map(|r| lp.add_var(r.objective, (r.lower, r.upper.max(r.lower))))
            .collect();
        for row in &self.stoichiometry {
            let mut merged: BTreeMap<usize, f64> = BTreeMap::new();
            for &(i, v) in row {
                *merged.entry(i).or_default() += v;
            }
            let terms: Vec<_> = merged
                .into_iter()
                .filter(|&(_, v)| v != 0.0)
                .map(|(i, v)| (vars[i], v))
                .collect();
            if !terms.is_empty() {
                lp.add_constraint(terms.as_slice(), ComparisonOp::Eq, 0.0);
            }
        }
        let solved = match outcome {
            Some(status) => Err(status),
            None => match lp.solve_with(lp_options()) {
                Ok(o) => match o.into_solution() {
                    Ok(s) => Ok(s),
                    Err(_) => return Err(invalid("the LP solver stopped before an answer")),
                },
                Err(LpError::Infeasible) => Err(FbaStatus::Infeasible),
                Err(LpError::Unbounded) => Err(FbaStatus::Unbounded),
                Err(e) => return Err(invalid(format!("the LP solver failed: {e}"))),
            },
        };
        let clean = |x: f64| if x.abs() < ZERO_FLUX { 0.0 } else { x };
        let (status, objective, flux) = match &solved {
            Ok(s) => (
                FbaStatus::Optimal,
                Some(clean(s.objective())),
                vars.iter().map(|&v| Some(clean(s.var_value(v)))).collect(),
            ),
            Err(status) => (*status, None, vec![None; n]),
        };
        let reactions: Vec<ReactionFlux> = self
            .reactions
            .iter()
            .zip(&flux)
            .map(|(r, f)| ReactionFlux {
                id: r.id.clone(),
                flux: *f,
                lower_bound: r.lower,
                upper_bound: r.upper,
                gene_association: r.gene_association.clone(),
            })
            .collect();
        let fluxes = Fluxes(
            reactions
                .iter()
                .filter_map(|r| r.flux.map(|f| (r.id.clone(), f)))
                .collect(),
        );
        Ok(FbaResult {
            status,
            objective_id: self.objective_id.clone(),
            sense: self.sense,
            objective,
            fluxes,
            reactions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(id: &str, lower: f64, upper: f64, objective: f64) -> FluxVariable {
        FluxVariable {
            id: id.into(),
            lower,
            upper,
            objective,
            gene_association: None,
        }
    }

    /// `-> A -> B ->` with uptake ≤ 10 and the middle step ≤ 4: maximising the export gives 4
    /// everywhere; minimising it gives 0.
    fn chain(sense: Sense, middle_upper: f64) -> FbaProblem {
        FbaProblem {
            objective_id: "obj".into(),
            sense,
            reactions: vec![
                var("uptake", 0.0, 10.0, 0.0),
                var("convert", 0.0, middle_upper, 0.0),
                var("export", 0.0, f64::INFINITY, 1.0),
            ],
            species: vec!["A".into(), "B".into()],
            stoichiometry: vec![vec![(0, 1.0), (1, -1.0)], vec![(1, 1.0), (2, -1.0)]],
        }
    }

    #[test]
    fn three_reaction_chain_by_hand() {
        let r = chain(Sense::Maximize, 4.0).solve().unwrap();
        assert_eq!(r.status, FbaStatus::Optimal);
        assert!((r.objective.unwrap() - 4.0).abs() < 1e-9);
        for id in ["uptake", "convert", "export"] {
            assert!((r.fluxes.get(id).unwrap() - 4.0).abs() < 1e-9, "{id}");
        }
        // Without the middle bound, the uptake limits the chain.
        let r = chain(Sense::Maximize, f64::INFINITY).solve().unwrap();
        assert!((r.objective.unwrap() - 10.0).abs() < 1e-9);
        let r = chain(Sense::Minimize, 4.0).solve().unwrap();
        assert_eq!(r.objective, Some(0.0));
        assert_eq!(r.fluxes.get("uptake"), Some(0.0));
    }

    #[test]
    fn stoichiometry_and_objective_coefficients_scale() {
        // A -> 2 B: export of B is twice the uptake; objective 0.5 * export.
        let mut p = chain(Sense::Maximize, f64::INFINITY);
        p.stoichiometry[1] = vec![(1, 2.0), (2, -1.0)];
        p.reactions[2].objective = 0.5;
        let r = p.solve().unwrap();
        assert!((r.fluxes.get("export").unwrap() - 20.0).abs() < 1e-9);
        assert!((r.objective.unwrap() - 10.0).abs() < 1e-9);
    }

    #[test]
    fn infeasible_problem_is_reported() {
        // The export must carry at least 20 but the uptake gives at most 10.
        let mut p = chain(Sense::Maximize, f64::INFINITY);
        p.reactions[2].lower = 20.0;
        let r = p.solve().unwrap();
        assert_eq!(r.status, FbaStatus::Infeasible);
        assert_eq!(r.objective, None);
        assert!(r.fluxes.0.is_empty());
        // Crossed bounds on one reaction.
        let mut p = chain(Sense::Maximize, 4.0);
        p.reactions[1].lower = 5.0;
        assert_eq!(p.solve().unwrap().status, FbaStatus::Infeasible);
    }

    #[test]
    fn unbounded_problem_is_reported() {
        let mut p = chain(Sense::Maximize, f64::INFINITY);
        p.reactions[0].upper = f64::INFINITY;
        assert_eq!(p.solve().unwrap().status, FbaStatus::Unbounded);
        // Minimising a free reversible flux is unbounded below.
        let mut p = chain(Sense::Minimize, f64::INFINITY);
        for r in &mut p.reactions {
            r.lower = f64::NEG_INFINITY;
            r.upper = f64::INFINITY;
        }
        assert_eq!(p.solve().unwrap().status, FbaStatus::Unbounded);
    }

    #[test]
    fn json_has_objective_status_and_fluxes_in_reaction_order() {
        let r = chain(Sense::Maximize, 4.0).solve().unwrap();
        let j = serde_json::to_string(&r).unwrap();
        assert!(j.starts_with(r#"{"status":"optimal","objective_id":"obj","sense":"maximize","objective":4.0,"fluxes":{"uptake":4.0,"convert":4.0,"export":4.0}"#), "{j}");
        assert!(j.contains(r#""upper_bound":null"#), "{j}");
    }

    const MODEL: &str = r#"<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core"
        xmlns:fbc="http://www.sbml.org/sbml/level3/version1/fbc/version2" level="3" version="2"
        fbc:required="false">
      <model fbc:strict="false">
        <listOfCompartments><compartment id="c" size="1" constant="true"/></listOfCompartments>
        <listOfSpecies>
          <species id="X" compartment="c" hasOnlySubstanceUnits="true" boundaryCondition="true" constant="false"/>
          <species id="A" compartment="c" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/>
          <species id="B" compartment="c" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/>
        </listOfSpecies>
        <listOfParameters>
          <parameter id="zero" value="0" constant="true"/>
          <parameter id="ten" value="10" constant="true"/>
        </listOfParameters>
        <listOfInitialAssignments>
          <initialAssignment symbol="ten"><math xmlns="http://www.w3.org/1998/Math/MathML"><cn>6</cn></math></initialAssignment>
          <initialAssignment symbol="sB"><math xmlns="http://www.w3.org/1998/Math/MathML"><cn>3</cn></math></initialAssignment>
        </listOfInitialAssignments>
        <listOfReactions>
          <reaction id="up" reversible="false" fbc:lowerFluxBound="zero" fbc:upperFluxBound="ten">
            <listOfReactants><speciesReference species="X" stoichiometry="1" constant="true"/></listOfReactants>
            <listOfProducts><speciesReference species="A" stoichiometry="1" constant="true"/></listOfProducts>
          </reaction>
          <reaction id="conv" reversible="false">
            <listOfReactants><speciesReference species="A" stoichiometry="1" constant="true"/></listOfReactants>
            <listOfProducts><speciesReference id="sB" species="B" stoichiometry="2" constant="true"/></listOfProducts>
            <fbc:geneProductAssociation><fbc:geneProductRef fbc:geneProduct="g1"/></fbc:geneProductAssociation>
          </reaction>
          <reaction id="out" reversible="false">
            <listOfReactants><speciesReference species="B" stoichiometry="1" constant="true"/></listOfReactants>
          </reaction>
        </listOfReactions>
        <fbc:listOfObjectives fbc:activeObjective="obj">
          <fbc:objective fbc:id="obj" fbc:type="maximize">
            <fbc:listOfFluxObjectives><fbc:fluxObjective fbc:reaction="out" fbc:coefficient="1"/></fbc:listOfFluxObjectives>
          </fbc:objective>
        </fbc:listOfObjectives>
        <fbc:listOfGeneProducts><fbc:geneProduct fbc:id="g1" fbc:label="b1"/></fbc:listOfGeneProducts>
      </model>
    </sbml>"#;

    #[test]
    fn problem_from_sbml_uses_initial_assignments() {
        let doc = sbml::read_str(MODEL).unwrap();
        let p = FbaProblem::from_document(&doc).unwrap();
        assert_eq!(p.species, vec!["A".to_string(), "B".to_string()]);
        assert_eq!(p.reactions[0].upper, 6.0);
        // Irreversible without bounds: [0, ∞).
        assert_eq!(
            (p.reactions[1].lower, p.reactions[1].upper),
            (0.0, f64::INFINITY)
        );
        assert_eq!(p.reactions[1].gene_association.as_deref(), Some("g1"));
        let r = p.solve().unwrap();
        // Uptake 6 (the initial assignment), stoichiometry 3 (the initial assignment).
        assert!((r.objective.unwrap() - 18.0).abs() < 1e-9, "{r:?}");
    }

    #[test]
    fn v1_flux_bounds_replace_defaults_and_intersect() {
        let v1 = r#"<sbml xmlns="http://www.sbml.org/sbml/level3/version1/core"
            xmlns:fbc="http://www.sbml.org/sbml/level3/version1/fbc/version1" level="3" version="1"
            fbc:required="false">
          <model>
            <listOfCompartments><compartment id="c" size="1" constant="true"/></listOfCompartments>
            <listOfSpecies>
              <species id="X" compartment="c" hasOnlySubstanceUnits="true" boundaryCondition="true" constant="false"/>
              <species id="A" compartment="c" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/>
            </listOfSpecies>
            <listOfReactions>
              <reaction id="in" reversible="false">
                <listOfReactants><speciesReference species="X" stoichiometry="1" constant="true"/></listOfReactants>
                <listOfProducts><speciesReference species="A" stoichiometry="1" constant="true"/></listOfProducts>
              </reaction>
              <reaction id="out" reversible="false">
                <listOfReactants><speciesReference species="A" stoichiometry="1" constant="true"/></listOfReactants>
                <listOfProducts><speciesReference species="X" stoichiometry="1" constant="true"/></listOfProducts>
              </reaction>
              <reaction id="free" reversible="true">
                <listOfReactants><speciesReference species="X" stoichiometry="1" constant="true"/></listOfReactants>
              </reaction>
            </listOfReactions>
            <fbc:listOfFluxBounds>
              <fbc:fluxBound fbc:reaction="in" fbc:operation="lessEqual" fbc:value="8"/>
              <fbc:fluxBound fbc:reaction="in" fbc:operation="lessEqual" fbc:value="5"/>
              <fbc:fluxBound fbc:reaction="in" fbc:operation="greaterEqual" fbc:value="-2"/>
              <fbc:fluxBound fbc:reaction="out" fbc:operation="equal" fbc:value="3"/>
            </fbc:listOfFluxBounds>
            <fbc:listOfObjectives fbc:activeObjective="obj">
              <fbc:objective fbc:id="obj" fbc:type="minimize">
                <fbc:listOfFluxObjectives><fbc:fluxObjective fbc:reaction="in" fbc:coefficient="1"/></fbc:listOfFluxObjectives>
              </fbc:objective>
            </fbc:listOfObjectives>
          </model>
        </sbml>"#;
        let p = FbaProblem::from_sbml_text(v1).unwrap();
        let bounds: Vec<(f64, f64)> = p.reactions.iter().map(|r| (r.lower, r.upper)).collect();
        // The smallest upper bound; an explicit lower bound wins over irreversibility; equal
        // fixes both; no bound on a reversible reaction leaves it free.
        assert_eq!(
            bounds,
            vec![(-2.0, 5.0), (3.0, 3.0), (f64::NEG_INFINITY, f64::INFINITY)]
        );
        // A is balanced: in = out = 3, whatever the objective.
        let r = p.solve().unwrap();
        assert_eq!(r.status, FbaStatus::Optimal);
        assert!((r.objective.unwrap() - 3.0).abs() < 1e-9, "{r:?}");
    }

    #[test]
    fn bad_fbc_references_are_errors() {
        let bad = MODEL.replace(
            r#"fbc:upperFluxBound="ten""#,
            r#"fbc:upperFluxBound="nope""#,
        );
        let e = FbaProblem::from_document(&sbml::read_str(&bad).unwrap()).unwrap_err();
        assert!(e.to_string().contains("'nope' is not a parameter"), "{e}");
        let bad = MODEL.replace(r#"fbc:reaction="out""#, r#"fbc:reaction="gone""#);
        let e = FbaProblem::from_document(&sbml::read_str(&bad).unwrap()).unwrap_err();
        assert!(
            e.to_string()
                .contains("reaction 'gone' is not in the model"),
            "{e}"
        );
        let bad = MODEL.replace(
            r#"fbc:activeObjective="obj""#,
            r#"fbc:activeObjective="o2""#,
        );
        let e = FbaProblem::from_document(&sbml::read_str(&bad).unwrap()).unwrap_err();
        assert!(e.to_string().contains("'o2' names no objective"), "{e}");
        let strict = MODEL.replace(r#"fbc:strict="false""#, r#"fbc:strict="true""#);
        let e = FbaProblem::from_document(&sbml::read_str(&strict).unwrap()).unwrap_err();
        assert!(
            e.to_string().contains("reaction 'conv'") && e.to_string().contains("strict"),
            "{e}"
        );
    }
}
