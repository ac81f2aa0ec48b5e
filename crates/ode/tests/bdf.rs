//! The BDF/NDF solver against analytic solutions and published reference
//! values (the problems live in `common`), and against RODAS4 on stiff
//! problems (work counts in the test output); the `Integrator` switch; error
//! paths. Reference-value checks that make sense for both solvers loop over
//! them.

// Parallel indexing of solution and reference arrays reads clearer here.
#![allow(clippy::needless_range_loop)]

mod common;

use common::{
    check_robertson_40, opts, rel_err, run_with_history, show, Cosine, Coupled, Decay, Failing,
    Hires, Orego, Robertson, RobertsonDae, Transformed, Undetermined, VanDerPol, METHODS,
    ROBERTSON_40, ROBERTSON_Y0,
};
use her2sim_ode::{
    consistent_init, integrate_to, Bdf, Integrator, Method, Options, Rodas4, SolverError,
};

#[test]
fn exponential_decay_and_midpoints() {
    let k = [1.0, 0.3];
    for analytic in [false, true] {
        let mut sys = Decay::with_jacobian(&k, analytic);
        let y0 = [1.0, 2.0];
        let mut solver = Bdf::new(0.0, &y0, opts(1e-10, 1e-14));
        let mut segs = Vec::new();
        for out in 1..=10 {
            let t_out = out as f64;
            segs.extend(run_with_history(&mut solver, &mut sys, t_out).unwrap());
            assert_eq!(solver.t(), t_out, "must land exactly on the output time");
            for i in 0..2 {
                let exact = sys.exact(i, &y0, t_out);
                let e = rel_err(solver.y()[i], exact);
                assert!(e < 1e-8, "t={t_out} comp {i}: rel error {e}");
            }
        }
        let mut out = [0.0; 2];
        let mut worst = 0.0_f64;
        for seg in &segs {
            assert_eq!(seg.dim(), 2);
            let tm = 0.5 * (seg.t0 + seg.t1);
            seg.eval(tm, &mut out);
            for i in 0..2 {
                let exact = sys.exact(i, &y0, tm);
                worst = worst.max(rel_err(out[i], exact));
            }
            // The ends are the step values.
            seg.eval(seg.t1, &mut out);
            let exact = sys.exact(0, &y0, seg.t1);
            assert!(rel_err(out[0], exact) < 1e-8);
        }
        assert!(worst < 1e-7, "midpoints: rel error {worst:e}");
        let st = solver.stats();
        show("BDF y'=-ky rtol 1e-10", st);
        assert!(st.steps > 10 && st.steps < 3000, "{st:?}");
        // The Jacobian is constant: it never needs refreshing.
        assert!(st.jac_evals <= 3, "{st:?}");
    }
}

#[test]
fn cosine_and_dense_output() {
    let mut solver = Bdf::new(0.0, &[0.0], opts(1e-10, 1e-14));
    let segs = run_with_history(&mut solver, &mut Cosine, 10.0).unwrap();
    let e = (solver.y()[0] - Cosine::exact(10.0)).abs();
    show("BDF y'=cos t rtol 1e-10", solver.stats());
    assert!(e < 1e-8, "y(10) error {e:e}");
    let worst = Cosine::worst_dense_error(&segs);
    assert!(worst < 1e-7, "dense output error {worst:e}");
}

#[test]
fn robertson_compared_with_rodas4() {
    for rtol in [1e-8, 1e-10] {
        let mut bdf = Bdf::new(0.0, &ROBERTSON_Y0, opts(rtol, 1e-14));
        let mut ros = Rodas4::new(0.0, &ROBERTSON_Y0, opts(rtol, 1e-14));
        integrate_to(&mut bdf, &mut Robertson, 40.0, |_| {}).unwrap();
        integrate_to(&mut ros, &mut Robertson, 40.0, |_| {}).unwrap();
        check_robertson_40(bdf.y(), "BDF");
        let (b, r) = (bdf.stats(), ros.stats());
        show(&format!("Robertson t=40  rtol {rtol:e} BDF   "), b);
        show(&format!("Robertson t=40  rtol {rtol:e} RODAS4"), r);
        if rtol <= 1e-10 {
            assert!(b.steps * 3 < r.steps, "steps: BDF {b:?} vs RODAS4 {r:?}");
        }
        integrate_to(&mut bdf, &mut Robertson, 1e5, |_| {}).unwrap();
        integrate_to(&mut ros, &mut Robertson, 1e5, |_| {}).unwrap();
        let (b, r) = (bdf.stats(), ros.stats());
        show(&format!("Robertson t=1e5 rtol {rtol:e} BDF   "), b);
        show(&format!("Robertson t=1e5 rtol {rtol:e} RODAS4"), r);
        for i in 0..3 {
            let e = rel_err(bdf.y()[i], ros.y()[i]);
            assert!(e < 1e-4, "t=1e5 component {i}: rel {e:e}");
        }
        assert!(((bdf.y().iter().sum::<f64>()) - 1.0).abs() < 1e-9);
        // The point of BDF: Jacobians and factorisations are reused.
        assert!(
            b.lu_decomps * 5 < r.lu_decomps,
            "LU decompositions: BDF {b:?} vs RODAS4 {r:?}"
        );
        assert!(b.jac_evals * 20 < r.jac_evals, "{b:?} vs {r:?}");
        assert!(b.rhs_evals * 3 < r.rhs_evals, "{b:?} vs {r:?}");
        if rtol <= 1e-10 {
            assert!(b.steps * 2 < r.steps, "steps: BDF {b:?} vs RODAS4 {r:?}");
        }
    }
}

#[test]
fn robertson_dae() {
    let mut sys = RobertsonDae::new();
    let mut solver = Bdf::new(0.0, &ROBERTSON_Y0, opts(1e-8, 1e-14));
    integrate_to(&mut solver, &mut sys, 40.0, |_| {}).unwrap();
    check_robertson_40(solver.y(), "BDF DAE");
    let y = solver.y();
    assert!((y[0] + y[1] + y[2] - 1.0).abs() < 1e-13);
    show("Robertson DAE t=40 rtol 1e-8 BDF", solver.stats());
    integrate_to(&mut solver, &mut sys, 1e5, |_| {}).unwrap();
    show("Robertson DAE t=1e5 rtol 1e-8 BDF", solver.stats());
    let mut ode = Bdf::new(0.0, &ROBERTSON_Y0, opts(1e-10, 1e-16));
    integrate_to(&mut ode, &mut Robertson, 1e5, |_| {}).unwrap();
    for i in 0..3 {
        let e = rel_err(solver.y()[i], ode.y()[i]);
        assert!(e < 1e-4, "t=1e5 component {i}: rel {e:e}");
    }
}

#[test]
fn non_diagonal_singular_mass() {
    let mut sys = Coupled::new();
    let mut y = Coupled::Y0_INCONSISTENT;
    consistent_init(&mut sys, 0.0, &mut y, &opts(1e-10, 1e-14)).unwrap();
    let mut solver = Bdf::new(0.0, &y, opts(1e-10, 1e-14));
    let mut worst_mid = 0.0_f64;
    let mut out = [0.0; 2];
    integrate_to(&mut solver, &mut sys, 5.0, |s| {
        let seg = s.last_segment().unwrap();
        let tm = 0.5 * (seg.t0 + seg.t1);
        seg.eval(tm, &mut out);
        let [u, v] = Coupled::exact(tm);
        worst_mid = worst_mid.max(rel_err(out[0], u)).max(rel_err(out[1], v));
    })
    .unwrap();
    let [u, v] = Coupled::exact(5.0);
    show("M = [[1,1],[0,0]] BDF", solver.stats());
    assert!(rel_err(solver.y()[0], u) < 1e-8, "{:?}", solver.y());
    assert!(rel_err(solver.y()[1], v) < 1e-8, "{:?}", solver.y());
    assert!(worst_mid < 1e-7, "midpoints {worst_mid:e}");
}

#[test]
fn non_diagonal_invertible_mass() {
    let mut sys = Transformed::new();
    let mut solver = Bdf::new(0.0, &Transformed::Y0, opts(1e-10, 1e-14));
    integrate_to(&mut solver, &mut sys, 3.0, |_| {}).unwrap();
    for i in 0..3 {
        let e = rel_err(solver.y()[i], Transformed::exact(i, 3.0));
        assert!(e < 1e-8, "component {i}: rel {e:e}");
    }
}

#[test]
fn van_der_pol_stiff() {
    let y0 = VanDerPol::Y0;
    let mut reference = Rodas4::new(0.0, &y0, opts(1e-11, 1e-13));
    integrate_to(
        &mut reference,
        &mut VanDerPol { mu: 1000.0 },
        3000.0,
        |_| {},
    )
    .unwrap();
    show("Van der Pol μ=1000 RODAS4 rtol 1e-11", reference.stats());
    for (method, rtol) in METHODS.into_iter().flat_map(|m| [(m, 1e-6), (m, 1e-9)]) {
        let mut s = Integrator::new(method, 0.0, &y0, opts(rtol, rtol * 1e-2));
        integrate_to(&mut s, &mut VanDerPol { mu: 1000.0 }, 3000.0, |_| {}).unwrap();
        show(
            &format!("Van der Pol μ=1000 {method:?} rtol {rtol:e}"),
            s.stats(),
        );
        eprintln!("  y = {:?}, reference {:?}", s.y(), reference.y());
        if rtol <= 1e-9 {
            for i in 0..2 {
                let e = rel_err(s.y()[i], reference.y()[i]);
                assert!(e < 1e-4, "{method:?} component {i}: rel {e:e}");
            }
        }
    }
}

#[test]
fn orego_against_reference_solution() {
    for (method, rtol) in METHODS.into_iter().flat_map(|m| [(m, 1e-4), (m, 1e-8)]) {
        let mut s = Integrator::new(method, 0.0, &Orego::Y0, opts(rtol, rtol * 1e-2));
        integrate_to(&mut s, &mut Orego, Orego::T_END, |_| {}).unwrap();
        let e = (0..3)
            .map(|i| rel_err(s.y()[i], Orego::REFERENCE[i]))
            .fold(0.0, f64::max);
        show(
            &format!("OREGO rtol {rtol:e} {method:?}, error {e:.1e}"),
            s.stats(),
        );
        assert!(
            e < 100.0 * rtol,
            "OREGO {method:?} rtol {rtol:e}: error {e:e}"
        );
        if method == Method::Bdf {
            // A stale Jacobian must not make the iteration accept unconverged
            // values (which once froze the step size: 18 000 steps at 1e-4).
            let max_steps = if rtol > 1e-6 { 2000 } else { 8000 };
            assert!(s.stats().steps < max_steps, "{:?}", s.stats());
        }
    }
}

#[test]
fn hires_against_reference_solution() {
    for (method, rtol) in METHODS.into_iter().flat_map(|m| [(m, 1e-4), (m, 1e-8)]) {
        let mut s = Integrator::new(method, 0.0, &Hires::Y0, opts(rtol, rtol * 1e-4));
        integrate_to(&mut s, &mut Hires, Hires::T_END, |_| {}).unwrap();
        let e = (0..8)
            .map(|i| rel_err(s.y()[i], Hires::REFERENCE[i]))
            .fold(0.0, f64::max);
        show(
            &format!("HIRES rtol {rtol:e} {method:?}, error {e:.1e}"),
            s.stats(),
        );
        assert!(
            e < 100.0 * rtol,
            "HIRES {method:?} rtol {rtol:e}: error {e:e}"
        );
        if method == Method::Bdf {
            // Jacobian and LU reuse.
            assert!(s.stats().lu_decomps < 100, "{:?}", s.stats());
        }
    }
}

#[test]
fn reset_after_a_jump() {
    let mut sys = Decay::new(&[1.0]);
    let mut s = Bdf::new(0.0, &[1.0], opts(1e-10, 1e-14));
    let mut out = [0.0];
    s.interpolate(0.0, &mut out);
    assert_eq!(out[0], 1.0);
    assert!(s.last_segment().is_none());
    integrate_to(&mut s, &mut sys, 1.0, |_| {}).unwrap();
    assert!(s.last_segment().is_some());
    let y1 = s.y()[0];
    assert!(rel_err(y1, sys.exact(0, &[1.0], 1.0)) < 1e-8);
    assert!(s.order() > 1, "order {} after 1 time unit", s.order());
    s.reset(1.0, &[2.0 * y1]);
    assert!(s.last_segment().is_none());
    assert_eq!(s.order(), 1);
    s.interpolate(1.0, &mut out);
    assert_eq!(out[0], 2.0 * y1);
    integrate_to(&mut s, &mut sys, 2.0, |_| {}).unwrap();
    let e = rel_err(s.y()[0], sys.exact(0, &[2.0], 2.0));
    assert!(e < 1e-8, "rel error {e:e}");
}

#[test]
fn step_lands_on_t_stop_and_respects_max_step() {
    let mut sys = Decay::new(&[0.1]);
    let o = Options {
        max_step: 0.25,
        ..opts(1e-6, 1e-12)
    };
    let mut s = Bdf::new(0.0, &[1.0], o);
    let t_stop = 0.1 + 0.2; // not a "nice" float
    while s.t() < t_stop {
        s.step(&mut sys, t_stop).unwrap();
        assert!(s.t() <= t_stop);
    }
    assert_eq!(s.t(), t_stop);
    let steps = s.stats().steps;
    s.step(&mut sys, t_stop).unwrap();
    s.step(&mut sys, 0.0).unwrap();
    assert_eq!(s.stats().steps, steps);
    let mut widest = 0.0_f64;
    integrate_to(&mut s, &mut sys, 20.0, |s| {
        let seg = s.last_segment().unwrap();
        widest = widest.max(seg.t1 - seg.t0);
    })
    .unwrap();
    assert!(widest <= 0.25 * 1.0001, "widest step {widest}");
    s.set_max_step(0.05);
    integrate_to(&mut s, &mut sys, 21.0, |s| {
        let seg = s.last_segment().unwrap();
        assert!(seg.t1 - seg.t0 <= 0.05 * 1.0001);
    })
    .unwrap();
    assert!(rel_err(s.y()[0], sys.exact(0, &[1.0], 21.0)) < 1e-5);
}

#[test]
fn many_output_times() {
    let mut sys = Decay::with_jacobian(&[1.0], true);
    let mut one = Bdf::new(0.0, &[1.0], opts(1e-8, 1e-14));
    integrate_to(&mut one, &mut sys, 10.0, |_| {}).unwrap();
    let mut many = Bdf::new(0.0, &[1.0], opts(1e-8, 1e-14));
    for i in 1..=1000 {
        integrate_to(&mut many, &mut sys, i as f64 * 0.01, |_| {}).unwrap();
    }
    assert_eq!(many.t(), 10.0);
    assert!((many.y()[0] - sys.exact(0, &[1.0], 10.0)).abs() < 1e-9);
    show("y'=-y to 10, one call", one.stats());
    show("y'=-y to 10, 1000 calls", many.stats());
    assert!(many.stats().steps <= 1000 + 2 * one.stats().steps);
}

#[test]
fn integrator_switches_methods() {
    for method in [Method::Rodas4, Method::Bdf] {
        let mut s = Integrator::new(method, 0.0, &ROBERTSON_Y0, opts(1e-8, 1e-14));
        assert_eq!(s.method(), method);
        assert_eq!(s.options().rtol, 1e-8);
        let segs = run_with_history(&mut s, &mut Robertson, 40.0).unwrap();
        check_robertson_40(s.y(), &format!("{method:?}"));
        assert_eq!(segs.len(), s.stats().steps);
        // The history is continuous: each segment starts where the last ended.
        let mut a = [0.0; 3];
        let mut b = [0.0; 3];
        for w in segs.windows(2) {
            assert_eq!(w[0].t1, w[1].t0);
            w[0].eval(w[0].t1, &mut a);
            w[1].eval(w[1].t0, &mut b);
            for i in 0..3 {
                assert!((a[i] - b[i]).abs() <= 1e-12 * a[i].abs().max(1e-10));
            }
        }
        let mut out = [0.0; 3];
        s.interpolate(s.t(), &mut out);
        assert_eq!(&out, s.y());
        s.reset(40.0, &ROBERTSON_40);
        s.set_max_step(1.0);
        s.reset_step_budget();
        s.step(&mut Robertson, 50.0).unwrap();
        assert!(s.t() > 40.0 && s.t() <= 41.0);
    }
}

#[test]
fn system_error_is_reported() {
    let mut s = Bdf::new(0.0, &[0.0], Options::default());
    let err = integrate_to(&mut s, &mut Failing, 1.0, |_| {}).unwrap_err();
    match &err {
        SolverError::System { t, message } => {
            assert!(*t > 0.5 && *t <= 1.0);
            assert!(message.contains("division by zero"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn too_many_steps_and_dimension_mismatch() {
    let mut sys = Decay::new(&[1.0]);
    let o = Options {
        max_steps: 10,
        ..opts(1e-12, 1e-14)
    };
    let mut s = Bdf::new(0.0, &[1.0], o);
    let err = integrate_to(&mut s, &mut sys, 100.0, |_| {}).unwrap_err();
    assert!(
        matches!(err, SolverError::TooManySteps { steps: 10, .. }),
        "{err:?}"
    );
    let mut s = Bdf::new(0.0, &[1.0, 2.0], Options::default());
    assert!(matches!(
        s.step(&mut sys, 1.0),
        Err(SolverError::System { .. })
    ));
}

#[test]
fn singular_iteration_matrix_is_an_error() {
    let mut sys = Undetermined::new();
    let mut solver = Bdf::new(0.0, &[1.0, 0.0], Options::default());
    let err = integrate_to(&mut solver, &mut sys, 1.0, |_| {}).unwrap_err();
    assert!(matches!(err, SolverError::SingularMatrix { .. }), "{err:?}");
}

#[test]
fn zero_and_empty_states() {
    let mut sys = Decay::new(&[1.0, 2.0]);
    let mut s = Bdf::new(0.0, &[0.0, 0.0], opts(1e-8, 1e-14));
    integrate_to(&mut s, &mut sys, 100.0, |_| {}).unwrap();
    assert_eq!(s.y(), &[0.0, 0.0]);
    assert!(s.stats().steps < 100, "{:?}", s.stats());

    let mut empty = Decay::new(&[]);
    let mut s = Bdf::new(0.0, &[], Options::default());
    integrate_to(&mut s, &mut empty, 3.0, |_| {}).unwrap();
    assert_eq!(s.t(), 3.0);
}

#[test]
fn tolerance_proportionality() {
    let err_at = |rtol: f64| {
        let mut sys = Decay::new(&[1.0]);
        let mut s = Bdf::new(0.0, &[1.0], opts(rtol, rtol * 1e-4));
        integrate_to(&mut s, &mut sys, 5.0, |_| {}).unwrap();
        rel_err(s.y()[0], sys.exact(0, &[1.0], 5.0))
    };
    let e6 = err_at(1e-6);
    let e10 = err_at(1e-10);
    eprintln!("BDF error at rtol 1e-6: {e6:e}, at 1e-10: {e10:e}");
    // A multistep method's global error is some multiple of the tolerance
    // (the local errors of many steps add up), but it must scale with it.
    assert!(e6 < 1e-4 && e10 < 1e-8, "{e6:e} {e10:e}");
    assert!(e6 / e10 > 300.0, "ratio {}", e6 / e10);
}
