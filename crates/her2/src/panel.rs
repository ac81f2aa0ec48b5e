//! The built-in HER2 network model (`models/her2/her2_network.xml`) and how a catalogue cell
//! line enters it (its HER2 gene dose).
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

use crate::CellLine;

/// The model text, shipped inside the binary.
pub const MODEL_SBML: &str = include_str!("../../../models/her2/her2_network.xml");

/// HER2 per cell of the model's default (BT-474, 20 gene copies).
const DEFAULT_HER2_PER_CELL: f64 = 4.7e5;
const DEFAULT_GENE_COPIES: f64 = 20.0;

/// Days of pre-equilibration: HER2 turns over with a half-life of hours, HER3 in minutes.
pub const EQUILIBRATION_DAYS: f64 = 20.0;

/// The model's `her2_gene_copies` for a cell line (geometric middle of a range if no value).
pub fn gene_copies(line: &CellLine) -> Option<(f64, f64)> {
    let m = &line.her2_per_cell;
    let per_cell = m.value.or_else(|| m.range.map(|[a, b]| (a * b).sqrt()))?;
    Some((
        per_cell,
        DEFAULT_GENE_COPIES * per_cell / DEFAULT_HER2_PER_CELL,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::Lab;
    use crate::Treatment;

    /// HER2-amplified lines signal more than HER2-low MCF-7 untreated, and the default line
    /// reproduces the model's BT-474 calibration (20 copies, 4.7e5 HER2 per cell).
    #[test]
    fn her2_level_orders_the_panel() {
        let lab = Lab::builtin().unwrap();
        let bt474 = lab.catalogue().cell_line("bt474").unwrap();
        assert!((gene_copies(bt474).unwrap().1 - 20.0).abs() < 1e-9);
        let run = |id: &str| {
            let c = lab.condition(id, &[]).unwrap();
            lab.run(&c, &Treatment::none(), 72.0, 1).unwrap().last()
        };
        let (bt, sk, mcf) = (run("bt474"), run("skbr3"), run("mcf7"));
        // READOUTS order: viable_cells, proliferation, apoptosis, pHER2, pHER3, pAKT, ...
        for high in [bt, sk] {
            assert!(high[3] > 10.0 * mcf[3], "pHER2 {high:?} vs {mcf:?}");
        }
        assert!(sk[5] >= bt[5], "more HER2, no less pAKT");
        // HER2 per cell of BT-474 (surface HER2 in nM x 1888 per nM).
        assert!((bt[7] * 1888.0 / 4.7e5 - 1.0).abs() < 0.1, "HER2 {}", bt[7]);
    }
}
