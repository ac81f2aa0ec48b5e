//! Resistance variants against their parental lines, in GR value and in relative viability.
//!
//! - PTEN loss: PTEN-deficient tumours respond far less to trastuzumab (Nagata 2004 Cancer Cell,
//!   mechanism sourced in facts.md: PharmGKB PMID 15324695; quantitative PTEN is the strongest
//!   predictor, relative risk 3.0, Faratian 2009, sourced).
//! - PIK3CA H1047R: kinase-domain mutations (H1047R, not the helical E545K) increase resistance
//!   to lapatinib in HER2-amplified isogenic knock-in cells (Breast Cancer Res 2021,
//!   doi:10.1186/s13058-021-01457-0: "sustained AKT signaling drives lapatinib resistance"), and
//!   PI3K-pathway activation lowers response to lapatinib + capecitabine (Wang 2011, sourced).
//! - p95HER2: trastuzumab loses its epitope (behaviour 4 in behaviour.rs).
//!
//! A variant must be less sensitive than its parent in both measures: GR corrects for the
//! faster growth a variant may have, relative viability is what most papers report.

use her2sim_her2::Lab;

fn sensitivity(lab: &Lab, line: &str, mods: &[&str], treatment: &str) -> (f64, f64) {
    let mods: Vec<String> = mods.iter().map(|m| m.to_string()).collect();
    let cond = lab.condition(line, &mods).unwrap();
    let p = lab
        .predict(&cond, &lab.treatment(treatment).unwrap(), 3.0)
        .unwrap();
    (p.gr_value, p.get("viable_cells").unwrap())
}

#[test]
fn variants_resist_as_published() {
    let lab = Lab::builtin().unwrap();
    let cases = [
        ("pten-loss", "trastuzumab@10ug/mL"),
        ("pik3ca-h1047r", "trastuzumab@10ug/mL"),
        ("pik3ca-h1047r", "lapatinib@1uM"),
        ("p95her2", "trastuzumab@10ug/mL"),
    ];
    for line in ["bt474", "skbr3"] {
        for (variant, drug) in cases {
            let (gr0, v0) = sensitivity(&lab, line, &[], drug);
            let (gr1, v1) = sensitivity(&lab, line, &[variant], drug);
            eprintln!(
                "{line} {variant} {drug}: GR {gr0:.3} -> {gr1:.3}, viability {v0:.3} -> {v1:.3}"
            );
            assert!(
                gr1 > gr0 + 0.05,
                "{line} {variant} {drug}: GR {gr0} -> {gr1}"
            );
            assert!(
                v1 > v0 + 0.02,
                "{line} {variant} {drug}: viability {v0} -> {v1}"
            );
        }
    }
}

/// T-DM1 resistance by loss of the DM1 catabolite (Loganzo 2015 Mol Cancer Ther 14:952, 361-TM:
/// ABCC1 up, ~250-fold resistant to a trastuzumab-maytansinoid ADC, minimal resistance to other
/// chemotherapy, still sensitive to ADCs with a cleavable linker). In MDA-MB-361 the variant
/// loses most of T-DM1's payload kill, so T-DM1 works little better than trastuzumab at the
/// same molar dose, while T-DXd (cleavable linker, membrane-permeable DXd) and paclitaxel act as on the
/// parental line. The model has no antigen-independent uptake, so the payload does not come
/// back at micromolar doses as it did in the dish: the shift is the whole curve, not 250-fold.
#[test]
fn tdm1_resistant_cells_lose_the_payload_but_not_other_drugs() {
    let lab = Lab::builtin().unwrap();
    let line = "mda-mb-361";
    let resistant = ["tdm1-resistance"];
    let (_, tdm1_parental) = sensitivity(&lab, line, &[], "t-dm1@10nM");
    let (_, tdm1_resistant) = sensitivity(&lab, line, &resistant, "t-dm1@10nM");
    let (_, tdm1_resistant_high) = sensitivity(&lab, line, &resistant, "t-dm1@1uM");
    let (_, trastuzumab) = sensitivity(&lab, line, &resistant, "trastuzumab@10nM");
    eprintln!(
        "T-DM1 10 nM: parental {tdm1_parental:.3}, resistant {tdm1_resistant:.3} \
         (1 uM {tdm1_resistant_high:.3}); trastuzumab 10 nM {trastuzumab:.3}"
    );
    assert!(tdm1_resistant > tdm1_parental + 0.15);
    // What T-DM1 adds to trastuzumab (its payload) falls to under a fifth, at 10 nM and at
    // 1 uM (receptors are saturated well below either).
    let payload_parental = trastuzumab - tdm1_parental;
    for v in [tdm1_resistant, tdm1_resistant_high] {
        let payload = trastuzumab - v;
        assert!(
            payload >= 0.0 && payload < 0.2 * payload_parental,
            "payload kill {payload} vs parental {payload_parental}"
        );
    }
    for drug in ["t-dxd@10nM", "paclitaxel@10nM", "trastuzumab@10nM"] {
        let (gr0, v0) = sensitivity(&lab, line, &[], drug);
        let (gr1, v1) = sensitivity(&lab, line, &resistant, drug);
        assert!((gr1 - gr0).abs() < 0.01, "{drug}: GR {gr0} -> {gr1}");
        assert!((v1 - v0).abs() < 0.01, "{drug}: viability {v0} -> {v1}");
    }
}
