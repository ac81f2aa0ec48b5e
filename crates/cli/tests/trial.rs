//! `her2sim trial`: the JSON summary's shape on the CLEOPATRA example, and bad trial files
//! refused with the file, key and reason, writing no report.

use std::process::Command;

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_her2sim"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .args(args)
        .output()
        .expect("runs her2sim");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cleopatra_json_has_the_contract_shape() {
    let (ok, out, err) = run(&[
        "trial",
        "examples/trials/cleopatra.toml",
        "--patients",
        "50",
        "--json",
    ]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["trial"], "CLEOPATRA");
    assert_eq!(v["patients_per_arm"], 50);
    let arms = v["arms"].as_array().unwrap();
    assert_eq!(arms.len(), 2);
    assert_eq!(arms[0]["name"], "placebo+H+D");
    assert_eq!(arms[1]["name"], "P+H+D");
    assert_eq!(arms[0]["hazard_ratio"], 1.0);
    for a in arms {
        let keys: Vec<&String> = a.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 8, "{keys:?}");
        for k in ["orr", "cbr"] {
            assert!((0.0..=1.0).contains(&a[k].as_f64().unwrap()));
        }
        assert!(a["pcr"].is_null());
        assert!(a["median_pfs_months"].is_null() || a["median_pfs_months"].as_f64().unwrap() > 0.0);
    }
    // Added after the contract: each arm's best-response distribution, CR + PR = ORR.
    let best = v["best_response"].as_array().unwrap();
    for (b, a) in best.iter().zip(arms) {
        assert_eq!(b["arm"], a["name"]);
        let f = |k: &str| b[k].as_f64().unwrap();
        assert!(
            (f("cr") + f("pr") + f("sd") + f("pd") - 1.0).abs() < 1e-9,
            "{b}"
        );
        assert!(
            (f("cr") + f("pr") - a["orr"].as_f64().unwrap()).abs() < 1e-9,
            "{b}"
        );
    }
    let ci = arms[1]["hazard_ratio_ci"].as_array().unwrap();
    assert!(ci[0].as_f64().unwrap() <= arms[1]["hazard_ratio"].as_f64().unwrap());
    // JSON on stdout only: nothing else printed.
    assert_eq!(out.trim().lines().count(), 1);
}

#[test]
fn bad_trial_files_name_file_and_key_and_write_nothing() {
    let dir = std::env::temp_dir().join(format!("her2sim-trial-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.toml");
    let out = dir.join("report");
    for (text, key) in [
        (
            "[trial]\nname = \"x\"\nsetting = \"metastatic\"\nmonths = 12\n[[arm]]\nname = \"a\"\nregimen = [\"gemcitabine 1000 mg/m2 qw\"]\n",
            "arm[0].regimen[0]",
        ),
        (
            "[trial]\nname = \"x\"\nsetting = \"metastatic\"\n[[arm]]\nname = \"a\"\nregimen = [\"trastuzumab 6 mg/kg q3w\"]\n",
            "trial.months",
        ),
        (
            "[trial]\nname = \"x\"\nsetting = \"metastatic\"\nmonths = 12\npatients = 0\n[[arm]]\nname = \"a\"\nregimen = [\"trastuzumab 6 mg/kg q3w\"]\n",
            "trial.patients",
        ),
    ] {
        std::fs::write(&file, text).unwrap();
        let (ok, _, err) = run(&[
            "trial",
            file.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(!ok);
        assert!(err.contains("bad.toml") && err.contains(key), "{err}");
        assert!(!out.exists(), "a report was written for a bad file");
    }
    // A drug the catalogue knows but popPK.toml does not (alpelisib): refused, no report.
    std::fs::write(
        &file,
        "[trial]\nname = \"x\"\nsetting = \"metastatic\"\nmonths = 12\n[[arm]]\nname = \"a\"\nregimen = [\"alpelisib 300 mg qd\"]\n",
    )
    .unwrap();
    let (ok, _, err) = run(&["trial", file.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        err.contains("bad.toml") && err.contains("alpelisib") && err.contains("popPK"),
        "{err}"
    );
    assert!(!out.exists());
    let _ = std::fs::remove_file(&file);
    let _ = std::fs::remove_dir(&dir);
}

/// `validate-trials` on a directory holding one trial: the JSON names the trial, its purpose
/// and, per arm, the simulated and published numbers with the criteria; the hazard-ratio
/// check is made only where a published interval exists. A directory without trial files is
/// an error naming it.
#[test]
fn validate_trials_reports_each_arm_against_its_published_numbers() {
    let dir = std::env::temp_dir().join(format!("her2sim-validate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/trials/destiny_breast03.toml"
    ))
    .unwrap();
    std::fs::write(dir.join("db03.toml"), text).unwrap();
    let d = dir.display().to_string();
    let (ok, out, err) = run(&["validate-trials", &d, "--patients", "40", "--json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let t = &v.as_array().unwrap()[0];
    assert_eq!(t["trial"], "DESTINY-Breast03");
    assert_eq!(t["purpose"], "validation");
    assert_eq!(t["patients_per_arm"], 40);
    let arms = t["arms"].as_array().unwrap();
    assert_eq!(arms.len(), 2);
    assert_eq!(arms[1]["published_hazard_ratio"], 0.28);
    assert_eq!(arms[1]["published_pfs_12_months"], 0.758);
    let hr = arms[1]["hazard_ratio"].as_f64().unwrap();
    let within = (0.22..=0.37).contains(&hr);
    assert_eq!(arms[1]["hazard_ratio_within_ci"], within);
    assert!(arms[0]["hazard_ratio_within_ci"].is_null());
    let orr = arms[1]["orr"].as_f64().unwrap();
    assert_eq!(arms[1]["orr_within_10_points"], (orr - 0.797).abs() <= 0.1);
    assert!(t["ranked_as_published"].is_boolean());
    std::fs::remove_file(dir.join("db03.toml")).unwrap();
    let (ok, _, err) = run(&["validate-trials", &d]);
    assert!(!ok);
    assert!(err.contains("no trial files") && err.contains(&d), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
