//! Four-parameter Hill (log-logistic) dose-response fits with 95 % confidence intervals.
//!
//! Model: `y(x) = e0 + (emax - e0) · xʰ / (ic50ʰ + xʰ)` with `e0` the response without drug,
//! `emax` the response at saturating dose, `ic50` the half-effect dose and `h` the Hill slope.
//! Fitted by Levenberg–Marquardt (the `levenberg-marquardt` crate) on `ln ic50`, so the dose
//! scale never goes negative; intervals come from the covariance `s²(JᵀJ)⁻¹` with Student-t
//! quantiles, and the interval of `ic50` is computed on the log scale (it is asymmetric).

use levenberg_marquardt::{LeastSquaresProblem, LevenbergMarquardt};
use nalgebra::{Dyn, Owned, Vector4, U4};

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum FitError {
    #[error("a fit needs at least 5 points with positive doses, got {0}")]
    TooFewPoints(usize),
    #[error("dose {0} is not a finite non-negative number")]
    BadDose(f64),
    #[error("response {0} is not a finite number")]
    BadResponse(f64),
    #[error("the fit did not converge ({0})")]
    NoConvergence(String),
    #[error("the responses do not change with dose (all {0}): there is no curve to fit")]
    Flat(f64),
}

/// A fitted curve: estimates and 95 % confidence intervals.
#[derive(Debug, Clone, PartialEq)]
pub struct HillFit {
    pub e0: f64,
    pub emax: f64,
    pub ic50: f64,
    pub hill: f64,
    pub e0_ci: (f64, f64),
    pub emax_ci: (f64, f64),
    pub ic50_ci: (f64, f64),
    pub hill_ci: (f64, f64),
    pub r_squared: f64,
    pub n: usize,
}

impl HillFit {
    pub fn predict(&self, dose: f64) -> f64 {
        hill(self.e0, self.emax, self.ic50.ln(), self.hill, dose)
    }
}

fn hill(e0: f64, emax: f64, ln_ic50: f64, h: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return e0;
    }
    let f = 1.0 / (1.0 + ((ln_ic50 - x.ln()) * h).exp());
    e0 + (emax - e0) * f
}

struct Problem<'a> {
    x: &'a [f64],
    y: &'a [f64],
    /// [e0, emax, ln ic50, h]
    p: Vector4<f64>,
}

impl LeastSquaresProblem<f64, Dyn, U4> for Problem<'_> {
    type ResidualStorage = Owned<f64, Dyn>;
    type JacobianStorage = Owned<f64, Dyn, U4>;
    type ParameterStorage = Owned<f64, U4>;

    fn set_params(&mut self, p: &Vector4<f64>) {
        self.p = *p;
    }

    fn params(&self) -> Vector4<f64> {
        self.p
    }

    fn residuals(&self) -> Option<nalgebra::DVector<f64>> {
        let [e0, emax, l, h] = [self.p[0], self.p[1], self.p[2], self.p[3]];
        Some(nalgebra::DVector::from_iterator(
            self.x.len(),
            self.x
                .iter()
                .zip(self.y)
                .map(|(&x, &y)| hill(e0, emax, l, h, x) - y),
        ))
    }

    fn jacobian(&self) -> Option<nalgebra::OMatrix<f64, Dyn, U4>> {
        let [e0, emax, l, h] = [self.p[0], self.p[1], self.p[2], self.p[3]];
        let mut j = nalgebra::OMatrix::<f64, Dyn, U4>::zeros(self.x.len());
        for (i, &x) in self.x.iter().enumerate() {
            if x <= 0.0 {
                j[(i, 0)] = 1.0;
                continue;
            }
            let u = (l - x.ln()) * h;
            let f = 1.0 / (1.0 + u.exp());
            // df/du = -f(1-f)
            let dfdu = -f * (1.0 - f);
            j[(i, 0)] = 1.0 - f;
            j[(i, 1)] = f;
            j[(i, 2)] = (emax - e0) * dfdu * h;
            j[(i, 3)] = (emax - e0) * dfdu * (l - x.ln());
        }
        Some(j)
    }
}

/// A Hill curve with `e0` held fixed: fits `emax`, `ic50` and `h` (the three-parameter
/// curves of the ZIP synergy model). `start` is `(emax, ic50, h)`.
pub fn fit_fixed_e0(
    doses: &[f64],
    responses: &[f64],
    e0: f64,
    start: (f64, f64, f64),
) -> Result<(f64, f64, f64), FitError> {
    struct Fixed<'a> {
        x: &'a [f64],
        y: &'a [f64],
        e0: f64,
        /// [emax, ln ic50, h]
        p: nalgebra::Vector3<f64>,
    }
    impl LeastSquaresProblem<f64, Dyn, nalgebra::U3> for Fixed<'_> {
        type ResidualStorage = Owned<f64, Dyn>;
        type JacobianStorage = Owned<f64, Dyn, nalgebra::U3>;
        type ParameterStorage = Owned<f64, nalgebra::U3>;
        fn set_params(&mut self, p: &nalgebra::Vector3<f64>) {
            self.p = *p;
        }
        fn params(&self) -> nalgebra::Vector3<f64> {
            self.p
        }
        fn residuals(&self) -> Option<nalgebra::DVector<f64>> {
            let [emax, l, h] = [self.p[0], self.p[1], self.p[2]];
            Some(nalgebra::DVector::from_iterator(
                self.x.len(),
                self.x
                    .iter()
                    .zip(self.y)
                    .map(|(&x, &y)| hill(self.e0, emax, l, h, x) - y),
            ))
        }
        fn jacobian(&self) -> Option<nalgebra::OMatrix<f64, Dyn, nalgebra::U3>> {
            let [emax, l, h] = [self.p[0], self.p[1], self.p[2]];
            let mut j = nalgebra::OMatrix::<f64, Dyn, nalgebra::U3>::zeros(self.x.len());
            for (i, &x) in self.x.iter().enumerate() {
                if x <= 0.0 {
                    continue;
                }
                let f = 1.0 / (1.0 + ((l - x.ln()) * h).exp());
                let dfdu = -f * (1.0 - f);
                j[(i, 0)] = f;
                j[(i, 1)] = (emax - self.e0) * dfdu * h;
                j[(i, 2)] = (emax - self.e0) * dfdu * (l - x.ln());
            }
            Some(j)
        }
    }
    let n = doses.len().min(responses.len());
    if doses.iter().filter(|d| **d > 0.0).count() < 3 {
        return Err(FitError::TooFewPoints(n));
    }
    let problem = Fixed {
        x: &doses[..n],
        y: &responses[..n],
        e0,
        p: nalgebra::Vector3::new(start.0, start.1.ln(), start.2),
    };
    // Slices of a combination matrix need not be Hill-shaped; a fit that ran out of patience
    // still gives the best curve found, which is what ZIP's descriptive fit needs.
    let (problem, report) = LevenbergMarquardt::new()
        .with_patience(1000)
        .minimize(problem);
    let usable = report.termination.was_successful()
        || matches!(
            report.termination,
            levenberg_marquardt::TerminationReason::LostPatience
        );
    if !usable || !problem.p.iter().all(|x| x.is_finite()) {
        return Err(FitError::NoConvergence(format!("{:?}", report.termination)));
    }
    Ok((problem.p[0], problem.p[1].exp(), problem.p[2]))
}

/// The value of a Hill curve (for callers holding parameters).
pub fn curve(e0: f64, emax: f64, ic50: f64, h: f64, dose: f64) -> f64 {
    hill(e0, emax, ic50.ln(), h, dose)
}

/// Two-sided 95 % Student-t quantile for `dof` degrees of freedom.
fn t975(dof: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match dof {
        0 => f64::INFINITY,
        d if d <= 30 => TABLE[d - 1],
        // Beyond the table the quantile approaches 1.96 as 1.96 + 2.4/dof (within 1e-3).
        d => 1.96 + 2.4 / d as f64,
    }
}

/// Fits the curve to `(dose, response)` points (zero doses allowed: they inform `e0`).
pub fn fit(doses: &[f64], responses: &[f64]) -> Result<HillFit, FitError> {
    for &d in doses {
        if !d.is_finite() || d < 0.0 {
            return Err(FitError::BadDose(d));
        }
    }
    for &r in responses {
        if !r.is_finite() {
            return Err(FitError::BadResponse(r));
        }
    }
    let n = doses.len().min(responses.len());
    let positive = doses.iter().filter(|d| **d > 0.0).count();
    if n < 5 || positive < 4 {
        return Err(FitError::TooFewPoints(n));
    }
    let (min, max) = responses[..n]
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &y| {
            (a.min(y), b.max(y))
        });
    if max - min <= 1e-12 * max.abs().max(min.abs()) {
        return Err(FitError::Flat(responses[0]));
    }
    // Start: e0 and emax from the lowest and highest doses, ic50 where the response
    // crosses halfway, slope 1 (sign given by the direction of the response).
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| doses[a].total_cmp(&doses[b]));
    let (lo, hi) = (order[0], order[n - 1]);
    let (e0, emax) = (responses[lo], responses[hi]);
    let mid = 0.5 * (e0 + emax);
    let ic50 = order
        .windows(2)
        .find(|w| (responses[w[0]] - mid) * (responses[w[1]] - mid) <= 0.0 && doses[w[0]] > 0.0)
        .map(|w| (doses[w[0]] * doses[w[1]]).sqrt())
        .unwrap_or_else(|| {
            let pos: Vec<f64> = doses.iter().copied().filter(|d| *d > 0.0).collect();
            (pos.iter().map(|d| d.ln()).sum::<f64>() / pos.len() as f64).exp()
        });
    let problem = Problem {
        x: &doses[..n],
        y: &responses[..n],
        p: Vector4::new(e0, emax, ic50.ln(), 1.0),
    };
    let (problem, report) = LevenbergMarquardt::new().minimize(problem);
    if !report.termination.was_successful() {
        return Err(FitError::NoConvergence(format!("{:?}", report.termination)));
    }
    let p = problem.p;
    let r = problem
        .residuals()
        .ok_or_else(|| FitError::NoConvergence("no residuals".into()))?;
    let j = problem
        .jacobian()
        .ok_or_else(|| FitError::NoConvergence("no Jacobian".into()))?;
    let rss = r.norm_squared();
    let mean = responses[..n].iter().sum::<f64>() / n as f64;
    let tss: f64 = responses[..n].iter().map(|y| (y - mean).powi(2)).sum();
    let dof = n.saturating_sub(4);
    let s2 = if dof > 0 { rss / dof as f64 } else { f64::NAN };
    let cov = (j.transpose() * &j)
        .try_inverse()
        .map(|m| m * s2)
        .unwrap_or_else(|| nalgebra::Matrix4::from_element(f64::NAN));
    let t = t975(dof);
    // An interval the data cannot determine (no residual degrees of freedom, or a singular
    // information matrix) is NaN, never a zero-width interval that looks exact.
    let ci = |k: usize| {
        let var = cov[(k, k)];
        let half = if var.is_finite() && var >= 0.0 && t.is_finite() {
            t * var.sqrt()
        } else {
            f64::NAN
        };
        (p[k] - half, p[k] + half)
    };
    let (l_lo, l_hi) = ci(2);
    Ok(HillFit {
        e0: p[0],
        emax: p[1],
        ic50: p[2].exp(),
        hill: p[3],
        e0_ci: ci(0),
        emax_ci: ci(1),
        ic50_ci: (l_lo.exp(), l_hi.exp()),
        hill_ci: ci(3),
        r_squared: 1.0 - rss / tss,
        n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doses() -> Vec<f64> {
        (0..12).map(|i| 1e-3 * 10f64.powf(i as f64 * 0.5)).collect()
    }

    #[test]
    fn recovers_exact_curve() {
        let x = doses();
        let truth = (100.0, 5.0, 0.35f64, 1.4);
        let y: Vec<f64> = x
            .iter()
            .map(|&d| hill(truth.0, truth.1, truth.2.ln(), truth.3, d))
            .collect();
        let f = fit(&x, &y).unwrap();
        assert!((f.ic50 / 0.35 - 1.0).abs() < 1e-6, "{f:?}");
        assert!((f.hill - 1.4).abs() < 1e-6 && (f.e0 - 100.0).abs() < 1e-6);
        assert!((f.emax - 5.0).abs() < 1e-6 && f.r_squared > 0.999999);
    }

    /// With noise the true parameters fall inside the 95 % intervals.
    #[test]
    fn intervals_cover_truth_with_noise() {
        let x = doses();
        // Fixed pseudo-noise, ±2 % of the range.
        let noise = [
            1.3, -0.8, 2.0, -1.9, 0.4, 1.1, -1.5, 0.2, -0.6, 1.7, -1.2, 0.9,
        ];
        let y: Vec<f64> = x
            .iter()
            .zip(noise)
            .map(|(&d, e)| hill(1.0, 0.1, 0.05f64.ln(), 0.9, d) + 0.01 * e)
            .collect();
        let f = fit(&x, &y).unwrap();
        assert!(f.ic50_ci.0 < 0.05 && 0.05 < f.ic50_ci.1, "{f:?}");
        assert!(f.hill_ci.0 < 0.9 && 0.9 < f.hill_ci.1, "{f:?}");
        assert!(f.emax_ci.0 < 0.1 && 0.1 < f.emax_ci.1, "{f:?}");
        assert!(f.ic50_ci.1 / f.ic50_ci.0 < 3.0, "interval too wide: {f:?}");
    }

    #[test]
    fn bad_input() {
        assert_eq!(
            fit(&[1.0, 2.0], &[1.0, 2.0]),
            Err(FitError::TooFewPoints(2))
        );
        assert!(matches!(
            fit(&[1.0, -2.0, 3.0, 4.0, 5.0], &[1.0; 5]),
            Err(FitError::BadDose(_))
        ));
        assert!(matches!(
            fit(&[1.0, 2.0, 3.0, 4.0, 5.0], &[1.0, f64::NAN, 1.0, 1.0, 1.0]),
            Err(FitError::BadResponse(_))
        ));
    }
}
