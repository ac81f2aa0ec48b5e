//! The two-group log-rank (Mantel–Cox) test: observed minus expected events in group A over
//! the pooled distinct event times, with the hypergeometric variance (ties included), as
//! lifelines' `logrank_test` and R's `survdiff` compute it.

use super::dist::chi2_sf;
use super::{check, SurvivalError};

/// The test's result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogRank {
    /// `(O_A − E_A)² / V`, chi-square with one degree of freedom under equal hazards.
    pub statistic: f64,
    pub p_value: f64,
    pub observed_a: f64,
    pub expected_a: f64,
    pub observed_b: f64,
    pub expected_b: f64,
}

/// Tests whether groups A and B have the same hazard.
pub fn logrank(
    times_a: &[f64],
    events_a: &[bool],
    times_b: &[f64],
    events_b: &[bool],
) -> Result<LogRank, SurvivalError> {
    check("log-rank group A", times_a, events_a)?;
    check("log-rank group B", times_b, events_b)?;
    // Pooled subjects (time, event, in A), sorted by time.
    let mut all: Vec<(f64, bool, bool)> = times_a
        .iter()
        .zip(events_a)
        .map(|(&t, &e)| (t, e, true))
        .chain(times_b.iter().zip(events_b).map(|(&t, &e)| (t, e, false)))
        .collect();
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    if !all.iter().any(|s| s.1) {
        return Err(SurvivalError::NoEvents { what: "log-rank" });
    }
    let (mut n_a, mut n) = (times_a.len() as f64, all.len() as f64);
    let (mut observed_a, mut expected_a, mut variance) = (0.0, 0.0, 0.0);
    let mut i = 0;
    while i < all.len() {
        let t = all[i].0;
        let (mut d, mut d_a, mut left, mut left_a) = (0.0, 0.0, 0.0, 0.0);
        while i < all.len() && all[i].0 == t {
            let (_, event, in_a) = all[i];
            left += 1.0;
            if in_a {
                left_a += 1.0;
            }
            if event {
                d += 1.0;
                if in_a {
                    d_a += 1.0;
                }
            }
            i += 1;
        }
        if d > 0.0 {
            observed_a += d_a;
            expected_a += d * n_a / n;
            if n > 1.0 {
                variance += d * (n_a / n) * (1.0 - n_a / n) * (n - d) / (n - 1.0);
            }
        }
        n -= left;
        n_a -= left_a;
    }
    let total_events = all.iter().filter(|s| s.1).count() as f64;
    let statistic = if variance > 0.0 {
        (observed_a - expected_a).powi(2) / variance
    } else {
        0.0
    };
    Ok(LogRank {
        statistic,
        p_value: chi2_sf(statistic, 1.0),
        observed_a,
        expected_a,
        observed_b: total_events - observed_a,
        expected_b: total_events - expected_a,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survival::freireich;

    #[test]
    fn freireich_log_rank() {
        // Kleinbaum & Klein ch. 2: O − E = −10.26 (6-MP), log-rank = 16.79, p < 0.0001
        // (R survdiff: Chisq = 16.8, p = 4e-05).
        let (ta, ea) = freireich::six_mp();
        let (tb, eb) = freireich::placebo();
        let r = logrank(&ta, &ea, &tb, &eb).unwrap();
        assert_eq!((r.observed_a, r.observed_b), (9.0, 21.0));
        assert!((r.expected_a - 19.25).abs() < 0.005, "{}", r.expected_a);
        assert!((r.expected_b - 10.75).abs() < 0.005, "{}", r.expected_b);
        assert!((r.statistic - 16.79).abs() < 0.005, "{}", r.statistic);
        assert!((r.p_value - 4.17e-5).abs() < 1e-7, "{}", r.p_value);
        // Swapping the groups changes nothing.
        let s = logrank(&tb, &eb, &ta, &ea).unwrap();
        assert!((s.statistic - r.statistic).abs() < 1e-12);
    }

    #[test]
    fn hand_computed() {
        // A: event at 1; B: event at 2. t = 1: n = 2, n_A = 1, d = 1 → E_A = 0.5,
        // V = 1 · ½ · ½ · 1/1 = 0.25; t = 2: n_A = 0 adds nothing. (1 − 0.5)² / 0.25 = 1.
        let r = logrank(&[1.0], &[true], &[2.0], &[true]).unwrap();
        assert_eq!(r.expected_a, 0.5);
        assert!((r.statistic - 1.0).abs() < 1e-15);
        assert!(matches!(
            logrank(&[1.0], &[false], &[2.0], &[false]),
            Err(SurvivalError::NoEvents { .. })
        ));
    }
}
