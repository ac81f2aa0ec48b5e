//! `petab-bench`: time to simulate every condition of a PEtab benchmark problem at its
//! nominal parameters (`t_sim`), and to compute the residuals with their Jacobian (`t_fwd`:
//! forward sensitivities where they apply, else finite differences of whole simulations),
//! on one thread, beside the limits AMICI's CI enforces for the same problems (seconds per
//! evaluation, from ../shared/petab-benchmark/README.md). Writes bench/results/petab.csv.
//!
//! cargo run --release -p her2sim-bench --bin petab-bench -- [--repeat 5]

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use her2sim_petab::Problem;

/// (problem, AMICI's t_sim, AMICI's t_fwd) as the benchmark README lists them.
const LIMITS: &[(&str, f64, f64)] = &[
    ("Bachmann_MSB2011", 0.05, 3.5),
    ("Beer_MolBioSystems2014", 0.05, 0.5),
    ("Boehm_JProteomeRes2014", 0.005, 0.05),
    ("Brannmark_JBC2010", 0.005, 0.5),
    ("Fiedler_BMCSystBiol2016", 0.005, 0.05),
    ("Schwen_PONE2014", 0.01, 0.5),
    ("Smith_BMCSystBiol2013", 1.0, 50.0),
];

fn problem_file(dir: &Path, id: &str) -> PathBuf {
    let named = dir.join(id).join(format!("{id}.yaml"));
    if named.exists() {
        named
    } else {
        dir.join(id).join("problem.yaml")
    }
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

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let repeat = args
        .iter()
        .position(|a| a == "--repeat")
        .and_then(|i| args.get(i + 1))
        .map(|s| s.parse::<usize>())
        .transpose()?
        .unwrap_or(5)
        .max(1);
    // `--only ID` measures one problem (and leaves the recorded table alone).
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1));
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/petab-benchmark");
    // AMICI's limits are per evaluation on one core: measure on one thread too.
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let mut rows = vec![
        "problem,t_sim_s,amici_t_sim_s,t_fwd_s,amici_t_fwd_s,jacobian,within_limits".to_string(),
    ];
    println!(
        "{:<26} {:>10} {:>8} {:>10} {:>8}  jacobian",
        "problem", "t_sim", "AMICI", "t_fwd", "AMICI"
    );
    for &(id, lim_sim, lim_fwd) in LIMITS {
        if only.is_some_and(|o| o != id) {
            continue;
        }
        let file = problem_file(&dir, id);
        let problem = Problem::read(&file).with_context(|| format!("{}", file.display()))?;
        let nominal = problem.nominal_parameters();
        let (estimated, x) = problem.estimated_at_nominal();
        let measured = pool.install(|| -> anyhow::Result<(f64, f64, &str)> {
            let t_sim = median_time(repeat, || {
                problem.objective(&nominal)?;
                Ok(())
            })?;
            let sensitivities = problem.residuals_and_jacobian(&estimated, &x).is_some();
            let t_fwd = median_time(repeat, || {
                match problem.residuals_and_jacobian(&estimated, &x) {
                    Some(r) => {
                        r?;
                    }
                    None => {
                        // What the optimiser does then: one simulation per parameter more.
                        problem.residuals(&estimated, &x)?;
                        for k in 0..x.len() {
                            let mut xp = x.clone();
                            xp[k] += 1e-4;
                            problem.residuals(&estimated, &xp)?;
                        }
                    }
                }
                Ok(())
            })?;
            Ok((
                t_sim,
                t_fwd,
                if sensitivities {
                    "sensitivities"
                } else {
                    "differences"
                },
            ))
        });
        let (t_sim, t_fwd, how) = match measured {
            Ok(m) => m,
            Err(e) => {
                println!("{id:<26} failed: {e}");
                rows.push(format!("{id},,{lim_sim},,{lim_fwd},failed,false"));
                continue;
            }
        };
        let ok = t_sim <= lim_sim && t_fwd <= lim_fwd;
        println!(
            "{id:<26} {t_sim:>10.4} {lim_sim:>8} {t_fwd:>10.4} {lim_fwd:>8}  {how}{}",
            if ok { "" } else { "  (over a limit)" }
        );
        rows.push(format!(
            "{id},{t_sim:.6},{lim_sim},{t_fwd:.6},{lim_fwd},{how},{ok}"
        ));
    }
    if only.is_some() {
        return Ok(());
    }
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/results");
    std::fs::create_dir_all(&out)?;
    let tmp = out.join("petab.csv.tmp");
    std::fs::write(&tmp, rows.join("\n") + "\n")?;
    std::fs::rename(&tmp, out.join("petab.csv"))?;
    Ok(())
}
