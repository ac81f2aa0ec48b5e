//! Combinations against published combination indices (Chou-Talalay CI < 1 = synergy).
//!
//! Pegram 2004 (Oncogene; models/her2/data, source pegram2004_trastuzumab_chemo): trastuzumab
//! plus docetaxel is synergistic in SK-BR-3, BT-474, MDA-MB-361 and MDA-MB-453, CI 0.30-0.62.
//! The model's CI is computed the same way: single-agent Hill curves of viability, then at
//! each fixed-ratio combination dose CI = d1/D1(E) + d2/D2(E), with D the single-agent dose
//! giving the combination's effect E (a term is 0 where one agent alone cannot reach E: it
//! then contributes no dose equivalent).

use her2sim_analysis::hill;
use her2sim_her2::Lab;

const DAYS: f64 = 3.0;

fn viability(lab: &Lab, line: &str, treatment: &str) -> f64 {
    let cond = lab.condition(line, &[]).unwrap();
    lab.predict(&cond, &lab.treatment(treatment).unwrap(), DAYS)
        .unwrap()
        .get("viable_cells")
        .unwrap()
}

/// Dose giving viability `e` on a fitted single-agent curve, if the agent alone reaches it.
fn dose_for(fit: &hill::HillFit, e: f64) -> Option<f64> {
    let f = (e - fit.e0) / (fit.emax - fit.e0);
    (f > 0.0 && f < 1.0).then(|| fit.ic50 * (f / (1.0 - f)).powf(1.0 / fit.hill))
}

/// Mean CI over a fixed-ratio ray (doses a1*k nM of drug 1 with a2*k of drug 2).
fn combination_index(lab: &Lab, line: &str, d1: (&str, f64), d2: (&str, f64)) -> f64 {
    let ks: Vec<f64> = (0..9).map(|i| 10f64.powf(-1.0 + 0.25 * i as f64)).collect();
    let curve = |(drug, a): (&str, f64)| {
        let doses: Vec<f64> = ks.iter().map(|k| a * k).collect();
        let v: Vec<f64> = doses
            .iter()
            .map(|d| viability(lab, line, &format!("{drug}@{d}nM")))
            .collect();
        hill::fit(&doses, &v).unwrap()
    };
    let (f1, f2) = (curve(d1), curve(d2));
    let mut cis = Vec::new();
    for k in &ks {
        let (x1, x2) = (d1.1 * k, d2.1 * k);
        let e = viability(lab, line, &format!("{}@{x1}nM+{}@{x2}nM", d1.0, d2.0));
        let term = |x: f64, f: &hill::HillFit| dose_for(f, e).map_or(0.0, |d| x / d);
        let (t1, t2) = (term(x1, &f1), term(x2, &f2));
        // Only effect levels at least one agent reaches alone give a CI.
        if dose_for(&f1, e).is_some() || dose_for(&f2, e).is_some() {
            cis.push(t1 + t2);
        }
    }
    assert!(!cis.is_empty(), "{line}: no effect level reachable");
    cis.iter().sum::<f64>() / cis.len() as f64
}

/// Synergy (CI < 1) in each of Pegram's four lines, as published. The effect size is not
/// matched: the calibrated model gives CI 0.75-0.81 against the published 0.30-0.62 (the
/// abstract's range over lines and effect levels). The model's synergy came mostly from
/// trastuzumab lowering AKT survival signalling against taxane death, a law the calibration fit
/// rejects (`survival_max` at its lower bound); HER2 -> p21Cip1 protection from mitotic death
/// (Yu 1998 Mol Cell 2:581), which trastuzumab would lift, is the missing mechanism
/// (docs/calibration.md). The test holds the sign and keeps the model from drifting further
/// from the data: the mean CI must stay below 0.85.
#[test]
fn trastuzumab_docetaxel_synergy_as_pegram_2004() {
    let lab = Lab::builtin().unwrap();
    let mut all = Vec::new();
    for line in ["skbr3", "bt474", "mda-mb-361", "mda-mb-453"] {
        let ci = combination_index(&lab, line, ("trastuzumab", 1.0), ("docetaxel", 1.0));
        eprintln!("{line}: trastuzumab + docetaxel CI {ci:.3} (published 0.30-0.62)");
        assert!(ci < 1.0, "{line}: CI {ci}");
        all.push(ci);
    }
    let mean = all.iter().sum::<f64>() / all.len() as f64;
    assert!(mean < 0.85, "mean CI {mean}");
}

/// Konecny 2006 (Cancer Res 66:1630, abstract): "For the combination of lapatinib plus
/// trastuzumab, synergistic drug interactions were observed in four different
/// HER-2-overexpressing cell lines"; "Synergistic interaction between trastuzumab and EGFR/HER-2
/// tyrosine kinase inhibitors in HER-2 positive breast cancer cells" (2010, O'Donovan, Crown et
/// al.; abstract at expert.knowledgetransferireland.com/publications/38806): synergy or
/// additivity in SK-BR-3 and BT-474. The abstracts give no CI values, so the test asks for
/// synergy (CI < 1) in the HER2-amplified training lines.
#[test]
fn lapatinib_trastuzumab_synergy_as_konecny_2006() {
    let lab = Lab::builtin().unwrap();
    for line in ["skbr3", "bt474", "mda-mb-453"] {
        let ci = combination_index(&lab, line, ("lapatinib", 100.0), ("trastuzumab", 1.0));
        eprintln!("{line}: lapatinib + trastuzumab CI {ci:.3}");
        assert!(ci < 1.0, "{line}: CI {ci}");
    }
}

/// Yamashita-Kashima 2011 (Clin Cancer Res 17:5060, abstract; models/her2/data/leads): in
/// HER2-positive gastric NCI-N87 "Combining pertuzumab with trastuzumab enhanced cell growth
/// inhibition and apoptosis activity by inhibiting EGFR-HER2 heterodimerization"; pertuzumab
/// (2C4) blocks EGF-dependent EGFR:HER2 dimers (DeFazio-Eli 2011, sourced), which trastuzumab
/// leaves. Without that block the pair did no better than trastuzumab in the lab's medium (a
/// 10 pM EGF background; BT-474, 10 µg/mL each, 5 days: 0.288 against 0.295 relative viable
/// cells). The test asks the pair at the default doses (10 and 20 µg/mL, 3 days) to leave at
/// least 0.05 fewer relative viable cells than trastuzumab alone in NCI-N87 and BT-474 (model:
/// 0.50 against 0.59, 0.38 against 0.48); the margin is assumed, the abstract gives no number.
#[test]
fn pertuzumab_adds_to_trastuzumab_through_egfr_her2_as_yamashita_kashima_2011() {
    let lab = Lab::builtin().unwrap();
    for line in ["nci-n87", "bt474"] {
        let t = viability(&lab, line, "trastuzumab");
        let tp = viability(&lab, line, "trastuzumab+pertuzumab");
        eprintln!("{line}: trastuzumab {t:.3}, + pertuzumab {tp:.3}");
        assert!(tp < t - 0.05, "{line}: pair {tp} vs trastuzumab {t}");
    }
}
