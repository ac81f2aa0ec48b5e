//! Survival analysis for virtual trials: the Kaplan–Meier estimator with Greenwood variance
//! and log(−log) confidence intervals ([`km`]), the two-group log-rank test ([`logrank`]),
//! Cox proportional hazards with Efron ties ([`cox`]), and the normal and chi-square tail
//! probabilities their p-values need ([`dist`]).
//!
//! Conventions follow `lifelines` (KaplanMeierFitter, logrank_test, CoxPHFitter with their
//! defaults), so numbers can be checked against it: the Python tests
//! (`crates/python/tests/test_survival.py`) do that on random censored data with ties.
//!
//! Data are `(time, event)` pairs given as two slices: `times[i] >= 0` and `events[i]`
//! `true` for an observed event, `false` for a censored time.
//!
//! ```
//! use her2sim_analysis::survival::{km::KaplanMeier, logrank::logrank, cox::hazard_ratio};
//! let t = [1.0, 2.0, 3.0, 4.0];
//! let e = [true, false, true, true];
//! let km = KaplanMeier::fit(&t, &e).unwrap();
//! assert!((km.survival_at(3.0).survival - 0.375).abs() < 1e-12);
//! assert_eq!(km.median().estimate, Some(3.0));
//! ```

pub mod cox;
pub mod dist;
pub mod km;
pub mod logrank;

/// Two-sided 95 % standard normal quantile, `Φ⁻¹(0.975)` (what lifelines uses for `alpha = 0.05`).
pub const Z95: f64 = 1.959_963_984_540_054;

/// Why survival data could not be analysed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SurvivalError {
    #[error("{what}: no subjects")]
    Empty { what: &'static str },
    #[error("{what}: {expected} times but {got} {of}")]
    Length {
        what: &'static str,
        expected: usize,
        got: usize,
        of: &'static str,
    },
    #[error("{what}: time {index} is {value}, expected a finite number >= 0")]
    BadTime {
        what: &'static str,
        index: usize,
        value: f64,
    },
    #[error(
        "{what}: covariate {covariate} of subject {index} is {value}, expected a finite number"
    )]
    BadCovariate {
        what: &'static str,
        covariate: usize,
        index: usize,
        value: f64,
    },
    #[error("{what}: no observed events, nothing to estimate")]
    NoEvents { what: &'static str },
    #[error("{0}")]
    Fit(String),
}

/// Checks one sample: same lengths, at least one subject, finite non-negative times.
fn check(what: &'static str, times: &[f64], events: &[bool]) -> Result<(), SurvivalError> {
    if times.len() != events.len() {
        return Err(SurvivalError::Length {
            what,
            expected: times.len(),
            got: events.len(),
            of: "event flags",
        });
    }
    if times.is_empty() {
        return Err(SurvivalError::Empty { what });
    }
    for (index, &value) in times.iter().enumerate() {
        if !(value.is_finite() && value >= 0.0) {
            return Err(SurvivalError::BadTime { what, index, value });
        }
    }
    Ok(())
}

/// Subject indices ordered by time, events before censorings at equal times (a subject
/// censored at `t` is still at risk at `t`, as in lifelines and R's survival).
fn order(times: &[f64], events: &[bool]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..times.len()).collect();
    idx.sort_by(|&a, &b| {
        times[a]
            .total_cmp(&times[b])
            .then(events[b].cmp(&events[a]))
    });
    idx
}

#[cfg(test)]
pub(crate) mod freireich {
    //! The Freireich et al. (1963) 6-MP leukaemia trial as tabulated by Gehan (1965): remission
    //! times in weeks, `false` = censored. Textbook reference data (Kleinbaum & Klein,
    //! *Survival Analysis*, ch. 2–4; R `MASS::gehan`).
    pub const SIX_MP: [(f64, bool); 21] = [
        (6.0, true),
        (6.0, true),
        (6.0, true),
        (6.0, false),
        (7.0, true),
        (9.0, false),
        (10.0, true),
        (10.0, false),
        (11.0, false),
        (13.0, true),
        (16.0, true),
        (17.0, false),
        (19.0, false),
        (20.0, false),
        (22.0, true),
        (23.0, true),
        (25.0, false),
        (32.0, false),
        (32.0, false),
        (34.0, false),
        (35.0, false),
    ];
    pub const PLACEBO: [f64; 21] = [
        1.0, 1.0, 2.0, 2.0, 3.0, 4.0, 4.0, 5.0, 5.0, 8.0, 8.0, 8.0, 8.0, 11.0, 11.0, 12.0, 12.0,
        15.0, 17.0, 22.0, 23.0,
    ];

    pub fn six_mp() -> (Vec<f64>, Vec<bool>) {
        SIX_MP.iter().copied().unzip()
    }

    pub fn placebo() -> (Vec<f64>, Vec<bool>) {
        (PLACEBO.to_vec(), vec![true; PLACEBO.len()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(
            check("arm 0", &[1.0, 2.0], &[true]),
            Err(SurvivalError::Length { got: 1, .. })
        ));
        assert!(matches!(
            check("arm 0", &[], &[]),
            Err(SurvivalError::Empty { .. })
        ));
        let e = check("arm 0", &[1.0, f64::NAN], &[true, true]).unwrap_err();
        assert!(e.to_string().contains("arm 0: time 1 is NaN"), "{e}");
        assert!(check("x", &[-1.0], &[true]).is_err());
    }

    #[test]
    fn events_sort_before_censorings_at_equal_times() {
        let t = [2.0, 1.0, 2.0];
        let e = [false, true, true];
        assert_eq!(order(&t, &e), vec![1, 2, 0]);
    }
}
