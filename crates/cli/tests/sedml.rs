//! `her2sim sedml`: writes the reports and plots of models/sedml/two_state.sedml into a
//! report directory, replaces its own previous output, refuses a directory holding other
//! files, and fails with a one-line error naming the file on bad input.

use std::path::PathBuf;
use std::process::{Command, Output};

fn her2sim(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_her2sim"))
        .args(args)
        .output()
        .unwrap()
}

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models/sedml/two_state.sedml")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("her2sim-cli-sedml-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn writes_reports_and_plots_and_replaces_its_own_output() {
    let dir = scratch("ok");
    let out = dir.join("out");
    for _ in 0..2 {
        let o = her2sim(&[
            "sedml".as_ref(),
            example().as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
            "--json".as_ref(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(json["outputs"].as_array().unwrap().len(), 4);
        assert_eq!(json["warnings"].as_array().unwrap().len(), 1);
    }
    let csv = std::fs::read_to_string(out.join("time_course.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("time,A,A+B,A fast"));
    let first: Vec<f64> = lines
        .next()
        .unwrap()
        .split(',')
        .map(|x| x.parse().unwrap())
        .collect();
    let exact = 10.0 / 3.0 + 20.0 / 3.0 * (-0.75f64).exp();
    assert!((first[1] - exact).abs() < 1e-6 * exact, "{first:?}");
    assert!(std::fs::read_to_string(out.join("plot_A.svg"))
        .unwrap()
        .contains("<svg"));
    assert!(out.join("k1_scan.csv").exists() && out.join("steady_state.csv").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn refuses_a_directory_with_foreign_files() {
    let dir = scratch("foreign");
    std::fs::write(dir.join("mine.txt"), "keep me").unwrap();
    let o = her2sim(&[
        "sedml".as_ref(),
        example().as_os_str(),
        "-o".as_ref(),
        dir.as_os_str(),
    ]);
    assert!(!o.status.success());
    assert_eq!(
        std::fs::read_to_string(dir.join("mine.txt")).unwrap(),
        "keep me"
    );
    assert!(!dir.join("time_course.csv").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_is_a_one_line_error() {
    let dir = scratch("bad");
    let bad = dir.join("bad.sedml");
    std::fs::write(&bad, "<sedML level=\"1\" version=\"3\"><listOfModels><model id=\"m\" source=\"gone.xml\"/></listOfModels><listOfSimulations/><listOfTasks><task id=\"t\" modelReference=\"m\" simulationReference=\"s\"/></listOfTasks><listOfDataGenerators><dataGenerator id=\"d\"><listOfVariables><variable id=\"v\" symbol=\"urn:sedml:symbol:time\" taskReference=\"t\"/></listOfVariables><math xmlns=\"http://www.w3.org/1998/Math/MathML\"><ci>v</ci></math></dataGenerator></listOfDataGenerators><listOfOutputs><report id=\"r\"><listOfDataSets><dataSet id=\"x\" label=\"x\" dataReference=\"d\"/></listOfDataSets></report></listOfOutputs></sedML>").unwrap();
    let out = dir.join("out");
    let o = her2sim(&[
        "sedml".as_ref(),
        bad.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("error: ") && err.contains("bad.sedml"),
        "{err}"
    );
    assert!(
        err.contains("task 't'") && err.contains("no simulation 's'"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.exists());
    let _ = std::fs::remove_dir_all(&dir);
}
