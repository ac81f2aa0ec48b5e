//! The BDF/NDF solver against analytic solutions and published reference
//! values, and against RODAS4 on stiff problems (work counts in the test
//! output); the `Integrator` switch; error paths.

// Parallel indexing of solution and reference arrays reads clearer here.
#![allow(clippy::needless_range_loop)]

use her2sim_ode::{
    consistent_init, integrate_to, Bdf, Integrator, Method, Options, Rodas4, Segment, SolverError,
    Stats, Stepper, System,
};
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

/// Integrates, keeping every accepted step's segment.
fn run_with_history<I: Stepper, S: System>(
    solver: &mut I,
    sys: &mut S,
    t_end: f64,
) -> Result<Vec<Segment>, SolverError> {
    let mut segs = Vec::new();
    integrate_to(solver, sys, t_end, |s| {
        if let Some(seg) = s.last_segment() {
            segs.push(seg.clone());
        }
    })?;
    Ok(segs)
}

/// y_i' = -k_i y_i, optionally with the analytic Jacobian.
struct Decay {
    k: Vec<f64>,
    analytic: bool,
}

impl System for Decay {
    fn dim(&self) -> usize {
        self.k.len()
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        for i in 0..y.len() {
            dy[i] = -self.k[i] * y[i];
        }
        Ok(())
    }
    fn jacobian(
        &mut self,
        _t: f64,
        _y: &[f64],
        jac: &mut DMatrix<f64>,
    ) -> Option<Result<(), String>> {
        if !self.analytic {
            return None;
        }
        for (i, k) in self.k.iter().enumerate() {
            jac[(i, i)] = -k;
        }
        Some(Ok(()))
    }
}

/// y' = cos(t): the solution sin(t) oscillates, f depends on t only.
struct Cosine;

impl System for Cosine {
    fn dim(&self) -> usize {
        1
    }
    fn rhs(&mut self, t: f64, _y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        dy[0] = t.cos();
        Ok(())
    }
}

/// Robertson's chemical kinetics, the classic stiff test problem.
struct Robertson;

impl System for Robertson {
    fn dim(&self) -> usize {
        3
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        dy[0] = -0.04 * y[0] + 1e4 * y[1] * y[2];
        dy[2] = 3e7 * y[1] * y[1];
        dy[1] = -dy[0] - dy[2];
        Ok(())
    }
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

/// Robertson at t = 40 (Hairer & Wanner, reference solution).
const ROBERTSON_40: [f64; 3] = [0.7158270687, 9.185534764e-6, 0.2841637457];

fn check_robertson_40(y: &[f64], what: &str) {
    for i in 0..3 {
        let e = rel_err(y[i], ROBERTSON_40[i]);
        assert!(
            e < 1e-7,
            "{what}: component {i}: {} vs {} (rel {e:e})",
            y[i],
            ROBERTSON_40[i]
        );
    }
}

fn show(what: &str, st: Stats) {
    eprintln!(
        "{what}: steps {} rejected {} rhs {} jac {} lu {}",
        st.steps, st.rejected, st.rhs_evals, st.jac_evals, st.lu_decomps
    );
}

#[test]
fn exponential_decay_and_midpoints() {
    let k = [1.0, 0.3];
    for analytic in [false, true] {
        let mut sys = Decay {
            k: k.to_vec(),
            analytic,
        };
        let y0 = [1.0, 2.0];
        let mut solver = Bdf::new(0.0, &y0, opts(1e-10, 1e-14));
        let mut segs = Vec::new();
        for out in 1..=10 {
            let t_out = out as f64;
            segs.extend(run_with_history(&mut solver, &mut sys, t_out).unwrap());
            assert_eq!(solver.t(), t_out, "must land exactly on the output time");
            for i in 0..2 {
                let exact = y0[i] * (-k[i] * t_out).exp();
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
                let exact = y0[i] * (-k[i] * tm).exp();
                worst = worst.max(rel_err(out[i], exact));
            }
            // The ends are the step values.
            seg.eval(seg.t1, &mut out);
            let exact = y0[0] * (-k[0] * seg.t1).exp();
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
    let e = (solver.y()[0] - 10f64.sin()).abs();
    show("BDF y'=cos t rtol 1e-10", solver.stats());
    assert!(e < 1e-8, "y(10) error {e:e}");
    let mut out = [0.0];
    let mut worst = 0.0_f64;
    for seg in &segs {
        for frac in [0.25, 0.5, 0.75] {
            let tm = seg.t0 + frac * (seg.t1 - seg.t0);
            seg.eval(tm, &mut out);
            worst = worst.max((out[0] - tm.sin()).abs());
        }
    }
    assert!(worst < 1e-7, "dense output error {worst:e}");
}

#[test]
fn robertson_compared_with_rodas4() {
    for rtol in [1e-8, 1e-10] {
        let mut bdf = Bdf::new(0.0, &[1.0, 0.0, 0.0], opts(rtol, 1e-14));
        let mut ros = Rodas4::new(0.0, &[1.0, 0.0, 0.0], opts(rtol, 1e-14));
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
    let mut solver = Bdf::new(0.0, &[1.0, 0.0, 0.0], opts(1e-8, 1e-14));
    integrate_to(&mut solver, &mut sys, 40.0, |_| {}).unwrap();
    check_robertson_40(solver.y(), "BDF DAE");
    let y = solver.y();
    assert!((y[0] + y[1] + y[2] - 1.0).abs() < 1e-13);
    show("Robertson DAE t=40 rtol 1e-8 BDF", solver.stats());
    integrate_to(&mut solver, &mut sys, 1e5, |_| {}).unwrap();
    show("Robertson DAE t=1e5 rtol 1e-8 BDF", solver.stats());
    let mut ode = Bdf::new(0.0, &[1.0, 0.0, 0.0], opts(1e-10, 1e-16));
    integrate_to(&mut ode, &mut Robertson, 1e5, |_| {}).unwrap();
    for i in 0..3 {
        let e = rel_err(solver.y()[i], ode.y()[i]);
        assert!(e < 1e-4, "t=1e5 component {i}: rel {e:e}");
    }
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
fn non_diagonal_singular_mass() {
    let mut sys = Coupled {
        m: DMatrix::from_row_slice(2, 2, &[1.0, 1.0, 0.0, 0.0]),
    };
    let mut y = [1.0, 0.0];
    consistent_init(&mut sys, 0.0, &mut y, &opts(1e-10, 1e-14)).unwrap();
    let mut solver = Bdf::new(0.0, &y, opts(1e-10, 1e-14));
    let mut worst_mid = 0.0_f64;
    let mut out = [0.0; 2];
    integrate_to(&mut solver, &mut sys, 5.0, |s| {
        let seg = s.last_segment().unwrap();
        let tm = 0.5 * (seg.t0 + seg.t1);
        seg.eval(tm, &mut out);
        let e = (-tm).exp();
        worst_mid = worst_mid
            .max(rel_err(out[0], 2.0 * e / 3.0))
            .max(rel_err(out[1], e / 3.0));
    })
    .unwrap();
    let s = (-5f64).exp();
    show("M = [[1,1],[0,0]] BDF", solver.stats());
    assert!(
        rel_err(solver.y()[0], 2.0 * s / 3.0) < 1e-8,
        "{:?}",
        solver.y()
    );
    assert!(rel_err(solver.y()[1], s / 3.0) < 1e-8, "{:?}", solver.y());
    assert!(worst_mid < 1e-7, "midpoints {worst_mid:e}");
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
    let mut solver = Bdf::new(0.0, &y0, opts(1e-10, 1e-14));
    integrate_to(&mut solver, &mut sys, 3.0, |_| {}).unwrap();
    for i in 0..3 {
        let e = rel_err(solver.y()[i], y0[i] * (a[i] * 3.0).exp());
        assert!(e < 1e-8, "component {i}: rel {e:e}");
    }
}

/// Van der Pol, y1' = y2, y2' = μ((1 − y1²)·y2) − y1, μ = 1000: stiff with
/// fast transitions twice per period (≈ 1614).
struct VanDerPol {
    mu: f64,
}

impl System for VanDerPol {
    fn dim(&self) -> usize {
        2
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        dy[0] = y[1];
        dy[1] = self.mu * (1.0 - y[0] * y[0]) * y[1] - y[0];
        Ok(())
    }
}

#[test]
fn van_der_pol_stiff() {
    let y0 = [2.0, 0.0];
    let mut reference = Rodas4::new(0.0, &y0, opts(1e-11, 1e-13));
    integrate_to(
        &mut reference,
        &mut VanDerPol { mu: 1000.0 },
        3000.0,
        |_| {},
    )
    .unwrap();
    show("Van der Pol μ=1000 RODAS4 rtol 1e-11", reference.stats());
    for rtol in [1e-6, 1e-9] {
        let mut bdf = Bdf::new(0.0, &y0, opts(rtol, rtol * 1e-2));
        integrate_to(&mut bdf, &mut VanDerPol { mu: 1000.0 }, 3000.0, |_| {}).unwrap();
        show(
            &format!("Van der Pol μ=1000 BDF rtol {rtol:e}"),
            bdf.stats(),
        );
        eprintln!("  y = {:?}, reference {:?}", bdf.y(), reference.y());
        if rtol <= 1e-9 {
            for i in 0..2 {
                let e = rel_err(bdf.y()[i], reference.y()[i]);
                assert!(e < 1e-4, "component {i}: rel {e:e}");
            }
        }
    }
}

/// OREGO, the Oregonator (Hairer & Wanner II, sect. IV.10): stiff and
/// oscillating, with sharp fronts every ≈ 60 time units.
struct Orego;

impl System for Orego {
    fn dim(&self) -> usize {
        3
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        dy[0] = 77.27 * (y[1] + y[0] * (1.0 - 8.375e-6 * y[0] - y[1]));
        dy[1] = (y[2] - (1.0 + y[0]) * y[1]) / 77.27;
        dy[2] = 0.161 * (y[0] - y[2]);
        Ok(())
    }
}

/// HIRES (Hairer & Wanner II, sect. IV.10): 8 species of a plant
/// physiology model, the kind of network her2sim integrates.
struct Hires;

impl System for Hires {
    fn dim(&self) -> usize {
        8
    }
    fn rhs(&mut self, _t: f64, y: &[f64], f: &mut [f64]) -> Result<(), String> {
        f[0] = -1.71 * y[0] + 0.43 * y[1] + 8.32 * y[2] + 0.0007;
        f[1] = 1.71 * y[0] - 8.75 * y[1];
        f[2] = -10.03 * y[2] + 0.43 * y[3] + 0.035 * y[4];
        f[3] = 8.32 * y[1] + 1.71 * y[2] - 1.12 * y[3];
        f[4] = -1.745 * y[4] + 0.43 * y[5] + 0.43 * y[6];
        f[5] = -280.0 * y[5] * y[7] + 0.69 * y[3] + 1.71 * y[4] - 0.43 * y[5] + 0.69 * y[6];
        f[6] = 280.0 * y[5] * y[7] - 1.81 * y[6];
        f[7] = -f[6];
        Ok(())
    }
}

#[test]
fn orego_and_hires_against_reference_solutions() {
    // Reference values from the IVP test set (Mazzia & Magherini, Bari).
    let orego = [
        0.1000814870318523e1,
        0.1228178521549917e4,
        0.1320554942846706e3,
    ];
    let hires = [
        0.7371312573325668e-3,
        0.1442485726316185e-3,
        0.5888729740967575e-4,
        0.1175651343283149e-2,
        0.2386356198831331e-2,
        0.6238968252742796e-2,
        0.2849998395185769e-2,
        0.2850001604814231e-2,
    ];
    for rtol in [1e-4, 1e-8] {
        let mut s = Bdf::new(0.0, &[1.0, 2.0, 3.0], opts(rtol, rtol * 1e-2));
        integrate_to(&mut s, &mut Orego, 360.0, |_| {}).unwrap();
        let e = (0..3)
            .map(|i| rel_err(s.y()[i], orego[i]))
            .fold(0.0, f64::max);
        show(
            &format!("OREGO rtol {rtol:e} BDF, error {e:.1e}"),
            s.stats(),
        );
        assert!(e < 100.0 * rtol, "OREGO rtol {rtol:e}: error {e:e}");
        // A stale Jacobian must not make the iteration accept unconverged
        // values (which once froze the step size: 18 000 steps at 1e-4).
        let max_steps = if rtol > 1e-6 { 2000 } else { 8000 };
        assert!(s.stats().steps < max_steps, "{:?}", s.stats());

        let y0 = [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0057];
        let mut s = Bdf::new(0.0, &y0, opts(rtol, rtol * 1e-4));
        integrate_to(&mut s, &mut Hires, 321.8122, |_| {}).unwrap();
        let e = (0..8)
            .map(|i| rel_err(s.y()[i], hires[i]))
            .fold(0.0, f64::max);
        show(
            &format!("HIRES rtol {rtol:e} BDF, error {e:.1e}"),
            s.stats(),
        );
        assert!(e < 100.0 * rtol, "HIRES rtol {rtol:e}: error {e:e}");
        assert!(s.stats().lu_decomps < 100, "{:?}", s.stats());
    }
}

#[test]
fn reset_after_a_jump() {
    let mut sys = Decay {
        k: vec![1.0],
        analytic: false,
    };
    let mut s = Bdf::new(0.0, &[1.0], opts(1e-10, 1e-14));
    let mut out = [0.0];
    s.interpolate(0.0, &mut out);
    assert_eq!(out[0], 1.0);
    assert!(s.last_segment().is_none());
    integrate_to(&mut s, &mut sys, 1.0, |_| {}).unwrap();
    assert!(s.last_segment().is_some());
    let y1 = s.y()[0];
    assert!(rel_err(y1, (-1f64).exp()) < 1e-8);
    assert!(s.order() > 1, "order {} after 1 time unit", s.order());
    s.reset(1.0, &[2.0 * y1]);
    assert!(s.last_segment().is_none());
    assert_eq!(s.order(), 1);
    s.interpolate(1.0, &mut out);
    assert_eq!(out[0], 2.0 * y1);
    integrate_to(&mut s, &mut sys, 2.0, |_| {}).unwrap();
    let e = rel_err(s.y()[0], 2.0 * (-2f64).exp());
    assert!(e < 1e-8, "rel error {e:e}");
}

#[test]
fn step_lands_on_t_stop_and_respects_max_step() {
    let mut sys = Decay {
        k: vec![0.1],
        analytic: false,
    };
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
    assert!(rel_err(s.y()[0], (-2.1f64).exp()) < 1e-5);
}

#[test]
fn many_output_times() {
    let mut sys = Decay {
        k: vec![1.0],
        analytic: true,
    };
    let mut one = Bdf::new(0.0, &[1.0], opts(1e-8, 1e-14));
    integrate_to(&mut one, &mut sys, 10.0, |_| {}).unwrap();
    let mut many = Bdf::new(0.0, &[1.0], opts(1e-8, 1e-14));
    for i in 1..=1000 {
        integrate_to(&mut many, &mut sys, i as f64 * 0.01, |_| {}).unwrap();
    }
    assert_eq!(many.t(), 10.0);
    assert!((many.y()[0] - (-10f64).exp()).abs() < 1e-9);
    show("y'=-y to 10, one call", one.stats());
    show("y'=-y to 10, 1000 calls", many.stats());
    assert!(many.stats().steps <= 1000 + 2 * one.stats().steps);
}

#[test]
fn integrator_switches_methods() {
    for method in [Method::Rodas4, Method::Bdf] {
        let mut s = Integrator::new(method, 0.0, &[1.0, 0.0, 0.0], opts(1e-8, 1e-14));
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

struct Failing;

impl System for Failing {
    fn dim(&self) -> usize {
        1
    }
    fn rhs(&mut self, t: f64, _y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        if t > 0.5 {
            return Err("division by zero in rate law".into());
        }
        dy[0] = 1.0;
        Ok(())
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

/// y' = 1/(1 − t): the solution −ln(1 − t) blows up at t = 1.
struct BlowUp;

impl System for BlowUp {
    fn dim(&self) -> usize {
        1
    }
    fn rhs(&mut self, t: f64, _y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        dy[0] = 1.0 / (1.0 - t);
        Ok(())
    }
}

/// y' = y²: finite-time blow-up at t = 1 for y(0) = 1 (state-dependent).
struct Quadratic;

impl System for Quadratic {
    fn dim(&self) -> usize {
        1
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        dy[0] = y[0] * y[0];
        Ok(())
    }
}

#[test]
fn blow_up_stops_cleanly() {
    for rtol in [1e-6, 1e-10] {
        let mut s = Bdf::new(0.0, &[0.0], opts(rtol, 1e-12));
        let err = integrate_to(&mut s, &mut BlowUp, 2.0, |_| {}).unwrap_err();
        assert!(
            matches!(
                err,
                SolverError::StepTooSmall { .. } | SolverError::NonFinite { .. }
            ),
            "{err:?}"
        );
        eprintln!(
            "BDF 1/(1-t) rtol {rtol}: {err} at t = {}, {:?}",
            s.t(),
            s.stats()
        );
        assert!(s.t() < 1.0 && s.t() > 0.99, "stopped at {}", s.t());

        let mut s = Bdf::new(0.0, &[1.0], opts(rtol, 1e-12));
        let err = integrate_to(&mut s, &mut Quadratic, 2.0, |_| {}).unwrap_err();
        assert!(
            matches!(
                err,
                SolverError::StepTooSmall { .. } | SolverError::NonFinite { .. }
            ),
            "{err:?}"
        );
        eprintln!(
            "BDF y'=y^2 rtol {rtol}: {err} at t = {}, {:?}",
            s.t(),
            s.stats()
        );
        assert!(s.t() < 1.0 + 1e-6, "stopped at {}", s.t());
    }
}

#[test]
fn too_many_steps_and_dimension_mismatch() {
    let mut sys = Decay {
        k: vec![1.0],
        analytic: false,
    };
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
    let mut solver = Bdf::new(0.0, &[1.0, 0.0], Options::default());
    let err = integrate_to(&mut solver, &mut sys, 1.0, |_| {}).unwrap_err();
    assert!(matches!(err, SolverError::SingularMatrix { .. }), "{err:?}");
}

/// y' = −√y: NaN once a step overshoots below zero (y reaches 0 at t = 2).
struct SqrtDecay;

impl System for SqrtDecay {
    fn dim(&self) -> usize {
        1
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        dy[0] = -y[0].sqrt();
        Ok(())
    }
}

#[test]
fn nan_regions_and_nonnegative_projection() {
    let o = Options {
        nonnegative: vec![true],
        ..opts(1e-8, 1e-12)
    };
    let mut s = Bdf::new(0.0, &[1.0], o);
    integrate_to(&mut s, &mut SqrtDecay, 1.0, |_| {}).unwrap();
    assert!(rel_err(s.y()[0], 0.25) < 1e-7, "{}", s.y()[0]);
    match integrate_to(&mut s, &mut SqrtDecay, 3.0, |_| {}) {
        Ok(()) => assert!(s.y()[0].abs() < 1e-6, "{}", s.y()[0]),
        Err(e) => {
            assert!(
                matches!(
                    e,
                    SolverError::NonFinite { .. } | SolverError::StepTooSmall { .. }
                ),
                "{e:?}"
            );
            assert!(s.t() > 1.9, "stopped early at {}", s.t());
        }
    }
    eprintln!(
        "BDF sqrt decay: t = {}, y = {:?}, {:?}",
        s.t(),
        s.y(),
        s.stats()
    );
}

#[test]
fn zero_and_empty_states() {
    let mut sys = Decay {
        k: vec![1.0, 2.0],
        analytic: false,
    };
    let mut s = Bdf::new(0.0, &[0.0, 0.0], opts(1e-8, 1e-14));
    integrate_to(&mut s, &mut sys, 100.0, |_| {}).unwrap();
    assert_eq!(s.y(), &[0.0, 0.0]);
    assert!(s.stats().steps < 100, "{:?}", s.stats());

    let mut empty = Decay {
        k: vec![],
        analytic: false,
    };
    let mut s = Bdf::new(0.0, &[], Options::default());
    integrate_to(&mut s, &mut empty, 3.0, |_| {}).unwrap();
    assert_eq!(s.t(), 3.0);
}

#[test]
fn tolerance_proportionality() {
    let err_at = |rtol: f64| {
        let mut sys = Decay {
            k: vec![1.0],
            analytic: false,
        };
        let mut s = Bdf::new(0.0, &[1.0], opts(rtol, rtol * 1e-4));
        integrate_to(&mut s, &mut sys, 5.0, |_| {}).unwrap();
        (s.y()[0] - (-5f64).exp()).abs() / (-5f64).exp()
    };
    let e6 = err_at(1e-6);
    let e10 = err_at(1e-10);
    eprintln!("BDF error at rtol 1e-6: {e6:e}, at 1e-10: {e10:e}");
    // A multistep method's global error is some multiple of the tolerance
    // (the local errors of many steps add up), but it must scale with it.
    assert!(e6 < 1e-4 && e10 < 1e-8, "{e6:e} {e10:e}");
    assert!(e6 / e10 > 300.0, "ratio {}", e6 / e10);
}
