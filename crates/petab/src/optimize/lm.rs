//! Projected Levenberg–Marquardt with an active set: the first optimiser of `fit`, kept
//! as an option and as a cross-check of the trust-region method.

use super::{
    half_squared, jacobian_columns, normal_equations, Minimum, ResidualJacobian, Residuals,
};
use crate::PetabError;

/// Projected Levenberg–Marquardt (Marquardt's diagonal scaling): steps are clipped to the
/// box; a failed simulation counts as a rejected step. Returns (x, iterations, converged).
pub(super) fn levenberg_marquardt(
    f: &Residuals,
    jacobian: Option<&ResidualJacobian>,
    mut x: Vec<f64>,
    bounds: &[(f64, f64)],
    max_iterations: usize,
) -> Result<Minimum, PetabError> {
    let n = x.len();
    let mut r = f(&x)?;
    let mut cost = half_squared(&r);
    let mut lambda = 1e-3;
    for iteration in 0..max_iterations {
        let columns = jacobian_columns(f, jacobian, &x, &r, bounds);
        let (jtj, jtr) = normal_equations(&columns, &r);
        let jtr = nalgebra::DVector::from_vec(jtr);
        // Projected gradient: components pushing against an active bound do not count.
        let pg = (0..n)
            .map(|j| {
                let (lo, hi) = bounds[j];
                let g = jtr[j];
                if (x[j] <= lo && g > 0.0) || (x[j] >= hi && g < 0.0) {
                    0.0
                } else {
                    g.abs()
                }
            })
            .fold(0.0f64, f64::max);
        if pg <= 1e-6 * (1.0 + cost) {
            return Ok(Minimum {
                x,
                iterations: iteration,
                converged: true,
            });
        }
        // Parameters at a bound that the gradient pushes outwards stay there this iteration:
        // their rows and columns are decoupled, so the step of the others is not spent on a
        // direction the clamp would cancel (an active-set projected LM).
        let held: Vec<bool> = (0..n)
            .map(|j| {
                let (lo, hi) = bounds[j];
                (x[j] <= lo && jtr[j] > 0.0) || (x[j] >= hi && jtr[j] < 0.0)
            })
            .collect();
        let mut accepted = false;
        while lambda < 1e12 {
            let mut a = jtj.clone();
            let mut g = jtr.clone();
            for k in 0..n {
                a[(k, k)] += lambda * (jtj[(k, k)] + 1e-12);
                if held[k] {
                    for m in 0..n {
                        a[(k, m)] = 0.0;
                        a[(m, k)] = 0.0;
                    }
                    a[(k, k)] = 1.0;
                    g[k] = 0.0;
                }
            }
            let Some(delta) = a.cholesky().map(|c| c.solve(&(-&g))) else {
                lambda *= 10.0;
                continue;
            };
            let trial: Vec<f64> = (0..n)
                .map(|j| (x[j] + delta[j]).clamp(bounds[j].0, bounds[j].1))
                .collect();
            match f(&trial) {
                Ok(rt) => {
                    let trial_cost = half_squared(&rt);
                    if trial_cost < cost {
                        let decrease = cost - trial_cost;
                        let moved = trial
                            .iter()
                            .zip(&x)
                            .map(|(a, b)| (a - b).abs())
                            .fold(0.0, f64::max);
                        x = trial;
                        r = rt;
                        cost = trial_cost;
                        lambda = (lambda / 3.0).max(1e-12);
                        accepted = true;
                        if decrease <= 1e-9 * (1.0 + cost) || moved <= 1e-10 {
                            return Ok(Minimum {
                                x,
                                iterations: iteration + 1,
                                converged: true,
                            });
                        }
                        break;
                    }
                    lambda *= 4.0;
                }
                Err(_) => lambda *= 4.0,
            }
        }
        if !accepted {
            // No step decreases the cost. That is a minimum only where the gradient is
            // small too; elsewhere (simulations failing all around, an inaccurate
            // Jacobian) the start stalled and is not reported as converged.
            return Ok(Minimum {
                x,
                iterations: iteration + 1,
                converged: pg <= 1e-3 * (1.0 + cost),
            });
        }
    }
    Ok(Minimum {
        x,
        iterations: max_iterations,
        converged: false,
    })
}
