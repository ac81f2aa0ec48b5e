//! The clinical layer's inputs (issue 12): regimens written the way protocols write them
//! ([`regimen`]: `"trastuzumab 8 mg/kg load then 6 mg/kg q3w"`, expanded into dose events
//! for a patient's weight and body-surface area), the `TRIAL.toml` contract describing a
//! virtual trial and its arms ([`file`]), and RECIST 1.1 response assessment on a tumour's
//! sum of longest diameters ([`recist`]). Survival statistics live in
//! `her2sim_analysis::survival`.
//!
//! ```
//! use her2sim_her2::trial::{KnownDrugs, Regimen};
//! use her2sim_her2::Catalogue;
//! let known = KnownDrugs::from_catalogue(&Catalogue::builtin().unwrap());
//! let r = Regimen::parse(&["Herceptin 8 mg/kg load then 6 mg/kg q3w"], &known).unwrap();
//! let doses = r.expand(70.0, 1.8, 6.0 * 168.0).unwrap(); // 70 kg, 1.8 m2, six weeks
//! let mg: Vec<f64> = doses.iter().map(|d| d.amount_mg).collect();
//! assert_eq!(mg, vec![560.0, 420.0]);
//! assert_eq!(doses[1].time_h, 504.0);
//! ```

pub mod drugs;
pub mod file;
pub mod output;
pub mod patients;
pub mod poppk;
mod poppk_numeric;
pub mod recist;
pub mod regimen;
pub mod response;
pub mod rng;
pub mod run;
pub mod subgroup_report;
pub mod subgroups;
pub mod tumour;
pub mod validation;

pub use drugs::KnownDrugs;
pub use file::{Arm, Published, Purpose, Setting, Trial, TrialFileError};
pub use recist::{Outcome, RecistError, Response};
pub use regimen::{DoseEvent, Regimen, RegimenError, RegimenItem};
pub use run::{run, ArmResult, Prepared, TrialResult};

use crate::Lab;

/// Why a trial could not be simulated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrialError {
    #[error("{arm}: no population PK for {drug:?} in models/her2/popPK.toml (agents with a model: {known}); the trial cannot give it")]
    NoPk {
        arm: String,
        drug: String,
        known: String,
    },
    #[error("models/her2/popPK.toml: {0}")]
    PopPk(String),
    #[error("laboratory: {what}: {reason}")]
    Lab { what: String, reason: String },
    #[error("regimen: {0}")]
    Regimen(String),
    #[error("pharmacokinetics of {drug}: {reason}")]
    Pk { drug: String, reason: String },
    #[error("survival analysis: {0}")]
    Survival(String),
    #[error("{0}")]
    Invalid(String),
}

/// Reads a trial file and runs it ([`run_trial`]): what `her2sim trial` and Python's
/// `her2sim.trial` share. Errors start with the file's name.
pub fn run_file(
    path: &std::path::Path,
    patients: Option<u32>,
    seed: Option<u64>,
    lab: &Lab,
    progress: &(dyn Fn(&Trial) + Sync),
    per_patient: &(dyn Fn() + Sync),
) -> Result<TrialResult, String> {
    let known = KnownDrugs::from_catalogue(lab.catalogue());
    let t = Trial::read(path, &known).map_err(|e| e.to_string())?;
    run_trial(t, patients, seed, lab, progress, per_patient)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Runs a trial with the built-in population PK, its patient count and seed replaced where
/// given (`progress` sees the trial as it will run, `per_patient` ticks once per patient).
pub fn run_trial(
    mut t: Trial,
    patients: Option<u32>,
    seed: Option<u64>,
    lab: &Lab,
    progress: &(dyn Fn(&Trial) + Sync),
    per_patient: &(dyn Fn() + Sync),
) -> Result<TrialResult, String> {
    let pk = poppk::PopPk::builtin()?;
    if let Some(n) = patients {
        let max = file::MAX_PATIENTS;
        if !(1..=max).contains(&i64::from(n)) {
            return Err(format!(
                "patients = {n}: expected 1 to {max} patients per arm"
            ));
        }
        t.patients = n;
    }
    if let Some(s) = seed {
        t.seed = s;
    }
    progress(&t);
    run(&t, lab, &pk, per_patient).map_err(|e| e.to_string())
}
