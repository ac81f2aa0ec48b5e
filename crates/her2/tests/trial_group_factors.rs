//! The population's factors on a drug group's in-vivo effect (`targeted_effect_factor`,
//! `adc_effect_factor`; 1 in the shipped population) act exactly as a patient's sensitivity
//! to that group scaled by the same factor, and leave the other groups alone.

use std::sync::Arc;

use her2sim_her2::trial::patients::{Patient, ADC_GROUP, TARGETED_GROUP};
use her2sim_her2::trial::poppk::PopPk;
use her2sim_her2::trial::response::Surface;
use her2sim_her2::trial::tumour::{conditions, ArmModel, COARSE_H};
use her2sim_her2::trial::{KnownDrugs, Regimen};
use her2sim_her2::Lab;

#[test]
fn a_group_factor_is_a_sensitivity_scaled_for_every_patient() {
    let lab = Lab::builtin().unwrap();
    let pk = PopPk::builtin().unwrap();
    let pop = pk.population.numbers().unwrap();
    assert_eq!((pop.targeted_factor, pop.adc_factor), (1.0, 1.0));
    let known = KnownDrugs::from_catalogue(lab.catalogue());
    let drugs = vec!["trastuzumab".to_string(), "capecitabine".to_string()];
    let surface = Arc::new(
        Surface::build(&lab, &drugs, &[60.0, 20.0], &conditions(&["bt474"], 0.0)).unwrap(),
    );
    let model = ArmModel {
        regimen: Regimen::parse(
            &[
                "trastuzumab 8 mg/kg load then 6 mg/kg q3w",
                "capecitabine 1250 mg/m2 bid days 1-14 of 21",
            ],
            &known,
        )
        .unwrap(),
        agents: vec![
            pk.agent("trastuzumab").cloned().unwrap(),
            pk.agent("capecitabine").cloned().unwrap(),
        ],
        surface,
        groups: vec![0, 1],
        effect_multiplier: pop.effect_multiplier,
        coarse_h: COARSE_H,
    };
    let weeks: Vec<f64> = (0..=52).map(f64::from).collect();
    let mut p = Patient::draw(2, 0, &pop, false, 1);
    p.cell_line = "bt474";
    p.sensitivity = [0.4, 1.5, 0.7];
    let mut scaled = pop;
    scaled.targeted_factor = 2.5;
    scaled.adc_factor = 3.0; // no ADC in this arm: changes nothing
    let with_factor = model.simulate(&p, &scaled, &weeks).unwrap().sld_mm;
    let mut q = p.clone();
    q.sensitivity[TARGETED_GROUP] *= 2.5;
    let with_sensitivity = model.simulate(&q, &pop, &weeks).unwrap().sld_mm;
    let without = model.simulate(&p, &pop, &weeks).unwrap().sld_mm;
    for (a, b) in with_factor.iter().zip(&with_sensitivity) {
        assert!((a - b).abs() <= 1e-12 * a.max(1.0), "{a} vs {b}");
    }
    // And it matters: trastuzumab's larger effect shrinks the tumour further by a year.
    assert!(
        with_factor[52] < 0.9 * without[52],
        "{} vs {}",
        with_factor[52],
        without[52]
    );
    let mut r = p.clone();
    r.sensitivity[ADC_GROUP] *= 3.0;
    let adc_only = model.simulate(&r, &pop, &weeks).unwrap().sld_mm;
    assert_eq!(adc_only, without);
}
