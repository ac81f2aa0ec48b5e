//! The exported calibration problem (PEtab) against the laboratory: the same experiment run
//! through `her2sim fit`'s objective and through `Lab::predict` must give the same GR values,
//! so fitting the PEtab problem fits the laboratory's model. Also: the committed problem in
//! `models/her2/calibration/` is what the generator writes today.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use her2sim_her2::{calibration, Lab};
use her2sim_petab::Problem;

fn export(lab: &Lab) -> (PathBuf, calibration::CalibrationProblem) {
    let problem = calibration::build(lab).unwrap();
    let dir = std::env::temp_dir().join(format!("her2sim-calibration-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in &problem.files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    (dir, problem)
}

/// GR of every training point at the literature parameters equals `Lab::predict`'s GR value of
/// the same line, drug and dose after 72 h (checked on one point per line and drug).
#[test]
fn petab_problem_reproduces_the_laboratory() {
    let lab = Lab::builtin().unwrap();
    let (dir, _) = export(&lab);
    let problem = Problem::read(&dir.join("her2_calibration.yaml")).unwrap();
    let terms = problem.terms(&problem.nominal_parameters()).unwrap();
    let text = std::fs::read_to_string(dir.join("measurements_training.tsv")).unwrap();
    let conditions = std::fs::read_to_string(dir.join("conditions.tsv")).unwrap();
    // conditionName is "<line> <drug> <dose> uM".
    let names: HashMap<&str, &str> = conditions
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some((f.next()?, f.next()?))
        })
        .collect();
    let mut checked = HashMap::new();
    for (row, term) in text.lines().skip(1).zip(&terms) {
        if !row.starts_with("GR\t") {
            continue;
        }
        let cond = row.split('\t').nth(2).unwrap();
        let name: Vec<&str> = names[cond].split(' ').collect();
        let (line, drug, um) = (name[0], name[1], name[2]);
        if checked.contains_key(&(line, drug)) || um != "1" {
            continue;
        }
        let c = lab.condition(line, &[]).unwrap();
        let t = lab.treatment(&format!("{drug}@{um}uM")).unwrap();
        let lab_gr = lab.predict(&c, &t, 3.0).unwrap().gr_value;
        assert!(
            (term.simulated - lab_gr).abs() < 2e-3,
            "{line} {drug} {um} uM: PEtab GR {} vs lab {lab_gr}",
            term.simulated
        );
        checked.insert((line, drug), lab_gr);
    }
    assert!(checked.len() >= 30, "checked {}", checked.len());
    // The points are not all alike: the drugs differ in the model as in the data.
    let spread = checked.values().cloned().fold(f64::NAN, f64::max)
        - checked.values().cloned().fold(f64::NAN, f64::min);
    assert!(spread > 0.5, "{checked:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `models/her2/calibration/` holds exactly what `her2sim calibration export` writes.
#[test]
fn committed_problem_is_current() {
    let lab = Lab::builtin().unwrap();
    let problem = calibration::build(&lab).unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/her2/calibration");
    for (name, text) in &problem.files {
        let committed = std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| {
            panic!("{name}: {e}; run `her2sim calibration export -o models/her2/calibration`")
        });
        assert!(
            &committed == text,
            "models/her2/calibration/{name} is stale: run `her2sim calibration export -o models/her2/calibration`"
        );
    }
    assert!(
        problem.training_points >= 300,
        "{}",
        problem.training_points
    );
    let share = problem.validation_points as f64
        / (problem.training_points + problem.validation_points) as f64;
    assert!(share >= 0.2, "validation share {share}");
}

/// The laboratory ships the adopted fit (`models/her2/fitted_parameters.tsv`): the committed
/// problem's nominal parameters, which are the laboratory's values, reach the best
/// log-likelihood that fit recorded in `bench/results/calibration_fit.csv` (its last row), so
/// no fitted value was lost or altered on the way into the model.
#[test]
fn shipped_model_reproduces_the_adopted_fit() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let record = std::fs::read_to_string(root.join("bench/results/calibration_fit.csv")).unwrap();
    let header: Vec<&str> = record.lines().next().unwrap().split(',').collect();
    let last: Vec<&str> = record.lines().last().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "best_llh").unwrap();
    let best: f64 = last[col].parse().unwrap();
    let problem =
        Problem::read(&root.join("models/her2/calibration/her2_calibration.yaml")).unwrap();
    let llh: f64 = problem
        .terms(&problem.nominal_parameters())
        .unwrap()
        .iter()
        .map(|t| t.llh)
        .sum();
    assert!((llh - best).abs() < 1e-3, "shipped llh {llh} vs fit {best}");
    // Every estimated parameter was adopted.
    let adopted = her2sim_her2::fitted::adopted().unwrap();
    for p in problem.parameters.iter().filter(|p| p.estimate) {
        let f = adopted.iter().find(|f| f.id == p.id);
        assert!(f.is_some(), "{} not adopted", p.id);
        assert!(
            (f.unwrap().value - p.nominal).abs() <= 1e-9 * p.nominal.abs().max(1e-300),
            "{}",
            p.id
        );
    }
}

/// Profile runs of different parameters combine into one set of intervals (the grid points
/// inside the 95 % threshold of the lowest objective any profile reached, open where the
/// profile never crosses it); a parameter in two runs is an error naming both files.
#[test]
fn profile_runs_combine_and_overlaps_are_errors() {
    let dir = std::env::temp_dir().join(format!("her2sim-profiles-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (a, b, c) = (dir.join("a.csv"), dir.join("b.csv"), dir.join("c.csv"));
    let head = "parameter,value,neg_log_posterior,delta\n";
    // p: crosses the threshold (1.92) on both sides -> [2, 4]; q: flat -> open both ends.
    std::fs::write(
        &a,
        format!("{head}p,1,10,5\np,2,6,1\np,3,5,0\np,4,6,1\np,5,10,5\n"),
    )
    .unwrap();
    std::fs::write(&b, format!("{head}q,1,5,0.1\nq,2,5,0\nq,3,5,0.2\n")).unwrap();
    std::fs::write(&c, format!("{head}q,1,5,0.1\n")).unwrap();
    let all = calibration::report::read_profile_files(&[a.clone(), b.clone()]).unwrap();
    assert_eq!((all["p"].lower, all["p"].upper), (Some(2.0), Some(4.0)));
    assert_eq!((all["q"].lower, all["q"].upper), (None, None));
    let err = calibration::report::read_profile_files(&[a, b.clone(), c.clone()]).unwrap_err();
    assert!(
        err.contains("q")
            && err.contains(&b.display().to_string())
            && err.contains(&c.display().to_string()),
        "{err}"
    );
    // s: the fit's point (delta 0) is not the lowest; measured from the lowest (9.5) the ends
    // (11.9) are outside the threshold, measured from the fit (10) they would not be.
    let d = dir.join("d.csv");
    std::fs::write(
        &d,
        format!("{head}s,1,11.9,1.9\ns,2,9.5,-0.5\ns,3,10,0\ns,4,9.5,-0.5\ns,5,11.9,1.9\n"),
    )
    .unwrap();
    let s = calibration::report::read_profile_files(&[d]).unwrap();
    assert_eq!((s["s"].lower, s["s"].upper), (Some(2.0), Some(4.0)));
    std::fs::remove_dir_all(&dir).unwrap();
}
