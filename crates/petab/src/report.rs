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
    let mut out = String::from("rank,start,neg_log_posterior,llh,converged,iterations,error\n");
    for (rank, s) in fit.starts.iter().enumerate() {
        out.push_str(&format!(
            "{},{},{:?},{:?},{},{},{}\n",
            rank + 1,
            s.index,
            s.objective,
            s.llh,
            s.converged,
            s.iterations,
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
