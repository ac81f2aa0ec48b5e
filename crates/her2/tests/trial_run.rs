//! The trial simulator end to end: untreated tumours plateau (Gompertz) instead of growing
//! without bound, the same seed gives the same trial at any thread count, and a different
//! seed gives different patients.

use her2sim_her2::trial::patients::Patient;
use her2sim_her2::trial::poppk::PopPk;
use her2sim_her2::trial::response::Surface;
use her2sim_her2::trial::tumour::{conditions, ArmModel};
use her2sim_her2::trial::{output, run, KnownDrugs, Regimen, Trial};
use her2sim_her2::Lab;

fn trial(text: &str, lab: &Lab) -> Trial {
    Trial::from_toml(text, "t.toml", &KnownDrugs::from_catalogue(lab.catalogue())).unwrap()
}

/// Five years untreated (trastuzumab first given in week 1000, i.e. never): every tumour
/// grows, never past the Gompertz plateau (250 mm), and grows more slowly near it.
#[test]
fn untreated_tumours_approach_a_plateau() {
    let lab = Lab::builtin().unwrap();
    let pk = PopPk::builtin().unwrap();
    let pop = pk.population.numbers().unwrap();
    let known = KnownDrugs::from_catalogue(lab.catalogue());
    let regimen = Regimen::parse(&["trastuzumab 6 mg/kg q3w from week 1000"], &known).unwrap();
    let drugs = vec!["trastuzumab".to_string()];
    let surface = Surface::build(
        &lab,
        &drugs,
        &[100.0],
        &conditions(&["bt474", "mda-mb-361"], 0.0),
    )
    .unwrap();
    let model = ArmModel {
        regimen,
        agents: vec![pk.agent("trastuzumab").cloned().unwrap()],
        surface: std::sync::Arc::new(surface),
        groups: vec![0],
        effect_multiplier: 1.0,
        coarse_h: her2sim_her2::trial::tumour::COARSE_H,
    };
    let weeks: Vec<f64> = (0..=260).map(f64::from).collect();
    for i in 0..40 {
        let mut p = Patient::draw(9, i, &pop, false, 1);
        if i == 0 {
            p.doubling_time_h = 20.0 * 24.0; // the fastest the population allows
        }
        let c = model.simulate(&p, &pop, &weeks).unwrap();
        assert!((c.sld_mm[0] - p.baseline_sld_mm).abs() < 1e-9);
        for w in c.sld_mm.windows(2) {
            assert!(w[1] >= w[0] - 1e-9, "patient {i} shrank untreated");
        }
        let last = *c.sld_mm.last().unwrap();
        assert!(last <= pop.plateau_sld + 1e-6, "patient {i}: {last} mm");
        if i == 0 {
            // Five years at a 20-day doubling would be 2^91 in volume; the plateau holds it,
            // and the last year adds less than 1 % in diameter.
            assert!(last > 0.95 * pop.plateau_sld, "{last}");
            assert!(last / c.sld_mm[208] < 1.01);
        }
        // The first doubling of volume takes the patient's doubling time (within a step).
        let d2 = c.sld_mm[0] * 2f64.cbrt();
        let week = c.sld_mm.iter().position(|s| *s >= d2).unwrap_or(usize::MAX) as f64;
        let td_weeks = p.doubling_time_h / 168.0;
        assert!(
            week >= td_weeks - 1.0,
            "patient {i}: doubled at week {week} < {td_weeks}"
        );
    }
}

const SMALL: &str = r#"
[trial]
name = "small"
setting = "metastatic"
patients = 24
months = 18
seed = 5

[[arm]]
name = "H"
regimen = ["trastuzumab 8 mg/kg load then 6 mg/kg q3w"]

[[arm]]
name = "H+D"
regimen = ["trastuzumab 8 mg/kg load then 6 mg/kg q3w", "docetaxel 75 mg/m2 q3w x6"]
"#;

#[test]
fn the_same_seed_gives_the_same_trial_at_any_thread_count() {
    let lab = Lab::builtin().unwrap();
    let pk = PopPk::builtin().unwrap();
    let t = trial(SMALL, &lab);
    let in_pool = |threads: usize, t: &Trial| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| run(t, &lab, &pk, &|| {}).unwrap())
    };
    let one = in_pool(1, &t);
    let two = in_pool(2, &t);
    assert_eq!(output::json(&one), output::json(&two));
    assert_eq!(output::patients_csv(&one), output::patients_csv(&two));
    let mut other = t.clone();
    other.seed = 6;
    let three = in_pool(2, &other);
    assert_ne!(output::patients_csv(&one), output::patients_csv(&three));
    // Paired arms: the same cohort in every arm.
    let csv = output::patients_csv(&one);
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 48);
    let body = |r: &str| r.split(',').skip(2).take(6).collect::<Vec<_>>().join(",");
    assert_eq!(body(rows[0]), body(rows[24]));
    // The JSON contract.
    let j = output::json(&one);
    assert_eq!(j["patients_per_arm"], 24);
    assert_eq!(j["arms"][0]["hazard_ratio"], 1.0);
    assert!(j["arms"][0]["pcr"].is_null());
    for a in j["arms"].as_array().unwrap() {
        for k in ["orr", "cbr"] {
            let v = a[k].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&v), "{k} {v}");
        }
    }
}

/// A neoadjuvant trial reports pCR (a fraction) and no PFS; the first arm's hazard ratio is 1.
#[test]
fn neoadjuvant_trials_report_pcr_and_no_pfs() {
    let lab = Lab::builtin().unwrap();
    let pk = PopPk::builtin().unwrap();
    let t = trial(
        r#"
[trial]
name = "neo"
setting = "neoadjuvant"
patients = 16
surgery_week = 18
seed = 2

[[arm]]
name = "H+D"
regimen = ["trastuzumab 8 mg/kg load then 6 mg/kg q3w", "docetaxel 75 mg/m2 q3w x6"]
"#,
        &lab,
    );
    let r = run(&t, &lab, &pk, &|| {}).unwrap();
    // Assessed at baseline, weeks 6 and 12, and at surgery (week 18).
    assert_eq!(r.weeks, vec![0.0, 6.0, 12.0, 18.0]);
    let j = output::json(&r);
    let a = &j["arms"][0];
    let pcr = a["pcr"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&pcr));
    assert!(a["median_pfs_months"].is_null() && a["pfs_12_months"].is_null());
    assert_eq!(a["hazard_ratio"], 1.0);
    // pCR is exactly the share of patients below the 1-mm threshold at surgery.
    let below = r.arms[0]
        .patients
        .iter()
        .filter(|p| *p.sld_mm.last().unwrap() < 1.0)
        .count();
    assert_eq!(pcr, below as f64 / 16.0);
}

/// The 24-h steps away from chemotherapy doses against 4-h steps throughout: trastuzumab +
/// docetaxel for a year at the calibrated effect, burdens agree within 1 %.
#[test]
fn coarse_steps_between_chemotherapy_doses_match_fine_steps() {
    let lab = Lab::builtin().unwrap();
    let pk = PopPk::builtin().unwrap();
    let pop = pk.population.numbers().unwrap();
    let known = KnownDrugs::from_catalogue(lab.catalogue());
    let regimen = Regimen::parse(
        &[
            "trastuzumab 8 mg/kg load then 6 mg/kg q3w",
            "docetaxel 75 mg/m2 q3w x6",
        ],
        &known,
    )
    .unwrap();
    let drugs = vec!["trastuzumab".to_string(), "docetaxel".to_string()];
    let surface = Surface::build(
        &lab,
        &drugs,
        &[60.0, 0.5],
        &conditions(&["bt474", "mda-mb-361"], 0.0),
    )
    .unwrap();
    let mut model = ArmModel {
        regimen,
        agents: vec![
            pk.agent("trastuzumab").cloned().unwrap(),
            pk.agent("docetaxel").cloned().unwrap(),
        ],
        surface: std::sync::Arc::new(surface),
        groups: vec![0, 1],
        effect_multiplier: pop.effect_multiplier,
        coarse_h: her2sim_her2::trial::tumour::COARSE_H,
    };
    let weeks: Vec<f64> = (0..=52).map(f64::from).collect();
    let patients: Vec<Patient> = (0..10)
        .map(|i| Patient::draw(4, i, &pop, false, 1))
        .collect();
    let coarse: Vec<Vec<f64>> = patients
        .iter()
        .map(|p| model.simulate(p, &pop, &weeks).unwrap().sld_mm)
        .collect();
    model.coarse_h = her2sim_her2::trial::tumour::FINE_H;
    for (p, c) in patients.iter().zip(&coarse) {
        let f = model.simulate(p, &pop, &weeks).unwrap().sld_mm;
        for (a, b) in c.iter().zip(&f) {
            assert!(
                (a / b - 1.0).abs() < 0.01,
                "patient {}: {a} vs {b}",
                p.index
            );
        }
    }
}

/// Norton–Simon (`norton_simon` 1): the drug effect follows the untreated growth rate at the
/// tumour's current size, so once docetaxel has shrunk a tumour, trastuzumab keeps it going
/// the way trastuzumab alone takes it from baseline — shrinking if it shrinks it there, growing
/// if not. With the effect tied to the baseline rate only (0), the Gompertz rate of the shrunk
/// tumour outgrows a trastuzumab effect that shrank it at baseline, and it regrows.
#[test]
fn norton_simon_keeps_the_direction_a_maintenance_drug_sets_at_baseline() {
    let lab = Lab::builtin().unwrap();
    let pk = PopPk::builtin().unwrap();
    let mut pop = pk.population.numbers().unwrap();
    // The law, not the calibrated strength of the targeted group: the sensitivities below
    // span trastuzumab alone shrinking and not shrinking the tumour at factor 1.
    pop.targeted_factor = 1.0;
    let known = KnownDrugs::from_catalogue(lab.catalogue());
    let items = [
        "trastuzumab 8 mg/kg load then 6 mg/kg q3w",
        "docetaxel 75 mg/m2 q3w x6",
    ];
    let drugs = vec!["trastuzumab".to_string(), "docetaxel".to_string()];
    let surface = std::sync::Arc::new(
        Surface::build(&lab, &drugs, &[60.0, 0.5], &conditions(&["bt474"], 0.0)).unwrap(),
    );
    let model = |items: &[&str]| ArmModel {
        regimen: Regimen::parse(items, &known).unwrap(),
        agents: vec![
            pk.agent("trastuzumab").cloned().unwrap(),
            pk.agent("docetaxel").cloned().unwrap(),
        ],
        surface: surface.clone(),
        groups: vec![0, 1],
        effect_multiplier: pop.effect_multiplier,
        coarse_h: her2sim_her2::trial::tumour::COARSE_H,
    };
    let (hd, h) = (model(&items), model(&items[..1]));
    let weeks: Vec<f64> = (0..=78).map(f64::from).collect();
    let mut p = Patient::draw(6, 0, &pop, false, 1);
    p.cell_line = "bt474";
    p.clones = [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
    p.doubling_time_h = 28.0 * 24.0;
    p.baseline_sld_mm = 60.0;
    let mut regrew_without = 0;
    for exponent in [1.0, 0.0] {
        pop.norton_simon = exponent;
        let (mut shrinking, mut growing) = (0, 0);
        for k in 0..24 {
            p.sensitivity = [0.2 * 1.2f64.powi(k), 3.0, 1.0];
            let alone = h.simulate(&p, &pop, &weeks).unwrap().sld_mm;
            let both = hd.simulate(&p, &pop, &weeks).unwrap().sld_mm;
            let at_baseline = alone[24] / alone[12] - 1.0;
            let after_chemo = both[60] / both[36] - 1.0;
            // Balanced at baseline, or eradicated (below a micrometre) before week 36.
            if at_baseline.abs() < 1e-3 || both[36] < 1e-3 {
                continue;
            }
            if exponent == 1.0 {
                assert_eq!(
                    at_baseline < 0.0,
                    after_chemo < 0.0,
                    "sensitivity {}: alone {at_baseline}, after docetaxel {after_chemo}",
                    p.sensitivity[0]
                );
                if at_baseline < 0.0 {
                    shrinking += 1;
                } else {
                    growing += 1;
                }
            } else if at_baseline < 0.0 && after_chemo > 0.0 {
                regrew_without += 1;
            }
        }
        if exponent == 1.0 {
            assert!(shrinking > 0 && growing > 0, "{shrinking} {growing}");
        }
    }
    assert!(regrew_without > 0);
}
