//! Model changes beyond changeAttribute (computeChange, addXML, changeXML, removeXML),
//! functionalRange, setValue reading model values and BioModels URN sources, checked against the analytic solution of
//! A <-> B (models/sedml/two_state.xml: A0 = 10, B0 = 0, k1 = 0.5, k2 = 0.25).

use std::path::{Path, PathBuf};

use her2sim_sedml::{run_path, SedmlRun};

const LIMIT: u64 = 64 << 20;
const MATH: &str = "xmlns=\"http://www.w3.org/1998/Math/MathML\"";
const PARAMS: &str = "/sbml:sbml/sbml:model/sbml:listOfParameters";
const SPECIES: &str = "/sbml:sbml/sbml:model/sbml:listOfSpecies";
const REACTIONS: &str = "/sbml:sbml/sbml:model/sbml:listOfReactions";

/// A(t) for A0, B0 = 0 and rates k1, k2.
fn a_exact(t: f64, a0: f64, k1: f64, k2: f64) -> f64 {
    let ss = a0 * k2 / (k1 + k2);
    ss + (a0 - ss) * (-(k1 + k2) * t).exp()
}

fn close(got: f64, want: f64) {
    assert!(
        (got - want).abs() <= 1e-6 * want.abs().max(1e-6),
        "got {got}, want {want}"
    );
}

/// Runs a SED-ML document (`models` and `tasks` spliced into a time course of [A] and time
/// from 0 to 2) next to a copy of two_state.xml saved as `model_name`.
fn run_doc(name: &str, model_name: &str, models: &str, tasks: &str) -> Result<SedmlRun, String> {
    let dir = std::env::temp_dir().join(format!("her2sim-sedml-ch-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/sedml/two_state.xml");
    std::fs::copy(src, dir.join(model_name)).unwrap();
    let text = format!(
        r#"<sedML xmlns="http://sed-ml.org/sed-ml/level1/version3" xmlns:sbml="http://www.sbml.org/sbml/level3/version2/core" level="1" version="3">
  <listOfModels>{models}</listOfModels>
  <listOfSimulations>
    <uniformTimeCourse id="tc" initialTime="0" outputStartTime="0" outputEndTime="2" numberOfPoints="4">
      <algorithm kisaoID="KISAO:0000019"><listOfAlgorithmParameters>
        <algorithmParameter kisaoID="KISAO:0000209" value="1e-10"/>
      </listOfAlgorithmParameters></algorithm>
    </uniformTimeCourse>
    <steadyState id="ss"><algorithm kisaoID="KISAO:0000407"/></steadyState>
  </listOfSimulations>
  <listOfTasks>{tasks}</listOfTasks>
  <listOfDataGenerators>
    <dataGenerator id="time"><listOfVariables><variable id="v" symbol="urn:sedml:symbol:time" taskReference="t"/></listOfVariables><math {MATH}><ci>v</ci></math></dataGenerator>
    <dataGenerator id="a"><listOfVariables><variable id="v" target="{SPECIES}/sbml:species[@id='A']" taskReference="t"/></listOfVariables><math {MATH}><ci>v</ci></math></dataGenerator>
  </listOfDataGenerators>
  <listOfOutputs>
    <report id="r"><listOfDataSets>
      <dataSet id="d1" label="t" dataReference="time"/><dataSet id="d2" label="A" dataReference="a"/>
    </listOfDataSets></report>
  </listOfOutputs>
</sedML>"#
    );
    let path: PathBuf = dir.join(format!("{name}.sedml"));
    std::fs::write(&path, text).unwrap();
    let result = run_path(&path, LIMIT).map_err(|e| e.to_string());
    let _ = std::fs::remove_dir_all(&dir);
    result
}

const TASK: &str = r#"<task id="t" modelReference="m" simulationReference="tc"/>"#;

/// (t, A) rows of report r.
fn rows(run: &SedmlRun) -> Vec<(f64, f64)> {
    let text = String::from_utf8(run.outputs[0].content.clone()).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let (t, a) = l.split_once(',').unwrap();
            (t.parse().unwrap(), a.parse().unwrap())
        })
        .collect()
}

#[test]
fn compute_change_reads_model_values_and_parameters() {
    // k1 = f * k2 = 1; A0 = B0 + 5 = 5.
    let models = format!(
        r#"<model id="m" source="two_state.xml"><listOfChanges>
  <computeChange target="{PARAMS}/sbml:parameter[@id='k1']/@value">
    <listOfVariables><variable id="k2" modelReference="m" target="{PARAMS}/sbml:parameter[@id='k2']"/></listOfVariables>
    <listOfParameters><parameter id="f" value="4"/></listOfParameters>
    <math {MATH}><apply><times/><ci>f</ci><ci>k2</ci></apply></math>
  </computeChange>
  <computeChange target="{SPECIES}/sbml:species[@id='A']/@initialConcentration">
    <listOfVariables><variable id="b" modelReference="m" target="{SPECIES}/sbml:species[@id='B']"/></listOfVariables>
    <math {MATH}><apply><plus/><ci>b</ci><cn>5</cn></apply></math>
  </computeChange>
</listOfChanges></model>"#
    );
    let run = run_doc("compute", "two_state.xml", &models, TASK).unwrap();
    let rows = rows(&run);
    assert_eq!(rows.len(), 5);
    for (t, a) in rows {
        close(a, a_exact(t, 5.0, 1.0, 0.25));
    }
}

#[test]
fn xml_changes_edit_the_model_before_it_is_compiled() {
    // removeXML drops R2 (B -> A); changeXML replaces k1 by 1.5; addXML adds a species C
    // that nothing uses (the model still compiles).
    let models = format!(
        r#"<model id="m" source="two_state.xml"><listOfChanges>
  <removeXML target="{REACTIONS}/sbml:reaction[@id='R2']"/>
  <changeXML target="{PARAMS}/sbml:parameter[@id='k1']">
    <newXML><sbml:parameter id="k1" value="1.5" constant="true"/></newXML>
  </changeXML>
  <addXML target="{SPECIES}">
    <newXML><species xmlns="http://www.sbml.org/sbml/level3/version2/core" id="C" compartment="cell" initialConcentration="1" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/></newXML>
  </addXML>
</listOfChanges></model>"#
    );
    let run = run_doc("xml", "two_state.xml", &models, TASK).unwrap();
    for (t, a) in rows(&run) {
        close(a, 10.0 * (-1.5 * t).exp());
    }
}

#[test]
fn functional_range_drives_set_value() {
    let tasks = format!(
        r#"<task id="inner" modelReference="m" simulationReference="tc"/>
<repeatedTask id="t" range="i" resetModel="true">
  <listOfRanges>
    <functionalRange id="k" range="i">
      <listOfParameters><parameter id="base" value="0.25"/></listOfParameters>
      <math {MATH}><apply><times/><ci>base</ci><ci>i</ci></apply></math>
    </functionalRange>
    <vectorRange id="i"><value>1</value><value>2</value></vectorRange>
  </listOfRanges>
  <listOfChanges>
    <setValue modelReference="m" target="{PARAMS}/sbml:parameter[@id='k1']/@value" range="k">
      <math {MATH}><ci>k</ci></math>
    </setValue>
  </listOfChanges>
  <listOfSubTasks><subTask order="1" task="inner"/></listOfSubTasks>
</repeatedTask>"#
    );
    let run = run_doc(
        "functional",
        "two_state.xml",
        r#"<model id="m" source="two_state.xml"/>"#,
        &tasks,
    )
    .unwrap();
    let rows = rows(&run);
    assert_eq!(rows.len(), 10);
    for (i, (t, a)) in rows.into_iter().enumerate() {
        close(a, a_exact(t, 10.0, 0.25 * (1 + i / 5) as f64, 0.25));
    }
}

#[test]
fn set_value_reads_model_variables() {
    // Each iteration sets A0 = r * (A0 of the model) = 10 r.
    let tasks = format!(
        r#"<task id="inner" modelReference="m" simulationReference="tc"/>
<repeatedTask id="t" range="r" resetModel="true">
  <listOfRanges><vectorRange id="r"><value>1</value><value>2</value></vectorRange></listOfRanges>
  <listOfChanges>
    <setValue modelReference="m" target="{SPECIES}/sbml:species[@id='A']/@initialConcentration" range="r">
      <listOfVariables><variable id="a0" modelReference="m" target="{SPECIES}/sbml:species[@id='A']"/></listOfVariables>
      <math {MATH}><apply><times/><ci>r</ci><ci>a0</ci></apply></math>
    </setValue>
  </listOfChanges>
  <listOfSubTasks><subTask order="1" task="inner"/></listOfSubTasks>
</repeatedTask>"#
    );
    let run = run_doc(
        "setvalue",
        "two_state.xml",
        r#"<model id="m" source="two_state.xml"/>"#,
        &tasks,
    )
    .unwrap();
    for (i, (t, a)) in rows(&run).into_iter().enumerate() {
        close(a, a_exact(t, 10.0 * (1 + i / 5) as f64, 0.5, 0.25));
    }
}

#[test]
fn biomodels_urn_resolves_to_a_file_next_to_the_sedml() {
    let model = r#"<model id="m" source="urn:miriam:biomodels.db:BIOMD0000000999"/>"#;
    let run = run_doc("urn", "BIOMD0000000999_url.xml", model, TASK).unwrap();
    close(rows(&run)[4].1, a_exact(2.0, 10.0, 0.5, 0.25));
    let e = run_doc("urn-missing", "other.xml", model, TASK).unwrap_err();
    assert!(
        e.contains("model 'm'")
            && e.contains("BIOMD0000000999.xml")
            && e.contains("BIOMD0000000999_url.xml"),
        "{e}"
    );
    let web = r#"<model id="m" source="https://example.org/model.xml"/>"#;
    let e = run_doc("url", "two_state.xml", web, TASK).unwrap_err();
    assert!(e.contains("downloads nothing"), "{e}");
}

#[test]
fn bad_changes_name_file_element_and_reason() {
    let models = format!(
        r#"<model id="m" source="two_state.xml"><listOfChanges>
  <removeXML target="{REACTIONS}/sbml:reaction[@id='R9']"/>
</listOfChanges></model>"#
    );
    let e = run_doc("bad-remove", "two_state.xml", &models, TASK).unwrap_err();
    assert!(
        e.contains("bad-remove.sedml")
            && e.contains("removeXML in model 'm'")
            && e.contains("selects no element"),
        "{e}"
    );
    let models = format!(
        r#"<model id="m" source="two_state.xml"><listOfChanges>
  <computeChange target="{PARAMS}/sbml:parameter[@id='k1']/@value"><math {MATH}><ci>nope</ci></math></computeChange>
</listOfChanges></model>"#
    );
    let e = run_doc("bad-compute", "two_state.xml", &models, TASK).unwrap_err();
    assert!(
        e.contains("computeChange in model 'm'") && e.contains("nope"),
        "{e}"
    );
    let models = format!(
        r#"<model id="m" source="two_state.xml"><listOfChanges>
  <addXML target="{PARAMS}"/>
</listOfChanges></model>"#
    );
    let e = run_doc("bad-add", "two_state.xml", &models, TASK).unwrap_err();
    assert!(
        e.contains("addXML") && e.contains("missing <newXML>"),
        "{e}"
    );
}
