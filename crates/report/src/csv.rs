//! CSV cells as every her2sim table writes them (CLI, web API, SED-ML reports): numbers that
//! read back to the same f64, header cells quoted per RFC 4180.

/// Shortest text that reads back to the same f64; NaN and infinities spelled as Python reads
/// them (`nan`, `inf`, `-inf`).
pub fn number(x: f64) -> String {
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        format!("{x:?}")
    }
}

/// A CSV cell, quoted when it holds a comma, quote or line break (RFC 4180).
pub fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_round_trip_and_fields_are_quoted() {
        assert_eq!(super::number(0.1), "0.1");
        assert_eq!(super::number(f64::NEG_INFINITY), "-inf");
        assert_eq!(super::number(f64::NAN), "nan");
        assert_eq!(super::field("a,b"), "\"a,b\"");
        assert_eq!(super::field("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(super::field("plain"), "plain");
    }
}
