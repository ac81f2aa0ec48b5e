//! Virtual clinical trials from Python: `her2sim.trial(path, patients, seed, out)` runs a
//! `TRIAL.toml` as `her2sim trial` does (`her2sim_her2::trial::run_file`) and returns its
//! `--json` summary; with `out`, writes the same report directory.

use std::path::PathBuf;

use pyo3::prelude::*;

use her2sim_her2::trial::{output, run_file};

use crate::error;

/// Runs a trial file; returns the JSON summary as text.
#[pyfunction]
#[pyo3(signature = (path, patients, seed, out))]
pub fn trial(
    py: Python<'_>,
    path: PathBuf,
    patients: Option<u32>,
    seed: Option<u64>,
    out: Option<PathBuf>,
) -> PyResult<String> {
    py.detach(move || -> Result<String, String> {
        if let Some(o) = &out {
            her2sim_files::check_report_dir(o).map_err(|e| e.to_string())?;
        }
        let lab = crate::lab::lab()?;
        let result = run_file(&path, patients, seed, lab, &|_| {}, &|| {})?;
        if let Some(o) = &out {
            let files = output::report_files(&result);
            let files: Vec<(&str, &[u8])> = files.iter().map(|(n, s)| (*n, s.as_bytes())).collect();
            her2sim_files::write_report_dir(o, &files).map_err(|e| e.to_string())?;
        }
        Ok(output::json(&result).to_string())
    })
    .map_err(error)
}
