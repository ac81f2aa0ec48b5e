//! `her2sim predict`: one cell line (with modifiers) under one treatment, every read-out
//! relative to the same condition untreated at the same time. The `--json` object is a stable
//! contract other tools rely on.

use her2sim_her2::{Lab, Prediction, READOUTS};

#[derive(clap::Args)]
pub struct PredictArgs {
    /// Cell line id or alias (see `her2sim cell-lines`).
    #[arg(long)]
    cell_line: String,
    /// Resistance modifier (repeatable): pten-loss, pik3ca-h1047r, p95her2, hrg-high.
    #[arg(long = "modifier")]
    modifiers: Vec<String>,
    /// Treatment: "none", or strategies joined by "+", each optionally "@dose"
    /// (e.g. "trastuzumab@10ug/mL+pertuzumab"); no dose = the documented default.
    #[arg(long)]
    treatment: String,
    /// Days of treatment.
    #[arg(long, default_value_t = 5.0)]
    days: f64,
    /// Print the JSON object (the machine-readable contract).
    #[arg(long)]
    json: bool,
}

pub fn run(args: PredictArgs) -> anyhow::Result<()> {
    if !(args.days.is_finite() && args.days > 0.0) {
        anyhow::bail!("--days must be a positive number, got {}", args.days);
    }
    let lab = Lab::builtin()?;
    let cond = lab.condition(&args.cell_line, &args.modifiers)?;
    let treatment = lab.treatment(&args.treatment)?;
    let p = lab.predict(&cond, &treatment, args.days)?;
    if args.json {
        println!("{}", her2sim_her2::outputs::prediction_json(&p));
    } else {
        print_table(&p);
    }
    Ok(())
}

fn print_table(p: &Prediction) {
    println!(
        "{} | {} | {} days (relative = treated / untreated at the same time)",
        p.condition.label(),
        p.treatment,
        p.days
    );
    println!(
        "{:<14} {:>10} {:>12} {:>12}",
        "read-out", "relative", "treated", "untreated"
    );
    for (i, (name, _)) in READOUTS.iter().enumerate() {
        let relative = if p.relative[i].is_nan() {
            "n/d".to_string()
        } else {
            format!("{:.3}", p.relative[i])
        };
        println!(
            "{:<14} {:>10} {:>12.4e} {:>12.4e}",
            name, relative, p.treated[i], p.untreated[i]
        );
    }
    println!(
        "GR value of viable cells: {:.3} (1 = no effect, 0 = cytostatic, < 0 = cells die)",
        p.gr_value
    );
    if p.relative.iter().any(|r| r.is_nan()) {
        println!("n/d: the untreated value is below what an assay detects, so no ratio is given");
    }
}
