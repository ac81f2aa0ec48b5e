//! Derivatives of the right-hand side needed by Rosenbrock methods and by
//! Newton iterations: the Jacobian ∂f/∂y (analytic when the system offers
//! it, else forward differences) and the time derivative ∂f/∂t.

use nalgebra::DMatrix;

use crate::{SolverError, System};

const SQRT_EPS: f64 = 1.490_116_119_384_765_6e-8;

/// Evaluates f(t, y) into `out`, mapping a model error to [`SolverError`].
pub fn eval<S: System>(
    sys: &mut S,
    t: f64,
    y: &[f64],
    out: &mut [f64],
    rhs_evals: &mut usize,
) -> Result<(), SolverError> {
    *rhs_evals += 1;
    sys.rhs(t, y, out)
        .map_err(|message| SolverError::System { t, message })
}

pub fn all_finite(v: &[f64]) -> bool {
    v.iter().all(|x| x.is_finite())
}

/// Fills `jac` with ∂f/∂y at (t, y); `f0` must be f(t, y).
///
/// Finite-difference increments are √eps times a typical magnitude of the
/// variable: max(|y_j|, typ_j), falling back to the largest typical magnitude
/// of any variable (or 1) for variables that have been zero so far. Using the
/// history (`typ`) rather than only |y_j| keeps the increment sensible when a
/// species decays towards zero, and the fallback keeps it on the scale of the
/// model for species that start at zero; a fixed absolute floor such as 1e-5
/// would swamp models whose amounts are ~1e-12.
#[allow(clippy::too_many_arguments)]
pub fn jacobian<S: System>(
    sys: &mut S,
    t: f64,
    y: &[f64],
    f0: &[f64],
    typ: &[f64],
    jac: &mut DMatrix<f64>,
    ytmp: &mut [f64],
    ftmp: &mut [f64],
    rhs_evals: &mut usize,
) -> Result<(), SolverError> {
    let n = y.len();
    jac.fill(0.0);
    match sys.jacobian(t, y, jac) {
        Some(Ok(())) => {
            if !all_finite(jac.as_slice()) {
                return Err(SolverError::NonFinite { t });
            }
            return Ok(());
        }
        Some(Err(message)) => return Err(SolverError::System { t, message }),
        None => {}
    }
    let global = typ.iter().fold(0.0_f64, |a, &b| a.max(b));
    let fallback = if global > 0.0 && global.is_finite() {
        global
    } else {
        1.0
    };
    ytmp.copy_from_slice(y);
    for j in 0..n {
        let yj = y[j];
        let mut scale = yj.abs().max(typ[j]);
        if !(scale > 0.0) || !scale.is_finite() {
            scale = fallback;
        }
        // Use the increment actually representable in floating point.
        ytmp[j] = yj + SQRT_EPS * scale;
        let mut del = ytmp[j] - yj;
        eval(sys, t, ytmp, ftmp, rhs_evals)?;
        if !all_finite(ftmp) {
            // The model may be undefined just above y_j (a bound such as
            // y_j ≤ 1); try a backward difference before giving up.
            ytmp[j] = yj - SQRT_EPS * scale;
            del = ytmp[j] - yj;
            eval(sys, t, ytmp, ftmp, rhs_evals)?;
            if !all_finite(ftmp) {
                return Err(SolverError::NonFinite { t });
            }
        }
        ytmp[j] = yj;
        let inv = 1.0 / del;
        for ((c, fv), f0v) in jac.column_mut(j).iter_mut().zip(ftmp.iter()).zip(f0) {
            *c = (fv - f0v) * inv;
        }
    }
    Ok(())
}

/// Fills `fx` with ∂f/∂t at (t, y); `f0` must be f(t, y); `h` is the step
/// about to be taken.
///
/// Autonomous systems (the usual case) are detected by f(t + δ, y) being
/// bit-identical to f0 and cost one evaluation. Otherwise a central
/// difference is used: a forward difference's O(δ) error enters every stage
/// as h·d_i·error and limits the attainable accuracy at rtol ~1e-10.
/// δ follows the step size (0.01·h), because h reflects the time scale on
/// which f changes (near a pole of f, δ must shrink with the distance to it),
/// bounded to eps^(1/3)·max(|t|, h) above (the optimum of a central
/// difference) and to 1e4·eps·max(|t|, h) below (rounding of t + δ). If f is
/// not finite on one side, the other side's one-sided difference is used.
#[allow(clippy::too_many_arguments)]
pub fn time_derivative<S: System>(
    sys: &mut S,
    t: f64,
    y: &[f64],
    f0: &[f64],
    h: f64,
    fx: &mut [f64],
    ftmp: &mut [f64],
    rhs_evals: &mut usize,
) -> Result<(), SolverError> {
    const CBRT_EPS: f64 = 6.055_454_452_393_343e-6;
    let scale = t.abs().max(h.abs()).max(f64::MIN_POSITIVE);
    let dt = (0.01 * h.abs()).clamp(1e4 * f64::EPSILON * scale, CBRT_EPS * scale);
    let tp = t + dt;
    let tm = t - dt;
    eval(sys, tp, y, ftmp, rhs_evals)?;
    let plus_ok = all_finite(ftmp);
    if plus_ok && ftmp.iter().zip(f0).all(|(a, b)| a == b) {
        fx.fill(0.0);
        return Ok(());
    }
    if plus_ok {
        // Keep f(t + δ) in fx while f(t − δ) is evaluated.
        fx.copy_from_slice(ftmp);
    }
    eval(sys, tm, y, ftmp, rhs_evals)?;
    let minus_ok = all_finite(ftmp);
    match (plus_ok, minus_ok) {
        (true, true) => {
            let inv = 1.0 / (tp - tm);
            for (d, fm) in fx.iter_mut().zip(ftmp.iter()) {
                *d = (*d - fm) * inv;
            }
        }
        (true, false) => {
            let inv = 1.0 / (tp - t);
            for (d, f0v) in fx.iter_mut().zip(f0) {
                *d = (*d - f0v) * inv;
            }
        }
        (false, true) => {
            let inv = 1.0 / (t - tm);
            for ((d, fm), f0v) in fx.iter_mut().zip(ftmp.iter()).zip(f0) {
                *d = (f0v - fm) * inv;
            }
        }
        (false, false) => return Err(SolverError::NonFinite { t }),
    }
    Ok(())
}
