//! Mass matrices: index-1 DAEs (diagonal and non-diagonal singular M), a
//! non-diagonal invertible M, and consistent initialisation.

// Parallel indexing of solution and reference arrays reads clearer here.
#![allow(clippy::needless_range_loop)]

use her2sim_ode::{consistent_init, integrate_to, Options, Rodas4, SolverError, System};
use nalgebra::DMatrix;

fn opts(rtol: f64, atol: f64) -> Options {
    Options {
        rtol,
        atol,
        ..Options::default()
    }
}

fn rel_err(a: f64, b: f64) -> f64 {
    ((a - b) / b).abs()
}

/// Robertson as a DAE: y3 is given by conservation, 0 = y1 + y2 + y3 − 1.
struct RobertsonDae {
    m: DMatrix<f64>,
}

impl RobertsonDae {
    fn new() -> Self {
        RobertsonDae {
            m: DMatrix::from_diagonal(&nalgebra::DVector::from_vec(vec![1.0, 1.0, 0.0])),
        }
    }
}

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
    fn mass(&self) -> Option<&DMatrix<f64>> {
        Some(&self.m)
    }
}

#[test]
fn robertson_dae_to_40() {
    let mut sys = RobertsonDae::new();
    let mut solver = Rodas4::new(0.0, &[1.0, 0.0, 0.0], opts(1e-8, 1e-14));
    integrate_to(&mut solver, &mut sys, 40.0, |_| {}).unwrap();
    let y = solver.y();
    let reference = [0.7158270687, 9.185534764e-6, 0.2841637457];
    for i in 0..3 {
        let e = rel_err(y[i], reference[i]);
        assert!(
            e < 1e-7,
            "component {i}: {} vs {} (rel {e:e})",
            y[i],
            reference[i]
        );
    }
    assert!((y[0] + y[1] + y[2] - 1.0).abs() < 1e-13);
    eprintln!("Robertson DAE t=40 rtol 1e-8: {:?}", solver.stats());

    integrate_to(&mut solver, &mut sys, 1e5, |_| {}).unwrap();
    eprintln!("Robertson DAE t=1e5 rtol 1e-8: {:?}", solver.stats());
    assert!(solver.stats().steps < 2000);
}

/// y' = A·y with A = diag(a) written as T·y' = (T·A)·y for a full,
/// invertible T.
struct Transformed {
    t: DMatrix<f64>,
    ta: DMatrix<f64>,
}

impl System for Transformed {
    fn dim(&self) -> usize {
        3
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        let v = &self.ta * nalgebra::DVector::from_column_slice(y);
        dy.copy_from_slice(v.as_slice());
        Ok(())
    }
    fn mass(&self) -> Option<&DMatrix<f64>> {
        Some(&self.t)
    }
}

#[test]
fn non_diagonal_invertible_mass() {
    let a = [-1.0, -2.0, -0.5];
    let t = DMatrix::from_row_slice(3, 3, &[2.0, 1.0, 0.5, -1.0, 3.0, 1.0, 0.3, -0.7, 1.5]);
    let ta = &t * DMatrix::from_diagonal(&nalgebra::DVector::from_column_slice(&a));
    let mut sys = Transformed { t, ta };
    let y0 = [1.0, -2.0, 0.5];
    let mut solver = Rodas4::new(0.0, &y0, opts(1e-10, 1e-14));
    let mut out = [0.0; 3];
    let mut worst_mid = 0.0_f64;
    integrate_to(&mut solver, &mut sys, 3.0, |s| {
        let seg = s.last_segment().unwrap();
        let tm = 0.5 * (seg.t0 + seg.t1);
        seg.eval(tm, &mut out);
        for i in 0..3 {
            worst_mid = worst_mid.max(rel_err(out[i], y0[i] * (a[i] * tm).exp()));
        }
    })
    .unwrap();
    for i in 0..3 {
        let e = rel_err(solver.y()[i], y0[i] * (a[i] * 3.0).exp());
        assert!(e < 1e-8, "component {i}: rel {e:e}");
    }
    assert!(worst_mid < 1e-8, "midpoints: {worst_mid:e}");
}

/// (u + v)' = −(u + v), 0 = u − 2v: M = [[1, 1], [0, 0]], a non-diagonal
/// singular mass matrix. s = u + v decays, u = 2s/3, v = s/3.
struct Coupled {
    m: DMatrix<f64>,
}

impl System for Coupled {
    fn dim(&self) -> usize {
        2
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        dy[0] = -(y[0] + y[1]);
        dy[1] = y[0] - 2.0 * y[1];
        Ok(())
    }
    fn mass(&self) -> Option<&DMatrix<f64>> {
        Some(&self.m)
    }
}

#[test]
fn non_diagonal_singular_mass_with_consistent_init() {
    let mut sys = Coupled {
        m: DMatrix::from_row_slice(2, 2, &[1.0, 1.0, 0.0, 0.0]),
    };
    // Inconsistent start: u − 2v = 1 ≠ 0. consistent_init keeps u + v = 1.
    let mut y = [1.0, 0.0];
    consistent_init(&mut sys, 0.0, &mut y, &opts(1e-8, 1e-14)).unwrap();
    assert!(
        (y[0] - 2.0 / 3.0).abs() < 1e-14 && (y[1] - 1.0 / 3.0).abs() < 1e-14,
        "{y:?}"
    );

    let mut solver = Rodas4::new(0.0, &y, opts(1e-10, 1e-14));
    integrate_to(&mut solver, &mut sys, 5.0, |_| {}).unwrap();
    let s = (-5f64).exp();
    assert!(
        rel_err(solver.y()[0], 2.0 * s / 3.0) < 1e-8,
        "{:?}",
        solver.y()
    );
    assert!(rel_err(solver.y()[1], s / 3.0) < 1e-8, "{:?}", solver.y());
}

#[test]
fn consistent_init_fixes_algebraic_values() {
    let mut sys = RobertsonDae::new();
    let mut y = [0.7, 0.1, 0.5];
    consistent_init(&mut sys, 0.0, &mut y, &opts(1e-8, 1e-14)).unwrap();
    // Differential values untouched, algebraic one solved.
    assert_eq!(y[0], 0.7);
    assert_eq!(y[1], 0.1);
    assert!((y[2] - 0.2).abs() < 1e-14, "{y:?}");

    // Already consistent: stays (to rounding).
    let mut y2 = [1.0, 0.0, 0.0];
    consistent_init(&mut sys, 0.0, &mut y2, &opts(1e-8, 1e-14)).unwrap();
    assert_eq!(y2, [1.0, 0.0, 0.0]);
}

/// x' = −x, 0 = z³ + z − x (z is the real root; needs real Newton steps).
struct Cubic {
    m: DMatrix<f64>,
}

impl System for Cubic {
    fn dim(&self) -> usize {
        2
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        dy[0] = -y[0];
        dy[1] = y[1] * y[1] * y[1] + y[1] - y[0];
        Ok(())
    }
    fn mass(&self) -> Option<&DMatrix<f64>> {
        Some(&self.m)
    }
}

#[test]
fn consistent_init_nonlinear_from_far_away() {
    let mut sys = Cubic {
        m: DMatrix::from_row_slice(2, 2, &[1.0, 0.0, 0.0, 0.0]),
    };
    let mut y = [10.0, 50.0];
    consistent_init(&mut sys, 0.0, &mut y, &opts(1e-8, 1e-14)).unwrap();
    assert_eq!(y[0], 10.0);
    // Real root of z³ + z − 10 = 0 is z = 2.
    assert!((y[1] - 2.0).abs() < 1e-12, "{y:?}");

    // Integrate the DAE and check z stays on the constraint.
    let mut solver = Rodas4::new(0.0, &y, opts(1e-9, 1e-14));
    integrate_to(&mut solver, &mut sys, 2.0, |_| {}).unwrap();
    let x = 10.0 * (-2f64).exp();
    let z = solver.y()[1];
    assert!(rel_err(solver.y()[0], x) < 1e-7);
    assert!((z * z * z + z - x).abs() < 1e-9, "constraint residual");
}

#[test]
fn consistent_init_is_a_noop_for_odes() {
    struct Ode;
    impl System for Ode {
        fn dim(&self) -> usize {
            1
        }
        fn rhs(&mut self, _t: f64, _y: &[f64], dy: &mut [f64]) -> Result<(), String> {
            dy[0] = 1.0;
            Ok(())
        }
    }
    let mut y = [3.0];
    consistent_init(&mut Ode, 0.0, &mut y, &Options::default()).unwrap();
    assert_eq!(y, [3.0]);
}

/// 0 = z² + 1 has no real solution.
struct NoSolution {
    m: DMatrix<f64>,
}

impl System for NoSolution {
    fn dim(&self) -> usize {
        2
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        dy[0] = -y[0];
        dy[1] = y[1] * y[1] + 1.0;
        Ok(())
    }
    fn mass(&self) -> Option<&DMatrix<f64>> {
        Some(&self.m)
    }
}

#[test]
fn consistent_init_reports_failure() {
    let mut sys = NoSolution {
        m: DMatrix::from_row_slice(2, 2, &[1.0, 0.0, 0.0, 0.0]),
    };
    let mut y = [1.0, 0.3];
    let err = consistent_init(&mut sys, 0.0, &mut y, &Options::default()).unwrap_err();
    match err {
        SolverError::InconsistentInit { residual, .. } => assert!(residual >= 1.0),
        other => panic!("unexpected {other:?}"),
    }
}

/// z appears in no equation: the DAE does not determine it.
struct Undetermined {
    m: DMatrix<f64>,
}

impl System for Undetermined {
    fn dim(&self) -> usize {
        2
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        dy[0] = -y[0];
        dy[1] = y[0] - 1.0;
        Ok(())
    }
    fn mass(&self) -> Option<&DMatrix<f64>> {
        Some(&self.m)
    }
}

#[test]
fn singular_iteration_matrix_is_an_error() {
    let mut sys = Undetermined {
        m: DMatrix::from_row_slice(2, 2, &[1.0, 0.0, 0.0, 0.0]),
    };
    let mut solver = Rodas4::new(0.0, &[1.0, 0.0], Options::default());
    let err = integrate_to(&mut solver, &mut sys, 1.0, |_| {}).unwrap_err();
    assert!(matches!(err, SolverError::SingularMatrix { .. }), "{err:?}");
    assert!(err.to_string().contains("singular"));
}
