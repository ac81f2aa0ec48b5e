//! The typed, stateful run API against analytic solutions: advancing, setting values mid-run
//! (parameters, amounts, concentrations), sampling, and the typed model lists.

use her2sim_engine::{DeterminedBy, SimOptions, Simulator};

/// S (in C of size 2, concentration-valued) decays by k*S; P = 2*S by an assignment rule.
const MODEL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2"><model id="m">
<listOfCompartments><compartment id="C" size="2" spatialDimensions="3" constant="true"/></listOfCompartments>
<listOfSpecies><species id="S" compartment="C" initialConcentration="1" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/></listOfSpecies>
<listOfParameters><parameter id="k" value="1" constant="true"/><parameter id="P" constant="false"/></listOfParameters>
<listOfRules><assignmentRule variable="P"><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><cn>2</cn><ci>S</ci></apply></math></assignmentRule></listOfRules>
<listOfReactions><reaction id="R" reversible="false"><listOfReactants><speciesReference species="S" stoichiometry="1" constant="true"/></listOfReactants>
<kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><ci>k</ci><ci>S</ci><ci>C</ci></apply></math></kineticLaw></reaction></listOfReactions>
</model></sbml>"#;

fn sim() -> Simulator {
    Simulator::from_sbml_text(MODEL).unwrap()
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() <= 1e-7 * b.abs().max(1e-12), "{a} vs {b}");
}

#[test]
fn advancing_and_setting_follow_the_analytic_solution() {
    let sim = sim();
    let sel = sim.selection(&["time", "[S]", "S", "P"]).unwrap();
    let mut run = sim.start(&SimOptions::default()).unwrap();
    run.advance_to(1.0).unwrap();
    let v = run.sample(&sel.selectors);
    close(v[0], 1.0);
    close(v[1], (-1f64).exp());
    close(v[2], 2.0 * (-1f64).exp());
    close(v[3], 2.0 * (-1f64).exp());
    // A dose: the concentration set to 3 at t = 1 (amount 6 in a compartment of size 2).
    run.set(sim.selector("[S]").unwrap(), 3.0).unwrap();
    let v = run.sample(&sel.selectors);
    close(v[1], 3.0);
    close(v[2], 6.0);
    close(v[3], 6.0);
    // The rate constant doubled at t = 1.5.
    run.advance_to(1.5).unwrap();
    run.set(sim.selector("k").unwrap(), 2.0).unwrap();
    run.advance_to(2.5).unwrap();
    let v = run.sample(&sel.selectors);
    close(v[0], 2.5);
    close(v[1], 3.0 * (-0.5f64).exp() * (-2f64).exp());
    // Setting the amount.
    run.set(sim.selector("S").unwrap(), 1.0).unwrap();
    close(run.sample(&sel.selectors)[1], 0.5);
    assert_eq!(run.time(), 2.5);
    assert_eq!(run.state().len(), 1);
}

#[test]
fn a_time_course_is_a_loop_over_a_run() {
    let sim = sim();
    let sel = sim.selection(&["time", "[S]"]).unwrap();
    let opts = SimOptions {
        duration: 4.0,
        steps: 8,
        ..SimOptions::default()
    };
    let table = sim.simulate(&opts, &sel).unwrap();
    let mut run = sim.start(&opts).unwrap();
    for (i, row) in table.rows.iter().enumerate() {
        run.advance_to(0.5 * i as f64).unwrap();
        let v = run.sample(&sel.selectors);
        close(v[0], row[0]);
        close(v[1], row[1]);
        close(row[1], (-row[0]).exp());
    }
}

#[test]
fn what_cannot_be_set_or_reached_is_an_error() {
    let sim = sim();
    let mut run = sim.start(&SimOptions::default()).unwrap();
    let e = run.set(sim.selector("P").unwrap(), 1.0).unwrap_err();
    assert!(e.to_string().contains("computed"), "{e}");
    assert!(run.set(sim.selector("time").unwrap(), 1.0).is_err());
    assert!(run.set(sim.selector("k").unwrap(), f64::NAN).is_err());
    run.advance_to(1.0).unwrap();
    assert!(run.advance_to(0.5).is_err(), "advanced backwards");
    assert!(sim.selection(&["nope"]).is_err());
    assert!(sim.selection::<&str>(&[]).is_err());
}

#[test]
fn typed_lists_describe_the_model() {
    let sim = sim();
    let species = sim.species();
    assert_eq!(species.len(), 1);
    assert_eq!(species[0].id, "S");
    assert_eq!(species[0].compartment, "C");
    assert!(!species[0].amount_valued);
    assert_eq!(species[0].determined_by, DeterminedBy::Reactions);
    let params = sim.parameters();
    let by = |id: &str| params.iter().find(|p| p.id == id).unwrap().determined_by;
    assert_eq!(by("k"), DeterminedBy::Constant);
    assert_eq!(by("P"), DeterminedBy::AssignmentRule);
    assert_eq!(sim.compartments()[0].id, "C");
    assert_eq!(sim.reactions(), vec!["R".to_string()]);
    assert_eq!(sim.state_ids(), vec!["S".to_string()]);
    assert_eq!(sim.default_selection().names, vec!["time", "[S]"]);
}

/// Sampling many times in one pass reads the dense output: the values follow the analytic
/// solution, the solver takes far fewer steps than there are outputs, and the step budget
/// holds per output interval (a budget of 50 steps suffices for 2000 outputs).
#[test]
fn sampling_dense_times_reads_the_dense_output() {
    let sim = sim();
    let sel = sim.selection(&["time", "[S]"]).unwrap();
    let opts = SimOptions {
        rtol: 1e-10,
        atol: 1e-14,
        max_steps: 50,
        ..SimOptions::default()
    };
    let times: Vec<f64> = (0..2000).map(|i| i as f64 * 0.005).collect();
    let mut run = sim.start(&opts).unwrap();
    let rows = run.advance_sampling(&times, &sel.selectors).unwrap();
    assert_eq!(rows.len(), times.len());
    for (row, &t) in rows.iter().zip(&times) {
        assert_eq!(row[0], t);
        assert!(
            (row[1] - (-t).exp()).abs() <= 1e-8 * (-t).exp(),
            "[S]({t}) = {} vs {}",
            row[1],
            (-t).exp()
        );
    }
    // Landing on every output instead takes at least one step per output.
    let steps = run.solver_stats().steps;
    let mut landing = sim
        .start(&SimOptions {
            max_steps: 500_000,
            ..opts.clone()
        })
        .unwrap();
    for &t in &times {
        landing.advance_to(t).unwrap();
    }
    let landed = landing.solver_stats().steps;
    assert!(
        landed >= 1999 && steps * 3 < landed,
        "{steps} steps sampling vs {landed} landing"
    );
    assert_eq!(run.time(), times[1999]);
    assert!(run.advance_sampling(&[1.0], &sel.selectors).is_err());
    assert!(run
        .advance_sampling(&[10.0, 9.999], &sel.selectors)
        .is_err());
}
