//! `her2sim petab-llh`: the PEtab objective of a problem at its nominal parameters (or those of
//! another parameter table). The `--json` object is a stable contract.

use std::path::PathBuf;

use her2sim_petab::Problem;

#[derive(clap::Args)]
pub struct LlhArgs {
    /// The PEtab problem file (YAML, format version 1).
    problem: PathBuf,
    /// A parameter table whose nominalValues replace the problem's (e.g. a fit's result).
    #[arg(long)]
    parameters: Option<PathBuf>,
    /// Print {"llh", "chi2", "log_prior", "n_measurements"} as JSON.
    #[arg(long)]
    json: bool,
}

pub fn llh(args: LlhArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let problem = Problem::read(&args.problem)?;
    let values = match &args.parameters {
        Some(table) => problem.parameters_from_table(table)?,
        None => problem.nominal_parameters(),
    };
    let o = problem.objective(&values)?;
    let number = her2sim_her2::outputs::json_number;
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "llh": number(o.llh),
                "chi2": number(o.chi2),
                "log_prior": number(o.log_prior),
                "n_measurements": o.n_measurements,
            })
        );
    } else {
        println!(
            "{}: llh {:.6}, chi2 {:.6}, log-prior {:.6}, {} measurements ({:.2} s)",
            args.problem.display(),
            o.llh,
            o.chi2,
            o.log_prior,
            o.n_measurements,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
