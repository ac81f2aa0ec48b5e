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

/// Scratch storage of the finite-difference Jacobian, allocated once.
pub struct FdWork {
    ytmp: Vec<f64>,
    ftmp: Vec<f64>,
    /// Per row: magnitude of the terms f_i is made of.
    row_terms: Vec<f64>,
    /// Per row: largest |J_ik|.
    row_max: Vec<f64>,
}

impl FdWork {
    pub fn new(n: usize) -> Self {
        FdWork {
            ytmp: vec![0.0; n],
            ftmp: vec![0.0; n],
            row_terms: vec![0.0; n],
            row_max: vec![0.0; n],
        }
    }
}

/// Fills `jac` with ∂f/∂y at (t, y); `f0` must be f(t, y). `typ` holds a
/// typical magnitude of each variable (largest |y_j| seen) and `algebraic`
/// marks algebraic rows (all-zero rows of M).
///
/// First pass: increments δ_j = √eps·max(|y_j|, typ_j), falling back to the
/// largest typical magnitude of any variable (or 1) for variables that have
/// been zero so far. Relative increments keep nonlinear terms in small
/// variables accurate (a fixed floor such as rodas.f's would swamp species
/// amounts of ~1e-12).
///
/// Second pass, for the columns that need it: a variable much smaller than
/// the terms of an equation it enters (an algebraic y3 = 1 − y1 − y2 while
/// y3 ≈ 1e-14, or a quasi-steady intermediate) changes f_i by less than
/// f_i's rounding error, so its entry comes out quantised or even exactly
/// zero — which can make the iteration matrix singular. Such columns are
/// evaluated again with an increment on the scale of the row's terms, and
/// each row keeps the larger-increment value only where the two values differ
/// by no more than the small increment's rounding error could explain (so a
/// genuinely nonlinear term keeps its small-increment value).
#[allow(clippy::too_many_arguments)]
pub fn jacobian<S: System>(
    sys: &mut S,
    t: f64,
    y: &[f64],
    f0: &[f64],
    typ: &[f64],
    algebraic: &[bool],
    jac: &mut DMatrix<f64>,
    work: &mut FdWork,
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
        None if jac.nrows() != n => {
            return Err(SolverError::System {
                t,
                message: "a system with a Jacobian block needs an analytic Jacobian".into(),
            })
        }
        None => {}
    }
    let global = typ.iter().fold(0.0_f64, |a, &b| a.max(b));
    let fallback = if global > 0.0 && global.is_finite() {
        global
    } else {
        1.0
    };
    // Variables far below every other one (1e-300 next to 1e5, as decayed species get) take
    // an increment on the scale of the others: a relative one would be denormal.
    let floor = 1e-8 * fallback;
    let scale = |j: usize| {
        let s = y[j].abs().max(typ[j]);
        if s > 0.0 && s.is_finite() {
            s.max(floor)
        } else {
            fallback
        }
    };
    work.ytmp.copy_from_slice(y);
    for j in 0..n {
        let del = difference(sys, t, y, j, SQRT_EPS * scale(j), work, rhs_evals)?;
        let inv = 1.0 / del;

        for ((c, fv), f0v) in jac.column_mut(j).iter_mut().zip(work.ftmp.iter()).zip(f0) {
            *c = (fv - f0v) * inv;
        }
    }

    // Term magnitudes per row, |f_i| + Σ_k |J_ik|·scale_k, and the largest
    // entry per row; used to judge the rounding error of each entry.
    for ((r, m), f) in work.row_terms.iter_mut().zip(&mut work.row_max).zip(f0) {
        *r = f.abs();
        *m = 0.0;
    }
    for k in 0..n {
        let sk = scale(k);
        for (i, &v) in jac.column(k).iter().enumerate() {
            work.row_terms[i] += v.abs() * sk;
            work.row_max[i] = work.row_max[i].max(v.abs());
        }
    }

    // Relative precision of an entry, compared with its row's largest entry,
    // below which the column is evaluated again.
    const ETA: f64 = 1e-6;
    for j in 0..n {
        let del_small = SQRT_EPS * scale(j);
        let mut del_big = 0.0_f64;
        for i in 0..n {
            let entry = jac[(i, j)];
            if entry == 0.0 && !algebraic[i] {
                continue;
            }
            let rounding = f64::EPSILON * work.row_terms[i] / del_small;
            if rounding > ETA * work.row_max[i] && work.row_max[i] > 0.0 {
                del_big = del_big.max(SQRT_EPS * work.row_terms[i] / work.row_max[i]);
            }
        }
        if !del_big.is_finite() || del_big <= 10.0 * del_small {
            continue;
        }
        let del = difference(sys, t, y, j, del_big, work, rhs_evals)?;
        let inv = 1.0 / del;

        for (i, (fv, f0v)) in work.ftmp.iter().zip(f0).enumerate() {
            let big = (fv - f0v) * inv;
            let small = jac[(i, j)];
            let rounding = 2.0 * f64::EPSILON * work.row_terms[i] / del_small;
            if (big - small).abs() <= rounding {
                jac[(i, j)] = big;
            }
        }
    }
    Ok(())
}

/// f(t, y + δ·e_j) into `work.ftmp`, returning the increment actually used
/// (representable in floating point; backward if f is not finite forward).
fn difference<S: System>(
    sys: &mut S,
    t: f64,
    y: &[f64],
    j: usize,
    del: f64,
    work: &mut FdWork,
    rhs_evals: &mut usize,
) -> Result<f64, SolverError> {
    let yj = y[j];
    work.ytmp[j] = yj + del;
    let mut used = work.ytmp[j] - yj;
    eval(sys, t, &work.ytmp, &mut work.ftmp, rhs_evals)?;
    if !all_finite(&work.ftmp) {
        // The model may be undefined just above y_j (a bound such as
        // y_j ≤ 1); try a backward difference before giving up.
        work.ytmp[j] = yj - del;
        used = work.ytmp[j] - yj;
        eval(sys, t, &work.ytmp, &mut work.ftmp, rhs_evals)?;
        if !all_finite(&work.ftmp) {
            work.ytmp[j] = yj;
            return Err(SolverError::NonFinite { t });
        }
    }
    work.ytmp[j] = yj;
    Ok(used)
}

/// Fills `fx` with ∂f/∂t at (t, y); `f0` must be f(t, y); `h` is the step
/// about to be taken.
///
/// Autonomous systems (the usual case) are detected by f(t + δ, y) being
/// bit-identical to f0 and cost one evaluation. Otherwise a central
/// difference is used: a forward difference's O(δ) error enters every stage
/// as h·d_i·error and limits the attainable accuracy at rtol ~1e-10.
/// δ follows the step size (1e-3·h), because h reflects the time scale on
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
    let dt = (1e-3 * h.abs()).clamp(1e4 * f64::EPSILON * scale, CBRT_EPS * scale);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Robertson with y3 given by conservation (row 3 algebraic).
    struct RobertsonDae;

    impl System for RobertsonDae {
        fn dim(&self) -> usize {
            3
        }
        fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
            dy[0] = -0.04 * y[0] + 1e4 * y[1] * y[2];
            dy[1] = 0.04 * y[0] - 1e4 * y[1] * y[2] - 3e7 * y[1] * y[1];
            dy[2] = y[0] + y[1] + y[2] - 1.0;
            Ok(())
        }
    }

    fn exact(y: &[f64]) -> DMatrix<f64> {
        DMatrix::from_row_slice(
            3,
            3,
            &[
                -0.04,
                1e4 * y[2],
                1e4 * y[1],
                0.04,
                -1e4 * y[2] - 6e7 * y[1],
                -1e4 * y[1],
                1.0,
                1.0,
                1.0,
            ],
        )
    }

    #[test]
    fn tiny_variables_in_rows_with_large_terms() {
        // A state from early in the Robertson DAE run: the first pass alone
        // gives J33 = 0 (singular iteration matrix) and J32 ≈ 0.85.
        let y = [
            0.9999999471305776,
            5.286938457235208e-8,
            3.782971382820311e-14,
        ];
        let mut sys = RobertsonDae;
        let mut f0 = [0.0; 3];
        sys.rhs(0.0, &y, &mut f0).unwrap();
        let typ = y.map(f64::abs);
        let algebraic = [false, false, true];
        let mut jac = DMatrix::zeros(3, 3);
        let mut work = FdWork::new(3);
        let mut evals = 0;
        jacobian(
            &mut sys, 0.0, &y, &f0, &typ, &algebraic, &mut jac, &mut work, &mut evals,
        )
        .unwrap();
        let ex = exact(&y);
        for i in 0..3 {
            let row_max = (0..3).map(|j| ex[(i, j)].abs()).fold(0.0, f64::max);
            for j in 0..3 {
                // Row 2 is a quasi-steady balance of terms ~0.04 in a
                // variable ~5e-8: forward differences cannot beat ~3e-4 there.
                let e = (jac[(i, j)] - ex[(i, j)]).abs() / row_max;
                assert!(e < 1e-3, "J[{i},{j}] = {} vs {}", jac[(i, j)], ex[(i, j)]);
            }
        }
        // The algebraic row must be accurate, not merely non-zero.
        for j in 0..3 {
            assert!(
                (jac[(2, j)] - 1.0).abs() < 1e-6,
                "J[2,{j}] = {}",
                jac[(2, j)]
            );
        }
        assert!((3..=6).contains(&evals), "{evals} evaluations");
    }

    #[test]
    fn autonomous_time_derivative_costs_one_evaluation() {
        let mut sys = RobertsonDae;
        let y = [0.5, 1e-5, 0.5 - 1e-5];
        let mut f0 = [0.0; 3];
        sys.rhs(1.0, &y, &mut f0).unwrap();
        let (mut fx, mut ftmp, mut evals) = ([1.0; 3], [0.0; 3], 0);
        time_derivative(&mut sys, 1.0, &y, &f0, 0.1, &mut fx, &mut ftmp, &mut evals).unwrap();
        assert_eq!(fx, [0.0; 3]);
        assert_eq!(evals, 1);
    }

    struct Forced;

    impl System for Forced {
        fn dim(&self) -> usize {
            1
        }
        fn rhs(&mut self, t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
            dy[0] = (3.0 * t).sin() - y[0];
            Ok(())
        }
    }

    #[test]
    fn time_derivative_is_accurate() {
        let mut sys = Forced;
        for &(t, h) in &[(0.0, 1e-3), (2.0, 0.1), (1e4, 0.1)] {
            let y = [0.3];
            let mut f0 = [0.0];
            sys.rhs(t, &y, &mut f0).unwrap();
            let (mut fx, mut ftmp, mut evals) = ([0.0], [0.0], 0);
            time_derivative(&mut sys, t, &y, &f0, h, &mut fx, &mut ftmp, &mut evals).unwrap();
            let exact = 3.0 * (3.0 * t).cos();
            assert!(
                (fx[0] - exact).abs() < 1e-8 * (1.0 + t),
                "t={t}: {} vs {exact}",
                fx[0]
            );
            assert_eq!(evals, 2);
        }
    }
}
