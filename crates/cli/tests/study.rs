//! The study commands end to end: `her2sim` alone / `her2sim study` run the default study and
//! write the report; `her2sim run FILE` runs a study file; bad study files and unknown names
//! fail with errors that name the key; `her2sim predict --json` keeps its contract.

use std::path::PathBuf;
use std::process::{Command, Output};

fn her2sim(args: &[&str], dir: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_her2sim"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("runs her2sim")
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("her2sim-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn default_study_writes_report_and_ranks() {
    let dir = temp_dir("default");
    let out = her2sim(&["--json"], &dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let rows = v["ranking"].as_array().expect("ranking");
    // 22 single strategies + 8 clinical combinations.
    assert_eq!(rows.len(), 30);
    let viable: Vec<f64> = rows
        .iter()
        .map(|r| r["viable_cells_her2_high"].as_f64().unwrap())
        .collect();
    assert!(
        viable.windows(2).all(|w| w[0] <= w[1]),
        "not ranked: {viable:?}"
    );
    assert!(viable.iter().all(|x| *x > 0.0 && *x <= 1.05), "{viable:?}");
    let report = dir.join("her2sim-report");
    let html = std::fs::read_to_string(report.join("index.html")).expect("index.html");
    assert!(html.contains("<svg") && html.contains("Dose-response") && html.contains("Bliss"));
    assert!(!html.contains("src=\"http"), "self-contained");
    for f in [
        "predictions.csv",
        "time_courses.csv",
        "dose_response.csv",
        "synergy.csv",
    ] {
        let text = std::fs::read_to_string(report.join(f)).expect(f);
        assert!(text.lines().count() > 10, "{f}");
        assert!(!text.contains("NaN"), "{f} has NaN");
    }
    // No temporary directory is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

#[test]
fn study_files_run_and_bad_ones_name_the_key() {
    let dir = temp_dir("run");
    for example in [
        "trastuzumab_resistance",
        "heregulin_pertuzumab",
        "chemotherapy_her2",
    ] {
        let path = repo().join(format!("examples/{example}.toml"));
        let out = her2sim(
            &["run", path.to_str().unwrap(), "--out", example, "--quiet"],
            &dir,
        );
        assert!(
            out.status.success(),
            "{example}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(dir.join(example).join("index.html").exists());
    }
    let cases = [
        ("cell_lines = [\"bt474\"]\ntreatments = [\"trastuzumab\"]\ncolour = 3\n", "colour"),
        ("cell_lines = [\"hela\"]\ntreatments = [\"trastuzumab\"]\n", "hela"),
        ("cell_lines = [\"bt474\"]\ntreatments = [\"trastuzumab@lots\"]\n", "treatments"),
        ("cell_lines = [\"bt474\"]\ntreatments = [\"aspirin\"]\n", "aspirin"),
        ("cell_lines = [\"bt474\"]\ntreatments = [\"none\"]\ndays = -1\n", "days"),
        ("cell_lines = [\"bt474\"]\ntreatments = [\"none\"]\n[[dose_response]]\ncell_line = \"bt474\"\ntreatment = \"lapatinib\"\ndoses = \"1nM..\"\n", "dose_response[0].doses"),
        ("cell_lines = [\"bt474\"]\n", "treatments"),
    ];
    for (i, (text, key)) in cases.iter().enumerate() {
        let file = dir.join(format!("bad{i}.toml"));
        std::fs::write(&file, text).unwrap();
        let out = her2sim(
            &["run", file.to_str().unwrap(), "--out", "bad", "--quiet"],
            &dir,
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "case {i} should fail");
        assert!(
            err.contains(key) && err.contains(&format!("bad{i}.toml")),
            "case {i}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        assert!(!dir.join("bad").exists(), "no report for a bad study");
    }
}

#[test]
fn predict_keeps_its_json_contract() {
    let dir = temp_dir("predict");
    let out = her2sim(
        &[
            "predict",
            "--cell-line",
            "BT474",
            "--modifier",
            "pten-loss",
            "--treatment",
            "trastuzumab@10ug/mL+pertuzumab",
            "--days",
            "5",
            "--json",
        ],
        &dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    for k in [
        "cell_line",
        "modifiers",
        "treatment",
        "days",
        "viable_cells",
        "proliferation",
        "apoptosis",
        "pHER2",
        "pHER3",
        "pAKT",
        "pERK",
        "HER2_total",
        "migration",
    ] {
        assert!(keys.contains(&k), "missing {k}: {keys:?}");
    }
    assert_eq!(v["cell_line"], "bt474");
    assert_eq!(v["modifiers"][0], "pten-loss");
    assert_eq!(v["treatment"], "trastuzumab@10ug/mL+pertuzumab@20ug/mL");
    assert!(v["viable_cells"].as_f64().unwrap() < 1.0);
    // Absolute values beside the ratios, and the GR value (between -1 and 1).
    let gr = v["gr_value"].as_f64().expect("gr_value");
    assert!((-1.0..=1.0).contains(&gr), "{gr}");
    for k in ["viable_cells", "pAKT", "pHER3"] {
        assert!(v["absolute"][k]["treated"].is_number(), "{k}");
        assert!(v["absolute"][k]["below_floor"].is_boolean(), "{k}");
    }
    // The untreated control is 1.0 everywhere.
    let out = her2sim(
        &[
            "predict",
            "--cell-line",
            "mcf7",
            "--treatment",
            "none",
            "--json",
        ],
        &dir,
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    for k in ["viable_cells", "pAKT", "pERK", "HER2_total", "migration"] {
        assert_eq!(v[k].as_f64(), Some(1.0), "{k}");
    }
    // Unknown names list the known ones.
    for (args, known) in [
        (vec!["--cell-line", "hela", "--treatment", "none"], "bt474"),
        (
            vec!["--cell-line", "bt474", "--treatment", "aspirin"],
            "trastuzumab",
        ),
        (
            vec![
                "--cell-line",
                "bt474",
                "--modifier",
                "kras",
                "--treatment",
                "none",
            ],
            "pten-loss",
        ),
    ] {
        let mut a = vec!["predict", "--json"];
        a.extend(args);
        let out = her2sim(&a, &dir);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains(known), "{err}");
    }
}

#[test]
fn simulated_dose_response_and_combination() {
    let dir = temp_dir("series");
    let out = her2sim(
        &[
            "dose-response",
            "--cell-line",
            "BT474",
            "--treatment",
            "lapatinib",
            "--doses",
            "1nM..10uM:9",
            "--json",
        ],
        &dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["points"].as_array().map(Vec::len), Some(9));
    let ic50 = v["ic50"].as_f64().unwrap();
    // The library's own fit on the same series (behaviour test 6 checks the literature range).
    assert!((5.0..200.0).contains(&ic50), "IC50 {ic50} nM");
    let out = her2sim(
        &[
            "combo",
            "--cell-line",
            "bt474",
            "--treatment",
            "trastuzumab",
            "--treatment",
            "paclitaxel",
            "--doses",
            "0.1ug/mL..20ug/mL:5",
            "--doses",
            "0.5nM..20nM:5",
            "--json",
        ],
        &dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let m = v["response"].as_array().unwrap();
    assert_eq!(m.len(), 6, "5 doses + untreated edge");
    assert_eq!(m[0][0].as_f64(), Some(1.0));
    for k in ["hsa", "bliss", "loewe", "zip"] {
        assert!(v[k]["score"].as_f64().is_some_and(f64::is_finite), "{k}");
    }
    for (args, needle) in [
        (
            vec![
                "dose-response",
                "--cell-line",
                "bt474",
                "--treatment",
                "lapatinib",
                "--doses",
                "1nM..lots",
            ],
            "LOW..HIGH:COUNT",
        ),
        (
            vec![
                "dose-response",
                "--cell-line",
                "bt474",
                "--treatment",
                "lapatinib",
                "--doses",
                "1nM..1uM:3",
                "--readout",
                "x",
            ],
            "pAKT",
        ),
        (
            vec![
                "combo",
                "--cell-line",
                "bt474",
                "--treatment",
                "lapatinib",
                "--doses",
                "1nM..1uM:3",
            ],
            "two strategies",
        ),
    ] {
        let out = her2sim(&args, &dir);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(needle),
            "{args:?}: {err}"
        );
    }
}
