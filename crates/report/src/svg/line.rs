//! Line charts: linear or log10 axes, several series with legend, dashed lines, optional
//! markers with tooltips. Invalid points (non-finite, or non-positive on a log axis) break
//! the line into separate segments; the lines are clipped to the plot area.

use super::axis::Axis;
use super::frame::{self, Rect};
use super::{figure, legend, no_data, open_svg, palette, Ctx, Extent, Swatch, FONT, PAD};
use crate::num::{coord, sig};
use crate::LineChart;
use std::fmt::Write;

/// Keeps far-outside positions bounded (they are clipped anyway) so coordinates stay small.
fn bounded(f: f64) -> f64 {
    f.clamp(-20.0, 21.0)
}

pub(crate) fn render(c: &LineChart, ctx: &mut Ctx) -> String {
    let ok = |x: f64, y: f64| {
        x.is_finite() && y.is_finite() && (!c.log_x || x > 0.0) && (!c.log_y || y > 0.0)
    };
    let (mut xe, mut ye) = (Extent::default(), Extent::default());
    for &(x, y) in c.series.iter().flat_map(|s| &s.points) {
        if ok(x, y) {
            xe.add(x);
            ye.add(y);
        }
    }
    let (Some((x0, x1)), Some((y0, y1))) = (xe.get(), ye.get()) else {
        return no_data(&c.title);
    };
    let xa = if c.log_x {
        Axis::log10(x0, x1)
    } else {
        Axis::linear(x0, x1)
    };
    let valid_bound = |v: &f64| v.is_finite() && (!c.log_y || *v > 0.0);
    let (y_min, y_max) = (c.y_min.filter(valid_bound), c.y_max.filter(valid_bound));
    let (lo, hi) = (y_min.unwrap_or(y0), y_max.unwrap_or(y1));
    let ya = if c.log_y {
        Axis::log10(lo, hi)
    } else {
        Axis::linear(lo, hi)
    }
    .with_bounds(y_min, y_max);

    let (w, h) = ctx.size();
    let left = frame::left_margin(&ya, &c.y_label);
    let last_label = xa.ticks.last().map(|&t| xa.label(t)).unwrap_or_default();
    let right = (super::text_width(&last_label, FONT) / 2.0 + 4.0).max(14.0);
    let items: Vec<(String, Swatch)> = if c.series.len() > 1 {
        c.series
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let swatch = if s.points_only {
                    Swatch::Box { color: palette(i) }
                } else {
                    Swatch::Line {
                        color: palette(i),
                        dashed: s.dashed,
                    }
                };
                (s.name.clone(), swatch)
            })
            .collect()
    } else {
        Vec::new()
    };
    let (legend_svg, legend_h) = legend(&items, left, PAD, w - left - right);
    let top = PAD + legend_h + if legend_h > 0.0 { 8.0 } else { 0.0 } + FONT / 2.0;
    let bottom = frame::bottom_margin(&c.x_label);
    let plot = Rect {
        x: left,
        y: top,
        w: w - left - right,
        h: h - top - bottom,
    };

    let mut out = open_svg(w, h, &c.title, ctx.compact);
    out.push_str(&legend_svg);
    frame::x_axis(&mut out, plot, &xa, &c.x_label, true);
    frame::y_axis(&mut out, plot, &ya, &c.y_label);

    let clip = ctx.id("clip");
    let _ = write!(
        out,
        r#"<clipPath id="{clip}"><rect x="{}" y="{}" width="{}" height="{}"/></clipPath><g clip-path="url(#{clip})">"#,
        coord(plot.x - 4.0),
        coord(plot.y - 4.0),
        coord(plot.w + 8.0),
        coord(plot.h + 8.0)
    );
    let mut markers = String::new();
    for (i, s) in c.series.iter().enumerate() {
        let color = palette(i);
        let mut d = String::new();
        let mut run: Vec<(f64, f64)> = Vec::new();
        let mut singles: Vec<(f64, f64)> = Vec::new();
        let mut flush = |run: &mut Vec<(f64, f64)>, d: &mut String| {
            if run.len() == 1 {
                singles.extend(run.iter().copied());
            }
            for (k, (px, py)) in run.iter().enumerate() {
                let cmd = if k == 0 { 'M' } else { 'L' };
                let _ = write!(d, "{cmd}{} {}", coord(*px), coord(*py));
            }
            run.clear();
        };
        for &(x, y) in &s.points {
            let pos = if ok(x, y) {
                xa.frac(x).zip(ya.frac(y))
            } else {
                None
            };
            match pos {
                Some((fx, fy)) => {
                    let (px, py) = (plot.px(bounded(fx)), plot.py(bounded(fy)));
                    run.push((px, py));
                    let inside =
                        (-1e-9..=1.0 + 1e-9).contains(&fx) && (-1e-9..=1.0 + 1e-9).contains(&fy);
                    if (c.markers && !s.no_markers || s.points_only) && inside {
                        let _ = write!(
                            markers,
                            r##"<circle cx="{}" cy="{}" r="3.5" fill="{color}" stroke="#fff" stroke-width="1"><title>{}</title></circle>"##,
                            coord(px),
                            coord(py),
                            crate::escape(&format!(
                                "{}: x = {}, y = {}",
                                s.name,
                                sig(x, 4),
                                sig(y, 4)
                            ))
                        );
                    }
                }
                None => flush(&mut run, &mut d),
            }
        }
        flush(&mut run, &mut d);
        let dash = if s.dashed {
            r#" stroke-dasharray="7 4""#
        } else {
            ""
        };
        let name = crate::escape(&s.name);
        if !d.is_empty() && !s.points_only {
            let _ = write!(
                out,
                r#"<path d="{d}" fill="none" stroke="{color}" stroke-width="2.2" stroke-linejoin="round" stroke-linecap="round"{dash}><title>{name}</title></path>"#
            );
        }
        if !c.markers && !s.points_only {
            for (px, py) in singles {
                let _ = write!(
                    out,
                    r#"<circle cx="{}" cy="{}" r="2.5" fill="{color}"><title>{name}</title></circle>"#,
                    coord(px),
                    coord(py)
                );
            }
        }
    }
    out.push_str(&markers);
    out.push_str("</g></svg>");
    figure(&c.title, &out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Series;

    fn chart(series: Vec<Series>) -> LineChart {
        LineChart {
            title: "t".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            series,
            markers: true,
            ..Default::default()
        }
    }

    #[test]
    fn nan_points_make_gaps_not_nan_coordinates() {
        let s = Series::new(
            "a",
            vec![
                (0.0, 1.0),
                (1.0, f64::NAN),
                (2.0, 3.0),
                (f64::INFINITY, 2.0),
                (3.0, 4.0),
                (4.0, 5.0),
            ],
        );
        let svg = render(&chart(vec![s]), &mut Ctx::default());
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        // three segments: [0], [2], [3, 4]
        let series_path = svg
            .split("<path d=\"")
            .find(|p| p.contains("stroke-width=\"2.2\""))
            .and_then(|p| p.split('"').next())
            .unwrap_or_default();
        assert_eq!(series_path.matches('M').count(), 3, "{series_path}");
        assert_eq!(series_path.matches('L').count(), 1, "{series_path}");
    }

    #[test]
    fn all_invalid_is_no_data() {
        let s = Series::new("a", vec![(f64::NAN, 1.0), (1.0, f64::NEG_INFINITY)]);
        assert!(render(&chart(vec![s]), &mut Ctx::default()).contains("No data"));
        assert!(render(&chart(vec![]), &mut Ctx::default()).contains("No data"));
        let mut log = chart(vec![Series::new("a", vec![(0.0, 1.0), (-1.0, 2.0)])]);
        log.log_x = true;
        assert!(render(&log, &mut Ctx::default()).contains("No data"));
    }

    #[test]
    fn legend_only_for_several_series() {
        let one = render(
            &chart(vec![Series::new("alpha", vec![(0.0, 1.0), (1.0, 2.0)])]),
            &mut Ctx::default(),
        );
        assert!(!one.contains("class=\"legend\""));
        let two = render(
            &chart(vec![
                Series::new("alpha", vec![(0.0, 1.0), (1.0, 2.0)]),
                Series::new("beta", vec![(0.0, 2.0), (1.0, 1.0)]),
            ]),
            &mut Ctx::default(),
        );
        assert!(two.contains("class=\"legend\"") && two.contains(">beta</text>"));
    }

    #[test]
    fn points_only_series_draw_markers_and_no_line() {
        let mut c = chart(vec![
            Series::new("line", vec![(0.0, 0.0), (1.0, 1.0)]),
            Series::points("dots", vec![(0.2, 0.5), (0.8, 0.3), (0.5, 0.9)]),
        ]);
        c.markers = false;
        let svg = render(&c, &mut Ctx::default());
        // One series path (the line), three circles (the dots), none for the line.
        assert_eq!(svg.matches("stroke-width=\"2.2\"").count(), 1, "{svg}");
        assert_eq!(svg.matches("<circle").count(), 3, "{svg}");
        assert!(svg.contains("dots: x = 0.8, y = 0.3"), "{svg}");
    }
}
