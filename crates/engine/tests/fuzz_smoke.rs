//! A short, deterministic fuzz smoke run for CI (the coverage-guided campaigns live in
//! `fuzz/`): seeded mutations of SBML Test Suite models — byte flips, cuts, duplicated
//! spans, inserted MathML and XML fragments — through the reader, the model builder, the
//! compiler and a short simulation. Every input must end in a result or an error; a panic
//! fails the test (a stack overflow or abort fails the whole test binary).

use std::path::Path;
use std::time::Duration;

use her2sim_engine::{SimOptions, Simulator};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

const FRAGMENTS: &[&str] = &[
    "<apply>", "</apply>", "<apply><divide/><cn>1</cn><cn>0</cn></apply>", "<ci>S1</ci>",
    "<cn>NaN</cn>", "<cn>1e308</cn>", "<cn type=\"e-notation\">1<sep/>999</cn>", "<piecewise>",
    "<lambda><bvar><ci>x</ci></bvar><ci>x</ci></lambda>", "&amp;", "&#10;", "\"", "<", ">",
    "<csymbol encoding=\"text\" definitionURL=\"http://www.sbml.org/sbml/symbols/delay\">delay</csymbol>",
    "<event><trigger><math xmlns=\"http://www.w3.org/1998/Math/MathML\"><true/></math></trigger></event>",
    "initialAmount=\"-1\"", "size=\"0\"", "stoichiometry=\"NaN\"", "<listOfRules>", "<algebraicRule>",
];

fn mutate(text: &str, rng: &mut Pcg64Mcg) -> String {
    let mut b = text.as_bytes().to_vec();
    for _ in 0..rng.random_range(1..3) {
        if b.is_empty() {
            break;
        }
        let at = rng.random_range(0..b.len());
        match rng.random_range(0..4) {
            0 => b[at] = rng.random_range(32u8..127),
            1 => {
                let end = (at + rng.random_range(1..200)).min(b.len());
                b.drain(at..end);
            }
            2 => {
                let end = (at + rng.random_range(1..200)).min(b.len());
                let span = b[at..end].to_vec();
                b.splice(at..at, span);
            }
            _ => {
                let f = FRAGMENTS[rng.random_range(0..FRAGMENTS.len())];
                b.splice(at..at, f.bytes());
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

#[test]
fn mutated_models_never_panic() {
    let suite =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/sbml-test-suite/semantic");
    let mut rng = Pcg64Mcg::seed_from_u64(20261203);
    let opts = SimOptions {
        duration: 1.0,
        steps: 5,
        max_steps: 2000,
        timeout: Some(Duration::from_millis(20)),
        ..SimOptions::default()
    };
    let mut inputs = 0;
    let mut compiled = 0;
    let mut panics = Vec::new();
    for case in (1..=1200).step_by(40) {
        let file = suite.join(format!("{case:05}/{case:05}-sbml-l3v2.xml"));
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for _ in 0..200 {
            let input = mutate(&text, &mut rng);
            inputs += 1;
            let outcome = std::panic::catch_unwind(|| {
                if let Ok(sim) = Simulator::from_sbml_text(&input) {
                    let _ = sim.simulate(&opts, &sim.default_selection());
                    true
                } else {
                    false
                }
            });
            match outcome {
                Ok(true) => compiled += 1,
                Ok(false) => {}
                Err(_) => panics.push((case, input)),
            }
        }
    }
    println!(
        "fuzz smoke: {inputs} mutated inputs, {compiled} compiled and simulated, {} panics",
        panics.len()
    );
    assert!(
        inputs >= 5000,
        "too few seed models found ({inputs} inputs)"
    );
    if let Some((case, input)) = panics.first() {
        panic!("{} panics; first from case {case}:\n{input}", panics.len());
    }
}
