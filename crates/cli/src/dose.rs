//! `her2sim dose-response --csv FILE`: a four-parameter Hill fit with 95 % confidence
//! intervals on measured (or exported) dose-response data.

use std::path::{Path, PathBuf};

use her2sim_analysis::hill;

#[derive(clap::Args)]
pub struct DoseArgs {
    /// CSV with a header row and columns `dose` and `response` (other columns are ignored).
    #[arg(long)]
    csv: PathBuf,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

/// Reads the `dose` and `response` columns; every error names the file, row and column.
pub fn read_pairs(path: &Path) -> anyhow::Result<(Vec<f64>, Vec<f64>)> {
    let name = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines
        .next()
        .ok_or_else(|| anyhow::anyhow!("{name}: the file is empty"))?;
    let cols: Vec<String> = header.split(',').map(|c| c.trim().to_lowercase()).collect();
    let find = |want: &str| {
        cols.iter()
            .position(|c| c == want)
            .ok_or_else(|| anyhow::anyhow!("{name}: no '{want}' column in the header ({header})"))
    };
    let (di, ri) = (find("dose")?, find("response")?);
    let (mut doses, mut responses) = (Vec::new(), Vec::new());
    for (i, line) in lines {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let cell = |k: usize, col: &str| -> anyhow::Result<f64> {
            let raw = cells.get(k).copied().unwrap_or("");
            if raw.is_empty() {
                anyhow::bail!("{name}: line {}: the '{col}' cell is missing", i + 1);
            }
            raw.parse::<f64>().map_err(|_| {
                anyhow::anyhow!("{name}: line {}: '{raw}' in '{col}' is not a number", i + 1)
            })
        };
        doses.push(cell(di, "dose")?);
        responses.push(cell(ri, "response")?);
    }
    Ok((doses, responses))
}

pub fn run(args: DoseArgs) -> anyhow::Result<()> {
    let (doses, responses) = read_pairs(&args.csv)?;
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
