//! `her2sim trial TRIAL.toml [--patients N] [--seed S] [--json] [-o DIR]`: reads the trial
//! file, runs it (her2sim_her2::trial::run) with a progress bar, prints the per-arm table
//! (or the JSON summary) and writes arms.csv, patients.csv and index.html into DIR.

use std::path::PathBuf;

use her2sim_her2::trial::{self, output};
use her2sim_her2::Lab;

#[derive(clap::Args)]
pub struct TrialArgs {
    /// The trial file (TOML; see examples/trials/ and docs/trials.md).
    file: PathBuf,
    /// Virtual patients per arm (overrides the file's `patients`).
    #[arg(long)]
    patients: Option<u32>,
    /// Seed (overrides the file's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Print the JSON summary instead of the table.
    #[arg(long)]
    json: bool,
    /// Directory for arms.csv, patients.csv and index.html.
    #[arg(short = 'o', long = "out")]
    out: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

/// The bar a trial run shows: the trial's name and its patients done (hidden when quiet).
pub(crate) fn patients_bar(hidden: bool) -> indicatif::ProgressBar {
    if hidden {
        return indicatif::ProgressBar::hidden();
    }
    let b = indicatif::ProgressBar::new(0);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} patients ({elapsed})")
    {
        b.set_style(style.progress_chars("=> "));
    }
    b
}

/// Writes a report's text files into `out` (a temporary directory, then renamed).
pub(crate) fn write_report(out: &std::path::Path, files: &[(&str, String)]) -> anyhow::Result<()> {
    let files: Vec<(&str, &[u8])> = files.iter().map(|(n, s)| (*n, s.as_bytes())).collect();
    her2sim_files::write_report_dir(out, &files)?;
    Ok(())
}

pub fn run(args: TrialArgs) -> anyhow::Result<()> {
    let lab = Lab::builtin()?;
    if let Some(out) = &args.out {
        // Refuse an --out that would destroy a user's files before the run.
        her2sim_files::check_report_dir(out)?;
    }
    let bar = patients_bar(args.quiet || args.json);
    let started = std::time::Instant::now();
    let result = trial::run_file(
        &args.file,
        args.patients,
        args.seed,
        &lab,
        &|t| {
            bar.set_length(u64::from(t.patients));
            bar.set_message(t.name.clone());
        },
        &|| bar.inc(1),
    )
    .map_err(anyhow::Error::msg)?;
    bar.finish_and_clear();
    if let Some(out) = &args.out {
        write_report(out, &output::report_files(&result))?;
    }
    if args.json {
        println!("{}", output::json(&result));
        return Ok(());
    }
    println!(
        "{}: {} patients per arm, seed {} ({:.1} s)",
        result.name,
        result.patients_per_arm,
        result.seed,
        started.elapsed().as_secs_f64()
    );
    println!(
        "{:<28} {:>6} {:>6} {:>6} {:>16} {:>8} {:>18} {:>6}",
        "arm", "ORR", "CR", "CBR", "mPFS (95% CI)", "PFS12", "HR (95% CI)", "pCR"
    );
    let f = |v: Option<f64>, d: usize| v.map_or("n/a".to_string(), |x| format!("{x:.d$}"));
    for a in &result.arms {
        let mpfs = format!(
            "{} ({}-{})",
            f(a.median_pfs_months, 1),
            f(a.median_pfs_ci[0], 1),
            f(a.median_pfs_ci[1], 1)
        );
        let hr = match a.hazard_ratio_ci {
            Some([lo, hi]) => format!("{} ({lo:.2}-{hi:.2})", f(a.hazard_ratio, 2)),
            None => f(a.hazard_ratio, 2),
        };
        println!(
            "{:<28} {:>6.3} {:>6.3} {:>6.3} {:>16} {:>8} {:>18} {:>6}",
            a.name,
            a.orr,
            a.cr,
            a.cbr,
            mpfs,
            f(a.pfs_12_months, 3),
            hr,
            f(a.pcr, 3)
        );
        if let Some(p) = &a.published {
            println!(
                "{:<28} {:>6} {:>6} {:>6} {:>16} {:>8} {:>18} {:>6}   {}",
                "  published",
                f(p.orr, 3),
                f(p.cr, 3),
                "",
                f(p.median_pfs_months, 1),
                "",
                f(p.hazard_ratio, 2),
                f(p.pcr, 3),
                p.source.as_deref().unwrap_or("")
            );
        }
    }
    // The biomarker splits the file publishes (every split is in subgroups.csv and --json).
    for g in result.subgroups.iter().filter(|g| g.published.is_some()) {
        println!("{}", her2sim_her2::trial::subgroup_report::line(g));
    }
    if let Some(out) = &args.out {
        println!("report: {}", out.join("index.html").display());
    }
    Ok(())
}
