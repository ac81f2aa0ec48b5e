//! Choosing the method at run time: [`Method`], the [`Integrator`] that
//! holds either solver behind one API, the [`Stepper`] trait the solvers
//! share and the driver [`integrate_to`] written against it.
//!
//! An enum rather than a trait object because the solvers' `step` is generic
//! over the [`System`] (monomorphised for the engine's model type), and
//! matching on two variants costs nothing next to a step.

use crate::{Bdf, Dop853, Options, Rodas4, Segment, SolverError, Stats, Switching, System};

/// The integration method.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Method {
    /// One-step Rosenbrock method of order 4: robust, cheap restarts after
    /// events, best at moderate tolerances and for small systems.
    #[default]
    Rodas4,
    /// Variable-order (1–5) NDF/BDF multistep method: reuses the Jacobian
    /// and its LU factors over many steps, best for large stiff systems and
    /// tight tolerances.
    Bdf,
    /// The explicit 8th-order DOP853 while the problem is not stiff, BDF from the moment
    /// DOP853's stiffness test fires (see [`Switching`]): fastest at tight tolerances on
    /// non-stiff models, BDF's cost on stiff ones.
    Auto,
}

/// The operations a solver offers, so drivers such as [`integrate_to`] work
/// with [`Rodas4`], [`Bdf`] and [`Integrator`] alike.
pub trait Stepper {
    fn t(&self) -> f64;
    fn y(&self) -> &[f64];
    fn options(&self) -> &Options;
    /// One accepted step, never past `t_stop` (landing on it exactly).
    fn step<S: System>(&mut self, sys: &mut S, t_stop: f64) -> Result<(), SolverError>;
    /// Dense output over the last accepted step.
    fn interpolate(&self, t: f64, out: &mut [f64]);
    fn last_segment(&self) -> Option<&Segment>;
    /// Restart from (t, y) after a discontinuity.
    fn reset(&mut self, t: f64, y: &[f64]);
    fn set_max_step(&mut self, h: f64);
    fn stats(&self) -> Stats;
    fn reset_step_budget(&mut self);
}

/// Forwards every [`Stepper`] method to the type's inherent method of the
/// same name (inherent methods take precedence in path resolution).
macro_rules! forward_stepper {
    ($ty:ty) => {
        impl Stepper for $ty {
            fn t(&self) -> f64 {
                <$ty>::t(self)
            }
            fn y(&self) -> &[f64] {
                <$ty>::y(self)
            }
            fn options(&self) -> &Options {
                <$ty>::options(self)
            }
            fn step<S: System>(&mut self, sys: &mut S, t_stop: f64) -> Result<(), SolverError> {
                <$ty>::step(self, sys, t_stop)
            }
            fn interpolate(&self, t: f64, out: &mut [f64]) {
                <$ty>::interpolate(self, t, out)
            }
            fn last_segment(&self) -> Option<&Segment> {
                <$ty>::last_segment(self)
            }
            fn reset(&mut self, t: f64, y: &[f64]) {
                <$ty>::reset(self, t, y)
            }
            fn set_max_step(&mut self, h: f64) {
                <$ty>::set_max_step(self, h)
            }
            fn stats(&self) -> Stats {
                <$ty>::stats(self)
            }
            fn reset_step_budget(&mut self) {
                <$ty>::reset_step_budget(self)
            }
        }
    };
}

forward_stepper!(Rodas4);
forward_stepper!(Bdf);
forward_stepper!(Switching);
forward_stepper!(Dop853);
forward_stepper!(Integrator);

/// Either solver, chosen by [`Method`] at construction.
pub enum Integrator {
    Rodas4(Rodas4),
    Bdf(Bdf),
    Auto(Box<Switching>),
}

macro_rules! dispatch {
    ($self:expr, $s:ident => $e:expr) => {
        match $self {
            Integrator::Rodas4($s) => $e,
            Integrator::Bdf($s) => $e,
            Integrator::Auto($s) => $e,
        }
    };
}

impl Integrator {
    /// A solver of the given method at (t0, y0); the dimension is `y0.len()`.
    pub fn new(method: Method, t0: f64, y0: &[f64], options: Options) -> Self {
        match method {
            Method::Rodas4 => Integrator::Rodas4(Rodas4::new(t0, y0, options)),
            Method::Bdf => Integrator::Bdf(Bdf::new(t0, y0, options)),
            Method::Auto => Integrator::Auto(Box::new(Switching::new(t0, y0, options))),
        }
    }

    pub fn method(&self) -> Method {
        match self {
            Integrator::Rodas4(_) => Method::Rodas4,
            Integrator::Bdf(_) => Method::Bdf,
            Integrator::Auto(_) => Method::Auto,
        }
    }

    pub fn t(&self) -> f64 {
        dispatch!(self, s => s.t())
    }

    pub fn y(&self) -> &[f64] {
        dispatch!(self, s => s.y())
    }

    pub fn options(&self) -> &Options {
        dispatch!(self, s => s.options())
    }

    /// One accepted step, never past `t_stop` (see [`Rodas4::step`]).
    pub fn step<S: System>(&mut self, sys: &mut S, t_stop: f64) -> Result<(), SolverError> {
        dispatch!(self, s => s.step(sys, t_stop))
    }

    pub fn interpolate(&self, t: f64, out: &mut [f64]) {
        dispatch!(self, s => s.interpolate(t, out))
    }

    pub fn last_segment(&self) -> Option<&Segment> {
        dispatch!(self, s => s.last_segment())
    }

    pub fn reset(&mut self, t: f64, y: &[f64]) {
        dispatch!(self, s => s.reset(t, y))
    }

    pub fn set_max_step(&mut self, h: f64) {
        dispatch!(self, s => s.set_max_step(h))
    }

    pub fn stats(&self) -> Stats {
        dispatch!(self, s => s.stats())
    }

    pub fn reset_step_budget(&mut self) {
        dispatch!(self, s => s.reset_step_budget())
    }

    /// Tells the solver that dense output will only be asked for at or after `t` (see
    /// [`Dop853::set_dense_from`]); only the explicit method saves work with it.
    pub fn set_dense_from(&mut self, t: f64) {
        if let Integrator::Auto(s) = self {
            s.set_dense_from(t);
        }
    }

    /// Replaces the per-component factors on `atol` (see [`Options::atol_scale`]) from the
    /// next step on.
    pub fn set_atol_scale(&mut self, scale: &[f64]) {
        dispatch!(self, s => s.set_atol_scale(scale))
    }
}

/// Convenience: integrate from the solver's current state to `t_end`,
/// calling `on_step(&solver)` after each accepted step. Restarts the
/// `max_steps` budget.
pub fn integrate_to<I: Stepper, S: System>(
    solver: &mut I,
    sys: &mut S,
    t_end: f64,
    mut on_step: impl FnMut(&I),
) -> Result<(), SolverError> {
    solver.reset_step_budget();
    while solver.t() < t_end {
        solver.step(sys, t_end)?;
        on_step(solver);
    }
    Ok(())
}
