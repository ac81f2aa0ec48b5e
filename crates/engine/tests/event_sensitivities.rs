//! Forward sensitivities across events against closed-form derivatives: a jump at a
//! parameter-dependent time, a jump of a species concentration in a compartment of size 2,
//! and a reset whose time is where a state crosses a parameter.

use her2sim_engine::{SimOptions, Simulator};

const MATH: &str = r#"xmlns="http://www.w3.org/1998/Math/MathML""#;

fn opts(duration: f64, steps: usize) -> SimOptions {
    SimOptions {
        duration,
        steps,
        rtol: 1e-10,
        atol: 1e-12,
        ..SimOptions::default()
    }
}

fn close(a: f64, b: f64, rel: f64, what: &str) {
    assert!((a - b).abs() <= rel * b.abs() + 1e-7, "{what}: {a} vs {b}");
}

fn time() -> &'static str {
    r#"<csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time">t</csymbol>"#
}

/// dx/dt = -k x, x(0) = 1; at t = T, x := x + a. For t > T:
/// x = e^(-kt) + a e^(-k(t-T)).
fn jump_model() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2"><model id="jump">
<listOfParameters><parameter id="x" value="1" constant="false"/><parameter id="k" value="0.5" constant="true"/>
<parameter id="T" value="1.5" constant="true"/><parameter id="a" value="2" constant="true"/></listOfParameters>
<listOfRules><rateRule variable="x"><math {MATH}><apply><times/><cn>-1</cn><ci>k</ci><ci>x</ci></apply></math></rateRule></listOfRules>
<listOfEvents><event useValuesFromTriggerTime="true"><trigger initialValue="false" persistent="true"><math {MATH}><apply><geq/>{t}<ci>T</ci></apply></math></trigger>
<listOfEventAssignments><eventAssignment variable="x"><math {MATH}><apply><plus/><ci>x</ci><ci>a</ci></apply></math></eventAssignment></listOfEventAssignments></event></listOfEvents>
</model></sbml>"#,
        t = time()
    )
}

#[test]
fn a_jump_at_a_parameter_time() {
    let sim = Simulator::from_sbml_text(&jump_model()).unwrap();
    let sel = sim.selection(&["time", "x"]).unwrap();
    let out = sim
        .simulate_sensitivities(&opts(4.0, 8), &sel, &["k", "T", "a", "x"])
        .unwrap();
    let (k, tj, a) = (0.5f64, 1.5f64, 2.0f64);
    for row in &out.rows {
        let t = row[0];
        let e = (-k * t).exp();
        if t < tj {
            close(row[1], e, 1e-8, "x before");
            close(row[2], -t * e, 1e-6, "dx/dk before");
            assert_eq!(row[3], 0.0, "dx/dT before the event");
            assert_eq!(row[4], 0.0, "dx/da before the event");
            close(row[5], e, 1e-6, "dx/dx0 before");
        } else {
            let after = (-k * (t - tj)).exp();
            close(row[1], e + a * after, 1e-8, "x after");
            close(row[2], -t * e - a * (t - tj) * after, 1e-6, "dx/dk after");
            close(row[3], a * k * after, 1e-6, "dx/dT after");
            close(row[4], after, 1e-6, "dx/da after");
            close(row[5], e, 1e-6, "dx/dx0 after");
        }
    }
}

/// The same jump on a species concentration in a compartment of size 2 (the state is the
/// amount): [S] = e^(-kt) + a e^(-k(t-T)), S = 2 [S].
#[test]
fn a_jump_of_a_concentration() {
    let model = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2"><model id="conc">
<listOfCompartments><compartment id="C" size="2" spatialDimensions="3" constant="true"/></listOfCompartments>
<listOfSpecies><species id="S" compartment="C" initialConcentration="1" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/></listOfSpecies>
<listOfParameters><parameter id="k" value="0.5" constant="true"/><parameter id="T" value="1.5" constant="true"/><parameter id="a" value="2" constant="true"/></listOfParameters>
<listOfReactions><reaction id="R" reversible="false"><listOfReactants><speciesReference species="S" stoichiometry="1" constant="true"/></listOfReactants>
<kineticLaw><math {MATH}><apply><times/><ci>k</ci><ci>S</ci><ci>C</ci></apply></math></kineticLaw></reaction></listOfReactions>
<listOfEvents><event useValuesFromTriggerTime="true"><trigger initialValue="false" persistent="true"><math {MATH}><apply><geq/>{t}<ci>T</ci></apply></math></trigger>
<listOfEventAssignments><eventAssignment variable="S"><math {MATH}><apply><plus/><ci>S</ci><ci>a</ci></apply></math></eventAssignment></listOfEventAssignments></event></listOfEvents>
</model></sbml>"#,
        t = time()
    );
    let sim = Simulator::from_sbml_text(&model).unwrap();
    let sel = sim.selection(&["time", "[S]", "S"]).unwrap();
    let out = sim
        .simulate_sensitivities(&opts(4.0, 8), &sel, &["T", "a"])
        .unwrap();
    let (k, tj, a) = (0.5f64, 1.5f64, 2.0f64);
    for row in out.rows.iter().filter(|r| r[0] > tj) {
        let t = row[0];
        let after = (-k * (t - tj)).exp();
        close(row[1], (-k * t).exp() + a * after, 1e-8, "[S]");
        close(row[3], a * k * after, 1e-6, "d[S]/dT");
        close(row[4], after, 1e-6, "d[S]/da");
        close(row[5], 2.0 * a * k * after, 1e-6, "dS/dT");
        close(row[6], 2.0 * after, 1e-6, "dS/da");
    }
}

/// dx/dt = -k x, x(0) = 1; dy/dt = v x, y(0) = 0; when x falls below θ, y := 0. The reset
/// happens at τ = ln(1/θ)/k, so for t > τ: y = (v/k)(θ - e^(-kt)), which moves with θ and k
/// through τ only.
#[test]
fn a_reset_when_a_state_crosses_a_parameter() {
    let model = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2"><model id="reset">
<listOfParameters><parameter id="x" value="1" constant="false"/><parameter id="y" value="0" constant="false"/>
<parameter id="k" value="0.8" constant="true"/><parameter id="v" value="1.3" constant="true"/><parameter id="theta" value="0.4" constant="true"/></listOfParameters>
<listOfRules><rateRule variable="x"><math {MATH}><apply><times/><cn>-1</cn><ci>k</ci><ci>x</ci></apply></math></rateRule>
<rateRule variable="y"><math {MATH}><apply><times/><ci>v</ci><ci>x</ci></apply></math></rateRule></listOfRules>
<listOfEvents><event useValuesFromTriggerTime="true"><trigger initialValue="false" persistent="true"><math {MATH}><apply><lt/><ci>x</ci><ci>theta</ci></apply></math></trigger>
<listOfEventAssignments><eventAssignment variable="y"><math {MATH}><cn>0</cn></math></eventAssignment></listOfEventAssignments></event></listOfEvents>
</model></sbml>"#
    );
    let sim = Simulator::from_sbml_text(&model).unwrap();
    let sel = sim.selection(&["time", "y"]).unwrap();
    let out = sim
        .simulate_sensitivities(&opts(3.0, 12), &sel, &["theta", "k", "v"])
        .unwrap();
    let (k, v, theta) = (0.8f64, 1.3f64, 0.4f64);
    let tau = (1.0 / theta).ln() / k;
    let mut after_reset = 0;
    for row in &out.rows {
        let t = row[0];
        let e = (-k * t).exp();
        if t < tau {
            close(row[1], v / k * (1.0 - e), 1e-8, "y before");
            assert_eq!(row[2], 0.0, "dy/dθ before the reset");
            close(
                row[3],
                -v / (k * k) * (1.0 - e) + v / k * t * e,
                1e-6,
                "dy/dk before",
            );
        } else {
            after_reset += 1;
            close(row[1], v / k * (theta - e), 1e-7, "y after");
            close(row[2], v / k, 1e-5, "dy/dθ after");
            close(
                row[3],
                -v / (k * k) * (theta - e) + v / k * t * e,
                1e-5,
                "dy/dk after",
            );
            close(row[4], (theta - e) / k, 1e-5, "dy/dv after");
        }
    }
    assert!(after_reset >= 6);
}

/// An event that assigns a differentiated parameter, or that sets a non-state value which
/// then moves with the parameters, is refused; a delayed event too.
#[test]
fn events_sensitivities_cannot_carry_are_refused() {
    let sim = Simulator::from_sbml_text(&jump_model()).unwrap();
    let sel = sim.selection(&["time", "x"]).unwrap();
    let assigns_k = jump_model().replace(
        r#"<eventAssignment variable="x">"#,
        &format!(r#"<eventAssignment variable="k"><math {MATH}><cn>1</cn></math></eventAssignment><eventAssignment variable="x">"#),
    ).replace(r#"<parameter id="k" value="0.5" constant="true"/>"#, r#"<parameter id="k" value="0.5" constant="false"/>"#);
    let sim2 = Simulator::from_sbml_text(&assigns_k).unwrap();
    let err = sim2
        .simulate_sensitivities(&opts(4.0, 4), &sel, &["k"])
        .unwrap_err();
    assert!(err.to_string().contains("event"), "{err}");
    // k := a after the event moves with a: refused when it happens.
    let moves = assigns_k.replace(
        &format!(r#"<eventAssignment variable="k"><math {MATH}><cn>1</cn></math>"#),
        &format!(r#"<eventAssignment variable="k"><math {MATH}><ci>a</ci></math>"#),
    );
    let sim3 = Simulator::from_sbml_text(&moves).unwrap();
    let err = sim3
        .simulate_sensitivities(&opts(4.0, 4), &sel, &["a"])
        .unwrap_err();
    assert!(
        err.to_string().contains("moves with the parameters"),
        "{err}"
    );
    // A constant value assigned to a non-state parameter is fine: k := 1 at T.
    let out = sim2
        .simulate_sensitivities(&opts(4.0, 4), &sel, &["a"])
        .unwrap();
    let last = out.rows.last().unwrap();
    close(
        last[2],
        (-(4.0 - 1.5f64)).exp(),
        1e-6,
        "dx/da with k := 1 after T",
    );
    let delayed = jump_model().replace(
        "</trigger>",
        &format!(r#"</trigger><delay><math {MATH}><cn>0.1</cn></math></delay>"#),
    );
    let sim4 = Simulator::from_sbml_text(&delayed).unwrap();
    let err = sim4
        .simulate_sensitivities(&opts(4.0, 4), &sel, &["k"])
        .unwrap_err();
    assert!(err.to_string().contains("delayed events"), "{err}");
    drop(sim);
}
