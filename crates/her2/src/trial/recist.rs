//! RECIST 1.1 response (Eisenhauer et al., Eur J Cancer 2009;45:228-47) on a series of
//! sums of longest diameters (SLD, mm) of the target lesions, assessed at scheduled times:
//!
//! - CR: the lesions have disappeared — the SLD is below a stated detection threshold;
//! - PR: at least 30 % below the baseline SLD;
//! - PD: at least 20 % and at least 5 mm above the nadir (the smallest SLD so far,
//!   baseline included);
//! - SD: neither.
//!
//! The best overall response is the best of the assessments up to and including the first
//! PD, unconfirmed (as RECIST allows in randomised trials). New lesions and non-target
//! lesions are not modelled. Times are weeks from the start of treatment; baseline first.

use std::fmt;

/// Weeks stable disease must last to count as clinical benefit (CR + PR + SD ≥ 24 weeks).
pub const CLINICAL_BENEFIT_WEEKS: f64 = 24.0;

/// Response at one assessment, ordered worst to best.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Response {
    Pd,
    Sd,
    Pr,
    Cr,
}

impl fmt::Display for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Response::Cr => "CR",
            Response::Pr => "PR",
            Response::Sd => "SD",
            Response::Pd => "PD",
        })
    }
}

/// One patient's assessed course.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The response at each assessment after baseline, up to and including the first PD.
    pub responses: Vec<Response>,
    pub best: Response,
    /// Week of the first assessment meeting PD.
    pub progression_week: Option<f64>,
    /// Last assessment without progression (baseline if the first one was PD).
    pub last_without_progression_week: f64,
}

impl Outcome {
    /// CR or PR.
    pub fn responded(&self) -> bool {
        self.best >= Response::Pr
    }

    /// CR, PR, or SD still without progression at ≥ 24 weeks.
    pub fn clinical_benefit(&self) -> bool {
        self.responded()
            || (self.best == Response::Sd
                && self.last_without_progression_week >= CLINICAL_BENEFIT_WEEKS)
    }
}

/// Why a series cannot be assessed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RecistError {
    #[error("{weeks} assessment times but {sld} diameters")]
    Length { weeks: usize, sld: usize },
    #[error("a series needs a baseline and at least one assessment, got {0} point(s)")]
    TooShort(usize),
    #[error("assessment {index}: week {week} must be finite and after the one before")]
    Time { index: usize, week: f64 },
    #[error("assessment {index}: diameter sum {mm} mm must be finite and >= 0")]
    Size { index: usize, mm: f64 },
    #[error("the baseline diameter sum {0} mm is not above the detection threshold {1} mm")]
    Baseline(f64, f64),
    #[error("detection threshold {0} mm must be finite and >= 0")]
    Detection(f64),
}

/// Assesses a series: `weeks[0]`, `sld_mm[0]` is the baseline.
pub fn assess(weeks: &[f64], sld_mm: &[f64], detection_mm: f64) -> Result<Outcome, RecistError> {
    check(weeks, sld_mm, detection_mm)?;
    let baseline = sld_mm[0];
    let mut nadir = baseline;
    let mut responses = Vec::new();
    let mut progression_week = None;
    let mut last_without_progression_week = weeks[0];
    for (&week, &sld) in weeks.iter().zip(sld_mm).skip(1) {
        let growth = sld - nadir;
        let r = if growth >= 0.2 * nadir && growth >= 5.0 {
            Response::Pd
        } else if sld < detection_mm {
            Response::Cr
        } else if sld <= 0.7 * baseline {
            Response::Pr
        } else {
            Response::Sd
        };
        responses.push(r);
        if r == Response::Pd {
            progression_week = Some(week);
            break;
        }
        last_without_progression_week = week;
        nadir = nadir.min(sld);
    }
    let best = responses.iter().copied().max().unwrap_or(Response::Sd);
    Ok(Outcome {
        responses,
        best,
        progression_week,
        last_without_progression_week,
    })
}

fn check(weeks: &[f64], sld_mm: &[f64], detection_mm: f64) -> Result<(), RecistError> {
    if weeks.len() != sld_mm.len() {
        return Err(RecistError::Length {
            weeks: weeks.len(),
            sld: sld_mm.len(),
        });
    }
    if weeks.len() < 2 {
        return Err(RecistError::TooShort(weeks.len()));
    }
    if !(detection_mm.is_finite() && detection_mm >= 0.0) {
        return Err(RecistError::Detection(detection_mm));
    }
    for (index, (&week, &mm)) in weeks.iter().zip(sld_mm).enumerate() {
        let after = index == 0 || week > weeks[index - 1];
        if !(week.is_finite() && after) {
            return Err(RecistError::Time { index, week });
        }
        if !(mm.is_finite() && mm >= 0.0) {
            return Err(RecistError::Size { index, mm });
        }
    }
    // PR is relative to baseline and CR to detection: a baseline below detection has neither.
    if sld_mm[0] <= 0.0 || sld_mm[0] < detection_mm {
        return Err(RecistError::Baseline(sld_mm[0], detection_mm));
    }
    Ok(())
}

/// Objective response rate: fraction with CR or PR (`None` for no patients).
pub fn orr(outcomes: &[Outcome]) -> Option<f64> {
    fraction(outcomes, Outcome::responded)
}

/// Clinical benefit rate: CR + PR + SD lasting ≥ 24 weeks.
pub fn clinical_benefit_rate(outcomes: &[Outcome]) -> Option<f64> {
    fraction(outcomes, Outcome::clinical_benefit)
}

fn fraction(outcomes: &[Outcome], f: fn(&Outcome) -> bool) -> Option<f64> {
    (!outcomes.is_empty())
        .then(|| outcomes.iter().filter(|o| f(o)).count() as f64 / outcomes.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Response::*;

    /// Assessments every 6 weeks from baseline at week 0.
    fn every_6_weeks(sld: &[f64]) -> Outcome {
        let weeks: Vec<f64> = (0..sld.len()).map(|i| 6.0 * i as f64).collect();
        assess(&weeks, sld, 5.0).unwrap()
    }

    #[test]
    fn partial_response_then_progression_over_the_nadir() {
        // 100 → 60 (−40 %: PR) → 50 (nadir) → 58 (+16 % of nadir: not PD) → 61 (+22 %, +11 mm: PD).
        let o = every_6_weeks(&[100.0, 60.0, 50.0, 58.0, 61.0, 30.0]);
        assert_eq!(o.responses, vec![Pr, Pr, Pr, Pd]);
        assert_eq!(o.best, Pr);
        assert_eq!(o.progression_week, Some(24.0));
        assert_eq!(o.last_without_progression_week, 18.0);
        // The 30 mm after progression is never read.
        assert!(o.responded() && o.clinical_benefit());
    }

    #[test]
    fn thresholds_are_inclusive() {
        // Exactly −30 % is PR; exactly +20 % with +5 mm... 25 → 30 is +20 % and +5 mm: PD.
        assert_eq!(every_6_weeks(&[100.0, 70.0]).best, Pr);
        assert_eq!(every_6_weeks(&[100.0, 70.01]).best, Sd);
        assert_eq!(every_6_weeks(&[25.0, 30.0]).best, Pd);
    }

    #[test]
    fn small_absolute_growth_is_not_progression() {
        // 20 → 24 is +20 % but only 4 mm: SD. 20 → 25 is +25 % and 5 mm: PD.
        let o = every_6_weeks(&[20.0, 24.0, 24.9]);
        assert_eq!(o.responses, vec![Sd, Sd]);
        assert_eq!(o.progression_week, None);
        assert_eq!(every_6_weeks(&[20.0, 25.0]).progression_week, Some(6.0));
    }

    #[test]
    fn progression_from_a_nadir_below_baseline() {
        // 100 → 80 (−20 %: SD, new nadir) → 96 (+20 % of 80, +16 mm: PD although below baseline).
        let o = every_6_weeks(&[100.0, 80.0, 96.0]);
        assert_eq!(o.responses, vec![Sd, Pd]);
        assert_eq!(o.best, Sd);
        assert!(!o.clinical_benefit());
    }

    #[test]
    fn complete_response_and_regrowth() {
        // Below the 5 mm threshold is CR; regrowth from a nadir of 3 mm needs +5 mm.
        let o = every_6_weeks(&[40.0, 10.0, 3.0, 7.0, 8.0]);
        assert_eq!(o.responses, vec![Pr, Cr, Pr, Pd]);
        assert_eq!(o.best, Cr);
        assert_eq!(o.progression_week, Some(24.0));
    }

    #[test]
    fn immediate_progression_and_clinical_benefit() {
        let o = every_6_weeks(&[50.0, 70.0]);
        assert_eq!((o.best, o.progression_week), (Pd, Some(6.0)));
        assert_eq!(o.last_without_progression_week, 0.0);
        // SD to week 24 is benefit; SD to week 18 then PD is not.
        let long = every_6_weeks(&[50.0, 48.0, 52.0, 49.0, 51.0]);
        let short = every_6_weeks(&[50.0, 48.0, 52.0, 49.0, 70.0]);
        assert!(long.clinical_benefit() && !short.clinical_benefit());
        let all = [o, long, short, every_6_weeks(&[50.0, 20.0])];
        assert_eq!(orr(&all), Some(0.25));
        assert_eq!(clinical_benefit_rate(&all), Some(0.5));
        assert_eq!(orr(&[]), None);
    }

    #[test]
    fn refuses_series_it_cannot_assess() {
        assert!(matches!(
            assess(&[0.0], &[10.0], 5.0),
            Err(RecistError::TooShort(1))
        ));
        assert!(matches!(
            assess(&[0.0, 6.0], &[10.0], 5.0),
            Err(RecistError::Length { .. })
        ));
        assert!(matches!(
            assess(&[0.0, 0.0], &[10.0, 9.0], 5.0),
            Err(RecistError::Time { index: 1, .. })
        ));
        assert!(matches!(
            assess(&[0.0, 6.0], &[10.0, f64::NAN], 5.0),
            Err(RecistError::Size { index: 1, .. })
        ));
        assert!(matches!(
            assess(&[0.0, 6.0], &[4.0, 3.0], 5.0),
            Err(RecistError::Baseline(..))
        ));
        assert!(assess(&[0.0, 6.0], &[10.0, 3.0], -1.0).is_err());
    }
}
