//! Axis scales and tick computation: "nice" linear ticks (1, 2, 5 × 10^k steps) and
//! log10 ticks (decades, thinned when there are many, with 2 and 5 added when the range
//! spans a single decade), plus mapping data values to a 0..1 position along the axis.

use crate::num;

/// Number of linear ticks aimed for (the result has at most about this many).
pub const TARGET_TICKS: usize = 6;

/// The nice step (1, 2 or 5 × 10^k) at least as large as `raw`; 1 for invalid input.
pub fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let base = 10f64.powf(raw.log10().floor());
    let f = raw / base;
    let nice = if f <= 1.0 + 1e-9 {
        1.0
    } else if f <= 2.0 + 1e-9 {
        2.0
    } else if f <= 5.0 + 1e-9 {
        5.0
    } else {
        10.0
    };
    nice * base
}

/// Multiples of `step` inside `[lo, hi]` (with a little tolerance), computed as `i * step`
/// so they do not accumulate rounding error. At most 1000 ticks.
fn multiples(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let first = (lo / step - 1e-9).ceil();
    let last = (hi / step + 1e-9).floor();
    if !(first.is_finite() && last.is_finite()) || last < first || last - first > 1000.0 {
        return Vec::new();
    }
    let n = (last - first) as usize;
    (0..=n)
        .map(|i| {
            let v = (first + i as f64) * step;
            if v.abs() < step * 1e-9 {
                0.0
            } else {
                v
            }
        })
        .collect()
}

/// Nice linear ticks inside `[lo, hi]`, about `target` of them (fewer, never more than
/// `target + 1`). Empty for non-finite bounds; a single tick when `lo == hi`.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) {
        return Vec::new();
    }
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    if lo == hi {
        return vec![lo];
    }
    multiples(lo, hi, nice_step((hi - lo) / target.max(1) as f64))
}

/// Log10 ticks for `[lo, hi]` (both must be > 0): every decade, or every 2nd/3rd/…
/// decade when there are more than eight; 2× and 5× multiples are added when the
/// range is within one decade. Empty for invalid bounds.
pub fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    Axis::log10(lo, hi).ticks
}

/// A scale from data values to a 0..1 position, with its tick values.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Lower end of the domain.
    pub min: f64,
    /// Upper end of the domain (always > `min`).
    pub max: f64,
    /// log10 scale.
    pub log: bool,
    /// Labelled tick values, ascending, inside the domain.
    pub ticks: Vec<f64>,
    /// Unlabelled minor ticks (log axes: 2..9 × 10^k when there are at most three decades).
    pub minor: Vec<f64>,
    /// Linear tick step (used for label formatting; 0 on log axes).
    pub step: f64,
}

impl Axis {
    /// A linear axis covering `[lo, hi]`, extended outwards to multiples of a nice step.
    /// Invalid bounds give 0..1; equal bounds are padded.
    pub fn linear(lo: f64, hi: f64) -> Axis {
        Axis::linear_target(lo, hi, TARGET_TICKS)
    }

    /// [`Axis::linear`] aiming for `target` ticks.
    pub fn linear_target(lo: f64, hi: f64, target: usize) -> Axis {
        let (mut lo, mut hi) = match (lo.is_finite(), hi.is_finite()) {
            (true, true) => (lo.min(hi), lo.max(hi)),
            (true, false) => (lo, lo),
            (false, true) => (hi, hi),
            (false, false) => (0.0, 1.0),
        };
        if lo == hi {
            let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
            lo -= pad;
            hi += pad;
        }
        let step = nice_step((hi - lo) / target.max(1) as f64);
        let min = (lo / step + 1e-9).floor() * step;
        let max = (hi / step - 1e-9).ceil() * step;
        let (min, max) = if max > min { (min, max) } else { (lo, hi) };
        Axis {
            min,
            max,
            log: false,
            ticks: multiples(min, max, step),
            minor: Vec::new(),
            step,
        }
    }

    /// A log10 axis covering `[lo, hi]`, extended outwards to whole decades. Non-positive or
    /// non-finite bounds fall back to 1..10.
    pub fn log10(lo: f64, hi: f64) -> Axis {
        let ok = |v: f64| v.is_finite() && v > 0.0;
        let (lo, hi) = match (ok(lo), ok(hi)) {
            (true, true) => (lo.min(hi), lo.max(hi)),
            (true, false) => (lo, lo),
            (false, true) => (hi, hi),
            (false, false) => (1.0, 10.0),
        };
        let mut e_lo = (lo.log10() + 1e-9).floor() as i32;
        let mut e_hi = (hi.log10() - 1e-9).ceil() as i32;
        if e_hi <= e_lo {
            e_hi = e_lo + 1;
        }
        let decades = e_hi - e_lo;
        let stride = (decades + 7) / 8; // at most ~8 labelled decades
        if stride > 1 {
            e_lo = e_lo.div_euclid(stride) * stride;
            e_hi = e_lo + (e_hi - e_lo + stride - 1) / stride * stride;
        }
        let pow = |e: i32| 10f64.powi(e);
        let mut ticks: Vec<f64> = (e_lo..=e_hi)
            .step_by(stride.max(1) as usize)
            .map(pow)
            .collect();
        let mut minor = Vec::new();
        if stride == 1 {
            for e in e_lo..e_hi {
                for m in 2..=9 {
                    let v = f64::from(m) * pow(e);
                    if e_hi - e_lo == 1 && (m == 2 || m == 5) {
                        ticks.push(v);
                    } else if e_hi - e_lo <= 3 {
                        minor.push(v);
                    }
                }
            }
            ticks.sort_by(f64::total_cmp);
        }
        Axis {
            min: pow(e_lo),
            max: pow(e_hi),
            log: true,
            ticks,
            minor,
            step: 0.0,
        }
    }

    /// Restricts the domain to explicit bounds (each ignored unless finite, positive on a
    /// log axis, and leaving `min < max`); ticks outside the new domain are dropped.
    pub fn with_bounds(mut self, lo: Option<f64>, hi: Option<f64>) -> Axis {
        let ok = |v: f64| v.is_finite() && (!self.log || v > 0.0);
        let min = lo.filter(|&v| ok(v)).unwrap_or(self.min);
        let max = hi.filter(|&v| ok(v)).unwrap_or(self.max);
        if max > min {
            self.min = min;
            self.max = max;
            let tol = (max - min) * 1e-9;
            let inside = |v: &f64| *v >= min - tol && *v <= max + tol;
            self.ticks.retain(inside);
            self.minor.retain(inside);
        }
        self
    }

    /// Position of `v` along the axis: 0 at `min`, 1 at `max` (outside for values outside
    /// the domain). `None` for non-finite values and for `v <= 0` on a log axis.
    pub fn frac(&self, v: f64) -> Option<f64> {
        if !v.is_finite() {
            return None;
        }
        let f = if self.log {
            if v <= 0.0 {
                return None;
            }
            (v.log10() - self.min.log10()) / (self.max.log10() - self.min.log10())
        } else {
            (v - self.min) / (self.max - self.min)
        };
        f.is_finite().then_some(f)
    }

    /// The label of tick `v`.
    pub fn label(&self, v: f64) -> String {
        if self.log {
            num::sig(v, 3)
        } else {
            let max_abs = self.ticks.iter().fold(0.0f64, |m, t| m.max(t.abs()));
            num::tick(v, self.step, max_abs)
        }
    }

    /// Labels of all ticks.
    pub fn labels(&self) -> Vec<String> {
        self.ticks.iter().map(|&t| self.label(t)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12)
    }

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(0.186), 0.2);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(7.0), 10.0);
        assert_eq!(nice_step(1.0), 1.0);
        assert_eq!(nice_step(f64::NAN), 1.0);
    }

    #[test]
    fn nice_ticks_zero_to_093() {
        let t = nice_ticks(0.0, 0.93, 5);
        assert!(close(&t, &[0.0, 0.2, 0.4, 0.6, 0.8]), "{t:?}");
        let a = Axis::linear(0.0, 0.93);
        assert_eq!((a.min, a.max), (0.0, 1.0));
        assert_eq!(a.labels(), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
    }

    #[test]
    fn nice_ticks_degenerate() {
        assert!(nice_ticks(f64::NAN, 1.0, 5).is_empty());
        assert_eq!(nice_ticks(2.0, 2.0, 5), [2.0]);
        let a = Axis::linear(3.0, 3.0);
        assert!(a.min < 3.0 && a.max > 3.0 && !a.ticks.is_empty());
        let a = Axis::linear(0.0, 0.0);
        assert!(a.max > a.min);
        let a = Axis::linear(f64::NAN, f64::INFINITY);
        assert_eq!((a.min, a.max), (0.0, 1.0));
    }

    #[test]
    fn negative_ranges() {
        let a = Axis::linear(-0.37, 0.52);
        assert_eq!(a.labels(), ["-0.4", "-0.2", "0.0", "0.2", "0.4", "0.6"]);
    }

    #[test]
    fn log_ticks_are_decades() {
        let t = log_ticks(1e-3, 10.0);
        assert!(close(&t, &[1e-3, 1e-2, 1e-1, 1.0, 10.0]), "{t:?}");
        let a = Axis::log10(1e-3, 10.0);
        assert_eq!(a.labels(), ["0.001", "0.01", "0.1", "1", "10"]);
        let a = Axis::log10(1.3e-5, 0.02);
        assert_eq!(a.labels(), ["1e-5", "1e-4", "0.001", "0.01", "0.1"]);
    }

    #[test]
    fn log_ticks_many_decades_are_thinned() {
        let a = Axis::log10(1e-12, 1e6);
        assert!(a.ticks.len() <= 10, "{:?}", a.ticks);
        assert!(a.min <= 1e-12 && a.max >= 1e6);
    }

    #[test]
    fn log_ticks_within_one_decade() {
        let t = log_ticks(2.0, 8.0);
        assert!(close(&t, &[1.0, 2.0, 5.0, 10.0]), "{t:?}");
        // invalid input falls back instead of panicking
        assert!(!log_ticks(-1.0, 0.0).is_empty());
    }

    #[test]
    fn bounds_and_fractions() {
        let a = Axis::linear(0.1, 0.93).with_bounds(Some(0.0), Some(1.2));
        assert_eq!((a.min, a.max), (0.0, 1.2));
        assert_eq!(a.frac(0.6), Some(0.5));
        assert_eq!(a.frac(f64::NAN), None);
        let l = Axis::log10(1.0, 100.0);
        assert_eq!(l.frac(10.0), Some(0.5));
        assert_eq!(l.frac(0.0), None);
        assert_eq!(l.frac(-1.0), None);
    }
}
