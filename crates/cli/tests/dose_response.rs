//! `her2sim dose-response` on a CSV: recovers a known curve; bad cells are clear errors.

use std::process::Command;

fn run(csv: &str, json: bool) -> (bool, String, String) {
    let dir = std::env::temp_dir().join(format!("her2sim-dose-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("data{}.csv", csv.len()));
    std::fs::write(&path, csv).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_her2sim"));
    cmd.args(["dose-response", "--csv", path.to_str().unwrap()]);
    if json {
        cmd.arg("--json");
    }
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn recovers_a_known_curve() {
    let mut csv = String::from("dose,response,replicate\n");
    for i in 0..10 {
        let d = 1e-2 * 10f64.powf(i as f64 / 3.0);
        let y = 1.0 - 0.9 * d.powf(2.0) / (0.2f64.powf(2.0) + d.powf(2.0));
        csv.push_str(&format!("{d},{y},1\n"));
    }
    let (ok, stdout, stderr) = run(&csv, true);
    assert!(ok, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    let get = |k: &str| v[k].as_f64().unwrap();
    assert!((get("ic50") - 0.2).abs() < 1e-6, "{v}");
    assert!((get("hill") - 2.0).abs() < 1e-6, "{v}");
    assert!(
        (get("emax") - 0.1).abs() < 1e-6 && (get("e0") - 1.0).abs() < 1e-6,
        "{v}"
    );
}

#[test]
fn bad_cells_are_named() {
    let (ok, _, stderr) = run("dose,response\n1,0.5\n2,abc\n", false);
    assert!(!ok);
    assert!(
        stderr.contains("line 3") && stderr.contains("'abc'"),
        "{stderr}"
    );
    let (ok, _, stderr) = run("conc,effect\n1,0.5\n", false);
    assert!(!ok && stderr.contains("no 'dose' column"), "{stderr}");
}
