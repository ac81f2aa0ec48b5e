//! Sensitivities across events: how a parameter moves an event's time and what the event
//! does to the state, so forward sensitivities continue correctly after it.
//!
//! An event at time τ(p) maps the state x⁻ to x⁺ = h(x⁻, p). With s = ∂x/∂p and f⁻, f⁺ the
//! rates on either side (Hindmarsh and Serban's CVODES guide; AMICI does the same):
//!
//! - τ moves where the trigger's crossing moves: for the relational g(t, x, p) = a − b
//!   that switched, dτ/dp = −(∂g/∂x·s + ∂g/∂p) / (∂g/∂x·f⁻ + ∂g/∂t); a time-only trigger
//!   at a fixed time gives 0.
//! - s⁺ = ∂h/∂x·(s⁻ + f⁻ dτ/dp) + ∂h/∂p − f⁺ dτ/dp; states the event leaves alone get
//!   s⁻ + (f⁻ − f⁺) dτ/dp.
//!
//! The directional derivatives of g and of the whole event processing are central
//! differences along the direction (s + f⁻ dτ/dp, e_p), not symbolic: the processing
//! includes priorities, cascades of events at the same time and species whose compartment
//! an event resizes, and differencing it as a whole keeps exactly the semantics of plain
//! runs. The differenced runs replay the trigger values the plain processing saw (a nearby
//! state may sit on the other side of a threshold), so the same events execute in the same
//! order. The step is 1e-7 of each moved value; for the common cases (assignments of
//! constants or linear expressions, time triggers) the difference is exact up to rounding. Events that assign a parameter differentiated by, or a non-state value
//! that then moves with the parameters, are refused with a clear error.

use her2sim_ode::{Options, System};

use crate::compile::Compiled;
use crate::eval::CExpr;
use crate::events::Events;
use crate::runtime::Sys;
use crate::EngineError;

/// Relative size of the difference steps.
const REL_STEP: f64 = 1e-7;

/// The state just before an event time, with everything needed to difference through it.
pub(crate) struct EventPoint<'a> {
    pub te: f64,
    /// Which trigger relationals held just before `te` (`None`: the events are due for
    /// another reason, such as a cascade, and their time does not move).
    pub before: Option<&'a [bool]>,
    /// Per parameter: the non-state slots it sets.
    pub param_slots: &'a [Vec<usize>],
    pub opts: &'a Options,
}

/// A step that moves `u` along `v` by about `REL_STEP` of each moved entry's size.
fn step_along(u: &[f64], v: &[f64]) -> f64 {
    let size = u.iter().fold(0.0f64, |a, x| a.max(x.abs()));
    let floor = (1e-6 * size).max(1e-300);
    let worst = u
        .iter()
        .zip(v)
        .map(|(x, d)| d.abs() / x.abs().max(floor))
        .fold(0.0f64, f64::max);
    if worst > 0.0 && worst.is_finite() {
        REL_STEP / worst
    } else {
        1.0
    }
}

fn sys_with<'c>(c: &'c Compiled, slots: &[f64]) -> Sys<'c> {
    let mut s = Sys::new(c);
    s.v.copy_from_slice(slots);
    s
}

/// a − b of the pair of a relational's arguments nearest to equality.
fn crossing_value(sys: &Sys, relational: &CExpr, t: f64) -> f64 {
    let CExpr::Cmp(_, xs) = relational else {
        return f64::NAN;
    };
    let values: Vec<f64> = xs.iter().map(|x| sys.eval(x, t)).collect();
    values
        .windows(2)
        .map(|w| w[0] - w[1])
        .min_by(|a, b| a.abs().total_cmp(&b.abs()))
        .unwrap_or(f64::NAN)
}

/// Runs the events due at `p.te` on the augmented state `y` (n states, then one block of n
/// sensitivities per parameter), moving the sensitivities across them; `sys` holds the
/// run's slots and `events` its queue, both advanced as a plain run would. Returns whether
/// any event fired.
pub(crate) fn process(
    c: &Compiled,
    events: &mut Events,
    sys: &mut Sys,
    y: &mut [f64],
    p: &EventPoint,
) -> Result<bool, EngineError> {
    let n = c.states.len();
    let te = p.te;
    let x: Vec<f64> = y[..n].to_vec();
    let slots = sys.v.clone();
    // The events as a plain run processes them, with the trigger values of every round;
    // without a firing nothing jumps (the queue still takes note of the triggers).
    let before_events = events.clone();
    let mut x_after = x.clone();
    let (fired, rounds) = events.process_recorded(sys, te, &mut x_after, p.opts)?;
    if !fired {
        return Ok(false);
    }
    let mut scratch = sys_with(c, &slots);
    let mut f_before = vec![0.0; n];
    scratch
        .rhs(te, &x, &mut f_before)
        .map_err(EngineError::Event)?;
    let np = p.param_slots.len();
    let dtau = event_time_derivatives(c, &before_events, &slots, &x, &f_before, y, p)?;
    // The processing differenced along (s + f⁻ dτ, e_p), one parameter at a time.
    let assigned_slots: Vec<usize> = c
        .events
        .iter()
        .flat_map(|e| e.assignments.iter().map(|(s, _)| *s))
        .filter(|&s| c.state_of[s].is_none())
        .collect();
    let mut jumps = Vec::with_capacity(np);
    for j in 0..np {
        let s = &y[n + j * n..n + (j + 1) * n];
        let w: Vec<f64> = s
            .iter()
            .zip(&f_before)
            .map(|(sk, fk)| sk + fk * dtau[j])
            .collect();
        let mut u = x.clone();
        let mut dir = w.clone();
        for &slot in &p.param_slots[j] {
            u.push(slots[slot]);
            dir.push(1.0);
        }
        let h = step_along(&u, &dir);
        let run = |sign: f64| -> Result<(Vec<f64>, Vec<f64>), EngineError> {
            let mut moved = slots.clone();
            for &slot in &p.param_slots[j] {
                moved[slot] += sign * h;
            }
            let mut s2 = sys_with(c, &moved);
            let mut xs: Vec<f64> = x.iter().zip(&w).map(|(a, d)| a + sign * h * d).collect();
            before_events
                .clone()
                .replay(&mut s2, te, &mut xs, p.opts, &rounds)?;
            Ok((xs, s2.v))
        };
        let (plus, v_plus) = run(1.0)?;
        let (minus, v_minus) = run(-1.0)?;
        for &slot in &assigned_slots {
            let (a, b) = (v_plus[slot], v_minus[slot]);
            if (a - b).abs() > 8.0 * f64::EPSILON * a.abs().max(b.abs()) {
                return Err(EngineError::Unsupported(format!(
                    "sensitivities: at t = {te} an event sets '{}' to a value that moves with the parameters; only state variables carry sensitivities across events",
                    c.name(slot)
                )));
            }
        }
        jumps.push(
            plus.iter()
                .zip(&minus)
                .map(|(a, b)| (a - b) / (2.0 * h))
                .collect::<Vec<f64>>(),
        );
    }
    let mut f_after = vec![0.0; n];
    let mut after = sys_with(c, &sys.v);
    after
        .rhs(te, &x_after, &mut f_after)
        .map_err(EngineError::Event)?;
    y[..n].copy_from_slice(&x_after);
    for (j, jump) in jumps.iter().enumerate() {
        for k in 0..n {
            y[n + j * n + k] = jump[k] - f_after[k] * dtau[j];
        }
    }
    Ok(true)
}

/// dτ/dp per parameter for the relational whose switch caused the events at `p.te`.
fn event_time_derivatives(
    c: &Compiled,
    events: &Events,
    slots: &[f64],
    x: &[f64],
    f_before: &[f64],
    y: &[f64],
    p: &EventPoint,
) -> Result<Vec<f64>, EngineError> {
    let n = x.len();
    let np = p.param_slots.len();
    let Some(before) = p.before else {
        return Ok(vec![0.0; np]);
    };
    let te = p.te;
    let mut probe = sys_with(c, slots);
    probe.load(te, x);
    let now = events.relationals(&probe, te);
    let Some(i) = (0..now.len()).find(|&i| before.get(i).is_some_and(|b| *b != now[i])) else {
        return Ok(vec![0.0; np]);
    };
    let relational = &events.relational_exprs()[i];
    // g along a direction in (t, x, slots).
    let g_along = |dt: f64, dx: &[f64], dslots: &[usize], h: f64| -> f64 {
        let at = |sign: f64| {
            let mut moved = slots.to_vec();
            for &slot in dslots {
                moved[slot] += sign * h;
            }
            let mut s = sys_with(c, &moved);
            let xs: Vec<f64> = x.iter().zip(dx).map(|(a, d)| a + sign * h * d).collect();
            let t = te + sign * h * dt;
            s.load(t, &xs);
            crossing_value(&s, relational, t)
        };
        (at(1.0) - at(-1.0)) / (2.0 * h)
    };
    let mut u = vec![te];
    u.extend_from_slice(x);
    let mut dir = vec![1.0];
    dir.extend_from_slice(f_before);
    let g_dot = g_along(1.0, f_before, &[], step_along(&u, &dir));
    let mut dtau = Vec::with_capacity(np);
    for j in 0..np {
        let s = &y[n + j * n..n + (j + 1) * n];
        let mut u = x.to_vec();
        let mut dir = s.to_vec();
        for &slot in &p.param_slots[j] {
            u.push(slots[slot]);
            dir.push(1.0);
        }
        let dg = g_along(0.0, s, &p.param_slots[j], step_along(&u, &dir));
        if dg == 0.0 {
            dtau.push(0.0);
            continue;
        }
        if !(g_dot.is_finite() && g_dot != 0.0) || (dg / g_dot).abs() > 1e12 {
            return Err(EngineError::Event(format!(
                "sensitivities: the trigger that fires at t = {te} touches its threshold without crossing it (rate of change {g_dot:e}), so how its time moves with the parameters is undefined"
            )));
        }
        dtau.push(-dg / g_dot);
    }
    Ok(dtau)
}
