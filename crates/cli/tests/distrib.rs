//! `simulate --replicates N` with a deterministic method on a model with SBML `distrib`
//! draws: the suite's NormalDistribution case (00041, a value redrawn by an event every time
//! unit) gives the mean and sd of normal(0, 1.5) at every output time, reproducibly by seed.

use std::path::PathBuf;
use std::process::Command;

fn case_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/sbml-test-suite/stochastic/00041/00041-sbml-l3v2.xml")
}

fn run(seed: &str, method: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_her2sim"))
        .args([
            "simulate",
            "--method",
            method,
            "--replicates",
            "3000",
            "--seed",
            seed,
        ])
        .args([
            "--duration",
            "10",
            "--steps",
            "10",
            "--select",
            "time,X-mean,X-sd",
        ])
        .arg(case_file())
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn deterministic_replicates_give_the_drawn_distribution() {
    let text = run("5", "bdf");
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|x| x.parse().expect("number")).collect())
        .collect();
    assert_eq!(rows.len(), 11);
    assert_eq!(rows[0], vec![0.0, 0.0, 0.0]);
    // The model's `variance` parameter (1.5) is passed through sqrt(): sd = sqrt(1.5).
    let sd = 1.5f64.sqrt();
    for r in &rows[1..] {
        assert!(r[1].abs() < 4.0 * sd / 3000f64.sqrt(), "mean {}", r[1]);
        assert!((r[2] - sd).abs() < 0.05 * sd, "sd {}", r[2]);
    }
    assert_eq!(text, run("5", "bdf"));
    assert_ne!(text, run("6", "bdf"));
    // The same draws whichever deterministic method integrates the clock.
    assert_eq!(text, run("5", "rodas4"));
}
