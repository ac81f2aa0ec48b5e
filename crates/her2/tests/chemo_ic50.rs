//! The DNA-damage agent without laboratory data in the calibration problem (cyclophosphamide,
//! as 4-hydroxycyclophosphamide) takes its potency from one published IC50. (Doxorubicin did
//! too until its GR curves entered the calibration problem, 2026-12-05; its fitted potency is
//! checked in gr_data.rs.) An IC50 is the
//! concentration that halves viable cells against untreated in the stated assay, so the
//! hook's maximal damage rate is set (models/her2/actions.toml) for the lab to reproduce
//! exactly that: at the IC50 (half-maximal damage) MCF-7 cells keep half their viable cells
//! after 72 h. The ignored test finds that damage rate by bisection; the other checks that the
//! shipped actions reproduce the definition.

use her2sim_her2::lab::{Condition, Extras};
use her2sim_her2::Lab;

/// The assay: MCF-7 (the line nearest the sourced IC50's data), 72 h.
const LINE: &str = "mcf7";
const HOURS: f64 = 72.0;

fn relative_viability(lab: &Lab, treatment: &str, extras: &Extras) -> f64 {
    let cond = Condition {
        cell_line: LINE.into(),
        modifiers: vec![],
    };
    let none = lab.treatment("none").unwrap();
    let (base, _) = lab
        .run_with(&cond, &none, HOURS, 1, &Extras::default())
        .unwrap();
    let t = lab.treatment(treatment).unwrap();
    let (run, _) = lab.run_with(&cond, &t, HOURS, 1, extras).unwrap();
    run.last()[0] / base.last()[0]
}

/// Prints the `dna_damage` rate (/min) that halves MCF-7 viable cells in 72 h: the maximal
/// rate of a DNA-damage agent is twice that, so that its IC50 is also its half-maximal
/// concentration.
#[test]
#[ignore]
fn damage_rate_that_halves_viable_cells() {
    let lab = Lab::builtin().unwrap();
    let (mut lo, mut hi) = (1e-7f64, 1e-2f64);
    for _ in 0..60 {
        let mid = (lo * hi).sqrt();
        let extras = Extras {
            set: vec![("dna_damage".into(), mid)],
            ..Extras::default()
        };
        if relative_viability(&lab, "none", &extras) > 0.5 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    println!(
        "dna_damage halving MCF-7 in 72 h: {lo:.4e} /min; max = {:.4e}",
        2.0 * lo
    );
}

#[test]
fn cyclophosphamide_halves_viable_cells_at_its_ic50() {
    let lab = Lab::builtin().unwrap();
    let v = relative_viability(&lab, "cyclophosphamide@57uM", &Extras::default());
    assert!((v - 0.5).abs() < 0.02, "cyclophosphamide@57uM: {v}");
}
