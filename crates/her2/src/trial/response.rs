//! The exposure–response surface, taken from the HER2 laboratory at run time: for each
//! tumour genotype (a cell line with one or no resistance modifier) the lab is run at a
//! tensor grid of constant concentrations of an arm's drugs (zero and log-spaced nodes up to
//! twice the typical patient's peak tumour exposure), and the net per-cell growth rate
//! ln(N(T)/N(0))/T over `LAB_HOURS` is recorded. Combinations are run as combinations, so
//! the lab's interactions carry over. Between nodes the rate is interpolated multilinearly:
//! linearly in concentration below the first positive node, in log-concentration above it;
//! held constant above the last node.

use rayon::prelude::*;

use crate::lab::{Condition, Extras, Lab};

use super::TrialError;

/// The lab horizon of each grid point (h): five days, the lab's usual assay length.
pub const LAB_HOURS: f64 = 120.0;
/// Decades below the top node that the log-spaced nodes cover.
pub const DECADES: f64 = 4.0;

/// The model parameter scaling a cell's proliferation (1 in the laboratory).
pub const CAPACITY_PARAM: &str = "proliferation_capacity";

/// The model species holding a cell's DXd (nM), which a donor genotype releases.
const DXD_SPECIES: &str = "payload_dxd";
/// Samples over `LAB_HOURS` from which a donor's mean DXd is taken (every 5 h).
const DONOR_SAMPLES: usize = 24;

/// A tumour genotype the surface covers. `dxd_donor`: the genotype (an index into the same
/// list, itself without a donor) whose cells surround these and whose released DXd bathes
/// them: a HER2-low clone inside a HER2-amplified tumour gets T-DXd's payload from its
/// neighbours (the bystander effect; Ogitani 2016 co-cultures) although it takes up little
/// conjugate itself. `growth_reference`: the genotype (an index, itself without a reference)
/// whose untreated growth this one's is matched to by scaling its proliferation
/// (`proliferation_capacity`): the clones of one tumour share one untreated in-vivo growth
/// in the tumour model, so in the lab they must too, or a clone the lab makes divide faster
/// (PTEN loss, PIK3CA: proliferation follows AKT activity nearly quadratically in the
/// fitted model) would look more sensitive to every drug that acts on dividing cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Genotype {
    pub condition: Condition,
    pub dxd_donor: Option<usize>,
    pub growth_reference: Option<usize>,
    /// Model parameters set beyond the condition's (population-level in-vivo values).
    pub set: Vec<(String, f64)>,
    /// Model parameters the cells lived in before the run (`Extras::milieu`: part of the
    /// untreated steady state), such as the tumour's interstitial heregulin.
    pub milieu: Vec<(String, f64)>,
}

impl Genotype {
    /// A genotype on its own (no donor).
    pub fn alone(condition: Condition) -> Genotype {
        Genotype {
            condition,
            dxd_donor: None,
            growth_reference: None,
            set: Vec::new(),
            milieu: Vec::new(),
        }
    }

    /// `bt474+tumour-tissue`, or `zr-75-1+tumour-tissue (DXd from genotype 0)`.
    pub fn label(&self) -> String {
        match self.dxd_donor {
            Some(d) => format!("{} (DXd from genotype {d})", self.condition.label()),
            None => self.condition.label(),
        }
    }
}

/// Mean of evenly spaced samples by the trapezoid rule.
fn time_mean(v: &[f64]) -> f64 {
    match v.len() {
        0 => 0.0,
        1 => v[0],
        n => {
            let inner: f64 = v[1..n - 1].iter().sum();
            (0.5 * (v[0] + v[n - 1]) + inner) / (n - 1) as f64
        }
    }
}

/// Net growth rates (/h) of some conditions on a concentration grid of some drugs.
#[derive(Debug, Clone)]
pub struct Surface {
    pub drugs: Vec<String>,
    /// Per drug: node concentrations (mg/L), the first 0.
    pub nodes: Vec<Vec<f64>>,
    pub conditions: Vec<Condition>,
    /// Per condition: the `proliferation_capacity` that matches its untreated growth to its
    /// `growth_reference` (1 without one).
    pub capacities: Vec<f64>,
    /// `rates[condition][flat grid index]`, first drug varying slowest.
    rates: Vec<Vec<f64>>,
    /// Flat-index stride of each drug.
    strides: Vec<usize>,
}

/// Most drugs an arm may combine: 2^5 interpolation corners, and 4^5 grid points per genotype.
pub const MAX_DRUGS: usize = 5;
const MAX_CORNERS: usize = 1 << MAX_DRUGS;

/// Grid corners around a point and their multilinear weights.
#[derive(Debug, Clone, Copy)]
pub struct Corners {
    n: usize,
    at: [(usize, f64); MAX_CORNERS],
}

/// Grid nodes per drug: finer for fewer drugs, so one condition needs at most ~250 runs.
fn nodes_per_drug(k: usize) -> usize {
    match k {
        0 | 1 => 13,
        2 => 9,
        3 => 6,
        _ => 4,
    }
}

impl Surface {
    /// Runs the lab for every condition at every grid point. `top[d]`: the highest
    /// concentration (mg/L) of drug `d` the grid must cover.
    pub fn build(
        lab: &Lab,
        drugs: &[String],
        top: &[f64],
        genotypes: &[Genotype],
    ) -> Result<Surface, TrialError> {
        if drugs.len() > MAX_DRUGS || top.len() != drugs.len() {
            return Err(TrialError::Invalid(format!(
                "{} drugs in one arm: at most {MAX_DRUGS} (the lab is run on a grid over all of them)",
                drugs.len()
            )));
        }
        if let Some((c, d)) = genotypes.iter().enumerate().find_map(|(c, g)| {
            g.dxd_donor
                .filter(|&d| d >= genotypes.len() || genotypes[d].dxd_donor.is_some())
                .map(|d| (c, d))
        }) {
            return Err(TrialError::Invalid(format!(
                "genotype {c}: its DXd donor {d} must be another genotype without a donor"
            )));
        }
        if let Some((c, r)) = genotypes.iter().enumerate().find_map(|(c, g)| {
            g.growth_reference
                .filter(|&r| r >= genotypes.len() || genotypes[r].growth_reference.is_some())
                .map(|r| (c, r))
        }) {
            return Err(TrialError::Invalid(format!(
                "genotype {c}: its growth reference {r} must be another genotype without one"
            )));
        }
        let capacities = matched_capacities(lab, genotypes)?;
        let genotypes: Vec<Genotype> = genotypes
            .iter()
            .zip(&capacities)
            .map(|(g, &k)| {
                let mut g = g.clone();
                if g.growth_reference.is_some() {
                    g.set.push((CAPACITY_PARAM.into(), k));
                }
                g
            })
            .collect();
        let genotypes = &genotypes[..];
        let n = nodes_per_drug(drugs.len());
        let nodes: Vec<Vec<f64>> = top
            .iter()
            .map(|&hi| {
                let hi = hi.max(1e-9);
                let mut v = vec![0.0];
                v.extend((0..n - 1).map(|i| {
                    hi * 10f64.powf(-DECADES * (n - 2 - i) as f64 / (n - 2).max(1) as f64)
                }));
                v
            })
            .collect();
        let points: usize = nodes.iter().map(Vec::len).product();
        let is_donor: Vec<bool> = (0..genotypes.len())
            .map(|c| genotypes.iter().any(|g| g.dxd_donor == Some(c)))
            .collect();
        // Genotypes without a donor first (recording the DXd of those others need), then the
        // ones bathed in a donor's DXd at the same grid point.
        let jobs = |dependent: bool| -> Vec<(usize, usize)> {
            (0..genotypes.len())
                .filter(|&c| genotypes[c].dxd_donor.is_some() == dependent)
                .flat_map(|c| (0..points).map(move |p| (c, p)))
                .collect()
        };
        let run = |c: usize, p: usize, dxd: &[Vec<f64>]| -> Result<(f64, f64), TrialError> {
            let g = &genotypes[c];
            let conc = unflatten(p, &nodes);
            let text = treatment_text(drugs, &conc);
            let t = lab.treatment(&text).map_err(|e| TrialError::Lab {
                what: format!("treatment {text}"),
                reason: e.to_string(),
            })?;
            let mut extras = Extras {
                set: g.set.clone(),
                outputs: Vec::new(),
                milieu: g.milieu.clone(),
            };
            let mut steps = 1;
            if is_donor[c] {
                extras.outputs.push(DXD_SPECIES.into());
                steps = DONOR_SAMPLES;
            }
            if let Some(d) = g.dxd_donor {
                // The interstitium of a tissue of donor cells holds the retained share of
                // what they release (`dxd_retention`, as a tissue of like cells returns its
                // own); the bathed minority's own release is part of that mix, so its own
                // retention is set to 0.
                let retained = lab
                    .condition_setting(&genotypes[d].condition, "dxd_retention")
                    .unwrap_or(0.0);
                extras.set.push(("dxd_retention".into(), 0.0));
                extras
                    .set
                    .push(("dxd_bystander".into(), retained * dxd[d][p]));
            }
            let (run, more) = lab
                .run_with(&g.condition, &t, LAB_HOURS, steps, &extras)
                .map_err(|e| TrialError::Lab {
                    what: format!("{} on {text}", g.label()),
                    reason: e.to_string(),
                })?;
            let (n0, n1) = (run.values[0][0], run.last()[0]);
            if !(n0 > 0.0 && n1 > 0.0 && n0.is_finite() && n1.is_finite()) {
                return Err(TrialError::Lab {
                    what: format!("{} on {text}", g.label()),
                    reason: format!("viable cells {n0} -> {n1}"),
                });
            }
            let mean_dxd = if is_donor[c] {
                time_mean(&more.iter().map(|r| r[0]).collect::<Vec<_>>())
            } else {
                0.0
            };
            Ok(((n1 / n0).ln() / LAB_HOURS, mean_dxd))
        };
        let mut rates = vec![vec![f64::NAN; points]; genotypes.len()];
        let mut dxd = vec![vec![0.0; points]; genotypes.len()];
        for dependent in [false, true] {
            let list = jobs(dependent);
            let done: Vec<(f64, f64)> = list
                .par_iter()
                .map(|&(c, p)| run(c, p, &dxd))
                .collect::<Result<_, _>>()?;
            for (&(c, p), (r, x)) in list.iter().zip(done) {
                rates[c][p] = r;
                dxd[c][p] = x;
            }
        }
        Ok(Surface {
            drugs: drugs.to_vec(),
            conditions: genotypes.iter().map(|g| g.condition.clone()).collect(),
            capacities,
            rates,
            strides: (0..nodes.len())
                .map(|d| nodes[d + 1..].iter().map(Vec::len).product())
                .collect(),
            nodes,
        })
    }

    /// Interpolation corners and weights at concentrations `conc` (mg/L, one per drug).
    pub fn weights(&self, conc: &[f64]) -> Corners {
        let mut out = Corners {
            n: 1,
            at: [(0, 0.0); MAX_CORNERS],
        };
        out.at[0] = (0, 1.0);
        for (d, nodes) in self.nodes.iter().enumerate() {
            let (i, f) = locate(nodes, conc.get(d).copied().unwrap_or(0.0));
            let stride = self.strides[d];
            let n = out.n;
            if f > 0.0 {
                for k in 0..n {
                    let (idx, w) = out.at[k];
                    out.at[k] = (idx + i * stride, w * (1.0 - f));
                    out.at[n + k] = (idx + (i + 1) * stride, w * f);
                }
                out.n = 2 * n;
            } else {
                for c in &mut out.at[..n] {
                    c.0 += i * stride;
                }
            }
        }
        out
    }

    /// The rate (/h) of condition `c` with the corner weights from [`Surface::weights`].
    pub fn rate_at(&self, c: usize, w: &Corners) -> f64 {
        let r = &self.rates[c];
        w.at[..w.n].iter().map(|&(i, x)| x * r[i]).sum()
    }

    /// The untreated rate (/h) of condition `c`.
    pub fn untreated(&self, c: usize) -> f64 {
        self.rates[c][0]
    }

    /// The rate (/h) of condition `c` at concentrations `conc` (mg/L).
    pub fn rate(&self, c: usize, conc: &[f64]) -> f64 {
        self.rate_at(c, &self.weights(conc))
    }
}

/// The untreated net rate (/h) of `g` with `extra` parameter settings.
fn untreated_rate(lab: &Lab, g: &Genotype, extra: &[(String, f64)]) -> Result<f64, TrialError> {
    let what = || format!("{} untreated", g.label());
    let t = lab.treatment("none").map_err(|e| TrialError::Lab {
        what: what(),
        reason: e.to_string(),
    })?;
    let extras = Extras {
        set: g.set.iter().chain(extra).cloned().collect(),
        outputs: Vec::new(),
        milieu: g.milieu.clone(),
    };
    let (run, _) = lab
        .run_with(&g.condition, &t, LAB_HOURS, 1, &extras)
        .map_err(|e| TrialError::Lab {
            what: what(),
            reason: e.to_string(),
        })?;
    let (n0, n1) = (run.values[0][0], run.last()[0]);
    if !(n0 > 0.0 && n1 > 0.0 && n0.is_finite() && n1.is_finite()) {
        return Err(TrialError::Lab {
            what: what(),
            reason: format!("viable cells {n0} -> {n1}"),
        });
    }
    Ok((n1 / n0).ln() / LAB_HOURS)
}

/// Per genotype, the proliferation capacity that gives it its reference's untreated rate.
/// Untreated, the net rate is proliferation (proportional to the capacity) minus death (which
/// does not depend on it), so two runs fix the line through them; 1 without a reference.
fn matched_capacities(lab: &Lab, genotypes: &[Genotype]) -> Result<Vec<f64>, TrialError> {
    genotypes
        .par_iter()
        .enumerate()
        .map(|(c, g)| {
            let Some(r) = g.growth_reference else {
                return Ok(1.0);
            };
            let target = untreated_rate(lab, &genotypes[r], &[])?;
            let r1 = untreated_rate(lab, g, &[])?;
            let k2 = if r1 > 0.0 && target > 0.0 { target / r1 } else { 2.0 };
            if (k2 - 1.0).abs() < 1e-9 {
                return Ok(1.0);
            }
            let r2 = untreated_rate(lab, g, &[(CAPACITY_PARAM.into(), k2)])?;
            let slope = (r2 - r1) / (k2 - 1.0);
            let k = 1.0 + (target - r1) / slope;
            if !(slope > 0.0 && k.is_finite() && k > 0.0) {
                return Err(TrialError::Invalid(format!(
                    "genotype {c} ({}): no proliferation capacity gives it the untreated rate {target:.5} /h of genotype {r} (rate {r1:.5} /h at 1, {r2:.5} /h at {k2:.3})",
                    g.label()
                )));
            }
            Ok(k)
        })
        .collect()
}

/// Node interval and fraction of `x` on `nodes` (0 first, then ascending positives).
fn locate(nodes: &[f64], x: f64) -> (usize, f64) {
    let last = nodes.len() - 1;
    if x.is_nan() || x <= 0.0 || last == 0 {
        return (0, 0.0);
    }
    if x >= nodes[last] {
        return (last, 0.0);
    }
    if x < nodes[1] {
        return (0, x / nodes[1]);
    }
    let mut i = 1;
    while i + 1 < last && x >= nodes[i + 1] {
        i += 1;
    }
    let f = (x / nodes[i]).ln() / (nodes[i + 1] / nodes[i]).ln();
    (i, f.clamp(0.0, 1.0))
}

fn unflatten(mut p: usize, nodes: &[Vec<f64>]) -> Vec<f64> {
    let mut conc = vec![0.0; nodes.len()];
    for d in (0..nodes.len()).rev() {
        conc[d] = nodes[d][p % nodes[d].len()];
        p /= nodes[d].len();
    }
    conc
}

/// The lab's treatment text for constant concentrations (mg/L = ug/mL).
fn treatment_text(drugs: &[String], conc: &[f64]) -> String {
    let parts: Vec<String> = drugs
        .iter()
        .zip(conc)
        .filter(|(_, c)| **c > 0.0)
        .map(|(d, c)| format!("{d}@{c:e}ug/mL"))
        .collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join("+")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Interpolation reproduces the lab at the nodes, and between two nodes lies between
    /// their values (the lab's rate falls monotonically with trastuzumab).
    #[test]
    fn the_surface_reproduces_the_lab_at_its_nodes() {
        let lab = Lab::builtin().unwrap();
        let cond = lab.condition("bt474", &[]).unwrap();
        let drugs = vec!["trastuzumab".to_string()];
        let s = Surface::build(&lab, &drugs, &[30.0], &[Genotype::alone(cond.clone())]).unwrap();
        for &c in &[0.0, s.nodes[0][3], 30.0] {
            let t = lab.treatment(&treatment_text(&drugs, &[c])).unwrap();
            let run = lab.run(&cond, &t, LAB_HOURS, 1).unwrap();
            let want = (run.last()[0] / run.values[0][0]).ln() / LAB_HOURS;
            assert!((s.rate(0, &[c]) - want).abs() < 1e-12, "{c}");
        }
        let (a, b) = (s.nodes[0][5], s.nodes[0][6]);
        let mid = s.rate(0, &[(a * b).sqrt()]);
        let (ra, rb) = (s.rate(0, &[a]), s.rate(0, &[b]));
        assert!(mid <= ra.max(rb) && mid >= ra.min(rb));
        assert!(s.rate(0, &[30.0]) < s.untreated(0));
        assert_eq!(s.rate(0, &[1e6]), s.rate(0, &[30.0]));
    }
}
