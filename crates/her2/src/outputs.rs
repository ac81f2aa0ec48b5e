//! What a study produces besides its numbers: the HER2-high / HER2-low grouping used for
//! ranking, the report's files (HTML and tidy CSVs), the methods text, and the JSON contracts
//! of `predict` and the ranked summary. Front ends (CLI, web, Python) call these; none
//! re-implements them.

use her2sim_engine::DeterminedBy;

use crate::lab::{Lab, Prediction, READOUTS};
use crate::report;
use crate::study::StudyResults;

/// Which conditions a study's ranking averages over, and its HER2-low reference.
#[derive(Debug, Clone, PartialEq)]
pub struct Groups {
    /// Per condition: HER2-amplified (>= 2e5 HER2 per cell) without modifiers.
    pub her2_high: Vec<bool>,
    /// The unmodified condition with the fewest HER2, if any is HER2-low.
    pub her2_low: Option<usize>,
}

/// HER2-amplified conditions (no modifiers, >= 2e5 HER2 per cell) and the HER2-low reference
/// (the unmodified condition with the fewest HER2).
pub fn groups(lab: &Lab, r: &StudyResults) -> Groups {
    let her2 = |c: usize| {
        lab.catalogue()
            .cell_line(&r.conditions[c].cell_line)
            .ok()
            .and_then(crate::panel::gene_copies)
            .map_or(f64::NAN, |(per_cell, _)| per_cell)
    };
    let plain: Vec<usize> = (0..r.conditions.len())
        .filter(|&c| r.conditions[c].modifiers.is_empty())
        .collect();
    let mut high: Vec<bool> = (0..r.conditions.len())
        .map(|c| r.conditions[c].modifiers.is_empty() && her2(c) >= 2e5)
        .collect();
    if !high.iter().any(|h| *h) {
        // A study without HER2-high lines ranks over all its conditions.
        high = vec![true; r.conditions.len()];
    }
    let low = plain
        .iter()
        .copied()
        .filter(|&c| her2(c) < 2e5)
        .min_by(|&a, &b| her2(a).total_cmp(&her2(b)));
    Groups {
        her2_high: high,
        her2_low: low,
    }
}

/// The report directory's files: `index.html` and the tidy CSVs.
pub fn report_files(lab: &Lab, r: &StudyResults, g: &Groups) -> Vec<(&'static str, String)> {
    let html = report::build(r, &g.her2_high, g.her2_low, &about_model(lab)).to_html();
    vec![
        ("index.html", html),
        ("predictions.csv", report::predictions_csv(r)),
        ("time_courses.csv", report::time_courses_csv(r)),
        ("dose_response.csv", report::dose_response_csv(r)),
        ("synergy.csv", report::synergy_csv(r)),
    ]
}

/// The ranked summary as JSON rows: treatment, mean viable cells over HER2-high conditions and
/// in the HER2-low reference (relative to untreated), best first.
pub fn ranking_json(r: &StudyResults, g: &Groups) -> Vec<serde_json::Value> {
    let v = READOUTS
        .iter()
        .position(|(n, _)| *n == "viable_cells")
        .unwrap_or(0);
    report::ranking(r, &g.her2_high)
        .iter()
        .map(|&(t, viable)| {
            serde_json::json!({
                "treatment": r.treatments[t],
                "viable_cells_her2_high": json_number(viable),
                "viable_cells_her2_low": g.her2_low.map(|l| json_number(r.predictions[l][t].relative[v])),
            })
        })
        .collect()
}

/// The `predict` contract object: fields in a fixed order, each read-out relative to
/// untreated (null where the untreated value is below its floor: see
/// `lab::READOUT_FLOORS`), then `gr_value` and `absolute` (treated and untreated values).
pub fn prediction_json(p: &Prediction) -> serde_json::Value {
    let mut o = serde_json::Map::new();
    o.insert("cell_line".into(), p.condition.cell_line.clone().into());
    o.insert("modifiers".into(), p.condition.modifiers.clone().into());
    o.insert("treatment".into(), p.treatment.clone().into());
    o.insert("days".into(), p.days.into());
    let mut absolute = serde_json::Map::new();
    for (i, (name, _)) in READOUTS.iter().enumerate() {
        o.insert((*name).into(), json_number(p.relative[i]));
        absolute.insert(
            (*name).into(),
            serde_json::json!({
                "treated": json_number(p.treated[i]),
                "untreated": json_number(p.untreated[i]),
                "below_floor": p.untreated[i].abs() < crate::lab::READOUT_FLOORS[i],
            }),
        );
    }
    o.insert("gr_value".into(), json_number(p.gr_value));
    o.insert("absolute".into(), absolute.into());
    serde_json::Value::Object(o)
}

/// A dose-response result as `her2sim dose-response --json` and the web API report it: the
/// Hill fit of the read-out, the points (with each dose's GR value), the GR metrics and the
/// context. Err when the fit failed.
pub fn dose_response_json(
    d: &crate::study::DoseResponseResult,
    days: f64,
) -> Result<serde_json::Value, String> {
    let f = d.fit.as_ref().map_err(|e| format!("{}: {e}", d.strategy))?;
    let points: Vec<serde_json::Value> = d
        .doses
        .iter()
        .zip(&d.doses_nm)
        .zip(d.responses.iter().zip(&d.gr.values))
        .map(|((q, nm), (y, gr))| {
            serde_json::json!({
                "dose": q.to_string(), "nM": nm, "response": json_number(*y), "gr": json_number(*gr),
            })
        })
        .collect();
    let mut out = hill_fit_json(f);
    if let Some(o) = out.as_object_mut() {
        let context = serde_json::json!({
            "cell_line": d.condition.cell_line, "modifiers": d.condition.modifiers,
            "treatment": d.strategy, "readout": d.readout, "days": days,
            "points": points, "ic50_unit": "nM",
            "gr50_nm": json_number(d.gr.gr50_nm), "gr_max": json_number(d.gr.gr_max),
        });
        if let serde_json::Value::Object(c) = context {
            o.extend(c);
        }
    }
    Ok(out)
}

/// A simulated combination as `her2sim combo --json` and `/api/combo` report it: the
/// context (condition, treatments, read-out, days), the dose matrix and its responses, and
/// each synergy model's scores (see [`synergy_json`]). Err when no model could score it.
pub fn combination_json(
    c: &crate::study::CombinationResult,
    days: f64,
) -> Result<serde_json::Value, String> {
    let mut out = serde_json::Map::new();
    out.insert("cell_line".into(), c.condition.cell_line.clone().into());
    out.insert("modifiers".into(), c.condition.modifiers.clone().into());
    out.insert("treatments".into(), c.strategies.to_vec().into());
    out.insert("readout".into(), c.readout.into());
    out.insert("days".into(), days.into());
    out.insert(
        "doses_nM".into(),
        serde_json::json!([c.doses_nm[0], c.doses_nm[1]]),
    );
    out.insert("response".into(), serde_json::json!(c.response));
    let failures = synergy_json(&c.scores, &mut out);
    if failures.len() == c.scores.len() {
        return Err(format!(
            "{}: no synergy model could score the matrix: {}",
            c.condition.label(),
            failures.join("; ")
        ));
    }
    Ok(serde_json::Value::Object(out))
}

/// JSON has no NaN: an undefined number becomes null.
pub fn json_number(x: f64) -> serde_json::Value {
    serde_json::Number::from_f64(x).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// The synergy part of the combination JSON (`her2sim combo --json`, `/api/combo`): each
/// model's `{"score", "cells": [[dose_a, dose_b, score], ...]}`, or `{"error"}` when it
/// cannot score the matrix, under its lower-case name in `out`. Returns the failures as
/// "name: reason"; the caller decides whether none scoring is an error.
pub fn synergy_json(
    scores: &[(&str, Result<her2sim_analysis::synergy::Scores, String>)],
    out: &mut serde_json::Map<String, serde_json::Value>,
) -> Vec<String> {
    let mut failures = Vec::new();
    for (name, s) in scores {
        let key = name.to_lowercase();
        match s {
            Ok(s) => {
                out.insert(
                    key,
                    serde_json::json!({
                        "score": s.summary,
                        "cells": s.cells.iter().map(|c| [c.0, c.1, c.2]).collect::<Vec<_>>(),
                    }),
                );
            }
            Err(e) => {
                failures.push(format!("{key}: {e}"));
                out.insert(key, serde_json::json!({ "error": e }));
            }
        }
    }
    failures
}

/// A Hill fit as `her2sim dose-response --json` reports it (IC50 in the dose unit of the
/// fitted data; NaN bounds of undetermined intervals as null). The one shape shared by the
/// CLI, the Python package and the web API.
pub fn hill_fit_json(f: &her2sim_analysis::hill::HillFit) -> serde_json::Value {
    let ci = |c: (f64, f64)| serde_json::json!([json_number(c.0), json_number(c.1)]);
    serde_json::json!({
        "n": f.n,
        "ic50": json_number(f.ic50), "ic50_ci": ci(f.ic50_ci),
        "hill": json_number(f.hill), "hill_ci": ci(f.hill_ci),
        "e0": json_number(f.e0), "e0_ci": ci(f.e0_ci),
        "emax": json_number(f.emax), "emax_ci": ci(f.emax_ci),
        "r_squared": json_number(f.r_squared),
    })
}

/// The methods text of a report: what the built-in model holds and how conditions and
/// treatments reach it.
pub fn about_model(lab: &Lab) -> String {
    let sim = lab.simulator();
    let species = sim.species().len();
    let (params, computed) =
        sim.parameters()
            .iter()
            .filter(|p| !p.local)
            .fold((0, 0), |(k, r), p| match p.determined_by {
                DeterminedBy::Constant => (k + 1, r),
                _ => (k, r + 1),
            });
    format!(
        "The built-in HER2 network model (models/her2/her2_network.xml, SBML Level 3; {species} species, {} reactions, {params} parameters and {computed} read-outs computed by rules): \
         HER2 gene copies, transcription and translation; HSP90 chaperoning; EGF and heregulin binding; EGFR/HER2/HER3 homo- and heterodimers with \
         phosphorylation, internalisation, recycling and degradation; p95HER2; PI3K -> PIP3 (PTEN) -> AKT -> mTORC1/S6K and SOS -> RAS -> RAF -> MEK -> ERK \
         with the AKT -| FOXO -> HER3, ERK -| SOS and S6K -| PI3K feedbacks; proliferation, apoptosis (AKT survival against drug damage), migration and \
         cell number. Every parameter's source or the reason it was assumed is in docs/her2_model.md; drug potencies, doses and cell-line receptor numbers \
         come from the sourced catalogue (models/her2/strategies.toml, cell_lines.toml) and reach the model through models/her2/actions.toml. \
         Cell lines differ by HER2 gene dose (from HER2 per cell) and, for oestrogen-receptor-driven HER2-low lines, a HER2-independent growth drive. \
         Each condition starts from its untreated steady state; drugs are held at constant concentration (in vitro).",
        sim.reactions().len()
    )
}
