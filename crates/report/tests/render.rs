//! Whole-document checks: escaping, NaN robustness, balanced SVG tags, heat map cells, grid.

use her2sim_report::{
    BarChart, Block, Cell, ColorScale, HeatMap, LineChart, Report, Section, Series, Table,
};

fn report(blocks: Vec<Block>) -> Report {
    Report {
        title: "Test".into(),
        subtitle: String::new(),
        sections: vec![Section {
            id: "s".into(),
            heading: "Section".into(),
            intro: String::new(),
            blocks,
        }],
    }
}

/// Every number inside `attr="…"` values of SVG coordinate attributes.
fn coordinate_values(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in [
        " x=\"",
        " y=\"",
        " cx=\"",
        " cy=\"",
        " width=\"",
        " height=\"",
        " d=\"",
    ] {
        for part in html.split(attr).skip(1) {
            if let Some(v) = part.split('"').next() {
                out.push(v.to_string());
            }
        }
    }
    out
}

fn nan_line_chart() -> LineChart {
    LineChart {
        title: "invalid values everywhere".into(),
        x_label: "x".into(),
        y_label: "y".into(),
        series: vec![
            Series::new(
                "a",
                vec![(1.0, f64::NAN), (2.0, 1.0), (f64::NAN, 2.0), (3.0, 3.0)],
            ),
            Series {
                no_markers: false,
                points_only: false,
                name: "b".into(),
                points: vec![(f64::INFINITY, 1.0), (0.0, 2.0), (4.0, f64::NEG_INFINITY)],
                dashed: true,
            },
        ],
        log_x: true,
        log_y: false,
        y_min: Some(f64::NAN),
        y_max: Some(f64::INFINITY),
        markers: true,
    }
}

#[test]
fn title_with_script_is_escaped() {
    let mut r = report(vec![Block::Paragraph("<script>alert('p')</script>".into())]);
    r.title = "<script>alert(1)</script>".into();
    r.sections[0].heading = "a \"quoted\" & <b>bold</b>".into();
    r.sections[0].blocks.push(Block::LineChart(LineChart {
        title: "<script>x</script>".into(),
        series: vec![Series::new("<s>", vec![(0.0, 1.0), (1.0, 2.0)])],
        ..Default::default()
    }));
    let html = r.to_html();
    assert!(!html.contains("<script"), "unescaped script tag");
    assert!(html.contains("<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>"));
    assert!(html.contains("&lt;script&gt;alert(&#39;p&#39;)&lt;/script&gt;"));
    assert!(html.contains("a &quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;"));
    assert!(!html.contains("<s>"));
}

#[test]
fn nan_values_do_not_panic_or_leak_into_svg() {
    let html = report(vec![
        Block::LineChart(nan_line_chart()),
        Block::BarChart(BarChart {
            title: "bars".into(),
            y_label: "v".into(),
            categories: vec!["a".into(), "b".into()],
            groups: vec![("g".into(), vec![f64::NAN, 2.0])],
            reference: Some(f64::NAN),
        }),
        Block::HeatMap(HeatMap {
            title: "hm".into(),
            row_labels: vec!["r".into()],
            col_labels: vec!["c1".into(), "c2".into()],
            values: vec![vec![f64::NAN, 1.0]],
            scale: ColorScale::Sequential {
                min: f64::NAN,
                max: f64::INFINITY,
            },
            value_digits: 1,
            legend: String::new(),
        }),
        Block::Table(Table {
            caption: String::new(),
            headers: vec!["v".into()],
            rows: vec![
                vec![Cell::number(f64::NAN, 2)],
                vec![Cell::bar(1.0, f64::NAN, "")],
            ],
        }),
    ])
    .to_html();
    assert!(!html.contains("NaN"));
    assert!(!html.to_lowercase().contains("inf\""));
    for v in coordinate_values(&html) {
        assert!(
            !v.contains("NaN") && !v.contains("inf"),
            "bad coordinate {v:?}"
        );
    }
}

#[test]
fn empty_series_render_no_data_note() {
    let html = report(vec![
        Block::LineChart(LineChart {
            title: "empty".into(),
            series: vec![Series::new("a", vec![])],
            ..Default::default()
        }),
        Block::BarChart(BarChart::default()),
        Block::HeatMap(HeatMap::default()),
        Block::Table(Table::default()),
    ])
    .to_html();
    assert_eq!(html.matches("No data to display").count(), 4);
    assert!(!html.contains("<svg"));
}

#[test]
fn heat_map_3x4_has_12_rects() {
    let html = report(vec![Block::HeatMap(HeatMap {
        title: "synergy".into(),
        row_labels: (1..=3).map(|i| format!("row {i}")).collect(),
        col_labels: (1..=4).map(|i| format!("col {i}")).collect(),
        values: (0..3)
            .map(|r| (0..4).map(|c| f64::from(r * 4 + c) / 10.0 - 0.5).collect())
            .collect(),
        scale: ColorScale::Diverging {
            center: 0.0,
            span: 0.6,
        },
        value_digits: 2,
        legend: "score".into(),
    })])
    .to_html();
    assert_eq!(html.matches("<rect").count(), 12);
}

#[test]
fn svg_tags_are_balanced_and_ids_unique() {
    let chart = |log_x| {
        Block::LineChart(LineChart {
            title: "c".into(),
            series: vec![
                Series::new("a", vec![(0.1, 1.0), (1.0, 2.0), (10.0, 1.5)]),
                Series::new("b", vec![(0.1, 2.0), (10.0, 0.5)]),
            ],
            log_x,
            markers: true,
            ..Default::default()
        })
    };
    let heat = Block::HeatMap(HeatMap {
        title: "h".into(),
        row_labels: vec!["a".into()],
        col_labels: vec!["b".into()],
        values: vec![vec![0.5]],
        ..Default::default()
    });
    let bars = Block::BarChart(BarChart {
        categories: vec!["x".into()],
        groups: vec![("g".into(), vec![1.0])],
        ..Default::default()
    });
    let html = report(vec![
        chart(true),
        Block::Grid(vec![chart(false), heat.clone(), bars.clone(), chart(true)]),
        heat,
        bars,
    ])
    .to_html();
    let open = html.matches("<svg").count();
    assert_eq!(open, 7);
    assert_eq!(open, html.matches("</svg>").count());
    assert_eq!(
        html.matches("<figure").count(),
        html.matches("</figure>").count()
    );
    assert_eq!(html.matches("<div").count(), html.matches("</div>").count());
    let mut ids: Vec<&str> = html
        .split(" id=\"")
        .skip(1)
        .filter_map(|p| p.split('"').next())
        .collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "duplicate ids");
    assert!(html.contains("class=\"grid\""));
}

#[test]
fn toc_links_every_section() {
    let mut r = report(vec![]);
    r.sections.push(Section {
        id: "s".into(),
        heading: "Again".into(),
        ..Default::default()
    });
    let html = r.to_html();
    assert!(html.contains("<a href=\"#s\">Section</a>"));
    assert!(html.contains("<a href=\"#s-2\">Again</a>"));
    assert!(html.contains("id=\"s-2\""));
}

#[test]
fn extreme_values_do_not_panic_or_produce_nan() {
    let extremes = [
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        1e-300,
        -0.0,
        1e300,
        1.0 + f64::EPSILON,
        1.0,
    ];
    let mut blocks = Vec::new();
    for (i, &a) in extremes.iter().enumerate() {
        for &b in &extremes[i..] {
            for (log_x, log_y) in [(false, false), (true, true)] {
                blocks.push(Block::LineChart(LineChart {
                    series: vec![Series::new("s", vec![(a, b), (b, a)])],
                    log_x,
                    log_y,
                    y_min: Some(b),
                    y_max: Some(a),
                    markers: true,
                    ..Default::default()
                }));
            }
            blocks.push(Block::BarChart(BarChart {
                categories: vec!["a".into(), "b".into()],
                groups: vec![("g".into(), vec![a, b])],
                reference: Some(a),
                ..Default::default()
            }));
            blocks.push(Block::HeatMap(HeatMap {
                values: vec![vec![a, b]],
                scale: ColorScale::Diverging { center: a, span: b },
                value_digits: 3,
                ..Default::default()
            }));
        }
    }
    let html = report(blocks).to_html();
    assert!(!html.contains("NaN"));
    for v in coordinate_values(&html) {
        assert!(
            !v.contains("NaN") && !v.contains("inf"),
            "bad coordinate {v:?}"
        );
    }
}
