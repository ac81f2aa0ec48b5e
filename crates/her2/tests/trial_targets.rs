//! The clinical layer's calibration still holds: the calibration trials of docs/trials.md,
//! run with the built-in HER2 model and popPK.toml at 400 patients, land inside the published
//! 95 % intervals of the numbers they were calibrated on. A change to the network model or
//! the lab that moves them fails here, and the calibration scan
//! (`tests/trial_calibration.rs`) must be re-run.

use her2sim_her2::trial::{run_trial, KnownDrugs, Trial, TrialResult};
use her2sim_her2::Lab;

fn run_arm(file: &str, arm: usize) -> TrialResult {
    let lab = Lab::builtin().unwrap();
    let known = KnownDrugs::from_catalogue(lab.catalogue());
    let path = format!(
        "{}/../../examples/trials/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut t = Trial::read(std::path::Path::new(&path), &known).unwrap();
    t.arms = vec![t.arms[arm].clone()];
    run_trial(t, Some(400), None, &lab, &|_| {}, &|| {}).unwrap()
}

/// Vogel 2002 ORR 26 % (18.2–34.4, sourced) and Cobleigh 1999 ORR 15 % (11–21, sourced): the
/// first-line and later-line trastuzumab monotherapy the line factor separates.
#[test]
fn trastuzumab_monotherapy_response_rates_stay_in_the_published_intervals() {
    let v = run_arm("vogel2002.toml", 0).arms[0].orr;
    assert!((0.182..=0.344).contains(&v), "Vogel ORR {v}");
    let c = run_arm("cobleigh1999.toml", 0).arms[0].orr;
    assert!((0.11..=0.21).contains(&c), "Cobleigh ORR {c}");
    assert!(
        c < v,
        "later line ({c}) must respond less than first line ({v})"
    );
}

/// Complete responses, calibration targets since the Norton–Simon exponent was scanned
/// (2026-12-05): Vogel 2002 7 of 114 (exact 95 % interval 2.5–12.2 %) and Cobleigh 1999 8 of
/// 222 (1.6–7.0 %), PubMed abstracts (sourced). Full Norton–Simon gave 11 % and 7.7 %.
#[test]
fn trastuzumab_monotherapy_complete_responses_stay_in_the_published_intervals() {
    use her2sim_her2::trial::Response;
    let cr = |r: &TrialResult| {
        let p = &r.arms[0].patients;
        p.iter().filter(|x| x.best == Response::Cr).count() as f64 / p.len() as f64
    };
    let v = cr(&run_arm("vogel2002.toml", 0));
    assert!((0.025..=0.122).contains(&v), "Vogel CR {v}");
    let c = cr(&run_arm("cobleigh1999.toml", 0));
    assert!((0.016..=0.070).contains(&c), "Cobleigh CR {c}");
}

/// The chemotherapy-alone arms: Slamon 2001 paclitaxel ORR 17 % and TTP 3.0 months, Geyer
/// 2006 capecitabine ORR 14 % and TTP 4.4 months (both unverified), M77001 docetaxel ORR 34 %
/// and TTP 6.1 months (sourced; calibrates docetaxel's retention since 2026-12-05), Paridaens
/// 2000 doxorubicin ORR 41 % and PFS 7.5 months (sourced; calibrates doxorubicin's tumour
/// exposure since 2026-12-05, session 18; its simulated median is 5.5); no interval in the
/// dossier, so ± 10 points and a median PFS within the 6-12-week assessments around it.
#[test]
fn chemotherapy_alone_arms_stay_near_their_published_values() {
    for (file, orr, pfs) in [
        ("slamon2001.toml", 0.17, 3.0),
        ("geyer2006.toml", 0.14, 4.4),
        ("m77001.toml", 0.34, 6.1),
        ("paridaens2000.toml", 0.41, 7.5),
    ] {
        let a = &run_arm(file, 0).arms[0];
        assert!((a.orr - orr).abs() <= 0.10, "{file}: ORR {}", a.orr);
        let m = a.median_pfs_months.unwrap_or(f64::INFINITY);
        assert!(
            (pfs - 3.0..=pfs + 3.0).contains(&m),
            "{file}: median PFS {m} vs {pfs}"
        );
    }
}

/// Slamon 2001's AC subgroup (validation, not calibration): with doxorubicin's potency fitted
/// to GR data and its tumour exposure calibrated on a doxorubicin-alone arm (Paridaens 2000),
/// AC and AC + trastuzumab land within 10 points of their published ORR (42 % and 56 %,
/// unverified); before, AC responded in 3 % (0 % with the fitted potency at plasma exposure).
#[test]
fn ac_arms_match_slamons_response_rates() {
    let r = run_arm("slamon2001_ac.toml", 0);
    assert!(
        (r.arms[0].orr - 0.42).abs() <= 0.10,
        "AC ORR {}",
        r.arms[0].orr
    );
    let r = run_arm("slamon2001_ac.toml", 1);
    assert!(
        (r.arms[0].orr - 0.56).abs() <= 0.10,
        "AC+H ORR {}",
        r.arms[0].orr
    );
}

/// T-DM1 after trastuzumab (validation, not calibration): patients progress when the minor
/// clone that loses the DM1 catabolite (the `tdm1-resistance` modifier, Loganzo 2015) grows
/// out. EMILIA's ORR (43.6 %, unverified) is reproduced within 10 points, and responses end
/// within the follow-up (median PFS reached; 21.4 months before the clone, when only the
/// HER2-low clone escaped). The median lies within 5.4-11 months (EMILIA 9.6): it did before
/// the clones' untreated growth was matched, not after (17 months), and again since minor
/// clones carry the dominant clone's marker and the T-DM1-resistant share was calibrated on
/// Krop 2012 (2026-12-05; docs/trials.md).
#[test]
fn tdm1_responses_end_within_follow_up_and_match_emilias_response_rate() {
    let a = &run_arm("emilia.toml", 1).arms[0];
    let m = a.median_pfs_months.unwrap_or(f64::INFINITY);
    assert!((5.4..=11.0).contains(&m), "EMILIA T-DM1 median PFS {m}");
    assert!((a.orr - 0.436).abs() <= 0.10, "EMILIA T-DM1 ORR {}", a.orr);
}
