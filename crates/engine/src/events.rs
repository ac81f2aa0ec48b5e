//! The SBML event queue: trigger values, pending executions with delays, priorities with
//! random tie-breaking, persistence, values from trigger time, and applying assignments to
//! the state. Shared by the deterministic and the stochastic simulators.

use her2sim_ode::{consistent_init, Options};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

use crate::compile::Compiled;
use crate::eval::CExpr;
use crate::runtime::Sys;
use crate::EngineError;

#[derive(Clone)]
pub(crate) struct Pending {
    event: usize,
    time: f64,
    values: Option<Vec<f64>>,
}

/// The event queue and each trigger's last value.
#[derive(Clone)]
pub(crate) struct Events {
    rng: Pcg64Mcg,
    /// Relational sub-expressions of all triggers, watched to find short trigger windows.
    relationals: Vec<CExpr>,
    prev: Vec<bool>,
    pending: Vec<Pending>,
}

fn truth(x: f64) -> bool {
    x != 0.0
}

impl Events {
    pub fn new(c: &Compiled, seed: u64) -> Self {
        let mut relationals = Vec::new();
        for ev in &c.events {
            ev.trigger.visit(&mut |n| {
                if let CExpr::Cmp(..) = n {
                    relationals.push(n.clone());
                }
            });
        }
        Events {
            rng: Pcg64Mcg::seed_from_u64(seed),
            relationals,
            prev: c.events.iter().map(|e| e.initial_value).collect(),
            pending: Vec::new(),
        }
    }

    pub fn next_time(&self, after: f64) -> f64 {
        self.pending
            .iter()
            .map(|p| p.time)
            .filter(|&t| t > after)
            .fold(f64::INFINITY, f64::min)
    }

    pub fn triggers(sys: &Sys, t: f64) -> Vec<bool> {
        sys.c
            .events
            .iter()
            .map(|e| truth(sys.eval(&e.trigger, t)))
            .collect()
    }

    /// The relationals inside the triggers (in the order of [`Events::relationals`]).
    pub fn relational_exprs(&self) -> &[CExpr] {
        &self.relationals
    }

    /// The value of every relational inside the triggers.
    pub fn relationals(&self, sys: &Sys, t: f64) -> Vec<bool> {
        self.relationals
            .iter()
            .map(|r| truth(sys.eval(r, t)))
            .collect()
    }

    pub fn changed(&self, sys: &Sys, t: f64) -> bool {
        sys.c
            .events
            .iter()
            .zip(&self.prev)
            .any(|(e, &p)| truth(sys.eval(&e.trigger, t)) != p)
    }

    /// Runs everything due at `t`: newly triggered events are queued, non-persistent ones
    /// whose trigger fell are dropped, and due events execute one at a time by priority,
    /// re-checking triggers after each. Returns whether any event executed.
    pub fn process(
        &mut self,
        sys: &mut Sys,
        t: f64,
        y: &mut [f64],
        opts: &Options,
    ) -> Result<bool, EngineError> {
        self.process_with(sys, t, y, opts, &mut |_, sys| Self::triggers(sys, t))
    }

    /// As [`Events::process`], also returning the trigger values of every round, so that
    /// [`Events::replay`] can run the same executions from a nearby state.
    pub fn process_recorded(
        &mut self,
        sys: &mut Sys,
        t: f64,
        y: &mut [f64],
        opts: &Options,
    ) -> Result<(bool, Vec<Vec<bool>>), EngineError> {
        let mut rounds = Vec::new();
        let fired = self.process_with(sys, t, y, opts, &mut |_, sys| {
            let cur = Self::triggers(sys, t);
            rounds.push(cur.clone());
            cur
        })?;
        Ok((fired, rounds))
    }

    /// Runs the events due at `t` with the trigger values of a recorded processing instead
    /// of evaluating them: the same events execute in the same order (ties broken by the
    /// same draws) while their assignments see the given state. Differencing an event's
    /// effect needs this, as a nearby state can sit on the other side of a threshold.
    pub fn replay(
        &mut self,
        sys: &mut Sys,
        t: f64,
        y: &mut [f64],
        opts: &Options,
        rounds: &[Vec<bool>],
    ) -> Result<bool, EngineError> {
        self.process_with(sys, t, y, opts, &mut |round, sys| match rounds.get(round) {
            Some(cur) => cur.clone(),
            None => Self::triggers(sys, t),
        })
    }

    fn process_with(
        &mut self,
        sys: &mut Sys,
        t: f64,
        y: &mut [f64],
        opts: &Options,
        triggers: &mut dyn FnMut(usize, &Sys) -> Vec<bool>,
    ) -> Result<bool, EngineError> {
        let c = sys.c;
        let mut fired = false;
        for round in 0.. {
            if round > 100_000 {
                return Err(EngineError::Event(format!(
                    "events keep firing at t = {t} (more than 100000 in a row)"
                )));
            }
            sys.load(t, y);
            let cur = triggers(round, sys);
            for (k, ev) in c.events.iter().enumerate() {
                if cur[k] && !self.prev[k] {
                    let delay = ev.delay.as_ref().map_or(0.0, |d| sys.eval(d, t));
                    sys.draw_error()?;
                    if delay.is_nan() || delay < 0.0 {
                        return Err(EngineError::Event(format!(
                            "event '{}' has delay {delay} at t = {t}; delays must be non-negative",
                            ev.id
                        )));
                    }
                    let values = ev
                        .use_values_from_trigger_time
                        .then(|| ev.assignments.iter().map(|(_, e)| sys.eval(e, t)).collect());
                    self.pending.push(Pending {
                        event: k,
                        time: t + delay,
                        values,
                    });
                } else if !cur[k] && self.prev[k] && !ev.persistent {
                    self.pending.retain(|p| p.event != k);
                }
            }
            self.prev = cur;
            // Due events: the highest priority runs first; SBML leaves ties to chance.
            let due: Vec<(usize, f64)> = self
                .pending
                .iter()
                .enumerate()
                .filter(|(_, p)| p.time <= t)
                .map(|(i, p)| {
                    let prio = c.events[p.event]
                        .priority
                        .as_ref()
                        .map_or(f64::NEG_INFINITY, |e| sys.eval(e, t));
                    (i, prio)
                })
                .collect();
            let Some(top) = due.iter().map(|d| d.1).max_by(f64::total_cmp) else {
                break;
            };
            let tied: Vec<usize> = due
                .iter()
                .filter(|d| d.1 == top || (d.1.is_nan() && top.is_nan()))
                .map(|d| d.0)
                .collect();
            let i = if tied.len() == 1 {
                tied[0]
            } else {
                tied[self.rng.random_range(0..tied.len())]
            };
            let p = self.pending.remove(i);
            execute(sys, p, t, y, opts)?;
            sys.draw_error()?;
            fired = true;
        }
        Ok(fired)
    }
}

fn execute(
    sys: &mut Sys,
    p: Pending,
    t: f64,
    y: &mut [f64],
    opts: &Options,
) -> Result<(), EngineError> {
    let c = sys.c;
    let ev = &c.events[p.event];
    let values: Vec<f64> = match p.values {
        Some(v) => v,
        None => ev.assignments.iter().map(|(_, e)| sys.eval(e, t)).collect(),
    };
    // Concentrations assigned to species become amounts with the compartment size from
    // before this event (the SBML Test Suite's reading when both change at once).
    let before = sys.v.clone();
    for ((target, _), x) in ev.assignments.iter().zip(values) {
        let target = *target;
        sys.v[target] = x;
        if let Some(k) = c.state_of[target] {
            y[k] = match (c.amount_slot[target], &c.model.symbols[target].kind) {
                (Some(_), her2sim_model::SymbolKind::Species { compartment, .. }) => {
                    x * before[*compartment]
                }
                _ => x,
            };
        }
    }
    // A species whose state is its concentration (a rate rule on [S]) keeps its amount when
    // the event resizes its compartment, as SBML's amounts are what compartments contain.
    for (k, st) in c.states.iter().enumerate() {
        if let (
            crate::compile::StateRate::Expr(_),
            her2sim_model::SymbolKind::Species {
                compartment,
                amount_valued: false,
                ..
            },
        ) = (&st.rate, &c.model.symbols[st.symbol].kind)
        {
            let (old, new) = (before[*compartment], sys.v[*compartment]);
            if old != new && new != 0.0 {
                y[k] *= old / new;
                sys.v[st.slot] = y[k];
            }
        }
    }
    if c.mass.is_some() {
        consistent_init(sys, t, y, opts)?;
    }
    sys.load(t, y);
    Ok(())
}
