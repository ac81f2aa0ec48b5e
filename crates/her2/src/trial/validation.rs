//! Predicted against published trials: every trial file of a directory run with the built-in
//! model, and per arm the criteria checked where the file has the published number —
//! ORR within 10 percentage points, the hazard ratio inside the published 95 % interval —
//! and per trial whether the arms rank as published. The calibration/validation mark comes
//! from the file's `purpose`.

use std::path::{Path, PathBuf};

use her2sim_report::{Block, Cell, LineChart, Report, Section, Series, Table};

use crate::lab::Lab;

use super::file::{Purpose, Trial};
use super::run::TrialResult;
use super::subgroups::SubgroupResult;
use super::{run_trial, KnownDrugs};

/// Largest ORR difference (fraction) that counts as reproduced.
pub const ORR_TOLERANCE: f64 = 0.10;

/// One arm, simulated and published.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ArmCheck {
    pub arm: String,
    pub orr: f64,
    pub published_orr: Option<f64>,
    /// |simulated − published| ≤ `ORR_TOLERANCE`, when published.
    pub orr_within_10_points: Option<bool>,
    /// Complete responses, simulated and published (no criterion: shown beside ORR).
    pub cr: f64,
    pub published_cr: Option<f64>,
    pub median_pfs_months: Option<f64>,
    pub published_median_pfs_months: Option<f64>,
    pub pfs_12_months: Option<f64>,
    pub published_pfs_12_months: Option<f64>,
    pub hazard_ratio: Option<f64>,
    pub hazard_ratio_ci: Option<[f64; 2]>,
    pub published_hazard_ratio: Option<f64>,
    pub published_hazard_ratio_ci: Option<[f64; 2]>,
    /// The simulated hazard ratio lies inside the published interval, when there is one.
    pub hazard_ratio_within_ci: Option<bool>,
}

/// One trial file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TrialCheck {
    pub trial: String,
    pub file: String,
    pub purpose: Option<&'static str>,
    pub patients_per_arm: usize,
    /// Arms ordered alike by the simulation and the publication (by hazard ratio when every
    /// arm has a published one, else median PFS, else ORR); `None` with fewer than two
    /// comparable arms.
    pub ranked_as_published: Option<bool>,
    pub arms: Vec<ArmCheck>,
    /// The biomarker splits the file publishes, simulated beside them.
    pub subgroups: Vec<SubgroupCheck>,
}

/// One published biomarker split of an arm, simulated.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SubgroupCheck {
    #[serde(flatten)]
    pub result: SubgroupResult,
    /// The positive-against-negative difference goes the published way
    /// (`SubgroupResult::direction_as_published`).
    pub direction_as_published: Option<bool>,
}

/// The trial files (`*.toml`) of `dir`, sorted by name.
pub fn trial_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let rd = std::fs::read_dir(dir).map_err(|e| format!("{}: cannot read: {e}", dir.display()))?;
    let mut files: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("{}: no trial files (*.toml)", dir.display()));
    }
    Ok(files)
}

/// Runs every trial file of `dir` (`patients` overrides each file's count) and checks it.
pub fn validate_dir(
    dir: &Path,
    patients: Option<u32>,
    lab: &Lab,
    progress: &(dyn Fn(&Trial) + Sync),
    per_patient: &(dyn Fn() + Sync),
) -> Result<Vec<TrialCheck>, String> {
    let known = KnownDrugs::from_catalogue(lab.catalogue());
    let mut out = Vec::new();
    for path in trial_files(dir)? {
        let t = Trial::read(&path, &known).map_err(|e| e.to_string())?;
        let purpose = t.purpose;
        let r = run_trial(t, patients, None, lab, progress, per_patient)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        out.push(check(&r, &path, purpose));
    }
    Ok(out)
}

/// The criteria for one simulated trial.
pub fn check(r: &TrialResult, path: &Path, purpose: Option<Purpose>) -> TrialCheck {
    let arms: Vec<ArmCheck> = r
        .arms
        .iter()
        .map(|a| {
            let p = a.published.clone().unwrap_or_default();
            ArmCheck {
                arm: a.name.clone(),
                orr: a.orr,
                published_orr: p.orr,
                orr_within_10_points: p.orr.map(|o| (a.orr - o).abs() <= ORR_TOLERANCE + 1e-12),
                cr: a.cr,
                published_cr: p.cr,
                median_pfs_months: a.median_pfs_months,
                published_median_pfs_months: p.median_pfs_months,
                pfs_12_months: a.pfs_12_months,
                published_pfs_12_months: p.pfs_12_months,
                hazard_ratio: a.hazard_ratio,
                hazard_ratio_ci: a.hazard_ratio_ci,
                published_hazard_ratio: p.hazard_ratio,
                published_hazard_ratio_ci: p.hazard_ratio_ci,
                hazard_ratio_within_ci: match (p.hazard_ratio_ci, a.hazard_ratio) {
                    (Some([lo, hi]), Some(hr)) => Some(lo <= hr && hr <= hi),
                    _ => None,
                },
            }
        })
        .collect();
    TrialCheck {
        trial: r.name.clone(),
        file: path.display().to_string(),
        purpose: purpose.map(Purpose::as_str),
        patients_per_arm: r.patients_per_arm,
        ranked_as_published: ranked_as_published(&arms),
        arms,
        subgroups: r
            .subgroups
            .iter()
            .filter(|g| g.published.is_some())
            .map(|g| SubgroupCheck {
                direction_as_published: g.direction_as_published(),
                result: g.clone(),
            })
            .collect(),
    }
}

/// Whether the simulated arms order like the published ones on the first measure every arm
/// has published: hazard ratio (lower is better), median PFS, ORR (higher is better). Every
/// pair of arms must compare the same way; a simulated hazard ratio whose 95 % interval holds
/// 1 counts as equal to the reference arm, so "no difference" never passes for "better". A
/// simulated median PFS that is not reached counts as longer than any reached one.
fn ranked_as_published(arms: &[ArmCheck]) -> Option<bool> {
    if arms.len() < 2 {
        return None;
    }
    type Pick = fn(&ArmCheck) -> (Option<f64>, Option<f64>);
    let measures: [Pick; 3] = [
        |a| {
            // A hazard ratio whose 95 % interval holds 1 is no difference, on either side: a
            // trial that found none (HERNATA) is reproduced by a simulation that finds none.
            let no_difference = |hr: Option<f64>, ci: Option<[f64; 2]>| match (hr, ci) {
                (Some(_), Some([lo, hi])) if lo <= 1.0 && 1.0 <= hi => Some(1.0),
                (hr, _) => hr,
            };
            (
                no_difference(a.published_hazard_ratio, a.published_hazard_ratio_ci).map(|x| -x),
                no_difference(a.hazard_ratio, a.hazard_ratio_ci).map(|x| -x),
            )
        },
        |a| {
            (
                a.published_median_pfs_months,
                Some(a.median_pfs_months.unwrap_or(f64::INFINITY)),
            )
        },
        |a| (a.published_orr, Some(a.orr)),
    ];
    for (m, pick) in measures.iter().enumerate() {
        let pairs: Vec<(f64, f64)> = arms
            .iter()
            .map(pick)
            .filter_map(|(p, s)| Some((p?, s?)))
            .collect();
        if pairs.len() == arms.len() {
            // ORRs closer than 2 points count as tied on both sides (sampling noise).
            let tol = if m == 2 { 0.02 } else { 0.0 };
            let sign = |x: f64, y: f64| {
                if (x - y).abs() <= tol {
                    Some(std::cmp::Ordering::Equal)
                } else {
                    x.partial_cmp(&y)
                }
            };
            let same = (0..pairs.len()).all(|i| {
                (i + 1..pairs.len())
                    .all(|j| sign(pairs[i].0, pairs[j].0) == sign(pairs[i].1, pairs[j].1))
            });
            return Some(same);
        }
    }
    None
}

/// The checks as one JSON array.
pub fn json(checks: &[TrialCheck]) -> String {
    serde_json::to_string(checks).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// The report directory's files: `validation.csv` (one row per arm), `subgroups.csv` (one
/// row per published biomarker split) and `index.html` (predicted against published for ORR,
/// median PFS and hazard ratio, one point per arm on the identity line's plane, and the
/// tables).
pub fn report_files(checks: &[TrialCheck]) -> [(&'static str, String); 3] {
    [
        ("validation.csv", csv(checks)),
        ("subgroups.csv", subgroups_csv(checks)),
        ("index.html", html(checks)),
    ]
}

fn num(v: Option<f64>) -> String {
    v.map_or(String::new(), her2sim_report::csv::number)
}

fn flag(b: Option<bool>) -> String {
    b.map_or(String::new(), |b| b.to_string())
}

/// One row per arm with the simulated and published values and the criteria.
pub fn csv(checks: &[TrialCheck]) -> String {
    let mut s = String::from(
        "trial,file,purpose,arm,orr,published_orr,orr_within_10_points,cr,published_cr,median_pfs_months,published_median_pfs_months,pfs_12_months,published_pfs_12_months,hazard_ratio,hazard_ratio_lower,hazard_ratio_upper,published_hazard_ratio,published_hazard_ratio_lower,published_hazard_ratio_upper,hazard_ratio_within_ci,ranked_as_published\n",
    );
    let field = her2sim_report::csv::field;
    for c in checks {
        for a in &c.arms {
            let row = [
                field(&c.trial),
                field(&c.file),
                field(c.purpose.unwrap_or("")),
                field(&a.arm),
                num(Some(a.orr)),
                num(a.published_orr),
                flag(a.orr_within_10_points),
                num(Some(a.cr)),
                num(a.published_cr),
                num(a.median_pfs_months),
                num(a.published_median_pfs_months),
                num(a.pfs_12_months),
                num(a.published_pfs_12_months),
                num(a.hazard_ratio),
                num(a.hazard_ratio_ci.map(|c| c[0])),
                num(a.hazard_ratio_ci.map(|c| c[1])),
                num(a.published_hazard_ratio),
                num(a.published_hazard_ratio_ci.map(|c| c[0])),
                num(a.published_hazard_ratio_ci.map(|c| c[1])),
                flag(a.hazard_ratio_within_ci),
                flag(c.ranked_as_published),
            ];
            s += &row.join(",");
            s.push('\n');
        }
    }
    s
}

/// One row per published biomarker split: simulated and published per side, and whether
/// the difference goes the published way.
pub fn subgroups_csv(checks: &[TrialCheck]) -> String {
    let mut s = String::from(
        "trial,arm,marker,n_positive,n_negative,orr_positive,published_orr_positive,orr_negative,published_orr_negative,median_pfs_positive,published_median_pfs_positive,median_pfs_negative,published_median_pfs_negative,hazard_ratio,direction_as_published,source\n",
    );
    let field = her2sim_report::csv::field;
    for c in checks {
        for g in &c.subgroups {
            let r = &g.result;
            let p = r.published.as_ref();
            let row = [
                field(&c.trial),
                field(&r.arm),
                field(&r.marker),
                r.n[0].to_string(),
                r.n[1].to_string(),
                num(r.orr[0]),
                num(p.and_then(|p| p.orr_positive)),
                num(r.orr[1]),
                num(p.and_then(|p| p.orr_negative)),
                num(r.median_pfs_months[0]),
                num(p.and_then(|p| p.median_pfs_positive)),
                num(r.median_pfs_months[1]),
                num(p.and_then(|p| p.median_pfs_negative)),
                num(r.hazard_ratio),
                flag(g.direction_as_published),
                field(p.map_or("", |p| p.source.as_str())),
            ];
            s += &row.join(",");
            s.push('\n');
        }
    }
    s
}

/// "simulated / published" with `digits` decimals ("–" for a missing side).
fn slash(sim: Option<f64>, published: Option<f64>, digits: usize) -> String {
    let f = |v: Option<f64>| v.map_or("–".to_string(), |x| format!("{x:.digits$}"));
    format!("{} / {}", f(sim), f(published))
}

/// The published biomarker splits, simulated beside them.
fn subgroup_table(checks: &[TrialCheck]) -> Table {
    let rows = checks
        .iter()
        .flat_map(|c| {
            c.subgroups.iter().map(move |g| {
                let r = &g.result;
                let p = r.published.as_ref();
                vec![
                    Cell::text(&c.trial),
                    Cell::text(&r.arm),
                    Cell::text(&r.marker),
                    Cell::text(format!("{} / {}", r.n[0], r.n[1])),
                    Cell::text(slash(r.orr[0], p.and_then(|p| p.orr_positive), 2)),
                    Cell::text(slash(r.orr[1], p.and_then(|p| p.orr_negative), 2)),
                    Cell::text(slash(
                        r.median_pfs_months[0],
                        p.and_then(|p| p.median_pfs_positive),
                        1,
                    )),
                    Cell::text(slash(
                        r.median_pfs_months[1],
                        p.and_then(|p| p.median_pfs_negative),
                        1,
                    )),
                    Cell::text(match (r.hazard_ratio, r.hazard_ratio_ci) {
                        (Some(h), Some([lo, hi])) => format!("{h:.2} ({lo:.2}–{hi:.2})"),
                        _ => "–".into(),
                    }),
                    Cell::text(match g.direction_as_published {
                        Some(true) => "yes",
                        Some(false) => "no",
                        None => "–",
                    }),
                ]
            })
        })
        .collect();
    Table {
        caption: "Published biomarker subgroups: simulated / published for marker-positive (+) and marker-negative (−) patients of the arm; 'as published' compares the direction of the difference (a median PFS ratio within 0.8–1.25 — simulated as 1 / the positive-against-negative hazard ratio — and ORRs within 5 points are no difference)".into(),
        headers: [
            "trial", "arm", "marker", "n + / −", "ORR +", "ORR −", "median PFS + (mo)",
            "median PFS − (mo)", "HR + vs −", "as published",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

/// Predicted (y) against published (x) for one measure: the identity line, and the arms
/// that have both as points, one series per purpose (calibration, validation, unmarked).
fn scatter(
    checks: &[TrialCheck],
    title: &str,
    unit: &str,
    pick: fn(&ArmCheck) -> (Option<f64>, Option<f64>),
) -> LineChart {
    let mut hi: f64 = 0.0;
    let mut series = Vec::new();
    for (label, purpose) in [
        ("calibration arms", Some("calibration")),
        ("validation arms", Some("validation")),
        ("arms of unmarked trials", None),
    ] {
        let pts: Vec<(f64, f64)> = checks
            .iter()
            .filter(|c| c.purpose == purpose)
            .flat_map(|c| c.arms.iter())
            .filter_map(|a| match pick(a) {
                (Some(p), Some(s)) => Some((p, s)),
                _ => None,
            })
            .collect();
        for &(p, s) in &pts {
            hi = hi.max(p).max(s);
        }
        if !pts.is_empty() {
            series.push(Series::points(label, pts));
        }
    }
    let top = if hi > 0.0 { hi * 1.1 } else { 1.0 };
    let mut identity = Series::new("predicted = published", vec![(0.0, 0.0), (top, top)]);
    identity.dashed = true;
    identity.no_markers = true;
    series.insert(0, identity);
    LineChart {
        title: title.to_string(),
        x_label: format!("published {unit}"),
        y_label: format!("predicted {unit}"),
        series,
        y_min: Some(0.0),
        y_max: Some(top),
        ..LineChart::default()
    }
}

fn html(checks: &[TrialCheck]) -> String {
    let opt = |v: Option<f64>, d: usize| v.map_or(Cell::text("–"), |x| Cell::number(x, d));
    let mark = |b: Option<bool>| {
        Cell::text(match b {
            Some(true) => "yes",
            Some(false) => "no",
            None => "–",
        })
    };
    let rows = checks
        .iter()
        .flat_map(|c| {
            c.arms.iter().map(move |a| {
                vec![
                    Cell::text(&c.trial),
                    Cell::text(c.purpose.unwrap_or("–")),
                    Cell::text(&a.arm),
                    Cell::number(a.orr, 2),
                    opt(a.published_orr, 2),
                    mark(a.orr_within_10_points),
                    Cell::number(a.cr, 2),
                    opt(a.published_cr, 2),
                    opt(a.median_pfs_months, 1),
                    opt(a.published_median_pfs_months, 1),
                    opt(a.hazard_ratio, 2),
                    Cell::text(
                        a.hazard_ratio_ci
                            .map_or("–".into(), |c| format!("{:.2}–{:.2}", c[0], c[1])),
                    ),
                    opt(a.published_hazard_ratio, 2),
                    mark(a.hazard_ratio_within_ci),
                    mark(c.ranked_as_published),
                ]
            })
        })
        .collect();
    let table = Table {
        caption: "Per arm: simulated and published; ORR within 10 points, simulated HR inside the published 95 % interval, arms ranked as published".into(),
        headers: [
            "trial", "purpose", "arm", "ORR", "published", "±10 pts", "CR", "published",
            "median PFS (mo)", "published", "HR", "HR 95 % CI", "published", "in CI", "ranked",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    };
    let charts = Block::Grid(vec![
        Block::LineChart(scatter(checks, "Objective response rate", "ORR", |a| {
            (a.published_orr, Some(a.orr))
        })),
        Block::LineChart(scatter(checks, "Median PFS", "months", |a| {
            (a.published_median_pfs_months, a.median_pfs_months)
        })),
        Block::LineChart(scatter(
            checks,
            "Hazard ratio vs the first arm",
            "HR",
            |a| (a.published_hazard_ratio, a.hazard_ratio),
        )),
    ]);
    let n: usize = checks.iter().map(|c| c.arms.len()).sum();
    Report {
        title: "Virtual trials against published results".into(),
        subtitle: format!(
            "{} trials, {n} arms; calibration trials set population parameters, validation trials only check them (docs/trials.md)",
            checks.len()
        ),
        sections: vec![Section {
            id: "validation".into(),
            heading: "Predicted against published".into(),
            intro: "Each point is one arm (hover for its values; the table names them); on the dashed line the model reproduces the publication. Arms whose median PFS was not reached in the simulation are left out of that chart, and first arms (hazard ratio 1 by definition) sit at (1, 1).".into(),
            blocks: vec![
                charts,
                Block::Table(table),
                Block::Table(subgroup_table(checks)),
            ],
        }],
    }
    .to_html()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arm(hr: Option<f64>, phr: Option<f64>, orr: f64, porr: Option<f64>) -> ArmCheck {
        ArmCheck {
            arm: String::new(),
            orr,
            published_orr: porr,
            orr_within_10_points: None,
            cr: 0.0,
            published_cr: None,
            median_pfs_months: None,
            published_median_pfs_months: None,
            pfs_12_months: None,
            published_pfs_12_months: None,
            hazard_ratio: hr,
            hazard_ratio_ci: None,
            published_hazard_ratio: phr,
            published_hazard_ratio_ci: None,
            hazard_ratio_within_ci: None,
        }
    }

    #[test]
    fn ranking_uses_the_hazard_ratio_then_orr() {
        // Published: the second arm better (HR 0.6); simulated HR 0.8: same order.
        let a = [
            arm(Some(1.0), Some(1.0), 0.3, None),
            arm(Some(0.8), Some(0.6), 0.2, None),
        ];
        assert_eq!(ranked_as_published(&a), Some(true));
        // Simulated HR 1.3: the order is reversed.
        let b = [
            arm(Some(1.0), Some(1.0), 0.3, None),
            arm(Some(1.3), Some(0.6), 0.2, None),
        ];
        assert_eq!(ranked_as_published(&b), Some(false));
        // Simulated HR 0.99 with an interval holding 1: no difference, so not ranked.
        let mut tie = arm(Some(0.99), Some(0.62), 0.2, None);
        tie.hazard_ratio_ci = Some([0.9, 1.09]);
        assert_eq!(
            ranked_as_published(&[arm(Some(1.0), Some(1.0), 0.3, None), tie.clone()]),
            Some(false)
        );
        tie.hazard_ratio_ci = Some([0.8, 0.95]);
        assert_eq!(
            ranked_as_published(&[arm(Some(1.0), Some(1.0), 0.3, None), tie]),
            Some(true)
        );
        // Published HR 0.94 (0.71-1.25): no difference found; a simulated 0.95 (0.86-1.03)
        // reproduces it, a simulated 0.8 (0.7-0.9) does not.
        let mut published_tie = arm(Some(0.95), Some(0.94), 0.2, None);
        published_tie.published_hazard_ratio_ci = Some([0.71, 1.25]);
        published_tie.hazard_ratio_ci = Some([0.86, 1.03]);
        let first = arm(Some(1.0), Some(1.0), 0.3, None);
        assert_eq!(
            ranked_as_published(&[first.clone(), published_tie.clone()]),
            Some(true)
        );
        published_tie.hazard_ratio = Some(0.8);
        published_tie.hazard_ratio_ci = Some([0.7, 0.9]);
        assert_eq!(ranked_as_published(&[first, published_tie]), Some(false));
        // No hazard ratios published: ORR decides.
        let c = [
            arm(Some(1.0), None, 0.3, Some(0.2)),
            arm(Some(0.7), None, 0.5, Some(0.4)),
        ];
        assert_eq!(ranked_as_published(&c), Some(true));
        // Nothing comparable.
        let d = [
            arm(Some(1.0), None, 0.3, None),
            arm(Some(0.7), None, 0.5, Some(0.4)),
        ];
        assert_eq!(ranked_as_published(&d), None);
        assert_eq!(ranked_as_published(&d[..1]), None);
    }
}
