//! Biomarker subgroups of the virtual trials against the published biomarker analyses:
//! EMILIA's T-DM1 arm works alike with and without a PIK3CA mutation (median PFS 10.9 against
//! 9.8 months; Baselga 2016 Clin Cancer Res 22:3755, sourced), and every split partitions its
//! arm. The other published splits (CLEOPATRA by PIK3CA, Baselga 2014; lapatinib +
//! capecitabine by PIK3CA or PI3K-pathway activation, Baselga 2016 and Wang 2011; taxane +
//! trastuzumab by PTEN, PMC3899777) are compared by `validate-trials` (docs/trials.md).

use her2sim_her2::trial::subgroups::SUBGROUP_MARKERS;
use her2sim_her2::trial::{run_trial, KnownDrugs, Trial, TrialResult};
use her2sim_her2::Lab;

fn emilia_tdm1() -> TrialResult {
    let lab = Lab::builtin().unwrap();
    let known = KnownDrugs::from_catalogue(lab.catalogue());
    let path = format!(
        "{}/../../examples/trials/emilia.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut t = Trial::read(std::path::Path::new(&path), &known).unwrap();
    t.arms = vec![t.arms[1].clone()];
    assert_eq!(t.arms[0].name, "T-DM1");
    run_trial(t, Some(600), None, &lab, &|_| {}, &|| {}).unwrap()
}

#[test]
fn tdm1_works_alike_with_and_without_a_pik3ca_mutation() {
    let r = emilia_tdm1();
    let s = r
        .subgroups
        .iter()
        .find(|s| s.marker == "pik3ca-h1047r")
        .unwrap();
    assert!(
        s.published.is_some(),
        "the file's published split is attached"
    );
    assert!(s.n[0] > 50 && s.n[1] > 50, "{:?}", s.n);
    // Simulated medians fall on the assessment weeks and tie or jump; the Cox hazard ratio
    // of the split is what compares the sides (published medians 10.9 / 9.8: no difference).
    let hr = s.hazard_ratio.unwrap();
    assert!(
        (0.8..=1.25).contains(&hr),
        "HR {hr} with the mutation against without (published medians 10.9 / 9.8)"
    );
    assert_eq!(s.direction_as_published(), Some(true));
    let [lo, hi] = s.hazard_ratio_ci.unwrap();
    assert!(
        lo < 1.0 && 1.0 < hi,
        "HR interval {lo}-{hi} excludes no difference"
    );
}

#[test]
fn every_split_partitions_its_arm() {
    let r = emilia_tdm1();
    let arm = &r.arms[0];
    let n = arm.patients.len();
    assert_eq!(r.subgroups.len(), SUBGROUP_MARKERS.len());
    let get = |m: &str| r.subgroups.iter().find(|s| s.marker == m).unwrap();
    for s in &r.subgroups {
        assert_eq!(s.n[0] + s.n[1], n, "{}", s.marker);
        // The sides' response rates average back to the arm's.
        let orr = s.orr[0].unwrap_or(0.0) * s.n[0] as f64 + s.orr[1].unwrap_or(0.0) * s.n[1] as f64;
        assert!((orr / n as f64 - arm.orr).abs() < 1e-12, "{}", s.marker);
        assert_eq!(s.pcr, [None, None], "metastatic: no pCR");
    }
    // PI3K-pathway activation is PTEN loss or a PIK3CA mutation.
    let (pten, pik3ca, either) = (
        get("pten-loss").n[0],
        get("pik3ca-h1047r").n[0],
        get("pi3k-pathway").n[0],
    );
    assert!(either >= pten.max(pik3ca) && either <= pten + pik3ca);
    assert!(
        either > pten && either > pik3ca,
        "independent draws overlap only in part"
    );
    // Post-trastuzumab frequencies (Chandarlapaty 2012: PTEN loss 59 %, PIK3CA 29 %).
    let f = pten as f64 / n as f64;
    assert!((0.50..=0.68).contains(&f), "PTEN-loss share {f}");
}
