//! The plot frame shared by line and bar charts: the plot rectangle, gridlines, axis lines,
//! tick marks and tick labels (x labels thinned so they never overlap) and axis titles.

use super::axis::Axis;
use super::{text, text_width, truncate, FONT, PAD};
use crate::num::coord;
use std::fmt::Write;

/// The plotting area inside a chart, in viewBox units.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    /// x coordinate of axis position `f` (0 = left edge).
    pub fn px(&self, f: f64) -> f64 {
        self.x + f * self.w
    }
    /// y coordinate of axis position `f` (0 = bottom edge).
    pub fn py(&self, f: f64) -> f64 {
        self.y + self.h - f * self.h
    }
}

/// Width needed by the y tick labels of `axis`.
pub(crate) fn y_tick_width(axis: &Axis) -> f64 {
    axis.labels()
        .iter()
        .map(|l| text_width(l, FONT))
        .fold(0.0, f64::max)
}

/// Left margin for a y axis with these ticks and an optional title.
pub(crate) fn left_margin(axis: &Axis, title: &str) -> f64 {
    PAD + if title.is_empty() { 0.0 } else { FONT + 10.0 } + y_tick_width(axis) + 9.0
}

/// Horizontal gridlines, tick labels and the rotated title of a y axis.
pub(crate) fn y_axis(out: &mut String, plot: Rect, axis: &Axis, title: &str) {
    let mut minor = String::new();
    for &t in &axis.minor {
        if let Some(f) = axis.frac(t) {
            let _ = write!(
                minor,
                "M{} {}h{}",
                coord(plot.x),
                coord(plot.py(f)),
                coord(plot.w)
            );
        }
    }
    if !minor.is_empty() {
        let _ = write!(
            out,
            r##"<path d="{minor}" stroke="#f1f2f4" stroke-width="1"/>"##
        );
    }
    let mut grid = String::new();
    let mut ticks = String::new();
    let mut labels = String::new();
    for &t in &axis.ticks {
        let Some(f) = axis.frac(t) else { continue };
        let y = plot.py(f);
        let _ = write!(grid, "M{} {}h{}", coord(plot.x), coord(y), coord(plot.w));
        let _ = write!(ticks, "M{} {}h-4", coord(plot.x), coord(y));
        labels.push_str(&text(
            plot.x - 7.0,
            y,
            "end",
            FONT,
            r#" dy="0.35em""#,
            &axis.label(t),
        ));
    }
    let _ = write!(
        out,
        r##"<path d="{grid}" stroke="#e3e6ea" stroke-width="1"/><path d="{ticks}M{x} {y0}V{y1}" stroke="#8c959f" stroke-width="1" fill="none"/>{labels}"##,
        x = coord(plot.x),
        y0 = coord(plot.y),
        y1 = coord(plot.y + plot.h),
    );
    if !title.is_empty() {
        let title = fit_width(title, plot.h + 20.0, FONT + 1.0);
        let x = PAD + FONT * 0.5 + 2.0;
        let y = plot.y + plot.h / 2.0;
        out.push_str(&text(
            x,
            y,
            "middle",
            FONT + 1.0,
            &format!(
                r#" dy="0.35em" font-weight="600" transform="rotate(-90 {} {})""#,
                coord(x),
                coord(y)
            ),
            &title,
        ));
    }
}

/// `s` shortened (with an ellipsis) so that it is at most `width` wide at font size `size`.
pub(crate) fn fit_width(s: &str, width: f64, size: f64) -> String {
    let mut n = s.chars().count();
    let mut t = s.to_string();
    while n > 1 && text_width(&t, size) > width {
        n -= 1;
        t = truncate(s, n);
    }
    t
}

/// Every how many ticks a label can be drawn without overlapping its neighbours.
fn label_stride(positions: &[f64], widths: &[f64]) -> usize {
    let n = positions.len();
    (1..n.max(2))
        .find(|&k| {
            (k..n)
                .step_by(k)
                .all(|i| positions[i] - positions[i - k] >= (widths[i] + widths[i - k]) / 2.0 + 8.0)
        })
        .unwrap_or(n.max(1))
}

/// Bottom axis line, tick marks, tick labels (thinned to avoid overlap), optional vertical
/// gridlines and the axis title. Returns nothing; the labels sit just below the plot.
pub(crate) fn x_axis(out: &mut String, plot: Rect, axis: &Axis, title: &str, gridlines: bool) {
    let bottom = plot.y + plot.h;
    let mut grid = String::new();
    for &t in axis.minor.iter().chain(&axis.ticks) {
        if let Some(f) = axis.frac(t) {
            let _ = write!(
                grid,
                "M{} {}v{}",
                coord(plot.px(f)),
                coord(plot.y),
                coord(plot.h)
            );
        }
    }
    if gridlines && !grid.is_empty() {
        let _ = write!(
            out,
            r##"<path d="{grid}" stroke="#eef0f2" stroke-width="1"/>"##
        );
    }
    let ticks: Vec<(f64, String)> = axis
        .ticks
        .iter()
        .filter_map(|&t| axis.frac(t).map(|f| (plot.px(f), axis.label(t))))
        .collect();
    let positions: Vec<f64> = ticks.iter().map(|t| t.0).collect();
    let widths: Vec<f64> = ticks.iter().map(|t| text_width(&t.1, FONT)).collect();
    let stride = label_stride(&positions, &widths);
    let mut marks = String::new();
    for (i, (x, label)) in ticks.iter().enumerate() {
        let _ = write!(marks, "M{} {}v4", coord(*x), coord(bottom));
        if i % stride == 0 {
            out.push_str(&text(
                *x,
                bottom + 8.0 + FONT * 0.8,
                "middle",
                FONT,
                "",
                label,
            ));
        }
    }
    let _ = write!(
        out,
        r##"<path d="{marks}M{x0} {b}H{x1}" stroke="#8c959f" stroke-width="1" fill="none"/>"##,
        x0 = coord(plot.x),
        x1 = coord(plot.x + plot.w),
        b = coord(bottom),
    );
    if !title.is_empty() {
        let title = fit_width(title, plot.w + 40.0, FONT + 1.0);
        out.push_str(&text(
            plot.x + plot.w / 2.0,
            bottom + 8.0 + FONT * 0.8 + 8.0 + FONT,
            "middle",
            FONT + 1.0,
            r#" font-weight="600""#,
            &title,
        ));
    }
}

/// Bottom margin below a plot with x tick labels and an optional x title.
pub(crate) fn bottom_margin(title: &str) -> f64 {
    8.0 + FONT
        + if title.is_empty() {
            0.0
        } else {
            8.0 + FONT + 2.0
        }
        + PAD
}
