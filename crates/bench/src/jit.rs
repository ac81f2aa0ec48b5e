//! `jit-bench`: wall time of the model's hot evaluations, to compare the compiled (native)
//! right-hand side and Jacobian with the tree interpreter (`HER2SIM_INTERPRETER=1`).
//!
//! Per model: (a) a plain time course, (b) the same with forward sensitivities; and for the
//! HER2 calibration problem (c) one residual Jacobian of the whole PEtab problem at nominal
//! parameters (the gradient a fit evaluates, where profiling found 66 % in `CExpr::eval`).
//! Medians of `--repeat` runs (default 3) on one thread.
//!
//! cargo run --release -p her2sim-bench --bin jit-bench -- [--repeat 3] [--no-petab]
//!     [--biomodels BIOMD0000000250,BIOMD0000000019]
//! HER2SIM_INTERPRETER=1 cargo run --release -p her2sim-bench --bin jit-bench

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use her2sim_engine::{SimOptions, Simulator};
use her2sim_petab::Problem;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Median seconds of `repeat` calls.
fn median_time(repeat: usize, mut f: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<f64> {
    let mut times = Vec::with_capacity(repeat);
    for _ in 0..repeat {
        let start = Instant::now();
        f()?;
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

/// One benchmark model: how to simulate it and which parameters to differentiate by.
struct Case {
    name: String,
    sim: Simulator,
    opts: SimOptions,
    parameters: Vec<String>,
}

fn her2_case() -> anyhow::Result<Case> {
    let file = workspace().join("models/her2/calibration/model.xml");
    let sim = Simulator::from_file(&file).with_context(|| file.display().to_string())?;
    let opts = SimOptions {
        duration: 4320.0,
        steps: 72,
        atol: 1e-10,
        rtol: 1e-8,
        overrides: vec![
            (sim.override_target("conc_lapatinib")?, 1000.0),
            (sim.override_target("growth_on")?, 1.0),
        ],
        ..SimOptions::default()
    };
    // The model parameters the calibration estimates (through its condition table).
    let wanted = [
        "ec50_trastuzumab_domainIV_block",
        "ec50_lapatinib_tki_her2_inhibition",
        "ec50_neratinib_tki_her2_inhibition",
        "ec50_17_aag_hsp90_inhibition",
        "ec50_alpelisib_pi3k_inhibition",
        "ec50_mk_2206_akt_inhibition",
        "ec50_everolimus_mtor_inhibition",
        "ec50_trametinib_mek_inhibition",
        "addiction_death_max",
        "K_addiction",
        "survival_max",
        "w_prolif_erk",
        "K_prolif_akt",
        "K_dna_arrest",
    ];
    let parameters = wanted
        .iter()
        .filter(|p| sim.override_target(p).is_ok())
        .map(|p| p.to_string())
        .collect();
    Ok(Case {
        name: "her2 calibration".into(),
        sim,
        opts,
        parameters,
    })
}

fn biomodel_case(id: &str) -> anyhow::Result<Option<Case>> {
    let dir = workspace().join("../shared/biomodels").join(id);
    let file = dir.join("model.xml");
    if !file.exists() {
        return Ok(None);
    }
    let settings = std::fs::read_to_string(dir.join("settings.txt"))?;
    let get = |key: &str| -> Option<f64> {
        settings.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == key).then(|| v.trim().parse().ok()).flatten()
        })
    };
    let sim = Simulator::from_file(&file).with_context(|| file.display().to_string())?;
    let opts = SimOptions {
        duration: get("duration").unwrap_or(10.0),
        steps: get("steps").unwrap_or(100.0) as usize,
        atol: get("atol").unwrap_or(1e-12),
        rtol: get("rtol").unwrap_or(1e-10),
        ..SimOptions::default()
    };
    // The first eight constant parameters that start values do not depend on only.
    let parameters = sim
        .parameters()
        .into_iter()
        .filter(|p| sim.override_target(&p.id).is_ok())
        .map(|p| p.id)
        .take(8)
        .collect();
    Ok(Some(Case {
        name: id.to_string(),
        sim,
        opts,
        parameters,
    }))
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let repeat = args
        .iter()
        .position(|a| a == "--repeat")
        .and_then(|i| args.get(i + 1))
        .map(|s| s.parse::<usize>())
        .transpose()?
        .unwrap_or(3)
        .max(1);
    let petab = !args.iter().any(|a| a == "--no-petab");
    let mode = if std::env::var("HER2SIM_INTERPRETER").is_ok_and(|v| v == "1") {
        "interpreter"
    } else {
        "default"
    };
    println!("mode: {mode}, median of {repeat}");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    // `--biomodels ID,ID`: curated models to time besides the HER2 model.
    let biomodels = args
        .iter()
        .position(|a| a == "--biomodels")
        .and_then(|i| args.get(i + 1))
        .map_or("BIOMD0000000250,BIOMD0000000019", String::as_str);
    let mut cases = vec![her2_case()?];
    for id in biomodels.split(',').filter(|s| !s.is_empty()) {
        cases.extend(biomodel_case(id)?);
    }
    println!(
        "{:<20} {:>7} {:>7} {:>10} {:>12}",
        "model", "states", "params", "plain s", "sens s"
    );
    for case in &cases {
        let load = Instant::now();
        // Load time: read, validate, compile (and JIT where it applies).
        let file = if case.name.starts_with("BIOMD") {
            workspace()
                .join("../shared/biomodels")
                .join(&case.name)
                .join("model.xml")
        } else {
            workspace().join("models/her2/calibration/model.xml")
        };
        Simulator::from_file(&file)?;
        let t_load = load.elapsed().as_secs_f64();
        let selection = case.sim.default_selection();
        let (plain, sens) = pool.install(|| -> anyhow::Result<(f64, f64)> {
            let plain = median_time(repeat, || {
                case.sim.simulate(&case.opts, &selection)?;
                Ok(())
            })?;
            // NaN where the model has no sensitivities (events, delays, ...).
            let sens = median_time(repeat, || {
                case.sim
                    .simulate_sensitivities(&case.opts, &selection, &case.parameters)?;
                Ok(())
            })
            .unwrap_or(f64::NAN);
            Ok((plain, sens))
        })?;
        println!(
            "{:<20} {:>7} {:>7} {:>10.4} {:>12.4}   (load {t_load:.3} s)",
            case.name,
            case.sim.state_ids().len(),
            case.parameters.len(),
            plain,
            sens
        );
    }
    if petab {
        let file = workspace().join("models/her2/calibration/her2_calibration.yaml");
        let problem = Problem::read(&file).with_context(|| file.display().to_string())?;
        let (estimated, x) = problem.estimated_at_nominal();
        let t = pool.install(|| {
            median_time(repeat, || {
                match problem.residuals_and_jacobian(&estimated, &x) {
                    Some(r) => {
                        r?;
                    }
                    None => anyhow::bail!("no sensitivities for the calibration problem"),
                }
                Ok(())
            })
        })?;
        println!(
            "her2 calibration PEtab residual Jacobian ({} parameters): {t:.3} s",
            x.len()
        );
    }
    Ok(())
}
