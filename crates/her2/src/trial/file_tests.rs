use super::*;
use crate::catalogue::Catalogue;

const CLEOPATRA: &str = r#"
[trial]
name = "CLEOPATRA"
setting = "metastatic"
line = 1
prior = []
patients = 400
months = 60
seed = 7

[[arm]]
name = "placebo+H+D"
regimen = ["trastuzumab 8 mg/kg load then 6 mg/kg q3w", "docetaxel 75 mg/m2 q3w x6"]
[arm.published]
orr = 0.693
median_pfs_months = 12.4
hazard_ratio = 1.0
source = "Baselga et al., N Engl J Med 2012;366:109-19"

[[arm]]
name = "P+H+D"
regimen = [
  "pertuzumab 840 mg load then 420 mg q3w",
  "trastuzumab 8 mg/kg load then 6 mg/kg q3w",
  "docetaxel 75 mg/m2 q3w x6",
]
[arm.published]
orr = 0.802
median_pfs_months = 18.5
hazard_ratio = 0.62
hazard_ratio_ci = [0.51, 0.75]
"#;

fn known() -> KnownDrugs {
    KnownDrugs::from_catalogue(&Catalogue::builtin().unwrap())
}

fn parse(text: &str) -> Result<Trial, TrialFileError> {
    Trial::from_toml(text, "TRIAL.toml", &known())
}

/// The error for CLEOPATRA with `from` replaced by `to`.
fn error_with(from: &str, to: &str) -> String {
    assert!(CLEOPATRA.contains(from), "{from}");
    match parse(&CLEOPATRA.replacen(from, to, 1)) {
        Ok(_) => panic!("accepted with {to:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn reads_a_valid_file() {
    let t = parse(CLEOPATRA).unwrap();
    assert_eq!(t.name, "CLEOPATRA");
    assert_eq!(t.setting, Setting::Metastatic);
    assert_eq!(
        (t.line, t.patients, t.seed, t.months),
        (1, 400, 7, Some(60.0))
    );
    assert_eq!(t.arms.len(), 2);
    assert_eq!(t.arms[1].options[0].regimen.items.len(), 3);
    assert_eq!(t.arms[1].options[0].regimen.items[0].drug, "pertuzumab");
    let p = t.arms[1].published.as_ref().unwrap();
    assert_eq!(p.hazard_ratio_ci, Some([0.51, 0.75]));
    assert_eq!(p.source, None);
    // The regimen expands: 6 docetaxel doses in the control arm over the follow-up.
    let ev = t.arms[0].options[0]
        .regimen
        .expand(70.0, 1.8, 60.0 * 730.5)
        .unwrap();
    assert_eq!(ev.iter().filter(|e| e.drug == "docetaxel").count(), 6);
}

#[test]
fn defaults_and_neoadjuvant() {
    let text = r#"
[trial]
name = "NeoSphere"
setting = "neoadjuvant"
prior = ["Herceptin"]
surgery_week = 13

[[arm]]
name = "P+H+D"
regimen = ["pertuzumab 840 mg load then 420 mg q3w x4"]
published = { pcr = 0.458 }
"#;
    let t = parse(text).unwrap();
    assert_eq!(t.patients, 1000);
    assert_eq!((t.line, t.seed), (1, 1));
    assert_eq!(t.prior, vec!["trastuzumab".to_string()]);
    assert_eq!((t.months, t.surgery_week), (None, Some(13.0)));
}

#[test]
fn bad_values_name_their_key() {
    let cases = [
        (
            "\"docetaxel 75 mg/m2 q3w x6\",\n]",
            "\"docetaxel 75 mg/l q3w x6\",\n]",
            "TRIAL.toml: arm[1].regimen[2]: \"docetaxel 75 mg/l q3w x6\": \"mg/l\"",
        ),
        (
            "regimen = [\"trastuzumab",
            "regimen = [\"herceptine",
            "TRIAL.toml: arm[0].regimen[0]: \"herceptine 8",
        ),
        (
            "patients = 400",
            "patients = 0",
            "TRIAL.toml: trial.patients: 0: expected 1 to 100000",
        ),
        (
            "patients = 400",
            "patients = 100001",
            "trial.patients: 100001",
        ),
        ("patients = 400", "patients = -3", "trial.patients: -3"),
        ("months = 60", "months = 2400", "trial.months: 2400"),
        ("months = 60", "months = -1.5", "trial.months: -1.5"),
        ("months = 60", "", "trial.months: missing"),
        (
            "months = 60",
            "months = 60\nsurgery_week = 12",
            "trial.surgery_week: only neoadjuvant",
        ),
        ("line = 1", "line = 0", "trial.line: 0"),
        ("seed = 7", "seed = -1", "trial.seed: -1"),
        (
            "prior = []",
            "prior = [\"t-dm1\", \"aspirin\"]",
            "trial.prior[1]: unknown drug \"aspirin\"",
        ),
        (
            "name = \"CLEOPATRA\"",
            "name = \" \"",
            "trial.name: is empty",
        ),
        (
            "name = \"P+H+D\"",
            "name = \"placebo+H+D\"",
            "arm[1].name: \"placebo+H+D\" is also the name of arm[0]",
        ),
        (
            "orr = 0.693",
            "orr = 69.3",
            "arm[0].published.orr: 69.3: expected a fraction",
        ),
        (
            "median_pfs_months = 18.5",
            "median_pfs_months = 0",
            "arm[1].published.median_pfs_months: 0",
        ),
        (
            "[0.51, 0.75]",
            "[0.65, 0.75]",
            "arm[1].published.hazard_ratio_ci: [0.65, 0.75]",
        ),
        (
            "orr = 0.693",
            "orr = 0.693\npfs_12_months = 1.2",
            "arm[0].published.pfs_12_months: 1.2: expected a fraction",
        ),
        (
            "orr = 0.693",
            "orr = 0.693\ncr = -0.1",
            "arm[0].published.cr: -0.1: expected a fraction",
        ),
    ];
    for (from, to, want) in cases {
        let e = error_with(from, to);
        assert!(e.contains(want), "{to:?}: got {e}\nwanted {want}");
    }
}

#[test]
fn structure_errors_come_from_toml_with_the_line() {
    let e = error_with("seed = 7", "seed = 7\ncohort = 3");
    assert!(e.starts_with("TRIAL.toml: ") && e.contains("cohort"), "{e}");
    let e = error_with("setting = \"metastatic\"", "setting = \"adjuvant\"");
    assert!(e.contains("adjuvant") && e.contains("neoadjuvant"), "{e}");
    let e = error_with("seed = 7", "seed = 7\npurpose = \"training\"");
    assert!(e.contains("training") && e.contains("validation"), "{e}");
    let t = parse(&CLEOPATRA.replace("seed = 7", "seed = 7\npurpose = \"validation\"")).unwrap();
    assert_eq!(t.purpose, Some(super::Purpose::Validation));
    assert_eq!(parse(CLEOPATRA).unwrap().purpose, None);
    let e = error_with("orr = 0.802", "orr = 0.802\nos = 1");
    assert!(e.contains("os"), "{e}");
    let e = parse("[trial]\nname = \"x\"\nsetting = \"metastatic\"\nmonths = 12\n").unwrap_err();
    assert!(e.to_string().contains("arm: no [[arm]]"), "{e}");
    let e = error_with(
        "regimen = [\"trastuzumab 8 mg/kg load then 6 mg/kg q3w\", \"docetaxel 75 mg/m2 q3w x6\"]",
        "regimen = []",
    );
    assert!(e.contains("arm[0].regimen: is empty"), "{e}");
}

#[test]
fn reads_files_and_names_them() {
    let dir = std::env::temp_dir().join(format!("her2sim-trial-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("TRIAL.toml");
    std::fs::write(&path, CLEOPATRA.replace("orr = 0.693", "orr = 2")).unwrap();
    let e = Trial::read(&path, &known()).unwrap_err().to_string();
    assert!(e.starts_with(&path.display().to_string()), "{e}");
    assert!(e.contains("arm[0].published.orr"), "{e}");
    std::fs::write(&path, CLEOPATRA).unwrap();
    assert_eq!(Trial::read(&path, &known()).unwrap().arms.len(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
    let e = Trial::read(&dir.join("missing.toml"), &known()).unwrap_err();
    assert!(matches!(e, TrialFileError::Read { .. }), "{e}");
}

#[test]
fn published_subgroups_are_read_and_checked() {
    let sub = "hazard_ratio_ci = [0.51, 0.75]\n[[arm.subgroup]]\nmarker = \"pik3ca-h1047r\"\nmedian_pfs_positive = 10.9\nmedian_pfs_negative = 9.8\nsource = \"Baselga 2016\"\n";
    let text = CLEOPATRA.replacen("hazard_ratio_ci = [0.51, 0.75]\n", sub, 1);
    let t = parse(&text).unwrap();
    assert!(t.arms[0].subgroups.is_empty());
    assert_eq!(t.arms[1].subgroups.len(), 1);
    assert_eq!(t.arms[1].subgroups[0].median_pfs_positive, Some(10.9));
    let bad = |from: &str, to: &str| match parse(&text.replacen(from, to, 1)) {
        Ok(_) => panic!("accepted with {to:?}"),
        Err(e) => e.to_string(),
    };
    assert!(bad("\"pik3ca-h1047r\"", "\"kras\"")
        .starts_with("TRIAL.toml: arm[1].subgroup[0].marker: \"kras\": expected one of"));
    assert_eq!(
        bad("median_pfs_positive = 10.9", "median_pfs_positive = 0"),
        "TRIAL.toml: arm[1].subgroup[0].median_pfs_positive: 0: expected a positive number of months"
    );
    assert_eq!(
        bad("source = \"Baselga 2016\"", "source = \"\""),
        "TRIAL.toml: arm[1].subgroup[0].source: is empty"
    );
    let twice = text.replacen(
        sub,
        &format!("{sub}{}", &sub["hazard_ratio_ci = [0.51, 0.75]\n".len()..]),
        1,
    );
    assert_eq!(
        parse(&twice).map(|_| ()).map_err(|e| e.to_string()),
        Err("TRIAL.toml: arm[1].subgroup[1].marker: \"pik3ca-h1047r\" is also the marker of subgroup[0]".to_string())
    );
    assert!(bad("median_pfs_negative = 9.8", "orr_negative = 2.0")
        .contains("subgroup[0].orr_negative: 2: expected a fraction"));
    assert!(bad("median_pfs_negative = 9.8", "hazard = 1.0").contains("unknown field `hazard`"));
}

const MIXED: &str = r#"
[trial]
name = "mixed"
setting = "metastatic"
line = 3
patients = 100
months = 24

[[arm]]
name = "T-DM1"
regimen = ["t-dm1 3.6 mg/kg q3w"]

[[arm]]
name = "physician's choice"
[[arm.option]]
share = 0.83
regimen = ["trastuzumab 8 mg/kg load then 6 mg/kg q3w", "vinorelbine 25 mg/m2 qw"]
[[arm.option]]
share = 0.17
regimen = ["vinorelbine 25 mg/m2 qw"]
"#;

/// An arm of several regimens (treatment of physician's choice): options with shares that
/// sum to 1, each a regimen read like any other; the arm gives the drugs of all of them and
/// is described option by option.
#[test]
fn mixed_arms_are_read_and_checked() {
    let t = parse(MIXED).unwrap();
    let arm = &t.arms[1];
    assert_eq!(arm.options.len(), 2);
    assert_eq!((arm.options[0].share, arm.options[1].share), (0.83, 0.17));
    assert_eq!(arm.options[1].regimen.items[0].drug, "vinorelbine");
    assert_eq!(arm.drugs(), ["trastuzumab", "vinorelbine"]);
    assert_eq!(
        arm.described(),
        [
            "83%: trastuzumab 8 mg/kg load then 6 mg/kg q3w + vinorelbine 25 mg/m2 qw",
            "17%: vinorelbine 25 mg/m2 qw"
        ]
    );
    assert_eq!(t.arms[0].options.len(), 1);
    assert_eq!(t.arms[0].described(), ["t-dm1 3.6 mg/kg q3w"]);
    let bad = |from: &str, to: &str| parse(&MIXED.replace(from, to)).unwrap_err().to_string();
    let e = bad("share = 0.17", "share = 0.2");
    assert!(e.contains("arm[1].option: shares sum to 1.03"), "{e}");
    let e = bad("share = 0.17", "share = 0");
    assert!(
        e.contains("arm[1].option[1].share: 0: expected a fraction"),
        "{e}"
    );
    let e = bad(
        "regimen = [\"vinorelbine 25 mg/m2 qw\"]",
        "regimen = [\"vinorelbine 25 mg/m3 qw\"]",
    );
    assert!(e.contains("arm[1].option[1].regimen[0]"), "{e}");
    let e = bad("regimen = [\"vinorelbine 25 mg/m2 qw\"]", "regimen = []");
    assert!(e.contains("arm[1].option[1].regimen: is empty"), "{e}");
    let e = bad(
        "name = \"physician's choice\"",
        "name = \"physician's choice\"\nregimen = [\"vinorelbine 25 mg/m2 qw\"]",
    );
    assert!(e.contains("arm[1].option: an arm has either"), "{e}");
    let e = bad("regimen = [\"t-dm1 3.6 mg/kg q3w\"]", "");
    assert!(e.contains("arm[0].regimen: is missing"), "{e}");
}
