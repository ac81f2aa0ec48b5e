//! What every adaptive one-step solver (RODAS4, DOP853) does around a step attempt: the
//! guards before it (step too small, step budget, landing on the stop time) and the clipping
//! of non-negative components after it.

use crate::{Options, SolverError};

/// The next attempt from `t` with the proposed step `h` towards `t_stop`: its size, its end
/// time and whether it is the last one (shortened or stretched by up to 1e-4 to land on
/// `t_stop` exactly rather than leave a sliver). Counts the attempt against the budget.
pub(crate) fn next_attempt(
    t: f64,
    h: f64,
    t_stop: f64,
    opts: &Options,
    budget_used: &mut usize,
) -> Result<(f64, f64, bool), SolverError> {
    let hmin = opts.min_step_ratio * t.abs().max(1.0);
    // t + h == t would not advance.
    if h.is_nan() || h < hmin || t + h == t {
        return Err(SolverError::StepTooSmall { t, h });
    }
    if *budget_used >= opts.max_steps {
        return Err(SolverError::TooManySteps {
            t,
            steps: *budget_used,
        });
    }
    *budget_used += 1;
    let last = t + 1.0001 * h >= t_stop;
    Ok(if last {
        (t_stop - t, t_stop, true)
    } else {
        (h, t + h, false)
    })
}

/// Components that must not go negative (species amounts) lose undershoots smaller than
/// their absolute tolerance: numerical noise around zero, which would make e.g. x^0.5
/// undefined. Returns whether any value changed.
pub(crate) fn clip_negative(opts: &Options, y: &mut [f64]) -> bool {
    let mut changed = false;
    for (i, &nonneg) in opts.nonnegative.iter().enumerate().take(y.len()) {
        if nonneg && y[i] < 0.0 {
            let a = opts.atol * opts.atol_scale.get(i).copied().unwrap_or(1.0);
            if y[i] > -a {
                y[i] = 0.0;
                changed = true;
            }
        }
    }
    changed
}
