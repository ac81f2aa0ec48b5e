//! Bad input gets a one-line error naming the file, element and reason, a non-zero exit code,
//! no panic, and no output file.

use std::path::PathBuf;
use std::process::Command;

fn her2sim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_her2sim"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("her2sim-bad-input-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

const HEADER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
  <model id="m">"#;
const FOOTER: &str = "  </model>\n</sbml>\n";

fn model(body: &str) -> String {
    format!("{HEADER}\n{body}\n{FOOTER}")
}

const COMPARTMENT: &str =
    r#"<listOfCompartments><compartment id="C" size="1" constant="true"/></listOfCompartments>"#;

/// Runs `simulate` on `text` and returns (exit ok, stderr, whether the output file exists).
fn run(name: &str, text: &str, select: &str) -> (bool, String, bool) {
    let input = scratch(&format!("{name}.xml"));
    std::fs::write(&input, text).unwrap();
    let out = scratch(&format!("{name}.csv"));
    let _ = std::fs::remove_file(&out);
    let result = her2sim()
        .args([
            "simulate",
            input.to_str().unwrap(),
            "--duration",
            "5",
            "--steps",
            "5",
        ])
        .args(["--select", select, "-o", out.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr).to_string();
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    (result.status.success(), stderr, out.exists())
}

fn assert_error(name: &str, text: &str, select: &str, needles: &[&str]) {
    let (ok, stderr, exists) = run(name, text, select);
    assert!(!ok, "{name}: expected failure");
    assert!(!exists, "{name}: output file left behind");
    assert_eq!(
        stderr.trim().lines().count(),
        1,
        "{name}: not one line: {stderr}"
    );
    assert!(
        stderr.contains(&format!("{name}.xml")),
        "{name}: no file name: {stderr}"
    );
    for n in needles {
        assert!(stderr.contains(n), "{name}: '{n}' missing from: {stderr}");
    }
}

#[test]
fn malformed_xml() {
    assert_error(
        "malformed",
        "<sbml><model></sbml>",
        "time",
        &["line 1", "malformed XML"],
    );
}

#[test]
fn unknown_element() {
    let text = model(&format!(
        "{COMPARTMENT}<listOfSpecies><specie id=\"S\"/></listOfSpecies>"
    ));
    assert_error(
        "unknown",
        &text,
        "time",
        &["unknown element <specie>", "line 4"],
    );
}

#[test]
fn missing_id() {
    let text = model(&format!(
        "{COMPARTMENT}<listOfSpecies><species compartment=\"C\" initialAmount=\"1\" hasOnlySubstanceUnits=\"false\" boundaryCondition=\"false\" constant=\"false\"/></listOfSpecies>"
    ));
    assert_error(
        "missing_id",
        &text,
        "time",
        &["missing required attribute 'id'"],
    );
}

const SPECIES: &str = r#"<listOfSpecies><species id="S" compartment="C" initialAmount="1" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/></listOfSpecies>"#;

#[test]
fn undefined_symbol() {
    let text = model(&format!(
        r#"{COMPARTMENT}{SPECIES}<listOfReactions><reaction id="R1" reversible="false">
<listOfReactants><speciesReference species="S" stoichiometry="1" constant="true"/></listOfReactants>
<kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><ci>k3</ci><ci>S</ci></apply></math></kineticLaw>
</reaction></listOfReactions>"#
    ));
    assert_error(
        "undefined",
        &text,
        "time,S",
        &["reaction 'R1'", "undefined symbol 'k3'"],
    );
}

#[test]
fn division_by_zero_in_initial_value() {
    let text = model(&format!(
        r#"{COMPARTMENT}{SPECIES}<listOfInitialAssignments><initialAssignment symbol="S">
<math xmlns="http://www.w3.org/1998/Math/MathML"><apply><divide/><cn>1</cn><cn>0</cn></apply></math>
</initialAssignment></listOfInitialAssignments>
<listOfReactions><reaction id="R1" reversible="false">
<listOfReactants><speciesReference species="S" stoichiometry="1" constant="true"/></listOfReactants>
<kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><ci>S</ci></math></kineticLaw>
</reaction></listOfReactions>"#
    ));
    assert_error(
        "divzero",
        &text,
        "time,S",
        &["'S'", "inf", "division by zero"],
    );
}

#[test]
fn model_the_solver_cannot_integrate() {
    // dx/dt = x^2 from x = 1 blows up at t = 1.
    let text = model(
        r#"<listOfParameters><parameter id="x" value="1" constant="false"/></listOfParameters>
<listOfRules><rateRule variable="x"><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><power/><ci>x</ci><cn>2</cn></apply></math></rateRule></listOfRules>"#,
    );
    assert_error(
        "blowup",
        &text,
        "time,x",
        &["solver failed", "too small at t = "],
    );
    let (_, stderr, _) = run("blowup", &text, "time,x");
    let t: f64 = stderr
        .split("at t = ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .and_then(|x| x.trim().parse().ok())
        .unwrap();
    assert!((t - 1.0).abs() < 1e-6, "blow-up located at {t}");
}

#[test]
fn unknown_selection() {
    let text = model(&format!("{COMPARTMENT}{SPECIES}"));
    assert_error(
        "selection",
        &text,
        "time,S,nope",
        &["unknown selection 'nope'"],
    );
}

const COMP_HEADER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" xmlns:comp="http://www.sbml.org/sbml/level3/version1/comp/version1" level="3" version="2" comp:required="true">"#;

#[test]
fn comp_external_model_file_is_found_beside_the_model() {
    // `sub` is `k` of the external file's model, replaced by the parent's `k` (2).
    let inner = model(
        r#"<listOfParameters><parameter id="k" value="7" constant="true"/><parameter id="x" value="0" constant="false"/></listOfParameters>
<listOfRules><rateRule variable="x"><math xmlns="http://www.w3.org/1998/Math/MathML"><ci>k</ci></math></rateRule></listOfRules>"#,
    );
    std::fs::write(scratch("comp_inner.xml"), inner).unwrap();
    let outer = format!(
        r#"{COMP_HEADER}
  <model id="top">
    <listOfParameters><parameter id="k" value="2" constant="true"><comp:listOfReplacedElements><comp:replacedElement comp:submodelRef="A" comp:idRef="k"/></comp:listOfReplacedElements></parameter></listOfParameters>
    <comp:listOfSubmodels><comp:submodel comp:id="A" comp:modelRef="ext"/></comp:listOfSubmodels>
  </model>
  <comp:listOfExternalModelDefinitions><comp:externalModelDefinition comp:id="ext" comp:source="comp_inner.xml" comp:modelRef="m"/></comp:listOfExternalModelDefinitions>
</sbml>"#
    );
    let (ok, stderr, exists) = run("comp_outer", &outer, "time,A__x");
    assert!(ok && exists, "{stderr}");
    let csv = std::fs::read_to_string(scratch("comp_outer.csv")).unwrap();
    let last: Vec<f64> = csv
        .lines()
        .last()
        .unwrap()
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect();
    assert!(
        (last[0] - 5.0).abs() < 1e-12 && (last[1] - 10.0).abs() < 1e-6,
        "{csv}"
    );
}

#[test]
fn comp_missing_external_file_is_named() {
    let text = format!(
        r#"{COMP_HEADER}
  <model id="top"><comp:listOfSubmodels><comp:submodel comp:id="A" comp:modelRef="ext"/></comp:listOfSubmodels></model>
  <comp:listOfExternalModelDefinitions><comp:externalModelDefinition comp:id="ext" comp:source="no_such_file.xml"/></comp:listOfExternalModelDefinitions>
</sbml>"#
    );
    assert_error(
        "comp_missing",
        &text,
        "time",
        &[
            "comp:externalModelDefinition 'ext'",
            "no_such_file.xml",
            "line 4",
        ],
    );
}

#[test]
fn good_model_writes_csv() {
    let text = model(&format!(
        r#"{COMPARTMENT}{SPECIES}<listOfParameters><parameter id="k" value="0.5" constant="true"/></listOfParameters>
<listOfReactions><reaction id="R1" reversible="false">
<listOfReactants><speciesReference species="S" stoichiometry="1" constant="true"/></listOfReactants>
<kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><ci>k</ci><ci>S</ci></apply></math></kineticLaw>
</reaction></listOfReactions>"#
    ));
    let (ok, stderr, exists) = run("good", &text, "time,S,[S],k,R1");
    assert!(ok && exists, "{stderr}");
    let csv = std::fs::read_to_string(scratch("good.csv")).unwrap();
    let rows: Vec<Vec<f64>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|x| x.parse().unwrap()).collect())
        .collect();
    assert_eq!(csv.lines().next(), Some("time,S,[S],k,R1"));
    assert_eq!(rows.len(), 6);
    for r in &rows {
        // Exact solution S = exp(-k t); rate R1 = k S.
        let exact = (-0.5 * r[0]).exp();
        assert!((r[1] - exact).abs() < 1e-7, "{r:?}");
        assert!((r[4] - 0.5 * r[1]).abs() < 1e-12);
    }
}
