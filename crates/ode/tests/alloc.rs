//! `step` of either solver (RODAS4, BDF) must not allocate once the solver
//! exists (it runs millions of times per test-suite pass). A counting global allocator checks that;
//! this binary holds a single test so no other thread allocates meanwhile.

use std::alloc::{GlobalAlloc, Layout, System as SysAlloc};
use std::sync::atomic::{AtomicUsize, Ordering};

use her2sim_ode::{Integrator, Method, Options, System};
use nalgebra::DMatrix;

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { SysAlloc.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { SysAlloc.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { SysAlloc.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Robertson as an ODE or, with a mass matrix, as a DAE whose third row is
/// the conservation law; the test runs identity, diagonal and full M.
#[derive(Clone)]
struct Rober {
    m: Option<DMatrix<f64>>,
}

impl System for Rober {
    fn dim(&self) -> usize {
        3
    }
    fn rhs(&mut self, t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        // A tiny explicit time dependence exercises the ∂f/∂t path.
        dy[0] = -0.04 * y[0] + 1e4 * y[1] * y[2] + 1e-9 * t.sin();
        dy[1] = 0.04 * y[0] - 1e4 * y[1] * y[2] - 3e7 * y[1] * y[1];
        dy[2] = if self.m.is_some() {
            y[0] + y[1] + y[2] - 1.0
        } else {
            3e7 * y[1] * y[1]
        };
        Ok(())
    }
    fn mass(&self) -> Option<&DMatrix<f64>> {
        self.m.as_ref()
    }
}

#[test]
fn steps_do_not_allocate() {
    let systems = [
        Rober { m: None },
        Rober {
            m: Some(DMatrix::from_row_slice(
                3,
                3,
                &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
            )),
        },
        // Non-diagonal: rows 1 and 2 mixed (an invertible change of
        // variables of the differential part).
        Rober {
            m: Some(DMatrix::from_row_slice(
                3,
                3,
                &[1.0, 0.5, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
            )),
        },
    ];
    for (mut sys, method) in systems
        .into_iter()
        .flat_map(|s| [(s.clone(), Method::Rodas4), (s, Method::Bdf)])
    {
        let opts = Options {
            rtol: 1e-8,
            atol: 1e-14,
            ..Options::default()
        };
        let at_start = ALLOCATIONS.load(Ordering::Relaxed);
        let mut solver = Integrator::new(method, 0.0, &[1.0, 0.0, 0.0], opts);
        // The counter works: construction allocates the work storage.
        assert!(ALLOCATIONS.load(Ordering::Relaxed) > at_start);
        // The first call may set things up; afterwards no allocation.
        solver.step(&mut sys, 1e5).unwrap();
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        let mut out = [0.0; 3];
        for _ in 0..200 {
            solver.step(&mut sys, 1e5).unwrap();
            solver.interpolate(solver.t(), &mut out);
        }
        solver.reset(solver.t(), &out);
        for _ in 0..20 {
            solver.step(&mut sys, 1e5).unwrap();
        }
        let after = ALLOCATIONS.load(Ordering::Relaxed);
        assert_eq!(after, before, "{method:?}: step() allocated");
        assert!(solver.stats().steps > 200);
    }
}
