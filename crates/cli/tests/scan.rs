//! `her2sim scan` end to end: a grid over a parameter writes tidy CSV; an unknown or
//! computed parameter, or a bad range, fails naming it, and leaves no output file.

use std::process::Command;

fn model() -> String {
    format!(
        "{}/../../models/her2/her2_network.xml",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn grid_scan_and_bad_parameters() {
    let dir = std::env::temp_dir().join(format!("her2sim-scan-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out_csv = dir.join("scan.csv");
    let out = Command::new(env!("CARGO_BIN_EXE_her2sim"))
        .args([
            "scan",
            &model(),
            "--vary",
            "her2_gene_copies=2:20:3",
            "--duration",
            "60",
            "--final",
        ])
        .args(["--select", "pAKT_fraction", "-o", out_csv.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&out_csv).unwrap();
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(text.lines().next().unwrap().contains("her2_gene_copies"));
    for (vary, needle) in [
        ("nosuch=1:2:3", "nosuch"),
        ("pAKT_fraction=0:1:3", "pAKT_fraction"),
        ("her2_gene_copies=lots", "her2_gene_copies"),
    ] {
        let bad = dir.join("bad.csv");
        let out = Command::new(env!("CARGO_BIN_EXE_her2sim"))
            .args([
                "scan",
                &model(),
                "--vary",
                vary,
                "--duration",
                "60",
                "--final",
                "-o",
                bad.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(needle),
            "{vary}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        assert!(!bad.exists(), "{vary}: no output file");
    }
}
