//! What a fit writes: the PEtab parameter table with the fitted values, the waterfall of every
//! start as CSV, and an HTML report (waterfall plot, fitted parameters, each observable's data
//! beside the fitted simulation).

use std::collections::BTreeMap;

use her2sim_report::{Block, Cell, LineChart, Report, Section, Series, Table};

use crate::fit::FitResult;
use crate::problem::{Problem, Scale};
use crate::PetabError;

/// (time, measured) and (time, simulated) points of one observable in one condition.
type DataAndFit = (Vec<(f64, f64)>, Vec<(f64, f64)>);

/// The files of a fit report (`her2sim fit -o DIR`, `her2sim.fit(out=...)`): the parameter
/// table with fitted nominal values, the waterfall of starts, and the HTML report.
pub fn fit_files(
    problem: &Problem,
    fit: &FitResult,
    seconds: f64,
) -> Result<Vec<(&'static str, String)>, PetabError> {
    Ok(vec![
        ("parameters.tsv", parameters_tsv(problem, fit)),
        ("starts.csv", starts_csv(fit)),
        ("index.html", html(problem, fit, seconds)?),
    ])
}

/// The parameter table (standard PEtab columns) with the best start's values as nominal.
pub fn parameters_tsv(problem: &Problem, fit: &FitResult) -> String {
    let values = fit.best_parameters(problem);
    let mut out = String::from(
        "parameterId\tparameterScale\tlowerBound\tupperBound\tnominalValue\testimate\n",
    );
    for p in &problem.parameters {
        let scale = match p.scale {
            Scale::Lin => "lin",
            Scale::Log => "log",
            Scale::Log10 => "log10",
        };
        out.push_str(&format!(
            "{}\t{scale}\t{:?}\t{:?}\t{:?}\t{}\n",
            p.id,
            p.lower,
            p.upper,
            values.get(&p.id).copied().unwrap_or(p.nominal),
            u8::from(p.estimate)
        ));
    }
    out
}

/// Every start's result, best first (the waterfall).
pub fn starts_csv(fit: &FitResult) -> String {
    let mut out =
        String::from("rank,start,neg_log_posterior,llh,converged,iterations,resampled,error\n");
    for (rank, s) in fit.starts.iter().enumerate() {
        out.push_str(&format!(
            "{},{},{:?},{:?},{},{},{},{}\n",
            rank + 1,
            s.index,
            s.objective,
            s.llh,
            s.converged,
            s.iterations,
            s.resampled,
            s.error.as_deref().unwrap_or("").replace([',', '\n'], ";")
        ));
    }
    out
}

/// The HTML report of a fit.
pub fn html(problem: &Problem, fit: &FitResult, seconds: f64) -> Result<String, PetabError> {
    let best = fit
        .best()
        .ok_or_else(|| PetabError::Simulation("no start finished".into()))?;
    let waterfall = Series::new(
        "starts",
        fit.starts
            .iter()
            .enumerate()
            .filter(|(_, s)| s.objective.is_finite())
            .map(|(i, s)| ((i + 1) as f64, s.objective - best.objective + 1.0))
            .collect(),
    );
    let values = fit.best_parameters(problem);
    let rows = fit
        .estimated
        .iter()
        .map(|&i| {
            let p = &problem.parameters[i];
            // Values span many decades: four significant digits, not fixed decimals.
            let g = |x: f64| Cell::text(format!("{x:.4e}"));
            vec![
                Cell::text(&p.id),
                g(p.lower),
                g(values[&p.id]),
                g(p.upper),
                g(p.nominal),
            ]
        })
        .collect();
    let terms = problem.terms(&values)?;
    // Per observable: data and fit per condition, over time.
    let mut per_obs: BTreeMap<&str, BTreeMap<&str, DataAndFit>> = BTreeMap::new();
    for (m, t) in problem.measurements.iter().zip(&terms) {
        let e = per_obs
            .entry(problem.observables[m.observable].id.as_str())
            .or_default()
            .entry(m.condition.as_str())
            .or_default();
        e.0.push((m.time, m.value));
        e.1.push((m.time, t.simulated));
    }
    let mut fits = Vec::new();
    for (obs, conds) in per_obs {
        let mut series = Vec::new();
        for (cond, (data, sim)) in conds.into_iter().take(6) {
            series.push(Series::new(format!("{cond} data"), data));
            series.push(Series::new(format!("{cond} fit"), sim));
        }
        fits.push(Block::LineChart(LineChart {
            title: obs.to_string(),
            x_label: "time".into(),
            y_label: "value".into(),
            series,
            markers: true,
            ..Default::default()
        }));
    }
    let converged = fit.starts.iter().filter(|s| s.converged).count();
    let report = Report {
        title: format!(
            "Fit of {}",
            problem
                .file
                .file_name()
                .map_or_else(|| problem.file.display().to_string(), |n| n.to_string_lossy().into_owned())
        ),
        subtitle: format!(
            "{} starts ({converged} converged) in {seconds:.1} s; best log-likelihood {:.4}, negative log-posterior {:.4}",
            fit.starts.len(),
            best.llh,
            best.objective
        ),
        sections: vec![
            Section {
                id: "waterfall".into(),
                heading: "Waterfall".into(),
                intro: "Each start's final negative log-posterior minus the best, plus 1 (log scale), sorted: a plateau of starts at the left means the optimum was found repeatedly.".into(),
                blocks: vec![Block::LineChart(LineChart {
                    title: "Starts".into(),
                    x_label: "start (sorted)".into(),
                    y_label: "objective - best + 1".into(),
                    series: vec![waterfall],
                    log_y: true,
                    markers: true,
                    ..Default::default()
                })],
            },
            Section {
                id: "parameters".into(),
                heading: "Fitted parameters".into(),
                intro: "Linear scale; the nominal value is the problem's.".into(),
                blocks: vec![Block::Table(Table {
                    caption: String::new(),
                    headers: vec![
                        "parameter".into(),
                        "lower".into(),
                        "fitted".into(),
                        "upper".into(),
                        "nominal".into(),
                    ],
                    rows,
                })],
            },
            Section {
                id: "fits".into(),
                heading: "Data and fit".into(),
                intro: "Each observable's measurements beside the fitted simulation at the measured times (up to six conditions per plot).".into(),
                blocks: fits,
            },
        ],
    };
    Ok(report.to_html())
}

/// Every profile point as CSV: parameter, value (linear), negative log-posterior, Δ to the optimum.
pub fn profiles_csv(profiles: &[crate::Profile]) -> String {
    let mut out = String::from("parameter,value,neg_log_posterior,delta\n");
    for p in profiles {
        let scale = p.scale;
        for (x, f) in &p.points {
            out.push_str(&format!(
                "{},{:?},{:?},{:?}\n",
                p.id,
                scale.to_lin(*x),
                f,
                f - p.objective
            ));
        }
    }
    out
}

/// The HTML report of profiles: one plot per parameter with the 95 % threshold, and the table
/// of intervals and verdicts.
pub fn profiles_html(problem: &Problem, profiles: &[crate::Profile]) -> String {
    let fmt = |x: Option<f64>| x.map_or("unbounded".to_string(), |v| format!("{v:.4e}"));
    let rows = profiles
        .iter()
        .map(|p| {
            let scale = p.scale;
            vec![
                Cell::text(&p.id),
                Cell::text(format!("{:.4e}", scale.to_lin(p.optimum))),
                Cell::text(fmt(p.lower)),
                Cell::text(fmt(p.upper)),
                Cell::text(format!("{:?}", p.verdict)),
            ]
        })
        .collect();
    let charts: Vec<Block> = profiles
        .iter()
        .map(|p| {
            let points: Vec<(f64, f64)> = p
                .points
                .iter()
                .map(|(x, f)| (*x, f - p.objective))
                .collect();
            let (x0, x1) = points
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), q| {
                    (a.min(q.0), b.max(q.0))
                });
            Block::LineChart(LineChart {
                title: p.id.clone(),
                x_label: "value (parameter scale)".into(),
                y_label: "Δ negative log-posterior".into(),
                series: vec![
                    Series::new("profile", points),
                    Series::new(
                        "95 % threshold",
                        vec![
                            (x0, crate::PROFILE_THRESHOLD),
                            (x1, crate::PROFILE_THRESHOLD),
                        ],
                    ),
                ],
                markers: true,
                ..Default::default()
            })
        })
        .collect();
    let mut blocks = vec![Block::Table(Table {
        caption: "95 % intervals from the χ²(1) threshold (Δ = 1.92), linear scale".into(),
        headers: vec![
            "parameter".into(),
            "optimum".into(),
            "lower".into(),
            "upper".into(),
            "identifiability".into(),
        ],
        rows,
    })];
    blocks.extend(charts);
    Report {
        title: "Profile likelihoods".into(),
        subtitle: problem.file.display().to_string(),
        sections: vec![Section {
            id: "profiles".into(),
            heading: "Profiles".into(),
            intro: "Each parameter held at values stepped away from the optimum while all others are re-fitted; a side that never crosses the threshold is not bounded by the data.".into(),
            blocks,
        }],
    }
    .to_html()
}
