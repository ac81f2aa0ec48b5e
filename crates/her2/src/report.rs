//! Turns study results into the HTML report (sections of tables, heat maps, bar charts, time
//! courses, dose-response and synergy panels) and tidy CSV tables.

use her2sim_report::{
    BarChart, Block, Cell, ColorScale, HeatMap, LineChart, Report, Section, Series, Table,
};

use crate::lab::READOUTS;
use crate::study::StudyResults;

/// Index of a read-out in `READOUTS`.
fn idx(name: &str) -> usize {
    READOUTS.iter().position(|(n, _)| *n == name).unwrap_or(0)
}

/// Treatments ranked by mean relative viable cells over the HER2-amplified conditions
/// (those without modifiers whose line carries >= 2e5 HER2 per cell), best first.
pub fn ranking(r: &StudyResults, her2_high: &[bool]) -> Vec<(usize, f64)> {
    let v = idx("viable_cells");
    let mut rows: Vec<(usize, f64)> = (0..r.treatments.len())
        .map(|t| {
            let vals: Vec<f64> = (0..r.conditions.len())
                .filter(|&c| her2_high[c])
                .map(|c| r.predictions[c][t].relative[v])
                .collect();
            (t, mean(&vals))
        })
        .collect();
    rows.sort_by(|a, b| a.1.total_cmp(&b.1));
    rows
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// The whole report. `her2_high[c]` marks HER2-amplified conditions for the ranking;
/// `low` is the index of a HER2-low reference condition (MCF-7) if there is one.
pub fn build(
    r: &StudyResults,
    her2_high: &[bool],
    low: Option<usize>,
    about_model: &str,
) -> Report {
    let mut sections = vec![
        summary(r, her2_high, low),
        heat_maps(r),
        per_line(r),
        time_courses(r),
    ];
    if !r.dose_responses.is_empty() {
        sections.push(dose_response(r));
    }
    if !r.combinations.is_empty() {
        sections.push(synergy(r));
    }
    sections.push(Section {
        id: "model".into(),
        heading: "Model and methods".into(),
        intro: String::new(),
        blocks: vec![Block::Paragraph(about_model.into())],
    });
    Report {
        title: format!("her2sim — {}", r.name),
        subtitle: format!(
            "{} conditions × {} treatments, {} days in vitro; every value relative to the same cell line untreated at the same time (1 = no effect). {}",
            r.conditions.len(),
            r.treatments.len(),
            r.days,
            r.description
        ),
        sections,
    }
}

fn summary(r: &StudyResults, her2_high: &[bool], low: Option<usize>) -> Section {
    let rank = ranking(r, her2_high);
    let (v, akt, erk) = (idx("viable_cells"), idx("pAKT"), idx("pERK"));
    let mut headers = vec![
        "rank".to_string(),
        "treatment".into(),
        "doses".into(),
        "viable cells, HER2-high (mean)".into(),
    ];
    if let Some(l) = low {
        headers.push(format!("viable cells, {}", r.conditions[l].label()));
    }
    headers.extend(["pAKT, HER2-high".into(), "pERK, HER2-high".into()]);
    let high: Vec<usize> = (0..r.conditions.len()).filter(|&c| her2_high[c]).collect();
    let m = |t: usize, k: usize| {
        mean(
            &high
                .iter()
                .map(|&c| r.predictions[c][t].relative[k])
                .collect::<Vec<_>>(),
        )
    };
    let rows = rank
        .iter()
        .enumerate()
        .map(|(i, &(t, viable))| {
            let mut row = vec![
                Cell::Text(format!("{}", i + 1)),
                Cell::Text(r.treatment_names[t].clone()),
                Cell::Text(r.doses[t].clone()),
                Cell::Bar {
                    value: viable,
                    max: 1.0,
                    label: format!("{viable:.2}"),
                },
            ];
            if let Some(l) = low {
                let x = r.predictions[l][t].relative[v];
                row.push(Cell::Bar {
                    value: x,
                    max: 1.0,
                    label: format!("{x:.2}"),
                });
            }
            row.push(Cell::Number {
                value: m(t, akt),
                digits: 2,
            });
            row.push(Cell::Number {
                value: m(t, erk),
                digits: 2,
            });
            row
        })
        .collect();
    Section {
        id: "summary".into(),
        heading: "Ranked summary".into(),
        intro: "Treatments ranked by the viable cells they leave in the HER2-amplified lines (lower is better), with the HER2-low reference line for selectivity.".into(),
        blocks: vec![Block::Table(Table { caption: "Relative to untreated at the end of the study".into(), headers, rows })],
    }
}

fn heat(r: &StudyResults, readout: &str, title: &str) -> HeatMap {
    let k = idx(readout);
    HeatMap {
        title: title.into(),
        row_labels: r.treatment_names.clone(),
        col_labels: r.conditions.iter().map(|c| c.label()).collect(),
        values: (0..r.treatments.len())
            .map(|t| {
                (0..r.conditions.len())
                    .map(|c| r.predictions[c][t].relative[k])
                    .collect()
            })
            .collect(),
        scale: ColorScale::Sequential { min: 0.0, max: 1.2 },
        value_digits: 2,
        legend: format!("{readout}, treated / untreated"),
    }
}

fn heat_maps(r: &StudyResults) -> Section {
    Section {
        id: "heatmaps".into(),
        heading: "Strategies × cell lines".into(),
        intro: "Each cell is one simulation: the read-out after treatment divided by the same condition untreated.".into(),
        blocks: vec![
            Block::HeatMap(heat(r, "viable_cells", "Viable cells")),
            Block::HeatMap(heat(r, "pAKT", "Phospho-AKT")),
            Block::HeatMap(heat(r, "pERK", "Phospho-ERK")),
        ],
    }
}

/// Up to `n` treatments in study order, the untreated control left out.
fn key_treatments(r: &StudyResults, n: usize) -> Vec<usize> {
    (0..r.treatments.len())
        .filter(|&t| r.treatments[t] != "none")
        .take(n)
        .collect()
}

fn per_line(r: &StudyResults) -> Section {
    let v = idx("viable_cells");
    let plain: Vec<usize> = (0..r.conditions.len())
        .filter(|&c| r.conditions[c].modifiers.is_empty())
        .collect();
    let groups = key_treatments(r, 6)
        .into_iter()
        .map(|t| {
            (
                r.treatment_names[t].clone(),
                plain
                    .iter()
                    .map(|&c| r.predictions[c][t].relative[v])
                    .collect(),
            )
        })
        .collect();
    Section {
        id: "cell-lines".into(),
        heading: "Effects per cell line".into(),
        intro: "Viable cells relative to untreated for the first treatments of the study, per cell line (dashed line: no effect).".into(),
        blocks: vec![Block::BarChart(BarChart {
            title: "Viable cells".into(),
            y_label: "treated / untreated".into(),
            categories: plain.iter().map(|&c| r.conditions[c].label()).collect(),
            groups,
            reference: Some(1.0),
        })],
    }
}

fn time_courses(r: &StudyResults) -> Section {
    let c = 0;
    let picks = key_treatments(r, 6);
    let chart = |readout: &str, label: &str| -> Block {
        let k = idx(readout);
        let series = picks
            .iter()
            .map(|&t| {
                let tr = &r.trajectories[c][t];
                Series::new(
                    r.treatment_names[t].clone(),
                    tr.hours
                        .iter()
                        .zip(&tr.values)
                        .map(|(h, v)| (*h, v[k]))
                        .collect(),
                )
            })
            .collect();
        Block::LineChart(LineChart {
            title: label.into(),
            x_label: "hours".into(),
            y_label: label.into(),
            series,
            ..LineChart::default()
        })
    };
    Section {
        id: "time-courses".into(),
        heading: format!("Time courses in {}", r.conditions.first().map(|c| c.label()).unwrap_or_default()),
        intro: "Absolute model read-outs after the drug is added at time 0 to cells at their untreated steady state.".into(),
        blocks: vec![Block::Grid(vec![
            chart("pHER2", "phospho-HER2 (nM)"),
            chart("pAKT", "phospho-AKT (fraction)"),
            chart("pERK", "phospho-ERK (fraction)"),
            chart("viable_cells", "viable cells (relative to start)"),
        ])],
    }
}

fn dose_response(r: &StudyResults) -> Section {
    let mut charts = Vec::new();
    let mut rows = Vec::new();
    for d in &r.dose_responses {
        let pts: Vec<(f64, f64)> = d
            .doses_nm
            .iter()
            .copied()
            .zip(d.responses.iter().copied())
            .collect();
        let mut series = vec![Series::new("simulated", pts)];
        match &d.fit {
            Ok(f) => {
                let (lo, hi) = (
                    d.doses_nm.first().copied().unwrap_or(1.0),
                    d.doses_nm.last().copied().unwrap_or(10.0),
                );
                let curve = (0..=60)
                    .map(|i| {
                        let x = lo * (hi / lo).powf(i as f64 / 60.0);
                        (x, f.predict(x))
                    })
                    .collect();
                series.push(Series {
                    name: "4-parameter Hill fit".into(),
                    points: curve,
                    dashed: true,
                    no_markers: true,
                    points_only: false,
                });
                rows.push(vec![
                    Cell::Text(d.strategy.clone()),
                    Cell::Text(d.condition.label()),
                    Cell::Text(format!(
                        "{} ({}–{})",
                        sig3(f.ic50),
                        sig3(f.ic50_ci.0),
                        sig3(f.ic50_ci.1)
                    )),
                    Cell::Number {
                        value: f.hill,
                        digits: 2,
                    },
                    Cell::Number {
                        value: f.emax,
                        digits: 2,
                    },
                    Cell::Number {
                        value: f.r_squared,
                        digits: 4,
                    },
                ]);
            }
            Err(e) => rows.push(vec![
                Cell::Text(d.strategy.clone()),
                Cell::Text(d.condition.label()),
                Cell::Text(format!("no fit: {e}")),
                Cell::Text(String::new()),
                Cell::Text(String::new()),
                Cell::Text(String::new()),
            ]),
        }
        charts.push(Block::LineChart(LineChart {
            title: format!("{} — {}", d.strategy, d.condition.label()),
            x_label: "concentration (nM)".into(),
            y_label: format!("{} (relative)", d.readout),
            series,
            log_x: true,
            markers: true,
            y_min: Some(0.0),
            ..LineChart::default()
        }));
    }
    Section {
        id: "dose-response".into(),
        heading: "Dose-response".into(),
        intro: "Each single agent over a log-spaced concentration series, fitted with a four-parameter Hill curve (IC50 with 95 % confidence interval, in nM).".into(),
        blocks: vec![
            Block::Table(Table {
                caption: "Hill fits".into(),
                headers: ["agent", "condition", "IC50 nM (95 % CI)", "Hill slope", "Emax", "R²"].map(String::from).to_vec(),
                rows,
            }),
            Block::Grid(charts),
        ],
    }
}

fn synergy(r: &StudyResults) -> Section {
    let mut blocks = Vec::new();
    let mut rows = Vec::new();
    for c in &r.combinations {
        let fmt = sig3;
        let row_labels: Vec<String> = c.doses_nm[0]
            .iter()
            .map(|d| format!("{} {} nM", c.strategies[0], fmt(*d)))
            .collect();
        let col_labels: Vec<String> = c.doses_nm[1]
            .iter()
            .map(|d| format!("{} {} nM", c.strategies[1], fmt(*d)))
            .collect();
        let mut grid = vec![Block::HeatMap(HeatMap {
            title: format!("{} + {}: {}", c.strategies[0], c.strategies[1], c.readout),
            row_labels: row_labels.clone(),
            col_labels: col_labels.clone(),
            values: c.response.clone(),
            scale: ColorScale::Sequential { min: 0.0, max: 1.0 },
            value_digits: 2,
            legend: "treated / untreated".into(),
        })];
        let mut row = vec![
            Cell::Text(format!("{} + {}", c.strategies[0], c.strategies[1])),
            Cell::Text(c.condition.label()),
        ];
        for (name, s) in &c.scores {
            match s {
                Ok(s) => {
                    row.push(Cell::Number {
                        value: s.summary,
                        digits: 2,
                    });
                    if *name == "Bliss" {
                        let values = c.score_matrix(s);
                        grid.push(Block::HeatMap(HeatMap {
                            title: "Bliss synergy (% points; > 0 synergy)".into(),
                            row_labels: row_labels.clone(),
                            col_labels: col_labels.clone(),
                            values,
                            scale: ColorScale::Diverging {
                                center: 0.0,
                                span: 20.0,
                            },
                            value_digits: 1,
                            legend: "Bliss excess".into(),
                        }));
                    }
                }
                Err(e) => row.push(Cell::Text(format!("n/a ({e})"))),
            }
        }
        rows.push(row);
        blocks.push(Block::Grid(grid));
    }
    blocks.insert(
        0,
        Block::Table(Table {
            caption: "Summary synergy scores (SynergyFinder convention: mean over the matrix, % points, > 0 = synergy)".into(),
            headers: ["combination", "condition", "HSA", "Bliss", "Loewe", "ZIP"].map(String::from).to_vec(),
            rows,
        }),
    );
    Section {
        id: "synergy".into(),
        heading: "Combinations and synergy".into(),
        intro: "Dose matrices of the clinically used pairs, scored with HSA, Bliss independence, Loewe additivity and ZIP.".into(),
        blocks,
    }
}

/// Tidy CSV of the predictions: one row per condition × treatment × read-out, with the GR
/// value of viable cells. A ratio not reported (untreated below the read-out's floor) is an
/// empty cell, and `measurable` says why.
pub fn predictions_csv(r: &StudyResults) -> String {
    let mut s = String::from(
        "condition,treatment,readout,relative,treated,untreated,measurable,gr_value\n",
    );
    let cell = |x: f64| {
        if x.is_nan() {
            String::new()
        } else {
            x.to_string()
        }
    };
    for row in &r.predictions {
        for p in row {
            for (i, (name, _)) in READOUTS.iter().enumerate() {
                s.push_str(&format!(
                    "{},{},{},{},{},{},{},{}\n",
                    p.condition.label(),
                    p.treatment,
                    name,
                    cell(p.relative[i]),
                    p.treated[i],
                    p.untreated[i],
                    p.untreated[i].abs() >= crate::lab::READOUT_FLOORS[i],
                    cell(p.gr_value)
                ));
            }
        }
    }
    s
}

/// Tidy CSV of the time courses: one row per condition × treatment × time.
pub fn time_courses_csv(r: &StudyResults) -> String {
    let mut s = String::from("condition,treatment,hours");
    for (name, _) in READOUTS {
        s.push(',');
        s.push_str(name);
    }
    s.push('\n');
    for (c, row) in r.trajectories.iter().enumerate() {
        for (t, tr) in row.iter().enumerate() {
            for (h, v) in tr.hours.iter().zip(&tr.values) {
                s.push_str(&format!(
                    "{},{},{h}",
                    r.conditions[c].label(),
                    r.treatments[t]
                ));
                for x in v {
                    s.push_str(&format!(",{x}"));
                }
                s.push('\n');
            }
        }
    }
    s
}

/// Dose-response points and fits.
pub fn dose_response_csv(r: &StudyResults) -> String {
    let mut s =
        String::from("condition,strategy,dose,dose_nM,readout,response,ic50_nM,hill,emax,e0\n");
    for d in &r.dose_responses {
        let f = d.fit.as_ref().ok();
        for ((q, nm), y) in d.doses.iter().zip(&d.doses_nm).zip(&d.responses) {
            s.push_str(&format!(
                "{},{},{}{},{nm},{},{y},{},{},{},{}\n",
                d.condition.label(),
                d.strategy,
                q.value,
                q.unit.symbol,
                d.readout,
                f.map_or(f64::NAN, |f| f.ic50),
                f.map_or(f64::NAN, |f| f.hill),
                f.map_or(f64::NAN, |f| f.emax),
                f.map_or(f64::NAN, |f| f.e0),
            ));
        }
    }
    s
}

/// Combination matrices with per-cell synergy scores.
pub fn synergy_csv(r: &StudyResults) -> String {
    let mut s =
        String::from("condition,drug1,drug2,dose1_nM,dose2_nM,response,hsa,bliss,loewe,zip\n");
    for c in &r.combinations {
        for (i, da) in c.doses_nm[0].iter().enumerate() {
            for (j, db) in c.doses_nm[1].iter().enumerate() {
                s.push_str(&format!(
                    "{},{},{},{da},{db},{}",
                    c.condition.label(),
                    c.strategies[0],
                    c.strategies[1],
                    c.response[i][j]
                ));
                for (_, sc) in &c.scores {
                    let v = sc
                        .as_ref()
                        .ok()
                        .and_then(|sc| sc.cells.iter().find(|x| x.0 == *da && x.1 == *db))
                        .map_or(String::new(), |x| x.2.to_string());
                    // Single-agent edges have no synergy score: the field is left empty.
                    s.push_str(&format!(",{v}"));
                }
                s.push('\n');
            }
        }
    }
    s
}

/// Three significant figures, without exponent for everyday magnitudes.
fn sig3(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let mag = x.abs().log10().floor() as i32;
    if !(-3..6).contains(&mag) {
        return format!("{x:.2e}");
    }
    let decimals = (2 - mag).max(0) as usize;
    format!("{x:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::{Study, StudyFile};
    use crate::Lab;

    /// A small study's report names every condition and treatment, and its CSVs have one row
    /// per condition x treatment x read-out (predictions) and per sample (time courses).
    #[test]
    fn report_and_csv_cover_the_study() {
        let lab = Lab::builtin().unwrap();
        let file = StudyFile {
            cell_lines: vec!["bt474".into(), "mcf7".into()],
            modifiers: vec![vec![], vec!["pten-loss".into()]],
            treatments: vec!["trastuzumab".into(), "lapatinib@100nM(0-24h)".into()],
            days: Some(2.0),
            samples_per_day: Some(4),
            ..StudyFile::default()
        };
        let study = Study::from_file(file, &lab).unwrap();
        let r = study.run(&lab, &|| {}).unwrap();
        assert_eq!(r.conditions.len(), 4);
        let html = build(&r, &[true, false, true, false], Some(2), "about").to_html();
        for c in &r.conditions {
            assert!(html.contains(&c.label()), "{}", c.label());
        }
        for t in &r.treatment_names {
            assert!(html.contains(t.as_str()), "{t}");
        }
        let preds = predictions_csv(&r);
        assert_eq!(preds.lines().count(), 1 + 4 * 2 * READOUTS.len());
        let courses = time_courses_csv(&r);
        assert_eq!(courses.lines().count(), 1 + 4 * 2 * (2 * 4 + 1));
        // Ranked by mean viable cells over the marked conditions, lowest first, and the mean is
        // the mean of the predictions.
        let high = [true, false, true, false];
        let rank = ranking(&r, &high);
        assert_eq!(rank.len(), 2);
        assert!(rank[0].1 <= rank[1].1);
        let t = rank[0].0;
        let mean = (r.predictions[0][t].relative[0] + r.predictions[2][t].relative[0]) / 2.0;
        assert!((rank[0].1 - mean).abs() < 1e-12);
    }
}
