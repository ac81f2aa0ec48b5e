//! Consistent initial values for index-1 DAEs: before integrating
//! `M·y' = f(t, y)` the algebraic equations (rows of M that are entirely
//! zero) must hold, or the first step has to absorb a jump it cannot
//! represent.

use nalgebra::DMatrix;

use crate::derivs::{self, all_finite, eval};
use crate::linalg::{lu_factor, lu_solve};
use crate::mass;
use crate::{Options, SolverError, System};

const MAX_ITER: usize = 50;
/// Relative accuracy asked of the corrected values.
const REL_TOL: f64 = 1e-12;

/// Make y consistent for a DAE at time t: rows of M that are entirely zero
/// are algebraic equations f_i(t, y) = 0; the remaining rows r keep (M·y)_r
/// fixed at its input value. That square system is solved by damped Newton
/// iteration (Jacobian of f analytic or by finite differences) to a relative
/// accuracy of about 1e-12. With M None (a pure ODE), or no zero row, it is a
/// no-op. Err(InconsistentInit) if it does not converge.
pub fn consistent_init<S: System>(
    sys: &mut S,
    t: f64,
    y: &mut [f64],
    options: &Options,
) -> Result<(), SolverError> {
    let n = y.len();
    if sys.dim() != n {
        return Err(SolverError::System {
            t,
            message: format!(
                "the system has {} variables but {n} initial values were given",
                sys.dim()
            ),
        });
    }
    // A copy, because f is evaluated (mutably) while M is used.
    let m = match sys.mass() {
        None => return Ok(()),
        Some(m) => m.clone(),
    };
    if m.nrows() != n || m.ncols() != n {
        return Err(SolverError::System {
            t,
            message: format!(
                "the mass matrix is {}x{} but the system has {n} variables",
                m.nrows(),
                m.ncols()
            ),
        });
    }
    let mut differential = vec![true; n];
    mass::differential_rows(Some(&m), &mut differential);
    if differential.iter().all(|&d| d) {
        return Ok(());
    }

    // Targets of the differential rows: (M·y)_r at the input.
    let target: Vec<f64> = (0..n)
        .map(|i| m.row(i).iter().zip(y.iter()).map(|(a, b)| a * b).sum())
        .collect();
    let mut rhs_evals = 0usize;
    let mut f = vec![0.0; n];
    let mut g = vec![0.0; n];
    let algebraic: Vec<bool> = differential.iter().map(|d| !d).collect();
    let mut fd = derivs::FdWork::new(n);
    let mut ftmp = vec![0.0; n];
    let mut jac = DMatrix::zeros(n, n);
    let mut piv = vec![0usize; n];
    let mut delta = vec![0.0; n];
    let mut ytrial = vec![0.0; n];
    let typ: Vec<f64> = y.iter().map(|v| v.abs()).collect();

    let residual = |g: &[f64]| -> f64 {
        g.iter()
            .zip(&differential)
            .filter(|(_, &d)| !d)
            .fold(0.0_f64, |a, (v, _)| a.max(v.abs()))
    };
    let inconsistent = |residual: f64| SolverError::InconsistentInit { t, residual };

    let mut gnorm = residuals(
        sys,
        t,
        y,
        &m,
        &differential,
        &target,
        &mut f,
        &mut g,
        &mut rhs_evals,
    )?;
    if !gnorm.is_finite() {
        return Err(inconsistent(f64::INFINITY));
    }
    if gnorm == 0.0 {
        return Ok(());
    }
    for _ in 0..MAX_ITER {
        // Newton matrix: rows of M for differential rows, rows of ∂f/∂y for
        // algebraic ones.
        derivs::jacobian(
            sys,
            t,
            y,
            &f,
            &typ,
            &algebraic,
            &mut jac,
            &mut fd,
            &mut rhs_evals,
        )
        .map_err(|e| match e {
            SolverError::NonFinite { .. } => inconsistent(residual(&g)),
            other => other,
        })?;
        for i in 0..n {
            if differential[i] {
                for j in 0..n {
                    jac[(i, j)] = m[(i, j)];
                }
            }
        }
        if !lu_factor(jac.as_mut_slice(), n, &mut piv) {
            return Err(inconsistent(residual(&g)));
        }
        for (d, gv) in delta.iter_mut().zip(&g) {
            *d = -gv;
        }
        lu_solve(jac.as_slice(), n, &piv, &mut delta);

        // Damped update: halve until the residual decreases.
        let mut lambda = 1.0;
        let mut accepted = false;
        for _ in 0..30 {
            for ((yt, yv), d) in ytrial.iter_mut().zip(y.iter()).zip(&delta) {
                *yt = yv + lambda * d;
            }
            let gt = residuals(
                sys,
                t,
                &ytrial,
                &m,
                &differential,
                &target,
                &mut ftmp,
                &mut g,
                &mut rhs_evals,
            )?;
            if gt.is_finite() && gt <= (1.0 - 1e-4 * lambda) * gnorm {
                accepted = true;
                gnorm = gt;
                break;
            }
            lambda *= 0.5;
        }
        // Size of the applied correction relative to the tolerance.
        let ymax = y.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
        let floor = options.atol.max(1e-15 * ymax).max(f64::MIN_POSITIVE);
        let step = delta
            .iter()
            .zip(y.iter())
            .map(|(d, yv)| (lambda * d).abs() / (REL_TOL * yv.abs() + floor))
            .fold(0.0_f64, f64::max);
        if !accepted {
            // No decrease possible: fine if we are already at roundoff level,
            // otherwise the equations have no solution near here.
            residuals(
                sys,
                t,
                y,
                &m,
                &differential,
                &target,
                &mut f,
                &mut g,
                &mut rhs_evals,
            )?;
            if step <= 1.0 {
                return Ok(());
            }
            return Err(inconsistent(residual(&g)));
        }
        y.copy_from_slice(&ytrial);
        f.copy_from_slice(&ftmp);
        if step <= 1.0 || gnorm == 0.0 {
            return Ok(());
        }
    }
    Err(inconsistent(residual(&g)))
}

/// g = [(M·y)_r − target_r ; f_a(t, y)] and its 2-norm; f gets f(t, y).
#[allow(clippy::too_many_arguments)]
fn residuals<S: System>(
    sys: &mut S,
    t: f64,
    y: &[f64],
    m: &DMatrix<f64>,
    differential: &[bool],
    target: &[f64],
    f: &mut [f64],
    g: &mut [f64],
    rhs_evals: &mut usize,
) -> Result<f64, SolverError> {
    eval(sys, t, y, f, rhs_evals)?;
    if !all_finite(f) {
        return Ok(f64::INFINITY);
    }
    let mut sum = 0.0;
    for i in 0..g.len() {
        g[i] = if differential[i] {
            let my: f64 = m.row(i).iter().zip(y).map(|(a, b)| a * b).sum();
            my - target[i]
        } else {
            f[i]
        };
        sum += g[i] * g[i];
    }
    Ok(sum.sqrt())
}
