//! What a trial run prints and writes: the `--json` summary (the contract of issue 12),
//! `arms.csv`, `patients.csv`, and `index.html` with Kaplan–Meier curves and numbers at risk,
//! waterfall plots of best response, tumour-burden spaghetti plots and PK profiles, drawn
//! with the project's report crate.

use her2sim_report::{BarChart, Block, Cell, LineChart, Report, Section, Series, Table};
use serde_json::{json, Value};

use super::file::Setting;
use super::run::TrialResult;

/// `{"trial", "patients_per_arm", "arms": [{"name", "orr", "cbr", "median_pfs_months",
/// "pfs_12_months", "hazard_ratio", "hazard_ratio_ci", "pcr"}], "subgroups": [...]}`
/// (`subgroups`: `subgroup_report::json`, and `best_response`, each arm's distribution of best
/// RECIST response `[{"arm", "cr", "pr", "sd", "pd"}]` as fractions, added after the
/// contract; the contract's arm objects keep exactly their eight keys).
pub fn json(r: &TrialResult) -> Value {
    let arms: Vec<Value> = r
        .arms
        .iter()
        .map(|a| {
            json!({
                "name": a.name,
                "orr": a.orr,
                "cbr": a.cbr,
                "median_pfs_months": a.median_pfs_months,
                "pfs_12_months": a.pfs_12_months,
                "hazard_ratio": a.hazard_ratio,
                "hazard_ratio_ci": a.hazard_ratio_ci,
                "pcr": a.pcr,
            })
        })
        .collect();
    json!({
        "trial": r.name,
        "patients_per_arm": r.patients_per_arm,
        "arms": arms,
        "subgroups": super::subgroup_report::json(r),
        "best_response": best_response(r),
    })
}

/// Each arm's best RECIST responses as fractions of its patients.
fn best_response(r: &TrialResult) -> Value {
    use super::recist::Response;
    r.arms
        .iter()
        .map(|a| {
            let n = a.patients.len().max(1) as f64;
            let share = |x: Response| a.patients.iter().filter(|p| p.best == x).count() as f64 / n;
            json!({
                "arm": a.name,
                "cr": share(Response::Cr),
                "pr": share(Response::Pr),
                "sd": share(Response::Sd),
                "pd": share(Response::Pd),
            })
        })
        .collect()
}

fn num(v: Option<f64>) -> String {
    v.map_or(String::new(), |x| format!("{x:.6}"))
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The report directory's files: arms.csv, patients.csv, subgroups.csv and index.html.
pub fn report_files(r: &TrialResult) -> [(&'static str, String); 4] {
    [
        ("arms.csv", arms_csv(r)),
        ("patients.csv", patients_csv(r)),
        ("subgroups.csv", super::subgroup_report::csv(r)),
        ("index.html", index_html(r)),
    ]
}

/// One row per arm: simulated and published values.
pub fn arms_csv(r: &TrialResult) -> String {
    let mut s = String::from(
        "arm,regimen,orr,cr,cbr,median_pfs_months,median_pfs_lower,median_pfs_upper,pfs_12_months,hazard_ratio,hazard_ratio_lower,hazard_ratio_upper,pcr,published_orr,published_cr,published_median_pfs_months,published_hazard_ratio,published_pcr,published_source\n",
    );
    for a in &r.arms {
        let p = a.published.as_ref();
        let ci = a.hazard_ratio_ci;
        s += &[
            quote(&a.name),
            quote(&a.items.join("; ")),
            num(Some(a.orr)),
            num(Some(a.cr)),
            num(Some(a.cbr)),
            num(a.median_pfs_months),
            num(a.median_pfs_ci[0]),
            num(a.median_pfs_ci[1]),
            num(a.pfs_12_months),
            num(a.hazard_ratio),
            num(ci.map(|c| c[0])),
            num(ci.map(|c| c[1])),
            num(a.pcr),
            num(p.and_then(|p| p.orr)),
            num(p.and_then(|p| p.cr)),
            num(p.and_then(|p| p.median_pfs_months)),
            num(p.and_then(|p| p.hazard_ratio)),
            num(p.and_then(|p| p.pcr)),
            quote(p.and_then(|p| p.source.as_deref()).unwrap_or("")),
        ]
        .join(",");
        s.push('\n');
    }
    s
}

/// One row per patient and arm.
pub fn patients_csv(r: &TrialResult) -> String {
    let mut s = String::from(
        "patient,arm,weight_kg,bsa_m2,cell_line,genotype,doubling_time_days,baseline_sld_mm,sensitivity_targeted,sensitivity_chemotherapy,sensitivity_adc,best_response,best_change_pct,pfs_months,progressed,pcr\n",
    );
    for a in &r.arms {
        for (p, x) in r.cohort.iter().zip(&a.patients) {
            let [st, sc, sa] = p.sensitivity;
            s += &format!(
                "{},{},{:.2},{:.3},{},{},{:.1},{:.2},{st:.4},{sc:.4},{sa:.4},{},{:.2},{:.4},{},{}\n",
                p.index,
                quote(&a.name),
                p.weight_kg,
                p.bsa_m2,
                p.cell_line,
                p.genotype_label(),
                p.doubling_time_h / 24.0,
                p.baseline_sld_mm,
                x.best,
                x.best_change_pct,
                x.pfs_months,
                x.progressed,
                x.pcr.map_or(String::new(), |b| b.to_string()),
            );
        }
    }
    s
}

/// Patients drawn per arm in the waterfall and spaghetti plots.
const WATERFALL_PATIENTS: usize = 100;
const SPAGHETTI_PATIENTS: usize = 12;

/// The HTML report.
pub fn index_html(r: &TrialResult) -> String {
    Report {
        title: format!("Virtual trial: {}", r.name),
        subtitle: format!(
            "{} virtual patients per arm (paired: every arm on the same patients), seed {}",
            r.patients_per_arm, r.seed
        ),
        sections: sections(r),
    }
    .to_html()
}

/// The report's sections: simulated beside published, Kaplan–Meier (metastatic), waterfall,
/// tumour sizes and PK profiles (the web page shows them too).
pub fn sections(r: &TrialResult) -> Vec<Section> {
    let mut sections = vec![summary(r)];
    if r.setting == Setting::Metastatic {
        sections.push(km_section(r));
    }
    sections.push(super::subgroup_report::section(r));
    sections.push(waterfall(r));
    sections.push(spaghetti(r));
    sections.push(pk_section(r));
    sections
}

fn opt_cell(v: Option<f64>, digits: usize) -> Cell {
    v.map_or(Cell::text("n/a"), |x| Cell::number(x, digits))
}

fn summary(r: &TrialResult) -> Section {
    let rows = r
        .arms
        .iter()
        .map(|a| {
            let p = a.published.as_ref();
            vec![
                Cell::text(&a.name),
                Cell::number(a.orr, 3),
                opt_cell(p.and_then(|p| p.orr), 3),
                Cell::number(a.cr, 3),
                opt_cell(p.and_then(|p| p.cr), 3),
                Cell::number(a.cbr, 3),
                opt_cell(a.median_pfs_months, 1),
                opt_cell(p.and_then(|p| p.median_pfs_months), 1),
                opt_cell(a.pfs_12_months, 3),
                opt_cell(a.hazard_ratio, 2),
                Cell::text(
                    a.hazard_ratio_ci
                        .map_or("n/a".into(), |c| format!("{:.2}–{:.2}", c[0], c[1])),
                ),
                opt_cell(p.and_then(|p| p.hazard_ratio), 2),
                opt_cell(a.pcr, 3),
                opt_cell(p.and_then(|p| p.pcr), 3),
            ]
        })
        .collect();
    let sources: Vec<String> = r
        .arms
        .iter()
        .filter_map(|a| {
            a.published
                .as_ref()
                .and_then(|p| p.source.clone())
                .map(|s| format!("{}: {s}", a.name))
        })
        .collect();
    Section {
        id: "summary".into(),
        heading: "Simulated and published".into(),
        intro: format!(
            "Simulated values next to the published ones of the trial file. Regimens: {}. Published sources: {}",
            r.arms
                .iter()
                .map(|a| format!("{}: {}", a.name, a.items.join("; ")))
                .collect::<Vec<_>>()
                .join(" | "),
            if sources.is_empty() {
                "none given".into()
            } else {
                sources.join("; ")
            }
        ),
        blocks: vec![Block::Table(Table {
            caption: String::new(),
            headers: [
                "arm",
                "ORR",
                "published ORR",
                "CR",
                "published CR",
                "CBR",
                "median PFS (mo)",
                "published",
                "PFS 12 mo",
                "HR vs arm 1",
                "HR 95% CI",
                "published HR",
                "pCR",
                "published pCR",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            rows,
        })],
    }
}

fn km_section(r: &TrialResult) -> Section {
    let mut series = Vec::new();
    let at: Vec<f64> = (0..=10).map(|k| k as f64 * 6.0).collect();
    let mut risk_rows = Vec::new();
    for a in &r.arms {
        let Some(km) = &a.km else { continue };
        // A step function: each drop drawn as a vertical segment.
        let mut pts = vec![(0.0, 1.0)];
        let mut s = 1.0;
        for row in &km.rows {
            pts.push((row.time, s));
            s = row.survival;
            pts.push((row.time, s));
        }
        if let Some(last) = a.patients.iter().map(|p| p.pfs_months).reduce(f64::max) {
            pts.push((last, s));
        }
        series.push(Series::new(a.name.clone(), pts));
        let mut row = vec![Cell::text(&a.name)];
        row.extend(
            km.at_risk(&at)
                .into_iter()
                .map(|n| Cell::number(n as f64, 0)),
        );
        risk_rows.push(row);
    }
    let mut headers = vec!["numbers at risk, month".to_string()];
    headers.extend(at.iter().map(|m| format!("{m:.0}")));
    Section {
        id: "pfs".into(),
        heading: "Progression-free survival".into(),
        intro: "Kaplan–Meier estimates; progression by RECIST 1.1 at the scheduled assessments, censored at the last assessment without progression (death is not modelled).".into(),
        blocks: vec![
            Block::LineChart(LineChart {
                title: "PFS".into(),
                x_label: "months".into(),
                y_label: "progression-free".into(),
                series,
                y_min: Some(0.0),
                y_max: Some(1.0),
                ..Default::default()
            }),
            Block::Table(Table {
                caption: "Numbers at risk".into(),
                headers,
                rows: risk_rows,
            }),
        ],
    }
}

fn waterfall(r: &TrialResult) -> Section {
    let blocks = r
        .arms
        .iter()
        .map(|a| {
            let mut best: Vec<f64> = a
                .patients
                .iter()
                .take(WATERFALL_PATIENTS)
                .map(|p| p.best_change_pct.clamp(-100.0, 100.0))
                .collect();
            best.sort_by(|x, y| y.total_cmp(x));
            Block::BarChart(BarChart {
                title: a.name.clone(),
                y_label: "best change of SLD (%)".into(),
                categories: (1..=best.len()).map(|i| i.to_string()).collect(),
                groups: vec![(a.name.clone(), best)],
                reference: Some(-30.0),
            })
        })
        .collect();
    Section {
        id: "waterfall".into(),
        heading: "Best response".into(),
        intro: format!(
            "Best percentage change of the sum of longest diameters from baseline up to progression, for the first {WATERFALL_PATIENTS} patients of each arm; the dashed line is the partial-response threshold (-30 %)."
        ),
        blocks: vec![Block::Grid(blocks)],
    }
}

fn spaghetti(r: &TrialResult) -> Section {
    let blocks = r
        .arms
        .iter()
        .map(|a| {
            let series = a
                .patients
                .iter()
                .take(SPAGHETTI_PATIENTS)
                .enumerate()
                .map(|(i, p)| {
                    Series::new(
                        format!("patient {i}"),
                        r.weeks
                            .iter()
                            .copied()
                            .zip(p.sld_mm.iter().copied())
                            .collect(),
                    )
                })
                .collect();
            Block::LineChart(LineChart {
                title: a.name.clone(),
                x_label: "weeks".into(),
                y_label: "SLD (mm)".into(),
                series,
                y_min: Some(0.0),
                ..Default::default()
            })
        })
        .collect();
    Section {
        id: "burden".into(),
        heading: "Tumour burden".into(),
        intro: format!(
            "Sum of longest diameters at every scheduled assessment (also after progression, which a trial would not see) for the first {SPAGHETTI_PATIENTS} patients; the same patients in every arm."
        ),
        blocks: vec![Block::Grid(blocks)],
    }
}

fn pk_section(r: &TrialResult) -> Section {
    let blocks = r
        .arms
        .iter()
        .map(|a| {
            Block::LineChart(LineChart {
                title: a.name.clone(),
                x_label: "weeks".into(),
                y_label: "plasma (mg/L)".into(),
                series: a
                    .pk
                    .iter()
                    .map(|(d, pts)| Series::new(d.clone(), pts.clone()))
                    .collect(),
                log_y: true,
                ..Default::default()
            })
        })
        .collect();
    Section {
        id: "pk".into(),
        heading: "Pharmacokinetics".into(),
        intro: "Plasma concentrations of the typical patient (median weight, mean height, no random effects) over the first 12 weeks (models/her2/popPK.toml).".into(),
        blocks: vec![Block::Grid(blocks)],
    }
}
