//! The built-in HER2 network model (`models/her2/her2_network.xml`) run for the catalogue's
//! cell lines, untreated: the first piece of the default study.
//!
//! A cell line enters the model through its HER2 level. HER2 protein tracks gene copy number
//! (r = 0.99 across BT-474, SK-BR-3, MDA-453 and MCF-7, facts.md 1a, sourced), and the model's
//! default of 20 HER2 gene copies gives BT-474's 4.7e5 HER2 per cell, so a line with H HER2
//! per cell gets `her2_gene_copies = 20 · H / 4.7e5`. EGFR and HER3 stay at the model's
//! defaults (their per-line counts are unverified ranges in facts.md).
//!
//! The model starts from BT-474-like receptor levels with signalling off, so each line is
//! first run to its own steady state (`EQUILIBRATION_DAYS`, many HER2 turnover times); the
//! study then starts from that state with the cell number at 1.

use her2sim_engine::{EngineError, Selector, SimOptions, Simulator};
use her2sim_model::SymbolKind;

use crate::CellLine;

/// The model text, shipped inside the binary.
pub const MODEL_SBML: &str = include_str!("../../../models/her2/her2_network.xml");

/// HER2 per cell of the model's default (BT-474, 20 gene copies).
const DEFAULT_HER2_PER_CELL: f64 = 4.7e5;
const DEFAULT_GENE_COPIES: f64 = 20.0;

/// Days of pre-equilibration: HER2 turns over with a half-life of hours, HER3 in minutes.
pub const EQUILIBRATION_DAYS: f64 = 20.0;

/// Overrides that start the model from its steady state under `base` (every non-constant
/// species at its value after `EQUILIBRATION_DAYS`).
pub fn steady_state(
    sim: &Simulator,
    base: &[(Selector, f64)],
) -> Result<Vec<(Selector, f64)>, EngineError> {
    let species: Vec<&str> = sim
        .compiled()
        .model
        .symbols
        .iter()
        .filter(|s| !s.constant && matches!(s.kind, SymbolKind::Species { .. }))
        .map(|s| s.id.as_str())
        .collect();
    let opts = SimOptions {
        duration: EQUILIBRATION_DAYS * 1440.0,
        steps: 1,
        overrides: base.to_vec(),
        ..SimOptions::default()
    };
    let out = sim.simulate(&opts, &species.join(","))?;
    let last = out.rows.last().cloned().unwrap_or_default();
    let mut overrides = base.to_vec();
    for (id, v) in species.iter().zip(last) {
        overrides.push((sim.override_target(id)?, v));
    }
    Ok(overrides)
}

/// Read-outs after a run, and what they are called in the model.
pub const READOUTS: [&str; 6] = [
    "pAKT_fraction",
    "pERK_fraction",
    "proliferation_rate",
    "apoptosis_rate",
    "migration_index",
    "cells",
];

#[derive(Debug, Clone, PartialEq)]
pub struct PanelRow {
    pub cell_line: String,
    pub her2_per_cell: f64,
    pub her2_gene_copies: f64,
    /// Values of [`READOUTS`] at the end of the run.
    pub readouts: [f64; 6],
}

/// The model's `her2_gene_copies` for a cell line (geometric middle of a range if no value).
pub fn gene_copies(line: &CellLine) -> Option<(f64, f64)> {
    let m = &line.her2_per_cell;
    let per_cell = m.value.or_else(|| m.range.map(|[a, b]| (a * b).sqrt()))?;
    Some((
        per_cell,
        DEFAULT_GENE_COPIES * per_cell / DEFAULT_HER2_PER_CELL,
    ))
}

/// Runs the untreated model for each line for `hours`.
pub fn untreated(
    lines: &[CellLine],
    hours: f64,
    progress: impl Fn(&str),
) -> Result<Vec<PanelRow>, EngineError> {
    let sim = Simulator::from_sbml_text(MODEL_SBML)?;
    let target = sim.override_target("her2_gene_copies")?;
    let mut rows = Vec::new();
    for line in lines {
        progress(&line.id);
        let Some((per_cell, copies)) = gene_copies(line) else {
            continue;
        };
        let opts = SimOptions {
            duration: hours * 60.0,
            steps: 1,
            overrides: steady_state(&sim, &[(target, copies)])?,
            ..SimOptions::default()
        };
        let out = sim.simulate(&opts, &READOUTS.join(","))?;
        let last = out.rows.last().cloned().unwrap_or_default();
        let mut readouts = [f64::NAN; 6];
        for (r, v) in readouts.iter_mut().zip(last) {
            *r = v;
        }
        rows.push(PanelRow {
            cell_line: line.id.clone(),
            her2_per_cell: per_cell,
            her2_gene_copies: copies,
            readouts,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalogue;

    /// HER2-amplified lines proliferate faster and signal more than HER2-low MCF-7, and the
    /// default line reproduces the model's BT-474 calibration (20 copies).
    #[test]
    fn her2_level_orders_the_panel() {
        let cat = Catalogue::builtin().unwrap();
        let rows = untreated(cat.cell_lines(), 72.0, |_| {}).unwrap();
        let get = |id: &str| rows.iter().find(|r| r.cell_line == id).unwrap();
        let (bt474, skbr3, mcf7) = (get("bt474"), get("skbr3"), get("mcf7"));
        assert!((bt474.her2_gene_copies - 20.0).abs() < 1e-9);
        for high in [bt474, skbr3] {
            assert!(
                high.readouts[0] > 1.5 * mcf7.readouts[0],
                "pAKT {high:?} vs {mcf7:?}"
            );
            assert!(
                high.readouts[2] > 2.0 * mcf7.readouts[2],
                "proliferation {high:?} vs {mcf7:?}"
            );
            assert!(
                high.readouts[5] > mcf7.readouts[5],
                "cells {high:?} vs {mcf7:?}"
            );
        }
        assert!(
            skbr3.readouts[0] >= bt474.readouts[0],
            "more HER2, no less pAKT"
        );
    }
}
