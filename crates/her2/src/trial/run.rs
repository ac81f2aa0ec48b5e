//! A virtual trial run: one cohort of virtual patients, every arm given to every patient
//! (paired arms), RECIST 1.1 assessments every 6 weeks in the first year and every 9 weeks
//! after, progression-free survival (progression or censoring at the last assessment; death
//! is not modelled), and per arm ORR, clinical benefit, Kaplan–Meier PFS (median with 95 %
//! CI, PFS at 12 months), the Cox hazard ratio against the first arm, and pCR at surgery for
//! neoadjuvant trials. Patients run in parallel; each has its own random streams, so the
//! result does not depend on the number of threads.

use std::sync::Arc;

use rayon::prelude::*;

use her2sim_analysis::survival::{cox::hazard_ratio, km::KaplanMeier};

use crate::lab::Lab;

use super::file::{Published, Setting, Trial};
use super::patients::{sensitivity_group, Numbers, Patient, IHC2_LINE, IHC3_LINE};
use super::poppk::PopPk;
use super::recist::{self, Response};
use super::response::Surface;
use super::subgroups::{self, SubgroupResult};
use super::tumour::{drug_profile, tumour_conditions, ArmModel};
use super::TrialError;

/// Days per month (365.25 / 12) and per week.
pub const DAYS_PER_MONTH: f64 = 30.4375;
/// Largest result a run keeps in memory (bytes).
pub const MAX_RESULT_BYTES: f64 = 1e9;
/// Weeks over which the typical patient's exposure sets the top of the response grid.
const EXPOSURE_WEEKS: f64 = 24.0;

/// One patient in one arm.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientArm {
    pub best: Response,
    /// Smallest percentage change of the SLD from baseline up to progression.
    pub best_change_pct: f64,
    pub pfs_months: f64,
    pub progressed: bool,
    pub pcr: Option<bool>,
    /// SLD (mm) at each assessment week of the trial (`TrialResult::weeks`).
    pub sld_mm: Vec<f64>,
}

/// One arm's summary.
#[derive(Debug, Clone)]
pub struct ArmResult {
    pub name: String,
    pub items: Vec<String>,
    pub orr: f64,
    /// Complete responses (best response CR).
    pub cr: f64,
    pub cbr: f64,
    pub median_pfs_months: Option<f64>,
    pub median_pfs_ci: [Option<f64>; 2],
    pub pfs_12_months: Option<f64>,
    pub hazard_ratio: Option<f64>,
    pub hazard_ratio_ci: Option<[f64; 2]>,
    pub pcr: Option<f64>,
    pub km: Option<KaplanMeier>,
    pub published: Option<Published>,
    pub patients: Vec<PatientArm>,
    /// The typical patient's plasma concentration (mg/L) of each drug over the first 12
    /// weeks: `(drug, [(week, conc)])`.
    pub pk: Vec<(String, Vec<(f64, f64)>)>,
}

/// A whole trial.
#[derive(Debug, Clone)]
pub struct TrialResult {
    pub name: String,
    pub setting: Setting,
    pub seed: u64,
    pub patients_per_arm: usize,
    pub weeks: Vec<f64>,
    pub cohort: Vec<Patient>,
    pub arms: Vec<ArmResult>,
    /// Every arm split by every biomarker (`subgroups::SUBGROUP_MARKERS`).
    pub subgroups: Vec<SubgroupResult>,
}

/// Assessment weeks: baseline, every 6 weeks up to week 48, then every 9 weeks, up to the
/// follow-up (metastatic) or the surgery week (neoadjuvant, assessed then).
pub fn assessment_weeks(trial: &Trial) -> Vec<f64> {
    let end = match trial.setting {
        Setting::Metastatic => trial.months.unwrap_or(0.0) * DAYS_PER_MONTH / 7.0,
        Setting::Neoadjuvant => trial.surgery_week.unwrap_or(0.0),
    };
    let mut w = vec![0.0];
    let mut t = 6.0;
    while t <= end + 1e-9 {
        w.push(t);
        t += if t < 48.0 { 6.0 } else { 9.0 };
    }
    if trial.setting == Setting::Neoadjuvant && w.last().is_some_and(|l| *l < end) {
        w.push(end);
    }
    w
}

/// Runs `trial` with the built-in lab and popPK; `progress` is called once per patient.
pub fn run(
    trial: &Trial,
    lab: &Lab,
    pk: &PopPk,
    progress: &(dyn Fn() + Sync),
) -> Result<TrialResult, TrialError> {
    let prepared = Prepared::new(trial, lab, pk)?;
    prepared.run(trial, &prepared.population, progress)
}

/// What a trial needs before any patient is simulated: the population's numbers, the
/// assessment weeks and each arm's model with its laboratory response surface (the costly
/// part). Calibration reuses one `Prepared` for many population parameter values.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub population: Numbers,
    pub weeks: Vec<f64>,
    /// Per arm, one model per regimen option (`Arm::options`).
    pub models: Vec<Vec<ArmModel>>,
}

impl Prepared {
    /// Checks the trial's size and builds every arm's model.
    pub fn new(trial: &Trial, lab: &Lab, pk: &PopPk) -> Result<Prepared, TrialError> {
        let population = pk.population.numbers().map_err(TrialError::PopPk)?;
        Prepared::with_population(trial, lab, pk, population)
    }

    /// As `new`, with population numbers other than popPK.toml's (calibration scans of the
    /// numbers the response surfaces depend on, such as `effector_activity`).
    pub fn with_population(
        trial: &Trial,
        lab: &Lab,
        pk: &PopPk,
        population: Numbers,
    ) -> Result<Prepared, TrialError> {
        let weeks = assessment_weeks(trial);
        if weeks.len() < 2 {
            return Err(TrialError::Invalid(format!(
                "{}: follow-up shorter than the first assessment (week 6)",
                trial.name
            )));
        }
        // What every patient-arm keeps (its SLD at each assessment and its outcome), checked
        // before anything is simulated.
        let bytes =
            trial.patients as f64 * trial.arms.len() as f64 * (weeks.len() as f64 * 8.0 + 128.0);
        if bytes > MAX_RESULT_BYTES {
            return Err(TrialError::Invalid(format!(
                "{}: {} patients x {} arms x {} assessments would keep {:.1} GB of results; at most {:.0} GB: fewer patients, arms or months",
                trial.name,
                trial.patients,
                trial.arms.len(),
                weeks.len(),
                bytes / 1e9,
                MAX_RESULT_BYTES / 1e9
            )));
        }
        let models = arm_models(lab, pk, &population, trial)?;
        Ok(Prepared {
            population,
            weeks,
            models,
        })
    }

    /// Simulates every patient in every arm with the population numbers `pop` (the arms'
    /// response surfaces and PK stay those prepared; `pop.effect_multiplier` replaces theirs).
    pub fn run(
        &self,
        trial: &Trial,
        pop: &Numbers,
        progress: &(dyn Fn() + Sync),
    ) -> Result<TrialResult, TrialError> {
        let weeks = &self.weeks;
        let models: Vec<Vec<ArmModel>> = self
            .models
            .iter()
            .map(|options| {
                options
                    .iter()
                    .map(|m| ArmModel {
                        effect_multiplier: pop.effect_multiplier,
                        ..m.clone()
                    })
                    .collect()
            })
            .collect();
        // Each arm's cumulative option shares, for drawing a patient's option.
        let cumulative: Vec<Vec<f64>> = trial
            .arms
            .iter()
            .map(|a| {
                a.options
                    .iter()
                    .scan(0.0, |c, o| {
                        *c += o.share;
                        Some(*c)
                    })
                    .collect()
            })
            .collect();
        // Pretreated: the population progressed on a HER2 agent (post-trastuzumab frequencies).
        let pretreated = !trial.prior.is_empty();
        let n = trial.patients as usize;
        let detection = pop.recist_detection;
        let per_patient: Vec<(Patient, Vec<PatientArm>)> = (0..n)
            .into_par_iter()
            .map(|i| {
                let p = Patient::draw(trial.seed, i, pop, pretreated, trial.line);
                let arms = models
                    .iter()
                    .zip(&cumulative)
                    .enumerate()
                    .map(|(a, (options, cum))| {
                        let m = &options[option_of(trial.seed, i, a, cum)];
                        let c = m.simulate(&p, pop, weeks)?;
                        assess(trial, weeks, c.sld_mm, detection, pop.pcr_detection)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                progress();
                Ok((p, arms))
            })
            .collect::<Result<_, TrialError>>()?;
        let (cohort, rows): (Vec<Patient>, Vec<Vec<PatientArm>>) = per_patient.into_iter().unzip();
        let mut arms = Vec::with_capacity(trial.arms.len());
        for (a, arm) in trial.arms.iter().enumerate() {
            let patients: Vec<PatientArm> = rows.iter().map(|r| r[a].clone()).collect();
            arms.push(summarise(trial, arm, &models[a], pop, patients)?);
        }
        if trial.setting == Setting::Metastatic {
            hazard_ratios(&mut arms)?;
        }
        if let Some(first) = arms.first_mut() {
            first.hazard_ratio = Some(1.0);
        }
        let published: Vec<_> = trial.arms.iter().map(|a| a.subgroups.clone()).collect();
        let subgroups = subgroups::split(trial.setting, &cohort, &arms, &published)?;
        Ok(TrialResult {
            name: trial.name.clone(),
            setting: trial.setting,
            seed: trial.seed,
            patients_per_arm: n,
            weeks: weeks.clone(),
            cohort,
            arms,
            subgroups,
        })
    }
}

/// Stream purpose of a patient's regimen option in a mixed arm (plus the arm's index).
const OPTION_STREAM: u64 = 5000;

/// The option (index into the arm's options) patient `i` of arm `a` gets: a uniform draw
/// from the patient's own stream for that arm against the cumulative shares, so a patient
/// gets the same option in every run and at any thread count.
fn option_of(seed: u64, i: usize, a: usize, cumulative: &[f64]) -> usize {
    if cumulative.len() < 2 {
        return 0;
    }
    let u = super::rng::Stream::new(seed, i as u64, OPTION_STREAM + a as u64).uniform();
    cumulative
        .iter()
        .position(|c| u < *c)
        .unwrap_or(cumulative.len() - 1)
}

/// One model per arm. Arms whose drugs are all among another arm's share that arm's
/// response surface (the absent drugs stay at zero exposure), and every drug's grid top is
/// the largest over the arms: arms are then compared on one grid, and the lab runs once.
fn arm_models(
    lab: &Lab,
    pk: &PopPk,
    pop: &Numbers,
    trial: &Trial,
) -> Result<Vec<Vec<ArmModel>>, TrialError> {
    let drug_sets: Vec<Vec<String>> = trial.arms.iter().map(|a| a.drugs()).collect();
    // Every drug needs a population PK model.
    for (a, (arm, drugs)) in trial.arms.iter().zip(&drug_sets).enumerate() {
        if let Some(d) = drugs.iter().find(|d| pk.agent(d).is_none()) {
            return Err(TrialError::NoPk {
                arm: format!("arm[{a}] ({})", arm.name),
                drug: d.clone(),
                known: pk.drugs().join(", "),
            });
        }
    }
    // The typical patient's peak tumour exposure (x2), largest over the arms, tops the grid.
    let typical = typical_patient(pop);
    let times: Vec<f64> = (0..=(EXPOSURE_WEEKS * 168.0) as usize)
        .map(|h| h as f64)
        .collect();
    let mut top: Vec<(String, f64)> = Vec::new();
    for (a, arm) in trial.arms.iter().enumerate() {
        for option in &arm.options {
            let doses = option
                .regimen
                .expand(typical.weight_kg, typical.bsa_m2, EXPOSURE_WEEKS * 168.0)
                .map_err(|e| TrialError::Regimen(format!("arm[{a}]: {e}")))?;
            for d in &drug_sets[a] {
                let Some(ag) = pk.agent(d) else { continue };
                let ind = ag.typical(typical.weight_kg, typical.bsa_m2);
                let p = drug_profile(ag, &ind, &doses, &times)?;
                let peak = 2.0 * p.tumour.iter().cloned().fold(0.0, f64::max);
                match top.iter_mut().find(|(x, _)| x == d) {
                    Some((_, t)) => *t = t.max(peak),
                    None => top.push((d.clone(), peak)),
                }
            }
        }
    }
    // Surfaces for the drug sets no other arm's set contains (the first of equal sets).
    let covers = |big: &Vec<String>, small: &Vec<String>| small.iter().all(|d| big.contains(d));
    let mut host = vec![0usize; drug_sets.len()];
    for a in 0..drug_sets.len() {
        host[a] = (0..drug_sets.len())
            .filter(|&b| covers(&drug_sets[b], &drug_sets[a]))
            .max_by_key(|&b| (drug_sets[b].len(), std::cmp::Reverse(b)))
            .unwrap_or(a);
    }
    let conds = tumour_conditions(&[IHC3_LINE, IHC2_LINE], pop);
    let mut surfaces: Vec<(usize, Arc<Surface>)> = Vec::new();
    let mut models = Vec::with_capacity(trial.arms.len());
    for (a, arm) in trial.arms.iter().enumerate() {
        let h = host[a];
        let surface = match surfaces.iter().find(|(x, _)| *x == h) {
            Some((_, s)) => s.clone(),
            None => {
                let drugs = &drug_sets[h];
                let tops: Vec<f64> = drugs
                    .iter()
                    .map(|d| top.iter().find(|(x, _)| x == d).map_or(1.0, |t| t.1))
                    .collect();
                let s = Arc::new(Surface::build(lab, drugs, &tops, &conds)?);
                surfaces.push((h, s.clone()));
                s
            }
        };
        let agents: Vec<_> = surface
            .drugs
            .iter()
            .filter_map(|d| pk.agent(d).cloned())
            .collect();
        let groups = surface
            .drugs
            .iter()
            .map(|d| {
                lab.catalogue()
                    .strategy(d)
                    .map(|st| sensitivity_group(st.class))
                    .map_err(|e| TrialError::Lab {
                        what: d.clone(),
                        reason: e.to_string(),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        // One model per option: the arm's surface and PK models, the option's regimen.
        models.push(
            arm.options
                .iter()
                .map(|o| ArmModel {
                    regimen: o.regimen.clone(),
                    agents: agents.clone(),
                    surface: surface.clone(),
                    groups: groups.clone(),
                    effect_multiplier: pop.effect_multiplier,
                    coarse_h: super::tumour::COARSE_H,
                })
                .collect(),
        );
    }
    Ok(models)
}

/// The median patient (no random effects): median weight, mean height.
pub fn typical_patient(pop: &Numbers) -> Patient {
    let mut p = Patient::draw(0, 0, pop, false, 1);
    p.weight_kg = pop.weight_median;
    p.height_cm = pop.height_mean;
    p.bsa_m2 = (p.weight_kg * p.height_cm / 3600.0).sqrt();
    p
}

fn assess(
    trial: &Trial,
    weeks: &[f64],
    sld_mm: Vec<f64>,
    detection: f64,
    pcr_detection: f64,
) -> Result<PatientArm, TrialError> {
    let o = recist::assess(weeks, &sld_mm, detection)
        .map_err(|e| TrialError::Invalid(format!("RECIST: {e}")))?;
    let upto = weeks
        .iter()
        .position(|w| Some(*w) == o.progression_week)
        .unwrap_or(weeks.len() - 1);
    let best_change_pct = sld_mm[1..=upto.max(1)]
        .iter()
        .map(|s| 100.0 * (s / sld_mm[0] - 1.0))
        .fold(f64::INFINITY, f64::min);
    let week = o
        .progression_week
        .unwrap_or(o.last_without_progression_week);
    let pcr = (trial.setting == Setting::Neoadjuvant)
        .then(|| sld_mm.last().is_some_and(|s| *s < pcr_detection));
    Ok(PatientArm {
        best: o.best,
        best_change_pct,
        pfs_months: week * 7.0 / DAYS_PER_MONTH,
        progressed: o.progression_week.is_some(),
        pcr,
        sld_mm,
    })
}

fn summarise(
    trial: &Trial,
    arm: &super::file::Arm,
    options: &[ArmModel],
    pop: &Numbers,
    patients: Vec<PatientArm>,
) -> Result<ArmResult, TrialError> {
    let n = patients.len().max(1) as f64;
    let orr = patients.iter().filter(|p| p.best >= Response::Pr).count() as f64 / n;
    let cr = patients.iter().filter(|p| p.best == Response::Cr).count() as f64 / n;
    let cbr = patients
        .iter()
        .filter(|p| {
            p.best >= Response::Pr
                || (p.best == Response::Sd
                    && p.pfs_months * DAYS_PER_MONTH / 7.0 >= recist::CLINICAL_BENEFIT_WEEKS)
        })
        .count() as f64
        / n;
    let (mut median, mut ci, mut pfs12, mut km) = (None, [None, None], None, None);
    if trial.setting == Setting::Metastatic {
        let t: Vec<f64> = patients.iter().map(|p| p.pfs_months).collect();
        let e: Vec<bool> = patients.iter().map(|p| p.progressed).collect();
        let k = KaplanMeier::fit(&t, &e).map_err(|e| TrialError::Survival(e.to_string()))?;
        let m = k.median();
        median = m.estimate;
        ci = [m.lower, m.upper];
        let last = t.iter().cloned().fold(0.0, f64::max);
        // Known at 12 months when follow-up reaches it or everyone progressed before.
        let all_progressed = e.iter().all(|x| *x);
        pfs12 = (last >= 12.0 || all_progressed).then(|| k.survival_at(12.0).survival);
        km = Some(k);
    }
    let pcr = (trial.setting == Setting::Neoadjuvant)
        .then(|| patients.iter().filter(|p| p.pcr == Some(true)).count() as f64 / n);
    let typical = typical_patient(pop);
    let times: Vec<f64> = (0..=12 * 42).map(|k| k as f64 * 4.0).collect();
    // Each drug's profile under the first option that gives it.
    let mut pk: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for model in options {
        let doses = model
            .regimen
            .expand(typical.weight_kg, typical.bsa_m2, 12.0 * 168.0)
            .map_err(|e| TrialError::Regimen(e.to_string()))?;
        for ag in &model.agents {
            let given = model.regimen.items.iter().any(|i| i.drug == ag.drug);
            if !given || pk.iter().any(|(d, _)| d == &ag.drug) {
                continue;
            }
            let ind = ag.typical(typical.weight_kg, typical.bsa_m2);
            let p = drug_profile(ag, &ind, &doses, &times)?;
            let pts = times.iter().map(|t| t / 168.0).zip(p.plasma).collect();
            pk.push((ag.drug.clone(), pts));
        }
    }
    Ok(ArmResult {
        name: arm.name.clone(),
        items: arm.described(),
        orr,
        cr,
        cbr,
        median_pfs_months: median,
        median_pfs_ci: ci,
        pfs_12_months: pfs12,
        hazard_ratio: None,
        hazard_ratio_ci: None,
        pcr,
        km,
        published: arm.published.clone(),
        patients,
        pk,
    })
}

/// Cox hazard ratio of each arm against the first, on the two arms' patients pooled. An arm
/// pair without events (or separated completely) has no finite estimate: left empty.
fn hazard_ratios(arms: &mut [ArmResult]) -> Result<(), TrialError> {
    let Some(first) = arms.first().cloned() else {
        return Ok(());
    };
    for arm in arms.iter_mut().skip(1) {
        let mut t = Vec::new();
        let mut e = Vec::new();
        let mut g = Vec::new();
        for (p, grp) in first
            .patients
            .iter()
            .map(|p| (p, false))
            .chain(arm.patients.iter().map(|p| (p, true)))
        {
            t.push(p.pfs_months);
            e.push(p.progressed);
            g.push(grp);
        }
        if let Ok(c) = hazard_ratio(&t, &e, &g) {
            if c.hazard_ratio.is_finite() {
                arm.hazard_ratio = Some(c.hazard_ratio);
                arm.hazard_ratio_ci = Some([c.hr_lower, c.hr_upper]);
            }
        }
    }
    Ok(())
}
