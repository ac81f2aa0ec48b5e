//! `distrib` draws in deterministic runs: a rate constant drawn at the start (a virtual
//! population of exponential decays, whose ensemble mean is known in closed form),
//! reproducibility by seed, and the errors for draws where they have no meaning.

use her2sim_engine::{SimOptions, Simulator};

const DISTRIB_NS: &str = r#"xmlns:distrib="http://www.sbml.org/sbml/level3/version1/distrib/version1" distrib:required="true""#;

/// S decays at rate k; k is drawn once per run from `k_draw` (MathML inside <apply>).
fn model(k_draw: &str, extra_rules: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2" {DISTRIB_NS}><model id="m">
<listOfCompartments><compartment id="C" size="1" spatialDimensions="3" constant="true"/></listOfCompartments>
<listOfSpecies><species id="S" compartment="C" initialAmount="1" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/></listOfSpecies>
<listOfParameters><parameter id="k" value="1" constant="true"/><parameter id="q" value="0" constant="false"/></listOfParameters>
<listOfInitialAssignments><initialAssignment symbol="k"><math xmlns="http://www.w3.org/1998/Math/MathML"><apply>{k_draw}</apply></math></initialAssignment></listOfInitialAssignments>
{extra_rules}
<listOfReactions><reaction id="R" reversible="false"><listOfReactants><speciesReference species="S" stoichiometry="1" constant="true"/></listOfReactants>
<kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><ci>k</ci><ci>S</ci></apply></math></kineticLaw></reaction></listOfReactions>
</model></sbml>"#
    )
}

fn csymbol(name: &str) -> String {
    format!(
        r#"<csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/distrib/{name}">{name}</csymbol>"#
    )
}

fn uniform_k() -> Simulator {
    let draw = format!("{}<cn>0.5</cn><cn>1.5</cn>", csymbol("uniform"));
    Simulator::from_sbml_text(&model(&draw, "")).expect("model loads")
}

fn opts() -> SimOptions {
    SimOptions {
        duration: 2.0,
        steps: 4,
        seed: 11,
        ..SimOptions::default()
    }
}

#[test]
fn a_drawn_rate_constant_gives_the_population_mean_in_closed_form() {
    let sim = uniform_k();
    assert!(sim.has_draws());
    let n = 4000;
    let table = sim
        .simulate_replicates(&opts(), "time,S-mean,S-sd,k-mean,k-sd", n)
        .unwrap();
    // k ~ U(0.5, 1.5): E[exp(-k t)] = (exp(-0.5 t) - exp(-1.5 t)) / t; E[k] = 1, sd 1/sqrt(12).
    for row in &table.rows[1..] {
        let t = row[0];
        let mean = ((-0.5 * t).exp() - (-1.5 * t).exp()) / t;
        let second = ((-t).exp() - (-3.0 * t).exp()) / (2.0 * t);
        let sd = (second - mean * mean).sqrt();
        let se = sd / (n as f64).sqrt();
        assert!(
            (row[1] - mean).abs() < 4.0 * se,
            "t {t}: {} vs {mean}",
            row[1]
        );
        assert!(
            (row[2] - sd).abs() < 0.05 * sd,
            "t {t}: sd {} vs {sd}",
            row[2]
        );
        assert!((row[3] - 1.0).abs() < 4.0 / (12.0 * n as f64).sqrt());
        assert!((row[4] - 1.0 / 12f64.sqrt()).abs() < 0.05 / 12f64.sqrt());
    }
    // At t = 0 every replicate starts at S = 1.
    assert_eq!((table.rows[0][1], table.rows[0][2]), (1.0, 0.0));
}

#[test]
fn draws_are_reproducible_by_seed_and_differ_between_seeds() {
    let sim = uniform_k();
    let a = sim.simulate_replicates(&opts(), "time,S-mean", 50).unwrap();
    let b = sim.simulate_replicates(&opts(), "time,S-mean", 50).unwrap();
    assert_eq!(a, b);
    let other = SimOptions { seed: 12, ..opts() };
    let c = sim.simulate_replicates(&other, "time,S-mean", 50).unwrap();
    assert_ne!(a.rows[2][1], c.rows[2][1]);
    // One run: the same seed draws the same k.
    let one = |seed| {
        let o = SimOptions { seed, ..opts() };
        sim.simulate_list(&o, "time,k").unwrap().rows[0][1]
    };
    assert_eq!(one(3), one(3));
    assert_ne!(one(3), one(4));
    assert!((0.5..1.5).contains(&one(3)));
}

#[test]
fn a_draw_in_continuously_evaluated_math_is_refused() {
    let rule = format!(
        r#"<listOfRules><assignmentRule variable="q"><math xmlns="http://www.w3.org/1998/Math/MathML"><apply>{}<cn>0</cn><cn>1</cn></apply></math></assignmentRule></listOfRules>"#,
        csymbol("normal")
    );
    let draw = format!("{}<cn>1</cn>", csymbol("exponential"));
    let e = Simulator::from_sbml_text(&model(&draw, &rule))
        .err()
        .expect("refused")
        .to_string();
    assert!(
        e.contains("assignment rule or kinetic law of 'q'") && e.contains("initial assignments"),
        "{e}"
    );
}

#[test]
fn invalid_draw_parameters_are_errors_naming_the_call() {
    let draw = format!("{}<cn>0</cn><cn>-1</cn>", csymbol("normal"));
    let sim = Simulator::from_sbml_text(&model(&draw, "")).unwrap();
    let e = sim
        .simulate_list(&opts(), "time,S")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("normal(0, -1)") && e.contains("standard deviation"),
        "{e}"
    );
    // A wrong number of arguments is a read error naming the distribution.
    let draw = format!("{}<cn>1</cn><cn>2</cn>", csymbol("poisson"));
    let e = Simulator::from_sbml_text(&model(&draw, ""))
        .err()
        .expect("refused")
        .to_string();
    assert!(e.contains("Poisson takes 1 parameter"), "{e}");
}

#[test]
fn sensitivities_of_a_model_with_draws_are_refused() {
    let sim = uniform_k();
    let sel = sim.selection(&["time", "S"]).unwrap();
    let e = sim
        .simulate_sensitivities(&opts(), &sel, &["k"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("distrib"), "{e}");
}

#[test]
fn log_statistics_of_a_lognormal_draw_are_its_parameters() {
    let draw = format!("{}<cn>1</cn><cn>0.5</cn>", csymbol("lognormal"));
    let sim = Simulator::from_sbml_text(&model(&draw, "")).unwrap();
    let n = 4000;
    let t = sim
        .simulate_replicates(&opts(), "time,ln(k)-mean,ln(k)-sd", n)
        .unwrap();
    assert_eq!(t.columns, ["time", "ln(k)-mean", "ln(k)-sd"]);
    for row in &t.rows {
        assert!(
            (row[1] - 1.0).abs() < 4.0 * 0.5 / (n as f64).sqrt(),
            "{row:?}"
        );
        assert!((row[2] - 0.5).abs() < 0.025, "{row:?}");
    }
    let e = sim
        .simulate_replicates(&opts(), "time,ln(k)", n)
        .unwrap_err()
        .to_string();
    assert!(e.contains("ln(k)-mean"), "{e}");
}

#[test]
fn log_statistics_of_a_value_that_is_zero_everywhere_are_minus_infinity() {
    // q stays 0 in every replicate: ln q = −∞ in all of them, so the mean is −∞ and the
    // spread 0 (not NaN from ∞ − ∞).
    let draw = format!("{}<cn>0.5</cn><cn>1.5</cn>", csymbol("uniform"));
    let sim = Simulator::from_sbml_text(&model(&draw, "")).unwrap();
    let t = sim
        .simulate_replicates(&opts(), "time,ln(q)-mean,ln(q)-sd", 50)
        .unwrap();
    for row in &t.rows {
        assert_eq!(row[1], f64::NEG_INFINITY, "{row:?}");
        assert_eq!(row[2], 0.0, "{row:?}");
    }
}
