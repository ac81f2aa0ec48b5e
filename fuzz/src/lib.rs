//! Shared helpers of the fuzz targets in `src/bin/`.

use std::sync::OnceLock;
use std::time::Duration;

use her2sim_engine::{SimOptions, Simulator};

/// Whether `FUZZ_DEBUG` is set: the targets then print how far an input got (and why it
/// stopped) on stderr. For reproducing and checking seeds; never set it while fuzzing.
pub fn debug() -> bool {
    static DEBUG: OnceLock<bool> = OnceLock::new();
    *DEBUG.get_or_init(|| std::env::var_os("FUZZ_DEBUG").is_some())
}

/// Prints `what` on stderr when [`debug`] is on.
pub fn note(what: impl FnOnce() -> String) {
    if debug() {
        eprintln!("{}", what());
    }
}

/// The bounded simulation every model-level target runs: 5 output steps over 1 time unit,
/// at most 2000 solver attempts between discontinuities and 200 ms of wall-clock time, so a
/// slow (but terminating) model is an error, not an AFL hang.
pub fn sim_options() -> SimOptions {
    SimOptions {
        duration: 1.0,
        steps: 5,
        max_steps: 2000,
        timeout: Some(Duration::from_millis(200)),
        ..SimOptions::default()
    }
}

/// read -> build -> compile -> short simulation. Errors are fine; panics, aborts, stack
/// overflows and hangs are the bugs.
pub fn sbml_pipeline(text: &str) {
    let doc = match her2sim_sbml::read_str(text) {
        Ok(doc) => doc,
        Err(e) => return note(|| format!("read: {e}")),
    };
    if let Err(e) = her2sim_model::build(&doc) {
        return note(|| format!("build: {e}"));
    }
    let sim = match Simulator::from_document(&doc) {
        Ok(sim) => sim,
        Err(e) => return note(|| format!("compile: {e}")),
    };
    let r = sim.simulate_list(&sim_options(), "time");
    note(|| match r {
        Ok(tc) => format!("simulated: {} rows", tc.rows.len()),
        Err(e) => format!("simulate: {e}"),
    });
}

/// A minimal Level 3 v2 model whose assignment rule (for `p`) has `math` as its formula: a
/// `<math>` element, or MathML content that is put inside one. The model declares the ids the
/// SBML Test Suite's formulas use most (S1-S4, k1-k4, C, compartment, p1, p2, kf, kr, k, x, y,
/// z, the functions multiply/add/f and the reaction J0), so extracted seeds mostly resolve.
pub fn wrap_math(math: &str) -> String {
    let math = if math.trim_start().starts_with("<math") {
        math.to_string()
    } else {
        format!(r#"<math xmlns="http://www.w3.org/1998/Math/MathML">{math}</math>"#)
    };
    let mut params = String::new();
    for (id, v) in [
        ("k1", 0.5),
        ("k2", 2.0),
        ("k3", 0.25),
        ("k4", 3.0),
        ("p1", 1.5),
        ("p2", 0.75),
        ("kf", 0.9),
        ("kr", 0.1),
        ("k", 1.0),
        ("x", 2.0),
        ("y", 3.0),
        ("z", 4.0),
    ] {
        params.push_str(&format!(
            "      <parameter id=\"{id}\" value=\"{v}\" constant=\"true\"/>\n"
        ));
    }
    let mut species = String::new();
    for (id, v) in [("S1", 1.0), ("S2", 0.5), ("S3", 2.0), ("S4", 0.0)] {
        species.push_str(&format!(
            "      <species id=\"{id}\" compartment=\"C\" initialAmount=\"{v}\" \
             hasOnlySubstanceUnits=\"false\" boundaryCondition=\"false\" constant=\"false\"/>\n"
        ));
    }
    let lambda2 = |id: &str, op: &str| {
        format!(
            r#"      <functionDefinition id="{id}">
        <math xmlns="http://www.w3.org/1998/Math/MathML">
          <lambda><bvar><ci>x</ci></bvar><bvar><ci>y</ci></bvar>
            <apply><{op}/><ci>x</ci><ci>y</ci></apply></lambda>
        </math>
      </functionDefinition>
"#
        )
    };
    let functions = [lambda2("multiply", "times"), lambda2("add", "plus"), lambda2("f", "minus")]
        .concat();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
  <model id="fuzz">
    <listOfFunctionDefinitions>
{functions}    </listOfFunctionDefinitions>
    <listOfCompartments>
      <compartment id="C" spatialDimensions="3" size="1" constant="true"/>
      <compartment id="compartment" spatialDimensions="3" size="2" constant="true"/>
    </listOfCompartments>
    <listOfSpecies>
{species}    </listOfSpecies>
    <listOfParameters>
{params}      <parameter id="p" value="1" constant="false"/>
      <parameter id="q" value="1" constant="false"/>
    </listOfParameters>
    <listOfRules>
      <assignmentRule variable="p">
        {math}
      </assignmentRule>
      <rateRule variable="q">
        <math xmlns="http://www.w3.org/1998/Math/MathML"><ci>p</ci></math>
      </rateRule>
    </listOfRules>
    <listOfReactions>
      <reaction id="J0" reversible="false">
        <listOfReactants>
          <speciesReference species="S1" stoichiometry="1" constant="true"/>
        </listOfReactants>
        <listOfProducts>
          <speciesReference species="S2" stoichiometry="1" constant="true"/>
        </listOfProducts>
        <kineticLaw>
          <math xmlns="http://www.w3.org/1998/Math/MathML">
            <apply><times/><ci>k1</ci><ci>S1</ci></apply>
          </math>
        </kineticLaw>
      </reaction>
    </listOfReactions>
  </model>
</sbml>
"#
    )
}
