//! `her2sim fba` on SBML Test Suite flux balance models: the objective and fluxes agree with
//! the suite's results CSV; an infeasible problem and a model without fbc are one-line errors
//! with a non-zero exit and no output file.

use std::path::PathBuf;
use std::process::{Command, Output};

fn her2sim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_her2sim"))
}

fn case(id: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/sbml-test-suite/semantic")
        .join(id)
}

fn model(id: &str) -> PathBuf {
    case(id).join(format!("{id}-sbml-l3v2.xml"))
}

/// The suite's expected values of a case: `(name, value)` from its one-row results CSV.
fn expected(id: &str) -> Vec<(String, f64)> {
    let text = std::fs::read_to_string(case(id).join(format!("{id}-results.csv"))).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let values: Vec<f64> = lines
        .next()
        .unwrap()
        .split(',')
        .map(|v| v.trim().parse().unwrap())
        .collect();
    header
        .iter()
        .map(|h| h.trim().to_string())
        .zip(values)
        .collect()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("her2sim-fba-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn run(args: &[&str]) -> Output {
    let out = her2sim().arg("fba").args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    out
}

#[test]
fn json_objective_and_fluxes_match_the_suite() {
    // 01194: fbc v1 flux bounds; 01621: fbc v2 bound parameters, an initial assignment to a
    // stoichiometry and an objective coefficient of 0.5.
    for id in ["01194", "01621"] {
        let out = run(&[model(id).to_str().unwrap(), "--json"]);
        assert!(
            out.status.success(),
            "{id}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["status"], "optimal");
        for (name, want) in expected(id) {
            let got = if json["objective_id"] == name.as_str() {
                json["objective"].as_f64()
            } else {
                json["fluxes"][&name].as_f64()
            }
            .unwrap_or_else(|| panic!("{id}: {name} missing"));
            assert!(
                (got - want).abs() <= 1e-6 * (1.0 + want.abs()),
                "{id}: {name} = {got}, expected {want}"
            );
        }
    }
}

#[test]
fn text_table_and_csv_output() {
    let csv = scratch("01194.csv");
    let _ = std::fs::remove_file(&csv);
    let out = run(&[
        model("01194").to_str().unwrap(),
        "-o",
        csv.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("objective OBJF (maximize): 0.75"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("R07") && l.contains("0.2")),
        "{text}"
    );
    let written = std::fs::read_to_string(&csv).unwrap();
    let mut lines = written.lines();
    assert_eq!(
        lines.next(),
        Some("kind,id,value,lower_bound,upper_bound,gene_association")
    );
    assert_eq!(lines.next(), Some("objective,OBJF,0.75,,,"));
    assert!(written.contains("\nflux,R01,1.0,0.0,1.0,\n"), "{written}");
}

#[test]
fn infeasible_and_non_fbc_models_are_errors() {
    // 01196: R07 must carry at least 2, which the uptake cannot supply.
    let csv = scratch("01196.csv");
    let _ = std::fs::remove_file(&csv);
    let out = run(&[
        model("01196").to_str().unwrap(),
        "-o",
        csv.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("01196-sbml-l3v2.xml") && stderr.contains("infeasible"),
        "{stderr}"
    );
    assert!(!csv.exists(), "no output for an infeasible problem");
    // --json still says why on stdout.
    let out = run(&[model("01196").to_str().unwrap(), "--json"]);
    assert!(!out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["status"], "infeasible");
    assert!(json["objective"].is_null());

    let out = run(&[model("00001").to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("00001-sbml-l3v2.xml") && stderr.contains("fbc"),
        "{stderr}"
    );
}

#[test]
fn bad_fbc_reference_names_the_file_and_element() {
    let text = std::fs::read_to_string(model("01606")).unwrap().replacen(
        r#"fbc:upperFluxBound="fb_1""#,
        r#"fbc:upperFluxBound="missing""#,
        1,
    );
    assert!(text.contains("missing"));
    let input = scratch("bad-bound.xml");
    std::fs::write(&input, text).unwrap();
    let out = run(&[input.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad-bound.xml") && stderr.contains("'missing' is not a parameter"),
        "{stderr}"
    );
}
