//! `her2sim dose-response --csv FILE`: a four-parameter Hill fit with 95 % confidence
//! intervals on measured (or exported) dose-response data.

use std::path::{Path, PathBuf};

use her2sim_analysis::hill;

#[derive(clap::Args)]
pub struct DoseArgs {
    /// CSV with a header row and a dose and a response column (other columns are ignored),
    /// e.g. measured data or the output of `her2sim scan --final`.
    #[arg(long)]
    csv: PathBuf,
    /// Name of the dose column.
    #[arg(long, default_value = "dose")]
    dose_column: String,
    /// Name of the response column.
    #[arg(long, default_value = "response")]
    response_column: String,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

/// Reads the dose and response columns.
pub fn read_pairs(path: &Path, dose: &str, response: &str) -> anyhow::Result<(Vec<f64>, Vec<f64>)> {
    let rows = crate::columns::read_columns(path, &[dose, response])?;
    Ok(rows.into_iter().map(|r| (r[0], r[1])).unzip())
}

pub fn run(args: DoseArgs) -> anyhow::Result<()> {
    let (doses, responses) = read_pairs(
        &args.csv,
        &args.dose_column.to_lowercase(),
        &args.response_column.to_lowercase(),
    )?;
    let f = hill::fit(&doses, &responses)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.csv.display()))?;
    if args.json {
        let out = serde_json::json!({
            "n": f.n,
            "ic50": f.ic50, "ic50_ci": [f.ic50_ci.0, f.ic50_ci.1],
            "hill": f.hill, "hill_ci": [f.hill_ci.0, f.hill_ci.1],
            "e0": f.e0, "e0_ci": [f.e0_ci.0, f.e0_ci.1],
            "emax": f.emax, "emax_ci": [f.emax_ci.0, f.emax_ci.1],
            "r_squared": f.r_squared,
        });
        println!("{out}");
    } else {
        println!("parameter   estimate      95% CI");
        let row = |n: &str, v: f64, ci: (f64, f64)| {
            println!("{n:<10} {v:>10.4e}   [{:.4e}, {:.4e}]", ci.0, ci.1)
        };
        row("IC50", f.ic50, f.ic50_ci);
        row("Hill", f.hill, f.hill_ci);
        row("E0", f.e0, f.e0_ci);
        row("Emax", f.emax, f.emax_ci);
        println!("R² = {:.5} (n = {})", f.r_squared, f.n);
    }
    Ok(())
}
