//! Adaptive explicit tau-leaping (Cao, Gillespie & Petzold, J Chem Phys 124:044109, 2006):
//! each leap fires a Poisson number of every non-critical reaction, with the leap chosen so
//! that no propensity changes by more than a fraction epsilon; reactions close to exhausting
//! a reactant ("critical", fewer than 10 firings left) fire at most once per leap, exactly as
//! in the direct method, and a leap that would make a count negative is halved and retried.
//! When leaps would be shorter than a few exact steps, it takes exact steps instead. The mean
//! change is bounded on each species' gross flux (see `leap_bound`), which keeps leaps stable
//! near steady states.

use rand::Rng;
use rand_distr::{Distribution, Poisson};
use rand_pcg::Pcg64Mcg;

use crate::compile::{Compiled, StoichSlot, Term};
use crate::select::{value, Selector};
use crate::ssa::{propensities_at, start_state, Changes, SsaOptions};
use crate::EngineError;

/// Reactions that could exhaust a reactant within this many firings are critical.
const CRITICAL: f64 = 10.0;
/// Exact steps taken when a leap would cover fewer than ~10 of them.
const EXACT_BURST: usize = 100;

fn stoich(term: &Term, v: &[f64]) -> f64 {
    let s = match term.stoich {
        StoichSlot::Const(s) => s,
        StoichSlot::Slot(i) => v[i],
    };
    term.sign * s * term.conversion_factor.map_or(1.0, |i| v[i])
}

/// One trajectory by tau-leaping (start amounts and step budget from `opts`); returns the
/// selected values per output time and the number of reaction firings.
pub(crate) fn trajectory(
    c: &Compiled,
    ch: &Changes,
    times: &[f64],
    selectors: &[Selector],
    rng: &mut Pcg64Mcg,
    eps: f64,
    opts: &SsaOptions,
) -> Result<(Vec<Vec<f64>>, u64), EngineError> {
    let max_steps = opts.max_steps;
    let mut steps = 0u64;
    let t_end = times[times.len() - 1];
    let (mut sys, mut y) = start_state(c, times[0], opts.initial, crate::ssa::draw_seed(c, rng))?;
    let n_r = ch.rate_slots.len();
    // Net change of each state per firing, and the highest order of the reactions consuming
    // each state (the g_i of the step-size rule).
    let nu = |sys: &crate::runtime::Sys, r: usize| -> Vec<(usize, f64)> {
        ch.per_reaction[r]
            .iter()
            .map(|(k, term)| (*k, stoich(term, &sys.v)))
            .collect()
    };
    let mut out = Vec::with_capacity(times.len());
    let mut next_out = 0;
    let mut t = times[0];
    let mut fired = 0u64;
    let mut a = vec![0.0; n_r];
    let record = |sys: &mut crate::runtime::Sys, tau: f64, y: &[f64], out: &mut Vec<Vec<f64>>| {
        sys.load(tau, y);
        out.push(
            selectors
                .iter()
                .map(|&s| value(c, &sys.v, tau, s))
                .collect(),
        );
    };
    while next_out < times.len() && times[next_out] <= t {
        record(&mut sys, times[next_out], &y, &mut out);
        next_out += 1;
    }
    while t < t_end {
        steps += 1;
        if steps > max_steps {
            return Err(crate::ssa::budget_exhausted(max_steps, t));
        }
        ch.load(&mut sys, t, &y);
        let mut a0 = propensities_at(&sys, ch, t, &mut a)?;
        let t_out = times.get(next_out).copied().unwrap_or(t_end);
        if a0 == 0.0 {
            t = t_out;
        } else {
            let changes: Vec<Vec<(usize, f64)>> = (0..n_r).map(|r| nu(&sys, r)).collect();
            // Firings left before a reactant runs out.
            let critical: Vec<bool> = changes
                .iter()
                .zip(&a)
                .map(|(ch, &aj)| {
                    aj > 0.0
                        && ch
                            .iter()
                            .filter(|(_, d)| *d < 0.0)
                            .any(|(k, d)| (y[*k] / -d).floor() < CRITICAL)
                })
                .collect();
            let tau1 = leap_bound(&changes, &a, &critical, &y, eps);
            if tau1 < 10.0 / a0 {
                // Leaping would not pay: exact direct-method steps, each one counted in the
                // step budget (the first was counted above).
                for burst in 0..EXACT_BURST {
                    if burst > 0 {
                        steps += 1;
                        if steps > max_steps {
                            return Err(crate::ssa::budget_exhausted(max_steps, t));
                        }
                    }
                    let t_next = t - (1.0 - rng.random::<f64>()).ln() / a0;
                    if t_next >= t_out {
                        t = t_out;
                        break;
                    }
                    let r = pick(&a, a0, rng);
                    for (k, d) in &changes[r] {
                        y[*k] += d;
                    }
                    fired += 1;
                    t = t_next;
                    ch.load(&mut sys, t, &y);
                    a0 = 0.0;
                    for (aj, &slot) in a.iter_mut().zip(&ch.rate_slots) {
                        *aj = sys.v[slot].max(0.0);
                        a0 += *aj;
                    }
                    if a0 == 0.0 {
                        t = t_out;
                        break;
                    }
                }
            } else {
                let a0c: f64 = a
                    .iter()
                    .zip(&critical)
                    .filter(|(_, c)| **c)
                    .map(|(x, _)| x)
                    .sum();
                let tau2 = if a0c > 0.0 {
                    -(1.0 - rng.random::<f64>()).ln() / a0c
                } else {
                    f64::INFINITY
                };
                let mut tau1 = tau1;
                loop {
                    let tau = tau1.min(tau2).min(t_out - t);
                    let mut trial = y.clone();
                    let mut n_fired = 0u64;
                    for r in (0..n_r).filter(|r| !critical[*r] && a[*r] > 0.0) {
                        let k = Poisson::new(a[r] * tau).map_or(0.0, |p| p.sample(rng));
                        if k > 0.0 {
                            n_fired += k as u64;
                            for (s, d) in &changes[r] {
                                trial[*s] += k * d;
                            }
                        }
                    }
                    if tau2 <= tau1 && tau2 <= t_out - t {
                        // One critical reaction fires at the end of the leap.
                        let weights: Vec<f64> = a
                            .iter()
                            .zip(&critical)
                            .map(|(x, c)| if *c { *x } else { 0.0 })
                            .collect();
                        let r = pick(&weights, a0c, rng);
                        for (s, d) in &changes[r] {
                            trial[*s] += d;
                        }
                        n_fired += 1;
                    }
                    if trial.iter().all(|x| *x >= 0.0) {
                        y = trial;
                        fired += n_fired;
                        t += tau;
                        break;
                    }
                    tau1 /= 2.0;
                }
            }
        }
        // Leaps end exactly on output times.
        while next_out < times.len() && times[next_out] <= t {
            record(&mut sys, times[next_out], &y, &mut out);
            next_out += 1;
        }
    }
    while next_out < times.len() {
        record(&mut sys, times[next_out], &y, &mut out);
        next_out += 1;
    }
    Ok((out, fired))
}

fn pick(weights: &[f64], total: f64, rng: &mut Pcg64Mcg) -> usize {
    let mut u = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if u < *w {
            return i;
        }
        u -= w;
    }
    weights.iter().rposition(|w| *w > 0.0).unwrap_or(0)
}

/// The leap over which no propensity changes by more than about `eps` (Cao et al., eq. 33,
/// with the mean change bounded on gross flux).
fn leap_bound(
    changes: &[Vec<(usize, f64)>],
    a: &[f64],
    critical: &[bool],
    y: &[f64],
    eps: f64,
) -> f64 {
    let n = y.len();
    let (mut mu, mut sigma2) = (vec![0.0; n], vec![0.0; n]);
    // Highest order of a non-critical reaction consuming each species, and its stoichiometry.
    let mut order = vec![(0.0f64, 0.0f64); n];
    for (r, ch) in changes.iter().enumerate() {
        if critical[r] {
            continue;
        }
        let reaction_order: f64 = ch.iter().filter(|(_, d)| *d < 0.0).map(|(_, d)| -d).sum();
        for (k, d) in ch {
            // Gross rather than net flux: near a steady state the net flux vanishes and the
            // Cao bound alone allows leaps of several relaxation times, where explicit
            // leaping is unstable and inflates the variance. Bounding every reaction's own
            // turnover keeps k·tau below epsilon.
            mu[*k] += d.abs() * a[r];
            sigma2[*k] += d * d * a[r];
            if *d < 0.0 && reaction_order > order[*k].0 {
                order[*k] = (reaction_order, -d);
            }
        }
    }
    let mut tau = f64::INFINITY;
    for i in 0..n {
        let (ord, own) = order[i];
        if ord == 0.0 {
            continue;
        }
        let x = y[i];
        let g = match (ord as u32, own as u32) {
            (1, _) => 1.0,
            (2, 1) => 2.0,
            (2, _) if x > 1.0 => 2.0 + 1.0 / (x - 1.0),
            (3, 1) => 3.0,
            (3, 2) if x > 1.0 => 1.5 * (2.0 + 1.0 / (x - 1.0)),
            (3, _) if x > 2.0 => 3.0 + 1.0 / (x - 1.0) + 2.0 / (x - 2.0),
            (o, _) => o as f64 + 1.0,
        };
        let bound = (eps * x / g).max(1.0);
        if mu[i] != 0.0 {
            tau = tau.min(bound / mu[i].abs());
        }
        if sigma2[i] > 0.0 {
            tau = tau.min(bound * bound / sigma2[i]);
        }
    }
    tau
}

#[cfg(test)]
mod tests {
    use crate::ssa::SsaOptions;
    use crate::Simulator;

    /// Immigration-death (DSMTS 00023's model): tau-leaping's mean and sd match the exact
    /// stationary Poisson(alpha/mu) statistics and take far fewer steps than exact SSA.
    #[test]
    fn immigration_death_statistics() {
        let text = r#"<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
<model id="id"><listOfCompartments><compartment id="cell" size="1" constant="true"/></listOfCompartments>
<listOfSpecies><species id="X" compartment="cell" initialAmount="0" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/></listOfSpecies>
<listOfReactions>
<reaction id="in" reversible="false"><listOfProducts><speciesReference species="X" stoichiometry="1" constant="true"/></listOfProducts>
<kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><cn>1000</cn></math></kineticLaw></reaction>
<reaction id="out" reversible="false"><listOfReactants><speciesReference species="X" stoichiometry="1" constant="true"/></listOfReactants>
<kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><cn>0.1</cn><ci>X</ci></apply></math></kineticLaw></reaction>
</listOfReactions></model></sbml>"#;
        let sim = Simulator::from_sbml_text(text).unwrap();
        let mut opts = SsaOptions {
            start: 0.0,
            duration: 60.0,
            steps: 3,
            replicates: 2000,
            seed: 5,
            tau_leap: Some(0.03),
            max_steps: crate::ssa::DEFAULT_SSA_MAX_STEPS,
            initial: crate::ssa::InitialCounts::Error,
        };
        let (leap, _) = sim.simulate_ssa_counted(&opts, "time,X-mean,X-sd").unwrap();
        // Mean: 10000 (1 - e^{-0.1 t}); the count is Poisson, so sd = sqrt(mean). Leaps with
        // epsilon 0.03 are first-order accurate: allow 0.5 % on the mean, 5 % on the sd.
        for row in &leap.rows[1..] {
            let mean = 10000.0 * (1.0 - (-0.1 * row[0]).exp());
            assert!((row[1] / mean - 1.0).abs() < 0.005, "{row:?} vs {mean}");
            assert!((row[2] / mean.sqrt() - 1.0).abs() < 0.05, "{row:?}");
        }
        opts.tau_leap = Some(1.5);
        assert!(sim.simulate_ssa(&opts, "time,X-mean").is_err());
    }

    /// Exact bursts (few molecules, where leaping would not pay) count every firing in the
    /// step budget: 10 molecules decaying over one output interval take about 10 firings,
    /// which a budget of 5 must stop.
    #[test]
    fn exact_bursts_count_in_the_step_budget() {
        let text = r#"<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
<model id="d"><listOfCompartments><compartment id="cell" size="1" constant="true"/></listOfCompartments>
<listOfSpecies><species id="X" compartment="cell" initialAmount="10" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/></listOfSpecies>
<listOfReactions>
<reaction id="out" reversible="false"><listOfReactants><speciesReference species="X" stoichiometry="1" constant="true"/></listOfReactants>
<kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><cn>1</cn><ci>X</ci></apply></math></kineticLaw></reaction>
</listOfReactions></model></sbml>"#;
        let sim = Simulator::from_sbml_text(text).unwrap();
        let mut opts = SsaOptions {
            start: 0.0,
            duration: 50.0,
            steps: 1,
            replicates: 1,
            seed: 1,
            tau_leap: Some(0.03),
            max_steps: 5,
            initial: crate::ssa::InitialCounts::Error,
        };
        let err = sim.simulate_ssa(&opts, "time,X").unwrap_err();
        assert!(err.to_string().contains("--max-steps"), "{err}");
        opts.max_steps = 11;
        let out = sim.simulate_ssa(&opts, "time,X").unwrap();
        assert_eq!(out.rows[1][1], 0.0);
    }
}
