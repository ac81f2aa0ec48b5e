//! Writes /tmp/report-demo/index.html: a demo report with every block kind
//! (run with `cargo run -p her2sim-report --example demo`).

use her2sim_report::{
    BarChart, Block, Cell, ColorScale, HeatMap, LineChart, Report, Section, Series, Table,
};

/// Hill curve: fraction of untreated growth at dose `d` (nM).
fn hill(d: f64, ic50: f64, n: f64, floor: f64) -> f64 {
    floor + (1.0 - floor) / (1.0 + (d / ic50).powf(n))
}

fn doses() -> Vec<f64> {
    (0..=24)
        .map(|i| 10f64.powf(-3.0 + f64::from(i) * 0.25))
        .collect()
}

fn dose_response() -> LineChart {
    let curve = |ic50, n, floor| {
        doses()
            .into_iter()
            .map(|d| (d, hill(d, ic50, n, floor)))
            .collect()
    };
    LineChart {
        title: "Dose response, 72 h".into(),
        x_label: "dose (nM)".into(),
        y_label: "viability (fraction of untreated)".into(),
        series: vec![
            Series::new("BT-474 (trastuzumab)", curve(0.8, 1.2, 0.35)),
            Series::new("SK-BR-3 (trastuzumab)", curve(2.5, 1.0, 0.45)),
            Series {
                no_markers: false,
                points_only: false,
                name: "JIMT-1 (resistant)".into(),
                points: curve(300.0, 0.9, 0.8),
                dashed: true,
            },
        ],
        log_x: true,
        y_min: Some(0.0),
        y_max: Some(1.1),
        markers: true,
        ..Default::default()
    }
}

fn time_course(name: &str, k: f64, with_gap: bool) -> LineChart {
    let pts = |rate: f64| -> Vec<(f64, f64)> {
        (0..=36)
            .map(|i| {
                let t = f64::from(i) * 2.0;
                let y = if with_gap && (30.0..38.0).contains(&t) {
                    f64::NAN
                } else {
                    (rate * t / 24.0).exp()
                };
                (t, y)
            })
            .collect()
    };
    LineChart {
        title: name.into(),
        x_label: "time (h)".into(),
        y_label: "cells (fold)".into(),
        series: vec![
            Series {
                no_markers: false,
                points_only: false,
                name: "untreated".into(),
                points: pts(0.69),
                dashed: true,
            },
            Series::new("treated", pts(k)),
        ],
        log_y: true,
        ..Default::default()
    }
}

fn growth_bars() -> BarChart {
    BarChart {
        title: "Growth relative to untreated at 72 h".into(),
        y_label: "fold change vs untreated".into(),
        categories: ["BT-474", "SK-BR-3", "HCC1954", "JIMT-1", "MDA-MB-453"]
            .map(String::from)
            .to_vec(),
        groups: vec![
            ("trastuzumab".into(), vec![0.42, 0.55, 0.81, 0.97, 0.74]),
            ("lapatinib".into(), vec![0.31, 0.38, 0.52, 0.88, f64::NAN]),
            ("T + L".into(), vec![0.12, 0.19, 0.33, 0.71, 0.41]),
            ("T-DM1".into(), vec![0.08, 0.15, 0.29, 0.64, 0.22]),
        ],
        reference: Some(1.0),
    }
}

fn synergy_map() -> HeatMap {
    let rows = ["0.01", "0.1", "1", "10", "100"];
    let cols = ["0.003", "0.03", "0.3", "3", "30", "300"];
    let values = (0..5)
        .map(|r| {
            (0..6)
                .map(|c| {
                    if r == 4 && c == 0 {
                        return f64::NAN;
                    }
                    let (x, y) = (f64::from(r) - 2.0, f64::from(c) - 2.5);
                    0.3 * (-(x * x + y * y) / 6.0).exp() - 0.12 * (x + y - 1.0).max(0.0)
                })
                .collect()
        })
        .collect();
    HeatMap {
        title: "Bliss excess, trastuzumab × lapatinib (BT-474)".into(),
        row_labels: rows.map(|s| format!("T {s} nM")).to_vec(),
        col_labels: cols.map(|s| format!("L {s} nM")).to_vec(),
        values,
        scale: ColorScale::Diverging {
            center: 0.0,
            span: 0.3,
        },
        value_digits: 2,
        legend: "Bliss excess (> 0 synergy, < 0 antagonism)".into(),
    }
}

fn ic50_table() -> Table {
    let rows = [
        ("BT-474", 0.81, 0.65),
        ("SK-BR-3", 2.46, 0.55),
        ("HCC1954", 14.2, 0.31),
        ("JIMT-1", f64::NAN, 0.03),
        ("MDA-MB-453", 5.73, 0.26),
    ];
    Table {
        caption: "Trastuzumab potency by cell line".into(),
        headers: vec![
            "cell line".into(),
            "IC50 (nM)".into(),
            "max. inhibition".into(),
        ],
        rows: rows
            .iter()
            .map(|&(name, ic50, emax)| {
                vec![
                    Cell::text(name),
                    Cell::number(ic50, 2),
                    Cell::bar(emax, 1.0, format!("{:.0} %", emax * 100.0)),
                ]
            })
            .collect(),
    }
}

/// Small multiples that exercise the layout: long labels, many series, negative values.
fn layout_checks() -> Vec<Block> {
    let drugs = [
        "trastuzumab",
        "pertuzumab",
        "trastuzumab + pertuzumab",
        "lapatinib",
        "neratinib",
        "tucatinib + trastuzumab + capecitabine",
    ];
    let pathway = ["HER2-P", "HER3-P", "AKT-P", "ERK-P", "S6-P", "FOXO3a"];
    vec![
        Block::BarChart(BarChart {
            title: "Apoptosis at 48 h".into(),
            y_label: "caspase 3/7 (fold)".into(),
            categories: drugs.map(String::from).to_vec(),
            groups: vec![("BT-474".into(), vec![2.1, 1.4, 3.2, 2.6, 3.0, 4.4])],
            reference: Some(1.0),
        }),
        Block::HeatMap(HeatMap {
            title: "Pathway activity after 6 h (fraction of untreated)".into(),
            row_labels: pathway.map(String::from).to_vec(),
            col_labels: drugs.map(String::from).to_vec(),
            values: (0..6)
                .map(|r| {
                    (0..6)
                        .map(|c| 1.0 / (1.0 + f64::from(r * c) * 0.15 + f64::from(c) * 0.05))
                        .collect()
                })
                .collect(),
            scale: ColorScale::Sequential { min: 0.0, max: 1.0 },
            value_digits: 2,
            legend: "fraction of untreated".into(),
        }),
        Block::LineChart(LineChart {
            title: "Many series, negative values".into(),
            x_label: "time (h)".into(),
            y_label: "log2 fold change in phospho-AKT relative to time zero".into(),
            series: pathway
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let k = f64::from(i as u32 + 1) * 0.25;
                    Series::new(
                        *name,
                        (0..=24)
                            .map(|t| {
                                let t = f64::from(t);
                                (t, -k * (1.0 - (-t / 6.0).exp()) + 0.1 * (t / 3.0).sin())
                            })
                            .collect(),
                    )
                })
                .collect(),
            ..Default::default()
        }),
        Block::Table(Table {
            caption: "Table inside a grid".into(),
            headers: vec!["readout".into(), "value".into()],
            rows: pathway
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    vec![
                        Cell::text(*p),
                        Cell::bar(f64::from(i as u32) / 5.0, 1.0, ""),
                    ]
                })
                .collect(),
        }),
    ]
}

fn main() -> std::io::Result<()> {
    let report = Report {
        title: "her2sim report demo".into(),
        subtitle: "Every block kind, with made-up numbers: dose response, growth, synergy".into(),
        sections: vec![
            Section {
                id: "dose-response".into(),
                heading: "Dose response".into(),
                intro:
                    "Viability after 72 h of trastuzumab across three HER2-positive cell lines. \
                        The resistant line (dashed) barely responds."
                        .into(),
                blocks: vec![
                    Block::LineChart(dose_response()),
                    Block::Table(ic50_table()),
                ],
            },
            Section {
                id: "growth".into(),
                heading: "Growth under treatment".into(),
                intro: "Fold change in cell number relative to untreated (dashed line = 1).".into(),
                blocks: vec![
                    Block::BarChart(growth_bars()),
                    Block::Paragraph(
                        "Time courses per treatment (log y). The lapatinib run has a gap where \
                         the solver returned no values; the last panel has no data at all."
                            .into(),
                    ),
                    Block::Grid(vec![
                        Block::LineChart(time_course("trastuzumab", 0.25, false)),
                        Block::LineChart(time_course("lapatinib", 0.1, true)),
                        Block::LineChart(time_course("T-DM1", -0.2, false)),
                        Block::LineChart(LineChart {
                            title: "pertuzumab".into(),
                            ..Default::default()
                        }),
                    ]),
                ],
            },
            Section {
                id: "synergy".into(),
                heading: "Drug combination synergy".into(),
                intro: "Bliss excess over a 5 × 6 dose matrix; red is synergy, blue antagonism. \
                        One well failed (n/a)."
                    .into(),
                blocks: vec![Block::HeatMap(synergy_map())],
            },
            Section {
                id: "layout".into(),
                heading: "Layout checks".into(),
                intro: "Long category and column labels, many series, a table in a grid.".into(),
                blocks: vec![Block::Grid(layout_checks())],
            },
        ],
    };
    let dir = std::path::Path::new("/tmp/report-demo");
    std::fs::create_dir_all(dir)?;
    let path = dir.join("index.html");
    std::fs::write(&path, report.to_html())?;
    println!("wrote {}", path.display());
    Ok(())
}
