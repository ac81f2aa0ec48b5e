//! Patients' sensitivities per drug group (trial/patients.rs `SENSITIVITY_GROUPS`, correlated
//! by `sensitivity_correlation`, 0.3 after Palmer & Sorger 2017): a combination of a targeted
//! agent and a chemotherapy helps the patients whose tumour responds to either drug
//! (independent drug action), so on the same patients it does better than with one factor for
//! every drug (correlation 1), while each drug alone does as well as before.

use her2sim_her2::trial::poppk::PopPk;
use her2sim_her2::trial::{KnownDrugs, Prepared, Trial};
use her2sim_her2::Lab;

const TRIAL: &str = r#"
[trial]
name = "independent action"
setting = "metastatic"
line = 1
patients = 600
months = 24
seed = 3

[[arm]]
name = "paclitaxel"
regimen = ["paclitaxel 175 mg/m2 q3w x6"]

[[arm]]
name = "H"
regimen = ["trastuzumab 4 mg/kg load then 2 mg/kg qw"]

[[arm]]
name = "P+H"
regimen = ["trastuzumab 4 mg/kg load then 2 mg/kg qw", "paclitaxel 175 mg/m2 q3w x6"]
"#;

#[test]
fn a_targeted_chemotherapy_pair_helps_more_patients_when_sensitivities_differ() {
    let lab = Lab::builtin().unwrap();
    let known = KnownDrugs::from_catalogue(lab.catalogue());
    let t = Trial::from_toml(TRIAL, "ida.toml", &known).unwrap();
    let pk = PopPk::builtin().unwrap();
    let p = Prepared::new(&t, &lab, &pk).unwrap();
    let mut pop = p.population;
    assert!((pop.sensitivity_correlation - 0.3).abs() < 1e-12);
    let independent = p.run(&t, &pop, &|| {}).unwrap();
    pop.sensitivity_correlation = 1.0;
    let shared = p.run(&t, &pop, &|| {}).unwrap();
    let orr = |r: &her2sim_her2::trial::TrialResult| -> Vec<f64> {
        r.arms.iter().map(|a| a.orr).collect()
    };
    let (i, s) = (orr(&independent), orr(&shared));
    eprintln!("ORR rho 0.3 {i:?}, rho 1 {s:?}");
    // One drug: the same distribution of sensitivity, other draws (SE of a difference ~0.025).
    for k in 0..2 {
        assert!((i[k] - s[k]).abs() < 0.08, "arm {k}: {} vs {}", i[k], s[k]);
    }
    // The pair: more responders, and more of them than either drug alone gives.
    assert!(
        i[2] > s[2] + 0.03,
        "P+H ORR {} (rho 0.3) vs {} (rho 1)",
        i[2],
        s[2]
    );
    assert!(i[2] > i[0].max(i[1]) + 0.1, "{i:?}");
}
