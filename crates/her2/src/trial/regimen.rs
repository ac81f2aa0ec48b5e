//! Regimens as protocols write them, one item per drug:
//!
//! `DRUG DOSE UNIT [load then DOSE UNIT] SCHEDULE [xCYCLES] [days A-B of C] [from week W] [until week W]`
//!
//! - units `mg` (flat), `mg/kg` (times body weight), `mg/m2` (times body-surface area);
//! - schedules `qd` (daily), `bid` (every 12 h), `qw`, `q2w`, `q3w`, `q4w`;
//! - `load then`: the first administration is the loading dose, later ones the second dose
//!   (the loading dose counts as the first of `xN`);
//! - `xN`: N cycles. A cycle is `C` days with `days A-B of C`, else one dosing interval
//!   (a day for `qd` and `bid`), so `q3w x6` is six doses and `qd x14` fourteen days;
//! - `days A-B of C`: within each C-day cycle, doses on days A to B (1-based, inclusive) at
//!   the schedule's interval (`bid days 1-14 of 21`: 28 doses, then 7 days off);
//! - weeks are 1-based like days: `from week 7` starts at day 43 (t = 6 weeks), `until
//!   week 52` gives the last doses in week 52 (before t = 52 weeks).
//!
//! Examples: `trastuzumab 8 mg/kg load then 6 mg/kg q3w`, `docetaxel 75 mg/m2 q3w x6`,
//! `capecitabine 1000 mg/m2 bid days 1-14 of 21`, `paclitaxel 80 mg/m2 qw x12 from week 7`,
//! `lapatinib 1250 mg qd`, `pertuzumab 840 mg load then 420 mg q3w`.

use std::fmt;

use super::drugs::KnownDrugs;

const HOURS_PER_DAY: f64 = 24.0;
const HOURS_PER_WEEK: f64 = 168.0;
/// Bounds that keep a typo from meaning decades of dosing.
pub const MAX_CYCLES: u32 = 1000;
pub const MAX_CYCLE_DAYS: u32 = 365;
pub const MAX_WEEK: u32 = 1040;
/// Latest dose time expanded: `MAX_WEEK` weeks (20 years).
pub const MAX_HORIZON_H: f64 = MAX_WEEK as f64 * HOURS_PER_WEEK;

/// How a dose scales with the patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoseUnit {
    Mg,
    MgPerKg,
    MgPerM2,
}

/// An amount per administration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dose {
    pub value: f64,
    pub unit: DoseUnit,
}

impl Dose {
    /// The dose in mg for a patient of `weight_kg` and `bsa_m2`.
    pub fn milligrams(&self, weight_kg: f64, bsa_m2: f64) -> f64 {
        match self.unit {
            DoseUnit::Mg => self.value,
            DoseUnit::MgPerKg => self.value * weight_kg,
            DoseUnit::MgPerM2 => self.value * bsa_m2,
        }
    }
}

/// Dosing frequency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    Qd,
    Bid,
    Qw,
    Q2w,
    Q3w,
    Q4w,
}

const SCHEDULES: [(&str, Schedule); 6] = [
    ("qd", Schedule::Qd),
    ("bid", Schedule::Bid),
    ("qw", Schedule::Qw),
    ("q2w", Schedule::Q2w),
    ("q3w", Schedule::Q3w),
    ("q4w", Schedule::Q4w),
];

impl Schedule {
    /// Hours between administrations.
    pub fn interval_h(self) -> f64 {
        match self {
            Schedule::Qd => 24.0,
            Schedule::Bid => 12.0,
            Schedule::Qw => HOURS_PER_WEEK,
            Schedule::Q2w => 2.0 * HOURS_PER_WEEK,
            Schedule::Q3w => 3.0 * HOURS_PER_WEEK,
            Schedule::Q4w => 4.0 * HOURS_PER_WEEK,
        }
    }

    /// A cycle without `days A-B of C`: one interval, but a whole day for twice-daily dosing.
    fn cycle_h(self) -> f64 {
        self.interval_h().max(HOURS_PER_DAY)
    }
}

/// `days A-B of C`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CycleDays {
    pub first: u32,
    pub last: u32,
    pub cycle: u32,
}

/// One drug's part of a regimen.
#[derive(Debug, Clone, PartialEq)]
pub struct RegimenItem {
    /// Canonical id (from [`KnownDrugs`]).
    pub drug: String,
    pub loading: Option<Dose>,
    pub dose: Dose,
    pub schedule: Schedule,
    pub cycles: Option<u32>,
    pub days: Option<CycleDays>,
    pub from_week: Option<u32>,
    pub until_week: Option<u32>,
}

/// One administration.
#[derive(Debug, Clone, PartialEq)]
pub struct DoseEvent {
    /// Hours from the start of the trial.
    pub time_h: f64,
    pub drug: String,
    pub amount_mg: f64,
}

/// All drugs of an arm.
#[derive(Debug, Clone, PartialEq)]
pub struct Regimen {
    pub items: Vec<RegimenItem>,
}

/// Why a regimen item could not be read: the item, the token, what was expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RegimenError {
    #[error("{item:?}: {found} where {expected} was expected")]
    Token {
        item: String,
        found: String,
        expected: String,
    },
    #[error("{item:?}: ended where {expected} was expected")]
    End { item: String, expected: String },
    #[error("{item:?}: unknown drug {drug:?}; known: {known}")]
    UnknownDrug {
        item: String,
        drug: String,
        known: String,
    },
    #[error("{item:?}: {reason}")]
    Invalid { item: String, reason: String },
    #[error("{what} {value} is not a positive finite number")]
    Patient { what: &'static str, value: f64 },
}

impl Regimen {
    /// Reads every item; the first bad one is reported.
    pub fn parse<S: AsRef<str>>(items: &[S], known: &KnownDrugs) -> Result<Regimen, RegimenError> {
        let items = items
            .iter()
            .map(|s| RegimenItem::parse(s.as_ref(), known))
            .collect::<Result<_, _>>()?;
        Ok(Regimen { items })
    }

    /// Every administration before `horizon_h` (at most [`MAX_HORIZON_H`]), in time order, for a patient of `weight_kg`
    /// and `bsa_m2` (body-surface area).
    pub fn expand(
        &self,
        weight_kg: f64,
        bsa_m2: f64,
        horizon_h: f64,
    ) -> Result<Vec<DoseEvent>, RegimenError> {
        for (what, value) in [
            ("body weight (kg)", weight_kg),
            ("body-surface area (m2)", bsa_m2),
        ] {
            if !(value.is_finite() && value > 0.0) {
                return Err(RegimenError::Patient { what, value });
            }
        }
        if horizon_h.is_nan() || horizon_h < 0.0 {
            return Err(RegimenError::Patient {
                what: "horizon (h)",
                value: horizon_h,
            });
        }
        let mut events = Vec::new();
        for item in &self.items {
            for (k, time_h) in item.times(horizon_h).into_iter().enumerate() {
                let dose = match (k, item.loading) {
                    (0, Some(load)) => load,
                    _ => item.dose,
                };
                events.push(DoseEvent {
                    time_h,
                    drug: item.drug.clone(),
                    amount_mg: dose.milligrams(weight_kg, bsa_m2),
                });
            }
        }
        events.sort_by(|a, b| a.time_h.total_cmp(&b.time_h));
        Ok(events)
    }
}

impl RegimenItem {
    /// Administration times (h) before `horizon_h`.
    pub fn times(&self, horizon_h: f64) -> Vec<f64> {
        let start = self
            .from_week
            .map_or(0.0, |w| f64::from(w.saturating_sub(1)) * HOURS_PER_WEEK);
        let stop = self
            .until_week
            .map_or(horizon_h, |w| f64::from(w) * HOURS_PER_WEEK)
            .min(horizon_h)
            .min(MAX_HORIZON_H);
        let interval = self.schedule.interval_h();
        // Dose offsets within one cycle, and the cycle length.
        let (offsets, cycle_h): (Vec<f64>, f64) = match self.days {
            Some(d) => {
                let first = f64::from(d.first.saturating_sub(1)) * HOURS_PER_DAY;
                let end = f64::from(d.last) * HOURS_PER_DAY;
                let n = ((end - first) / interval).ceil() as usize;
                let offs = (0..n).map(|k| first + k as f64 * interval).collect();
                (offs, f64::from(d.cycle) * HOURS_PER_DAY)
            }
            None => {
                let cycle = self.schedule.cycle_h();
                let n = (cycle / interval).round() as usize;
                ((0..n).map(|k| k as f64 * interval).collect(), cycle)
            }
        };
        let mut out = Vec::new();
        if cycle_h <= 0.0 {
            // Only a hand-built item (days A-B of 0) gets here; parsed ones have C >= 1.
            return out;
        }
        let mut cycle = 0u32;
        while self.cycles.is_none_or(|c| cycle < c) {
            let base = start + f64::from(cycle) * cycle_h;
            if base >= stop {
                break;
            }
            out.extend(offsets.iter().map(|o| base + o).filter(|&t| t < stop));
            cycle += 1;
        }
        out
    }

    /// Reads one item.
    pub fn parse(text: &str, known: &KnownDrugs) -> Result<RegimenItem, RegimenError> {
        let mut p = Tokens {
            item: text.trim(),
            tokens: split_tokens(text),
            at: 0,
        };
        let name = p.next("a drug name")?;
        let drug = known
            .resolve(&name)
            .ok_or_else(|| RegimenError::UnknownDrug {
                item: p.item.to_string(),
                drug: name.clone(),
                known: known.ids(),
            })?
            .to_string();
        let first = p.dose()?;
        let (loading, dose) = if p.peek_is("load") {
            p.at += 1;
            p.keyword("then")?;
            (Some(first), p.dose()?)
        } else {
            (None, first)
        };
        let word = p.next("a schedule (qd, bid, qw, q2w, q3w or q4w)")?;
        let schedule = SCHEDULES
            .iter()
            .find(|(s, _)| word.eq_ignore_ascii_case(s))
            .map(|(_, s)| *s)
            .ok_or_else(|| p.wrong(&word, "a schedule (qd, bid, qw, q2w, q3w or q4w)"))?;
        let mut item = RegimenItem {
            drug,
            loading,
            dose,
            schedule,
            cycles: None,
            days: None,
            from_week: None,
            until_week: None,
        };
        p.options(&mut item)?;
        item.check(p.item)?;
        Ok(item)
    }

    fn check(&self, item: &str) -> Result<(), RegimenError> {
        let invalid = |reason: String| {
            Err(RegimenError::Invalid {
                item: item.to_string(),
                reason,
            })
        };
        if let Some(d) = self.days {
            if !(1 <= d.first && d.first <= d.last && d.last <= d.cycle) {
                return invalid(format!(
                    "days {}-{} of {}: expected 1 <= A <= B <= C",
                    d.first, d.last, d.cycle
                ));
            }
        }
        if let (Some(from), Some(until)) = (self.from_week, self.until_week) {
            if until < from {
                return invalid(format!("until week {until} is before from week {from}"));
            }
        }
        Ok(())
    }
}

/// Splits on whitespace and between a number and a unit written together ("75mg/m2").
fn split_tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in text.split_whitespace() {
        let digits = word
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
            .map_or(word.len(), |(i, _)| i);
        let rest = &word[digits..];
        if digits > 0 && rest.starts_with("mg") {
            out.push(word[..digits].to_string());
            out.push(rest.to_string());
        } else {
            out.push(word.to_string());
        }
    }
    out
}

/// A cursor over an item's tokens that builds errors naming the item.
struct Tokens<'a> {
    item: &'a str,
    tokens: Vec<String>,
    at: usize,
}

impl Tokens<'_> {
    fn next(&mut self, expected: &str) -> Result<String, RegimenError> {
        let t = self.tokens.get(self.at).cloned().ok_or(RegimenError::End {
            item: self.item.to_string(),
            expected: expected.to_string(),
        })?;
        self.at += 1;
        Ok(t)
    }

    fn peek_is(&self, word: &str) -> bool {
        self.tokens
            .get(self.at)
            .is_some_and(|t| t.eq_ignore_ascii_case(word))
    }

    fn wrong(&self, found: &str, expected: &str) -> RegimenError {
        RegimenError::Token {
            item: self.item.to_string(),
            found: format!("{found:?}"),
            expected: expected.to_string(),
        }
    }

    fn keyword(&mut self, word: &str) -> Result<(), RegimenError> {
        let expected = format!("{word:?}");
        let t = self.next(&expected)?;
        if t.eq_ignore_ascii_case(word) {
            Ok(())
        } else {
            Err(self.wrong(&t, &expected))
        }
    }

    fn dose(&mut self) -> Result<Dose, RegimenError> {
        const NUMBER: &str = "a dose (a positive number, e.g. 75)";
        let t = self.next(NUMBER)?;
        let value = match t.parse::<f64>() {
            Ok(v) if v.is_finite() && v > 0.0 => v,
            _ => return Err(self.wrong(&t, NUMBER)),
        };
        const UNIT: &str = "a dose unit (mg, mg/kg or mg/m2)";
        let u = self.next(UNIT)?;
        let unit = match u.to_ascii_lowercase().as_str() {
            "mg" => DoseUnit::Mg,
            "mg/kg" => DoseUnit::MgPerKg,
            "mg/m2" | "mg/m^2" | "mg/m²" => DoseUnit::MgPerM2,
            _ => return Err(self.wrong(&u, UNIT)),
        };
        Ok(Dose { value, unit })
    }

    fn integer(&mut self, expected: &str, max: u32) -> Result<u32, RegimenError> {
        let t = self.next(expected)?;
        self.bounded(&t, expected, max)
    }

    fn bounded(&self, t: &str, expected: &str, max: u32) -> Result<u32, RegimenError> {
        match t.parse::<u32>() {
            Ok(v) if (1..=max).contains(&v) => Ok(v),
            _ => Err(self.wrong(t, &format!("{expected} (1 to {max})"))),
        }
    }

    /// The optional clauses after the schedule, each at most once.
    fn options(&mut self, item: &mut RegimenItem) -> Result<(), RegimenError> {
        const OPTIONS: &str =
            "xCYCLES, \"days A-B of C\", \"from week W\", \"until week W\" or the end";
        while self.at < self.tokens.len() {
            let t = self.tokens[self.at].to_ascii_lowercase();
            let duplicate =
                |done: bool| done.then(|| self.wrong(&t, &format!("{OPTIONS} (each once)")));
            if let Some(n) = t.strip_prefix('x').filter(|n| !n.is_empty()) {
                if let Some(e) = duplicate(item.cycles.is_some()) {
                    return Err(e);
                }
                item.cycles = Some(self.bounded(n, "a number of cycles after x", MAX_CYCLES)?);
                self.at += 1;
            } else if t == "days" {
                if let Some(e) = duplicate(item.days.is_some()) {
                    return Err(e);
                }
                self.at += 1;
                const RANGE: &str = "a day range A-B (e.g. 1-14)";
                let r = self.next(RANGE)?;
                let (a, b) = r.split_once('-').ok_or_else(|| self.wrong(&r, RANGE))?;
                let first = self.bounded(a, "a first day", MAX_CYCLE_DAYS)?;
                let last = self.bounded(b, "a last day", MAX_CYCLE_DAYS)?;
                self.keyword("of")?;
                let cycle = self.integer("a cycle length in days", MAX_CYCLE_DAYS)?;
                item.days = Some(CycleDays { first, last, cycle });
            } else if t == "from" || t == "until" {
                let slot = if t == "from" {
                    &mut item.from_week
                } else {
                    &mut item.until_week
                };
                if slot.is_some() {
                    return Err(self.wrong(&t, &format!("{OPTIONS} (each once)")));
                }
                self.at += 1;
                self.keyword("week")?;
                *slot = Some(self.integer("a week number", MAX_WEEK)?);
            } else {
                return Err(self.wrong(&t, OPTIONS));
            }
        }
        Ok(())
    }
}

impl fmt::Display for DoseUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DoseUnit::Mg => "mg",
            DoseUnit::MgPerKg => "mg/kg",
            DoseUnit::MgPerM2 => "mg/m2",
        })
    }
}

#[cfg(test)]
#[path = "regimen_tests.rs"]
mod tests;
