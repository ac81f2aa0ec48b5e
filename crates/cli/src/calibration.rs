//! `her2sim calibration export [-o DIR]`: writes the HER2 model's calibration problem (PEtab
//! v1; her2sim_her2::calibration builds it) for `her2sim fit` or any PEtab tool.
//! `her2sim calibration report --fit DIR [--profiles DIR] [-o DIR]`: the credibility report of
//! a fit (every point against the model, validation share within error, parameters).

use std::path::PathBuf;

use her2sim_her2::{calibration, Lab};

#[derive(clap::Args)]
pub struct CalibrationArgs {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Write the calibration problem: model.xml, the PEtab tables, her2_calibration.yaml (the
    /// training data) and her2_validation.yaml (the held-out data, for predictions only).
    Export {
        /// Directory to write (created; a previous export there is replaced).
        #[arg(
            short = 'o',
            long = "out",
            default_value = "her2sim-calibration-problem"
        )]
        out: PathBuf,
        /// Print the counts as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The credibility report of a fit of the calibration problem: index.html, points.csv,
    /// experiments.csv, parameters.csv, and fitted_parameters.tsv (copy it to
    /// models/her2/fitted_parameters.tsv to adopt the fit in the laboratory).
    Report {
        /// The `her2sim fit` output directory (its parameters.tsv is read).
        #[arg(long)]
        fit: PathBuf,
        /// A `her2sim profile` output directory (its profiles.csv gives the 95 % intervals);
        /// repeat it to combine profile runs of different parameters.
        #[arg(long)]
        profiles: Vec<PathBuf>,
        /// Report directory.
        #[arg(short = 'o', long = "out", default_value = "her2sim-calibration")]
        out: PathBuf,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: CalibrationArgs) -> anyhow::Result<()> {
    match args.action {
        Action::Export { out, json } => {
            let lab = Lab::builtin()?;
            let problem = calibration::build(&lab).map_err(anyhow::Error::msg)?;
            let files: Vec<(&str, &[u8])> = problem
                .files
                .iter()
                .map(|(n, c)| (n.as_str(), c.as_bytes()))
                .collect();
            her2sim_files::write_report_dir(&out, &files)?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "directory": out.display().to_string(),
                        "training_points": problem.training_points,
                        "validation_points": problem.validation_points,
                        "files": problem.files.iter().map(|(n, _)| n).collect::<Vec<_>>(),
                    })
                );
            } else {
                println!(
                    "wrote {} ({} training and {} validation points); fit with: her2sim fit {}",
                    out.display(),
                    problem.training_points,
                    problem.validation_points,
                    out.join("her2_calibration.yaml").display()
                );
            }
            Ok(())
        }
        Action::Report {
            fit,
            profiles,
            out,
            json,
        } => {
            her2sim_files::check_report_dir(&out)?;
            let lab = Lab::builtin()?;
            let intervals = if profiles.is_empty() {
                None
            } else {
                let files: Vec<PathBuf> = profiles.iter().map(|d| d.join("profiles.csv")).collect();
                Some(calibration::report::read_profile_files(&files).map_err(anyhow::Error::msg)?)
            };
            let report =
                calibration::report::report(&lab, &fit.join("parameters.tsv"), intervals.as_ref())
                    .map_err(anyhow::Error::msg)?;
            let files: Vec<(&str, &[u8])> = report
                .files
                .iter()
                .map(|(n, c)| (n.as_str(), c.as_bytes()))
                .collect();
            her2sim_files::write_report_dir(&out, &files)?;
            let s = &report.summary;
            if json {
                println!("{}", serde_json::to_string(s)?);
            } else {
                println!(
                    "{} training points (RMSE {:.3}), {} validation points (RMSE {:.3}): {:.0} % of validation points within 1 SD ({:.3}), {:.0} % within 2 SD",
                    s.training_points,
                    s.training_rmse,
                    s.validation_points,
                    s.validation_rmse,
                    100.0 * s.validation_within_1sd,
                    s.sd_gr,
                    100.0 * s.validation_within_2sd
                );
                println!("report: {}", out.join("index.html").display());
            }
            Ok(())
        }
    }
}
