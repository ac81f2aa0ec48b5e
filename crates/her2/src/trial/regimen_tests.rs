use super::*;

fn known() -> KnownDrugs {
    KnownDrugs::new([
        ("trastuzumab", vec!["herceptin"]),
        ("pertuzumab", vec!["perjeta"]),
        ("docetaxel", vec!["taxotere"]),
        ("paclitaxel", vec!["taxol"]),
        ("capecitabine", vec!["xeloda"]),
        ("lapatinib", vec!["tykerb"]),
        ("t-dm1", vec!["kadcyla"]),
    ])
}

fn item(text: &str) -> RegimenItem {
    RegimenItem::parse(text, &known()).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn err(text: &str) -> String {
    match RegimenItem::parse(text, &known()) {
        Ok(i) => panic!("{text} was accepted: {i:?}"),
        Err(e) => e.to_string(),
    }
}

const W: f64 = 168.0;

#[test]
fn trastuzumab_loading_dose() {
    let i = item("trastuzumab 8 mg/kg load then 6 mg/kg q3w");
    assert_eq!(i.drug, "trastuzumab");
    assert_eq!(
        i.loading,
        Some(Dose {
            value: 8.0,
            unit: DoseUnit::MgPerKg
        })
    );
    assert_eq!(i.schedule, Schedule::Q3w);
    let r = Regimen { items: vec![i] };
    let ev = r.expand(70.0, 1.8, 10.0 * W).unwrap();
    let times: Vec<f64> = ev.iter().map(|e| e.time_h).collect();
    assert_eq!(times, vec![0.0, 3.0 * W, 6.0 * W, 9.0 * W]);
    assert_eq!(ev[0].amount_mg, 560.0);
    assert!(ev[1..].iter().all(|e| e.amount_mg == 420.0));
}

#[test]
fn docetaxel_six_cycles() {
    let r = Regimen::parse(&["docetaxel 75 mg/m2 q3w x6"], &known()).unwrap();
    let ev = r.expand(70.0, 1.8, 100.0 * W).unwrap();
    assert_eq!(ev.len(), 6);
    assert_eq!(ev[5].time_h, 15.0 * W);
    assert!(ev.iter().all(|e| (e.amount_mg - 135.0).abs() < 1e-12));
}

#[test]
fn capecitabine_two_weeks_on_one_off() {
    let i = item("capecitabine 1000 mg/m2 bid days 1-14 of 21");
    assert_eq!(
        i.days,
        Some(CycleDays {
            first: 1,
            last: 14,
            cycle: 21
        })
    );
    let t = i.times(42.0 * 24.0);
    assert_eq!(t.len(), 56, "two cycles of 28 doses");
    assert_eq!(t[27], 13.0 * 24.0 + 12.0, "last dose: evening of day 14");
    assert_eq!(t[28], 21.0 * 24.0, "next cycle on day 22");
    let ev = Regimen { items: vec![i] }.expand(70.0, 2.0, 24.0).unwrap();
    assert_eq!(ev.len(), 2);
    assert_eq!(ev[0].amount_mg, 2000.0);
}

#[test]
fn paclitaxel_from_week_seven() {
    let i = item("paclitaxel 80 mg/m2 qw x12 from week 7");
    assert_eq!((i.cycles, i.from_week), (Some(12), Some(7)));
    let t = i.times(1000.0 * W);
    assert_eq!(t.len(), 12);
    assert_eq!(t[0], 6.0 * W);
    assert_eq!(t[11], 17.0 * W);
}

#[test]
fn lapatinib_daily_and_until() {
    let t = item("lapatinib 1250 mg qd").times(7.0 * 24.0);
    assert_eq!(t, (0..7).map(|d| d as f64 * 24.0).collect::<Vec<_>>());
    let t = item("lapatinib 1250 mg qd until week 2").times(100.0 * W);
    assert_eq!(t.len(), 14);
    let t = item("Tykerb 1250mg QD x3").times(100.0 * W);
    assert_eq!(t, vec![0.0, 24.0, 48.0]);
}

#[test]
fn pertuzumab_flat_loading_dose() {
    let r = Regimen::parse(
        &[
            "pertuzumab 840 mg load then 420 mg q3w",
            "trastuzumab 8 mg/kg load then 6 mg/kg q3w",
        ],
        &known(),
    )
    .unwrap();
    let ev = r.expand(60.0, 1.7, 3.0 * W + 1.0).unwrap();
    let amounts: Vec<(&str, f64)> = ev.iter().map(|e| (e.drug.as_str(), e.amount_mg)).collect();
    assert_eq!(
        amounts,
        vec![
            ("pertuzumab", 840.0),
            ("trastuzumab", 480.0),
            ("pertuzumab", 420.0),
            ("trastuzumab", 360.0)
        ]
    );
}

#[test]
fn aliases_resolve_to_ids() {
    assert_eq!(item("Kadcyla 3.6 mg/kg q3w").drug, "t-dm1");
    assert_eq!(item("T_DM1 3.6 mg/kg q3w").drug, "t-dm1");
}

#[test]
fn errors_name_the_token_and_what_was_expected() {
    let e = err("aspirin 100 mg qd");
    assert!(
        e.contains("unknown drug \"aspirin\"") && e.contains("trastuzumab"),
        "{e}"
    );
    let e = err("docetaxel 75 mg/l q3w");
    assert!(
        e.contains("\"mg/l\"") && e.contains("mg, mg/kg or mg/m2"),
        "{e}"
    );
    let e = err("docetaxel -75 mg/m2 q3w");
    assert!(
        e.contains("\"-75\"") && e.contains("positive number"),
        "{e}"
    );
    let e = err("docetaxel 75 mg/m2 q5w");
    assert!(e.contains("\"q5w\"") && e.contains("schedule"), "{e}");
    let e = err("docetaxel 75 mg/m2");
    assert!(e.contains("ended where a schedule"), "{e}");
    let e = err("trastuzumab 8 mg/kg load 6 mg/kg q3w");
    assert!(e.contains("\"6\"") && e.contains("\"then\""), "{e}");
    let e = err("docetaxel 75 mg/m2 q3w x0");
    assert!(e.contains("\"0\"") && e.contains("1 to 1000"), "{e}");
    let e = err("docetaxel 75 mg/m2 q3w x6 x4");
    assert!(e.contains("\"x4\"") && e.contains("each once"), "{e}");
    let e = err("capecitabine 1000 mg/m2 bid days 1-14 in 21");
    assert!(e.contains("\"in\"") && e.contains("\"of\""), "{e}");
    let e = err("capecitabine 1000 mg/m2 bid days 14 of 21");
    assert!(e.contains("\"14\"") && e.contains("day range"), "{e}");
    let e = err("capecitabine 1000 mg/m2 bid days 15-14 of 21");
    assert!(e.contains("1 <= A <= B <= C"), "{e}");
    let e = err("capecitabine 1000 mg/m2 bid days 1-22 of 21");
    assert!(e.contains("1 <= A <= B <= C"), "{e}");
    let e = err("paclitaxel 80 mg/m2 qw from wk 7");
    assert!(e.contains("\"wk\"") && e.contains("\"week\""), "{e}");
    let e = err("paclitaxel 80 mg/m2 qw from week 9 until week 3");
    assert!(e.contains("before from week 9"), "{e}");
    let e = err("paclitaxel 80 mg/m2 qw every week");
    assert!(e.contains("\"every\"") && e.contains("xCYCLES"), "{e}");
    assert!(err("").contains("a drug name"));
}

#[test]
fn expansion_checks_the_patient() {
    let r = Regimen::parse(&["lapatinib 1250 mg qd"], &known()).unwrap();
    assert!(r.expand(0.0, 1.8, 10.0).is_err());
    assert!(r.expand(70.0, f64::NAN, 10.0).is_err());
    assert!(r.expand(70.0, 1.8, -1.0).is_err());
    assert!(r.expand(70.0, 1.8, 0.0).unwrap().is_empty());
}
