//! Accuracy, order, dense output, stiffness and error handling on ODEs with
//! known solutions (the problems live in `common`). Checks that are not
//! specific to RODAS4 run for both solvers; their BDF counterparts with
//! BDF-specific limits are in `bdf.rs`.

// Parallel indexing of solution and reference arrays reads clearer here.
#![allow(clippy::needless_range_loop)]

mod common;

use common::{
    check_robertson_40, opts, rel_err, run_with_history, BlowUp, Cosine, Decay, Failing, Quadratic,
    Robertson, SqrtDecay, METHODS, ROBERTSON_Y0,
};
use her2sim_ode::{integrate_to, Integrator, Method, Options, Rodas4, SolverError, System};

#[test]
fn exponential_decay_is_accurate_at_outputs_and_midpoints() {
    let mut sys = Decay::new(&[1.0, 0.3]);
    let y0 = [1.0, 2.0];
    let mut solver = Rodas4::new(0.0, &y0, opts(1e-10, 1e-14));
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
    for seg in &segs {
        let tm = 0.5 * (seg.t0 + seg.t1);
        seg.eval(tm, &mut out);
        for i in 0..2 {
            let exact = sys.exact(i, &y0, tm);
            let e = rel_err(out[i], exact);
            assert!(e < 1e-8, "midpoint {tm} comp {i}: rel error {e}");
        }
    }
    let st = solver.stats();
    assert!(st.steps > 10 && st.steps < 2000, "{st:?}");
}

#[test]
fn dense_output_matches_step_accuracy_with_long_steps() {
    // Loose tolerance → long steps, where a wrong sign convention or wrong
    // coefficients in the dense formula would show up clearly.
    for (method, analytic) in METHODS.into_iter().flat_map(|m| [(m, false), (m, true)]) {
        let mut sys = Decay::with_jacobian(&[1.0], analytic);
        let mut solver = Integrator::new(method, 0.0, &[1.0], opts(1e-4, 1e-8));
        let segs = run_with_history(&mut solver, &mut sys, 10.0).unwrap();
        let mut worst_dense = 0.0_f64;
        let mut worst_linear = 0.0_f64;
        let mut worst_end = 0.0_f64;
        let mut out = [0.0];
        for seg in &segs {
            let (a, b) = ((-seg.t0).exp(), (-seg.t1).exp());
            seg.eval(seg.t1, &mut out);
            worst_end = worst_end.max((out[0] - b).abs());
            for frac in [0.25, 0.5, 0.75] {
                let tm = seg.t0 + frac * (seg.t1 - seg.t0);
                seg.eval(tm, &mut out);
                let exact = (-tm).exp();
                worst_dense = worst_dense.max((out[0] - exact).abs());
                let lin = a + frac * (b - a);
                worst_linear = worst_linear.max((lin - exact).abs());
            }
        }
        assert!(
            worst_dense < 10.0 * worst_end.max(1e-5),
            "{method:?}: dense {worst_dense:e} vs end-point error {worst_end:e}"
        );
        assert!(
            worst_dense < 0.1 * worst_linear,
            "{method:?}: dense {worst_dense:e} no better than linear {worst_linear:e}"
        );
    }
}

#[test]
fn analytic_jacobian_saves_evaluations_and_agrees() {
    let k = [2.0, 0.5, 7.0];
    let y0 = [1.0, 1.0, 1.0];
    for method in METHODS {
        let mut fd = Decay::with_jacobian(&k, false);
        let mut an = Decay::with_jacobian(&k, true);
        let mut s1 = Integrator::new(method, 0.0, &y0, opts(1e-8, 1e-12));
        let mut s2 = Integrator::new(method, 0.0, &y0, opts(1e-8, 1e-12));
        integrate_to(&mut s1, &mut fd, 3.0, |_| {}).unwrap();
        integrate_to(&mut s2, &mut an, 3.0, |_| {}).unwrap();
        for i in 0..3 {
            assert!((s1.y()[i] - s2.y()[i]).abs() < 1e-9, "{method:?}");
        }
        if method == Method::Rodas4 {
            let (a, b) = (s1.stats(), s2.stats());
            // 7 evaluations per step (autonomous) plus 3 per finite-difference
            // Jacobian.
            assert_eq!(b.rhs_evals + 3 * b.jac_evals, a.rhs_evals, "{a:?} {b:?}");
            assert_eq!(a.jac_evals, a.steps, "one Jacobian per accepted point");
        }
    }
}

#[test]
fn non_autonomous_cosine() {
    let mut solver = Rodas4::new(0.0, &[0.0], opts(1e-10, 1e-14));
    integrate_to(&mut solver, &mut Cosine, 10.0, |_| {}).unwrap();
    let e = (solver.y()[0] - Cosine::exact(10.0)).abs();
    eprintln!("y' = cos t: error at t = 10 {e:e}, {:?}", solver.stats());
    assert!(e < 1e-9, "y(10) error {e}");
    // Midpoint dense output also sees the time dependence.
    let seg = solver.last_segment().unwrap().clone();
    let tm = 0.5 * (seg.t0 + seg.t1);
    let mut out = [0.0];
    seg.eval(tm, &mut out);
    assert!((out[0] - Cosine::exact(tm)).abs() < 1e-8);
}

#[test]
fn robertson_to_40() {
    for method in METHODS {
        let mut solver = Integrator::new(method, 0.0, &ROBERTSON_Y0, opts(1e-8, 1e-14));
        integrate_to(&mut solver, &mut Robertson, 40.0, |_| {}).unwrap();
        check_robertson_40(solver.y(), &format!("{method:?}"));
        eprintln!("Robertson t=40 rtol 1e-8 {method:?}: {:?}", solver.stats());
    }
}

#[test]
fn robertson_long_run_is_cheap() {
    for method in METHODS {
        let mut solver = Integrator::new(method, 0.0, &ROBERTSON_Y0, opts(1e-8, 1e-14));
        integrate_to(&mut solver, &mut Robertson, 1e5, |_| {}).unwrap();
        let st = solver.stats();
        eprintln!("Robertson t=1e5 rtol 1e-8 {method:?}: {st:?}");
        assert!(st.steps < 2000, "{method:?}: {st:?}");
        let y = solver.y();
        assert!(((y[0] + y[1] + y[2]) - 1.0).abs() < 1e-10, "{method:?}");
        assert!(y.iter().all(|&v| v > 0.0), "{method:?}");
        // Compare with a much tighter run of the same method (self-consistency).
        let mut tight = Integrator::new(method, 0.0, &ROBERTSON_Y0, opts(1e-11, 1e-17));
        integrate_to(&mut tight, &mut Robertson, 1e5, |_| {}).unwrap();
        for i in 0..3 {
            let e = rel_err(y[i], tight.y()[i]);
            assert!(e < 1e-5, "{method:?} component {i}: rel {e:e}");
        }
        eprintln!("Robertson y(1e5) tight {method:?}: {:?}", tight.y());
    }
}

#[test]
fn tolerance_proportionality() {
    let err_at = |rtol: f64| {
        let mut sys = Decay::new(&[1.0]);
        let mut s = Rodas4::new(0.0, &[1.0], opts(rtol, rtol * 1e-4));
        integrate_to(&mut s, &mut sys, 5.0, |_| {}).unwrap();
        rel_err(s.y()[0], sys.exact(0, &[1.0], 5.0))
    };
    let e6 = err_at(1e-6);
    let e10 = err_at(1e-10);
    eprintln!("error at rtol 1e-6: {e6:e}, at 1e-10: {e10:e}");
    assert!(e6 < 1e-5 && e10 < 1e-9);
    let ratio = e6 / e10;
    assert!(ratio > 300.0 && ratio < 1e6, "ratio {ratio}");
}

#[test]
fn fixed_step_convergence_is_fourth_order() {
    let err_with = |h: f64| {
        let mut sys = Decay::new(&[1.0]);
        let o = Options {
            rtol: 1e3,
            atol: 1e3,
            max_step: h,
            initial_step: Some(h),
            ..Options::default()
        };
        let mut s = Rodas4::new(0.0, &[1.0], o);
        integrate_to(&mut s, &mut sys, 1.0, |_| {}).unwrap();
        let steps = s.stats().steps;
        assert_eq!(steps, (1.0 / h).round() as usize);
        (s.y()[0] - sys.exact(0, &[1.0], 1.0)).abs()
    };
    let e = [err_with(0.2), err_with(0.1), err_with(0.05)];
    eprintln!("fixed-step errors {e:?}");
    assert!(e[0] / e[1] > 12.0, "{e:?}");
    assert!(e[1] / e[2] > 12.0, "{e:?}");
}

#[test]
fn many_output_times_do_not_cost_many_extra_steps() {
    let mut sys = Decay::with_jacobian(&[1.0], true);
    let mut one = Rodas4::new(0.0, &[1.0], opts(1e-8, 1e-14));
    integrate_to(&mut one, &mut sys, 10.0, |_| {}).unwrap();
    let mut many = Rodas4::new(0.0, &[1.0], opts(1e-8, 1e-14));
    for i in 1..=1000 {
        integrate_to(&mut many, &mut sys, i as f64 * 0.01, |_| {}).unwrap();
    }
    assert_eq!(many.t(), 10.0);
    assert!((many.y()[0] - sys.exact(0, &[1.0], 10.0)).abs() < 1e-11);
    // Output every 0.01 forces at least 1000 steps; the step size must not
    // collapse because of the shortened steps.
    assert!(
        many.stats().steps <= 1000 + one.stats().steps,
        "{:?}",
        many.stats()
    );
    assert_eq!(many.stats().rejected, 0);
}

#[test]
fn max_step_is_respected() {
    let mut sys = Decay::new(&[0.1]);
    let o = Options {
        max_step: 0.25,
        ..opts(1e-6, 1e-12)
    };
    let mut s = Rodas4::new(0.0, &[1.0], o);
    let mut widest = 0.0_f64;
    integrate_to(&mut s, &mut sys, 20.0, |s| {
        let seg = s.last_segment().unwrap();
        widest = widest.max(seg.t1 - seg.t0);
    })
    .unwrap();
    assert!(widest <= 0.25 * 1.0001, "widest step {widest}");
    assert!(s.stats().steps >= 80);
    s.set_max_step(0.05);
    integrate_to(&mut s, &mut sys, 21.0, |s| {
        let seg = s.last_segment().unwrap();
        assert!(seg.t1 - seg.t0 <= 0.05 * 1.0001);
    })
    .unwrap();
}

#[test]
fn reset_forgets_history() {
    let mut sys = Decay::new(&[1.0]);
    let mut s = Rodas4::new(0.0, &[1.0], opts(1e-8, 1e-12));
    let mut out = [0.0];
    s.interpolate(0.0, &mut out);
    assert_eq!(out[0], 1.0);
    assert!(s.last_segment().is_none());
    integrate_to(&mut s, &mut sys, 1.0, |_| {}).unwrap();
    assert!(s.last_segment().is_some());
    // A jump (event): y → 5 at t = 1.
    s.reset(1.0, &[5.0]);
    assert!(s.last_segment().is_none());
    s.interpolate(1.0, &mut out);
    assert_eq!(out[0], 5.0);
    integrate_to(&mut s, &mut sys, 2.0, |_| {}).unwrap();
    assert!(rel_err(s.y()[0], sys.exact(0, &[5.0], 1.0)) < 1e-7);
}

#[test]
fn step_does_not_pass_t_stop_and_is_a_no_op_at_it() {
    let mut sys = Decay::new(&[1.0]);
    let mut s = Rodas4::new(0.0, &[1.0], opts(1e-6, 1e-12));
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
}

#[test]
fn zero_and_empty_states() {
    // y = 0 and f = 0 everywhere: the initial-step heuristic must cope.
    let mut sys = Decay::new(&[1.0, 2.0]);
    let mut s = Rodas4::new(0.0, &[0.0, 0.0], opts(1e-8, 1e-14));
    integrate_to(&mut s, &mut sys, 100.0, |_| {}).unwrap();
    assert_eq!(s.y(), &[0.0, 0.0]);
    assert!(s.stats().steps < 50, "{:?}", s.stats());

    let mut empty = Decay::new(&[]);
    let mut s = Rodas4::new(0.0, &[], Options::default());
    integrate_to(&mut s, &mut empty, 3.0, |_| {}).unwrap();
    assert_eq!(s.t(), 3.0);
}

#[test]
fn system_error_is_reported() {
    let mut s = Rodas4::new(0.0, &[0.0], Options::default());
    let err = integrate_to(&mut s, &mut Failing, 1.0, |_| {}).unwrap_err();
    match &err {
        SolverError::System { t, message } => {
            assert!(*t > 0.5 && *t <= 1.0);
            assert!(message.contains("division by zero"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("model evaluation failed"));
}

/// Integrates `sys` from y(0) = `y0` towards t = 2 past its pole at t = 1
/// with either solver at two tolerances; each run must stop with
/// `StepTooSmall` or `NonFinite`. Returns (method, time stopped at) per run.
fn run_into_pole<S: System>(sys: &mut S, y0: f64, what: &str) -> Vec<(Method, f64)> {
    let mut stops = Vec::new();
    for (method, rtol) in METHODS.into_iter().flat_map(|m| [(m, 1e-6), (m, 1e-10)]) {
        let mut s = Integrator::new(method, 0.0, &[y0], opts(rtol, 1e-12));
        let err = integrate_to(&mut s, sys, 2.0, |_| {}).unwrap_err();
        assert!(
            matches!(
                err,
                SolverError::StepTooSmall { .. } | SolverError::NonFinite { .. }
            ),
            "{method:?}: {err:?}"
        );
        eprintln!(
            "{method:?} {what} rtol {rtol}: {err} at t = {}, {:?}, y = {:?}",
            s.t(),
            s.stats(),
            s.y()
        );
        stops.push((method, s.t()));
    }
    stops
}

#[test]
fn pole_in_t_stops_cleanly() {
    for (method, t) in run_into_pole(&mut BlowUp, 0.0, "1/(1-t)") {
        assert!(t < 1.0 && t > 0.99, "{method:?} stopped at {t}");
    }
}

#[test]
fn quadratic_blow_up_stops_cleanly() {
    for (method, t) in run_into_pole(&mut Quadratic, 1.0, "y'=y^2") {
        // Implicit methods may step across the pole (the continuation
        // through infinity), but must stop right there.
        assert!(t < 1.0 + 1e-6, "{method:?} stopped at {t}");
    }
}

#[test]
fn too_many_steps() {
    let mut sys = Decay::new(&[1.0]);
    let o = Options {
        max_steps: 10,
        ..opts(1e-12, 1e-14)
    };
    let mut s = Rodas4::new(0.0, &[1.0], o);
    let err = integrate_to(&mut s, &mut sys, 100.0, |_| {}).unwrap_err();
    assert!(
        matches!(err, SolverError::TooManySteps { steps: 10, .. }),
        "{err:?}"
    );
    // The budget restarts with each integrate_to call.
    let t_next = s.t() + 1e-3;
    assert!(integrate_to(&mut s, &mut sys, t_next, |_| {}).is_ok());
}

#[test]
fn dimension_mismatch_is_an_error_not_a_panic() {
    let mut sys = Decay::new(&[1.0, 2.0]);
    let mut s = Rodas4::new(0.0, &[1.0], Options::default());
    assert!(matches!(
        s.step(&mut sys, 1.0),
        Err(SolverError::System { .. })
    ));
}

/// y' = −√y with either solver, with or without the non-negativity
/// projection: accurate up to t = 1, then beyond t = 2 (where the exact
/// solution stays at 0) the solver either gets there or stops with an error,
/// but neither panics nor hangs.
fn check_sqrt_decay(nonnegative: bool) {
    for method in METHODS {
        let o = Options {
            nonnegative: vec![nonnegative],
            ..opts(1e-8, 1e-12)
        };
        let mut s = Integrator::new(method, 0.0, &SqrtDecay::Y0, o);
        integrate_to(&mut s, &mut SqrtDecay, 1.0, |_| {}).unwrap();
        assert!(
            rel_err(s.y()[0], SqrtDecay::Y_AT_1) < 1e-7,
            "{method:?}: {}",
            s.y()[0]
        );
        match integrate_to(&mut s, &mut SqrtDecay, 3.0, |_| {}) {
            Ok(()) => assert!(s.y()[0].abs() < 1e-6, "{method:?}: {}", s.y()[0]),
            Err(e) => {
                assert!(
                    matches!(
                        e,
                        SolverError::NonFinite { .. } | SolverError::StepTooSmall { .. }
                    ),
                    "{method:?}: {e:?}"
                );
                assert!(s.t() > 1.9, "{method:?} stopped early at {}", s.t());
            }
        }
        eprintln!(
            "{method:?} sqrt decay, nonnegative {nonnegative}: t = {}, y = {:?}, {:?}",
            s.t(),
            s.y(),
            s.stats()
        );
    }
}

#[test]
fn nan_regions_are_backed_away_from() {
    check_sqrt_decay(false);
}

#[test]
fn nan_regions_and_nonnegative_projection() {
    check_sqrt_decay(true);
}
