//! `her2sim fba`: flux balance analysis of an SBML model with the fbc package. Prints the
//! objective and every reaction's flux and bounds (or one JSON object), optionally writes a
//! CSV; an infeasible or unbounded problem is an error (non-zero exit).

use std::io::Write;
use std::path::PathBuf;

use her2sim_engine::fba::{FbaProblem, FbaResult, FbaStatus};

use crate::csv::{field, number};

#[derive(clap::Args)]
pub struct FbaArgs {
    /// The SBML file (Level 3 with the fbc package, version 1 or 2).
    model: PathBuf,
    /// Print one JSON object: `status`, `objective_id`, `sense`, `objective`, `fluxes`
    /// ({reaction: flux}) and `reactions` (flux, bounds, gene association; an infinite
    /// bound is null).
    #[arg(long)]
    json: bool,
    /// Also write a CSV here (columns kind,id,value,lower_bound,upper_bound,gene_association:
    /// the objective, then one row per reaction); written to a temporary file, then renamed.
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
}

pub fn run(args: FbaArgs) -> anyhow::Result<()> {
    let path = args.model.display().to_string();
    let text = crate::input::read(&args.model)?;
    let result = FbaProblem::from_sbml_text_in(&text, &crate::input::model_dir(&args.model))
        .and_then(|p| p.solve())
        .map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
    let mut stdout = std::io::stdout().lock();
    if args.json {
        writeln!(stdout, "{}", serde_json::to_string_pretty(&result)?)?;
        stdout.flush()?;
    }
    match result.status {
        FbaStatus::Optimal => {}
        FbaStatus::Infeasible => anyhow::bail!(
            "{path}: the flux balance problem is infeasible: no flux distribution meets the steady state (S v = 0 over the non-boundary species) within the flux bounds"
        ),
        FbaStatus::Unbounded => anyhow::bail!(
            "{path}: the flux balance problem is unbounded: objective '{}' can grow without limit (a reaction in it, or a cycle feeding it, has no finite bound)",
            result.objective_id
        ),
    }
    if !args.json {
        print_table(&mut stdout, &result)?;
    }
    if let Some(out) = &args.output {
        her2sim_files::write_file(out, &[&args.model], |w| write_csv(w, &result))?;
    }
    Ok(())
}

fn bound(x: f64) -> String {
    if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        format!("{x}")
    }
}

fn print_table(out: &mut dyn Write, r: &FbaResult) -> std::io::Result<()> {
    let sense = serde_json::to_value(r.sense)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    writeln!(
        out,
        "objective {} ({sense}): {}",
        r.objective_id,
        r.objective.map_or("n/a".into(), |v| format!("{v}"))
    )?;
    let width = r
        .reactions
        .iter()
        .map(|x| x.id.len())
        .max()
        .unwrap_or(0)
        .max(8);
    writeln!(
        out,
        "{:<width$} {:>14} {:>12} {:>12}  gene association",
        "reaction", "flux", "lower", "upper"
    )?;
    for x in &r.reactions {
        writeln!(
            out,
            "{:<width$} {:>14} {:>12} {:>12}  {}",
            x.id,
            x.flux.map_or("n/a".into(), |v| format!("{v}")),
            bound(x.lower_bound),
            bound(x.upper_bound),
            x.gene_association.as_deref().unwrap_or("")
        )?;
    }
    out.flush()
}

fn write_csv(w: &mut dyn Write, r: &FbaResult) -> std::io::Result<()> {
    writeln!(w, "kind,id,value,lower_bound,upper_bound,gene_association")?;
    writeln!(
        w,
        "objective,{},{},,,",
        field(&r.objective_id),
        r.objective.map_or("nan".into(), number)
    )?;
    for x in &r.reactions {
        writeln!(
            w,
            "flux,{},{},{},{},{}",
            field(&x.id),
            x.flux.map_or("nan".into(), number),
            number(x.lower_bound),
            number(x.upper_bound),
            field(x.gene_association.as_deref().unwrap_or(""))
        )?;
    }
    w.flush()
}
