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
