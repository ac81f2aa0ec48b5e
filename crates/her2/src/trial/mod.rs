//! The clinical layer's inputs (issue 12): regimens written the way protocols write them
//! ([`regimen`]: `"trastuzumab 8 mg/kg load then 6 mg/kg q3w"`, expanded into dose events
//! for a patient's weight and body-surface area), the `TRIAL.toml` contract describing a
//! virtual trial and its arms ([`file`]), and RECIST 1.1 response assessment on a tumour's
//! sum of longest diameters ([`recist`]). Survival statistics live in
//! `her2sim_analysis::survival`.

pub mod file;
pub mod recist;
pub mod regimen;

pub use file::{Arm, Published, Setting, Trial, TrialFileError};
pub use recist::{Outcome, RecistError, Response};
pub use regimen::{DoseEvent, KnownDrugs, Regimen, RegimenError, RegimenItem};
