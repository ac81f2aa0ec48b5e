//! Reversible reactions in stochastic simulation: a rate law written as a difference of a
//! forward and a backward term (`kf*A - kr*B`, possibly times common factors such as the
//! compartment) is not a propensity (it goes negative), so each such reaction becomes two
//! channels, the forward term firing the reaction as written and the backward term firing
//! it in reverse. This is the usual reading of such laws for the master equation (COPASI's
//! "split reversible reactions", iNA's treatment); the deterministic rate, their difference,
//! is unchanged. Laws of other forms stay one channel, and a negative value is an error
//! naming the reaction.

use crate::compile::Compiled;
use crate::eval::CExpr;
use crate::runtime::Sys;
use crate::ssa::{Changes, Product};

/// Which half of a split reaction a channel fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Forward,
    Reverse,
}

/// The forward and backward terms of a law `a - b` or `f1 * ... * (a - b) * ... * fn`.
fn difference(e: &CExpr) -> Option<(CExpr, CExpr)> {
    match e {
        CExpr::Sub(ab) => Some((ab[0].clone(), ab[1].clone())),
        CExpr::Mul(factors) => {
            let mut subs = factors
                .iter()
                .enumerate()
                .filter(|(_, f)| matches!(f, CExpr::Sub(_)));
            let (i, CExpr::Sub(ab)) = subs.next()? else {
                return None;
            };
            if subs.next().is_some() {
                return None;
            }
            let with = |term: &CExpr| {
                let mut fs: Vec<CExpr> = factors.clone();
                fs[i] = term.clone();
                CExpr::Mul(fs)
            };
            Some((with(&ab[0]), with(&ab[1])))
        }
        _ => None,
    }
}

/// Turns the per-reaction `Changes` into per-channel ones, splitting every reaction whose law
/// is a difference.
pub(crate) fn split_channels(c: &Compiled, mut ch: Changes) -> Changes {
    let n_reactions = ch.rate_slots.len();
    let entry_of_slot: std::collections::HashMap<usize, usize> = c
        .program
        .iter()
        .enumerate()
        .map(|(i, (slot, _))| (*slot, i))
        .collect();
    let mut channels_of_reaction: Vec<Vec<usize>> = vec![Vec::new(); n_reactions];
    let mut per_channel = Vec::new();
    let mut slots = Vec::new();
    for (r, channels) in channels_of_reaction.iter_mut().enumerate() {
        let slot = ch.rate_slots[r];
        let split = entry_of_slot
            .get(&slot)
            .and_then(|&i| difference(&c.program[i].1).map(|d| (i, d)));
        match split {
            Some((entry, (forward, backward))) => {
                for (dir, law) in [
                    (Direction::Forward, forward),
                    (Direction::Reverse, backward),
                ] {
                    let extra = c.n_slots + ch.extras.len();
                    ch.extras_of_entry[entry].push(ch.extras.len());
                    let kernel = Product::of(&law);
                    ch.extras.push((extra, law, kernel));
                    let sign = if dir == Direction::Forward { 1.0 } else { -1.0 };
                    let terms = ch.per_reaction[r]
                        .iter()
                        .map(|(k, term)| {
                            let mut t = term.clone();
                            t.sign *= sign;
                            (*k, t)
                        })
                        .collect();
                    channels.push(per_channel.len());
                    ch.channels.push((r, Some(dir)));
                    per_channel.push(terms);
                    slots.push(extra);
                }
            }
            None => {
                channels.push(per_channel.len());
                ch.channels.push((r, None));
                per_channel.push(ch.per_reaction[r].clone());
                slots.push(slot);
            }
        }
    }
    ch.updates = ch
        .updates
        .map(|u| ch.channels.iter().map(|(r, _)| u[*r].clone()).collect());
    ch.dependents = ch.dependents.map(|d| {
        ch.channels
            .iter()
            .map(|(r, _)| {
                d[*r]
                    .iter()
                    .flat_map(|dep| channels_of_reaction[*dep].iter().copied())
                    .collect()
            })
            .collect()
    });
    ch.per_reaction = per_channel;
    ch.rate_slots = slots;
    ch
}

impl Changes {
    /// Loads the state into the slots and computes the split channels' propensities.
    pub(crate) fn load(&self, sys: &mut Sys, t: f64, y: &[f64]) {
        sys.load(t, y);
        if self.extras.is_empty() {
            return;
        }
        let n = sys.c.n_slots + self.extras.len();
        if sys.v.len() < n {
            sys.v.resize(n, 0.0);
        }
        for k in 0..self.extras.len() {
            self.compute_extra(sys, t, k);
        }
    }

    /// Recomputes the split propensities derived from program entry `entry`.
    pub(crate) fn update_extras(&self, sys: &mut Sys, t: f64, entry: usize) {
        for &k in &self.extras_of_entry[entry] {
            self.compute_extra(sys, t, k);
        }
    }

    fn compute_extra(&self, sys: &mut Sys, t: f64, k: usize) {
        let (slot, e, kernel) = &self.extras[k];
        let x = match kernel {
            Some(p) => p.eval(&sys.v),
            None => sys.eval(e, t),
        };
        sys.v[*slot] = x;
    }

    /// How an error names channel `j`: its reaction, with the direction when split.
    pub(crate) fn channel_name(&self, c: &Compiled, j: usize) -> String {
        let (r, dir) = self.channels[j];
        let id = c.name(c.model.reactions[r].symbol);
        match dir {
            None => id.to_string(),
            Some(Direction::Forward) => format!("{id} (forward term)"),
            Some(Direction::Reverse) => format!("{id} (backward term)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ssa::{InitialCounts, SsaOptions};
    use crate::Simulator;

    /// A ⇌ B with the law C * (kf A - kr B), N molecules starting as A: the split channels
    /// give each molecule an independent two-state chain, so at time t A is binomial with
    /// p(t) = (kr + kf e^{-(kf+kr) t}) / (kf + kr). Checked on the ensemble mean and sd, and
    /// by the direct method and tau-leaping alike.
    #[test]
    fn a_reversible_law_written_as_a_difference_is_two_channels() {
        let (kf, kr, n) = (0.3f64, 0.1f64, 40.0f64);
        let text = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2"><model id="rev">
<listOfCompartments><compartment id="C" size="1" constant="true"/></listOfCompartments>
<listOfSpecies><species id="A" compartment="C" initialAmount="{n}" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/>
<species id="B" compartment="C" initialAmount="0" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/></listOfSpecies>
<listOfParameters><parameter id="kf" value="{kf}" constant="true"/><parameter id="kr" value="{kr}" constant="true"/></listOfParameters>
<listOfReactions><reaction id="R" reversible="true">
<listOfReactants><speciesReference species="A" stoichiometry="1" constant="true"/></listOfReactants>
<listOfProducts><speciesReference species="B" stoichiometry="1" constant="true"/></listOfProducts>
<kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><ci>C</ci><apply><minus/><apply><times/><ci>kf</ci><ci>A</ci></apply><apply><times/><ci>kr</ci><ci>B</ci></apply></apply></apply></math></kineticLaw>
</reaction></listOfReactions></model></sbml>"#
        );
        let sim = Simulator::from_sbml_text(&text).unwrap();
        let replicates = 4000;
        for tau_leap in [None, Some(0.03)] {
            let opts = SsaOptions {
                start: 0.0,
                duration: 20.0,
                steps: 4,
                replicates,
                seed: 7,
                tau_leap,
                max_steps: 10_000_000,
                initial: InitialCounts::Error,
            };
            let t = sim.simulate_ssa(&opts, "time,A-mean,A-sd").unwrap();
            for row in &t.rows[1..] {
                let time = row[0];
                let p = (kr + kf * (-(kf + kr) * time).exp()) / (kf + kr);
                let (mean, sd) = (n * p, (n * p * (1.0 - p)).sqrt());
                // Five standard errors of the mean and of the sd.
                let se = sd / (replicates as f64).sqrt();
                assert!(
                    (row[1] - mean).abs() < 5.0 * se,
                    "{tau_leap:?} t = {time}: mean {} vs {mean}",
                    row[1]
                );
                assert!(
                    (row[2] - sd).abs() < 5.0 * sd / (2.0 * replicates as f64).sqrt() + 0.02 * sd,
                    "{tau_leap:?} t = {time}: sd {} vs {sd}",
                    row[2]
                );
            }
        }
    }
}
