//! An arm of several regimens (treatment of physician's choice, `[[arm.option]]`): each
//! patient gets one option, drawn by its share from the patient's own stream, and then fares
//! exactly as in a single-regimen arm of that option (the same patient, tumour and response
//! surface).

use her2sim_her2::trial::{run_trial, KnownDrugs, Trial};
use her2sim_her2::Lab;

const TRIAL: &str = r#"
[trial]
name = "mixed"
setting = "metastatic"
line = 2
prior = ["trastuzumab"]
patients = 1000
months = 24
seed = 11

[[arm]]
name = "H+V"
regimen = ["trastuzumab 8 mg/kg load then 6 mg/kg q3w", "vinorelbine 25 mg/m2 qw"]

[[arm]]
name = "V"
regimen = ["vinorelbine 25 mg/m2 qw"]

[[arm]]
name = "choice"
[[arm.option]]
share = 0.7
regimen = ["trastuzumab 8 mg/kg load then 6 mg/kg q3w", "vinorelbine 25 mg/m2 qw"]
[[arm.option]]
share = 0.3
regimen = ["vinorelbine 25 mg/m2 qw"]
"#;

#[test]
fn each_patient_of_a_mixed_arm_fares_as_in_its_option() {
    let lab = Lab::builtin().unwrap();
    let known = KnownDrugs::from_catalogue(lab.catalogue());
    let t = Trial::from_toml(TRIAL, "mixed.toml", &known).unwrap();
    let r = run_trial(t.clone(), None, None, &lab, &|_| {}, &|| {}).unwrap();
    let (hv, v, mix) = (
        &r.arms[0].patients,
        &r.arms[1].patients,
        &r.arms[2].patients,
    );
    let (mut as_hv, mut as_v, mut differ) = (0, 0, 0);
    for i in 0..mix.len() {
        let same = |a: &her2sim_her2::trial::run::PatientArm| a.sld_mm == mix[i].sld_mm;
        assert!(
            same(&hv[i]) || same(&v[i]),
            "patient {i} matches neither option"
        );
        if hv[i].sld_mm != v[i].sld_mm {
            differ += 1;
            if same(&hv[i]) {
                as_hv += 1;
            } else {
                as_v += 1;
            }
        }
    }
    // Among patients whom the options treat differently, 70 % got the first (binomial SE
    // ~0.015 over ~1000).
    assert!(differ > 900, "{differ}");
    let share = as_hv as f64 / (as_hv + as_v) as f64;
    assert!((share - 0.7).abs() < 0.05, "{share}");
    // The mixed arm lies between its options.
    let (lo, hi) = (
        r.arms[1].orr.min(r.arms[0].orr),
        r.arms[1].orr.max(r.arms[0].orr),
    );
    assert!(lo <= r.arms[2].orr && r.arms[2].orr <= hi);
    // The same patients get the same options in another run.
    let again = run_trial(t, None, None, &lab, &|_| {}, &|| {}).unwrap();
    assert!(again.arms[2]
        .patients
        .iter()
        .zip(mix)
        .all(|(a, b)| a.sld_mm == b.sld_mm));
}
