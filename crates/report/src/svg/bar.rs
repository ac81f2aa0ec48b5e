//! Grouped bar charts: one cluster per category with one bar per group (legend when there
//! are several groups), bars drawn from zero, an optional dashed reference line, category
//! labels rotated when they would not fit side by side. Non-finite values are marked "n/a".

use super::axis::Axis;
use super::frame::{self, Rect};
use super::{
    figure, legend, no_data, open_svg, palette, text, text_width, truncate, Ctx, Extent, Swatch,
    FONT, PAD,
};
use crate::escape;
use crate::num::{coord, sig};
use crate::BarChart;
use std::fmt::Write;

/// Rotation of long category labels, in degrees (counter-clockwise).
const ROTATE_DEG: f64 = 40.0;
/// Longest category label drawn (longer ones are cut, the full text is in the tooltip).
const MAX_LABEL: usize = 26;

pub(crate) fn render(c: &BarChart, ctx: &mut Ctx) -> String {
    let ncat = c
        .groups
        .iter()
        .map(|(_, v)| v.len())
        .fold(c.categories.len(), usize::max);
    let mut ext = Extent::default();
    for &v in c.groups.iter().flat_map(|(_, v)| v) {
        if v.is_finite() {
            ext.add(v);
        }
    }
    let Some((mut lo, mut hi)) = ext.get().filter(|_| ncat > 0) else {
        return no_data(&c.title);
    };
    let reference = c.reference.filter(|r| r.is_finite());
    for v in [Some(0.0), reference].into_iter().flatten() {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if lo == hi {
        hi = lo + 1.0;
    }
    let ya = Axis::linear(lo, hi);

    let (w, h) = ctx.size();
    let labels: Vec<String> = (0..ncat)
        .map(|i| truncate(c.categories.get(i).map_or("", String::as_str), MAX_LABEL))
        .collect();
    let label_w = labels
        .iter()
        .map(|l| text_width(l, FONT))
        .fold(0.0, f64::max);
    let mut left = frame::left_margin(&ya, &c.y_label);
    let right = 14.0;
    let slot = (w - left - right) / ncat as f64;
    let rotate = label_w > slot - 8.0;
    let (sin, cos) = ROTATE_DEG.to_radians().sin_cos();
    let label_h = if rotate {
        // rotated labels hang down-left from their category centre
        let first_w = labels.first().map_or(0.0, |l| text_width(l, FONT));
        left = left.max(PAD + first_w * cos - slot / 2.0);
        label_w * sin + FONT * cos + 4.0
    } else {
        FONT
    };
    let slot = (w - left - right) / ncat as f64;

    let mut items: Vec<(String, Swatch)> = Vec::new();
    if c.groups.len() > 1 {
        for (i, (name, _)) in c.groups.iter().enumerate() {
            items.push((name.clone(), Swatch::Box { color: palette(i) }));
        }
    }
    if let Some(r) = reference {
        items.push((format!("reference ({})", sig(r, 3)), Swatch::Reference));
    }
    let (legend_svg, legend_h) = legend(&items, left, PAD, w - left - right);
    let top = PAD + legend_h + if legend_h > 0.0 { 8.0 } else { 0.0 } + FONT / 2.0;
    let bottom = 8.0 + label_h + PAD;
    // long rotated labels make the chart taller rather than squeezing the plot
    let h = h.max(top + bottom + h * 0.55);
    let plot = Rect {
        x: left,
        y: top,
        w: w - left - right,
        h: h - top - bottom,
    };

    let mut out = open_svg(w, h, &c.title, ctx.compact);
    out.push_str(&legend_svg);
    frame::y_axis(&mut out, plot, &ya, &c.y_label);

    let ngroups = c.groups.len().max(1) as f64;
    let band = (slot * 0.8).min(ngroups * 64.0);
    let bw = band / ngroups;
    let gap = if ngroups > 1.0 {
        (bw * 0.12).min(2.0)
    } else {
        0.0
    };
    let base_f = ya.frac(0.0).unwrap_or(0.0).clamp(0.0, 1.0);
    let base_y = plot.py(base_f);
    let bottom_y = plot.y + plot.h;
    for (j, label) in labels.iter().enumerate() {
        let cx = plot.x + slot * (j as f64 + 0.5);
        let x0 = cx - band / 2.0;
        let category = c.categories.get(j).map_or("", String::as_str);
        for (g, (group, values)) in c.groups.iter().enumerate() {
            let Some(&v) = values.get(j) else { continue };
            let x = x0 + bw * g as f64 + gap / 2.0;
            let tip = if c.groups.len() > 1 {
                format!("{group} — {category}: {}", sig(v, 4))
            } else {
                format!("{category}: {}", sig(v, 4))
            };
            match ya.frac(v) {
                Some(f) => {
                    let y = plot.py(f.clamp(0.0, 1.0));
                    let _ = write!(
                        out,
                        r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>"#,
                        coord(x),
                        coord(y.min(base_y)),
                        coord(bw - gap),
                        coord((y - base_y).abs()),
                        palette(g),
                        escape(&tip)
                    );
                }
                None if bw - gap >= 14.0 => {
                    let _ = write!(
                        out,
                        r##"<text x="{}" y="{}" text-anchor="middle" font-size="9" fill="#8c959f">n/a<title>{}</title></text>"##,
                        coord(x + (bw - gap) / 2.0),
                        coord(base_y - 4.0),
                        escape(&tip)
                    );
                }
                None => {}
            }
        }
        let tip = if label.as_str() == category {
            String::new()
        } else {
            format!("<title>{}</title>", escape(category))
        };
        let y = bottom_y + 8.0 + FONT * 0.8;
        let extra = if rotate {
            format!(
                r#" dy="0.35em" transform="rotate(-{ROTATE_DEG} {} {})""#,
                coord(cx + 3.0),
                coord(bottom_y + 8.0)
            )
        } else {
            String::new()
        };
        let anchor = if rotate { "end" } else { "middle" };
        let el = text(
            if rotate { cx + 3.0 } else { cx },
            if rotate { bottom_y + 8.0 } else { y },
            anchor,
            FONT,
            &extra,
            label,
        );
        out.push_str(&el.replacen("</text>", &format!("{tip}</text>"), 1));
    }
    let _ = write!(
        out,
        r##"<path d="M{x0} {y}H{x1}" stroke="#57606a" stroke-width="1.2"/>"##,
        x0 = coord(plot.x),
        x1 = coord(plot.x + plot.w),
        y = coord(base_y)
    );
    if let Some(f) = reference.and_then(|r| ya.frac(r)) {
        let _ = write!(
            out,
            r##"<path d="M{x0} {y}H{x1}" stroke="#333" stroke-width="1.5" stroke-dasharray="6 4"><title>reference: {r}</title></path>"##,
            x0 = coord(plot.x),
            x1 = coord(plot.x + plot.w),
            y = coord(plot.py(f)),
            r = escape(&sig(reference.unwrap_or_default(), 4)),
        );
    }
    out.push_str("</svg>");
    figure(&c.title, &out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> BarChart {
        BarChart {
            title: "Growth".into(),
            y_label: "fold change".into(),
            categories: vec!["A".into(), "B".into(), "C".into()],
            groups: vec![
                ("g1".into(), vec![0.5, f64::NAN, 1.2]),
                ("g2".into(), vec![0.7, 0.9]),
            ],
            reference: Some(1.0),
        }
    }

    #[test]
    fn bars_nan_and_reference() {
        let svg = render(&chart(), &mut Ctx::default());
        assert_eq!(svg.matches("<rect").count(), 4);
        assert!(svg.contains(">n/a<"));
        assert!(svg.contains("stroke-dasharray=\"6 4\""));
        assert!(svg.contains("reference (1)"));
        assert!(!svg.contains("NaN"));
    }

    #[test]
    fn empty_is_no_data() {
        let mut c = chart();
        c.groups = vec![("g".into(), vec![f64::NAN])];
        assert!(render(&c, &mut Ctx::default()).contains("No data"));
        c.groups.clear();
        assert!(render(&c, &mut Ctx::default()).contains("No data"));
    }

    #[test]
    fn long_labels_rotate() {
        let mut c = chart();
        c.categories = (0..12)
            .map(|i| format!("trastuzumab + lapatinib combination {i}"))
            .collect();
        c.groups = vec![("g".into(), (0..12).map(f64::from).collect())];
        let svg = render(&c, &mut Ctx::default());
        assert!(svg.contains("rotate(-40"));
        assert!(svg.contains('…'));
    }
}
