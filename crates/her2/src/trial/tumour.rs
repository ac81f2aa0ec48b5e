//! A patient's tumour under an arm's regimen: subclones (the sensitive parental genotype and
//! the resistant ones) sharing one Gompertz carrying capacity, each changed by the drug
//! effect the laboratory measured for its genotype at the patient's tumour exposure:
//!
//! d ln V_i / dt = g(V) + κ (g(V) / g(V₀))^ν (r_i(C(t)) − r_i(0)),
//! g(V) = α ln(K / V),   V = Σ V_i,
//!
//! with α set so that the untreated tumour doubles in the patient's doubling time at its
//! baseline size V₀, and κ = multiplier × sensitivity × (ln 2 / doubling time) / r_parental(0)
//! (sensitivity: the patient's log-normal factor, median 1): the in-vitro
//! change of the per-cell rate scaled by how much slower the tumour grows in the patient
//! than the cells in the dish. Norton–Simon: the effect of a drug is proportional to the
//! growth rate the untreated tumour would have at its current size, so with ν = 1
//! (`Numbers::norton_simon`) a tumour shrunk by one drug is held by a weaker one at every
//! size it reaches, instead of regrowing to the size where the Gompertz rate outweighs a fixed
//! drug effect (ν = 0); ν is a population parameter (calibrated to 0.25 with published
//! complete-response rates, which full Norton–Simon overshoots). The Gompertz rate is capped at the rate of a one-cell tumour
//! (`CELL_VOLUME_MM3`), where the law stops meaning anything. Burden is read as a sum of longest diameters by
//! taking the volume as one sphere. Stepped on log-volumes with the drug term averaged over
//! each step (trapezoid): every `FINE_H` hours for `FINE_WINDOW_H` after each dose of a
//! short-lived agent (plasma half-life under `FAST_HALF_LIFE_H`: chemotherapy, kinase
//! inhibitors), where exposure changes within hours, and every `COARSE_H` hours otherwise
//! (antibodies, whose tumour exposure changes over days, and no drug).

use std::f64::consts::{LN_2, PI};
use std::sync::Arc;

use crate::lab::Condition;

use super::patients::{
    Numbers, Patient, ADC_GROUP, CHEMOTHERAPY_GROUP, CHEMO_RESISTANT_CLONE, CLONES, HER2_LOW_CLONE,
    HER2_LOW_LINE, RESISTANCE, SENSITIVITY_GROUPS, TARGETED_GROUP,
};
use super::poppk::{Agent, Individual, Profile};
use super::regimen::{DoseEvent, Regimen};
use super::response::{Genotype, Surface, MAX_DRUGS};
use super::TrialError;

/// Tumour steps (h) near doses of short-lived agents and elsewhere; steps are also cut at
/// every assessment.
pub const FINE_H: f64 = 4.0;
pub const COARSE_H: f64 = 24.0;
/// Volume of one tumour cell (mm³, a 10-µm sphere): below it the Gompertz rate stops rising.
pub const CELL_VOLUME_MM3: f64 = 5.2e-7;
/// How long after a dose of a short-lived agent the fine step is used (h).
pub const FINE_WINDOW_H: f64 = 120.0;
/// Agents whose typical plasma half-life ln 2 V1 / CL is shorter than this are short-lived (h).
pub const FAST_HALF_LIFE_H: f64 = 48.0;

/// What an arm gives, with the lab's response to it.
#[derive(Debug, Clone)]
pub struct ArmModel {
    pub regimen: Regimen,
    /// PK models in `surface.drugs` order (drugs of the surface this arm does not give get
    /// no doses, so zero exposure).
    pub agents: Vec<Agent>,
    pub surface: Arc<Surface>,
    /// In-vivo effect multiplier on κ (population parameter; 1 = the in-vitro change scaled by growth only).
    pub effect_multiplier: f64,
    /// Sensitivity group (`SENSITIVITY_GROUPS`) of each of `surface.drugs`.
    pub groups: Vec<usize>,
    /// Step away from short-lived agents' doses (h): `COARSE_H`; tests set `FINE_H` to check
    /// that the coarse steps change nothing that matters.
    pub coarse_h: f64,
}

/// The laboratory modifiers every tumour condition carries: what differs between cells in a
/// patient and cells in a dish. Tumour tissue returns most of the DXd a cell releases to its
/// neighbours (T-DXd's bystander effect). Immune effectors (ADCC) are a population parameter
/// instead (`Numbers::effector_activity`, set on every genotype by `conditions`), scanned on
/// the calibration trials: 0 fits them best (bench/results/trial_calibration_adcc_scan.txt).
pub const IN_VIVO: [&str; 1] = ["tumour-tissue"];

/// Single genotypes per cell line in `conditions`: parental, each resistance marker, HER2-low
/// (the tumour's clones in `Patient::clones` order; the chemotherapy-resistant clone is the
/// dominant genotype and has no genotype of its own).
pub const SINGLE_GENOTYPES: usize = HER2_LOW_CLONE + 1;
/// Genotypes per cell line in `conditions`: the single ones, then one per ordered pair of
/// distinct resistance markers (`composite_index`).
pub const BLOCK: usize = SINGLE_GENOTYPES + RESISTANCE.len() * (RESISTANCE.len() - 1);

/// Offset in a line's block of the composite genotype: the minor marker `minor` arising in a
/// tumour whose dominant clone carries `dominant` (indices into `RESISTANCE`, distinct).
pub fn composite_index(dominant: usize, minor: usize) -> usize {
    let m = if minor > dominant { minor - 1 } else { minor };
    SINGLE_GENOTYPES + dominant * (RESISTANCE.len() - 1) + m
}

/// The genotypes a surface covers for these cell lines, all in vivo (`IN_VIVO`): per line
/// (`BLOCK` genotypes), the line without, then with each resistance modifier (`RESISTANCE`
/// order), then the HER2-low clone (`HER2_LOW_LINE`) bathed in the DXd the line's parental
/// cells release, then every pair of resistance modifiers (`composite_index`): a minor clone
/// arises in the tumour's dominant clone and carries its marker besides its own (a
/// T-DM1-resistant clone in a PTEN-loss tumour has lost PTEN too, so it resists trastuzumab as
/// well as DM1). Every genotype's untreated growth is matched to its line's (`growth_reference`).
/// `effector_activity`: immune effector cells for ADCC relative to the lab's in-vivo
/// reference (the model's `effector_activity`; 0 leaves it out).
pub fn conditions(lines: &[&str], effector_activity: f64) -> Vec<Genotype> {
    conditions_in(lines, &effectors(effector_activity), &[])
}

/// `conditions` for a population: its immune effectors (`effector_activity`) set on every
/// genotype, and the heregulin of the tumour's interstitium (`tumour_heregulin`) as the
/// milieu the cells have lived in (part of their untreated steady state); each left out
/// when 0.
pub fn tumour_conditions(lines: &[&str], pop: &Numbers) -> Vec<Genotype> {
    let milieu: Vec<(String, f64)> = if pop.tumour_heregulin_nm > 0.0 {
        vec![(HEREGULIN_PARAM.to_string(), pop.tumour_heregulin_nm)]
    } else {
        Vec::new()
    };
    conditions_in(lines, &effectors(pop.effector_activity), &milieu)
}

fn effectors(activity: f64) -> Vec<(String, f64)> {
    if activity > 0.0 {
        vec![(EFFECTOR_PARAM.to_string(), activity)]
    } else {
        Vec::new()
    }
}

/// `conditions` with the model settings `set` and `milieu` (`Genotype`) on every genotype.
pub fn conditions_in(
    lines: &[&str],
    set: &[(String, f64)],
    milieu: &[(String, f64)],
) -> Vec<Genotype> {
    let in_vivo = |line: &str, extra: &[&str]| Condition {
        cell_line: line.to_string(),
        modifiers: IN_VIVO.iter().chain(extra).map(|m| m.to_string()).collect(),
    };
    let mut out = Vec::new();
    for line in lines {
        let parental = out.len();
        out.push(Genotype::alone(in_vivo(line, &[])));
        for m in RESISTANCE {
            out.push(Genotype {
                growth_reference: Some(parental),
                ..Genotype::alone(in_vivo(line, &[m]))
            });
        }
        out.push(Genotype {
            condition: in_vivo(HER2_LOW_LINE, &[]),
            dxd_donor: Some(parental),
            growth_reference: Some(parental),
            set: Vec::new(),
            milieu: Vec::new(),
        });
        for d in RESISTANCE {
            for m in RESISTANCE.iter().filter(|m| **m != d) {
                out.push(Genotype {
                    growth_reference: Some(parental),
                    ..Genotype::alone(in_vivo(line, &[d, m]))
                });
            }
        }
    }
    for g in &mut out {
        g.set.extend(set.iter().cloned());
        g.milieu.extend(milieu.iter().cloned());
    }
    out
}

/// The model parameter for immune effectors (ADCC), relative to an in-vivo tumour.
pub const EFFECTOR_PARAM: &str = "effector_activity";
/// The model's heregulin (NRG1) around the cells (nM).
pub const HEREGULIN_PARAM: &str = "HRG";

/// Sphere volume (mm³) of diameter `d` (mm), and back.
pub fn volume(d: f64) -> f64 {
    PI / 6.0 * d.powi(3)
}
pub fn diameter(v: f64) -> f64 {
    (6.0 * v / PI).cbrt()
}

/// The Norton–Simon factor on the drug effect: the untreated Gompertz rate at the current
/// burden (`growth`) relative to the rate at baseline (`baseline`), to the power `exponent`
/// (1 = Norton–Simon, 0 = no size dependence).
/// A tumour at or beyond its plateau has no growth for a drug to act on (factor 0).
pub fn norton_simon_scale(growth: f64, baseline: f64, exponent: f64) -> f64 {
    if exponent == 0.0 {
        return 1.0;
    }
    (growth.max(0.0) / baseline).powf(exponent)
}

/// ln Σ exp(xᵢ) without underflow (clones far below one cell) or overflow; −∞ for no burden.
pub fn log_sum_exp(x: &[f64]) -> f64 {
    let top = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if top == f64::NEG_INFINITY {
        return top;
    }
    top + x.iter().map(|l| (l - top).exp()).sum::<f64>().ln()
}

/// `agent`'s concentrations at `times` (h) for the parameters `ind`, under the doses of its
/// drug among `doses` (the other drugs' doses are skipped).
pub fn drug_profile(
    agent: &Agent,
    ind: &Individual,
    doses: &[DoseEvent],
    times: &[f64],
) -> Result<Profile, TrialError> {
    let given: Vec<(f64, f64)> = doses
        .iter()
        .filter(|e| e.drug == agent.drug)
        .map(|e| (e.time_h, e.amount_mg))
        .collect();
    ind.simulate(&given, times)
        .map_err(|reason| TrialError::Pk {
            drug: agent.drug.clone(),
            reason,
        })
}

/// A simulated course: the burden at the requested times.
#[derive(Debug, Clone, PartialEq)]
pub struct Course {
    /// Sum of longest diameters (mm) at each requested week.
    pub sld_mm: Vec<f64>,
}

/// Reads a patient's drug effect off an arm's response surface.
struct EffectReader<'a> {
    surface: &'a Surface,
    /// Sensitivity group of each of the surface's drugs.
    groups: &'a [usize],
    sensitivity: &'a [f64; SENSITIVITY_GROUPS.len()],
}

impl EffectReader<'_> {
    /// The in-vivo change of each genotype's rate (`conds`, untreated rates `r0`) at the
    /// concentrations `conc`, given the drugs of the groups `given` (ascending): with one
    /// group, its sensitivity times the lab's change; with several, each group's drugs alone
    /// weighted by its sensitivity, plus the lab's interaction (the combination minus its
    /// groups alone) weighted by the geometric mean of the given groups' sensitivities.
    fn effect(&self, conds: &[usize], r0: &[f64], conc: &[f64], given: &[usize], out: &mut [f64]) {
        let s = self.surface;
        let sens = self.sensitivity;
        let w = s.weights(conc);
        for ((o, c), r) in out.iter_mut().zip(conds).zip(r0) {
            *o = s.rate_at(*c, &w) - r;
        }
        match given {
            [] => {}
            [g] => out.iter_mut().for_each(|o| *o *= sens[*g]),
            _ => {
                let shared =
                    (given.iter().map(|&g| sens[g].ln()).sum::<f64>() / given.len() as f64).exp();
                // Stack buffers: this runs every tumour step (a surface holds at most
                // `MAX_DRUGS` drugs; a patient at most `CLONES` clones).
                let mut part = [0.0; MAX_DRUGS];
                let part = &mut part[..conc.len()];
                let mut weighted = [0.0; CLONES];
                let mut alone = [0.0; CLONES];
                for &g in given {
                    for ((p, c), pg) in part.iter_mut().zip(conc).zip(self.groups) {
                        *p = if *pg == g { *c } else { 0.0 };
                    }
                    let wg = s.weights(part);
                    for (i, (c, r)) in conds.iter().zip(r0).enumerate() {
                        let d = s.rate_at(*c, &wg) - r;
                        weighted[i] += sens[g] * d;
                        alone[i] += d;
                    }
                }
                for (i, o) in out.iter_mut().enumerate() {
                    *o = weighted[i] + shared * (*o - alone[i]);
                }
            }
        }
    }
}

impl ArmModel {
    /// The sensitivity groups of the drugs this arm gives, ascending.
    pub fn given_groups(&self) -> Vec<usize> {
        let mut g: Vec<usize> = self
            .surface
            .drugs
            .iter()
            .zip(&self.groups)
            .filter(|(d, _)| self.regimen.items.iter().any(|i| &i.drug == *d))
            .map(|(_, g)| *g)
            .collect();
        g.sort_unstable();
        g.dedup();
        g
    }

    /// The patient's doses (time h, drug, mg) up to `horizon_h`.
    fn doses(&self, patient: &Patient, horizon_h: f64) -> Result<Vec<DoseEvent>, TrialError> {
        self.regimen
            .expand(patient.weight_kg, patient.bsa_m2, horizon_h)
            .map_err(|e| TrialError::Regimen(e.to_string()))
    }

    /// Tumour exposure (mg/L) of each drug at `times` (h) for `patient`.
    pub fn exposures(&self, patient: &Patient, times: &[f64]) -> Result<Vec<Vec<f64>>, TrialError> {
        let horizon = times.last().copied().unwrap_or(0.0);
        let doses = self.doses(patient, horizon + 1.0)?;
        self.exposures_of(patient, &doses, times)
    }

    fn exposures_of(
        &self,
        patient: &Patient,
        doses: &[DoseEvent],
        times: &[f64],
    ) -> Result<Vec<Vec<f64>>, TrialError> {
        self.agents
            .iter()
            .map(|a| {
                if !doses.iter().any(|e| e.drug == a.drug) {
                    return Ok(vec![0.0; times.len()]);
                }
                let ind = a.individual(
                    patient.weight_kg,
                    patient.bsa_m2,
                    &patient.pk_effects(&a.drug),
                );
                drug_profile(a, &ind, doses, times).map(|p| p.tumour)
            })
            .collect()
    }

    /// Step times from 0 to `last_h`: fine after doses of short-lived agents, coarse
    /// elsewhere, cut at every assessment.
    fn step_times(
        &self,
        patient: &Patient,
        doses: &[DoseEvent],
        weeks: &[f64],
        last_h: f64,
    ) -> Vec<f64> {
        let fast: Vec<&str> = self
            .agents
            .iter()
            .filter(|a| {
                a.typical(patient.weight_kg, patient.bsa_m2)
                    .plasma_half_life_h()
                    < FAST_HALF_LIFE_H
            })
            .map(|a| a.drug.as_str())
            .collect();
        let starts: Vec<f64> = doses
            .iter()
            .filter(|d| fast.contains(&d.drug.as_str()))
            .map(|d| d.time_h)
            .collect();
        let cuts: Vec<f64> = weeks.iter().map(|w| w * 168.0).collect();
        let mut times = vec![0.0];
        let (mut t, mut s, mut c) = (0.0, 0usize, 0usize);
        let mut fine_until = f64::NEG_INFINITY;
        while t < last_h - 1e-9 {
            while s < starts.len() && starts[s] <= t + 1e-9 {
                fine_until = fine_until.max(starts[s] + FINE_WINDOW_H);
                s += 1;
            }
            while c < cuts.len() && cuts[c] <= t + 1e-9 {
                c += 1;
            }
            let step = if t < fine_until - 1e-9 {
                FINE_H
            } else {
                self.coarse_h
            };
            let mut next = (t + step).min(last_h);
            if let Some(&st) = starts.get(s) {
                next = next.min(st);
            }
            if let Some(&ct) = cuts.get(c) {
                next = next.min(ct);
            }
            t = next;
            times.push(t);
        }
        times
    }

    /// The patient's tumour, sampled at `weeks` (ascending, the first 0).
    pub fn simulate(
        &self,
        patient: &Patient,
        pop: &Numbers,
        weeks: &[f64],
    ) -> Result<Course, TrialError> {
        if self.groups.len() != self.surface.drugs.len() || self.agents.len() != self.groups.len() {
            return Err(TrialError::Lab {
                what: self.surface.drugs.join("+"),
                reason: format!(
                    "{} drugs, {} PK models and {} sensitivity groups: one of each per drug",
                    self.surface.drugs.len(),
                    self.agents.len(),
                    self.groups.len()
                ),
            });
        }
        let last_h = weeks.last().copied().unwrap_or(0.0) * 168.0;
        let doses = self.doses(patient, last_h + 1.0)?;
        let times = self.step_times(patient, &doses, weeks, last_h);
        let n = times.len() - 1;
        let expo = self.exposures_of(patient, &doses, &times)?;
        let s = &self.surface;
        // The genotypes of `conditions`: parental, resistant, HER2-low, in that order.
        let base = s
            .conditions
            .iter()
            .position(|c| c.cell_line == patient.cell_line && c.modifiers.len() == IN_VIVO.len())
            .filter(|b| b + BLOCK <= s.conditions.len())
            .ok_or_else(|| TrialError::Lab {
                what: patient.cell_line.to_string(),
                reason: "not among the surface's conditions".into(),
            })?;
        // Minor resistant clones carry the dominant clone's marker besides their own.
        let dominant = patient.dominant_marker();
        let clone_cond: [usize; CLONES] = std::array::from_fn(|i| match dominant {
            Some(d) if (1..=RESISTANCE.len()).contains(&i) && i - 1 != d => {
                base + composite_index(d, i - 1)
            }
            // The chemotherapy-resistant cells are of the dominant genotype.
            _ if i == CHEMO_RESISTANT_CLONE => base + dominant.map_or(0, |d| d + 1),
            _ => base + i,
        });
        let r0: [f64; CLONES] = clone_cond.map(|c| s.untreated(c));
        if r0[0].is_nan() || r0[0] <= 0.0 {
            return Err(TrialError::Lab {
                what: patient.cell_line.to_string(),
                reason: format!("untreated cells do not grow in the lab (rate {} /h)", r0[0]),
            });
        }
        let v0 = volume(patient.baseline_sld_mm);
        let ln_k = volume(pop.plateau_sld).ln();
        let g0 = LN_2 / patient.doubling_time_h;
        let alpha = g0 / (ln_k - v0.ln());
        let kappa = self.effect_multiplier * g0 / r0[0];
        let ln_cell = CELL_VOLUME_MM3.ln();
        let mut ln_v: [f64; CLONES] = patient.clones.map(|f| (v0 * f).ln());
        let given = self.given_groups();
        // The chemotherapy-resistant clone: the arm's cytotoxics do nothing to it.
        let given_resistant: Vec<usize> = given
            .iter()
            .copied()
            .filter(|g| *g != CHEMOTHERAPY_GROUP)
            .collect();
        let gives_chemo = given_resistant.len() < given.len();
        let mut sensitivity = patient.sensitivity;
        sensitivity[TARGETED_GROUP] *= pop.targeted_factor;
        sensitivity[ADC_GROUP] *= pop.adc_factor;
        let reader = EffectReader {
            surface: s,
            groups: &self.groups,
            sensitivity: &sensitivity,
        };
        let mut conc = vec![0.0; expo.len()];
        let mut effects = |k: usize| -> [f64; CLONES] {
            for (c, e) in conc.iter_mut().zip(&expo) {
                *c = e[k];
            }
            let mut out = [0.0; CLONES];
            reader.effect(&clone_cond, &r0, &conc, &given, &mut out);
            if gives_chemo {
                for (c, g) in conc.iter_mut().zip(&self.groups) {
                    if *g == CHEMOTHERAPY_GROUP {
                        *c = 0.0;
                    }
                }
                let i = CHEMO_RESISTANT_CLONE;
                let mut one = [0.0];
                reader.effect(
                    &clone_cond[i..=i],
                    &r0[i..=i],
                    &conc,
                    &given_resistant,
                    &mut one,
                );
                out[i] = one[0];
            }
            out
        };
        let mut out = Vec::with_capacity(weeks.len());
        let mut next_week = 0;
        let mut prev = effects(0);
        for (k, &t) in times.iter().enumerate() {
            while next_week < weeks.len() && weeks[next_week] * 168.0 <= t + 1e-6 {
                let v: f64 = ln_v.iter().map(|l| l.exp()).sum();
                out.push(diameter(v));
                next_week += 1;
            }
            if k == n {
                break;
            }
            let h = times[k + 1] - t;
            let cur = effects(k + 1);
            // The Gompertz rate stops rising below one cell, where the law means nothing; the
            // burden is summed in logs because clones can fall far below one cell.
            let growth = alpha * (ln_k - log_sum_exp(&ln_v).max(ln_cell));
            let scale = norton_simon_scale(growth, g0, pop.norton_simon);
            for i in 0..CLONES {
                ln_v[i] += h * (growth + kappa * scale * 0.5 * (prev[i] + cur[i]));
            }
            prev = cur;
        }
        while out.len() < weeks.len() {
            let v: f64 = ln_v.iter().map(|l| l.exp()).sum();
            out.push(diameter(v));
        }
        Ok(Course { sld_mm: out })
    }
}
