//! The laboratory's growth-rate inhibition at high doses against published GRmax values
//! (72-h screens re-analysed in GR metrics: Heiser 2012, gCSI, HMS LINCS; curated in
//! `models/her2/data/summary_values.tsv` with their sources). Each (line, drug) pair compares
//! the model's GR value after 72 h at a dose at or above the screens' top concentrations with
//! the median of the published GRmax values.
//!
//! A ratchet: the pairs in `AGREE` must stay within `TOLERANCE`; the rest are printed, and a
//! pair that starts to agree should move into `AGREE`. What does not agree yet (and why) is in
//! docs/her2_model.md; the calibration fit is what should close those gaps.

use std::collections::HashMap;
use std::path::PathBuf;

use her2sim_her2::Lab;

/// GR is bounded to [-1, 1]; 0.35 separates cytotoxic (< 0), cytostatic (~0) and weak (> 0.5)
/// responses, the distinction these screens resolve (replicates of one pair differ by up to
/// 0.8 in the curated data, e.g. BT-474 17-AAG -0.18 and -0.97).
const TOLERANCE: f64 = 0.35;

/// (line, drug, model dose): doses at or above the screens' top concentrations.
const PAIRS: [(&str, &str, &str); 20] = [
    ("bt474", "lapatinib", "10uM"),
    ("skbr3", "lapatinib", "10uM"),
    ("bt474", "neratinib", "1uM"),
    ("skbr3", "neratinib", "1uM"),
    ("bt474", "alpelisib", "10uM"),
    ("skbr3", "alpelisib", "10uM"),
    ("bt474", "trametinib", "1uM"),
    ("skbr3", "trametinib", "1uM"),
    ("bt474", "cisplatin", "100uM"),
    ("skbr3", "cisplatin", "100uM"),
    ("bt474", "paclitaxel", "1uM"),
    ("skbr3", "paclitaxel", "1uM"),
    ("bt474", "docetaxel", "1uM"),
    ("skbr3", "docetaxel", "1uM"),
    ("bt474", "17-aag", "1uM"),
    ("skbr3", "17-aag", "1uM"),
    ("bt474", "everolimus", "1uM"),
    ("skbr3", "mk-2206", "10uM"),
    ("bt474", "doxorubicin", "10uM"),
    ("skbr3", "doxorubicin", "10uM"),
];

/// Pairs that agree now (the ratchet). Before the calibration fit 8 agreed; the fitted model
/// brings 16 within the tolerance and loses one of the 8, BT-474 neratinib (model -0.52 against
/// a single published -0.92): the least-squares fit over 502 points trades it for nine others.
const AGREE: [(&str, &str); 16] = [
    ("bt474", "lapatinib"),
    ("skbr3", "lapatinib"),
    ("skbr3", "neratinib"),
    ("bt474", "alpelisib"),
    ("skbr3", "alpelisib"),
    ("bt474", "trametinib"),
    ("skbr3", "trametinib"),
    ("bt474", "cisplatin"),
    ("skbr3", "cisplatin"),
    ("bt474", "paclitaxel"),
    ("skbr3", "paclitaxel"),
    ("bt474", "docetaxel"),
    ("skbr3", "docetaxel"),
    ("bt474", "17-aag"),
    ("skbr3", "17-aag"),
    ("skbr3", "mk-2206"),
];

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models/her2/data")
}

/// Rows of a tab-separated file as maps from column name to cell.
fn read_tsv(name: &str) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(data_dir().join(name)).expect(name);
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .expect("header")
        .split('\t')
        .map(str::to_string)
        .collect();
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split('\t').map(str::to_string))
                .collect()
        })
        .collect()
}

/// Published GRmax values per (cell line, drug).
fn published_gr_max() -> HashMap<(String, String), Vec<f64>> {
    let line_of: HashMap<String, String> = read_tsv("experiments.tsv")
        .into_iter()
        .map(|r| (r["experiment_id"].clone(), r["cell_line"].clone()))
        .collect();
    let mut out: HashMap<(String, String), Vec<f64>> = HashMap::new();
    for r in read_tsv("summary_values.tsv") {
        if r["quantity"] != "GRmax" {
            continue;
        }
        let (Some(line), Ok(v)) = (line_of.get(&r["experiment_id"]), r["value"].parse::<f64>())
        else {
            continue;
        };
        if v.is_finite() {
            out.entry((line.clone(), r["drug"].clone()))
                .or_default()
                .push(v);
        }
    }
    out
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

#[test]
fn high_dose_gr_values_match_published_gr_max() {
    let lab = Lab::builtin().unwrap();
    let mut data = published_gr_max();
    let mut misses = Vec::new();
    for (line, drug, dose) in PAIRS {
        let values = data
            .get_mut(&(line.to_string(), drug.to_string()))
            .unwrap_or_else(|| panic!("no published GRmax for {line} {drug}"));
        let published = median(values);
        let cond = lab.condition(line, &[]).unwrap();
        let t = lab.treatment(&format!("{drug}@{dose}")).unwrap();
        let model = lab.predict(&cond, &t, 3.0).unwrap().gr_value;
        let ok = (model - published).abs() <= TOLERANCE;
        println!(
            "{line:<6} {drug:<11} model GR {model:>6.2}  published GRmax {published:>6.2} (n = {})  {}",
            values.len(),
            if ok { "agrees" } else { "differs" }
        );
        if AGREE.contains(&(line, drug)) && !ok {
            misses.push(format!("{line} {drug}: model {model:.2} vs {published:.2}"));
        }
    }
    assert!(misses.is_empty(), "regressed: {misses:?}");
}

/// Targeted agents no longer share one plateau: MEK inhibition is weak, HER2 and PI3K
/// inhibition cytotoxic, in BT-474 (GRmax 0.79 vs -0.60 and -0.81 in the data above).
#[test]
fn targeted_agents_differ_as_the_screens_do() {
    let lab = Lab::builtin().unwrap();
    let cond = lab.condition("bt474", &[]).unwrap();
    let gr = |t: &str| {
        lab.predict(&cond, &lab.treatment(t).unwrap(), 3.0)
            .unwrap()
            .gr_value
    };
    let (mek, her2, pi3k, ab) = (
        gr("trametinib@1uM"),
        gr("lapatinib@10uM"),
        gr("alpelisib@10uM"),
        gr("trastuzumab@10ug/mL"),
    );
    assert!(mek > 0.5, "trametinib {mek}");
    assert!(
        her2 < -0.3 && pi3k < -0.3,
        "lapatinib {her2}, alpelisib {pi3k}"
    );
    assert!(ab > her2 + 0.3, "trastuzumab {ab} vs lapatinib {her2}");
}

/// The three chemotherapies act by their class: platinum arrests the cycle (proliferation
/// falls) and kills whether or not cells divide; taxanes leave the division rate alone and
/// kill dividing cells, so halting division (lapatinib) shields cells from a taxane. Doses
/// above the fitted EC50s (paclitaxel 35 nM, docetaxel 23 nM; cisplatin's 180 µM is poorly
/// determined), where the screens measure GRmax.
#[test]
fn chemotherapies_act_by_class() {
    let lab = Lab::builtin().unwrap();
    let cond = lab.condition("bt474", &[]).unwrap();
    let p = |t: &str| lab.predict(&cond, &lab.treatment(t).unwrap(), 3.0).unwrap();
    let (pac, doc, cis) = (
        p("paclitaxel@100nM"),
        p("docetaxel@100nM"),
        p("cisplatin@100uM"),
    );
    let prolif = |x: &her2sim_her2::Prediction| x.get("proliferation").unwrap();
    assert!(
        prolif(&cis) < 0.5,
        "cisplatin proliferation {}",
        prolif(&cis)
    );
    assert!((prolif(&pac) - 1.0).abs() < 0.01 && (prolif(&doc) - 1.0).abs() < 0.01);
    assert!(pac.treated[2] > 5.0 * pac.untreated[2], "taxane kills");
    assert_ne!(pac.relative, doc.relative);
    assert_ne!(pac.relative, cis.relative);
    // Apoptosis added by paclitaxel on top of lapatinib is smaller than on untreated cells.
    let lap = p("lapatinib@1uM");
    let both = p("lapatinib@1uM+paclitaxel@100nM");
    let added_alone = pac.treated[2] - pac.untreated[2];
    let added_on_lapatinib = both.treated[2] - lap.treated[2];
    assert!(
        added_on_lapatinib < 0.5 * added_alone,
        "{added_on_lapatinib} vs {added_alone}"
    );
}
