//! `distrib-seeds`: how often the SBML Test Suite's statistical test accepts her2sim's
//! `distrib` draws over many seeds, per case. The suite checks each of ~50 output rows with
//! Z = √n·(mean − μ)/σ and Y = √(n/2)·(sd²/σ² − 1) within the ranges of its settings file
//! (mostly ±3 for both). Y's spread is 1
//! only for normally distributed draws; for a law with kurtosis κ it is √((κ − 1)/2), e.g. 2
//! for the exponential (κ = 9), so a correct sampler of a heavy-tailed law fails one of the
//! rows at a good fraction of seeds. This binary measures that fraction per case (a wrong
//! sampler fails at every seed), and writes `bench/results/distrib_seeds.csv`.
//!
//! cargo run --release -p her2sim-bench --bin distrib-seeds -- [--seeds 20] [--replicates 2000]

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use her2sim_engine::testsuite::{stochastic_cases, Code, Outcome};

fn main() -> Result<()> {
    let mut seeds = 20u64;
    let mut replicates = 2000usize;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().with_context(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--seeds" => seeds = value("--seeds")?.parse()?,
            "--replicates" => replicates = value("--replicates")?.parse()?,
            other => anyhow::bail!("unknown argument '{other}'"),
        }
    }
    anyhow::ensure!(
        seeds > 0 && replicates > 1,
        "need at least 1 seed and 2 replicates"
    );
    let root: PathBuf =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/sbml-test-suite/stochastic");
    let cases = stochastic_cases(&root, None).map_err(anyhow::Error::msg)?;
    let mut csv = String::from("case,seeds,passed,first_failure\n");
    let (mut all_pass, mut total) = (0usize, 0usize);
    for case in cases.iter().filter(|c| c.is_distrib()) {
        let mut passed = 0;
        let mut failure = String::new();
        for seed in 1..=seeds {
            match case.run_stochastic_with(replicates, seed, Code::Default) {
                Outcome::Pass => passed += 1,
                Outcome::Fail(why) | Outcome::Unsupported(why) if failure.is_empty() => {
                    failure = why
                }
                _ => {}
            }
        }
        total += 1;
        if passed == seeds as usize {
            all_pass += 1;
        }
        println!("{} {passed}/{seeds} {failure}", case.id);
        csv.push_str(&format!(
            "{},{seeds},{passed},\"{}\"\n",
            case.id,
            failure.replace('"', "'")
        ));
    }
    println!("{all_pass} of {total} distrib cases pass at every seed");
    let out_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/results");
    let tmp = out_dir.join("distrib_seeds.csv.tmp");
    std::fs::write(&tmp, csv).with_context(|| tmp.display().to_string())?;
    std::fs::rename(&tmp, out_dir.join("distrib_seeds.csv"))?;
    Ok(())
}
