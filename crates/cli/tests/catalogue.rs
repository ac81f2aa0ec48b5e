//! `her2sim strategies` and `her2sim cell-lines`: every strategy and line is listed with its
//! tags, JSON parses, and unknown ids fail with the known ids listed.

use std::process::Command;

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_her2sim"))
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
fn strategies_table_lists_every_strategy_with_tags() {
    let (ok, out, err) = run(&["strategies"]);
    assert!(ok, "{err}");
    for id in [
        "trastuzumab",
        "t-dm1",
        "17-aag",
        "her2-sirna",
        "mk-2206",
        "cisplatin",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(id)),
            "{id} missing:\n{out}"
        );
    }
    assert!(out.contains("20 ug/mL [sourced]"), "{out}");
    assert!(out.contains("mechanism:"), "{out}");
    assert!(out.contains("[unverified"), "{out}");
}

#[test]
fn json_output_parses() {
    let (ok, out, err) = run(&["strategies", "--json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("strategies JSON");
    assert_eq!(v.as_array().map(Vec::len), Some(22));
    let (ok, out, err) = run(&["cell-lines", "--json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("cell-lines JSON");
    assert!(v["cell_lines"].as_array().is_some_and(|a| a.len() >= 4));
    // pten-loss, pik3ca-h1047r, p95her2, tdm1-resistance, hrg-high, immune-effectors,
    // tumour-tissue
    assert_eq!(v["modifiers"].as_array().map(Vec::len), Some(7));
    let (ok, out, _) = run(&["strategies", "Kadcyla", "--json"]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&out).expect("one strategy");
    assert_eq!(v["id"], "t-dm1");
}

#[test]
fn cell_lines_lists_lines_and_modifiers() {
    let (ok, out, err) = run(&["cell-lines"]);
    assert!(ok, "{err}");
    for id in [
        "bt474",
        "skbr3",
        "mda-mb-453",
        "mcf7",
        "pten-loss",
        "pik3ca-h1047r",
        "p95her2",
        "tdm1-resistance",
        "hrg-high",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(id)),
            "{id} missing:\n{out}"
        );
    }
}

#[test]
fn unknown_ids_fail_listing_known_ones() {
    let (ok, out, err) = run(&["strategies", "aspirin"]);
    assert!(!ok && out.is_empty());
    assert!(
        err.contains("aspirin") && err.contains("lapatinib") && err.contains("t-dm1"),
        "{err}"
    );
    let (ok, _, err) = run(&["cell-lines", "HeLa"]);
    assert!(!ok);
    assert!(err.contains("bt474") && err.contains("p95her2"), "{err}");
}
