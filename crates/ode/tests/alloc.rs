//! `step` of every solver (RODAS4, BDF, the automatic DOP853/BDF) must not allocate once the solver
//! exists (it runs millions of times per test-suite pass). A counting global allocator checks that;
//! this binary holds a single test so no other thread allocates meanwhile.

use std::alloc::{GlobalAlloc, Layout, System as SysAlloc};
use std::sync::atomic::{AtomicUsize, Ordering};

mod common;

use common::{RobertsonForced, ROBERTSON_Y0};
use her2sim_ode::{Integrator, Method, Options};

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

#[test]
fn steps_do_not_allocate() {
    // Identity, diagonal and non-diagonal mass matrix.
    let systems = [
        RobertsonForced::ode(),
        RobertsonForced::dae_diagonal(),
        RobertsonForced::dae_mixed(),
    ];
    for (mut sys, method) in systems.into_iter().flat_map(|s| {
        [
            (s.clone(), Method::Rodas4),
            (s.clone(), Method::Bdf),
            (s, Method::Auto),
        ]
    }) {
        let opts = Options {
            rtol: 1e-8,
            atol: 1e-14,
            ..Options::default()
        };
        let at_start = ALLOCATIONS.load(Ordering::Relaxed);
        let mut solver = Integrator::new(method, 0.0, &ROBERTSON_Y0, opts);
        // The counter works: construction allocates the work storage.
        assert!(ALLOCATIONS.load(Ordering::Relaxed) > at_start);
        // The first call may set things up; afterwards no allocation. The automatic method
        // sets BDF up once, when it moves there (Robertson is stiff: within 50 steps).
        solver.step(&mut sys, 1e5).unwrap();
        if let Integrator::Auto(auto) = &mut solver {
            while !auto.is_stiff() && auto.stats().steps < 100 {
                auto.step(&mut sys, 1e5).unwrap();
            }
            assert!(auto.is_stiff(), "{method:?}: never moved to BDF");
            auto.step(&mut sys, 1e5).unwrap();
        }
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
