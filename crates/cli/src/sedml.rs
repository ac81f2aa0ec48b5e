//! `her2sim sedml`: runs a SED-ML file or COMBINE archive (`her2sim-sedml`) and writes its
//! reports (CSV) and plots (SVG) as one her2sim report directory.

use std::io::Write;
use std::path::PathBuf;

use her2sim_sedml::OutputKind;

#[derive(clap::Args)]
pub struct SedmlArgs {
    /// The SED-ML file (Level 1 Version 1-4) or COMBINE archive (.omex).
    file: PathBuf,
    /// Output directory: `<report id>.csv` and `<plot id>.svg`. Created whole in a temporary
    /// directory, then moved into place; an existing DIR is replaced only when it is empty or
    /// a previous her2sim output.
    #[arg(
        short = 'o',
        long = "out",
        default_value = "sedml-output",
        value_name = "DIR"
    )]
    out: PathBuf,
    /// Print one JSON object (documents, outputs with file, kind, columns, rows, warnings)
    /// instead of the summary.
    #[arg(long)]
    json: bool,
}

pub fn run(args: SedmlArgs) -> anyhow::Result<()> {
    her2sim_files::check_report_dir(&args.out)?;
    let run = her2sim_sedml::run_path(&args.file, crate::input::limit())?;
    let files: Vec<(&str, &[u8])> = run
        .outputs
        .iter()
        .map(|o| (o.name.as_str(), o.content.as_slice()))
        .collect();
    her2sim_files::write_report_dir(&args.out, &files)?;
    for w in &run.warnings {
        eprintln!("warning: {w}");
    }
    let mut stdout = std::io::stdout().lock();
    if args.json {
        let outputs: Vec<serde_json::Value> = run
            .outputs
            .iter()
            .map(|o| {
                serde_json::json!({
                    "file": args.out.join(&o.name).display().to_string(),
                    "kind": match o.kind { OutputKind::Report => "report", OutputKind::Plot => "plot" },
                    "source": o.source,
                    "columns": o.columns,
                    "rows": o.rows,
                })
            })
            .collect();
        let value = serde_json::json!({
            "documents": run.documents,
            "outputs": outputs,
            "warnings": run.warnings,
        });
        writeln!(stdout, "{}", serde_json::to_string_pretty(&value)?)?;
    } else {
        for o in &run.outputs {
            let what = match o.kind {
                OutputKind::Report => {
                    format!("report, {} rows x {} columns", o.rows, o.columns.len())
                }
                OutputKind::Plot => format!("plot, {} curves", o.columns.len()),
            };
            writeln!(stdout, "{} ({what})", args.out.join(&o.name).display())?;
        }
    }
    stdout.flush()?;
    Ok(())
}
