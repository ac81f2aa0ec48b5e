//! The chemotherapy-resistant clone (trial/patients.rs `CHEMO_RESISTANT_CLONE`,
//! `chemo_resistant_minor_fraction`): cells of the tumour's dominant genotype on which the
//! regimen's cytotoxics do nothing. Without it a patient sensitive to a chemotherapy given
//! until progression never progressed (Geyer 2006's capecitabine arm: median duration of
//! response not reached, against 8.1 months for capecitabine monotherapy in Blum 1999).

use std::sync::Arc;

use her2sim_her2::trial::patients::{Patient, CHEMO_RESISTANT_CLONE};
use her2sim_her2::trial::poppk::PopPk;
use her2sim_her2::trial::response::Surface;
use her2sim_her2::trial::tumour::{conditions, ArmModel, COARSE_H, FINE_H};
use her2sim_her2::trial::{KnownDrugs, Regimen};
use her2sim_her2::Lab;

/// One BT-474 tumour, all parental but for `share` of chemotherapy-resistant cells, under
/// trastuzumab alone, capecitabine alone and both, for three years.
#[test]
fn resistant_cells_end_a_chemotherapy_response_and_change_nothing_without_chemotherapy() {
    let lab = Lab::builtin().unwrap();
    let pk = PopPk::builtin().unwrap();
    let pop = pk.population.numbers().unwrap();
    let known = KnownDrugs::from_catalogue(lab.catalogue());
    let drugs = vec!["trastuzumab".to_string(), "capecitabine".to_string()];
    let surface = Arc::new(
        Surface::build(&lab, &drugs, &[60.0, 20.0], &conditions(&["bt474"], 0.0)).unwrap(),
    );
    let model = |items: &[&str]| ArmModel {
        regimen: Regimen::parse(items, &known).unwrap(),
        agents: vec![
            pk.agent("trastuzumab").cloned().unwrap(),
            pk.agent("capecitabine").cloned().unwrap(),
        ],
        surface: surface.clone(),
        groups: vec![0, 1],
        effect_multiplier: pop.effect_multiplier,
        coarse_h: COARSE_H,
    };
    let h = model(&["trastuzumab 8 mg/kg load then 6 mg/kg q3w"]);
    let cape = model(&["capecitabine 1250 mg/m2 bid days 1-14 of 21"]);
    let weeks: Vec<f64> = (0..=156).map(f64::from).collect();
    let mut p = Patient::draw(4, 0, &pop, false, 1);
    p.cell_line = "bt474";
    p.doubling_time_h = 32.0 * 24.0;
    p.baseline_sld_mm = 60.0;
    // Sensitive to capecitabine; trastuzumab alone slows the tumour without shrinking it.
    p.sensitivity = [0.3, 4.0, 1.0];
    let with_share = |share: f64| {
        let mut q = p.clone();
        q.clones = [0.0; 7];
        q.clones[0] = 1.0 - share;
        q.clones[CHEMO_RESISTANT_CLONE] = share;
        q
    };
    // Without chemotherapy the resistant cells are the dominant clone's cells.
    let a = h.simulate(&with_share(0.0), &pop, &weeks).unwrap().sld_mm;
    let b = h.simulate(&with_share(1e-3), &pop, &weeks).unwrap().sld_mm;
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() <= 1e-9 * x.max(1.0), "{x} vs {y}");
    }
    // Progression (RECIST: 20 % over the nadir) week of a course, if any.
    let progression = |sld: &[f64]| {
        let mut nadir = sld[0];
        for (w, s) in sld.iter().enumerate() {
            if *s >= 1.2 * nadir && *s - nadir >= 5.0 {
                return Some(w);
            }
            nadir = nadir.min(*s);
        }
        None
    };
    let none = cape
        .simulate(&with_share(0.0), &pop, &weeks)
        .unwrap()
        .sld_mm;
    assert!(
        none[12] < 0.7 * none[0],
        "a partial response by week 12: {}",
        none[12]
    );
    assert_eq!(
        progression(&none),
        None,
        "without resistant cells: {none:?}"
    );
    let mut previous = usize::MAX;
    for share in [1e-6, 1e-4, 1e-2] {
        let c = cape
            .simulate(&with_share(share), &pop, &weeks)
            .unwrap()
            .sld_mm;
        let w = progression(&c).unwrap_or(usize::MAX);
        assert!(
            w < usize::MAX,
            "share {share}: no progression in three years"
        );
        assert!(
            w < previous,
            "share {share}: progression at week {w}, not before {previous}"
        );
        previous = w;
    }
    // On capecitabine the resistant cells grow as untreated cells: a tumour made only of
    // them follows the untreated course. Fine steps throughout, so that both courses take
    // the same steps (capecitabine's doses bring fine steps).
    let fine = |items: &[&str]| ArmModel {
        coarse_h: FINE_H,
        ..model(items)
    };
    let untreated = fine(&["capecitabine 1250 mg/m2 bid days 1-14 of 21 from week 1000"]);
    let all = fine(&["capecitabine 1250 mg/m2 bid days 1-14 of 21"])
        .simulate(&with_share(1.0), &pop, &weeks)
        .unwrap()
        .sld_mm;
    let free = untreated
        .simulate(&with_share(1.0), &pop, &weeks)
        .unwrap()
        .sld_mm;
    for (x, y) in all.iter().zip(&free) {
        assert!((x - y).abs() <= 1e-9 * x, "{x} vs {y}");
    }
    // With trastuzumab they are held back as the parental cells are by trastuzumab alone.
    let both = fine(&[
        "trastuzumab 8 mg/kg load then 6 mg/kg q3w",
        "capecitabine 1250 mg/m2 bid days 1-14 of 21",
    ]);
    let held = both
        .simulate(&with_share(1.0), &pop, &weeks)
        .unwrap()
        .sld_mm;
    let alone = fine(&["trastuzumab 8 mg/kg load then 6 mg/kg q3w"])
        .simulate(&with_share(1.0), &pop, &weeks)
        .unwrap()
        .sld_mm;
    for (x, y) in held.iter().zip(&alone) {
        assert!((x - y).abs() <= 1e-9 * x, "{x} vs {y}");
    }
}
