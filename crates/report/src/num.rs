//! Number formatting: SVG coordinates (always finite, two decimals at most), fixed-decimal
//! table values, compact significant-digit values for tooltips and log ticks, and linear
//! tick labels. Non-finite values format as "n/a" (never "NaN" or "inf").

/// Placeholder for a value that cannot be shown.
pub(crate) const NA: &str = "n/a";

fn trim_zeros(mut s: String) -> String {
    if s.contains('.') && !s.contains('e') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    s
}

/// Removes the sign of a negative zero such as "-0" or "-0.00".
fn no_negative_zero(s: String) -> String {
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => s,
    }
}

/// An SVG coordinate: at most two decimals, never "NaN" (a non-finite input gives "0";
/// callers filter invalid data before computing coordinates).
pub(crate) fn coord(v: f64) -> String {
    if !v.is_finite() {
        return "0".to_string();
    }
    no_negative_zero(trim_zeros(format!("{v:.2}")))
}

/// `v` with exactly `digits` decimals, or "n/a".
pub(crate) fn fixed(v: f64, digits: usize) -> String {
    if !v.is_finite() {
        return NA.to_string();
    }
    no_negative_zero(format!("{v:.digits$}"))
}

/// Splits `|v| > 0` into a mantissa in [1, 10) and a decimal exponent.
fn decompose(v: f64) -> (f64, i32) {
    let exp = v.abs().log10().floor() as i32;
    (v / 10f64.powi(exp), exp)
}

/// Scientific notation "2.5e-4" with `decimals` mantissa decimals (trailing zeros trimmed).
fn sci(v: f64, decimals: usize) -> String {
    let (mut m, mut exp) = decompose(v);
    let mut s = format!("{m:.decimals$}");
    if s.trim_start_matches('-').starts_with("10") {
        m /= 10.0;
        exp += 1;
        s = format!("{m:.decimals$}");
    }
    format!("{}e{exp}", trim_zeros(s))
}

/// Compact form with `sig` significant digits: plain decimals for 1e-3 <= |v| < 1e5
/// ("0.01", "12.5", "10000"), scientific otherwise ("1e-4", "2.5e6"). "n/a" if non-finite.
pub(crate) fn sig(v: f64, sig: usize) -> String {
    if !v.is_finite() {
        return NA.to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let sig = sig.max(1);
    let (_, exp) = decompose(v);
    if (-3..=4).contains(&exp) {
        let decimals = (sig as i32 - 1 - exp).max(0) as usize;
        no_negative_zero(trim_zeros(format!("{v:.decimals$}")))
    } else {
        sci(v, sig - 1)
    }
}

/// A linear-axis tick label. `step` is the tick spacing and `max_abs` the largest tick
/// magnitude on the axis: the whole axis uses plain decimals (as many as `step` needs, the same
/// for every tick, so 0.0, 0.2, …, 1.0) unless
/// the numbers are very large or very small, when it uses scientific notation.
pub(crate) fn tick(v: f64, step: f64, max_abs: f64) -> String {
    if !v.is_finite() {
        return NA.to_string();
    }
    let step = if step.is_finite() && step > 0.0 {
        step
    } else {
        1.0
    };
    let v = if v.abs() < step * 1e-6 { 0.0 } else { v };
    let step_exp = (step.log10() + 1e-9).floor() as i32;
    if step >= 1e-3 && max_abs < 1e6 {
        let decimals = (-step_exp).max(0) as usize;
        no_negative_zero(format!("{v:.decimals$}"))
    } else if v == 0.0 {
        "0".to_string()
    } else {
        let (_, exp) = decompose(v);
        sci(v, (exp - step_exp).max(0) as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_are_finite_and_short() {
        assert_eq!(coord(12.5), "12.5");
        assert_eq!(coord(3.0), "3");
        assert_eq!(coord(-0.001), "0");
        assert_eq!(coord(f64::NAN), "0");
        assert_eq!(coord(f64::INFINITY), "0");
        assert_eq!(coord(1.23456), "1.23");
    }

    #[test]
    fn fixed_and_sig() {
        assert_eq!(fixed(1.23456, 2), "1.23");
        assert_eq!(fixed(-0.0001, 2), "0.00");
        assert_eq!(fixed(f64::NAN, 2), "n/a");
        assert_eq!(sig(0.01, 3), "0.01");
        assert_eq!(sig(1e-4, 3), "1e-4");
        assert_eq!(sig(123456.0, 3), "1.23e5");
        assert_eq!(sig(9.9999e-5, 3), "1e-4");
        assert_eq!(sig(10000.0, 3), "10000");
        assert_eq!(sig(0.0, 3), "0");
        assert_eq!(sig(f64::NEG_INFINITY, 3), "n/a");
    }

    #[test]
    fn tick_labels() {
        assert_eq!(tick(0.6000000000000001, 0.2, 1.0), "0.6");
        assert_eq!(tick(1e-17, 0.2, 1.0), "0.0");
        assert_eq!(tick(1.0, 0.2, 1.0), "1.0");
        assert_eq!(tick(50.0, 10.0, 100.0), "50");
        assert_eq!(tick(2.5e-5, 5e-6, 3e-5), "2.5e-5");
        assert_eq!(tick(2e6, 1e6, 5e6), "2e6");
    }
}
