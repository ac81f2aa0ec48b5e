//! Adaptive feedback in time courses after drug addition, against published experiments.
//!
//! Canonici 2013 (Oncotarget, PMC3858548; facts.md, sourced): in HER2-positive lines,
//! lapatinib and neratinib re-induce HER3 and AKT phosphorylation by about 24 h, and
//! trastuzumab co-treatment prevents it. The model carries this through AKT -| FOXO -> HER3
//! mRNA (FOXO-driven HER3 transcription, slowed by HER3 mRNA turnover).

use her2sim_her2::{Lab, Prediction};

fn at(lab: &Lab, line: &str, treatment: &str, hours: f64) -> Prediction {
    let cond = lab.condition(line, &[]).unwrap();
    lab.predict(&cond, &lab.treatment(treatment).unwrap(), hours / 24.0)
        .unwrap()
}

fn absolute(p: &Prediction, name: &str) -> f64 {
    p.treated_value(name).unwrap()
}

/// HER3 protein and phosphorylation build up between 2 h and 24 h of a HER2 kinase
/// inhibitor, after their fall at the start (the inhibitor's immediate effect). The abstract
/// gives no fold change, so the test asks for a rise of more than 5 % in HER3 and pHER3, and any
/// rise in pAKT. The calibrated model's rise is modest (HER3 +8 % in SK-BR-3 and +15 % in BT-474
/// on 1 µM lapatinib; the fitted lapatinib EC50 of 178 nM leaves 15 % of HER2 kinase active),
/// weaker than the published blots suggest: a known quantitative gap (docs/calibration.md).
#[test]
fn tki_reinduces_her3_within_a_day() {
    let lab = Lab::builtin().unwrap();
    for line in ["bt474", "skbr3"] {
        for tki in ["lapatinib@1uM", "neratinib@100nM"] {
            let (early, late) = (at(&lab, line, tki, 2.0), at(&lab, line, tki, 24.0));
            let (h2, h24) = (
                absolute(&early, "HER3_total"),
                absolute(&late, "HER3_total"),
            );
            assert!(
                h24 > 1.05 * h2,
                "{line} {tki}: HER3 {h2} at 2 h, {h24} at 24 h"
            );
            let (p2, p24) = (absolute(&early, "pHER3"), absolute(&late, "pHER3"));
            assert!(
                p24 > 1.05 * p2,
                "{line} {tki}: pHER3 {p2} at 2 h, {p24} at 24 h"
            );
            let (a2, a24) = (absolute(&early, "pAKT"), absolute(&late, "pAKT"));
            assert!(a24 > a2, "{line} {tki}: pAKT {a2} at 2 h, {a24} at 24 h");
        }
    }
}

/// Trastuzumab added to lapatinib blunts the HER3 re-phosphorylation (Canonici 2013).
#[test]
fn trastuzumab_blunts_the_her3_rebound() {
    let lab = Lab::builtin().unwrap();
    let (alone, both) = ("lapatinib@1uM", "lapatinib@1uM+trastuzumab@10ug/mL");
    let phosphorylated = |t: &str, h: f64| absolute(&at(&lab, "bt474", t, h), "pHER3");
    let (alone_2, alone_24) = (phosphorylated(alone, 2.0), phosphorylated(alone, 24.0));
    let (both_2, both_24) = (phosphorylated(both, 2.0), phosphorylated(both, 24.0));
    assert!(
        both_24 < alone_24,
        "pHER3 at 24 h: with trastuzumab {both_24} vs alone {alone_24}; rebound {} vs {}",
        both_24 / both_2,
        alone_24 / alone_2
    );
}
