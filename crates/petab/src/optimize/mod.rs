//! Bounded nonlinear least squares for `fit` and `profile`: the residual and Jacobian
//! callbacks they share, the Jacobian's finite-difference fallback, and the choice between
//! the trust-region reflective method (default) and projected Levenberg–Marquardt.

mod lm;
mod trust_region;

use rayon::prelude::*;

use crate::PetabError;

/// Finite-difference step on the parameter scale (a 0.023 % change in log10 units).
const FD_STEP: f64 = 1e-4;

/// Residuals at a parameter vector (on the parameter scales).
pub(crate) type Residuals<'a> = dyn Fn(&[f64]) -> Result<Vec<f64>, PetabError> + Sync + 'a;

/// Residuals with their Jacobian columns, where an analytic route exists (`None`: use
/// finite differences of [`Residuals`]).
pub(crate) type ResidualJacobian<'a> =
    dyn Fn(&[f64]) -> Option<Result<ResidualsAndColumns, PetabError>> + Sync + 'a;

/// Residuals and the Jacobian's columns (one per parameter).
pub type ResidualsAndColumns = (Vec<f64>, Vec<Vec<f64>>);

/// Which optimiser a fit or profile runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Optimizer {
    /// Trust-region reflective with the Gauss–Newton Hessian (Coleman–Li scaling, as fides).
    #[default]
    TrustRegion,
    /// Projected Levenberg–Marquardt with an active set.
    LevenbergMarquardt,
}

impl std::str::FromStr for Optimizer {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "trust-region" | "trr" => Ok(Optimizer::TrustRegion),
            "lm" | "levenberg-marquardt" => Ok(Optimizer::LevenbergMarquardt),
            other => Err(format!(
                "unknown optimizer '{other}' (expected trust-region or lm)"
            )),
        }
    }
}

/// Where an optimiser stopped.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Minimum {
    /// The point, on the parameter scales.
    pub x: Vec<f64>,
    /// Iterations taken.
    pub iterations: usize,
    /// Whether the convergence test was met (not only the iteration limit or a stall).
    pub converged: bool,
}

/// Minimises half the squared norm of `f` within `bounds` from `x0`.
pub(crate) fn minimize(
    optimizer: Optimizer,
    f: &Residuals,
    jacobian: Option<&ResidualJacobian>,
    x0: Vec<f64>,
    bounds: &[(f64, f64)],
    max_iterations: usize,
) -> Result<Minimum, PetabError> {
    match optimizer {
        Optimizer::TrustRegion => {
            trust_region::trust_region_reflective(f, jacobian, x0, bounds, max_iterations)
        }
        Optimizer::LevenbergMarquardt => {
            lm::levenberg_marquardt(f, jacobian, x0, bounds, max_iterations)
        }
    }
}

/// The Jacobian's columns at `x` (residuals `r`): from sensitivities where they apply, else
/// forward differences, one column per parameter, in parallel (backwards at an upper bound;
/// a column whose simulation fails is zero, so that parameter does not move this iteration).
pub(crate) fn jacobian_columns(
    f: &Residuals,
    jacobian: Option<&ResidualJacobian>,
    x: &[f64],
    r: &[f64],
    bounds: &[(f64, f64)],
) -> Vec<Vec<f64>> {
    if let Some(Ok((_, columns))) = jacobian.and_then(|j| j(x)) {
        if columns.iter().flatten().all(|v| v.is_finite()) {
            return columns;
        }
    }
    (0..x.len())
        .into_par_iter()
        .map(|j| {
            let (lo, hi) = bounds[j];
            let mut xp = x.to_vec();
            let h = if x[j] + FD_STEP <= hi {
                FD_STEP
            } else {
                -FD_STEP
            };
            xp[j] = (x[j] + h).clamp(lo, hi);
            let step = xp[j] - x[j];
            match f(&xp) {
                Ok(rp) if step != 0.0 => rp.iter().zip(r).map(|(a, b)| (a - b) / step).collect(),
                _ => vec![0.0; r.len()],
            }
        })
        .collect()
}

/// Half the squared norm.
fn half_squared(r: &[f64]) -> f64 {
    0.5 * r.iter().map(|v| v * v).sum::<f64>()
}

/// Gauss–Newton Hessian JᵀJ and gradient Jᵀr from the Jacobian's columns.
pub(crate) fn normal_equations(
    columns: &[Vec<f64>],
    r: &[f64],
) -> (nalgebra::DMatrix<f64>, Vec<f64>) {
    let n = columns.len();
    let mut jtj = nalgebra::DMatrix::<f64>::zeros(n, n);
    let mut jtr = vec![0.0; n];
    for a in 0..n {
        jtr[a] = columns[a].iter().zip(r).map(|(j, v)| j * v).sum();
        for b in a..n {
            let v: f64 = columns[a].iter().zip(&columns[b]).map(|(p, q)| p * q).sum();
            jtj[(a, b)] = v;
            jtj[(b, a)] = v;
        }
    }
    (jtj, jtr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rosenbrock(x: &[f64]) -> Result<Vec<f64>, PetabError> {
        Ok(vec![10.0 * (x[1] - x[0] * x[0]), 1.0 - x[0]])
    }

    /// Both optimisers find Rosenbrock's minimum (1, 1) inside the box, and the constrained
    /// minimum (0.5, 0.25) on the bound when the box excludes it.
    #[test]
    fn both_optimisers_find_bounded_least_squares_minima() {
        for optimizer in [Optimizer::TrustRegion, Optimizer::LevenbergMarquardt] {
            let m = minimize(
                optimizer,
                &rosenbrock,
                None,
                vec![-1.2, 1.0],
                &[(-2.0, 2.0), (-2.0, 2.0)],
                500,
            )
            .unwrap();
            assert!(
                m.converged && (m.x[0] - 1.0).abs() < 1e-3 && (m.x[1] - 1.0).abs() < 1e-3,
                "{optimizer:?}: {m:?}"
            );
            let m = minimize(
                optimizer,
                &rosenbrock,
                None,
                vec![0.0, 0.0],
                &[(-2.0, 0.5), (-2.0, 2.0)],
                500,
            )
            .unwrap();
            assert!(
                (m.x[0] - 0.5).abs() < 1e-5 && (m.x[1] - 0.25).abs() < 1e-3,
                "{optimizer:?}: {m:?}"
            );
        }
    }

    /// A linear least-squares problem whose unconstrained solution lies outside the box in
    /// two coordinates: the bounded solution (by KKT, computed by hand) has those two on
    /// their bounds and the third free at its conditional optimum.
    #[test]
    fn trust_region_solves_a_bound_constrained_linear_problem() {
        // r = A x - b with A = I scaled, so the solution is the clamp of b / scale.
        let f = |x: &[f64]| -> Result<Vec<f64>, PetabError> {
            Ok(vec![
                2.0 * x[0] - 6.0,
                0.5 * x[1] + 2.0,
                x[2] - 0.3,
                0.1 * (x[0] + x[2]),
            ])
        };
        let bounds = [(-1.0, 1.0), (-1.0, 1.0), (-1.0, 1.0)];
        let m = minimize(
            Optimizer::TrustRegion,
            &f,
            None,
            vec![0.0, 0.0, 0.0],
            &bounds,
            200,
        )
        .unwrap();
        // x0 and x1 at their bounds; x2 minimises (x2-0.3)² + 0.01(1+x2)²:
        // x2 = (0.3 - 0.01) / 1.01.
        let x2 = 0.29 / 1.01;
        assert!(m.converged, "{m:?}");
        assert!((m.x[0] - 1.0).abs() < 1e-6, "{m:?}");
        assert!((m.x[1] + 1.0).abs() < 1e-6, "{m:?}");
        assert!((m.x[2] - x2).abs() < 1e-6, "{m:?}");
    }

    /// A failing residual evaluation is a rejected step, not an error: the optimiser shrinks
    /// its region and finds the minimum inside the region where the model can be evaluated.
    #[test]
    fn trust_region_steps_around_failed_evaluations() {
        let f = |x: &[f64]| -> Result<Vec<f64>, PetabError> {
            if x[0] > 1.5 {
                return Err(PetabError::Simulation("blows up".into()));
            }
            Ok(vec![x[0] - 1.0, 3.0 * (x[1] + 0.5)])
        };
        let m = minimize(
            Optimizer::TrustRegion,
            &f,
            None,
            vec![-3.0, 2.0],
            &[(-4.0, 4.0), (-4.0, 4.0)],
            200,
        )
        .unwrap();
        assert!(m.converged, "{m:?}");
        assert!(
            (m.x[0] - 1.0).abs() < 1e-6 && (m.x[1] + 0.5).abs() < 1e-6,
            "{m:?}"
        );
    }
}
