//! `her2sim` / `her2sim study`: the default study. For now: the built-in HER2 network model
//! run untreated for every catalogue cell line, ranked by proliferation (treatments come next).

use her2sim_her2::panel::{untreated, READOUTS};
use her2sim_her2::Catalogue;

#[derive(clap::Args, Default)]
pub struct StudyArgs {
    /// Simulated time in hours.
    #[arg(long, default_value_t = 72.0)]
    hours: f64,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Print one JSON array instead of the table.
    #[arg(long)]
    json: bool,
}

pub fn run(args: StudyArgs) -> anyhow::Result<()> {
    let hours = if args.hours > 0.0 { args.hours } else { 72.0 };
    let cat = Catalogue::builtin()?;
    let bar = if args.quiet || args.json {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(cat.cell_lines().len() as u64)
    };
    let mut rows = untreated(cat.cell_lines(), hours, |id| {
        bar.set_message(id.to_string());
        bar.inc(1);
    })?;
    bar.finish_and_clear();
    rows.sort_by(|a, b| b.readouts[2].total_cmp(&a.readouts[2]));
    if args.json {
        let out: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                let mut o = serde_json::json!({
                    "cell_line": r.cell_line,
                    "her2_per_cell": r.her2_per_cell,
                    "her2_gene_copies": r.her2_gene_copies,
                    "hours": hours,
                });
                for (name, v) in READOUTS.iter().zip(r.readouts) {
                    o[*name] = serde_json::json!(v);
                }
                o
            })
            .collect();
        println!("{}", serde_json::Value::Array(out));
        return Ok(());
    }
    println!("HER2 network model, untreated, {hours} h (ranked by proliferation; cells relative to start)");
    println!(
        "{:<12} {:>10} {:>7} {:>7} {:>7} {:>12} {:>11} {:>9} {:>6}",
        "cell line",
        "HER2/cell",
        "copies",
        "pAKT",
        "pERK",
        "prolif /day",
        "apopt /day",
        "migration",
        "cells"
    );
    for r in &rows {
        let [akt, erk, prolif, apopt, migr, cells] = r.readouts;
        println!(
            "{:<12} {:>10.2e} {:>7.1} {:>7.3} {:>7.3} {:>12.3} {:>11.4} {:>9.3} {:>6.2}",
            r.cell_line,
            r.her2_per_cell,
            r.her2_gene_copies,
            akt,
            erk,
            prolif * 1440.0,
            apopt * 1440.0,
            migr,
            cells
        );
    }
    println!("Treatments (the strategy catalogue: `her2sim strategies`) are the next step of this study.");
    Ok(())
}
