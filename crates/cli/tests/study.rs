//! `her2sim` alone runs the default study; `her2sim study --json` returns every cell line with
//! the model's read-outs, ranked by proliferation.

use std::process::Command;

#[test]
fn default_study_ranks_cell_lines() {
    let out = Command::new(env!("CARGO_BIN_EXE_her2sim"))
        .args(["study", "--json", "--hours", "48"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v.as_array().unwrap();
    let ids: Vec<&str> = rows
        .iter()
        .map(|r| r["cell_line"].as_str().unwrap())
        .collect();
    for id in ["bt474", "skbr3", "mcf7"] {
        assert!(ids.contains(&id), "{ids:?}");
    }
    let prolif: Vec<f64> = rows
        .iter()
        .map(|r| r["proliferation_rate"].as_f64().unwrap())
        .collect();
    assert!(
        prolif.windows(2).all(|w| w[0] >= w[1]),
        "not ranked: {prolif:?}"
    );
    assert_eq!(ids.last(), Some(&"mcf7"), "the HER2-low line ranks last");
    // Plain `her2sim` runs the same study as a table.
    let out = Command::new(env!("CARGO_BIN_EXE_her2sim"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("bt474"));
}
