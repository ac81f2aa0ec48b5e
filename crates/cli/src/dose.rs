//! `her2sim dose-response`: a four-parameter Hill fit with 95 % confidence intervals, either on
//! measured (or exported) data (`--csv FILE`) or on the HER2 laboratory simulated over a dose
//! series (`--cell-line BT474 --treatment lapatinib --doses 1nM..10uM:12`).

use std::path::{Path, PathBuf};

use her2sim_analysis::hill;

#[derive(clap::Args)]
pub struct DoseArgs {
    /// CSV with a header row and a dose and a response column (other columns are ignored),
    /// e.g. measured data or the output of `her2sim scan --final`.
    #[arg(long, conflicts_with_all = ["cell_line", "treatment", "doses"], required_unless_present = "cell_line")]
    csv: Option<PathBuf>,
    #[command(flatten)]
    sim: crate::lab_args::SimulatedDoses,
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
    let Some(csv) = &args.csv else {
        return simulated(&args);
    };
    let (doses, responses) = read_pairs(
        csv,
        &args.dose_column.to_lowercase(),
        &args.response_column.to_lowercase(),
    )?;
    let f = hill::fit(&doses, &responses).map_err(|e| anyhow::anyhow!("{}: {e}", csv.display()))?;
    print_fit(&f, args.json, None);
    Ok(())
}

/// The dose series simulated in the laboratory, then fitted.
fn simulated(args: &DoseArgs) -> anyhow::Result<()> {
    let s = &args.sim;
    let treatments = s.treatments()?;
    let [treatment] = treatments.as_slice() else {
        anyhow::bail!("--treatment: give exactly one strategy for a dose-response series");
    };
    let series = s.series(1)?;
    let (lab, cond) = s.lab()?;
    let strategy = lab.catalogue().strategy(treatment)?.id.clone();
    let spec = her2sim_her2::study::DoseResponseSpec {
        condition: cond.clone(),
        strategy,
        doses: series[0].clone(),
        readout: s.readout_index()?,
    };
    let study = s.study(vec![spec], Vec::new());
    let bar = s.progress(study.run_count(), args.json);
    let results = study.run(&lab, &|| bar.inc(1))?;
    bar.finish_and_clear();
    let Some(d) = results.dose_responses.first() else {
        anyhow::bail!("no dose-response result");
    };
    if args.json {
        let out =
            her2sim_her2::outputs::dose_response_json(d, s.days).map_err(anyhow::Error::msg)?;
        println!("{out}");
        return Ok(());
    }
    println!(
        "{} | {} | {} after {} days (relative to untreated; GR: growth-rate inhibition of viable cells)",
        cond.label(),
        d.strategy,
        d.readout,
        s.days
    );
    println!("{:>14} {:>12} {:>10} {:>8}", "dose", "nM", d.readout, "GR");
    let rows = d
        .doses
        .iter()
        .zip(&d.doses_nm)
        .zip(&d.responses)
        .zip(&d.gr.values);
    for (((q, nm), y), gr) in rows {
        println!("{:>14} {:>12.4e} {:>10.4} {:>8.3}", short(q), nm, y, gr);
    }
    let f = d
        .fit
        .as_ref()
        .map_err(|e| anyhow::anyhow!("{}: {e}", d.strategy))?;
    print_fit(f, false, None);
    let gr50 = if d.gr.gr50_nm.is_nan() {
        "not reached".to_string()
    } else {
        format!("{:.4e} nM", d.gr.gr50_nm)
    };
    println!("GR50 = {gr50}, GRmax = {:.3}", d.gr.gr_max);
    Ok(())
}

fn print_fit(f: &hill::HillFit, json: bool, context: Option<serde_json::Value>) {
    if json {
        let mut out = her2sim_her2::outputs::hill_fit_json(f);
        if let (Some(serde_json::Value::Object(ctx)), Some(o)) = (context, out.as_object_mut()) {
            o.extend(ctx);
        }
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
}

/// A dose with four significant digits, e.g. "2.31 nM".
fn short(q: &her2sim_her2::Quantity) -> String {
    let digits = (3 - q.value.abs().log10().floor() as i32).clamp(0, 8) as usize;
    let v = format!("{:.digits$}", q.value);
    let v = if v.contains('.') {
        v.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        v
    };
    format!("{v} {}", q.unit.symbol)
}
