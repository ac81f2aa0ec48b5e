//! Heat maps: one cell per matrix value coloured by a sequential (viridis) or diverging
//! (blue–white–red) scale, value printed in the cell when it fits (dark or light text by
//! cell brightness), column labels rotated when long, a gradient colour legend with nice
//! ticks. Missing or non-finite values are grey cells labelled "n/a".
//!
//! Only the cells are `<rect>` elements (the legend is drawn with paths), so the number of
//! `<rect` tags equals the number of cells.

use super::axis::{nice_step, nice_ticks};
use super::{figure, no_data, open_svg, text, text_width, truncate, Ctx, Extent, FONT, PAD};
use crate::escape;
use crate::num::{coord, fixed, sig, tick};
use crate::{ColorScale, HeatMap};
use std::fmt::Write;

type Rgb = (f64, f64, f64);

/// Viridis, sampled at ten evenly spaced points.
const VIRIDIS: [u32; 10] = [
    0x440154, 0x482878, 0x3e4989, 0x31688e, 0x26828e, 0x1f9e89, 0x35b779, 0x6ece58, 0xb5de2b,
    0xfde725,
];
/// ColorBrewer RdBu reversed: blue (low) – near white (centre) – red (high).
const BLUE_WHITE_RED: [u32; 9] = [
    0x2166ac, 0x4393c3, 0x92c5de, 0xd1e5f0, 0xf7f7f7, 0xfddbc7, 0xf4a582, 0xd6604d, 0xb2182b,
];
/// Fill of missing / non-finite cells.
const NA_FILL: &str = "#e4e7eb";
/// Longest row / column label drawn.
const MAX_LABEL: usize = 28;

fn rgb(hex: u32) -> Rgb {
    (
        f64::from((hex >> 16) & 0xff),
        f64::from((hex >> 8) & 0xff),
        f64::from(hex & 0xff),
    )
}

/// Colour at position `t` (clamped to 0..1) along evenly spaced `stops`.
fn interpolate(stops: &[u32], t: f64) -> Rgb {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let pos = t * (stops.len() - 1) as f64;
    let i = (pos.floor() as usize).min(stops.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (rgb(stops[i]), rgb(stops[i + 1]));
    (
        a.0 + (b.0 - a.0) * f,
        a.1 + (b.1 - a.1) * f,
        a.2 + (b.2 - a.2) * f,
    )
}

fn hex((r, g, b): Rgb) -> String {
    let c = |v: f64| v.round().clamp(0.0, 255.0) as u8;
    format!("#{:02x}{:02x}{:02x}", c(r), c(g), c(b))
}

/// Text colour readable on `fill`.
fn ink((r, g, b): Rgb) -> &'static str {
    if (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255.0 > 0.55 {
        "#1f2328"
    } else {
        "#ffffff"
    }
}

/// A colour scale resolved to a finite value range and its colour stops.
struct Scale {
    lo: f64,
    hi: f64,
    stops: &'static [u32],
}

impl Scale {
    /// Resolves `scale`, falling back to the data range `data` when its parameters are unusable.
    fn new(scale: ColorScale, data: Option<(f64, f64)>) -> Scale {
        let (d_lo, d_hi) = data.unwrap_or((0.0, 1.0));
        match scale {
            ColorScale::Sequential { min, max } => {
                let (lo, hi) = if min.is_finite() && max.is_finite() && max > min {
                    (min, max)
                } else if d_hi > d_lo {
                    (d_lo, d_hi)
                } else {
                    (d_lo - 0.5, d_lo + 0.5)
                };
                Scale {
                    lo,
                    hi,
                    stops: &VIRIDIS,
                }
            }
            ColorScale::Diverging { center, span } => {
                let center = if center.is_finite() { center } else { 0.0 };
                let span = if span.is_finite() && span > 0.0 {
                    span
                } else {
                    let m = (d_lo - center).abs().max((d_hi - center).abs());
                    if m > 0.0 {
                        m
                    } else {
                        1.0
                    }
                };
                Scale {
                    lo: center - span,
                    hi: center + span,
                    stops: &BLUE_WHITE_RED,
                }
            }
        }
    }

    fn color(&self, v: f64) -> Rgb {
        interpolate(self.stops, (v - self.lo) / (self.hi - self.lo))
    }
}

/// A cell value with `digits` decimals, or compact scientific notation for huge values.
fn cell_text(v: f64, digits: usize) -> String {
    if v.abs() < 1e6 {
        fixed(v, digits)
    } else {
        sig(v, 3)
    }
}

pub(crate) fn render(c: &HeatMap, ctx: &mut Ctx) -> String {
    let nrows = c.row_labels.len().max(c.values.len());
    let ncols = c
        .values
        .iter()
        .map(Vec::len)
        .fold(c.col_labels.len(), usize::max);
    if nrows == 0 || ncols == 0 || c.values.iter().all(Vec::is_empty) {
        return no_data(&c.title);
    }
    let value = |r: usize, k: usize| {
        c.values
            .get(r)
            .and_then(|row| row.get(k))
            .copied()
            .filter(|v| v.is_finite())
    };
    let mut ext = Extent::default();
    let mut any_na = false;
    for r in 0..nrows {
        for k in 0..ncols {
            match value(r, k) {
                Some(v) => ext.add(v),
                None => any_na = true,
            }
        }
    }
    let scale = Scale::new(c.scale, ext.get());

    let label =
        |labels: &[String], i: usize| truncate(labels.get(i).map_or("", String::as_str), MAX_LABEL);
    let rows: Vec<String> = (0..nrows).map(|i| label(&c.row_labels, i)).collect();
    let cols: Vec<String> = (0..ncols).map(|i| label(&c.col_labels, i)).collect();
    let widest = |v: &[String]| v.iter().map(|l| text_width(l, FONT)).fold(0.0, f64::max);
    let (row_w, col_w) = (widest(&rows), widest(&cols));

    let (w, _) = ctx.size();
    let left = PAD + row_w + 8.0;
    let diag = std::f64::consts::FRAC_1_SQRT_2;
    let fit = |right: f64| ((w - left - right) / ncols as f64).clamp(4.0, 84.0);
    let mut cell_w = fit(PAD);
    let rotate = col_w > cell_w - 12.0;
    let mut right = PAD;
    if rotate {
        // labels rise up-right from their column centre at 45°
        right = (col_w * diag - cell_w / 2.0 + PAD).max(PAD);
        cell_w = fit(right);
        right = (col_w * diag - cell_w / 2.0 + PAD).max(PAD);
    }
    let cell_h = (cell_w * 0.62).clamp(16.0, 34.0);
    let top = PAD + if rotate { (col_w + FONT) * diag } else { FONT } + 8.0;
    let grid_w = cell_w * ncols as f64;
    let grid_h = cell_h * nrows as f64;
    let legend_w = 240.0_f64.min(w - left - PAD - 60.0).max(80.0);
    let caption_h = if c.legend.is_empty() { 0.0 } else { FONT + 6.0 };
    let legend_y = top + grid_h + 16.0;
    let total_h = legend_y + caption_h + 10.0 + 6.0 + FONT + PAD;
    let total_w = (left + grid_w + right).max(left + legend_w + 70.0);

    let mut out = open_svg(total_w, total_h, &c.title, ctx.compact);
    // column labels
    for (k, l) in cols.iter().enumerate() {
        let cx = left + cell_w * (k as f64 + 0.5);
        let y = top - 6.0;
        let el = if rotate {
            let extra = format!(r#" transform="rotate(-45 {} {})""#, coord(cx), coord(y));
            text(cx, y, "start", FONT, &extra, l)
        } else {
            text(cx, y, "middle", FONT, "", l)
        };
        out.push_str(&el);
    }
    // row labels
    for (r, l) in rows.iter().enumerate() {
        let cy = top + cell_h * (r as f64 + 0.5);
        out.push_str(&text(left - 8.0, cy, "end", FONT, r#" dy="0.35em""#, l));
    }
    // cells: one font size for the whole map, shrunk (down to 8 px) so that the widest value
    // fits; if even that does not fit, no cell is labelled. Deciding cell by cell would label
    // some cells and not others, which reads as missing data.
    let widest = (0..nrows)
        .flat_map(|r| (0..ncols).map(move |k| (r, k)))
        .map(|(r, k)| {
            let shown = value(r, k).map_or("n/a".to_string(), |v| cell_text(v, c.value_digits));
            text_width(&shown, 11.0)
        })
        .fold(0.0_f64, f64::max);
    let cell_font = if widest > 0.0 {
        (11.0 * (cell_w - 6.0) / widest).min(11.0)
    } else {
        11.0
    };
    let label_cells = cell_font >= 8.0 && cell_h >= 15.0;
    let cell_font = (cell_font * 10.0).floor() / 10.0;
    for r in 0..nrows {
        for k in 0..ncols {
            let (x, y) = (left + cell_w * k as f64, top + cell_h * r as f64);
            let v = value(r, k);
            let (fill, ink, shown) = match v {
                Some(v) => {
                    let col = scale.color(v);
                    (hex(col), ink(col), cell_text(v, c.value_digits))
                }
                None => (NA_FILL.to_string(), "#6e7781", "n/a".to_string()),
            };
            let row_name = c.row_labels.get(r).map_or("", String::as_str);
            let col_name = c.col_labels.get(k).map_or("", String::as_str);
            let tip = format!(
                "{row_name} × {col_name}: {}",
                v.map_or("n/a".to_string(), |v| cell_text(v, c.value_digits.max(2)))
            );
            let _ = write!(
                out,
                r##"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}" stroke="#fff" stroke-width="1"><title>{}</title></rect>"##,
                coord(x),
                coord(y),
                coord(cell_w),
                coord(cell_h),
                escape(&tip)
            );
            if label_cells {
                let _ = write!(
                    out,
                    r#"<text x="{}" y="{}" dy="0.35em" text-anchor="middle" font-size="{cell_font}" fill="{ink}" pointer-events="none">{}</text>"#,
                    coord(x + cell_w / 2.0),
                    coord(y + cell_h / 2.0),
                    escape(&shown)
                );
            }
        }
    }
    // colour legend (paths only, so that every <rect> is a cell)
    let mut y = legend_y;
    if !c.legend.is_empty() {
        out.push_str(&text(
            left,
            y + FONT * 0.8,
            "start",
            FONT,
            r#" font-weight="600""#,
            &c.legend,
        ));
        y += caption_h;
    }
    let gid = ctx.id("grad");
    let _ = write!(
        out,
        r#"<defs><linearGradient id="{gid}" x1="0" x2="1" y1="0" y2="0">"#
    );
    for i in 0..=16 {
        let t = f64::from(i) / 16.0;
        let _ = write!(
            out,
            r#"<stop offset="{}" stop-color="{}"/>"#,
            coord(t),
            hex(interpolate(scale.stops, t))
        );
    }
    let _ = write!(
        out,
        r##"</linearGradient></defs><path d="M{x} {y}h{lw}v10h-{lw}z" fill="url(#{gid})" stroke="#c9d1d9" stroke-width="0.5"/>"##,
        x = coord(left),
        y = coord(y),
        lw = coord(legend_w)
    );
    let mut ticks = nice_ticks(scale.lo, scale.hi, 4);
    if ticks.len() < 2 {
        ticks = vec![scale.lo, scale.hi];
    }
    let step = nice_step((scale.hi - scale.lo) / 4.0);
    let max_abs = ticks.iter().fold(0.0f64, |m, t| m.max(t.abs()));
    let mut marks = String::new();
    for &t in &ticks {
        let x = left + legend_w * (t - scale.lo) / (scale.hi - scale.lo);
        let _ = write!(marks, "M{} {}v4", coord(x), coord(y + 10.0));
        out.push_str(&text(
            x,
            y + 14.0 + FONT * 0.8,
            "middle",
            FONT - 1.0,
            "",
            &tick(t, step, max_abs),
        ));
    }
    let _ = write!(
        out,
        r##"<path d="{marks}" stroke="#8c959f" stroke-width="1"/>"##
    );
    if any_na {
        let x = left + legend_w + 22.0;
        let _ = write!(
            out,
            r##"<path d="M{} {}h14v10h-14z" fill="{NA_FILL}" stroke="#c9d1d9" stroke-width="0.5"/>"##,
            coord(x),
            coord(y)
        );
        out.push_str(&text(
            x + 19.0,
            y + 5.0,
            "start",
            FONT - 1.0,
            r#" dy="0.35em""#,
            "n/a",
        ));
    }
    out.push_str("</svg>");
    figure(&c.title, &out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(values: Vec<Vec<f64>>) -> HeatMap {
        HeatMap {
            title: "Synergy".into(),
            row_labels: vec!["r1".into(), "r2".into(), "r3".into()],
            col_labels: vec!["c1".into(), "c2".into(), "c3".into(), "c4".into()],
            values,
            scale: ColorScale::Diverging {
                center: 0.0,
                span: 1.0,
            },
            value_digits: 2,
            legend: "Bliss excess".into(),
        }
    }

    #[test]
    fn one_rect_per_cell() {
        let v = vec![vec![0.1, -0.2, 0.3, 0.0]; 3];
        let svg = render(&map(v), &mut Ctx::default());
        assert_eq!(svg.matches("<rect").count(), 12);
        assert!(svg.contains(">0.10</text>"));
    }

    #[test]
    fn ragged_and_nan_cells_are_na() {
        let v = vec![vec![0.1, f64::NAN], vec![f64::INFINITY], vec![]];
        let svg = render(&map(v), &mut Ctx::default());
        assert_eq!(svg.matches("<rect").count(), 12);
        assert!(svg.contains(NA_FILL) && svg.contains("n/a"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }

    #[test]
    fn colours() {
        let s = Scale::new(
            ColorScale::Diverging {
                center: 0.0,
                span: 1.0,
            },
            None,
        );
        assert_eq!(hex(s.color(0.0)), "#f7f7f7");
        assert_eq!(hex(s.color(-5.0)), "#2166ac");
        assert_eq!(hex(s.color(5.0)), "#b2182b");
        let s = Scale::new(
            ColorScale::Sequential {
                min: f64::NAN,
                max: 1.0,
            },
            Some((2.0, 4.0)),
        );
        assert_eq!((s.lo, s.hi), (2.0, 4.0));
        assert_eq!(hex(s.color(f64::NAN)), hex(interpolate(&VIRIDIS, 0.5)));
    }

    #[test]
    fn empty_is_no_data() {
        assert!(render(&map(vec![]), &mut Ctx::default()).contains("No data"));
    }
}
