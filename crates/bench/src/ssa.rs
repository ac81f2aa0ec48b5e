//! `ssa-bench`: reaction events per second of her2sim's stochastic simulator on the Vilar
//! circadian oscillator and on 100- and 1000-species networks, side by side with rebop (a fast Rust
//! SSA from PyPI) on the identical mass-action networks in the same run.
//!
//! ```sh
//! pip install rebop && cargo run --release -p her2sim-bench --bin ssa-bench
//! ```

use std::fmt::Write as _;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result};
use her2sim_engine::ssa::SsaOptions;
use her2sim_engine::Simulator;

/// A mass-action network: (rate constant, reactants, products) and initial counts.
struct Network {
    name: &'static str,
    reactions: Vec<(f64, Vec<String>, Vec<String>)>,
    init: Vec<(String, u64)>,
    tmax: f64,
    replicates: usize,
}

fn s(x: &str) -> String {
    x.to_string()
}

/// Vilar et al. 2002 (PNAS 99:5988), the parameters of BIOMD0000000035.
fn vilar() -> Network {
    let r = |k: f64, a: &[&str], b: &[&str]| {
        (
            k,
            a.iter().map(|x| s(x)).collect(),
            b.iter().map(|x| s(x)).collect(),
        )
    };
    Network {
        name: "Vilar oscillator (9 species, 16 reactions)",
        reactions: vec![
            r(2.0, &["A", "R"], &["C"]),
            r(1.0, &["A"], &[]),
            r(1.0, &["C"], &["R"]),
            r(0.2, &["R"], &[]),
            r(1.0, &["A", "DA"], &["DAp"]),
            r(50.0, &["DAp"], &["A", "DA"]),
            r(50.0, &["DA"], &["DA", "MA"]),
            r(500.0, &["DAp"], &["DAp", "MA"]),
            r(10.0, &["MA"], &[]),
            r(50.0, &["MA"], &["A", "MA"]),
            r(1.0, &["A", "DR"], &["DRp"]),
            r(100.0, &["DRp"], &["A", "DR"]),
            r(0.01, &["DR"], &["DR", "MR"]),
            r(50.0, &["DRp"], &["DRp", "MR"]),
            r(0.5, &["MR"], &[]),
            r(5.0, &["MR"], &["MR", "R"]),
        ],
        init: vec![(s("DA"), 1), (s("DR"), 1)],
        tmax: 200.0,
        replicates: 200,
    }
}

/// An n-species network: production into a chain of conversions, neighbour binding and
/// first-order decay of every species (3n - 2 reactions).
fn chain(n: usize, tmax: f64, replicates: usize, name: &'static str) -> Network {
    let x = |i: usize| format!("X{i}");
    let mut reactions = vec![(200.0, vec![], vec![x(0)])];
    for i in 0..n {
        reactions.push((0.05, vec![x(i)], vec![]));
        if i + 1 < n {
            reactions.push((1.0, vec![x(i)], vec![x(i + 1)]));
        }
        if i + 2 < n {
            reactions.push((0.001, vec![x(i), x(i + 1)], vec![x(i + 2)]));
        }
    }
    Network {
        name,
        reactions,
        init: (0..n).map(|i| (x(i), 10)).collect(),
        tmax,
        replicates,
    }
}

fn sbml(net: &Network) -> String {
    let mut species: Vec<String> = net
        .reactions
        .iter()
        .flat_map(|(_, a, b)| a.iter().chain(b).cloned())
        .collect();
    species.sort();
    species.dedup();
    let init = |sp: &str| {
        net.init
            .iter()
            .find(|(n, _)| n == sp)
            .map_or(0, |(_, c)| *c)
    };
    let mut x = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2"><model id="bench">
<listOfCompartments><compartment id="cell" size="1" constant="true"/></listOfCompartments><listOfSpecies>"#,
    );
    for sp in &species {
        let _ = write!(
            x,
            r#"<species id="{sp}" compartment="cell" initialAmount="{}" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/>"#,
            init(sp)
        );
    }
    x.push_str("</listOfSpecies><listOfReactions>");
    for (i, (k, a, b)) in net.reactions.iter().enumerate() {
        let _ = write!(x, r#"<reaction id="R{i}" reversible="false">"#);
        for (tag, list) in [("listOfReactants", a), ("listOfProducts", b)] {
            if list.is_empty() {
                continue;
            }
            let _ = write!(x, "<{tag}>");
            for sp in list {
                let _ = write!(
                    x,
                    r#"<speciesReference species="{sp}" stoichiometry="1" constant="true"/>"#
                );
            }
            let _ = write!(x, "</{tag}>");
        }
        // Mass action in counts; A + A would need A(A-1)/2 (none here).
        let _ = write!(
            x,
            r#"<kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><cn>{k}</cn>"#
        );
        for sp in a {
            let _ = write!(x, "<ci>{sp}</ci>");
        }
        x.push_str("</apply></math></kineticLaw></reaction>");
    }
    x.push_str("</listOfReactions></model></sbml>");
    x
}

fn json(net: &Network) -> String {
    let reactions: Vec<String> = net
        .reactions
        .iter()
        .map(|(k, a, b)| format!(r#"{{"rate":{k},"reactants":{a:?},"products":{b:?}}}"#))
        .collect();
    let init: Vec<String> = net
        .init
        .iter()
        .map(|(n, c)| format!(r#""{n}":{c}"#))
        .collect();
    format!(
        r#"{{"reactions":[{}],"init":{{{}}}}}"#,
        reactions.join(","),
        init.join(",")
    )
}

fn rayon_threads() -> String {
    std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| {
        std::thread::available_parallelism().map_or("?".into(), |n| n.to_string())
    })
}

fn main() -> Result<()> {
    let dir = std::env::temp_dir().join(format!("her2sim-ssa-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../bench/rebop_times.py");
    println!(
        "{:<44} {:>10} {:>14} {:>14} {:>7}",
        "network", "replicates", "her2sim ev/s", "rebop ev/s", "ratio"
    );
    for net in [
        vilar(),
        chain(100, 50.0, 50, "100-species network (298 reactions)"),
        chain(1000, 5.0, 2, "1000-species network (2998 reactions)"),
    ] {
        let sim = Simulator::from_sbml_text(&sbml(&net)).context("benchmark model")?;
        let first = &net.init[0].0;
        let opts = SsaOptions {
            start: 0.0,
            duration: net.tmax,
            steps: 100,
            replicates: net.replicates,
            seed: 1,
            tau_leap: None,
            max_steps: her2sim_engine::ssa::DEFAULT_SSA_MAX_STEPS,
            initial: her2sim_engine::ssa::InitialCounts::Error,
        };
        let t0 = Instant::now();
        let (_, events) = sim.simulate_ssa_counted(&opts, &format!("time,{first}-mean"))?;
        let ours = events as f64 / t0.elapsed().as_secs_f64();
        let path = dir.join("net.json");
        std::fs::write(&path, json(&net))?;
        let rebop = Command::new("python3")
            .arg(script)
            .arg(&path)
            .arg(net.replicates.to_string())
            .arg(net.tmax.to_string())
            .output();
        let theirs = match rebop {
            Ok(out) if out.status.success() => {
                let text = String::from_utf8_lossy(&out.stdout);
                let mut f = text
                    .trim()
                    .split(',')
                    .map(|x| x.parse::<f64>().unwrap_or(f64::NAN));
                let (secs, ev) = (f.next().unwrap_or(f64::NAN), f.next().unwrap_or(f64::NAN));
                Some(ev / secs)
            }
            Ok(out) => {
                eprintln!(
                    "rebop failed (pip install rebop): {}",
                    String::from_utf8_lossy(&out.stderr)
                        .lines()
                        .last()
                        .unwrap_or("")
                );
                None
            }
            Err(e) => {
                eprintln!("cannot run python3: {e}");
                None
            }
        };
        println!(
            "{:<44} {:>10} {:>14.3e} {:>14} {:>7}",
            net.name,
            net.replicates,
            ours,
            theirs.map_or("-".into(), |x| format!("{x:.3e}")),
            theirs.map_or("-".into(), |x| format!("{:.2}", ours / x)),
        );
    }
    println!(
        "(her2sim ran replicates on {} thread(s); RAYON_NUM_THREADS=1 compares one core; rebop runs one trajectory per Python call)",
        rayon_threads()
    );
    Ok(())
}
