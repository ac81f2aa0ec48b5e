//! The Kaplan–Meier estimator: the survival step function over the distinct observed times,
//! Greenwood variance, pointwise 95 % confidence intervals on the log(−log) scale
//! ("exponential Greenwood", lifelines' KaplanMeierFitter default), numbers at risk for
//! plots, survival at a time, and the median with its interval.

use super::{check, order, SurvivalError, Z95};

/// One distinct time of the sample (event or censoring) and the estimate just after it.
#[derive(Debug, Clone, PartialEq)]
pub struct KmRow {
    pub time: f64,
    /// Subjects with `time >= self.time`.
    pub at_risk: usize,
    pub events: usize,
    pub censored: usize,
    /// `S(t)` including the events at `t` (right-continuous).
    pub survival: f64,
    /// Greenwood: `S(t)² · Σ d / (n (n − d))`.
    pub variance: f64,
    pub lower: f64,
    pub upper: f64,
}

/// A value of the step function with its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub survival: f64,
    pub lower: f64,
    pub upper: f64,
}

/// Median survival with its 95 % interval; `None` means "not reached" (lifelines: `inf`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Median {
    pub estimate: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

/// The fitted estimator.
#[derive(Debug, Clone, PartialEq)]
pub struct KaplanMeier {
    pub rows: Vec<KmRow>,
    /// Every subject's time, sorted, for numbers at risk at arbitrary times.
    sorted_times: Vec<f64>,
}

impl KaplanMeier {
    /// Fits the estimator to `(times[i], events[i])`.
    pub fn fit(times: &[f64], events: &[bool]) -> Result<KaplanMeier, SurvivalError> {
        check("Kaplan-Meier", times, events)?;
        let idx = order(times, events);
        let n = times.len();
        let mut rows = Vec::new();
        let (mut survival, mut greenwood) = (1.0_f64, 0.0_f64);
        let mut i = 0;
        while i < n {
            let t = times[idx[i]];
            let at_risk = n - i;
            let (mut d, mut c) = (0, 0);
            while i < n && times[idx[i]] == t {
                if events[idx[i]] {
                    d += 1;
                } else {
                    c += 1;
                }
                i += 1;
            }
            if d > 0 {
                let (nf, df) = (at_risk as f64, d as f64);
                survival *= 1.0 - df / nf;
                // When everyone at risk dies S drops to 0 and the term is infinite; lifelines
                // drops it (the interval is [0, 0] from there on anyway).
                if d < at_risk {
                    greenwood += df / (nf * (nf - df));
                }
            }
            let (lower, upper) = log_log_interval(survival, greenwood);
            rows.push(KmRow {
                time: t,
                at_risk,
                events: d,
                censored: c,
                survival,
                variance: survival * survival * greenwood,
                lower,
                upper,
            });
        }
        let mut sorted_times = times.to_vec();
        sorted_times.sort_by(f64::total_cmp);
        Ok(KaplanMeier { rows, sorted_times })
    }

    /// `S(t)` and its interval: the last row at or before `t`; 1 before the first time.
    pub fn survival_at(&self, t: f64) -> Estimate {
        let k = self.rows.partition_point(|r| r.time <= t);
        match k.checked_sub(1).map(|j| &self.rows[j]) {
            Some(r) => Estimate {
                survival: r.survival,
                lower: r.lower,
                upper: r.upper,
            },
            None => Estimate {
                survival: 1.0,
                lower: 1.0,
                upper: 1.0,
            },
        }
    }

    /// Numbers at risk (subjects with time `>= t`) at each of `at`, as printed under KM plots.
    pub fn at_risk(&self, at: &[f64]) -> Vec<usize> {
        at.iter()
            .map(|&t| self.sorted_times.len() - self.sorted_times.partition_point(|&x| x < t))
            .collect()
    }

    /// Median survival: the first time `S(t) <= 0.5`; its interval bounds are the first times
    /// the lower and upper confidence curves reach 0.5 (lifelines'
    /// `median_survival_times(confidence_interval_)`, Brookmeyer–Crowley style).
    pub fn median(&self) -> Median {
        self.quantile(0.5)
    }

    /// The time at which survival first falls to `q` or below, with its interval.
    pub fn quantile(&self, q: f64) -> Median {
        let first = |f: fn(&KmRow) -> f64| self.rows.iter().find(|r| f(r) <= q).map(|r| r.time);
        Median {
            estimate: first(|r| r.survival),
            lower: first(|r| r.lower),
            upper: first(|r| r.upper),
        }
    }
}

/// 95 % interval of `S` from `log(−log S)` with variance `greenwood / (log S)²`.
fn log_log_interval(s: f64, greenwood: f64) -> (f64, f64) {
    if s >= 1.0 {
        return (1.0, 1.0);
    }
    if s <= 0.0 {
        return (0.0, 0.0);
    }
    let v = s.ln();
    let half = Z95 * greenwood.sqrt() / v.abs();
    let at = |shift: f64| (-((-v).ln() + shift).exp()).exp();
    (at(half), at(-half))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survival::freireich;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn hand_computed() {
        // n = 4: event at 1, censored at 2, events at 3 and 4.
        let km = KaplanMeier::fit(&[3.0, 2.0, 1.0, 4.0], &[true, false, true, true]).unwrap();
        let s: Vec<f64> = km.rows.iter().map(|r| r.survival).collect();
        assert_eq!(s, vec![0.75, 0.75, 0.375, 0.0]);
        assert_eq!(km.rows[2].at_risk, 2);
        // Greenwood at t = 1: 0.75² · 1/(4·3); at t = 3: 0.375² · (1/12 + 1/(2·1)).
        assert!(close(km.rows[0].variance, 0.5625 / 12.0, 1e-15));
        assert!(close(
            km.rows[2].variance,
            0.140625 * (1.0 / 12.0 + 0.5),
            1e-15
        ));
        // log(−log) interval at t = 1 by hand: S^exp(±z·√(1/12)/|ln S|).
        let e = (Z95 * (1.0f64 / 12.0).sqrt() / 0.75f64.ln().abs()).exp();
        assert!(close(km.rows[0].lower, 0.75f64.powf(e), 1e-14));
        assert!(close(km.rows[0].upper, 0.75f64.powf(1.0 / e), 1e-14));
        assert_eq!((km.rows[3].lower, km.rows[3].upper), (0.0, 0.0));
        assert_eq!(km.survival_at(0.5).survival, 1.0);
        assert_eq!(km.survival_at(2.9).survival, 0.75);
        assert_eq!(km.survival_at(3.0).survival, 0.375);
        assert_eq!(km.median().estimate, Some(3.0));
        assert_eq!(km.at_risk(&[0.0, 1.0, 1.5, 4.0, 5.0]), vec![4, 4, 3, 1, 0]);
    }

    #[test]
    fn median_not_reached() {
        let km = KaplanMeier::fit(&[1.0, 2.0, 3.0], &[true, false, false]).unwrap();
        let m = km.median();
        assert_eq!(m.estimate, None);
        assert_eq!(m.upper, None);
    }

    #[test]
    fn all_censored_and_time_zero() {
        let km = KaplanMeier::fit(&[2.0, 5.0], &[false, false]).unwrap();
        assert!(km
            .rows
            .iter()
            .all(|r| (r.survival, r.lower, r.upper) == (1.0, 1.0, 1.0)));
        assert_eq!(km.median().estimate, None);
        // An event at t = 0 counts at 0: S(0) = 1/2, the median is 0.
        let km = KaplanMeier::fit(&[0.0, 3.0], &[true, false]).unwrap();
        assert_eq!(km.survival_at(0.0).survival, 0.5);
        assert_eq!(km.median().estimate, Some(0.0));
    }

    #[test]
    fn freireich_six_mp() {
        // Kleinbaum & Klein table 2.x: S(t) and Greenwood SE of the 6-MP arm.
        let (t, e) = freireich::six_mp();
        let km = KaplanMeier::fit(&t, &e).unwrap();
        let expected = [
            (6.0, 0.8571, 0.0764),
            (7.0, 0.8067, 0.0869),
            (10.0, 0.7529, 0.0963),
            (13.0, 0.6902, 0.1068),
            (16.0, 0.6275, 0.1141),
            (22.0, 0.5378, 0.1282),
            (23.0, 0.4482, 0.1346),
        ];
        for (time, s, se) in expected {
            let row = km.rows.iter().find(|r| r.time == time).unwrap();
            assert!(close(row.survival, s, 5e-5), "S({time}) = {}", row.survival);
            assert!(close(row.variance.sqrt(), se, 5e-5), "SE({time})");
        }
        assert_eq!(km.median().estimate, Some(23.0));
        // Placebo: median 8 weeks, no censoring.
        let (t, e) = freireich::placebo();
        assert_eq!(
            KaplanMeier::fit(&t, &e).unwrap().median().estimate,
            Some(8.0)
        );
    }
}
