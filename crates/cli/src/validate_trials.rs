//! `her2sim validate-trials [DIR] [--patients N] [--json] [-o OUT] [--quiet]`: runs every
//! trial file of DIR (default examples/trials) and prints predicted against published per arm
//! (ORR, median PFS, PFS at 12 months, hazard ratio) with the calibration/validation mark and
//! the criteria; -o writes validation.csv and index.html (predicted-vs-published
//! plots). her2sim_her2::trial::validation holds the logic.

use std::path::PathBuf;

use her2sim_her2::trial::validation::{self, TrialCheck};
use her2sim_her2::Lab;

#[derive(clap::Args)]
pub struct ValidateTrialsArgs {
    /// Directory of trial files (*.toml).
    #[arg(default_value = "examples/trials")]
    dir: PathBuf,
    /// Virtual patients per arm (overrides every file's `patients`).
    #[arg(long)]
    patients: Option<u32>,
    /// Print the checks as JSON.
    #[arg(long)]
    json: bool,
    /// Directory for validation.csv and index.html.
    #[arg(short = 'o', long = "out")]
    out: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

pub fn run(args: ValidateTrialsArgs) -> anyhow::Result<()> {
    let lab = Lab::builtin()?;
    if let Some(out) = &args.out {
        // Refuse an --out that would destroy a user's files before the runs.
        her2sim_files::check_report_dir(out)?;
    }
    let bar = crate::trial::patients_bar(args.quiet || args.json);
    let checks = validation::validate_dir(
        &args.dir,
        args.patients,
        &lab,
        &|t| {
            bar.reset();
            bar.set_length(u64::from(t.patients));
            bar.set_message(t.name.clone());
        },
        &|| bar.inc(1),
    )
    .map_err(anyhow::Error::msg)?;
    bar.finish_and_clear();
    if let Some(out) = &args.out {
        crate::trial::write_report(out, &validation::report_files(&checks))?;
    }
    if args.json {
        println!("{}", validation::json(&checks));
    } else {
        print_table(&checks);
        if let Some(out) = &args.out {
            println!("report: {}", out.join("index.html").display());
        }
    }
    Ok(())
}

fn print_table(checks: &[TrialCheck]) {
    let f = |v: Option<f64>, d: usize| v.map_or("-".to_string(), |x| format!("{x:.d$}"));
    let mark = |b: Option<bool>| match b {
        Some(true) => "yes",
        Some(false) => "NO",
        None => "-",
    };
    println!(
        "{:<34} {:<11} {:<16} {:>13} {:>4} {:>11} {:>11} {:>11} {:>22} {:>4}",
        "trial",
        "purpose",
        "arm",
        "ORR sim/pub",
        "±10",
        "CR sim/pub",
        "mPFS s/p",
        "PFS12 s/p",
        "HR sim (CI) / pub",
        "inCI"
    );
    for c in checks {
        for a in &c.arms {
            let hr = match a.hazard_ratio_ci {
                Some([lo, hi]) => format!("{} ({lo:.2}-{hi:.2})", f(a.hazard_ratio, 2)),
                None => f(a.hazard_ratio, 2),
            };
            println!(
                "{:<34} {:<11} {:<16} {:>13} {:>4} {:>11} {:>11} {:>11} {:>22} {:>4}",
                c.trial,
                c.purpose.unwrap_or("-"),
                a.arm,
                format!("{:.2}/{}", a.orr, f(a.published_orr, 2)),
                mark(a.orr_within_10_points),
                format!("{:.2}/{}", a.cr, f(a.published_cr, 2)),
                format!(
                    "{}/{}",
                    f(a.median_pfs_months, 1),
                    f(a.published_median_pfs_months, 1)
                ),
                format!(
                    "{}/{}",
                    f(a.pfs_12_months, 2),
                    f(a.published_pfs_12_months, 2)
                ),
                format!("{hr} / {}", f(a.published_hazard_ratio, 2)),
                mark(a.hazard_ratio_within_ci),
            );
        }
        println!(
            "{:<34} ranked as published: {} ({} patients per arm)",
            "",
            mark(c.ranked_as_published),
            c.patients_per_arm
        );
        for g in &c.subgroups {
            println!(
                "{:<34} {}",
                "",
                her2sim_her2::trial::subgroup_report::line(&g.result)
            );
        }
    }
}
