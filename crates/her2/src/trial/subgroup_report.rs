//! How a trial's biomarker subgroups are written: the `subgroups` array of `--json`,
//! `subgroups.csv` (one row per arm and marker) and the report's subgroup table, each with
//! the published numbers beside the simulated ones where the trial file has them.

use her2sim_report::{Block, Cell, Section, Table};
use serde_json::{json, Value};

use super::run::TrialResult;
use super::subgroups::SubgroupResult;

/// `[{"arm", "marker", "n_positive", "n_negative", "orr_positive", "orr_negative",
/// "median_pfs_positive", "median_pfs_negative", "pcr_positive", "pcr_negative",
/// "hazard_ratio", "hazard_ratio_ci", "published", "direction_as_published"}]`.
pub fn json(r: &TrialResult) -> Value {
    let rows: Vec<Value> = r
        .subgroups
        .iter()
        .map(|s| {
            json!({
                "arm": s.arm,
                "marker": s.marker,
                "n_positive": s.n[0],
                "n_negative": s.n[1],
                "orr_positive": s.orr[0],
                "orr_negative": s.orr[1],
                "median_pfs_positive": s.median_pfs_months[0],
                "median_pfs_negative": s.median_pfs_months[1],
                "pcr_positive": s.pcr[0],
                "pcr_negative": s.pcr[1],
                "hazard_ratio": s.hazard_ratio,
                "hazard_ratio_ci": s.hazard_ratio_ci,
                "published": s.published.as_ref().map(|p| json!({
                    "orr_positive": p.orr_positive,
                    "orr_negative": p.orr_negative,
                    "median_pfs_positive": p.median_pfs_positive,
                    "median_pfs_negative": p.median_pfs_negative,
                    "source": p.source,
                })),
                "direction_as_published": s.direction_as_published(),
            })
        })
        .collect();
    Value::Array(rows)
}

fn num(v: Option<f64>) -> String {
    v.map_or(String::new(), her2sim_report::csv::number)
}

/// One row per arm and marker.
pub fn csv(r: &TrialResult) -> String {
    let mut s = String::from(
        "arm,marker,n_positive,n_negative,orr_positive,orr_negative,median_pfs_positive,median_pfs_negative,pcr_positive,pcr_negative,hazard_ratio,hazard_ratio_lower,hazard_ratio_upper,published_orr_positive,published_orr_negative,published_median_pfs_positive,published_median_pfs_negative,direction_as_published,published_source\n",
    );
    let field = her2sim_report::csv::field;
    for g in &r.subgroups {
        let p = g.published.as_ref();
        let row = [
            field(&g.arm),
            field(&g.marker),
            g.n[0].to_string(),
            g.n[1].to_string(),
            num(g.orr[0]),
            num(g.orr[1]),
            num(g.median_pfs_months[0]),
            num(g.median_pfs_months[1]),
            num(g.pcr[0]),
            num(g.pcr[1]),
            num(g.hazard_ratio),
            num(g.hazard_ratio_ci.map(|c| c[0])),
            num(g.hazard_ratio_ci.map(|c| c[1])),
            num(p.and_then(|p| p.orr_positive)),
            num(p.and_then(|p| p.orr_negative)),
            num(p.and_then(|p| p.median_pfs_positive)),
            num(p.and_then(|p| p.median_pfs_negative)),
            g.direction_as_published()
                .map_or(String::new(), |b| b.to_string()),
            field(p.map_or("", |p| p.source.as_str())),
        ];
        s += &row.join(",");
        s.push('\n');
    }
    s
}

/// One line for a terminal: the split, simulated beside published, and the direction verdict.
pub fn line(g: &SubgroupResult) -> String {
    let f = |v: Option<f64>, d: usize| v.map_or("-".to_string(), |x| format!("{x:.d$}"));
    let p = g.published.as_ref();
    let verdict = match g.direction_as_published() {
        Some(true) => "as published",
        Some(false) => "NOT as published",
        None => "-",
    };
    format!(
        "subgroup {} / {}: n {}/{}, ORR +/- {}/{} (published {}/{}), mPFS +/- {}/{} (published {}/{}), HR + vs - {}: {verdict}",
        g.arm,
        g.marker,
        g.n[0],
        g.n[1],
        f(g.orr[0], 2),
        f(g.orr[1], 2),
        f(p.and_then(|p| p.orr_positive), 2),
        f(p.and_then(|p| p.orr_negative), 2),
        f(g.median_pfs_months[0], 1),
        f(g.median_pfs_months[1], 1),
        f(p.and_then(|p| p.median_pfs_positive), 1),
        f(p.and_then(|p| p.median_pfs_negative), 1),
        f(g.hazard_ratio, 2),
    )
}

fn opt(v: Option<f64>, digits: usize) -> Cell {
    v.map_or(Cell::text("–"), |x| Cell::number(x, digits))
}

/// "simulated (published)" for one side of a split.
fn pair(sim: Option<f64>, published: Option<f64>, digits: usize) -> Cell {
    match (sim, published) {
        (s, None) => opt(s, digits),
        (s, Some(p)) => Cell::text(format!(
            "{} ({p:.digits$})",
            s.map_or("not reached".into(), |x| format!("{x:.digits$}"))
        )),
    }
}

fn row(g: &SubgroupResult) -> Vec<Cell> {
    let p = g.published.as_ref();
    vec![
        Cell::text(&g.arm),
        Cell::text(&g.marker),
        Cell::text(format!("{} / {}", g.n[0], g.n[1])),
        pair(g.orr[0], p.and_then(|p| p.orr_positive), 2),
        pair(g.orr[1], p.and_then(|p| p.orr_negative), 2),
        pair(
            g.median_pfs_months[0],
            p.and_then(|p| p.median_pfs_positive),
            1,
        ),
        pair(
            g.median_pfs_months[1],
            p.and_then(|p| p.median_pfs_negative),
            1,
        ),
        Cell::text(match (g.hazard_ratio, g.hazard_ratio_ci) {
            (Some(h), Some([lo, hi])) => format!("{h:.2} ({lo:.2}–{hi:.2})"),
            _ => "–".into(),
        }),
        Cell::text(
            g.direction_as_published()
                .map_or("", |b| if b { "yes" } else { "no" }),
        ),
    ]
}

/// The report's subgroup table: every split with patients on both sides.
pub fn section(r: &TrialResult) -> Section {
    let rows = r
        .subgroups
        .iter()
        .filter(|g| g.n[0] > 0 && g.n[1] > 0)
        .map(row)
        .collect();
    Section {
        id: "subgroups".into(),
        heading: "Biomarker subgroups".into(),
        intro: "Each arm's patients split by a tumour marker (positive when the tumour's dominant \
                clone carries it; pi3k-pathway = PTEN loss or PIK3CA mutation; ihc3 = IHC 3+ \
                against IHC 2+/FISH+). Published values, where the trial file has them, in \
                brackets; 'as published' compares the direction of the positive-against-negative \
                difference (a median PFS ratio within 0.8–1.25, simulated as 1 / HR since simulated \
                medians fall on assessment weeks, and ORRs within 5 points count as no \
                difference). HR: progression, positive against negative, in the same arm."
            .into(),
        blocks: vec![Block::Table(Table {
            caption: String::new(),
            headers: [
                "arm",
                "marker",
                "n + / −",
                "ORR +",
                "ORR −",
                "median PFS + (mo)",
                "median PFS − (mo)",
                "HR + vs −",
                "as published",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            rows,
        })],
    }
}
