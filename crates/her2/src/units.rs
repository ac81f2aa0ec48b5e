//! Doses and concentrations in real units: the [`Unit`] table, [`Quantity`] (a value with a
//! unit), [`parse_dose`] for text such as `"10ug/mL"`, `"100nM"`, `"1.5 uM"` or `"0.5mg/kg"`,
//! and conversions between units of one kind and between mass and molar concentrations when a
//! molecular weight is known.

use std::fmt;

/// What a unit measures. Conversions stay within one kind, except mass <-> molar
/// concentration, which needs a molecular weight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dimension {
    /// Amount of substance per volume (base: mol/L).
    MolarConcentration,
    /// Mass per volume (base: g/L).
    MassConcentration,
    /// Body dose per body weight (base: mg/kg).
    PerBodyWeight,
    /// Body dose per body surface area (base: mg/m2).
    PerBodySurface,
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dimension::MolarConcentration => "molar concentration",
            Dimension::MassConcentration => "mass concentration",
            Dimension::PerBodyWeight => "dose per body weight",
            Dimension::PerBodySurface => "dose per body surface area",
        })
    }
}

/// A unit: its canonical ASCII symbol, what it measures and its factor to the base unit of
/// that kind (mol/L, g/L, mg/kg, mg/m2).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Unit {
    pub symbol: &'static str,
    pub dimension: Dimension,
    pub to_base: f64,
}

/// Canonical units; `ALIASES` maps other spellings onto these symbols.
const UNITS: &[Unit] = &[
    Unit {
        symbol: "M",
        dimension: Dimension::MolarConcentration,
        to_base: 1.0,
    },
    Unit {
        symbol: "mM",
        dimension: Dimension::MolarConcentration,
        to_base: 1e-3,
    },
    Unit {
        symbol: "uM",
        dimension: Dimension::MolarConcentration,
        to_base: 1e-6,
    },
    Unit {
        symbol: "nM",
        dimension: Dimension::MolarConcentration,
        to_base: 1e-9,
    },
    Unit {
        symbol: "pM",
        dimension: Dimension::MolarConcentration,
        to_base: 1e-12,
    },
    Unit {
        symbol: "g/L",
        dimension: Dimension::MassConcentration,
        to_base: 1.0,
    },
    Unit {
        symbol: "mg/mL",
        dimension: Dimension::MassConcentration,
        to_base: 1.0,
    },
    Unit {
        symbol: "mg/L",
        dimension: Dimension::MassConcentration,
        to_base: 1e-3,
    },
    Unit {
        symbol: "ug/mL",
        dimension: Dimension::MassConcentration,
        to_base: 1e-3,
    },
    Unit {
        symbol: "ug/L",
        dimension: Dimension::MassConcentration,
        to_base: 1e-6,
    },
    Unit {
        symbol: "ng/mL",
        dimension: Dimension::MassConcentration,
        to_base: 1e-6,
    },
    Unit {
        symbol: "mg/kg",
        dimension: Dimension::PerBodyWeight,
        to_base: 1.0,
    },
    Unit {
        symbol: "ug/kg",
        dimension: Dimension::PerBodyWeight,
        to_base: 1e-3,
    },
    Unit {
        symbol: "mg/m2",
        dimension: Dimension::PerBodySurface,
        to_base: 1.0,
    },
];

/// Other accepted spellings (micro sign, Greek mu, "mcg", superscript two).
const ALIASES: &[(&str, &str)] = &[
    ("µM", "uM"),
    ("μM", "uM"),
    ("µg/mL", "ug/mL"),
    ("μg/mL", "ug/mL"),
    ("mcg/mL", "ug/mL"),
    ("µg/L", "ug/L"),
    ("μg/L", "ug/L"),
    ("mg/m^2", "mg/m2"),
    ("mg/m²", "mg/m2"),
    ("µg/kg", "ug/kg"),
    ("μg/kg", "ug/kg"),
    ("mol/L", "M"),
];

impl Unit {
    /// Looks a unit up by symbol (case-sensitive: `mM` and `MM` differ in meaning, so only
    /// the spellings in the table are accepted). Surrounding spaces are ignored.
    pub fn parse(text: &str) -> Result<Unit, DoseError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(DoseError::MissingUnit);
        }
        let canonical = ALIASES.iter().find(|(a, _)| *a == t).map_or(t, |(_, c)| c);
        UNITS
            .iter()
            .find(|u| u.symbol == canonical)
            .copied()
            .ok_or_else(|| DoseError::UnknownUnit {
                unit: t.to_string(),
                known: known_units(),
            })
    }

    /// Every canonical unit symbol, in table order.
    pub fn all() -> impl Iterator<Item = &'static Unit> {
        UNITS.iter()
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol)
    }
}

fn known_units() -> String {
    UNITS
        .iter()
        .map(|u| u.symbol)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a dose could not be read or converted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DoseError {
    #[error("empty dose: expected a number and a unit, e.g. \"100nM\" or \"10 ug/mL\"")]
    Empty,
    #[error("dose {0:?} does not start with a number (expected e.g. \"100nM\" or \"10 ug/mL\")")]
    NoNumber(String),
    #[error("dose {0:?} is not a finite number")]
    NotFinite(String),
    #[error("dose {0:?} is negative; doses must be zero or more")]
    Negative(String),
    #[error("dose has no unit (expected e.g. \"100nM\" or \"10 ug/mL\")")]
    MissingUnit,
    #[error("unknown unit {unit:?}; known units: {known}")]
    UnknownUnit { unit: String, known: String },
    #[error("cannot convert {from} ({from_dim}) to {to} ({to_dim})")]
    Incompatible {
        from: &'static str,
        from_dim: Dimension,
        to: &'static str,
        to_dim: Dimension,
    },
    #[error("converting {from} to {to} needs the molecular weight, which is not known")]
    NoMolecularWeight {
        from: &'static str,
        to: &'static str,
    },
    #[error("molecular weight {0} g/mol is not a positive finite number")]
    BadMolecularWeight(f64),
}

/// A non-negative finite value with a unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quantity {
    pub value: f64,
    pub unit: Unit,
}

impl Quantity {
    /// A quantity from a value and a unit symbol; rejects negative and non-finite values.
    pub fn new(value: f64, unit: &str) -> Result<Quantity, DoseError> {
        let unit = Unit::parse(unit)?;
        if !value.is_finite() {
            return Err(DoseError::NotFinite(value.to_string()));
        }
        if value < 0.0 {
            return Err(DoseError::Negative(value.to_string()));
        }
        Ok(Quantity { value, unit })
    }

    /// The value in the base unit of its kind (mol/L, g/L, mg/kg or mg/m2).
    pub fn base_value(&self) -> f64 {
        self.value * self.unit.to_base
    }

    /// The same amount in `target` (a unit symbol such as `"nM"`). Mass and molar
    /// concentrations convert into each other only with `mw_g_per_mol`.
    pub fn to_unit(&self, target: &str, mw_g_per_mol: Option<f64>) -> Result<Quantity, DoseError> {
        let to = Unit::parse(target)?;
        let from = self.unit;
        let base = self.base_value();
        let base_in_target_dim = match (from.dimension, to.dimension) {
            (a, b) if a == b => base,
            (Dimension::MassConcentration, Dimension::MolarConcentration) => {
                base / checked_mw(mw_g_per_mol, from.symbol, to.symbol)?
            }
            (Dimension::MolarConcentration, Dimension::MassConcentration) => {
                base * checked_mw(mw_g_per_mol, from.symbol, to.symbol)?
            }
            (a, b) => {
                return Err(DoseError::Incompatible {
                    from: from.symbol,
                    from_dim: a,
                    to: to.symbol,
                    to_dim: b,
                })
            }
        };
        Ok(Quantity {
            value: base_in_target_dim / to.to_base,
            unit: to,
        })
    }

    /// The concentration in nM (molar units directly; mass units via the molecular weight).
    pub fn to_nanomolar(&self, mw_g_per_mol: Option<f64>) -> Result<f64, DoseError> {
        Ok(self.to_unit("nM", mw_g_per_mol)?.value)
    }
}

fn checked_mw(mw: Option<f64>, from: &'static str, to: &'static str) -> Result<f64, DoseError> {
    match mw {
        None => Err(DoseError::NoMolecularWeight { from, to }),
        Some(w) if w.is_finite() && w > 0.0 => Ok(w),
        Some(w) => Err(DoseError::BadMolecularWeight(w)),
    }
}

impl fmt::Display for Quantity {
    /// `"{value} {unit}"` with the shortest text that reads back to the same value, so
    /// `parse_dose(&q.to_string()) == Ok(q)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.value, self.unit.symbol)
    }
}

impl std::str::FromStr for Quantity {
    type Err = DoseError;
    fn from_str(s: &str) -> Result<Quantity, DoseError> {
        parse_dose(s)
    }
}

/// Reads a dose such as `"10ug/mL"`, `"100nM"`, `"1.5 uM"`, `"2e-3 mM"` or `"0.5mg/kg"`:
/// a number (decimal or exponent form, zero or more), optional spaces, then a known unit.
pub fn parse_dose(text: &str) -> Result<Quantity, DoseError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(DoseError::Empty);
    }
    let split = number_prefix_len(t);
    let (num, unit) = t.split_at(split);
    if num.is_empty() {
        return Err(DoseError::NoNumber(t.to_string()));
    }
    let value: f64 = num
        .parse()
        .map_err(|_| DoseError::NoNumber(t.to_string()))?;
    if !value.is_finite() {
        return Err(DoseError::NotFinite(t.to_string()));
    }
    if value < 0.0 {
        return Err(DoseError::Negative(t.to_string()));
    }
    let unit = Unit::parse(unit)?;
    // `-0` reads as negative zero; store plain zero so it prints as "0".
    Ok(Quantity {
        value: if value == 0.0 { 0.0 } else { value },
        unit,
    })
}

/// Length of the leading number: digits, sign, point, and an exponent `e`/`E` only where a
/// digit (after an optional sign) follows it, so `"1e-3nM"` splits after `3`.
fn number_prefix_len(t: &str) -> usize {
    let b = t.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
        i += 1;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            i = j;
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_number_and_unit() {
        assert_eq!(number_prefix_len("1e-3nM"), 4);
        assert_eq!(number_prefix_len("10ug/mL"), 2);
        assert_eq!(number_prefix_len("-1.5 uM"), 4);
        assert_eq!(number_prefix_len("nM"), 0);
        assert_eq!(number_prefix_len("2e"), 1);
    }
}

/// Most doses one series may hold: a dose-response curve is well resolved by a few dozen,
/// and a combination matrix simulates the product of two series.
pub const MAX_SERIES_DOSES: usize = 200;

/// Reads a log-spaced dose series `"1nM..10uM:12"` (12 doses from 1 nM to 10 uM, evenly spaced
/// on a log scale; both ends in units of one dimension) or a list `"1nM,10nM,100nM"`.
pub fn parse_dose_series(text: &str) -> Result<Vec<Quantity>, DoseError> {
    let t = text.trim();
    let too_many = |n: usize| {
        DoseError::NoNumber(format!(
            "{t:?}: {n} doses is over the limit of {MAX_SERIES_DOSES} per series (each dose is a simulation)"
        ))
    };
    if let Some((range, count)) = t.split_once(':') {
        let (lo, hi) = range
            .split_once("..")
            .ok_or_else(|| DoseError::NoNumber(format!("{t} (expected LOW..HIGH:COUNT)")))?;
        let (lo, hi) = (parse_dose(lo)?, parse_dose(hi)?);
        let n: usize = count.trim().parse().map_err(|_| {
            DoseError::NoNumber(format!("{count:?} in {t:?} (expected a count of doses)"))
        })?;
        if n > MAX_SERIES_DOSES {
            return Err(too_many(n));
        }
        let hi_in_lo = hi.to_unit(lo.unit.symbol, None)?.value;
        if n < 2 || lo.value <= 0.0 || hi_in_lo <= lo.value {
            return Err(DoseError::NoNumber(format!(
                "{t:?}: a series needs 0 < LOW < HIGH and at least 2 doses"
            )));
        }
        let ratio = (hi_in_lo / lo.value).powf(1.0 / (n - 1) as f64);
        Ok((0..n)
            .map(|i| Quantity {
                value: lo.value * ratio.powi(i as i32),
                unit: lo.unit,
            })
            .collect())
    } else if t.contains("..") {
        Err(DoseError::NoNumber(format!(
            "{t} (a range needs a count: LOW..HIGH:COUNT, e.g. 1nM..10uM:12)"
        )))
    } else {
        let n = t.split(',').count();
        if n > MAX_SERIES_DOSES {
            return Err(too_many(n));
        }
        t.split(',').map(parse_dose).collect()
    }
}

#[cfg(test)]
mod series_tests {
    use super::*;

    #[test]
    fn log_series_and_lists() {
        let s = parse_dose_series("1nM..10uM:5").unwrap();
        let v: Vec<f64> = s.iter().map(|q| q.to_nanomolar(None).unwrap()).collect();
        for (a, b) in v.iter().zip([1.0, 10.0, 100.0, 1000.0, 10000.0]) {
            assert!((a - b).abs() < 1e-9 * b, "{v:?}");
        }
        assert_eq!(parse_dose_series("1nM, 3 nM").unwrap().len(), 2);
        assert!(parse_dose_series("10uM..1nM:5").is_err());
        assert!(parse_dose_series("1nM..10ug/mL:5").is_err());
        assert!(parse_dose_series("1nM..10uM:x").is_err());
    }
}
