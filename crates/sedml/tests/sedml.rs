//! End-to-end tests of SED-ML runs against the analytic solution of A <-> B
//! (models/sedml/two_state.xml): reports, changeAttribute, steady state, a repeated-task
//! scan, plots, an OMEX round trip and error cases.

use std::io::Write;
use std::path::{Path, PathBuf};

use her2sim_sedml::{run_path, OutputKind, SedmlRun};

const LIMIT: u64 = 64 << 20;

fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/sedml")
}

/// A fresh scratch directory holding a copy of the model.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("her2sim-sedml-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(models().join("two_state.xml"), dir.join("two_state.xml")).unwrap();
    dir
}

/// The analytic [A](t) for A0, B0 = 0, rates k1 and k2 = 0.25.
fn a_exact(t: f64, a0: f64, k1: f64) -> f64 {
    let k2 = 0.25;
    let ss = a0 * k2 / (k1 + k2);
    ss + (a0 - ss) * (-(k1 + k2) * t).exp()
}

fn table(run: &SedmlRun, name: &str) -> (Vec<String>, Vec<Vec<f64>>) {
    let out = run
        .outputs
        .iter()
        .find(|o| o.name == name)
        .unwrap_or_else(|| panic!("no output {name}"));
    assert_eq!(out.kind, OutputKind::Report);
    let text = String::from_utf8(out.content.clone()).unwrap();
    let mut lines = text.lines();
    let header = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    let rows = lines
        .map(|l| l.split(',').map(|x| x.parse().unwrap()).collect())
        .collect();
    (header, rows)
}

fn close(got: f64, want: f64, rel: f64) {
    assert!(
        (got - want).abs() <= rel * want.abs().max(1e-12),
        "got {got}, want {want}"
    );
}

fn example() -> SedmlRun {
    run_path(&models().join("two_state.sedml"), LIMIT).unwrap()
}

#[test]
fn time_course_report_matches_analytic_solution() {
    let run = example();
    let (header, rows) = table(&run, "time_course.csv");
    assert_eq!(header, ["time", "A", "A+B", "A fast"]);
    // outputStartTime = 1 > initialTime = 0: 8 intervals from 1 to 5.
    assert_eq!(rows.len(), 9);
    for (i, row) in rows.iter().enumerate() {
        let t = 1.0 + 0.5 * i as f64;
        close(row[0], t, 1e-12);
        close(row[1], a_exact(t, 10.0, 0.5), 1e-6);
        close(row[2], 10.0, 1e-8);
    }
}

#[test]
fn change_attribute_sets_k1_and_initial_concentration() {
    let run = example();
    let (_, rows) = table(&run, "time_course.csv");
    for row in &rows {
        close(row[3], a_exact(row[0], 20.0, 1.0), 1e-6);
    }
}

#[test]
fn steady_state_report() {
    let (header, rows) = table(&example(), "steady_state.csv");
    assert_eq!(header, ["A_ss"]);
    assert_eq!(rows.len(), 1);
    close(rows[0][0], 10.0 * 0.25 / 0.75, 1e-5);
}

#[test]
fn repeated_task_scans_k1() {
    let (header, rows) = table(&example(), "k1_scan.csv");
    assert_eq!(header, ["k1", "A_ss"]);
    assert_eq!(rows.len(), 3);
    for (row, k1) in rows.iter().zip([0.25, 0.5, 1.0]) {
        close(row[0], k1, 1e-12);
        close(row[1], 10.0 * 0.25 / (k1 + 0.25), 1e-5);
    }
}

#[test]
fn plot_is_an_svg_and_plot3d_is_skipped_with_a_warning() {
    let run = example();
    let plot = run.outputs.iter().find(|o| o.name == "plot_A.svg").unwrap();
    assert_eq!(plot.kind, OutputKind::Plot);
    assert_eq!(plot.columns, ["A", "A (k1 = 1)"]);
    let svg = String::from_utf8(plot.content.clone()).unwrap();
    assert!(svg.starts_with("<?xml"));
    assert!(svg.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.contains("<title>A over time</title>"));
    assert!(svg.trim_end().ends_with("</svg>"));
    roxmltree::Document::parse(&svg).expect("the SVG is well-formed XML");
    assert_eq!(run.warnings.len(), 1, "{:?}", run.warnings);
    assert!(run.warnings[0].contains("plot3D 'surface'"));
}

fn omex(dir: &Path, entries: &[(&str, &[u8])]) -> PathBuf {
    let path = dir.join("archive.omex");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        zip.start_file(*name, opts).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap();
    path
}

const MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<omexManifest xmlns="http://identifiers.org/combine.specifications/omex-manifest">
  <content location="." format="http://identifiers.org/combine.specifications/omex"/>
  <content location="./models/two_state.xml" format="http://identifiers.org/combine.specifications/sbml"/>
  <content location="./sim/extra.sedml" format="http://identifiers.org/combine.specifications/sed-ml"/>
  <content location="./sim/two_state.sedml" format="http://identifiers.org/combine.specifications/sed-ml" master="true"/>
</omexManifest>"#;

#[test]
fn omex_round_trip_runs_every_sedml_master_first() {
    let dir = scratch("omex");
    let model = std::fs::read(models().join("two_state.xml")).unwrap();
    let sedml = std::fs::read_to_string(models().join("two_state.sedml"))
        .unwrap()
        .replace(
            "source=\"two_state.xml\"",
            "source=\"../models/two_state.xml\"",
        );
    let path = omex(
        &dir,
        &[
            ("manifest.xml", MANIFEST.as_bytes()),
            ("models/two_state.xml", &model),
            ("sim/two_state.sedml", sedml.as_bytes()),
            ("sim/extra.sedml", sedml.as_bytes()),
        ],
    );
    let run = run_path(&path, LIMIT).unwrap();
    assert_eq!(run.documents.len(), 2);
    assert!(
        run.documents[0].ends_with("!sim/two_state.sedml"),
        "{:?}",
        run.documents
    );
    // Several SED-ML files: names are prefixed with each file's stem.
    let (_, rows) = table(&run, "two_state.time_course.csv");
    close(rows[0][1], a_exact(1.0, 10.0, 0.5), 1e-6);
    let (_, rows) = table(&run, "extra.k1_scan.csv");
    close(rows[2][1], 2.0, 1e-5);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn omex_without_manifest_or_model_is_an_error() {
    let dir = scratch("omex-bad");
    let sedml = std::fs::read(models().join("two_state.sedml")).unwrap();
    let path = omex(&dir, &[("two_state.sedml", &sedml)]);
    let e = run_path(&path, LIMIT).unwrap_err().to_string();
    assert!(
        e.contains("archive.omex") && e.contains("no manifest.xml"),
        "{e}"
    );
    let manifest = r#"<omexManifest><content location="./two_state.sedml" format="http://identifiers.org/combine.specifications/sed-ml"/></omexManifest>"#;
    let path = omex(
        &dir,
        &[
            ("manifest.xml", manifest.as_bytes()),
            ("two_state.sedml", &sedml),
        ],
    );
    let e = run_path(&path, LIMIT).unwrap_err().to_string();
    assert!(
        e.contains("model 'm'") && e.contains("not in the archive"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Writes the example with `from` replaced by `to` into a scratch directory and runs it.
fn run_edited(name: &str, from: &str, to: &str) -> String {
    let dir = scratch(name);
    let text = std::fs::read_to_string(models().join("two_state.sedml")).unwrap();
    assert!(text.contains(from), "{from}");
    let path = dir.join("edited.sedml");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    let e = run_path(&path, LIMIT).unwrap_err().to_string();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(e.contains("edited.sedml"), "the error names the file: {e}");
    e
}

#[test]
fn missing_model_file_names_the_model() {
    let e = run_edited("missing", "source=\"two_state.xml\"", "source=\"nope.xml\"");
    assert!(e.contains("model 'm'") && e.contains("nope.xml"), "{e}");
}

#[test]
fn unknown_change_target_names_the_change() {
    let e = run_edited(
        "target",
        "parameter[@id='k1']/@value\" newValue",
        "parameter[@id='k9']/@value\" newValue",
    );
    assert!(
        e.contains("changeAttribute in model 'm_fast'") && e.contains("k9"),
        "{e}"
    );
}

#[test]
fn unknown_variable_target_names_the_variable() {
    let e = run_edited(
        "var",
        "species[@id='B']\" taskReference",
        "species[@id='C']\" taskReference",
    );
    assert!(e.contains("variable 'b'") && e.contains("'C'"), "{e}");
}

#[test]
fn unsupported_algorithm_and_bad_numbers_are_errors() {
    let e = run_edited("kisao", "KISAO:0000019", "KISAO:0000999");
    assert!(
        e.contains("simulation 'tc'") && e.contains("unsupported algorithm"),
        "{e}"
    );
    let e = run_edited("points", "numberOfPoints=\"8\"", "numberOfPoints=\"eight\"");
    assert!(
        e.contains("uniformTimeCourse 'tc'") && e.contains("eight"),
        "{e}"
    );
    let e = run_edited("xml", "<listOfTasks>", "<listOfTasks");
    assert!(e.contains("not well-formed XML"), "{e}");
    let e = run_edited("dg", "dataReference=\"total\"", "dataReference=\"nothing\"");
    assert!(
        e.contains("report 'time_course'") && e.contains("nothing"),
        "{e}"
    );
}

/// Gillespie's direct method (KISAO:0000029) in a repeated task of 400 iterations: each
/// iteration is its own trajectory (whole numbers of molecules, A + B = 10 throughout), and
/// their mean follows the binomial law of A ⇌ B, 10 p(t) with
/// p(t) = k2/(k1+k2) + (1 - k2/(k1+k2)) e^{-(k1+k2) t}; the same file gives the same numbers.
#[test]
fn gillespie_trajectories_in_a_repeated_task_follow_the_binomial_law() {
    let dir = scratch("ssa");
    let math = "xmlns=\"http://www.w3.org/1998/Math/MathML\"";
    let sp =
        |id: &str| format!("/sbml:sbml/sbml:model/sbml:listOfSpecies/sbml:species[@id='{id}']");
    let text = format!(
        r#"<sedML xmlns="http://sed-ml.org/sed-ml/level1/version4" level="1" version="4">
  <listOfModels><model id="m" source="two_state.xml"/></listOfModels>
  <listOfSimulations>
    <uniformTimeCourse id="tc" initialTime="0" outputStartTime="0" outputEndTime="4" numberOfSteps="4">
      <algorithm kisaoID="KISAO:0000029"><listOfAlgorithmParameters><algorithmParameter kisaoID="KISAO:0000488" value="5"/></listOfAlgorithmParameters></algorithm>
    </uniformTimeCourse>
  </listOfSimulations>
  <listOfTasks>
    <task id="t" modelReference="m" simulationReference="tc"/>
    <repeatedTask id="rep" range="i" resetModel="true">
      <listOfRanges><uniformRange id="i" start="1" end="400" numberOfSteps="399" type="linear"/></listOfRanges>
      <listOfSubTasks><subTask order="1" task="t"/></listOfSubTasks>
    </repeatedTask>
  </listOfTasks>
  <listOfDataGenerators>
    <dataGenerator id="time"><listOfVariables><variable id="v" symbol="urn:sedml:symbol:time" taskReference="rep"/></listOfVariables><math {math}><ci>v</ci></math></dataGenerator>
    <dataGenerator id="A"><listOfVariables><variable id="v" target="{a}" taskReference="rep"/></listOfVariables><math {math}><ci>v</ci></math></dataGenerator>
    <dataGenerator id="total"><listOfVariables><variable id="a" target="{a}" taskReference="rep"/><variable id="b" target="{b}" taskReference="rep"/></listOfVariables><math {math}><apply><plus/><ci>a</ci><ci>b</ci></apply></math></dataGenerator>
  </listOfDataGenerators>
  <listOfOutputs>
    <report id="r"><listOfDataSets>
      <dataSet id="d1" label="t" dataReference="time"/>
      <dataSet id="d2" label="A" dataReference="A"/>
      <dataSet id="d3" label="A+B" dataReference="total"/>
    </listOfDataSets></report>
  </listOfOutputs>
</sedML>"#,
        a = sp("A"),
        b = sp("B")
    );
    let path = dir.join("ssa.sedml");
    std::fs::write(&path, &text).unwrap();
    let run = run_path(&path, LIMIT).unwrap();
    let (header, rows) = table(&run, "r.csv");
    assert_eq!(header, ["t", "A", "A+B"]);
    assert_eq!(rows.len(), 400 * 5);
    let (k1, k2) = (0.5f64, 0.25f64);
    let mut sums = [0.0f64; 5];
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row[0], (i % 5) as f64);
        assert_eq!(
            row[1].fract(),
            0.0,
            "a whole number of molecules: {}",
            row[1]
        );
        assert_eq!(row[2], 10.0);
        sums[i % 5] += row[1];
    }
    let distinct: std::collections::HashSet<String> = rows
        .chunks(5)
        .map(|c| format!("{:?}", c.iter().map(|r| r[1]).collect::<Vec<_>>()))
        .collect();
    assert!(
        distinct.len() > 50,
        "iterations are independent trajectories: {} distinct",
        distinct.len()
    );
    for (j, sum) in sums.iter().enumerate() {
        let t = j as f64;
        let ss = k2 / (k1 + k2);
        let p = ss + (1.0 - ss) * (-(k1 + k2) * t).exp();
        let (mean, sd) = (10.0 * p, (10.0 * p * (1.0 - p)).sqrt());
        let got = sum / 400.0;
        assert!(
            (got - mean).abs() <= 5.0 * sd / 20.0 + 1e-12,
            "t = {t}: mean A {got} vs {mean}"
        );
    }
    // Reproducible: the same file, the same trajectories.
    let again = run_path(&path, LIMIT).unwrap();
    assert_eq!(table(&again, "r.csv").1, rows);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn l1v4_uniform_range_scan_of_time_courses_stacks_rows() {
    let dir = scratch("v4");
    let math = "xmlns=\"http://www.w3.org/1998/Math/MathML\"";
    let sp = "/sbml:sbml/sbml:model/sbml:listOfSpecies/sbml:species[@id='A']";
    let k1 = "/sbml:sbml/sbml:model/sbml:listOfParameters/sbml:parameter[@id='k1']";
    let text = format!(
        r#"<sedML xmlns="http://sed-ml.org/sed-ml/level1/version4" level="1" version="4">
  <listOfModels><model id="m" source="two_state.xml"/></listOfModels>
  <listOfSimulations>
    <uniformTimeCourse id="tc" initialTime="0" outputStartTime="0" outputEndTime="2" numberOfSteps="4">
      <algorithm kisaoID="KISAO:0000560"/>
    </uniformTimeCourse>
  </listOfSimulations>
  <listOfTasks>
    <task id="t" modelReference="m" simulationReference="tc"/>
    <repeatedTask id="scan" range="r" resetModel="true">
      <listOfRanges><uniformRange id="r" start="0.1" end="10" numberOfSteps="2" type="log"/></listOfRanges>
      <listOfChanges>
        <setValue modelReference="m" target="{k1}/@value" range="r">
          <listOfParameters><parameter id="half" value="0.5"/></listOfParameters>
          <math {math}><apply><times/><ci>half</ci><ci>r</ci></apply></math>
        </setValue>
      </listOfChanges>
      <listOfSubTasks><subTask order="1" task="t"/></listOfSubTasks>
    </repeatedTask>
  </listOfTasks>
  <listOfDataGenerators>
    <dataGenerator id="time"><listOfVariables><variable id="v" symbol="urn:sedml:symbol:time" taskReference="scan"/></listOfVariables><math {math}><ci>v</ci></math></dataGenerator>
    <dataGenerator id="k"><listOfVariables><variable id="v" target="{k1}" taskReference="scan"/></listOfVariables><math {math}><ci>v</ci></math></dataGenerator>
    <dataGenerator id="scaled">
      <listOfVariables><variable id="v" target="{sp}" taskReference="scan"/></listOfVariables>
      <listOfParameters><parameter id="f" value="2"/></listOfParameters>
      <math {math}><apply><times/><ci>f</ci><ci>v</ci></apply></math>
    </dataGenerator>
  </listOfDataGenerators>
  <listOfOutputs>
    <report id="r"><listOfDataSets>
      <dataSet id="a" label="t" dataReference="time"/>
      <dataSet id="b" label="k1" dataReference="k"/>
      <dataSet id="c" label="2A" dataReference="scaled"/>
    </listOfDataSets></report>
    <plot2D id="p"><listOfCurves><curve id="c" xDataReference="time" yDataReference="scaled"/></listOfCurves></plot2D>
  </listOfOutputs>
</sedML>"#
    );
    let path = dir.join("v4.sedml");
    std::fs::write(&path, text).unwrap();
    let run = run_path(&path, LIMIT).unwrap();
    let (header, rows) = table(&run, "r.csv");
    assert_eq!(header, ["t", "k1", "2A"]);
    // 3 iterations (k1 = 0.05, 0.5, 5) x 5 time points.
    assert_eq!(rows.len(), 15);
    for (i, row) in rows.iter().enumerate() {
        let k = 0.5 * [0.1, 1.0, 10.0][i / 5];
        let t = 0.5 * (i % 5) as f64;
        close(row[0], t, 1e-12);
        close(row[1], k, 1e-12);
        close(row[2], 2.0 * a_exact(t, 10.0, k), 1e-6);
    }
    let plot = run.outputs.iter().find(|o| o.name == "p.svg").unwrap();
    assert_eq!(plot.columns, ["scaled [1]", "scaled [2]", "scaled [3]"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A SED-ML L1V3 document on two_state.xml whose tasks section is `tasks` and whose report
/// lists time and [A] of task `of`.
fn continued_doc(simulations: &str, tasks: &str, of: &str) -> String {
    let math = "xmlns=\"http://www.w3.org/1998/Math/MathML\"";
    let sp = "/sbml:sbml/sbml:model/sbml:listOfSpecies/sbml:species[@id='A']";
    format!(
        r#"<sedML xmlns="http://sed-ml.org/sed-ml/level1/version3" level="1" version="3">
  <listOfModels><model id="m" language="urn:sedml:language:sbml" source="two_state.xml"/></listOfModels>
  <listOfSimulations>{simulations}</listOfSimulations>
  <listOfTasks>{tasks}</listOfTasks>
  <listOfDataGenerators>
    <dataGenerator id="time"><listOfVariables><variable id="v" symbol="urn:sedml:symbol:time" taskReference="{of}"/></listOfVariables><math {math}><ci>v</ci></math></dataGenerator>
    <dataGenerator id="A"><listOfVariables><variable id="v" target="{sp}" taskReference="{of}"/></listOfVariables><math {math}><ci>v</ci></math></dataGenerator>
  </listOfDataGenerators>
  <listOfOutputs>
    <report id="r"><listOfDataSets>
      <dataSet id="a" label="t" dataReference="time"/>
      <dataSet id="b" label="A" dataReference="A"/>
    </listOfDataSets></report>
  </listOfOutputs>
</sedML>"#
    )
}

fn run_text(name: &str, text: &str) -> (Vec<String>, Vec<Vec<f64>>) {
    let dir = scratch(name);
    let path = dir.join(format!("{name}.sedml"));
    std::fs::write(&path, text).unwrap();
    let run = run_path(&path, LIMIT).unwrap();
    let out = table(&run, "r.csv");
    let _ = std::fs::remove_dir_all(&dir);
    out
}

/// resetModel="false" over oneStep: eight steps of 0.5 chain into the analytic time course
/// (each iteration continues where the last ended; the output is the state after the step).
#[test]
fn one_steps_in_a_repeated_task_without_reset_chain_into_a_time_course() {
    let sims = r#"<oneStep id="step" step="0.5"><algorithm kisaoID="KISAO:0000019"><listOfAlgorithmParameters>
        <algorithmParameter kisaoID="KISAO:0000209" value="1e-10"/><algorithmParameter kisaoID="KISAO:0000211" value="1e-12"/>
      </listOfAlgorithmParameters></algorithm></oneStep>"#;
    let tasks = r#"<task id="t" modelReference="m" simulationReference="step"/>
    <repeatedTask id="chain" range="i" resetModel="false">
      <listOfRanges><uniformRange id="i" start="0" end="7" numberOfPoints="7" type="linear"/></listOfRanges>
      <listOfSubTasks><subTask order="1" task="t"/></listOfSubTasks>
    </repeatedTask>"#;
    let (_, rows) = run_text("onestep", &continued_doc(sims, tasks, "chain"));
    assert_eq!(rows.len(), 8);
    for (k, row) in rows.iter().enumerate() {
        let t = 0.5 * (k + 1) as f64;
        close(row[0], t, 1e-12);
        close(row[1], a_exact(t, 10.0, 0.5), 1e-6);
    }
    // With resetModel="true" every step starts again from t = 0.
    let (_, rows) = run_text(
        "onestep-reset",
        &continued_doc(sims, &tasks.replace("\"false\"", "\"true\""), "chain"),
    );
    for row in &rows {
        close(row[0], 0.5, 1e-12);
        close(row[1], a_exact(0.5, 10.0, 0.5), 1e-6);
    }
}

/// resetModel="false" over a time course with a setValue: the second iteration starts from
/// the state the first ended at (time counted from initialTime again, as libRoadRunner's
/// SED-ML runner does) and runs with the new k1: a perturbation experiment.
#[test]
fn time_courses_without_reset_continue_the_state_with_the_new_parameter() {
    let k1 = "/sbml:sbml/sbml:model/sbml:listOfParameters/sbml:parameter[@id='k1']";
    let math = "xmlns=\"http://www.w3.org/1998/Math/MathML\"";
    let sims = r#"<uniformTimeCourse id="tc" initialTime="0" outputStartTime="0" outputEndTime="2" numberOfPoints="4">
      <algorithm kisaoID="KISAO:0000019"><listOfAlgorithmParameters>
        <algorithmParameter kisaoID="KISAO:0000209" value="1e-10"/><algorithmParameter kisaoID="KISAO:0000211" value="1e-12"/>
      </listOfAlgorithmParameters></algorithm></uniformTimeCourse>"#;
    let tasks = format!(
        r#"<task id="t" modelReference="m" simulationReference="tc"/>
    <repeatedTask id="pulse" range="k" resetModel="false">
      <listOfRanges><vectorRange id="k"><value>0.5</value><value>1.0</value></vectorRange></listOfRanges>
      <listOfChanges><setValue modelReference="m" target="{k1}/@value" range="k"><math {math}><ci>k</ci></math></setValue></listOfChanges>
      <listOfSubTasks><subTask order="1" task="t"/></listOfSubTasks>
    </repeatedTask>"#
    );
    let (_, rows) = run_text("continue", &continued_doc(sims, &tasks, "pulse"));
    assert_eq!(rows.len(), 10);
    let a2 = a_exact(2.0, 10.0, 0.5);
    // A + B = 10 throughout; with k1 = 1 the new steady state is 10 k2 / (k1 + k2).
    let ss = 10.0 * 0.25 / 1.25;
    for (k, row) in rows.iter().enumerate() {
        let tau = 0.5 * (k % 5) as f64;
        close(row[0], tau, 1e-12);
        let want = if k < 5 {
            a_exact(tau, 10.0, 0.5)
        } else {
            ss + (a2 - ss) * (-1.25 * tau).exp()
        };
        close(row[1], want, 1e-6);
    }
}
