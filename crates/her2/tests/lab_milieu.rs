//! A run's milieu (`Extras::milieu`: what the cells lived in before it, e.g. a tumour's
//! interstitial heregulin) is part of the untreated steady state the run starts from, while
//! `Extras::set` acts from the run's start: with heregulin as milieu the untreated cells sit
//! at their heregulin steady state from hour 0 (pHER3 already raised and unchanging), with it
//! as a setting pHER3 starts at the ligand-free value and rises.

use her2sim_her2::lab::Extras;
use her2sim_her2::Lab;

/// pHER3 (index 4 in `READOUTS`) at the start and after 48 h, untreated.
fn pher3(lab: &Lab, extras: &Extras) -> (f64, f64) {
    let cond = lab.condition("bt474", &[]).unwrap();
    let none = lab.treatment("none").unwrap();
    let (t, _) = lab.run_with(&cond, &none, 48.0, 2, extras).unwrap();
    (t.values[0][4], t.last()[4])
}

#[test]
fn a_milieu_is_part_of_the_steady_state_and_a_setting_is_not() {
    let lab = Lab::builtin().unwrap();
    let hrg = vec![("HRG".to_string(), 0.01)];
    let (free0, free48) = pher3(&lab, &Extras::default());
    let (m0, m48) = pher3(
        &lab,
        &Extras {
            milieu: hrg.clone(),
            ..Extras::default()
        },
    );
    let (s0, s48) = pher3(
        &lab,
        &Extras {
            set: hrg,
            ..Extras::default()
        },
    );
    assert!((free48 / free0 - 1.0).abs() < 1e-3, "{free0} -> {free48}");
    assert!(
        m0 > 2.0 * free0,
        "milieu: pHER3 {m0} at hour 0 against {free0}"
    );
    assert!((m48 / m0 - 1.0).abs() < 0.02, "milieu: {m0} -> {m48}");
    assert!(
        (s0 / free0 - 1.0).abs() < 1e-6,
        "setting: {s0} at hour 0 against {free0}"
    );
    assert!(s48 > 2.0 * free0, "setting: {s0} -> {s48}");
}
