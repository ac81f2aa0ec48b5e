//! Forward sensitivities (`Simulator::simulate_sensitivities`) against analytic derivatives
//! and against central finite differences of whole simulations on a curated model.

use her2sim_engine::{LinearSolver, SimOptions, Simulator};

/// [S] (in C of size 2) decays by k: [S] = e^(-k t); P = 2 [S] by an assignment rule.
const MODEL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2"><model id="m">
<listOfCompartments><compartment id="C" size="2" spatialDimensions="3" constant="true"/></listOfCompartments>
<listOfSpecies><species id="S" compartment="C" initialConcentration="1" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/></listOfSpecies>
<listOfParameters><parameter id="k" value="0.7" constant="true"/><parameter id="P" constant="false"/></listOfParameters>
<listOfRules><assignmentRule variable="P"><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><cn>2</cn><ci>S</ci></apply></math></assignmentRule></listOfRules>
<listOfReactions><reaction id="R" reversible="false"><listOfReactants><speciesReference species="S" stoichiometry="1" constant="true"/></listOfReactants>
<kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><ci>k</ci><ci>S</ci><ci>C</ci></apply></math></kineticLaw></reaction></listOfReactions>
</model></sbml>"#;

fn close(a: f64, b: f64, rel: f64, what: &str) {
    assert!((a - b).abs() <= rel * b.abs() + 1e-8, "{what}: {a} vs {b}");
}

fn opts(duration: f64, steps: usize) -> SimOptions {
    SimOptions {
        duration,
        steps,
        rtol: 1e-10,
        atol: 1e-12,
        ..SimOptions::default()
    }
}

#[test]
fn analytic_sensitivities_of_decay() {
    let sim = Simulator::from_sbml_text(MODEL).unwrap();
    let sel = sim.selection(&["time", "[S]", "S", "P"]).unwrap();
    let t = sim
        .simulate_sensitivities(&opts(4.0, 4), &sel, &["k", "[S]", "C"])
        .unwrap();
    assert_eq!(
        t.columns,
        [
            "time",
            "[S]",
            "S",
            "P",
            "d[S]/dk",
            "d[S]/d[S]",
            "d[S]/dC",
            "dS/dk",
            "dS/d[S]",
            "dS/dC",
            "dP/dk",
            "dP/d[S]",
            "dP/dC"
        ]
    );
    let k = 0.7f64;
    for row in &t.rows {
        let time = row[0];
        let e = (-k * time).exp();
        close(row[1], e, 1e-8, "[S]");
        close(row[4], -time * e, 1e-6, "d[S]/dk");
        close(row[5], e, 1e-6, "d[S]/d[S]0");
        assert!(row[6].abs() < 1e-9, "d[S]/dC = {}", row[6]);
        close(row[7], -2.0 * time * e, 1e-6, "dS/dk");
        close(row[8], 2.0 * e, 1e-6, "dS/d[S]0");
        close(row[9], e, 1e-6, "dS/dC");
        close(row[10], -2.0 * time * e, 1e-6, "dP/dk");
        close(row[11], 2.0 * e, 1e-6, "dP/d[S]0");
    }
    // At the start the derivative by the start value is exactly 1.
    assert_eq!(t.rows[0][5], 1.0);
}

/// Central differences of two whole simulations, at tight tolerances.
fn finite_difference(
    sim: &Simulator,
    sel: &str,
    p: &str,
    base: f64,
    o: &SimOptions,
) -> Vec<Vec<f64>> {
    let h = 1e-4 * base.abs();
    let at = |x: f64| {
        let mut o = o.clone();
        o.overrides.push((sim.override_target(p).unwrap(), x));
        sim.simulate_list(&o, sel).unwrap().rows
    };
    let (plus, minus) = (at(base + h), at(base - h));
    plus.iter()
        .zip(&minus)
        .map(|(a, b)| a.iter().zip(b).map(|(x, y)| (x - y) / (2.0 * h)).collect())
        .collect()
}

#[test]
fn sensitivities_match_finite_differences_on_a_curated_model() {
    // Kholodenko 2000, MAPK cascade with negative feedback (BIOMD0000000010): Michaelis-Menten
    // and inhibition terms, eight species.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/biomodels/BIOMD0000000010/model.xml"
    );
    let sim = Simulator::from_file(std::path::Path::new(path)).unwrap();
    let o = SimOptions {
        rtol: 1e-11,
        atol: 1e-14,
        ..opts(500.0, 10)
    };
    let sel = "time,MKKK,MAPK_PP,MKK_P";
    let params = [
        ("J0.V1", 2.5),
        ("J0.K1", 10.0),
        ("J9.KK10", 15.0),
        ("MKKK", 90.0),
    ];
    let names: Vec<&str> = params.iter().map(|p| p.0).collect();
    let t = sim
        .simulate_sensitivities(&o, &sim.selection_list(sel).unwrap(), &names)
        .unwrap();
    let np = params.len();
    for (j, &(p, base)) in params.iter().enumerate() {
        let fd = finite_difference(&sim, sel, p, base, &o);
        for (row, fd_row) in t.rows.iter().zip(&fd) {
            for out in 0..3 {
                let got = row[4 + out * np + j];
                let want = fd_row[1 + out];
                let scale = fd.iter().map(|r| r[1 + out].abs()).fold(0.0, f64::max);
                assert!(
                    (got - want).abs() <= 1e-4 * scale + 1e-9,
                    "d{}/d{p} at t = {}: {got} vs finite difference {want}",
                    t.columns[1 + out],
                    row[0]
                );
            }
        }
    }
}

/// A chain S0 -> S1 -> ... of 600 species (above the sparse threshold): the block-diagonal
/// corrector with the sparse LU. S0 = e^(-k t), S1 = k t e^(-k t).
#[test]
fn sensitivities_through_the_sparse_solver() {
    let n = 600;
    let species: String = (0..n)
        .map(|i| format!(r#"<species id="S{i}" compartment="C" initialAmount="{}" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/>"#, if i == 0 { 1 } else { 0 }))
        .collect();
    let reactions: String = (0..n - 1)
        .map(|i| format!(r#"<reaction id="R{i}" reversible="false"><listOfReactants><speciesReference species="S{i}" stoichiometry="1" constant="true"/></listOfReactants><listOfProducts><speciesReference species="S{}" stoichiometry="1" constant="true"/></listOfProducts><kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><ci>k</ci><ci>S{i}</ci></apply></math></kineticLaw></reaction>"#, i + 1))
        .collect();
    let text = format!(
        r#"<?xml version="1.0"?><sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2"><model id="chain"><listOfCompartments><compartment id="C" size="1" constant="true"/></listOfCompartments><listOfSpecies>{species}</listOfSpecies><listOfParameters><parameter id="k" value="0.5" constant="true"/></listOfParameters><listOfReactions>{reactions}</listOfReactions></model></sbml>"#
    );
    let sim = Simulator::from_sbml_text(&text).unwrap();
    for solver in [LinearSolver::Auto, LinearSolver::Dense] {
        let o = SimOptions {
            linear_solver: solver,
            ..opts(3.0, 3)
        };
        let t = sim
            .simulate_sensitivities(&o, &sim.selection_list("time,S0,S1").unwrap(), &["k"])
            .unwrap();
        for row in &t.rows {
            let (time, k) = (row[0], 0.5f64);
            let e = (-k * time).exp();
            close(row[3], -time * e, 1e-6, "dS0/dk");
            // d/dk (k t e^(-k t)) = t e^(-k t) (1 - k t)
            close(row[4], time * e * (1.0 - k * time), 1e-6, "dS1/dk");
        }
    }
}

#[test]
fn unsupported_features_and_bad_parameters_are_errors() {
    let sim = Simulator::from_sbml_text(MODEL).unwrap();
    let sel = sim.selection(&["time", "[S]"]).unwrap();
    let err = sim
        .simulate_sensitivities(&opts(1.0, 1), &sel, &["P"])
        .unwrap_err();
    assert!(err.to_string().contains("cannot be set"), "{err}");
    let err = sim
        .simulate_sensitivities(&opts(1.0, 1), &sel, &["S", "[S]"])
        .unwrap_err();
    assert!(err.to_string().contains("listed twice"), "{err}");
    let with_event = MODEL.replace(
        "</listOfReactions>",
        r#"</listOfReactions><listOfEvents><event useValuesFromTriggerTime="true"><trigger initialValue="false" persistent="true"><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><gt/><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time">t</csymbol><cn>0.5</cn></apply></math></trigger><delay><math xmlns="http://www.w3.org/1998/Math/MathML"><cn>0.1</cn></math></delay><listOfEventAssignments><eventAssignment variable="S"><math xmlns="http://www.w3.org/1998/Math/MathML"><cn>1</cn></math></eventAssignment></listOfEventAssignments></event></listOfEvents>"#,
    );
    let sim = Simulator::from_sbml_text(&with_event).unwrap();
    let err = sim
        .simulate_sensitivities(&opts(1.0, 1), &sel, &["k"])
        .unwrap_err();
    assert!(
        err.to_string().contains("delayed events are not supported"),
        "{err}"
    );
}

/// A ⇌ B (kf, kr) conserves A + B = T. Started at its steady state A* = T kr/(kf+kr), the
/// state is steady at once while the sensitivities (zero at t = 0) are not: they come from
/// J s = -∂f/∂p with the conserved total held, not from integration (the steady state is
/// reported at t = 0), and equal the analytic derivatives of A*.
#[test]
fn steady_state_sensitivities_with_a_conserved_total() {
    const EXCHANGE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2"><model id="m">
<listOfCompartments><compartment id="C" size="1" spatialDimensions="3" constant="true"/></listOfCompartments>
<listOfSpecies>
<species id="A" compartment="C" initialAmount="2" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/>
<species id="B" compartment="C" initialAmount="1" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/>
</listOfSpecies>
<listOfParameters><parameter id="kf" value="1" constant="true"/><parameter id="kr" value="2" constant="true"/></listOfParameters>
<listOfReactions>
<reaction id="F" reversible="false"><listOfReactants><speciesReference species="A" stoichiometry="1" constant="true"/></listOfReactants>
<listOfProducts><speciesReference species="B" stoichiometry="1" constant="true"/></listOfProducts>
<kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><ci>kf</ci><ci>A</ci></apply></math></kineticLaw></reaction>
<reaction id="R" reversible="false"><listOfReactants><speciesReference species="B" stoichiometry="1" constant="true"/></listOfReactants>
<listOfProducts><speciesReference species="A" stoichiometry="1" constant="true"/></listOfProducts>
<kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><ci>kr</ci><ci>B</ci></apply></math></kineticLaw></reaction>
</listOfReactions>
</model></sbml>"#;
    use her2sim_engine::SensitivityParameter;
    let sim = Simulator::from_sbml_text(EXCHANGE).unwrap();
    let parameters: Vec<SensitivityParameter> = ["kf", "kr", "A"]
        .iter()
        .map(|id| SensitivityParameter::of(sim.override_target(id).unwrap()))
        .collect();
    let mut run = sim.start_sensitivities(&opts(1.0, 1), &parameters).unwrap();
    let t = run.advance_to_steady_state(1e-8, 1e-16, 1e9).unwrap();
    assert_eq!(t, 0.0, "solved, not integrated");
    let selection = sim.selection(&["A", "B"]).unwrap();
    let (values, d) = run.sample(&selection.selectors);
    close(values[0], 2.0, 1e-12, "A*");
    close(values[1], 1.0, 1e-12, "B*");
    let (kf, kr, total) = (1.0f64, 2.0f64, 3.0f64);
    let denominator = (kf + kr) * (kf + kr);
    // X-major: dA/dkf, dA/dkr, dA/dA0, then dB/...
    close(d[0], -total * kr / denominator, 1e-9, "dA*/dkf");
    close(d[1], total * kf / denominator, 1e-9, "dA*/dkr");
    close(d[2], kr / (kf + kr), 1e-9, "dA*/dA0");
    close(d[3], total * kr / denominator, 1e-9, "dB*/dkf");
    close(d[4], -total * kf / denominator, 1e-9, "dB*/dkr");
    close(d[5], kf / (kf + kr), 1e-9, "dB*/dA0");
}

/// With a stop time the solver steps past the output times and the sensitivities there come
/// from its dense output: still the analytic d[S]/dk = -t e^(-kt) at 400 dense outputs.
#[test]
fn sensitivities_between_steps_come_from_the_dense_output() {
    use her2sim_engine::SensitivityParameter;
    let sim = Simulator::from_sbml_text(MODEL).unwrap();
    let k = 0.7f64;
    let params = [SensitivityParameter::of(sim.override_target("k").unwrap())];
    let sel = sim.selection(&["[S]"]).unwrap();
    let mut run = sim.start_sensitivities(&opts(4.0, 1), &params).unwrap();
    run.set_stop_time(4.0);
    for i in 1..=400 {
        let t = i as f64 * 0.01;
        run.advance_to(t).unwrap();
        let (values, d) = run.sample(&sel.selectors);
        let e = (-k * t).exp();
        close(values[0], e, 1e-8, "[S]");
        close(d[0], -t * e, 1e-6, "d[S]/dk");
    }
}
