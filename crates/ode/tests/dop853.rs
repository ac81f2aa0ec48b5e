//! The explicit DOP853 solver against analytic solutions (steps, dense output), and the
//! automatic method (`Method::Auto`) on stiff problems with published reference values:
//! it must notice the stiffness, move to BDF and still be exact. Work counts go to the
//! test output.

#![allow(clippy::needless_range_loop)]

mod common;

use common::{
    check_robertson_40, opts, rel_err, run_with_history, show, Cosine, Decay, Hires, Robertson,
    RobertsonDae, ROBERTSON_Y0,
};
use her2sim_ode::{integrate_to, Bdf, Dop853, Integrator, Method, SolverError, Switching};

#[test]
fn decay_exact_with_few_steps() {
    let k = [1.0, 0.3];
    let mut sys = Decay::new(&k);
    let y0 = [1.0, 2.0];
    for rtol in [1e-6, 1e-10] {
        let mut solver = Dop853::new(0.0, &y0, opts(rtol, 1e-14));
        let segs = run_with_history(&mut solver, &mut sys, 10.0).unwrap();
        assert_eq!(solver.t(), 10.0);
        for i in 0..2 {
            let e = rel_err(solver.y()[i], sys.exact(i, &y0, 10.0));
            assert!(e < 50.0 * rtol, "rtol {rtol:e} comp {i}: rel error {e:e}");
        }
        let mut out = [0.0; 2];
        let mut worst = 0.0_f64;
        for seg in &segs {
            for frac in [0.2, 0.5, 0.9] {
                let tm = seg.t0 + frac * (seg.t1 - seg.t0);
                seg.eval(tm, &mut out);
                for i in 0..2 {
                    worst = worst.max(rel_err(out[i], sys.exact(i, &y0, tm)));
                }
            }
        }
        assert!(
            worst < 100.0 * rtol,
            "rtol {rtol:e}: dense output rel error {worst:e}"
        );
        show(&format!("DOP853 y'=-ky rtol {rtol:e}"), solver.stats());
        assert!(!solver.is_stiff());
    }
}

#[test]
fn cosine_takes_far_fewer_steps_than_bdf() {
    let mut dop = Dop853::new(0.0, &[0.0], opts(1e-10, 1e-14));
    let segs = run_with_history(&mut dop, &mut Cosine, 20.0).unwrap();
    let e = (dop.y()[0] - Cosine::exact(20.0)).abs();
    assert!(e < 1e-9, "y(20) error {e:e}");
    let worst = Cosine::worst_dense_error(&segs);
    assert!(worst < 1e-9, "dense output error {worst:e}");
    let mut bdf = Bdf::new(0.0, &[0.0], opts(1e-10, 1e-14));
    integrate_to(&mut bdf, &mut Cosine, 20.0, |_| {}).unwrap();
    let (d, b) = (dop.stats(), bdf.stats());
    show("DOP853 y'=cos t rtol 1e-10", d);
    show("BDF    y'=cos t rtol 1e-10", b);
    assert!(d.steps * 5 < b.steps, "DOP853 {d:?} vs BDF {b:?}");
}

#[test]
fn lands_on_stop_times_and_restarts() {
    let mut sys = Decay::new(&[2.0]);
    let mut solver = Dop853::new(0.0, &[1.0], opts(1e-9, 1e-14));
    for out in 1..=4 {
        integrate_to(&mut solver, &mut sys, out as f64 * 0.5, |_| {}).unwrap();
        assert_eq!(solver.t(), out as f64 * 0.5);
    }
    // A jump (as after an event) then more integration from the new state.
    solver.reset(2.0, &[3.0]);
    integrate_to(&mut solver, &mut sys, 3.0, |_| {}).unwrap();
    let exact = 3.0 * (-2.0_f64).exp();
    assert!(
        rel_err(solver.y()[0], exact) < 1e-8,
        "{} vs {exact}",
        solver.y()[0]
    );
}

#[test]
fn detects_stiffness_on_robertson() {
    let mut dop = Dop853::new(0.0, &ROBERTSON_Y0, opts(1e-8, 1e-14));
    let mut steps = 0;
    while !dop.is_stiff() && dop.t() < 40.0 {
        dop.step(&mut Robertson, 40.0).unwrap();
        steps += 1;
    }
    assert!(dop.is_stiff(), "no stiffness detected by t = {}", dop.t());
    assert!(steps < 500, "stiffness detected only after {steps} steps");
}

#[test]
fn auto_moves_robertson_to_bdf_and_stays_exact() {
    for rtol in [1e-8, 1e-10] {
        let mut auto = Switching::new(0.0, &ROBERTSON_Y0, opts(rtol, 1e-14));
        integrate_to(&mut auto, &mut Robertson, 40.0, |_| {}).unwrap();
        assert!(auto.is_stiff());
        check_robertson_40(auto.y(), "Auto");
        let mut bdf = Bdf::new(0.0, &ROBERTSON_Y0, opts(rtol, 1e-14));
        integrate_to(&mut bdf, &mut Robertson, 40.0, |_| {}).unwrap();
        let (a, b) = (auto.stats(), bdf.stats());
        show(&format!("Robertson rtol {rtol:e} Auto"), a);
        show(&format!("Robertson rtol {rtol:e} BDF "), b);
        // The explicit phase costs little next to the BDF work.
        assert!(a.steps < b.steps + 200, "Auto {a:?} vs BDF {b:?}");
    }
}

#[test]
fn auto_on_hires_matches_reference() {
    let mut auto = Integrator::new(Method::Auto, 0.0, &Hires::Y0, opts(1e-10, 1e-14));
    integrate_to(&mut auto, &mut Hires, Hires::T_END, |_| {}).unwrap();
    show("HIRES rtol 1e-10 Auto", auto.stats());
    for i in 0..8 {
        let e = rel_err(auto.y()[i], Hires::REFERENCE[i]);
        assert!(e < 1e-6, "component {i}: rel {e:e}");
    }
}

#[test]
fn auto_takes_algebraic_equations_to_bdf() {
    let mut sys = RobertsonDae::new();
    let mut auto = Integrator::new(Method::Auto, 0.0, &ROBERTSON_Y0, opts(1e-8, 1e-14));
    integrate_to(&mut auto, &mut sys, 40.0, |_| {}).unwrap();
    check_robertson_40(auto.y(), "Auto DAE");
    // The explicit method alone refuses them with a clear error.
    let mut dop = Dop853::new(0.0, &ROBERTSON_Y0, opts(1e-8, 1e-14));
    match dop.step(&mut sys, 1.0) {
        Err(SolverError::System { message, .. }) => assert!(message.contains("mass matrix")),
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn skipping_dense_output_changes_nothing_but_the_work() {
    let run = |dense_from: f64| {
        let mut dop = Dop853::new(0.0, &[0.0], opts(1e-10, 1e-14));
        dop.set_dense_from(dense_from);
        let mut with_segment = 0;
        while dop.t() < 20.0 {
            dop.step(&mut Cosine, 20.0).unwrap();
            if let Some(seg) = dop.last_segment() {
                assert!(seg.t1 >= dense_from);
                with_segment += 1;
            }
        }
        (dop.y()[0], dop.stats(), with_segment)
    };
    let (y_all, all, n_all) = run(f64::NEG_INFINITY);
    let (y_late, late, n_late) = run(15.0);
    assert_eq!(
        y_all, y_late,
        "the solution must not depend on the dense output"
    );
    assert_eq!(all.steps, late.steps);
    assert_eq!(n_all, all.steps);
    assert!(n_late < n_all / 2, "{n_late} segments of {n_all}");
    // Three stages fewer on every step without dense output.
    assert_eq!(all.rhs_evals - late.rhs_evals, 3 * (n_all - n_late));
}
