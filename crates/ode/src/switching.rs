//! [`Switching`]: the automatic method ([`Method::Auto`](crate::Method::Auto)). It starts
//! with the explicit DOP853 and hands the problem to BDF once DOP853's stiffness test fires
//! (or at once for a system with algebraic equations), the idea of LSODA (COPASI's default)
//! with an 8th-order explicit method instead of Adams. It also switches when an explicit
//! step fails (step size too small, non-finite values).
//!
//! Why: at the tight tolerances of reference runs most curated models are not stiff over
//! most of the time span, and there DOP853 takes several times fewer steps than BDF, each
//! without Jacobian, LU or Newton iteration. Stiff models pay for a few dozen explicit steps
//! before the switch. The switch is one-way for the solver's lifetime (resets after events
//! keep BDF): a problem that showed stiffness once tends to show it again after an event.

use crate::{Bdf, Dop853, Options, Segment, SolverError, Stats, System};

/// DOP853 until the problem proves stiff, then BDF.
pub struct Switching {
    explicit: Dop853,
    stiff: Option<Bdf>,
}

impl Switching {
    pub fn new(t0: f64, y0: &[f64], options: Options) -> Self {
        Switching {
            explicit: Dop853::new(t0, y0, options),
            stiff: None,
        }
    }

    /// Whether the solver has moved to BDF.
    pub fn is_stiff(&self) -> bool {
        self.stiff.is_some()
    }

    pub fn t(&self) -> f64 {
        match &self.stiff {
            Some(b) => b.t(),
            None => self.explicit.t(),
        }
    }

    pub fn y(&self) -> &[f64] {
        match &self.stiff {
            Some(b) => b.y(),
            None => self.explicit.y(),
        }
    }

    pub fn options(&self) -> &Options {
        match &self.stiff {
            Some(b) => b.options(),
            None => self.explicit.options(),
        }
    }

    /// One accepted step, never past `t_stop`. The switch happens before a step, so the
    /// dense output of the step that revealed stiffness stays available until then.
    pub fn step<S: System>(&mut self, sys: &mut S, t_stop: f64) -> Result<(), SolverError> {
        if self.stiff.is_none() && (self.explicit.is_stiff() || sys.mass().is_some()) {
            self.switch_to_bdf();
        }
        if let Some(b) = &mut self.stiff {
            return b.step(sys, t_stop);
        }
        match self.explicit.step(sys, t_stop) {
            // A failed explicit step leaves (t, y) at the last accepted step. Where the
            // explicit method cannot go on — non-smooth start such as x^0.5 of a species
            // starting at 0, or stages leaving the domain where f is defined — the implicit
            // method, which never evaluates f at extrapolated stages, usually can.
            Err(SolverError::StepTooSmall { .. } | SolverError::NonFinite { .. }) => {
                self.switch_to_bdf().step(sys, t_stop)
            }
            other => other,
        }
    }

    /// BDF from the explicit solver's current point (its last accepted step).
    fn switch_to_bdf(&mut self) -> &mut Bdf {
        let e = &self.explicit;
        self.stiff
            .insert(Bdf::new(e.t(), e.y(), e.options().clone()))
    }

    pub fn interpolate(&self, t: f64, out: &mut [f64]) {
        match &self.stiff {
            Some(b) if b.last_segment().is_some() => b.interpolate(t, out),
            Some(b) if t == b.t() => b.interpolate(t, out),
            // Right after the switch: the last step is still the explicit one.
            _ => self.explicit.interpolate(t, out),
        }
    }

    pub fn last_segment(&self) -> Option<&Segment> {
        match &self.stiff {
            Some(b) => b.last_segment(),
            None => self.explicit.last_segment(),
        }
    }

    pub fn reset(&mut self, t: f64, y: &[f64]) {
        match &mut self.stiff {
            Some(b) => b.reset(t, y),
            None => self.explicit.reset(t, y),
        }
    }

    /// See [`Dop853::set_dense_from`]; BDF's dense output costs nothing extra.
    pub fn set_dense_from(&mut self, t: f64) {
        self.explicit.set_dense_from(t);
    }

    pub fn set_max_step(&mut self, h: f64) {
        self.explicit.set_max_step(h);
        if let Some(b) = &mut self.stiff {
            b.set_max_step(h);
        }
    }

    /// Work of both phases.
    pub fn stats(&self) -> Stats {
        let e = self.explicit.stats();
        match &self.stiff {
            None => e,
            Some(b) => {
                let s = b.stats();
                Stats {
                    steps: e.steps + s.steps,
                    rejected: e.rejected + s.rejected,
                    rhs_evals: e.rhs_evals + s.rhs_evals,
                    jac_evals: e.jac_evals + s.jac_evals,
                    lu_decomps: e.lu_decomps + s.lu_decomps,
                }
            }
        }
    }

    pub fn reset_step_budget(&mut self) {
        self.explicit.reset_step_budget();
        if let Some(b) = &mut self.stiff {
            b.reset_step_budget();
        }
    }

    pub fn set_atol_scale(&mut self, scale: &[f64]) {
        self.explicit.set_atol_scale(scale);
        if let Some(b) = &mut self.stiff {
            b.set_atol_scale(scale);
        }
    }
}
