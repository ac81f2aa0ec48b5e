//! `her2sim petab-llh` and `her2sim fit`: the JSON contracts, the files a fit writes, and
//! malformed tables named by file, line and column.

use std::path::{Path, PathBuf};
use std::process::Command;

fn her2sim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_her2sim"))
}

fn boehm() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/petab-benchmark/Boehm_JProteomeRes2014")
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("her2sim-petab-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn llh_contract() {
    let out = her2sim()
        .args(["petab-llh", "--json"])
        .arg(boehm().join("Boehm_JProteomeRes2014.yaml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, vec!["chi2", "llh", "log_prior", "n_measurements"]);
    assert!((v["llh"].as_f64().unwrap() + 138.221997).abs() < 1e-3);
    assert_eq!(v["n_measurements"], 48);
}

#[test]
fn malformed_tables_are_named_by_file_line_and_column() {
    let d = scratch("bad");
    for e in std::fs::read_dir(boehm()).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), d.join(e.file_name())).unwrap();
    }
    let m = d.join("measurementData_Boehm_JProteomeRes2014.tsv");
    let text = std::fs::read_to_string(&m).unwrap();
    std::fs::write(&m, text.replacen("66.3634939682528", "sixty", 1)).unwrap();
    let out = her2sim()
        .arg("petab-llh")
        .arg(d.join("Boehm_JProteomeRes2014.yaml"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("measurementData_Boehm_JProteomeRes2014.tsv: line 3, column 'measurement'"),
        "{err}"
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn fit_writes_its_files_and_contract() {
    let d = scratch("fit");
    let out = her2sim()
        .args([
            "fit",
            "--starts",
            "2",
            "--max-iterations",
            "5",
            "--json",
            "-o",
        ])
        .arg(d.join("fit"))
        .arg(boehm().join("Boehm_JProteomeRes2014.yaml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "best_llh",
        "best_log_posterior",
        "parameters",
        "starts",
        "converged",
        "seconds",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["starts"], 2);
    assert_eq!(v["parameters"].as_object().unwrap().len(), 9);
    let starts = std::fs::read_to_string(d.join("fit/starts.csv")).unwrap();
    assert_eq!(starts.lines().count(), 3);
    let table = std::fs::read_to_string(d.join("fit/parameters.tsv")).unwrap();
    assert_eq!(table.lines().count(), 12);
    assert!(std::fs::read_to_string(d.join("fit/index.html"))
        .unwrap()
        .contains("<svg"));

    // Profiles around that fit: the contract and the files.
    let out = her2sim()
        .args([
            "profile",
            "--parameters",
            "sd_pSTAT5A_rel",
            "--steps",
            "5",
            "--json",
        ])
        .arg("--fit")
        .arg(d.join("fit"))
        .arg("-o")
        .arg(d.join("profiles"))
        .arg(boehm().join("Boehm_JProteomeRes2014.yaml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let p = &v["profiles"][0];
    assert_eq!(p["parameter"], "sd_pSTAT5A_rel");
    for key in ["optimum", "lower", "upper", "identifiability"] {
        assert!(p.get(key).is_some(), "missing {key}: {v}");
    }
    assert!(d.join("profiles/profiles.csv").exists());
    let out = her2sim()
        .args(["profile", "--parameters", "nope", "--fit"])
        .arg(d.join("fit"))
        .arg("-o")
        .arg(d.join("p2"))
        .arg(boehm().join("Boehm_JProteomeRes2014.yaml"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("'nope' is not an estimated parameter"));
    std::fs::remove_dir_all(&d).unwrap();
}
