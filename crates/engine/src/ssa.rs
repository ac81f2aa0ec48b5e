//! Exact stochastic simulation (Gillespie's direct method) of SBML models with species as
//! molecule counts, SBML events (triggers located exactly between reaction firings, where
//! the state is constant and only time moves) and assignment rules. Replicates run in
//! parallel; each has its own random stream derived from (seed, replicate index), and
//! ensemble statistics are reduced in replicate order, so the output is bit-identical
//! whatever the number of threads.

use her2sim_model::SymbolKind;
use her2sim_ode::Options;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

use crate::compile::{Compiled, StateRate, StoichSlot, Term};
use crate::events::Events;
use crate::runtime::Sys;
use crate::select::{value, Selector};
use crate::sumtree::SumTree;
use crate::{EngineError, TimeCourse};

/// What a stochastic ensemble asks for.
#[derive(Debug, Clone)]
pub struct SsaOptions {
    /// Start time.
    pub start: f64,
    /// Length of the simulated interval.
    pub duration: f64,
    /// Output intervals; the result has `steps + 1` rows.
    pub steps: usize,
    /// Independent trajectories (each with its own seeded stream).
    pub replicates: usize,
    /// Seed of the ensemble: replicate streams derive from it and the replicate index.
    pub seed: u64,
    /// `Some(epsilon)`: adaptive tau-leaping (Cao, Gillespie & Petzold 2006) with this
    /// error-control parameter (0.03 is usual) instead of the exact direct method.
    pub tau_leap: Option<f64>,
    /// Steps (reaction firings, events or leaps) one replicate may take before the run is
    /// stopped with an error: a model with 1e15 molecules would otherwise run for days.
    pub max_steps: u64,
    /// What to do with a species whose start amount is not a whole number of molecules.
    pub initial: InitialCounts,
}

/// How start amounts that are not whole numbers of molecules are treated.
///
/// Stochastic simulation counts molecules, so every species changed by reactions must start
/// at a non-negative whole number. The default refuses other values (as COPASI's stochastic
/// methods do) rather than changing the model silently: an amount of 1.7e-21 (a model in
/// moles) would round to 0 and give a flat trajectory. `Round` does what libRoadRunner's
/// `gillespie` integrator does; both `Round` and `Floor` are deterministic. Negative and
/// non-finite amounts are refused whatever the choice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum InitialCounts {
    /// Refuse the run, naming the species and its amount.
    #[default]
    Error,
    /// Round every start amount to the nearest whole number (halves up).
    Round,
    /// Round every start amount down.
    Floor,
}

/// The default step budget per replicate: about five seconds of the direct method.
pub const DEFAULT_SSA_MAX_STEPS: u64 = 100_000_000;

/// One output column of an ensemble.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Column {
    /// Model time.
    Time,
    /// The value of one trajectory (only with one replicate).
    Single(Selector),
    /// The ensemble mean (`NAME-mean`).
    Mean(Selector),
    /// The ensemble standard deviation (`NAME-sd`).
    Sd(Selector),
    /// The ensemble mean of the natural logarithm (`ln(NAME)-mean`; the SBML Test Suite's
    /// read-out of log-normal draws).
    MeanLn(Selector),
    /// The ensemble standard deviation of the natural logarithm (`ln(NAME)-sd`).
    SdLn(Selector),
}

/// Parses `time`, `X`, `X-mean`, `X-sd`, `[X]-mean`, `ln(X)-mean` ... against the model.
pub(crate) fn parse_column(
    c: &Compiled,
    name: &str,
    replicates: usize,
) -> Result<Column, EngineError> {
    let name = name.trim();
    let (base, stat) = if let Some(b) = name.strip_suffix("-mean") {
        (b, 1)
    } else if let Some(b) = name.strip_suffix("-sd") {
        (b, 2)
    } else {
        (name, 0)
    };
    if let Some(inner) = base.strip_prefix("ln(").and_then(|b| b.strip_suffix(')')) {
        let sel = crate::select::parse_selector(c, inner.trim())?;
        return match (sel, stat) {
            (Selector::Time, _) | (_, 0) => Err(EngineError::Options(format!(
                "selection '{name}': ln() is taken of a model value for an ensemble statistic, '{base}-mean' or '{base}-sd'"
            ))),
            (s, 1) => Ok(Column::MeanLn(s)),
            (s, _) => Ok(Column::SdLn(s)),
        };
    }
    let sel = crate::select::parse_selector(c, base)?;
    Ok(match (sel, stat) {
        (Selector::Time, _) => Column::Time,
        (s, 1) => Column::Mean(s),
        (s, 2) => Column::Sd(s),
        (s, _) if replicates == 1 => Column::Single(s),
        _ => {
            return Err(EngineError::Options(format!(
                "selection '{name}' is the value of one trajectory; with {replicates} replicates select an ensemble statistic, NAME-mean or NAME-sd ('{name}-mean', '{name}-sd')"
            )))
        }
    })
}

/// Per reaction: the states it changes, each with its stoichiometric term, and (when the
/// model allows it) the program entries to re-run after it fires — the dependency graph that
/// keeps each step's cost proportional to what the reaction touches.
pub(crate) struct Changes {
    /// Per channel (a reaction, or one direction of a split reversible reaction): the
    /// states it changes with their stoichiometric terms, and the slot of its propensity.
    pub(crate) per_reaction: Vec<Vec<(usize, Term)>>,
    pub(crate) rate_slots: Vec<usize>,
    /// Per channel: its reaction's index and, for a split reaction, the direction.
    pub(crate) channels: Vec<(usize, Option<crate::ssa_channels::Direction>)>,
    /// The halves of split reactions: (extra slot past the model's, expression, kernel).
    pub(crate) extras: Vec<(usize, crate::eval::CExpr, Option<Product>)>,
    /// Per program entry: the extras computed from the same law (re-run with it).
    pub(crate) extras_of_entry: Vec<Vec<usize>>,
    /// Per channel: the program entries to re-run after it fires.
    pub(crate) updates: Option<Vec<Vec<usize>>>,
    /// Per channel: the channels whose propensity changes when it fires (from `updates`).
    pub(crate) dependents: Option<Vec<Vec<usize>>>,
    /// Per program entry: a constant times a product of slots, when the expression is one
    /// (mass action), evaluated without walking the expression tree.
    pub(crate) kernels: Vec<Option<Product>>,
}

/// `constant * v[slots[0]] * v[slots[1]] * ...`
#[derive(Debug, Clone)]
pub(crate) struct Product {
    constant: f64,
    slots: Vec<usize>,
}

impl Product {
    pub(crate) fn of(e: &crate::eval::CExpr) -> Option<Product> {
        use crate::eval::CExpr;
        match e {
            CExpr::Const(c) => Some(Product {
                constant: *c,
                slots: Vec::new(),
            }),
            CExpr::Var(s) => Some(Product {
                constant: 1.0,
                slots: vec![*s],
            }),
            CExpr::Mul(children) => {
                let mut p = Product {
                    constant: 1.0,
                    slots: Vec::new(),
                };
                for child in children {
                    let q = Product::of(child)?;
                    p.constant *= q.constant;
                    p.slots.extend(q.slots);
                }
                Some(p)
            }
            _ => None,
        }
    }

    #[inline]
    pub(crate) fn eval(&self, v: &[f64]) -> f64 {
        self.slots.iter().fold(self.constant, |acc, &s| acc * v[s])
    }
}

/// From this many reactions on, the firing reaction is chosen with a sum tree (logarithmic
/// direct method) rather than a linear scan; below it the scan's cache friendliness wins.
const SUM_TREE_FROM: usize = 32;

fn changes(c: &Compiled) -> Changes {
    let rate_slots: Vec<usize> = c.model.reactions.iter().map(|r| r.symbol).collect();
    // Inverse maps, so that building the dependency graph stays linear in the model size.
    let mut reaction_of_slot = vec![None; c.n_slots];
    for (r, &slot) in rate_slots.iter().enumerate() {
        reaction_of_slot[slot] = Some(r);
    }
    let mut per_reaction = vec![Vec::new(); rate_slots.len()];
    for (k, st) in c.states.iter().enumerate() {
        if let StateRate::Reactions(terms) = &st.rate {
            for term in terms {
                if let Some(r) = reaction_of_slot[term.rate_slot] {
                    per_reaction[r].push((k, term.clone()));
                }
            }
        }
    }
    // Incremental updates need each program entry's state dependencies and no explicit
    // time dependence (time moves between firings).
    let timeless = c.program.iter().all(|(_, e)| {
        let mut t = false;
        e.visit(&mut |n| t |= matches!(n, crate::eval::CExpr::Time));
        !t
    });
    let updates = c.jacobian.as_ref().filter(|_| timeless).map(|jp| {
        let mut entries_of_state = vec![Vec::new(); c.states.len()];
        for (i, (slot, _)) in c.program.iter().enumerate() {
            for &k in jp.slot_pattern(*slot) {
                entries_of_state[k].push(i);
            }
        }
        per_reaction
            .iter()
            .map(|changes| {
                // Program entries reading a changed state, in program (dependency) order.
                let mut entries: Vec<usize> = changes
                    .iter()
                    .flat_map(|(k, _)| entries_of_state[*k].iter().copied())
                    .collect();
                entries.sort_unstable();
                entries.dedup();
                entries
            })
            .collect()
    });
    let dependents = updates.as_ref().map(|u: &Vec<Vec<usize>>| {
        u.iter()
            .map(|entries| {
                let mut rs: Vec<usize> = entries
                    .iter()
                    .filter_map(|&i| reaction_of_slot[c.program[i].0])
                    .collect();
                rs.sort_unstable();
                rs.dedup();
                rs
            })
            .collect()
    });
    crate::ssa_channels::split_channels(
        c,
        Changes {
            per_reaction,
            rate_slots,
            channels: Vec::new(),
            extras: Vec::new(),
            extras_of_entry: vec![Vec::new(); c.program.len()],
            updates,
            dependents,
            kernels: c.program.iter().map(|(_, e)| Product::of(e)).collect(),
        },
    )
}

fn check_supported(c: &Compiled) -> Result<(), EngineError> {
    let unsupported = |what: &str| {
        Err(EngineError::Unsupported(format!(
            "{what} in stochastic simulation"
        )))
    };
    if c.has_delay {
        return unsupported("delay()");
    }
    if c.model.reactions.iter().any(|r| r.fast) {
        return unsupported("fast reactions");
    }
    for st in &c.states {
        match st.rate {
            StateRate::Reactions(_) => {}
            StateRate::Expr(_) => {
                return unsupported(&format!("the rate rule for '{}'", c.name(st.symbol)))
            }
            StateRate::Algebraic(_) => return unsupported("algebraic rules"),
        }
    }
    Ok(())
}

/// Runs `opts.replicates` trajectories and returns one row per output time, and the number
/// of reaction firings over all replicates.
pub(crate) fn simulate_ssa_counted(
    c: &Compiled,
    opts: &SsaOptions,
    columns: &[Column],
    names: &[String],
) -> Result<(TimeCourse, u64), EngineError> {
    // Without reactions nothing is stochastic between events: each replicate is a
    // deterministic run (its rate rules integrated) with its own `distrib` draws and event
    // tie-breaks, the same law the direct method would sample.
    let has_rate_rules = c
        .states
        .iter()
        .any(|st| matches!(st.rate, StateRate::Expr(_)));
    if c.model.reactions.is_empty() && has_rate_rules && !c.has_delay {
        let sim = crate::SimOptions {
            start: opts.start,
            duration: opts.duration,
            steps: opts.steps,
            seed: opts.seed,
            ..crate::SimOptions::default()
        };
        let table = crate::simulate::simulate_replicates(c, &sim, columns, names, opts.replicates)?;
        return Ok((table, 0));
    }
    check_supported(c)?;
    if opts.tau_leap.is_some() && !c.events.is_empty() {
        return Err(EngineError::Unsupported(
            "events with tau-leaping (use the exact method)".into(),
        ));
    }
    if opts.tau_leap.is_some_and(|e| !(e > 0.0 && e < 1.0)) {
        return Err(EngineError::Options(
            "the tau-leaping epsilon must lie in (0, 1)".into(),
        ));
    }
    if opts.replicates == 0 {
        return Err(EngineError::Options(
            "--replicates must be at least 1".into(),
        ));
    }
    let grid = crate::grid::Grid::new(opts.start, opts.duration, opts.steps, columns.len())?;
    let times = grid.times();
    // The start state is the same for every replicate: check it once, so that a bad start
    // amount is reported once and not as a failure of "replicate 0".
    start_state(c, opts.start, opts.initial, opts.seed)?;
    let selectors = crate::ensemble::sampled(columns);
    let ch = changes(c);
    crate::ensemble::reduce(&times, columns, names, opts.replicates, |rep| {
        let mut rng = Pcg64Mcg::seed_from_u64(crate::draw::stream_seed(opts.seed, rep as u64));
        match opts.tau_leap {
            Some(eps) => {
                crate::tauleap::trajectory(c, &ch, &times, &selectors, &mut rng, eps, opts)
            }
            None => trajectory(c, &ch, &times, &selectors, &mut rng, opts),
        }
        .map_err(|e| match e {
            EngineError::Options(m) if opts.replicates > 1 => {
                EngineError::Options(format!("replicate {rep}: {m}"))
            }
            e => e,
        })
    })
}

/// One trajectory sampled at `times` (ascending, the first the start): the exact direct
/// method, or tau-leaping with `opts.tau_leap`; seeded by `opts.seed` alone.
pub(crate) fn single_trajectory(
    c: &Compiled,
    opts: &SsaOptions,
    times: &[f64],
    selectors: &[Selector],
) -> Result<Vec<Vec<f64>>, EngineError> {
    check_supported(c)?;
    if times.is_empty()
        || times.windows(2).any(|w| w[0] > w[1])
        || times.iter().any(|t| !t.is_finite())
    {
        return Err(EngineError::Options(
            "output times must be finite and ascending".into(),
        ));
    }
    if opts.tau_leap.is_some() && !c.events.is_empty() {
        return Err(EngineError::Unsupported(
            "events with tau-leaping (use the exact method)".into(),
        ));
    }
    let ch = changes(c);
    let mut rng = Pcg64Mcg::seed_from_u64(crate::draw::stream_seed(opts.seed, 0));
    let (rows, _) = match opts.tau_leap {
        Some(eps) => crate::tauleap::trajectory(c, &ch, times, selectors, &mut rng, eps, opts),
        None => trajectory(c, &ch, times, selectors, &mut rng, opts),
    }?;
    Ok(rows)
}

/// The error of a replicate that used up its step budget.
pub(crate) fn budget_exhausted(max_steps: u64, t: f64) -> EngineError {
    EngineError::Options(format!(
        "the stochastic simulation reached its limit of {max_steps} steps at t = {t}; raise --max-steps, shorten the run, or use --tau-leap"
    ))
}

/// Reads every reaction's propensity from the loaded slots into `a`; returns their sum.
// Not inlined: inside the large `trajectory` the running sum was spilled to the stack on
// every iteration.
#[inline(never)]
pub(crate) fn propensities_at(
    sys: &Sys,
    ch: &Changes,
    t: f64,
    a: &mut [f64],
) -> Result<f64, EngineError> {
    // No early exit inside the loop: with one, the running sum was kept in memory and the
    // loop ran at store-forwarding latency (a fifth of the time per event on Vilar's 16
    // reactions, measured with perf). The check is folded into a flag instead.
    let mut a0 = 0.0;
    let mut all_valid = true;
    for (aj, &slot) in a.iter_mut().zip(&ch.rate_slots) {
        let v = sys.v[slot];
        *aj = v;
        // False for negative values and NaN alike.
        all_valid &= v >= 0.0;
        a0 += v;
    }
    if !all_valid {
        if let Some(j) = a.iter().position(|v| *v < 0.0 || v.is_nan()) {
            return Err(negative_propensity(sys.c, ch, j, a[j], t));
        }
    }
    Ok(a0)
}

/// The error of a channel whose propensity is negative or undefined.
pub(crate) fn negative_propensity(
    c: &Compiled,
    ch: &Changes,
    j: usize,
    a: f64,
    t: f64,
) -> EngineError {
    EngineError::InvalidModel(format!(
        "reaction '{}' has rate {a} at t = {t}; propensities must be non-negative (a reversible rate law is split into forward and backward firings only when written as a difference, kf*A - kr*B)",
        ch.channel_name(c, j)
    ))
}

/// A replicate's seed for its `distrib` draws, taken from its stream only when the model
/// draws (so models without draws keep their trajectories whatever this feature does).
pub(crate) fn draw_seed(c: &Compiled, rng: &mut Pcg64Mcg) -> u64 {
    if c.has_draws {
        rng.random()
    } else {
        0
    }
}

/// The slots and state at `t0`, with every species a non-negative whole number of molecules
/// (start amounts that are not whole numbers treated as `initial` says); `distrib` draws
/// come from a stream seeded by `draw_seed`.
pub(crate) fn start_state(
    c: &Compiled,
    t0: f64,
    initial: InitialCounts,
    draw_seed: u64,
) -> Result<(Sys<'_>, Vec<f64>), EngineError> {
    let mut sys = Sys::new(c);
    sys.seed_draws(draw_seed);
    for (slot, e) in &c.initial {
        let x = sys.eval(e, t0);
        sys.v[*slot] = x;
    }
    sys.draw_error()?;
    let mut y: Vec<f64> = c.states.iter().map(|st| sys.v[st.slot]).collect();
    for (st, n) in c.states.iter().zip(&mut y) {
        if !matches!(c.model.symbols[st.symbol].kind, SymbolKind::Species { .. }) {
            continue;
        }
        let id = c.name(st.symbol);
        let amount = if *n != 0.0 && n.is_finite() && !(1e-4..1e15).contains(&n.abs()) {
            format!("{n:e}")
        } else {
            format!("{n}")
        };
        if *n < 0.0 || !n.is_finite() {
            return Err(EngineError::Options(format!(
                "species '{id}' starts at {amount} molecules; stochastic simulation needs a non-negative whole number"
            )));
        }
        if n.fract() == 0.0 {
            continue;
        }
        match initial {
            InitialCounts::Round => *n = n.round(),
            InitialCounts::Floor => *n = n.floor(),
            InitialCounts::Error => {
                let hint = if *n < 1.0 {
                    "; an amount below one molecule suggests the model counts moles or concentrations: scale its amounts to molecule counts (rounding would start it at 0)"
                } else {
                    ""
                };
                return Err(EngineError::Options(format!(
                    "species '{id}' starts at {amount} molecules, not a whole number; stochastic simulation counts molecules: use --ssa-initial round (or floor) to round every start amount{hint}"
                )));
            }
        }
    }
    sys.load(t0, &y);
    Ok((sys, y))
}

/// One trajectory (start amounts and step budget from `opts`): the selected values at each
/// output time.
fn trajectory(
    c: &Compiled,
    ch: &Changes,
    times: &[f64],
    selectors: &[Selector],
    rng: &mut Pcg64Mcg,
    opts: &SsaOptions,
) -> Result<(Vec<Vec<f64>>, u64), EngineError> {
    let max_steps = opts.max_steps;
    let t0 = times[0];
    let mut steps = 0u64;
    let mut fired = 0u64;
    let t_end = times[times.len() - 1];
    let (mut sys, mut y) = start_state(c, t0, opts.initial, draw_seed(c, rng))?;
    let solver_opts = Options::default();
    let mut events = Events::new(c, rng.random());
    let mut out = Vec::with_capacity(times.len());
    let mut next_out = 0;
    let mut t = t0;
    if !c.events.is_empty() {
        events.process(&mut sys, t, &mut y, &solver_opts)?;
    }
    let record = |sys: &mut Sys, tau: f64, y: &[f64], out: &mut Vec<Vec<f64>>| {
        sys.load(tau, y);
        out.push(
            selectors
                .iter()
                .map(|&s| value(c, &sys.v, tau, s))
                .collect(),
        );
    };
    let mut propensities = vec![0.0; ch.rate_slots.len()];
    let mut tree = ch
        .dependents
        .as_ref()
        .filter(|_| ch.rate_slots.len() >= SUM_TREE_FROM)
        .map(|deps| (SumTree::new(ch.rate_slots.len()), deps));
    // After an event (or without a dependency graph) every slot is recomputed.
    let mut reload = true;
    let mut fired_reaction: Option<usize> = None;
    loop {
        steps += 1;
        if steps > max_steps {
            return Err(budget_exhausted(max_steps, t));
        }
        let full = reload;
        if reload {
            ch.load(&mut sys, t, &y);
        }
        reload = ch.updates.is_none();
        let a0 = match (&mut tree, fired_reaction) {
            // Only the propensities the last firing touched change.
            (Some((tree, deps)), Some(r)) if !full => {
                for &j in &deps[r] {
                    let a = sys.v[ch.rate_slots[j]];
                    if a < 0.0 || a.is_nan() {
                        return Err(negative_propensity(c, ch, j, a, t));
                    }
                    tree.set(j, a);
                }
                tree.total()
            }
            (Some((tree, _)), _) => {
                let a0 = propensities_at(&sys, ch, t, &mut propensities)?;
                tree.rebuild(&propensities);
                a0
            }
            (None, _) => propensities_at(&sys, ch, t, &mut propensities)?,
        };
        fired_reaction = None;
        let u: f64 = 1.0 - rng.random::<f64>();
        let t_next = if a0 > 0.0 {
            t - u.ln() / a0
        } else {
            f64::INFINITY
        };
        // Events in (t, min(t_next, next scheduled, t_end)]: the state is constant, only time moves.
        let horizon = t_next.min(events.next_time(t)).min(t_end);
        let te = if c.events.is_empty() {
            None
        } else {
            trigger_time(&mut sys, &events, &y, t, horizon)
                .or((horizon == events.next_time(t)).then_some(horizon))
        };
        let stop = te.unwrap_or(t_next);
        // The state holds until `stop`: outputs before it see the current state.
        while next_out < times.len() && times[next_out] < stop {
            record(&mut sys, times[next_out], &y, &mut out);
            next_out += 1;
        }
        if let Some(te) = te {
            t = te;
            events.process(&mut sys, t, &mut y, &solver_opts)?;
            reload = true;
            continue;
        }
        if t_next > t_end {
            break;
        }
        t = t_next;
        fired += 1;
        // Which reaction fires.
        let mut pick = rng.random::<f64>() * a0;
        let r = match &tree {
            Some((tree, _)) => tree.find(pick),
            None => {
                let mut r = propensities.len() - 1;
                for (i, a) in propensities.iter().enumerate() {
                    if pick < *a {
                        r = i;
                        break;
                    }
                    pick -= a;
                }
                r
            }
        };
        fired_reaction = Some(r);
        for (k, term) in &ch.per_reaction[r] {
            let s = match term.stoich {
                StoichSlot::Const(s) => s,
                StoichSlot::Slot(i) => sys.v[i],
            };
            y[*k] += term.sign * s * term.conversion_factor.map_or(1.0, |i| sys.v[i]);
        }
        if let Some(updates) = &ch.updates {
            for (k, _) in &ch.per_reaction[r] {
                sys.v[c.states[*k].slot] = y[*k];
            }
            for &i in &updates[r] {
                let (slot, e) = &c.program[i];
                let x = match &ch.kernels[i] {
                    Some(p) => p.eval(&sys.v),
                    None => sys.eval(e, t),
                };
                sys.v[*slot] = x;
                ch.update_extras(&mut sys, t, i);
            }
        }
        if !c.events.is_empty() {
            reload |= events.process(&mut sys, t, &mut y, &solver_opts)?;
        }
    }
    while next_out < times.len() {
        record(&mut sys, times[next_out], &y, &mut out);
        next_out += 1;
    }
    Ok((out, fired))
}

/// First time in `(t, horizon]` at which a trigger differs from its last value, with the
/// state fixed at `y` (bisection in time; `None` if none changes by `horizon`).
fn trigger_time(sys: &mut Sys, events: &Events, y: &[f64], t: f64, horizon: f64) -> Option<f64> {
    if !horizon.is_finite() {
        return None;
    }
    let changed = |sys: &mut Sys, tau: f64| {
        sys.load(tau, y);
        events.changed(sys, tau)
    };
    if !changed(sys, horizon) {
        return None;
    }
    let (mut lo, mut hi) = (t, horizon);
    for _ in 0..200 {
        let mid = lo + 0.5 * (hi - lo);
        if mid <= lo || mid >= hi {
            break;
        }
        if changed(sys, mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Simulator;

    fn model(initial: &str, rate: &str) -> Simulator {
        let text = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
<model id="decay">
<listOfCompartments><compartment id="C" size="1" constant="true"/></listOfCompartments>
<listOfSpecies><species id="X" compartment="C" initialAmount="{initial}" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/></listOfSpecies>
<listOfParameters><parameter id="k" value="0.1" constant="true"/></listOfParameters>
<listOfReactions><reaction id="R" reversible="false">
<listOfReactants><speciesReference species="X" stoichiometry="1" constant="true"/></listOfReactants>
<kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML">{rate}</math></kineticLaw>
</reaction></listOfReactions>
</model></sbml>"#
        );
        Simulator::from_sbml_text(&text).unwrap()
    }

    const MASS_ACTION: &str = "<apply><times/><ci>k</ci><ci>X</ci></apply>";

    fn opts(replicates: usize, seed: u64) -> SsaOptions {
        SsaOptions {
            start: 0.0,
            duration: 10.0,
            steps: 10,
            replicates,
            seed,
            tau_leap: None,
            max_steps: crate::ssa::DEFAULT_SSA_MAX_STEPS,
            initial: InitialCounts::Error,
        }
    }

    /// Pure decay: the count is binomial(N, e^{-kt}); check mean and sd against it.
    #[test]
    fn decay_matches_binomial() {
        let sim = model("100", MASS_ACTION);
        let out = sim
            .simulate_ssa(&opts(20_000, 7), "time,X-mean,X-sd")
            .unwrap();
        for row in &out.rows {
            let p = (-0.1 * row[0]).exp();
            let (mean, sd) = (100.0 * p, (100.0 * p * (1.0 - p)).sqrt());
            let se = sd / (20_000f64).sqrt();
            assert!(
                (row[1] - mean).abs() <= 4.0 * se + 1e-12,
                "{row:?} vs mean {mean}"
            );
            if sd > 0.0 {
                assert!((row[2] / sd - 1.0).abs() < 0.05, "{row:?} vs sd {sd}");
            }
        }
    }

    /// Same seed, same bits, whatever the thread count; another seed differs.
    #[test]
    fn reproducible_across_thread_counts() {
        let sim = model("50", MASS_ACTION);
        let run = |threads: usize, seed: u64| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| {
                    sim.simulate_ssa(&opts(500, seed), "time,X-mean,X-sd")
                        .unwrap()
                })
        };
        let one = run(1, 3);
        let two = run(2, 3);
        let bits =
            |t: &TimeCourse| -> Vec<u64> { t.rows.iter().flatten().map(|x| x.to_bits()).collect() };
        assert_eq!(bits(&one), bits(&two));
        assert_ne!(bits(&one), bits(&run(2, 4)));
    }

    #[test]
    fn bad_counts_and_negative_rates_are_errors() {
        let err = model("2.5", MASS_ACTION)
            .simulate_ssa(&opts(2, 1), "time,X-mean")
            .unwrap_err();
        let text = err.to_string();
        for needle in ["'X'", "2.5", "whole number", "--ssa-initial round"] {
            assert!(text.contains(needle), "{needle:?} missing: {text}");
        }
        let err = model("0.25", MASS_ACTION)
            .simulate_ssa(&opts(2, 1), "time,X-mean")
            .unwrap_err();
        assert!(err.to_string().contains("scale"), "{err}");
        let mut round = opts(2, 1);
        round.initial = InitialCounts::Round;
        let err = model("-1", MASS_ACTION)
            .simulate_ssa(&round, "time,X-mean")
            .unwrap_err();
        assert!(err.to_string().contains("non-negative"), "{err}");
        let err = model("10", "<apply><minus/><ci>k</ci></apply>")
            .simulate_ssa(&opts(2, 1), "time,X-mean")
            .unwrap_err();
        assert!(err.to_string().contains("non-negative"), "{err}");
        let err = model("10", MASS_ACTION)
            .simulate_ssa(&opts(2, 1), "time,X")
            .unwrap_err();
        assert!(err.to_string().contains("'X-mean'"), "{err}");
    }

    /// `Round` and `Floor` change only the start amounts that are not whole numbers.
    #[test]
    fn initial_counts_round_or_floor() {
        for (initial, amount, expected) in [
            (InitialCounts::Round, "2.5", 3.0),
            (InitialCounts::Round, "2.4", 2.0),
            (InitialCounts::Floor, "2.9", 2.0),
            (InitialCounts::Floor, "7", 7.0),
            (InitialCounts::Error, "7", 7.0),
        ] {
            let o = SsaOptions {
                initial,
                ..opts(3, 1)
            };
            let out = model(amount, MASS_ACTION)
                .simulate_ssa(&o, "time,X-mean,X-sd")
                .unwrap();
            assert_eq!(
                out.rows[0],
                vec![0.0, expected, 0.0],
                "{initial:?} {amount}"
            );
        }
    }

    #[test]
    fn default_ssa_selection_is_species_amounts() {
        let sim = model("5", MASS_ACTION);
        assert_eq!(sim.default_ssa_selection(1), ["time", "X"]);
        assert_eq!(sim.default_ssa_selection(4), ["time", "X-mean", "X-sd"]);
        let out = sim
            .simulate_ssa(&opts(4, 1), &sim.default_ssa_selection(4).join(","))
            .unwrap();
        assert_eq!(out.rows[0], vec![0.0, 5.0, 0.0]);
    }

    /// 40 independent immigration-death species (80 reactions: the sum-tree path). At t = 5
    /// X_i is Poisson with mean (i + 1)(1 - e^-5): ensemble means within 4 standard errors and
    /// variance-to-mean ratios near 1.
    #[test]
    fn sum_tree_path_matches_poisson_stationary_law() {
        let n = 40;
        let mut species = String::new();
        let mut reactions = String::new();
        for i in 0..n {
            species.push_str(&format!(
                r#"<species id="X{i}" compartment="C" initialAmount="0" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/>"#
            ));
            reactions.push_str(&format!(
                r#"<reaction id="in{i}" reversible="false"><listOfProducts><speciesReference species="X{i}" stoichiometry="1" constant="true"/></listOfProducts>
<kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><cn>{}</cn></math></kineticLaw></reaction>
<reaction id="out{i}" reversible="false"><listOfReactants><speciesReference species="X{i}" stoichiometry="1" constant="true"/></listOfReactants>
<kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><ci>X{i}</ci></math></kineticLaw></reaction>"#,
                i + 1
            ));
        }
        let text = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2"><model id="many">
<listOfCompartments><compartment id="C" size="1" constant="true"/></listOfCompartments>
<listOfSpecies>{species}</listOfSpecies><listOfReactions>{reactions}</listOfReactions></model></sbml>"#
        );
        let sim = Simulator::from_sbml_text(&text).unwrap();
        assert!(sim.compiled().model.reactions.len() >= SUM_TREE_FROM);
        let reps = 4000;
        let opts = SsaOptions {
            start: 0.0,
            duration: 5.0,
            steps: 1,
            replicates: reps,
            seed: 7,
            tau_leap: None,
            max_steps: crate::ssa::DEFAULT_SSA_MAX_STEPS,
            initial: InitialCounts::Error,
        };
        let sel: Vec<String> = (0..n)
            .flat_map(|i| [format!("X{i}-mean"), format!("X{i}-sd")])
            .collect();
        let out = sim.simulate_ssa(&opts, &sel.join(",")).unwrap();
        let last = &out.rows[1];
        for i in 0..n {
            let expected = (i + 1) as f64 * (1.0 - (-5.0f64).exp());
            let (mean, sd) = (last[2 * i], last[2 * i + 1]);
            let se = (expected / reps as f64).sqrt();
            assert!(
                (mean - expected).abs() < 4.0 * se,
                "X{i}: mean {mean} vs {expected}"
            );
            let ratio = sd * sd / expected;
            assert!((ratio - 1.0).abs() < 0.15, "X{i}: variance/mean {ratio}");
        }
    }
}
