//! `her2sim calibration export [-o DIR]`: writes the HER2 model's calibration problem (PEtab
//! v1; her2sim_her2::calibration builds it) for `her2sim fit` or any PEtab tool.

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
    }
}
