//! Start points where the objective cannot be evaluated are replaced (pyPESTO's start-point
//! resampling), reproducibly: a problem whose observable `ln(k - 1)` is undefined for k < 1
//! on the bounds [0, 3] still gets every start fitted to the true k = 2.

use std::path::PathBuf;

use her2sim_petab::{FitOptions, Problem};

const MODEL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
  <model id="m">
    <listOfCompartments><compartment id="c" size="1" constant="true"/></listOfCompartments>
    <listOfSpecies>
      <species id="A" compartment="c" initialConcentration="1" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/>
    </listOfSpecies>
    <listOfParameters><parameter id="k" value="2" constant="true"/></listOfParameters>
    <listOfReactions>
      <reaction id="decay" reversible="false">
        <listOfReactants><speciesReference species="A" stoichiometry="1" constant="true"/></listOfReactants>
        <kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><ci>k</ci><ci>A</ci></apply></math></kineticLaw>
      </reaction>
    </listOfReactions>
  </model>
</sbml>
"#;

fn write_problem() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("her2sim-resample-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let files = [
        ("model.xml", MODEL.to_string()),
        ("conditions.tsv", "conditionId\nc0\n".to_string()),
        (
            "observables.tsv",
            "observableId\tobservableFormula\tnoiseFormula\nobs\tlog(k - 1) + A\t0.1\n".to_string(),
        ),
        (
            // True k = 2: ln(1) + exp(-2) at t = 1.
            "measurements.tsv",
            format!(
                "observableId\tsimulationConditionId\ttime\tmeasurement\nobs\tc0\t1\t{:?}\n",
                (-2.0f64).exp()
            ),
        ),
        (
            "parameters.tsv",
            "parameterId\tparameterScale\tlowerBound\tupperBound\tnominalValue\testimate\nk\tlin\t0\t3\t2\t1\n".to_string(),
        ),
        (
            "problem.yaml",
            "format_version: 1\nparameter_file: parameters.tsv\nproblems:\n- condition_files: [conditions.tsv]\n  measurement_files: [measurements.tsv]\n  observable_files: [observables.tsv]\n  sbml_files: [model.xml]\n".to_string(),
        ),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

#[test]
fn unevaluable_starts_are_redrawn_and_fitted() {
    let dir = write_problem();
    let problem = Problem::read(&dir.join("problem.yaml")).unwrap();
    let opts = FitOptions {
        starts: 6,
        seed: 3,
        max_iterations: 100,
        ..Default::default()
    };
    let fit = problem.fit(&opts, &|| {}).unwrap();
    // Latin hypercube: two of six strata lie in [0, 1), where ln(k - 1) is undefined.
    assert!(fit.starts.iter().filter(|s| s.resampled > 0).count() >= 2);
    for s in &fit.starts {
        assert!(s.error.is_none(), "{:?}", s.error);
        assert!(s.start[0] > 1.0, "start {:?}", s.start);
        assert!((s.end[0] - 2.0).abs() < 1e-3, "end {:?}", s.end);
    }
    // The same seed gives the same redrawn starts.
    let again = problem.fit(&opts, &|| {}).unwrap();
    let starts = |f: &her2sim_petab::FitResult| {
        let mut v: Vec<(usize, f64)> = f.starts.iter().map(|s| (s.index, s.start[0])).collect();
        v.sort_by_key(|x| x.0);
        v
    };
    assert_eq!(starts(&fit), starts(&again));
    let _ = std::fs::remove_dir_all(&dir);
}
