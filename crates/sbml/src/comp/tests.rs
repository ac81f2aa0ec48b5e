//! Flattening checked on small documents with known flat values.

use crate::{read_str, read_str_in, Document, Math, Op, RuleKind};

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version1/core" xmlns:comp="http://www.sbml.org/sbml/level3/version1/comp/version1" level="3" version="1" comp:required="true">"#;

fn doc(body: &str) -> String {
    format!("{HEAD}\n{body}\n</sbml>\n")
}

fn ci(s: &str) -> Math {
    Math::Ident(s.into())
}

fn param(d: &Document, id: &str) -> Option<f64> {
    d.model
        .parameters
        .iter()
        .find(|p| p.id == id)
        .unwrap_or_else(|| panic!("no parameter {id}"))
        .value
}

fn ids(d: &Document) -> Vec<&str> {
    d.model.parameters.iter().map(|p| p.id.as_str()).collect()
}

/// A definition with a compartment, a species, a parameter, a reaction using them, and an
/// assignment rule.
const DEF: &str = r#"<comp:listOfModelDefinitions><comp:modelDefinition id="inner">
  <listOfCompartments><compartment id="C" size="2" constant="true"/></listOfCompartments>
  <listOfSpecies><species metaid="S_meta" id="S" compartment="C" initialAmount="1" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/></listOfSpecies>
  <listOfParameters><parameter id="k" value="3" constant="true"/><parameter id="y" constant="false"/></listOfParameters>
  <listOfRules><assignmentRule metaid="y_rule" variable="y"><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><ci>k</ci><ci>S</ci></apply></math></assignmentRule></listOfRules>
  <listOfReactions><reaction id="R" reversible="false">
<listOfReactants><speciesReference species="S" stoichiometry="1" constant="true"/></listOfReactants>
<kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><ci>k</ci><ci>S</ci><ci>q</ci></apply></math>
  <listOfLocalParameters><localParameter id="q" value="0.5"/></listOfLocalParameters></kineticLaw>
  </reaction></listOfReactions>
  <comp:listOfPorts><comp:port comp:id="k_port" comp:idRef="k"/></comp:listOfPorts>
</comp:modelDefinition></comp:listOfModelDefinitions>"#;

#[test]
fn submodel_ids_and_references_are_prefixed() {
    let text = doc(&format!(
        r#"<model id="top"><comp:listOfSubmodels>
  <comp:submodel comp:id="A" comp:modelRef="inner"/><comp:submodel comp:id="B" comp:modelRef="inner"/>
</comp:listOfSubmodels></model>{DEF}"#
    ));
    let d = read_str(&text).unwrap();
    assert!(d.packages.iter().all(|(p, _)| p != "comp"));
    assert_eq!(ids(&d), ["A__k", "A__y", "B__k", "B__y"]);
    assert_eq!(param(&d, "B__k"), Some(3.0));
    let s = &d.model.species[1];
    assert_eq!((s.id.as_str(), s.compartment.as_str()), ("B__S", "B__C"));
    assert_eq!(d.model.compartments[0].size, Some(2.0));
    let r = &d.model.reactions[0];
    assert_eq!(
        (r.id.as_str(), r.reactants[0].species.as_str()),
        ("A__R", "A__S")
    );
    let law = r.kinetic_law.as_ref().unwrap();
    assert_eq!(law.local_parameters[0].id, "A__q");
    assert_eq!(
        law.math,
        Some(Math::Apply(
            Op::Times,
            vec![ci("A__k"), ci("A__S"), ci("A__q")]
        ))
    );
    let rule = &d.model.rules[1];
    assert_eq!(rule.variable.as_deref(), Some("B__y"));
    assert_eq!(
        rule.math,
        Some(Math::Apply(Op::Times, vec![ci("B__k"), ci("B__S")]))
    );
    // Lines point at the input (the definition's rule is on line 9 of the text).
    assert_eq!(rule.line, 9);
}

#[test]
fn replacement_with_conversion_factor_scales_references_and_assignments() {
    // The parent's `y` replaces the submodel's (through a port for `k` too): the rule
    // `y = k*S` becomes `y = cf * ((kk / cf) * A__S)`.
    let text = doc(&format!(
        r#"<model id="top">
  <listOfParameters>
<parameter id="cf" value="10" constant="true"/>
<parameter id="kk" value="4" constant="true"><comp:listOfReplacedElements><comp:replacedElement comp:submodelRef="A" comp:portRef="k_port" comp:conversionFactor="cf"/></comp:listOfReplacedElements></parameter>
<parameter id="y" constant="false"><comp:listOfReplacedElements><comp:replacedElement comp:submodelRef="A" comp:idRef="y" comp:conversionFactor="cf"/></comp:listOfReplacedElements></parameter>
  </listOfParameters>
  <comp:listOfSubmodels><comp:submodel comp:id="A" comp:modelRef="inner"/></comp:listOfSubmodels>
</model>{DEF}"#
    ));
    let d = read_str(&text).unwrap();
    assert_eq!(ids(&d), ["cf", "kk", "y"]);
    let rule = &d.model.rules[0];
    assert_eq!(rule.variable.as_deref(), Some("y"));
    let kk = Math::Apply(Op::Divide, vec![ci("kk"), ci("cf")]);
    assert_eq!(
        rule.math,
        Some(Math::Apply(
            Op::Times,
            vec![
                ci("cf"),
                Math::Apply(Op::Times, vec![kk.clone(), ci("A__S")])
            ]
        ))
    );
    let law = d.model.reactions[0].kinetic_law.as_ref().unwrap();
    assert_eq!(
        law.math,
        Some(Math::Apply(Op::Times, vec![kk, ci("A__S"), ci("A__q")]))
    );
}

#[test]
fn replaced_by_gives_the_submodel_element_the_parent_id() {
    let text = doc(&format!(
        r#"<model id="top">
  <listOfCompartments><compartment id="cell" size="1" constant="true"><comp:replacedBy comp:submodelRef="A" comp:idRef="C"/></compartment></listOfCompartments>
  <comp:listOfSubmodels><comp:submodel comp:id="A" comp:modelRef="inner"/></comp:listOfSubmodels>
</model>{DEF}"#
    ));
    let d = read_str(&text).unwrap();
    assert_eq!(d.model.compartments.len(), 1);
    let c = &d.model.compartments[0];
    assert_eq!((c.id.as_str(), c.size), ("cell", Some(2.0)));
    assert_eq!(d.model.species[0].compartment, "cell");
}

#[test]
fn deletions_remove_elements_by_id_metaid_and_port() {
    let text = doc(&format!(
        r#"<model id="top"><comp:listOfSubmodels><comp:submodel comp:id="A" comp:modelRef="inner">
  <comp:listOfDeletions>
<comp:deletion comp:metaIdRef="y_rule"/><comp:deletion comp:idRef="R"/><comp:deletion comp:portRef="k_port"/>
  </comp:listOfDeletions>
</comp:submodel></comp:listOfSubmodels></model>{DEF}"#
    ));
    let d = read_str(&text).unwrap();
    assert_eq!(ids(&d), ["A__y"]);
    assert!(d.model.rules.is_empty() && d.model.reactions.is_empty());
    assert_eq!(d.model.species.len(), 1);
}

#[test]
fn time_and_extent_conversion_factors() {
    let text = doc(r#"<model id="top">
  <listOfParameters><parameter id="tc" value="60" constant="true"/><parameter id="xc" value="1000" constant="true"/></listOfParameters>
  <comp:listOfSubmodels><comp:submodel comp:id="A" comp:modelRef="clock" comp:timeConversionFactor="tc" comp:extentConversionFactor="xc"/></comp:listOfSubmodels>
</model>
<comp:listOfModelDefinitions><comp:modelDefinition id="clock">
  <listOfParameters><parameter id="x" value="0" constant="false"/><parameter id="t" constant="false"/></listOfParameters>
  <listOfRules>
<rateRule variable="x"><math xmlns="http://www.w3.org/1998/Math/MathML"><cn>1</cn></math></rateRule>
<assignmentRule variable="t"><math xmlns="http://www.w3.org/1998/Math/MathML"><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time">time</csymbol></math></assignmentRule>
  </listOfRules>
</comp:modelDefinition></comp:listOfModelDefinitions>"#);
    let d = read_str(&text).unwrap();
    let rules = &d.model.rules;
    assert_eq!(rules[0].kind, RuleKind::Rate);
    assert_eq!(
        rules[0].math,
        Some(Math::Apply(Op::Divide, vec![Math::Num(1.0), ci("tc")]))
    );
    assert_eq!(
        rules[1].math,
        Some(Math::Apply(Op::Divide, vec![Math::Time, ci("tc")]))
    );
}

fn scratch_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("her2sim-comp-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn external_model_definitions_are_read_beside_the_document() {
    let dir = scratch_dir("external");
    // The external file is Level 3 Version 2 and itself a comp document.
    let lib = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" xmlns:comp="http://www.sbml.org/sbml/level3/version1/comp/version1" level="3" version="2" comp:required="true">
<model id="libmain"/>{DEF}</sbml>"#
    );
    std::fs::write(dir.join("lib.xml"), lib).unwrap();
    let text = doc(
        r#"<model id="top"><comp:listOfSubmodels><comp:submodel comp:id="E" comp:modelRef="ext"/></comp:listOfSubmodels></model>
<comp:listOfExternalModelDefinitions><comp:externalModelDefinition comp:id="ext" comp:source="lib.xml" comp:modelRef="inner"/></comp:listOfExternalModelDefinitions>"#,
    );
    let d = read_str_in(&text, &dir).unwrap();
    assert_eq!(ids(&d), ["E__k", "E__y"]);
    assert_eq!(param(&d, "E__k"), Some(3.0));
    // Without a folder the file cannot be found: the error names the source.
    let e = read_str(&text).unwrap_err();
    assert!(e.is_unsupported() && e.message.contains("'lib.xml'"), "{e}");
    assert_eq!(
        e.element.as_deref(),
        Some("comp:externalModelDefinition 'ext'")
    );
    let e = read_str_in(&text.replace("lib.xml", "missing.xml"), &dir).unwrap_err();
    assert!(e.message.contains("missing.xml"), "{e}");
}

#[test]
fn cycles_are_errors() {
    let text = doc(
        r#"<model id="top"><comp:listOfSubmodels><comp:submodel comp:id="A" comp:modelRef="a"/></comp:listOfSubmodels></model>
<comp:listOfModelDefinitions>
  <comp:modelDefinition id="a"><comp:listOfSubmodels><comp:submodel comp:id="B" comp:modelRef="b"/></comp:listOfSubmodels></comp:modelDefinition>
  <comp:modelDefinition id="b"><comp:listOfSubmodels><comp:submodel comp:id="A" comp:modelRef="a"/></comp:listOfSubmodels></comp:modelDefinition>
</comp:listOfModelDefinitions>"#,
    );
    let e = read_str(&text).unwrap_err();
    assert!(e.message.contains("cycle"), "{e}");
    assert!(
        e.message.contains("#a -> the document#b -> the document#a"),
        "{e}"
    );
    // Through external files too: a file whose definition refers back to itself.
    let dir = scratch_dir("cycle");
    let selfref = doc(
        r#"<model id="top"><comp:listOfSubmodels><comp:submodel comp:id="A" comp:modelRef="ext"/></comp:listOfSubmodels></model>
<comp:listOfExternalModelDefinitions><comp:externalModelDefinition comp:id="ext" comp:source="self.xml" comp:modelRef="top"/></comp:listOfExternalModelDefinitions>"#,
    );
    std::fs::write(dir.join("self.xml"), &selfref).unwrap();
    let e = crate::read_file(&dir.join("self.xml")).unwrap_err();
    assert!(e.message.contains("cycle"), "{e}");
}

#[test]
fn bad_references_are_errors_not_panics() {
    for (what, sub, needle) in [
        (
            "id",
            r#"<comp:deletion comp:idRef="nope"/>"#,
            "no element 'nope'",
        ),
        (
            "port",
            r#"<comp:deletion comp:portRef="nope"/>"#,
            "no port 'nope'",
        ),
        ("empty", r#"<comp:deletion/>"#, "names no element"),
        (
            "nested",
            r#"<comp:deletion comp:idRef="k"><comp:sBaseRef comp:idRef="x"/></comp:deletion>"#,
            "not name a submodel",
        ),
    ] {
        let text = doc(&format!(
            r#"<model id="top"><comp:listOfSubmodels><comp:submodel comp:id="A" comp:modelRef="inner"><comp:listOfDeletions>{sub}</comp:listOfDeletions></comp:submodel></comp:listOfSubmodels></model>{DEF}"#
        ));
        let e = read_str(&text).unwrap_err();
        assert!(e.message.contains(needle), "{what}: {e}");
        assert_eq!(e.line, Some(3), "{what}: {e}");
    }
    let text = doc(
        r#"<model id="top"><comp:listOfSubmodels><comp:submodel comp:id="A" comp:modelRef="nowhere"/></comp:listOfSubmodels></model>"#,
    );
    let e = read_str(&text).unwrap_err();
    assert!(e.message.contains("no model definition 'nowhere'"), "{e}");
}

#[test]
fn nested_submodels_resolve_through_sbase_refs() {
    // `outer` holds `inner` as `I`; the top replaces `I`'s `k` through a nested reference.
    let text = doc(&format!(
        r#"<model id="top">
  <listOfParameters><parameter id="k" value="9" constant="true"><comp:listOfReplacedElements><comp:replacedElement comp:submodelRef="O" comp:idRef="I"><comp:sBaseRef comp:idRef="k"/></comp:replacedElement></comp:listOfReplacedElements></parameter></listOfParameters>
  <comp:listOfSubmodels><comp:submodel comp:id="O" comp:modelRef="outer"/></comp:listOfSubmodels>
</model>
<comp:listOfModelDefinitions><comp:modelDefinition id="outer"><comp:listOfSubmodels><comp:submodel comp:id="I" comp:modelRef="inner"/></comp:listOfSubmodels></comp:modelDefinition>
{}"#,
        DEF.trim_start_matches("<comp:listOfModelDefinitions>")
    ));
    let d = read_str(&text).unwrap();
    assert_eq!(ids(&d), ["k", "O__I__y"]);
    assert_eq!(
        d.model.rules[0].math,
        Some(Math::Apply(Op::Times, vec![ci("k"), ci("O__I__S")]))
    );
}
