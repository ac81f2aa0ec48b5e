//! Mass matrices: index-1 DAEs (diagonal and non-diagonal singular M), a
//! non-diagonal invertible M, and consistent initialisation (the problems
//! live in `common`). BDF counterparts of the RODAS4 runs with BDF-specific
//! checks are in `bdf.rs`.

// Parallel indexing of solution and reference arrays reads clearer here.
#![allow(clippy::needless_range_loop)]

mod common;

use common::{
    check_robertson_40, opts, rel_err, Coupled, Cubic, NoSolution, RobertsonDae, Transformed,
    Undetermined, UnitSlope, METHODS, ROBERTSON_Y0,
};
use her2sim_ode::{
    consistent_init, integrate_to, Integrator, Method, Options, Rodas4, SolverError,
};

#[test]
fn robertson_dae_to_40() {
    let mut sys = RobertsonDae::new();
    let mut solver = Rodas4::new(0.0, &ROBERTSON_Y0, opts(1e-8, 1e-14));
    integrate_to(&mut solver, &mut sys, 40.0, |_| {}).unwrap();
    let y = solver.y();
    check_robertson_40(y, "RODAS4 DAE");
    assert!((y[0] + y[1] + y[2] - 1.0).abs() < 1e-13);
    eprintln!("Robertson DAE t=40 rtol 1e-8: {:?}", solver.stats());

    integrate_to(&mut solver, &mut sys, 1e5, |_| {}).unwrap();
    eprintln!("Robertson DAE t=1e5 rtol 1e-8: {:?}", solver.stats());
    assert!(solver.stats().steps < 2000);
}

#[test]
fn non_diagonal_invertible_mass() {
    let mut sys = Transformed::new();
    let mut solver = Rodas4::new(0.0, &Transformed::Y0, opts(1e-10, 1e-14));
    let mut out = [0.0; 3];
    let mut worst_mid = 0.0_f64;
    integrate_to(&mut solver, &mut sys, 3.0, |s| {
        let seg = s.last_segment().unwrap();
        let tm = 0.5 * (seg.t0 + seg.t1);
        seg.eval(tm, &mut out);
        for i in 0..3 {
            worst_mid = worst_mid.max(rel_err(out[i], Transformed::exact(i, tm)));
        }
    })
    .unwrap();
    for i in 0..3 {
        let e = rel_err(solver.y()[i], Transformed::exact(i, 3.0));
        assert!(e < 1e-8, "component {i}: rel {e:e}");
    }
    assert!(worst_mid < 1e-8, "midpoints: {worst_mid:e}");
}

#[test]
fn non_diagonal_singular_mass_with_consistent_init() {
    let mut sys = Coupled::new();
    // Inconsistent start: u − 2v = 1 ≠ 0. consistent_init keeps u + v = 1.
    let mut y = Coupled::Y0_INCONSISTENT;
    consistent_init(&mut sys, 0.0, &mut y, &opts(1e-8, 1e-14)).unwrap();
    let [u0, v0] = Coupled::exact(0.0);
    assert!(
        (y[0] - u0).abs() < 1e-14 && (y[1] - v0).abs() < 1e-14,
        "{y:?}"
    );

    let mut solver = Rodas4::new(0.0, &y, opts(1e-10, 1e-14));
    integrate_to(&mut solver, &mut sys, 5.0, |_| {}).unwrap();
    let [u, v] = Coupled::exact(5.0);
    assert!(rel_err(solver.y()[0], u) < 1e-8, "{:?}", solver.y());
    assert!(rel_err(solver.y()[1], v) < 1e-8, "{:?}", solver.y());
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
    let mut y2 = ROBERTSON_Y0;
    consistent_init(&mut sys, 0.0, &mut y2, &opts(1e-8, 1e-14)).unwrap();
    assert_eq!(y2, [1.0, 0.0, 0.0]);
}

#[test]
fn consistent_init_nonlinear_from_far_away() {
    let mut sys = Cubic::new();
    let mut y = [10.0, 50.0];
    consistent_init(&mut sys, 0.0, &mut y, &opts(1e-8, 1e-14)).unwrap();
    assert_eq!(y[0], 10.0);
    // Real root of z³ + z − 10 = 0 is z = 2.
    assert!((y[1] - 2.0).abs() < 1e-12, "{y:?}");

    // Integrate the DAE with either solver and check z stays on the constraint.
    for method in METHODS {
        let mut solver = Integrator::new(method, 0.0, &y, opts(1e-9, 1e-14));
        integrate_to(&mut solver, &mut sys, 2.0, |_| {}).unwrap();
        let x = 10.0 * (-2f64).exp();
        let z = solver.y()[1];
        assert!(rel_err(solver.y()[0], x) < 1e-7, "{method:?}");
        let own = Cubic::constraint(solver.y()[0], z);
        assert!(own.abs() < 1e-9, "{method:?}: constraint residual {own:e}");
        if method == Method::Rodas4 {
            // RODAS4 is accurate enough for z to satisfy the constraint
            // with the exact x; BDF's x error (≈ 1e-9 relative) is too large.
            assert!(Cubic::constraint(x, z).abs() < 1e-9, "constraint residual");
        }
    }
}

#[test]
fn consistent_init_is_a_noop_for_odes() {
    let mut y = [3.0];
    consistent_init(&mut UnitSlope, 0.0, &mut y, &Options::default()).unwrap();
    assert_eq!(y, [3.0]);
}

#[test]
fn consistent_init_reports_failure() {
    let mut sys = NoSolution::new();
    let mut y = [1.0, 0.3];
    let err = consistent_init(&mut sys, 0.0, &mut y, &Options::default()).unwrap_err();
    match err {
        SolverError::InconsistentInit { residual, .. } => assert!(residual >= 1.0),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn singular_iteration_matrix_is_an_error() {
    let mut sys = Undetermined::new();
    let mut solver = Rodas4::new(0.0, &[1.0, 0.0], Options::default());
    let err = integrate_to(&mut solver, &mut sys, 1.0, |_| {}).unwrap_err();
    assert!(matches!(err, SolverError::SingularMatrix { .. }), "{err:?}");
    assert!(err.to_string().contains("singular"));
}
