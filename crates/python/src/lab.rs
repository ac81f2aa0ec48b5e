//! The HER2 laboratory from Python: `predict` (the JSON contract of `her2sim predict --json`),
//! simulated dose-response series and combination matrices, and studies (a file, a dict, or the
//! default study). Each calls the `her2sim_her2` functions the CLI calls; tables are the report's
//! tidy CSVs (`her2sim_her2::report`), so their columns match the report directory's files. The
//! built-in laboratory is loaded once per process and shared (its steady-state cache too).

use std::path::PathBuf;
use std::sync::OnceLock;

use pyo3::prelude::*;
use pyo3::types::PyList;

use her2sim_her2::outputs;
use her2sim_her2::study::{CombinationSpec, DoseResponseSpec, Study, StudyFile, StudyResults};
use her2sim_her2::{report, Condition, Lab, Quantity, READOUTS};

use crate::error;
use crate::table::Table;

static LAB: OnceLock<Lab> = OnceLock::new();

/// Tables by name, as handed to Python.
type NamedTables<'py> = Vec<(String, Bound<'py, PyList>)>;

/// The built-in laboratory, loaded on first use.
pub(crate) fn lab() -> Result<&'static Lab, String> {
    if let Some(lab) = LAB.get() {
        return Ok(lab);
    }
    let built = Lab::builtin().map_err(|e| e.to_string())?;
    // Two threads may both build it; the first one stored is kept.
    let _ = LAB.set(built);
    LAB.get()
        .ok_or_else(|| "the HER2 laboratory could not be loaded".to_string())
}

fn check_days(days: f64) -> Result<(), String> {
    if days.is_finite() && days > 0.0 {
        Ok(())
    } else {
        Err(format!("days must be a positive number, got {days}"))
    }
}

/// One cell line (with resistance modifiers) under one treatment after `days`: the JSON
/// object of `her2sim predict --json`.
#[pyfunction]
#[pyo3(signature = (cell_line, treatment, days, modifiers))]
pub fn predict(
    py: Python<'_>,
    cell_line: String,
    treatment: String,
    days: f64,
    modifiers: Vec<String>,
) -> PyResult<String> {
    py.detach(move || -> Result<String, String> {
        check_days(days)?;
        let lab = lab()?;
        let err = |e: her2sim_her2::LabError| e.to_string();
        let cond = lab.condition(&cell_line, &modifiers).map_err(err)?;
        let t = lab.treatment(&treatment).map_err(err)?;
        let p = lab.predict(&cond, &t, days).map_err(err)?;
        Ok(outputs::prediction_json(&p).to_string())
    })
    .map_err(error)
}

/// What a simulated dose series needs: the condition, a readout index, and the series.
struct Series {
    lab: &'static Lab,
    condition: Condition,
    readout: usize,
    doses: Vec<Vec<Quantity>>,
}

/// Checks the arguments shared by `dose_response` and `combo` (as the CLI's `--cell-line`,
/// `--modifier`, `--doses`, `--readout`, `--days` are checked).
fn series(
    cell_line: &str,
    modifiers: &[String],
    doses: &[String],
    readout: &str,
    days: f64,
) -> Result<Series, String> {
    check_days(days)?;
    let readout_index = READOUTS
        .iter()
        .position(|(n, _)| *n == readout)
        .ok_or_else(|| {
            let known: Vec<&str> = READOUTS.iter().map(|(n, _)| *n).collect();
            format!("readout {readout:?}: unknown; known: {}", known.join(", "))
        })?;
    let mut out = Vec::new();
    for d in doses {
        let s =
            her2sim_her2::units::parse_dose_series(d).map_err(|e| format!("doses {d:?}: {e}"))?;
        // Zero is the untreated control, which every series and matrix adds itself.
        if s.iter().any(|q| q.value == 0.0) {
            return Err(format!(
                "doses {d:?}: give positive doses (the untreated control is added automatically)"
            ));
        }
        out.push(s);
    }
    let lab = lab()?;
    let condition = lab
        .condition(cell_line, modifiers)
        .map_err(|e| e.to_string())?;
    Ok(Series {
        lab,
        condition,
        readout: readout_index,
        doses: out,
    })
}

/// A study holding only dose series or matrices.
fn series_study(
    days: f64,
    dose_responses: Vec<DoseResponseSpec>,
    combinations: Vec<CombinationSpec>,
) -> Study {
    Study {
        name: "dose series".into(),
        description: String::new(),
        days,
        samples: 1,
        conditions: Vec::new(),
        treatments: Vec::new(),
        dose_responses,
        combinations,
    }
}

/// The strategy id of a name or alias.
fn strategy(lab: &Lab, name: &str) -> Result<String, String> {
    Ok(lab
        .catalogue()
        .strategy(name)
        .map_err(|e| e.to_string())?
        .id
        .clone())
}

/// A Hill fit as `her2sim dose-response --json` reports it, or `{"error": ...}`.
fn fit_json(fit: &Result<her2sim_analysis::hill::HillFit, String>) -> serde_json::Value {
    match fit {
        Ok(f) => {
            let mut out = outputs::hill_fit_json(f);
            if let Some(o) = out.as_object_mut() {
                o.insert("ic50_unit".into(), "nM".into());
            }
            out
        }
        Err(e) => serde_json::json!({ "error": e }),
    }
}

/// A dose series of one strategy simulated on one condition, with its Hill fit: the rows of
/// the report's `dose_response.csv`, and the fit as JSON.
#[pyfunction]
#[pyo3(signature = (cell_line, treatment, doses, readout, days, modifiers))]
pub fn dose_response<'py>(
    py: Python<'py>,
    cell_line: String,
    treatment: String,
    doses: String,
    readout: String,
    days: f64,
    modifiers: Vec<String>,
) -> PyResult<(Bound<'py, PyList>, String)> {
    let (table, fit) = py
        .detach(move || -> Result<(Table, String), String> {
            let s = series(&cell_line, &modifiers, &[doses], &readout, days)?;
            let spec = DoseResponseSpec {
                condition: s.condition,
                strategy: strategy(s.lab, &treatment)?,
                doses: s.doses.into_iter().next().unwrap_or_default(),
                readout: s.readout,
            };
            let results = series_study(days, vec![spec], Vec::new())
                .run(s.lab, &|| {})
                .map_err(|e| e.to_string())?;
            let fit = results
                .dose_responses
                .first()
                .map_or(serde_json::Value::Null, |d| fit_json(&d.fit));
            let table = Table::from_csv(&report::dose_response_csv(&results), "dose_response")?;
            Ok((table, fit.to_string()))
        })
        .map_err(error)?;
    Ok((table.into_py(py)?, fit))
}

/// A dose matrix of two strategies simulated on one condition (each series plus the untreated
/// edge), scored for synergy: the rows of the report's `synergy.csv`, and the summary score of
/// each model (HSA, Bliss, Loewe, ZIP) as JSON (`{"error": ...}` where one cannot score it).
#[pyfunction]
#[pyo3(signature = (cell_line, treatments, doses, readout, days, modifiers))]
pub fn combo<'py>(
    py: Python<'py>,
    cell_line: String,
    treatments: Vec<String>,
    doses: Vec<String>,
    readout: String,
    days: f64,
    modifiers: Vec<String>,
) -> PyResult<(Bound<'py, PyList>, String)> {
    let (table, scores) = py
        .detach(move || -> Result<(Table, String), String> {
            let [a, b] = treatments.as_slice() else {
                return Err(format!(
                    "treatments: give exactly two strategies for a combination matrix, got {}",
                    treatments.len()
                ));
            };
            if doses.len() != 2 {
                return Err(format!(
                    "doses: give 2 series (one per treatment), got {}",
                    doses.len()
                ));
            }
            let s = series(&cell_line, &modifiers, &doses, &readout, days)?;
            let mut it = s.doses.into_iter();
            let spec = CombinationSpec {
                condition: s.condition,
                strategies: [strategy(s.lab, a)?, strategy(s.lab, b)?],
                doses: [it.next().unwrap_or_default(), it.next().unwrap_or_default()],
                readout: s.readout,
            };
            let results = series_study(days, Vec::new(), vec![spec])
                .run(s.lab, &|| {})
                .map_err(|e| e.to_string())?;
            // Each model's summary score (or its error), from the shared synergy JSON.
            let mut full = serde_json::Map::new();
            if let Some(c) = results.combinations.first() {
                outputs::synergy_json(&c.scores, &mut full);
            }
            let scores: serde_json::Map<String, serde_json::Value> = full
                .into_iter()
                .map(|(name, v)| {
                    let score = v.get("score").cloned();
                    (name, score.unwrap_or(v))
                })
                .collect();
            let table = Table::from_csv(&report::synergy_csv(&results), "synergy")?;
            Ok((table, serde_json::Value::Object(scores).to_string()))
        })
        .map_err(error)?;
    Ok((table.into_py(py)?, scores))
}

/// Runs a study: from a study file (`path`), from the JSON of a study-file dict (`json`), or
/// the default study (neither). Returns the summary as JSON (name, description, days,
/// ranking, report path) and the report's tables by name; with `out`, also writes the report
/// directory there (refused before running if it would replace anything but a report).
#[pyfunction]
#[pyo3(signature = (path, json, out))]
pub fn study<'py>(
    py: Python<'py>,
    path: Option<PathBuf>,
    json: Option<String>,
    out: Option<PathBuf>,
) -> PyResult<(String, NamedTables<'py>)> {
    let (summary, tables) = py
        .detach(move || -> Result<(String, Vec<(String, Table)>), String> {
            let lab = lab()?;
            let study = match (&path, &json) {
                (Some(p), _) => {
                    let name = p.display().to_string();
                    let text = her2sim_files::read_text(p, her2sim_files::DEFAULT_INPUT_LIMIT)
                        .map_err(|e| e.to_string())?;
                    Study::from_toml(&text, &name, lab)
                }
                (None, Some(j)) => {
                    let f: StudyFile =
                        serde_json::from_str(j).map_err(|e| format!("study: {e}"))?;
                    Study::from_file(f, lab)
                        .map_err(|e| her2sim_her2::LabError::Invalid(format!("study: {e}")))
                }
                (None, None) => Study::default_study(lab),
            }
            .map_err(|e| e.to_string())?;
            if let Some(o) = &out {
                her2sim_files::check_report_dir(o).map_err(|e| e.to_string())?;
            }
            let results = study.run(lab, &|| {}).map_err(|e| e.to_string())?;
            summarise(lab, &results, out.as_ref())
        })
        .map_err(error)?;
    let tables = tables
        .into_iter()
        .map(|(n, t)| Ok((n, t.into_py(py)?)))
        .collect::<PyResult<Vec<_>>>()?;
    Ok((summary, tables))
}

/// The summary JSON and the tables of a study's results; writes the report to `out`.
fn summarise(
    lab: &Lab,
    results: &StudyResults,
    out: Option<&PathBuf>,
) -> Result<(String, Vec<(String, Table)>), String> {
    let groups = outputs::groups(lab, results);
    let files = outputs::report_files(lab, results, &groups);
    if let Some(o) = out {
        let bytes: Vec<(&str, &[u8])> = files.iter().map(|(n, t)| (*n, t.as_bytes())).collect();
        her2sim_files::write_report_dir(o, &bytes).map_err(|e| e.to_string())?;
    }
    let mut tables = Vec::new();
    for (name, text) in &files {
        if let Some(stem) = name.strip_suffix(".csv") {
            tables.push((stem.to_string(), Table::from_csv(text, name)?));
        }
    }
    let summary = serde_json::json!({
        "study": results.name,
        "description": results.description,
        "days": results.days,
        "report": out.map(|o| o.join("index.html").display().to_string()),
        "ranking": outputs::ranking_json(results, &groups),
    });
    Ok((summary.to_string(), tables))
}
