//! Start-value overrides: layered settings resolve to the last one given, and dependent
//! values are recomputed from it.

use her2sim_engine::{SimOptions, Simulator};

const MODEL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
  <model id="decay">
    <listOfCompartments><compartment id="c" size="1" constant="true"/></listOfCompartments>
    <listOfSpecies>
      <species id="S" compartment="c" initialConcentration="10" hasOnlySubstanceUnits="false"
               boundaryCondition="false" constant="false"/>
    </listOfSpecies>
    <listOfParameters><parameter id="k" value="1" constant="true"/></listOfParameters>
    <listOfReactions>
      <reaction id="r" reversible="false">
        <listOfReactants><speciesReference species="S" stoichiometry="1" constant="true"/></listOfReactants>
        <kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML">
          <apply><times/><ci>k</ci><ci>S</ci></apply></math></kineticLaw>
      </reaction>
    </listOfReactions>
  </model>
</sbml>"#;

#[test]
fn the_last_override_wins() {
    let sim = Simulator::from_sbml_text(MODEL).unwrap();
    let k = sim.override_target("k").unwrap();
    let s = sim.override_target("S").unwrap();
    let opts = SimOptions {
        duration: 1.0,
        steps: 1,
        overrides: vec![(k, 5.0), (s, 1.0), (k, 2.0), (s, 4.0)],
        ..SimOptions::default()
    };
    let out = sim.simulate_list(&opts, "k,S").unwrap();
    assert_eq!(out.rows[0], vec![2.0, 4.0]);
    // S(1) = 4 exp(-2)
    assert!(
        (out.rows[1][1] - 4.0 * (-2.0f64).exp()).abs() < 1e-6,
        "{:?}",
        out.rows
    );
}
