//! `simulate --method ssa` as a user meets it: the default selection works with one and with
//! several replicates (species amounts, `-mean`/`-sd` per species), start amounts that are
//! not whole numbers are refused with a message naming the species, its amount and
//! `--ssa-initial`, which rounds them (seeded, reproducible), and `--max-steps` bounds the
//! steps of the exact method and of tau-leaping.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn her2sim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_her2sim"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("her2sim-ssa-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// A <-> B in a compartment of size 2 (amount 10 of A: concentration 5), B -> (nothing).
fn model(a_amount: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
<model id="ab">
<listOfCompartments><compartment id="C" size="2" constant="true"/></listOfCompartments>
<listOfSpecies>
<species id="A" compartment="C" initialAmount="{a_amount}" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/>
<species id="B" compartment="C" initialAmount="4" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/>
</listOfSpecies>
<listOfParameters><parameter id="k" value="0.5" constant="true"/></listOfParameters>
<listOfReactions>
<reaction id="R1" reversible="false">
<listOfReactants><speciesReference species="A" stoichiometry="1" constant="true"/></listOfReactants>
<listOfProducts><speciesReference species="B" stoichiometry="1" constant="true"/></listOfProducts>
<kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><ci>k</ci><ci>C</ci><ci>A</ci></apply></math></kineticLaw>
</reaction>
<reaction id="R2" reversible="false">
<listOfReactants><speciesReference species="B" stoichiometry="1" constant="true"/></listOfReactants>
<kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><ci>k</ci><ci>C</ci><ci>B</ci></apply></math></kineticLaw>
</reaction>
</listOfReactions>
</model></sbml>"#
    )
}

fn write_model(name: &str, a_amount: &str) -> PathBuf {
    let path = scratch(&format!("{name}.xml"));
    std::fs::write(&path, model(a_amount)).unwrap();
    path
}

fn simulate(model: &Path, extra: &[&str]) -> Output {
    let out = her2sim()
        .args(["simulate", model.to_str().unwrap(), "--method", "ssa"])
        .args(["--duration", "2", "--steps", "4"])
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    out
}

fn ok_rows(out: &Output) -> (String, Vec<Vec<f64>>) {
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines = stdout.lines();
    let header = lines.next().unwrap_or_default().to_string();
    let rows = lines
        .map(|l| l.split(',').map(|x| x.parse().unwrap()).collect())
        .collect();
    (header, rows)
}

fn one_line_error(out: &Output) -> String {
    assert!(!out.status.success(), "expected failure");
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
    assert_eq!(stderr.lines().count(), 1, "not one line: {stderr}");
    stderr
}

#[test]
fn default_selection_is_time_and_species_amounts() {
    let m = write_model("default1", "10");
    let (header, rows) = ok_rows(&simulate(&m, &[]));
    assert_eq!(header, "time,A,B");
    assert_eq!(rows.len(), 5);
    // Amounts (molecule counts), not concentrations (A: 10 molecules in a compartment of 2).
    assert_eq!(rows[0], vec![0.0, 10.0, 4.0]);
    for row in &rows {
        assert!(row[1..].iter().all(|x| x.fract() == 0.0), "{row:?}");
    }
}

#[test]
fn default_selection_with_replicates_is_mean_and_sd_per_species() {
    let m = write_model("default20", "10");
    let (header, rows) = ok_rows(&simulate(&m, &["--replicates", "20"]));
    assert_eq!(header, "time,A-mean,A-sd,B-mean,B-sd");
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0], vec![0.0, 10.0, 0.0, 4.0, 0.0]);
    // A only decays: its mean falls, and by t = 2 the replicates differ.
    let last = &rows[4];
    assert!(last[1] < 10.0 && last[2] > 0.0, "{last:?}");
}

/// The curated corpus model the issue was found on (skipped when the corpus is absent).
#[test]
fn default_selection_works_on_a_curated_model() {
    let m = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/biomodels/BIOMD0000000010/model.xml");
    if !m.exists() {
        eprintln!("skipped: {} not found", m.display());
        return;
    }
    let out = her2sim()
        .args(["simulate", m.to_str().unwrap(), "--method", "ssa"])
        .args(["--replicates", "3", "--duration", "1", "--steps", "2"])
        .output()
        .unwrap();
    let (header, rows) = ok_rows(&out);
    assert!(header.starts_with("time,MKKK-mean,MKKK-sd,"), "{header}");
    assert_eq!(rows.len(), 3);
}

#[test]
fn non_integer_start_amount_is_refused_with_a_clear_message() {
    let m = write_model("half", "2.5");
    let err = one_line_error(&simulate(&m, &["--replicates", "4"]));
    for needle in ["half.xml", "'A'", "2.5", "--ssa-initial round"] {
        assert!(err.contains(needle), "{needle:?} missing from: {err}");
    }
    // The start state is every replicate's: reported once, not as "replicate 0" failing.
    assert!(!err.contains("replicate"), "{err}");
    let m = write_model("tiny", "1e-21");
    let err = one_line_error(&simulate(&m, &["--ssa-initial", "error"]));
    for needle in ["'A'", "starts at 1e-21 molecules", "scale"] {
        assert!(err.contains(needle), "{needle:?} missing from: {err}");
    }
}

#[test]
fn ssa_initial_round_and_floor_are_applied_and_reproducible() {
    let m = write_model("round", "2.5");
    let round = simulate(&m, &["--ssa-initial", "round", "--seed", "7"]);
    let (header, rows) = ok_rows(&round);
    assert_eq!(header, "time,A,B");
    assert_eq!(rows[0], vec![0.0, 3.0, 4.0]);
    let again = simulate(&m, &["--ssa-initial", "round", "--seed", "7"]);
    assert_eq!(round.stdout, again.stdout, "same seed, different output");
    let (_, rows) = ok_rows(&simulate(&m, &["--ssa-initial", "floor"]));
    assert_eq!(rows[0], vec![0.0, 2.0, 4.0]);
    // A bad value is a usage error, not a panic.
    let out = simulate(&m, &["--ssa-initial", "sometimes"]);
    assert!(!out.status.success());
}

#[test]
fn max_steps_is_the_ssa_step_budget() {
    // Ten molecules: tau-leaping falls back to exact bursts, whose firings count too.
    let m = write_model("budget", "10");
    for extra in [&[][..], &["--tau-leap"][..], &["--replicates", "3"][..]] {
        let mut args = vec!["--max-steps", "5"];
        args.extend_from_slice(extra);
        let err = one_line_error(&simulate(&m, &args));
        assert!(
            err.contains("limit of 5 steps") && err.contains("raise --max-steps"),
            "{extra:?}: {err}"
        );
    }
    // The same run with the default budget succeeds.
    ok_rows(&simulate(&m, &["--tau-leap"]));
}
