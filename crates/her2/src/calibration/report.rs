//! The credibility report of a calibration (`her2sim calibration report`): every data point
//! beside the fitted model, training and validation marked; goodness of fit per experiment;
//! the fitted parameters beside their literature values with profile-likelihood intervals.
//! Written as `index.html` with `points.csv`, `experiments.csv` and `parameters.csv`.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use her2sim_petab::{Problem, Term, WaldInterval, PROFILE_THRESHOLD};
use her2sim_report::{Block, Cell, LineChart, Report, Section, Series, Table};

use super::{build, gr_points, DoublingPoint, GrPoint, DRUGS, LINES};
use crate::lab::Lab;

/// A profile read from `her2sim profile`'s `profiles.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileInterval {
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

/// One data point against the model.
#[derive(Clone, Debug, PartialEq)]
pub struct PointFit {
    pub point: GrPoint,
    pub simulated: f64,
    pub sigma: f64,
}

impl PointFit {
    /// Whether the model lies within `k` noise standard deviations of the point.
    pub fn within(&self, k: f64) -> bool {
        (self.point.gr - self.simulated).abs() <= k * self.sigma
    }
}

/// What the report says, in numbers.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Summary {
    pub training_points: usize,
    pub validation_points: usize,
    pub training_llh: f64,
    pub training_rmse: f64,
    pub validation_rmse: f64,
    /// Fraction of validation points within one / two noise SDs of the model.
    pub validation_within_1sd: f64,
    pub validation_within_2sd: f64,
    pub training_within_1sd: f64,
    pub sd_gr: f64,
    /// Validation experiments with the largest RMSE: (experiment, RMSE).
    pub worst_validation: Vec<(String, f64)>,
    /// Untreated doubling times (h): (line, reported, model, validation).
    pub doubling: Vec<(String, f64, f64, bool)>,
}

/// A written report.
pub struct CalibrationReport {
    pub files: Vec<(String, String)>,
    pub summary: Summary,
}

/// The training and validation problems, read through the PEtab reader from a private
/// temporary copy (removed again), so the report sees exactly what `her2sim fit` sees.
pub fn problems(lab: &Lab) -> Result<(Problem, Problem), String> {
    let built = build(lab)?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!(
        "her2sim-calibration-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let result = (|| {
        for (name, text) in &built.files {
            std::fs::write(dir.join(name), text).map_err(|e| format!("{name}: {e}"))?;
        }
        let read = |f: &str| Problem::read(&dir.join(f)).map_err(|e| e.to_string());
        Ok((
            read("her2_calibration.yaml")?,
            read("her2_validation.yaml")?,
        ))
    })();
    // Only what was written here is removed.
    for (name, _) in &built.files {
        let _ = std::fs::remove_file(dir.join(name));
    }
    let _ = std::fs::remove_dir(&dir);
    result
}

/// The points of a `profiles.csv` (parameter,value,neg_log_posterior,delta) per parameter, as
/// (value, negative log-posterior).
fn profile_points(file: &Path) -> Result<BTreeMap<String, Vec<(f64, f64)>>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut points: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let parse = |k: usize| -> Result<f64, String> {
            f.get(k).and_then(|x| x.parse::<f64>().ok()).ok_or_else(|| {
                format!(
                    "{}: line {}: column {} is not a number",
                    file.display(),
                    i + 1,
                    k + 1
                )
            })
        };
        if f.len() != 4 {
            return Err(format!(
                "{}: line {}: expected 4 columns",
                file.display(),
                i + 1
            ));
        }
        points
            .entry(f[0].to_string())
            .or_default()
            .push((parse(1)?, parse(2)?));
    }
    Ok(points)
}

/// Profile intervals from several `profiles.csv` files (profile runs of different
/// parameters): for each parameter the range of its grid points whose negative log-posterior
/// stays within the 95 % threshold of the lowest one any profile reached; an end is open
/// (`None`) where the profile never crosses the threshold on that side. The lowest value, not
/// the fit's, is the reference because a profile that re-optimises the other parameters can
/// go below a fit that was not at the joint optimum (a conditional fit, or an unconverged
/// start); measured from the fit such a profile would never cross the threshold. A parameter
/// profiled in two files is an error naming both, since which run to trust is the user's
/// choice.
pub fn read_profile_files(
    files: &[std::path::PathBuf],
) -> Result<HashMap<String, ProfileInterval>, String> {
    let mut all: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    let mut origin: HashMap<String, usize> = HashMap::new();
    for (k, file) in files.iter().enumerate() {
        for (id, pts) in profile_points(file)? {
            if let Some(&first) = origin.get(&id) {
                return Err(format!(
                    "parameter {id} is profiled in both {} and {}",
                    files[first].display(),
                    file.display()
                ));
            }
            origin.insert(id.clone(), k);
            all.insert(id, pts);
        }
    }
    let lowest = all
        .values()
        .flatten()
        .map(|p| p.1)
        .fold(f64::INFINITY, f64::min);
    Ok(all
        .into_iter()
        .map(|(id, mut pts)| {
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            let inside: Vec<usize> = (0..pts.len())
                .filter(|&i| pts[i].1 - lowest <= PROFILE_THRESHOLD)
                .collect();
            let (lo, hi) = (inside.first().copied(), inside.last().copied());
            let lower = lo.filter(|&i| i > 0).map(|i| pts[i].0);
            let upper = hi.filter(|&i| i + 1 < pts.len()).map(|i| pts[i].0);
            (id, ProfileInterval { lower, upper })
        })
        .collect())
}

/// The report of the fitted parameters in `fit_table` (a `her2sim fit` parameters.tsv).
pub fn report(
    lab: &Lab,
    fit_table: &Path,
    profiles: Option<&HashMap<String, ProfileInterval>>,
) -> Result<CalibrationReport, String> {
    let (training, validation) = problems(lab)?;
    let mut values = training
        .parameters_from_table(fit_table)
        .map_err(|e| e.to_string())?;
    // Held-out lines: their parameters predicted from the fitted training lines of their class.
    let held_out = super::held_out_line_params(lab, &values)?;
    for (id, v) in &held_out {
        values.insert(id.clone(), *v);
    }
    let terms_t = training.terms(&values).map_err(|e| e.to_string())?;
    let terms_v = validation.terms(&values).map_err(|e| e.to_string())?;
    let all_points = gr_points(&LINES, &DRUGS)?;
    // The measurement tables hold the GR points first, then the doubling times.
    let (dbl_t, dbl_v): (Vec<DoublingPoint>, Vec<DoublingPoint>) =
        super::problem_doubling_points(&all_points)?
            .into_iter()
            .partition(|d| !d.validation);
    let (pts_t, pts_v): (Vec<GrPoint>, Vec<GrPoint>) =
        all_points.into_iter().partition(|p| !p.validation);
    if pts_t.len() + dbl_t.len() != terms_t.len() || pts_v.len() + dbl_v.len() != terms_v.len() {
        return Err("calibration problem and data disagree in size".into());
    }
    let doubling: Vec<(String, f64, f64, bool)> = dbl_t
        .iter()
        .zip(&terms_t[pts_t.len()..])
        .chain(dbl_v.iter().zip(&terms_v[pts_v.len()..]))
        .map(|(d, t)| (d.cell_line.clone(), d.hours, t.simulated, d.validation))
        .collect();
    let (terms_t_gr, terms_v_gr) = (&terms_t[..pts_t.len()], &terms_v[..pts_v.len()]);
    let fits = |pts: Vec<GrPoint>, terms: &[Term]| -> Vec<PointFit> {
        pts.into_iter()
            .zip(terms)
            .map(|(point, t)| PointFit {
                point,
                simulated: t.simulated,
                sigma: t.sigma,
            })
            .collect()
    };
    let fit_t = fits(pts_t, terms_t_gr);
    let fit_v = fits(pts_v, terms_v_gr);
    let llh: f64 = terms_t.iter().map(|t| t.llh).sum();
    let experiments = per_experiment(&fit_t, &fit_v);
    let mut worst: Vec<(String, f64)> = experiments
        .iter()
        .filter(|e| e.validation)
        .map(|e| (e.id.clone(), e.rmse))
        .collect();
    worst.sort_by(|a, b| b.1.total_cmp(&a.1));
    worst.truncate(5);
    let summary = Summary {
        training_points: fit_t.len(),
        validation_points: fit_v.len(),
        training_llh: llh,
        training_rmse: rmse(&fit_t),
        validation_rmse: rmse(&fit_v),
        validation_within_1sd: share(&fit_v, 1.0),
        validation_within_2sd: share(&fit_v, 2.0),
        training_within_1sd: share(&fit_t, 1.0),
        sd_gr: values.get("sd_GR").copied().unwrap_or(f64::NAN),
        worst_validation: worst,
        doubling,
    };
    let wald = training
        .wald_intervals(&values)
        .map_err(|e| e.to_string())?;
    let adopted = crate::fitted::adopted()?;
    let params = parameter_rows(&training, &values, profiles, &wald, &adopted);
    let fitted_table = fitted_rows(&training, &params, &held_out, &adopted);
    let files = vec![
        (
            "index.html".to_string(),
            html(&summary, &fit_t, &fit_v, &experiments, &params),
        ),
        ("points.csv".to_string(), points_csv(&fit_t, &fit_v)),
        ("experiments.csv".to_string(), experiments_csv(&experiments)),
        ("parameters.csv".to_string(), parameters_csv(&params)),
        (
            "fitted_parameters.tsv".to_string(),
            crate::fitted::to_tsv(&fitted_table),
        ),
    ];
    Ok(CalibrationReport { files, summary })
}

fn rmse(fits: &[PointFit]) -> f64 {
    let n = fits.len().max(1) as f64;
    (fits
        .iter()
        .map(|f| (f.point.gr - f.simulated).powi(2))
        .sum::<f64>()
        / n)
        .sqrt()
}

fn share(fits: &[PointFit], k: f64) -> f64 {
    fits.iter().filter(|f| f.within(k)).count() as f64 / fits.len().max(1) as f64
}

/// Goodness of fit of one published curve.
struct Experiment {
    id: String,
    source: String,
    line: String,
    drug: String,
    validation: bool,
    points: usize,
    rmse: f64,
}

fn per_experiment(t: &[PointFit], v: &[PointFit]) -> Vec<Experiment> {
    let mut groups: BTreeMap<&str, Vec<&PointFit>> = BTreeMap::new();
    for f in t.iter().chain(v) {
        groups
            .entry(f.point.experiment.as_str())
            .or_default()
            .push(f);
    }
    groups
        .into_iter()
        .map(|(id, fits)| {
            let p = &fits[0].point;
            let owned: Vec<PointFit> = fits.iter().map(|f| (*f).clone()).collect();
            Experiment {
                id: id.to_string(),
                source: p.source.clone(),
                line: p.cell_line.clone(),
                drug: p.drug.clone(),
                validation: p.validation,
                points: fits.len(),
                rmse: rmse(&owned),
            }
        })
        .collect()
}

/// Standard error (on the parameter's scale, log10 units here) below which a Wald interval
/// counts as determining the parameter: a 95 % interval within about a factor of 10.
const DETERMINED_SE: f64 = 0.5;

/// One estimated parameter: literature (problem nominal) and fitted values, profile and Wald
/// intervals.
struct ParamRow {
    id: String,
    literature: f64,
    fitted: f64,
    lower: Option<f64>,
    upper: Option<f64>,
    wald: Option<WaldInterval>,
    verdict: &'static str,
}

/// The value a parameter had before any fit: the adopted table's prior where the problem's
/// nominal value is an earlier fit, the nominal value otherwise.
fn prior_of(id: &str, nominal: f64, adopted: &[crate::fitted::FittedParameter]) -> f64 {
    adopted
        .iter()
        .find(|f| f.id == id)
        .map_or(nominal, |f| f.prior)
}

/// The table to adopt: every estimated parameter with its interval (profile where given,
/// else Wald), and the held-out lines' parameters predicted from their class.
fn fitted_rows(
    problem: &Problem,
    params: &[ParamRow],
    held_out: &[(String, f64)],
    adopted: &[crate::fitted::FittedParameter],
) -> Vec<crate::fitted::FittedParameter> {
    let mut out: Vec<crate::fitted::FittedParameter> = params
        .iter()
        .map(|r| {
            let profiled = !r.verdict.ends_with("(Wald)");
            let w = r.wald.as_ref();
            let (lower, upper) = if profiled {
                (r.lower, r.upper)
            } else {
                (w.and_then(|w| w.lower), w.and_then(|w| w.upper))
            };
            crate::fitted::FittedParameter {
                id: r.id.clone(),
                value: r.fitted,
                lower,
                upper,
                interval: if profiled { "profile" } else { "Wald" }.into(),
                prior: r.literature,
                verdict: r.verdict.trim_end_matches(" (Wald)").to_string(),
            }
        })
        .collect();
    for (id, v) in held_out {
        let nominal = problem
            .parameters
            .iter()
            .find(|p| &p.id == id)
            .map_or(f64::NAN, |p| p.nominal);
        out.push(crate::fitted::FittedParameter {
            id: id.clone(),
            value: *v,
            lower: None,
            upper: None,
            interval: "class mean".into(),
            prior: prior_of(id, nominal, adopted),
            verdict: "held out: predicted from the training lines of its class".into(),
        });
    }
    out
}

fn parameter_rows(
    problem: &Problem,
    values: &HashMap<String, f64>,
    profiles: Option<&HashMap<String, ProfileInterval>>,
    wald: &[WaldInterval],
    adopted: &[crate::fitted::FittedParameter],
) -> Vec<ParamRow> {
    problem
        .parameters
        .iter()
        .filter(|p| p.estimate)
        .map(|p| {
            let interval = profiles.and_then(|m| m.get(&p.id));
            let w = wald.iter().find(|w| w.id == p.id).cloned();
            let se = w.as_ref().map_or(f64::INFINITY, |w| w.standard_error);
            let verdict = match interval {
                None if se < DETERMINED_SE => "determined (Wald)",
                None if se.is_finite() => "poorly determined (Wald)",
                None => "not determined (Wald)",
                Some(ProfileInterval {
                    lower: Some(_),
                    upper: Some(_),
                }) => "identifiable",
                Some(ProfileInterval {
                    lower: None,
                    upper: None,
                }) => "not identifiable (flat)",
                Some(_) => "one-sided",
            };
            ParamRow {
                id: p.id.clone(),
                literature: prior_of(&p.id, p.nominal, adopted),
                fitted: values.get(&p.id).copied().unwrap_or(f64::NAN),
                lower: interval.and_then(|i| i.lower),
                upper: interval.and_then(|i| i.upper),
                wald: w,
                verdict,
            }
        })
        .collect()
}

fn opt(x: Option<f64>) -> String {
    x.map_or_else(String::new, |v| format!("{v:?}"))
}

fn points_csv(t: &[PointFit], v: &[PointFit]) -> String {
    let mut out =
        "set,experiment,source,cell_line,drug,dose_uM,measured_GR,simulated_GR,sigma,within_1sd,method\n"
            .to_string();
    for (set, fits) in [("training", t), ("validation", v)] {
        for f in fits {
            let p = &f.point;
            let _ = writeln!(
                out,
                "{set},{},{},{},{},{:?},{:?},{:?},{:?},{},\"{}\"",
                p.experiment,
                p.source,
                p.cell_line,
                p.drug,
                p.dose_um,
                p.gr,
                f.simulated,
                f.sigma,
                f.within(1.0),
                p.method
            );
        }
    }
    out
}

fn experiments_csv(exps: &[Experiment]) -> String {
    let mut out = "experiment,source,cell_line,drug,set,points,rmse\n".to_string();
    for e in exps {
        let set = if e.validation {
            "validation"
        } else {
            "training"
        };
        let _ = writeln!(
            out,
            "{},{},{},{},{set},{},{:?}",
            e.id, e.source, e.line, e.drug, e.points, e.rmse
        );
    }
    out
}

fn parameters_csv(rows: &[ParamRow]) -> String {
    let mut out = "parameter,literature,fitted,profile_ci95_lower,profile_ci95_upper,wald_ci95_lower,wald_ci95_upper,wald_standard_error_on_scale,verdict\n".to_string();
    for r in rows {
        let w = r.wald.as_ref();
        let _ = writeln!(
            out,
            "{},{:?},{:?},{},{},{},{},{:?},{}",
            r.id,
            r.literature,
            r.fitted,
            opt(r.lower),
            opt(r.upper),
            opt(w.and_then(|w| w.lower)),
            opt(w.and_then(|w| w.upper)),
            w.map_or(f64::INFINITY, |w| w.standard_error),
            r.verdict
        );
    }
    out
}

/// Measured and simulated GR as markers only.
fn scatter(name: &str, pts: impl Iterator<Item = (f64, f64)>) -> Series {
    Series::points(name, pts.collect())
}

fn html(
    s: &Summary,
    t: &[PointFit],
    v: &[PointFit],
    exps: &[Experiment],
    params: &[ParamRow],
) -> String {
    let g = |x: f64| Cell::text(format!("{x:.4}"));
    let sci = |x: f64| Cell::text(format!("{x:.3e}"));
    let o = |x: Option<f64>, open: &str| {
        Cell::text(x.map_or_else(|| open.to_string(), |v| format!("{v:.3e}")))
    };
    let summary_rows = vec![
        vec![
            Cell::text("training points"),
            Cell::text(s.training_points.to_string()),
        ],
        vec![
            Cell::text("validation points"),
            Cell::text(s.validation_points.to_string()),
        ],
        vec![Cell::text("training log-likelihood"), g(s.training_llh)],
        vec![Cell::text("fitted GR noise SD"), g(s.sd_gr)],
        vec![Cell::text("training RMSE (GR units)"), g(s.training_rmse)],
        vec![
            Cell::text("validation RMSE (GR units)"),
            g(s.validation_rmse),
        ],
        vec![
            Cell::text("training points within 1 SD"),
            g(s.training_within_1sd),
        ],
        vec![
            Cell::text("validation points within 1 SD"),
            g(s.validation_within_1sd),
        ],
        vec![
            Cell::text("validation points within 2 SD"),
            g(s.validation_within_2sd),
        ],
    ];
    let doubling_rows = s
        .doubling
        .iter()
        .map(|(line, reported, model, validation)| {
            vec![
                Cell::text(line),
                Cell::text(if *validation {
                    "validation"
                } else {
                    "training"
                }),
                Cell::text(format!("{reported:.1}")),
                Cell::text(format!("{model:.1}")),
            ]
        })
        .collect();
    let param_rows = params
        .iter()
        .map(|r| {
            let profiled = if r.verdict.ends_with("(Wald)") {
                ""
            } else {
                "open"
            };
            let w = r.wald.as_ref();
            vec![
                Cell::text(&r.id),
                sci(r.literature),
                sci(r.fitted),
                o(r.lower, profiled),
                o(r.upper, profiled),
                o(w.and_then(|w| w.lower), "open"),
                o(w.and_then(|w| w.upper), "open"),
                Cell::text(r.verdict),
            ]
        })
        .collect();
    let mut worst: Vec<&Experiment> = exps.iter().collect();
    worst.sort_by(|a, b| b.rmse.total_cmp(&a.rmse));
    let exp_rows = worst
        .iter()
        .take(40)
        .map(|e| {
            vec![
                Cell::text(&e.id),
                Cell::text(if e.validation {
                    "validation"
                } else {
                    "training"
                }),
                Cell::text(e.points.to_string()),
                g(e.rmse),
            ]
        })
        .collect();
    let parity = LineChart {
        title: "Simulated against published GR".into(),
        x_label: "published GR".into(),
        y_label: "simulated GR".into(),
        series: vec![
            scatter("training", t.iter().map(|f| (f.point.gr, f.simulated))),
            scatter("validation", v.iter().map(|f| (f.point.gr, f.simulated))),
            Series {
                no_markers: true,
                dashed: true,
                ..Series::new("identity", vec![(-1.0, -1.0), (1.2, 1.2)])
            },
        ],
        markers: true,
        ..Default::default()
    };
    // Dose-response panels per line and drug: published points and the model.
    let mut panels = Vec::new();
    for line in LINES {
        for drug in DRUGS {
            let all: Vec<&PointFit> = t
                .iter()
                .chain(v)
                .filter(|f| f.point.cell_line == line && f.point.drug == drug)
                .collect();
            if all.is_empty() {
                continue;
            }
            let mut model: BTreeMap<u64, (f64, f64)> = BTreeMap::new();
            for f in &all {
                model.insert(f.point.dose_um.to_bits(), (f.point.dose_um, f.simulated));
            }
            let mut curve: Vec<(f64, f64)> = model.into_values().collect();
            curve.sort_by(|a, b| a.0.total_cmp(&b.0));
            let set = if all[0].point.validation {
                "validation"
            } else {
                "training"
            };
            panels.push(Block::LineChart(LineChart {
                title: format!("{line} · {drug} ({set})"),
                x_label: "µM".into(),
                y_label: "GR".into(),
                series: vec![
                    scatter(
                        "published",
                        all.iter().map(|f| (f.point.dose_um, f.point.gr)),
                    ),
                    Series {
                        no_markers: true,
                        ..Series::new("model", curve)
                    },
                ],
                log_x: true,
                y_min: Some(-1.0),
                y_max: Some(1.2),
                markers: true,
                ..Default::default()
            }));
        }
    }
    let worst_text = s
        .worst_validation
        .iter()
        .map(|(id, r)| format!("{id} (RMSE {r:.2})"))
        .collect::<Vec<_>>()
        .join("; ");
    Report {
        title: "HER2 model calibration: credibility report".into(),
        subtitle: format!(
            "{} training and {} validation points (GR, 72 h); validation within 1 SD: {:.0} %, within 2 SD: {:.0} %",
            s.training_points,
            s.validation_points,
            100.0 * s.validation_within_1sd,
            100.0 * s.validation_within_2sd
        ),
        sections: vec![
            Section {
                id: "summary".into(),
                heading: "Summary".into(),
                intro: format!("The data are published GR curves (Hafner 2016 sigmoids of 72-h screens) evaluated on a dose grid; the validation part (held-out cell lines and publications, chosen before fitting) was not used in the fit. An SD is the fitted GR noise, which also absorbs the spread between replicate screens. Worst validation experiments: {worst_text}."),
                blocks: vec![Block::Table(Table {
                    caption: String::new(),
                    headers: vec!["quantity".into(), "value".into()],
                    rows: summary_rows,
                })],
            },
            Section {
                id: "doubling".into(),
                heading: "Untreated growth".into(),
                intro: format!("GR values divide treated growth by the control's, so they leave the growth rate itself free; the untreated doubling times the gCSI screen reports anchor it (fitted on the log scale with a noise SD of {} ln units).", super::DOUBLING_SD_LN),
                blocks: vec![Block::Table(Table {
                    caption: String::new(),
                    headers: ["cell line", "set", "reported doubling (h)", "model doubling (h)"].map(String::from).to_vec(),
                    rows: doubling_rows,
                })],
            },
            Section {
                id: "parameters".into(),
                heading: "Parameters".into(),
                intro: "Each estimated parameter's literature (or previously assumed) value beside the fitted one, with the 95 % profile-likelihood interval where profiles were given (open = the data do not bound that side) and the Wald interval from the Fisher information at the fit (a quadratic approximation: open = the information does not determine the parameter). Verdicts come from the profile where there is one; otherwise from the Wald standard error (determined below 0.5 log10 units).".into(),
                blocks: vec![Block::Table(Table {
                    caption: String::new(),
                    headers: ["parameter", "literature", "fitted", "profile 95 % lower", "profile 95 % upper", "Wald 95 % lower", "Wald 95 % upper", "verdict"]
                        .map(String::from)
                        .to_vec(),
                    rows: param_rows,
                })],
            },
            Section {
                id: "parity".into(),
                heading: "All points".into(),
                intro: "Every point's published GR against the fitted model's.".into(),
                blocks: vec![Block::LineChart(parity)],
            },
            Section {
                id: "experiments".into(),
                heading: "Goodness of fit per experiment".into(),
                intro: "RMSE (GR units) of each published curve, worst first (40 shown; all in experiments.csv).".into(),
                blocks: vec![Block::Table(Table {
                    caption: String::new(),
                    headers: ["experiment", "set", "points", "RMSE"].map(String::from).to_vec(),
                    rows: exp_rows,
                })],
            },
            Section {
                id: "curves".into(),
                heading: "Dose-response per line and drug".into(),
                intro: "Published points (markers, every curve of every screen) and the fitted model (line).".into(),
                blocks: vec![Block::Grid(panels)],
            },
        ],
    }
    .to_html()
}

/// Where a report goes by default.
pub fn default_dir() -> PathBuf {
    PathBuf::from("her2sim-calibration")
}
