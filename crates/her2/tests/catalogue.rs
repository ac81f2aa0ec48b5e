//! Checks of the shipped catalogue (completeness, sources, units) and of dose parsing.

use her2sim_her2::{
    parse_dose, Catalogue, CatalogueError, Dimension, DoseError, Measure, Parameter, Potency,
    Quantity, StrategyClass, Tag,
};

const ISSUE_STRATEGIES: &[&str] = &[
    "trastuzumab",
    "pertuzumab",
    "t-dm1",
    "t-dxd",
    "lapatinib",
    "neratinib",
    "tucatinib",
    "17-aag",
    "e1a",
    "pea3",
    "her2-sirna",
    "alpelisib",
    "mk-2206",
    "everolimus",
    "trametinib",
    "paclitaxel",
    "docetaxel",
    "capecitabine",
    "vinorelbine",
    "doxorubicin",
    "cyclophosphamide",
    "cisplatin",
];

fn cat() -> Catalogue {
    match Catalogue::builtin() {
        Ok(c) => c,
        Err(e) => panic!("the shipped catalogue does not load: {e}"),
    }
}

/// Every number in the catalogue, with a label, as (label, value, range, source, tag, unit).
struct Num<'a> {
    what: String,
    value: Option<f64>,
    range: Option<[f64; 2]>,
    source: &'a str,
    tag: Tag,
}

fn from_measure<'a>(what: String, m: &'a Measure) -> Num<'a> {
    Num {
        what,
        value: m.value,
        range: m.range,
        source: &m.source,
        tag: m.tag,
    }
}
fn from_param<'a>(what: String, m: &'a Parameter) -> Num<'a> {
    Num {
        what,
        value: m.value,
        range: m.range,
        source: &m.source,
        tag: m.tag,
    }
}
fn from_potency<'a>(what: String, m: &'a Potency) -> Num<'a> {
    Num {
        what,
        value: m.value,
        range: m.range,
        source: &m.source,
        tag: m.tag,
    }
}

fn all_numbers(c: &Catalogue) -> Vec<Num<'_>> {
    let mut v = Vec::new();
    for s in c.strategies() {
        if let Some(d) = &s.default_dose {
            v.push(from_measure(format!("{} default_dose", s.id), d));
        }
        if let Some(m) = &s.molecular_weight_g_per_mol {
            v.push(from_measure(format!("{} mw", s.id), m));
        }
        for p in &s.potency {
            v.push(from_potency(format!("{} potency {}", s.id, p.target), p));
        }
        for p in s.pk.iter().chain(&s.parameters) {
            v.push(from_param(format!("{} {}", s.id, p.name), p));
        }
    }
    for l in c.cell_lines() {
        v.push(from_measure(format!("{} her2", l.id), &l.her2_per_cell));
        for m in &l.her2_per_cell_other {
            v.push(from_measure(format!("{} her2 other", l.id), m));
        }
        for m in l
            .egfr_per_cell
            .iter()
            .chain(&l.her3_per_cell)
            .chain(&l.doubling_time_h)
        {
            v.push(from_measure(format!("{} count/doubling", l.id), m));
        }
        for p in &l.parameters {
            v.push(from_param(format!("{} {}", l.id, p.name), p));
        }
    }
    for m in c.modifiers() {
        for p in &m.parameters {
            v.push(from_param(format!("{} {}", m.id, p.name), p));
        }
    }
    v
}

#[test]
fn every_issue_strategy_is_present() {
    let c = cat();
    for id in ISSUE_STRATEGIES {
        let s = c.strategy(id).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.id, *id);
        assert!(s.mechanism.len() > 40, "{id}: mechanism text too short");
        assert!(!s.targets.is_empty(), "{id}: no targets");
    }
    assert_eq!(c.strategies().len(), ISSUE_STRATEGIES.len());
}

#[test]
fn strategy_classes_match_the_issue() {
    let c = cat();
    let class = |id: &str| c.strategy(id).map(|s| s.class).ok();
    assert_eq!(class("trastuzumab"), Some(StrategyClass::Antibody));
    assert_eq!(class("t-dm1"), Some(StrategyClass::Adc));
    assert_eq!(class("neratinib"), Some(StrategyClass::Tki));
    assert_eq!(class("17-aag"), Some(StrategyClass::Hsp90));
    assert_eq!(class("pea3"), Some(StrategyClass::Transcriptional));
    assert_eq!(class("her2-sirna"), Some(StrategyClass::Rna));
    assert_eq!(class("alpelisib"), Some(StrategyClass::Pi3k));
    assert_eq!(class("mk-2206"), Some(StrategyClass::Akt));
    assert_eq!(class("everolimus"), Some(StrategyClass::Mtor));
    assert_eq!(class("trametinib"), Some(StrategyClass::Mek));
    assert_eq!(class("cisplatin"), Some(StrategyClass::Chemo));
}

#[test]
fn required_cell_lines_and_modifiers_are_present() {
    let c = cat();
    for id in ["bt474", "skbr3", "mda-mb-453", "mcf7"] {
        assert!(c.cell_line(id).is_ok(), "missing cell line {id}");
    }
    for id in ["pten-loss", "pik3ca-h1047r", "p95her2", "hrg-high"] {
        let m = c.modifier(id).unwrap_or_else(|e| panic!("{e}"));
        assert!(!m.description.trim().is_empty());
        assert!(!m.source.trim().is_empty());
    }
    // HER2-amplified lines carry far more HER2 than the HER2-low line.
    let her2 = |id: &str| {
        let m = &c
            .cell_line(id)
            .unwrap_or_else(|e| panic!("{e}"))
            .her2_per_cell;
        m.value.or(m.range.map(|r| r[1])).unwrap_or(0.0)
    };
    assert!(her2("skbr3") > 10.0 * her2("mcf7"));
    assert!(her2("bt474") > 10.0 * her2("mcf7"));
}

#[test]
fn every_number_has_a_source_and_a_tag() {
    let c = cat();
    let nums = all_numbers(&c);
    assert!(nums.len() > 80, "only {} numbers found", nums.len());
    for n in &nums {
        assert!(!n.source.trim().is_empty(), "{}: empty source", n.what);
        assert!(matches!(n.tag, Tag::Sourced | Tag::Unverified));
        // Unverified numbers name where in the dossier they come from.
        if n.tag == Tag::Unverified {
            assert!(
                n.source.starts_with("facts.md §"),
                "{}: {}",
                n.what,
                n.source
            );
        }
        assert!(
            n.value.is_some() || n.range.is_some(),
            "{}: no number",
            n.what
        );
        for x in n.value.iter().chain(n.range.iter().flatten()) {
            assert!(x.is_finite() && *x > 0.0, "{}: {x} not positive", n.what);
        }
    }
    // Both tags occur, and the split is reported honestly rather than all one kind.
    assert!(nums.iter().any(|n| n.tag == Tag::Sourced));
    assert!(nums.iter().any(|n| n.tag == Tag::Unverified));
}

#[test]
fn tags_in_the_toml_are_only_sourced_or_unverified() {
    for text in [
        include_str!("../../../models/her2/strategies.toml"),
        include_str!("../../../models/her2/cell_lines.toml"),
    ] {
        for line in text.lines() {
            for part in line.split("tag = ").skip(1) {
                assert!(
                    part.starts_with("\"sourced\"") || part.starts_with("\"unverified\""),
                    "bad tag in line: {line}"
                );
            }
        }
    }
}

#[test]
fn doses_and_potencies_are_positive_with_known_units() {
    let c = cat();
    let mut doses = 0;
    for s in c.strategies() {
        if let Some(d) = &s.default_dose {
            let q = s
                .default_quantity()
                .unwrap_or_else(|| panic!("{}: dose unreadable", s.id));
            assert!(q.value > 0.0, "{}", s.id);
            assert!(matches!(
                q.unit.dimension,
                Dimension::MolarConcentration | Dimension::MassConcentration
            ));
            assert_eq!(parse_dose(&format!("{}{}", q.value, d.unit)), Ok(q));
            doses += 1;
        }
        for p in &s.potency {
            let u = her2sim_her2::Unit::parse(&p.unit).unwrap_or_else(|e| panic!("{e}"));
            assert!(matches!(
                u.dimension,
                Dimension::MolarConcentration | Dimension::MassConcentration
            ));
            for x in p.value.iter().chain(p.range.iter().flatten()) {
                assert!(*x > 0.0);
            }
        }
    }
    assert!(doses >= 5, "only {doses} default doses");
}

#[test]
fn antibody_potencies_are_sub_nanomolar_and_tki_potencies_nanomolar() {
    let c = cat();
    let kd = |id: &str| -> f64 {
        let s = c.strategy(id).unwrap_or_else(|e| panic!("{e}"));
        let p = s
            .potency
            .iter()
            .find(|p| p.target == "HER2")
            .expect("HER2 potency");
        Quantity::new(p.value.unwrap_or(f64::NAN), &p.unit)
            .and_then(|q| q.to_nanomolar(None))
            .unwrap_or(f64::NAN)
    };
    assert!(kd("trastuzumab") < 1.0);
    assert!(kd("t-dm1") < 1.0);
    assert!(kd("lapatinib") > 1.0 && kd("lapatinib") < 100.0);
}

#[test]
fn molar_conversion_uses_molecular_weight() {
    let c = cat();
    let lap = c.strategy("lapatinib").unwrap_or_else(|e| panic!("{e}"));
    let q = lap.default_quantity().expect("lapatinib dose");
    let nm = lap.to_nanomolar(&q).expect("converts with MW 581");
    // 2.43 ug/mL / 581 g/mol = 4.18 uM
    assert!((nm - 2.43e-3 / 581.0 * 1e9).abs() < 1e-6, "{nm}");
    // Trastuzumab: 20 ug/mL at 145,532 g/mol (sourced) is 137 nM.
    let tras = c.strategy("trastuzumab").unwrap_or_else(|e| panic!("{e}"));
    let q = tras.default_quantity().expect("trastuzumab dose");
    let nm = tras.to_nanomolar(&q).expect("converts with its MW");
    assert!((nm - 20e-3 / 145_531.86 * 1e9).abs() < 1e-6, "{nm}");
    // Without a molecular weight a mass concentration cannot become molar (MK-2206 has none).
    let mk = c.strategy("mk-2206").unwrap_or_else(|e| panic!("{e}"));
    assert!(mk.molecular_weight().is_none());
    assert!(matches!(
        mk.to_nanomolar(&Quantity::new(1.0, "ug/mL").unwrap()),
        Err(DoseError::NoMolecularWeight { .. })
    ));
}

#[test]
fn missing_numbers_are_todos_not_inventions() {
    let c = cat();
    let id = "cisplatin";
    let s = c.strategy(id).unwrap_or_else(|e| panic!("{e}"));
    assert!(s.default_dose.is_none() && s.potency.is_empty(), "{id}");
    assert!(
        s.todo.as_deref().is_some_and(|t| t.contains("facts.md")),
        "{id}"
    );
    for s in c.strategies() {
        if s.default_dose.is_none() {
            assert!(s.todo.is_some(), "{}: no dose and no todo", s.id);
        }
    }
}

#[test]
fn half_life_is_converted_to_hours() {
    let c = cat();
    let h = |id: &str| c.strategy(id).ok().and_then(|s| s.half_life_h());
    assert_eq!(h("trastuzumab"), Some(28.5 * 24.0));
    assert_eq!(h("lapatinib"), Some(24.0));
    assert_eq!(h("cisplatin"), None);
}

#[test]
fn lookups_are_forgiving_and_unknown_ids_list_the_known_ones() {
    let c = cat();
    let id = |r: Result<&her2sim_her2::Strategy, CatalogueError>| r.map(|s| s.id.clone()).ok();
    assert_eq!(id(c.strategy("T-DM1")), Some("t-dm1".into()));
    assert_eq!(id(c.strategy("Kadcyla")), Some("t-dm1".into()));
    assert_eq!(id(c.strategy("tdm1")), Some("t-dm1".into()));
    assert_eq!(id(c.strategy("Herceptin")), Some("trastuzumab".into()));
    assert_eq!(c.cell_line("BT-474").map(|l| l.id.as_str()), Ok("bt474"));
    assert_eq!(c.cell_line("SK-BR-3").map(|l| l.id.as_str()), Ok("skbr3"));

    match c.strategy("aspirin") {
        Err(CatalogueError::Unknown { kind, id, known }) => {
            assert_eq!(kind, "strategy");
            assert_eq!(id, "aspirin");
            assert_eq!(known.len(), ISSUE_STRATEGIES.len());
        }
        other => panic!("expected Unknown, got {other:?}"),
    }
    let msg = c.strategy("aspirin").map(|_| ()).unwrap_err().to_string();
    for id in ISSUE_STRATEGIES {
        assert!(msg.contains(id), "error does not list {id}: {msg}");
    }
    let msg = c.cell_line("HeLa").map(|_| ()).unwrap_err().to_string();
    assert!(
        msg.contains("bt474") && msg.contains("skbr3") && msg.contains("mcf7"),
        "{msg}"
    );
    let msg = c.modifier("kras").map(|_| ()).unwrap_err().to_string();
    assert!(msg.contains("p95her2") && msg.contains("hrg-high"), "{msg}");
}

#[test]
fn bad_catalogues_are_rejected_with_reasons() {
    let good_lines = "";
    let unsourced = r#"
[[strategy]]
id = "x"
name = "X"
class = "tki"
targets = ["HER2"]
mechanism = "Inhibits HER2."
[strategy.default_dose]
value = -1.0
unit = "parsecs"
source = ""
tag = "sourced"
"#;
    let err = Catalogue::from_toml(unsourced, good_lines)
        .unwrap_err()
        .to_string();
    assert!(err.contains("source is empty"), "{err}");
    assert!(err.contains("not positive"), "{err}");
    assert!(err.contains("unknown unit"), "{err}");

    let bad_tag = unsourced
        .replace("\"sourced\"", "\"trust me\"")
        .replace("-1.0", "1.0");
    assert!(matches!(
        Catalogue::from_toml(&bad_tag, good_lines),
        Err(CatalogueError::Parse { .. })
    ));

    let dup = r#"
[[modifier]]
id = "a"
name = "A"
description = "d"
source = "s"
tag = "unverified"
[[modifier]]
id = "a"
name = "A again"
description = "d"
source = "s"
tag = "unverified"
"#;
    let err = Catalogue::from_toml("", dup).unwrap_err().to_string();
    assert!(err.contains("already used"), "{err}");

    let typo = "[[strategy]]\nidd = \"x\"\n";
    assert!(matches!(
        Catalogue::from_toml(typo, ""),
        Err(CatalogueError::Parse { .. })
    ));
}

#[test]
fn parse_dose_reads_real_units() {
    let q = parse_dose("10ug/mL").expect("10ug/mL");
    assert_eq!((q.value, q.unit.symbol), (10.0, "ug/mL"));
    let q = parse_dose("100nM").expect("100nM");
    assert_eq!((q.value, q.unit.symbol), (100.0, "nM"));
    let q = parse_dose("1.5 uM").expect("1.5 uM");
    assert_eq!((q.value, q.unit.symbol), (1.5, "uM"));
    assert_eq!(q.to_nanomolar(None), Ok(1500.0));
    let q = parse_dose("0.5mg/kg").expect("0.5mg/kg");
    assert_eq!((q.value, q.unit.dimension), (0.5, Dimension::PerBodyWeight));
    assert_eq!(parse_dose("1.5 µM"), parse_dose("1.5uM"));
    let nm = parse_dose("2e-3 mM").and_then(|q| q.to_nanomolar(None));
    assert!(nm.is_ok_and(|x| (x - 2000.0).abs() < 1e-9));
    assert_eq!(parse_dose("0 nM").map(|q| q.value), Ok(0.0));
    let q = parse_dose("175 mg/m2").expect("mg/m2");
    assert_eq!(q.unit.dimension, Dimension::PerBodySurface);
}

#[test]
fn parse_dose_round_trips() {
    for text in [
        "10ug/mL",
        "100nM",
        "1.5 uM",
        "0.5mg/kg",
        "3.6 mg/kg",
        "0.037 nM",
        "1e-7 M",
    ] {
        let q = parse_dose(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let again = parse_dose(&q.to_string()).unwrap_or_else(|e| panic!("{q}: {e}"));
        assert_eq!(q, again, "{text} -> {q}");
    }
    // Converting there and back returns the same amount.
    let q = parse_dose("20 ug/mL").expect("dose");
    let nm = q.to_unit("nM", Some(148_000.0)).expect("to nM");
    let back = nm.to_unit("ug/mL", Some(148_000.0)).expect("back");
    assert!((back.value - 20.0).abs() < 1e-9);
    assert!((nm.value - 135.135_135).abs() < 1e-3);
}

#[test]
fn parse_dose_rejects_junk() {
    assert!(matches!(
        parse_dose("10 parsecs"),
        Err(DoseError::UnknownUnit { .. })
    ));
    assert_eq!(parse_dose(""), Err(DoseError::Empty));
    assert_eq!(parse_dose("   "), Err(DoseError::Empty));
    assert!(matches!(parse_dose("-1nM"), Err(DoseError::Negative(_))));
    assert!(matches!(parse_dose("nM"), Err(DoseError::NoNumber(_))));
    assert!(matches!(parse_dose("inf nM"), Err(DoseError::NoNumber(_))));
    assert!(matches!(
        parse_dose("1e999 nM"),
        Err(DoseError::NotFinite(_))
    ));
    assert_eq!(parse_dose("10"), Err(DoseError::MissingUnit));
    assert!(matches!(
        parse_dose("1.2.3 nM"),
        Err(DoseError::NoNumber(_))
    ));
    // The unknown-unit error names the known units.
    let msg = parse_dose("10 parsecs")
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("nM") && msg.contains("ug/mL"), "{msg}");
    // Units of different kinds do not convert into each other.
    let q = parse_dose("1 mg/kg").expect("dose");
    assert!(matches!(
        q.to_unit("nM", Some(500.0)),
        Err(DoseError::Incompatible { .. })
    ));
    assert!(matches!(
        parse_dose("1 ug/mL").and_then(|q| q.to_unit("nM", Some(-3.0))),
        Err(DoseError::BadMolecularWeight(_))
    ));
}

#[test]
fn parameters_doc_counts_match_the_catalogue() {
    // docs/parameters.md lists every number; its totals line must follow the TOML files.
    let doc = include_str!("../../../docs/parameters.md");
    let c = cat();
    let nums = all_numbers(&c);
    let sourced = nums.iter().filter(|n| n.tag == Tag::Sourced).count();
    let unverified = nums.len() - sourced;
    let want = format!(
        "Totals: {} numbers, {sourced} sourced and {unverified} unverified",
        nums.len()
    );
    assert!(
        doc.contains(&want),
        "docs/parameters.md is out of date: expected {want:?}"
    );
}
