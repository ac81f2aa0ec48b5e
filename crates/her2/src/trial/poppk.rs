//! Population pharmacokinetics of trial agents (`models/her2/popPK.toml`): per agent a one-,
//! two- or three-compartment model, IV infusion or first-order oral absorption, optionally with
//! Michaelis–Menten elimination beside the linear clearance (trastuzumab, Quartino 2019) and
//! saturable distribution into a peripheral compartment (paclitaxel, Crombag 2019);
//! typical values, log-normal inter-individual variability and body-size covariates, each
//! number with its source; and the tumour exposure behind the plasma (one first-order
//! transfer, slow for antibodies).
//!
//! Linear models are integrated exactly between events (infusion starts and stops, oral
//! doses, sample times) with the matrix exponential written by Sylvester's formula over the
//! system's eigenvalues, which are known in closed form (the system is block triangular).
//! The Michaelis–Menten model has no closed form and is stepped with classical RK4 at ≤ 1 h
//! (its fastest rate is ~0.01 /h, so the local error is far below the model's own precision).
//! Three-compartment and saturable-distribution models (the taxanes, with rates up to ~20 /h
//! that stay fast at low concentration) go to the project's adaptive integrator
//! (`her2sim_ode`, DOP853 switching to BDF once the system is stiff).

use serde::Deserialize;

pub use super::patients::Population;
use super::poppk_numeric::{Compartments, CENTRAL, DEPOT, TUMOUR};

const POPPK_TOML: &str = include_str!("../../../../models/her2/popPK.toml");
const FILE: &str = "models/her2/popPK.toml";

/// A number as the file writes it: value, unit, source and tag.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub value: f64,
    pub unit: String,
    pub source: String,
    pub tag: String,
}

const TAGS: [&str; 4] = ["sourced", "derived", "unverified", "assumed"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PopFile {
    agent: Vec<RawAgent>,
    population: Population,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAgent {
    drug: String,
    variant: String,
    route: String,
    infusion_h: Option<Param>,
    cl: Param,
    v1: Param,
    q: Option<Param>,
    v2: Option<Param>,
    q3: Option<Param>,
    v3: Option<Param>,
    vmtr: Option<Param>,
    kmtr: Option<Param>,
    k21_saturable: Option<Param>,
    ka: Option<Param>,
    tlag: Option<Param>,
    vmax: Option<Param>,
    km: Option<Param>,
    weight_ref: Option<Param>,
    weight_exponent_cl: Option<Param>,
    weight_exponent_v1: Option<Param>,
    iiv_cl: Option<Param>,
    iiv_v1: Option<Param>,
    iiv_v2: Option<Param>,
    iiv_km: Option<Param>,
    iiv_v3: Option<Param>,
    iiv_vmax: Option<Param>,
    tumour_fraction: Param,
    unbound_fraction: Option<Param>,
    tumour_half_time: Param,
    retention_half_time: Option<Param>,
    retention_kd: Option<Param>,
}

/// How a parameter scales with the patient.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Per {
    Patient,
    SquareMetre,
}

/// One agent's population model in hours, litres and milligrams.
#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    pub drug: String,
    pub variant: String,
    pub oral: bool,
    pub infusion_h: f64,
    cl: (f64, Per),
    v1: (f64, Per),
    q: Option<f64>,
    v2: Option<f64>,
    q3: Option<f64>,
    v3: Option<f64>,
    /// Saturable distribution out of the central compartment (mg/h, mg/L) into an amount
    /// compartment that returns first-order (/h); replaces `q`/`v2` when present.
    saturable: Option<(f64, f64, f64)>,
    ka: Option<f64>,
    tlag_h: f64,
    vmax_mg_h: Option<f64>,
    km_mg_l: Option<f64>,
    weight_ref: f64,
    exp_cl: f64,
    exp_v1: f64,
    /// Log-scale standard deviations of CL, V1, V2, Km, V3, Vmax (`EFFECTS` order).
    iiv: [f64; EFFECTS],
    pub tumour_fraction: f64,
    /// Plasma → tumour transfer rate (/h); `None`: instantaneous.
    pub tumour_k_per_h: Option<f64>,
    /// Retention in tumour cells by saturable binding: release rate (/h) and the binding
    /// constant (mg/L), the laboratory's EC50 (see `Retention`).
    pub retention: Option<Retention>,
}

/// Drug held in tumour cells by saturable binding (taxanes on microtubules): occupancy θ with
/// dθ/dt = (k_off / K) C (1 − θ) − k_off θ at the tumour's exposure C, reported as the
/// concentration that would give θ at equilibrium, K θ / (1 − θ). Under constant exposure
/// that is C itself, so the laboratory's constant-concentration response applies unchanged;
/// after a short infusion the binding, loaded in hours, is released over days (k_off).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Retention {
    pub k_off_per_h: f64,
    pub kd_mg_l: f64,
}

/// Random effects per patient and agent: CL, V1, V2, Km, V3, Vmax.
pub const EFFECTS: usize = 6;

/// Largest tumour-to-plasma exposure ratio accepted (xenografts reach ~200 for capecitabine's
/// 5-FU; facts in popPK.toml).
const MAX_TUMOUR_RATIO: f64 = 1000.0;

/// Every agent and the population parameters, checked.
#[derive(Debug, Clone)]
pub struct PopPk {
    agents: Vec<Agent>,
    pub population: Population,
}

impl PopPk {
    /// The built-in `models/her2/popPK.toml`.
    pub fn builtin() -> Result<PopPk, String> {
        PopPk::from_toml(POPPK_TOML, FILE)
    }

    /// Reads a popPK file's text; errors name the file, the agent and the key.
    pub fn from_toml(text: &str, file: &str) -> Result<PopPk, String> {
        let f: PopFile = toml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
        let numbers = f
            .population
            .numbers()
            .map_err(|e| format!("{file}: population.{e}"))?;
        let mut agents = Vec::new();
        for (i, a) in f.agent.iter().enumerate() {
            let key = format!("agent[{i}] ({} {})", a.drug, a.variant);
            agents.push(
                agent(a, numbers.assay_albumin_ratio).map_err(|e| format!("{file}: {key}: {e}"))?,
            );
        }
        Ok(PopPk {
            agents,
            population: f.population,
        })
    }

    /// The model trials use for `drug` (the first entry of that drug).
    pub fn agent(&self, drug: &str) -> Option<&Agent> {
        self.agents.iter().find(|a| a.drug == drug)
    }

    /// The agent trials use for `drug`, to change (calibration scans).
    pub fn agent_mut(&mut self, drug: &str) -> Option<&mut Agent> {
        self.agents.iter_mut().find(|a| a.drug == drug)
    }

    /// A named variant.
    pub fn variant(&self, drug: &str, variant: &str) -> Option<&Agent> {
        self.agents
            .iter()
            .find(|a| a.drug == drug && a.variant == variant)
    }

    /// Drugs with a model, in file order, once each.
    pub fn drugs(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for a in &self.agents {
            if !out.contains(&a.drug.as_str()) {
                out.push(&a.drug);
            }
        }
        out
    }
}

/// A parameter's value in canonical units (h, L, mg, fraction), and whether it is per m².
pub(super) fn canonical(p: &Param, dims: &[&str]) -> Result<(f64, bool), String> {
    if !TAGS.contains(&p.tag.as_str()) {
        return Err(format!("tag {:?}: expected one of {TAGS:?}", p.tag));
    }
    if p.source.trim().is_empty() {
        return Err("source is empty".into());
    }
    if !p.value.is_finite() || p.value < 0.0 {
        return Err(format!("{}: expected a finite number >= 0", p.value));
    }
    if !dims.contains(&p.unit.as_str()) {
        return Err(format!("unit {:?}: expected one of {dims:?}", p.unit));
    }
    let v = p.value;
    Ok(match p.unit.as_str() {
        "L/day" | "mg/day" | "1/day" => (v / 24.0, false),
        "day" => (v * 24.0, false),
        "L/h/m2" | "L/m2" => (v, true),
        "%CV" | "%" => (v / 100.0, false),
        _ => (v, false), // L/h, L, 1/h, h, mg/h, mg/L, ug/mL (= mg/L), 1, kg, cm, mm
    })
}

/// The unbound fraction of a drug in the laboratory's medium, from its unbound fraction in
/// plasma `fu` and the medium's albumin relative to plasma (`ratio`): binding to one protein
/// with a constant affinity gives (1 − fu) / fu = K [P], so the bound-to-unbound ratio scales
/// with the protein concentration.
pub fn unbound_in_medium(fu: f64, ratio: f64) -> f64 {
    1.0 / (1.0 + (1.0 / fu - 1.0) * ratio)
}

fn agent(a: &RawAgent, assay_albumin_ratio: f64) -> Result<Agent, String> {
    let oral = match a.route.as_str() {
        "iv" => false,
        "oral" => true,
        r => return Err(format!("route {r:?}: expected \"iv\" or \"oral\"")),
    };
    let get = |name: &str, p: &Param, dims: &[&str]| {
        canonical(p, dims).map_err(|e| format!("{name}: {e}"))
    };
    let opt = |name: &str, p: &Option<Param>, dims: &[&str]| -> Result<Option<f64>, String> {
        p.as_ref()
            .map(|p| get(name, p, dims).map(|v| v.0))
            .transpose()
    };
    let positive = |name: &str, v: f64| {
        if v > 0.0 {
            Ok(v)
        } else {
            Err(format!("{name}: must be > 0"))
        }
    };
    let (cl, cl_m2) = get("cl", &a.cl, &["L/day", "L/h", "L/h/m2"])?;
    let (v1, v1_m2) = get("v1", &a.v1, &["L", "L/m2"])?;
    // Without a linear clearance the drug must leave by saturable elimination (paclitaxel).
    if a.vmax.is_none() {
        positive("cl", cl)?;
    }
    positive("v1", v1)?;
    // A peripheral compartment: its intercompartmental clearance and volume, both or neither.
    let compartment = |which: &str,
                       (qn, qp): (&str, &Option<Param>),
                       (vn, vp): (&str, &Option<Param>)| {
        match (opt(qn, qp, &["L/day", "L/h"])?, opt(vn, vp, &["L"])?) {
            (None, None) => Ok((None, None)),
            (Some(q), Some(v)) => Ok((Some(q), Some(positive(vn, v)?))),
            _ => Err(format!("a {which} compartment needs both {qn} and {vn}")),
        }
    };
    let (q, v2) = compartment("second", ("q", &a.q), ("v2", &a.v2))?;
    let vmtr = opt("vmtr", &a.vmtr, &["mg/h", "mg/day"])?;
    let kmtr = opt("kmtr", &a.kmtr, &["mg/L", "ug/mL"])?;
    let k21s = opt("k21_saturable", &a.k21_saturable, &["1/h", "1/day"])?;
    let saturable = match (vmtr, kmtr, k21s) {
        (None, None, None) => None,
        (Some(v), Some(k), Some(r)) => {
            if q.is_some() {
                return Err("saturable distribution (vmtr, kmtr, k21_saturable) replaces the linear second compartment (q, v2): give one".into());
            }
            Some((
                positive("vmtr", v)?,
                positive("kmtr", k)?,
                positive("k21_saturable", r)?,
            ))
        }
        _ => return Err("saturable distribution needs vmtr, kmtr and k21_saturable".into()),
    };
    let (q3, v3) = compartment("third", ("q3", &a.q3), ("v3", &a.v3))?;
    let ka = opt("ka", &a.ka, &["1/h", "1/day"])?;
    match (oral, ka) {
        (true, None) => return Err("oral dosing needs ka".into()),
        (true, Some(k)) => {
            positive("ka", k)?;
        }
        (false, Some(_)) => return Err("ka is for oral dosing only".into()),
        _ => {}
    }
    let infusion_h = opt("infusion_h", &a.infusion_h, &["h"])?.unwrap_or(0.0);
    let vmax = opt("vmax", &a.vmax, &["mg/day", "mg/h"])?;
    let km = opt("km", &a.km, &["mg/L", "ug/mL"])?;
    if vmax.is_some() != km.is_some() {
        return Err("Michaelis-Menten elimination needs both vmax and km".into());
    }
    if let Some(k) = km {
        positive("km", k)?;
    }
    let cv = |name: &str, p: &Option<Param>| -> Result<f64, String> {
        Ok(super::rng::log_sd(opt(name, p, &["%CV"])?.unwrap_or(0.0)))
    };
    let fraction = get("tumour_fraction", &a.tumour_fraction, &["1"])?.0;
    // A tumour-to-plasma ratio: at most 1 for drugs that only diffuse in, above 1 for
    // prodrugs a tumour enzyme activates (capecitabine).
    if !(fraction > 0.0 && fraction <= MAX_TUMOUR_RATIO) {
        return Err(format!(
            "tumour_fraction: expected a tumour-to-plasma ratio above 0 and at most {MAX_TUMOUR_RATIO}"
        ));
    }
    // With a plasma unbound fraction, the tumour's unbound drug (tumour_fraction x the
    // plasma's unbound drug) is matched to the laboratory's unbound drug: the lab's
    // concentrations are nominal ones in serum-containing medium, where a highly bound drug is
    // partly bound too, so the lab-equivalent concentration is the unbound one divided by the
    // medium's unbound fraction (the "serum shift" of in-vitro potencies).
    let fraction = match opt("unbound_fraction", &a.unbound_fraction, &["1", "%"])? {
        None => fraction,
        Some(fu) if fu > 0.0 && fu <= 1.0 => {
            fraction * fu / unbound_in_medium(fu, assay_albumin_ratio)
        }
        Some(fu) => {
            return Err(format!(
                "unbound_fraction: {fu}: expected a fraction above 0 and at most 1"
            ))
        }
    };
    let half = get("tumour_half_time", &a.tumour_half_time, &["h", "day"])?.0;
    let retention = match (
        opt("retention_half_time", &a.retention_half_time, &["h", "day"])?,
        opt("retention_kd", &a.retention_kd, &["mg/L", "ug/mL"])?,
    ) {
        (None, None) => None,
        (Some(t), Some(kd)) => {
            if half > 0.0 {
                return Err("retention replaces the tumour transfer: tumour_half_time must be 0 with retention_half_time".into());
            }
            Some(Retention {
                k_off_per_h: std::f64::consts::LN_2 / positive("retention_half_time", t)?,
                kd_mg_l: positive("retention_kd", kd)?,
            })
        }
        _ => return Err("retention needs retention_half_time and retention_kd".into()),
    };
    Ok(Agent {
        drug: a.drug.clone(),
        variant: a.variant.clone(),
        oral,
        infusion_h,
        cl: (
            cl,
            if cl_m2 {
                Per::SquareMetre
            } else {
                Per::Patient
            },
        ),
        v1: (
            v1,
            if v1_m2 {
                Per::SquareMetre
            } else {
                Per::Patient
            },
        ),
        q,
        v2,
        q3,
        v3,
        saturable,
        ka,
        tlag_h: opt("tlag", &a.tlag, &["h"])?.unwrap_or(0.0),
        vmax_mg_h: vmax,
        km_mg_l: km,
        weight_ref: opt("weight_ref", &a.weight_ref, &["kg"])?.unwrap_or(70.0),
        exp_cl: opt("weight_exponent_cl", &a.weight_exponent_cl, &["1"])?.unwrap_or(0.0),
        exp_v1: opt("weight_exponent_v1", &a.weight_exponent_v1, &["1"])?.unwrap_or(0.0),
        iiv: [
            cv("iiv_cl", &a.iiv_cl)?,
            cv("iiv_v1", &a.iiv_v1)?,
            cv("iiv_v2", &a.iiv_v2)?,
            cv("iiv_km", &a.iiv_km)?,
            cv("iiv_v3", &a.iiv_v3)?,
            cv("iiv_vmax", &a.iiv_vmax)?,
        ],
        tumour_fraction: fraction,
        tumour_k_per_h: (half > 0.0).then(|| std::f64::consts::LN_2 / half),
        retention,
    })
}

/// One patient's parameters of one agent (h, L, mg).
#[derive(Debug, Clone, PartialEq)]
pub struct Individual {
    pub cl: f64,
    pub v1: f64,
    pub q: f64,
    pub v2: f64,
    pub ka: Option<f64>,
    pub tlag_h: f64,
    pub infusion_h: f64,
    pub vmax: Option<f64>,
    pub km: f64,
    /// Third compartment (L/h, L); q3 = 0 when absent.
    pub q3: f64,
    pub v3: f64,
    /// Saturable distribution: maximal rate (mg/h), half-saturating concentration (mg/L) and
    /// first-order return (/h).
    pub saturable: Option<(f64, f64, f64)>,
    pub tumour_fraction: f64,
    pub tumour_k: Option<f64>,
    pub retention: Option<Retention>,
}

impl Agent {
    /// The typical patient's parameters (no random effects).
    pub fn typical(&self, weight_kg: f64, bsa_m2: f64) -> Individual {
        self.individual(weight_kg, bsa_m2, &[0.0; EFFECTS])
    }

    /// Parameters for a patient with standard-normal random effects `z` (CL, V1, V2, Km, V3,
    /// Vmax).
    pub fn individual(&self, weight_kg: f64, bsa_m2: f64, z: &[f64; EFFECTS]) -> Individual {
        let size = |(v, per): (f64, Per)| match per {
            Per::Patient => v,
            Per::SquareMetre => v * bsa_m2,
        };
        let wt = weight_kg / self.weight_ref;
        let eta = |k: usize| (self.iiv[k] * z[k]).exp();
        Individual {
            cl: size(self.cl) * wt.powf(self.exp_cl) * eta(0),
            v1: size(self.v1) * wt.powf(self.exp_v1) * eta(1),
            q: self.q.unwrap_or(0.0),
            v2: self.v2.map_or(1.0, |v| v * eta(2)),
            ka: self.ka,
            tlag_h: self.tlag_h,
            infusion_h: self.infusion_h,
            vmax: self.vmax_mg_h.map(|v| v * eta(5)),
            km: self.km_mg_l.map_or(1.0, |k| k * eta(3)),
            q3: self.q3.unwrap_or(0.0),
            v3: self.v3.map_or(1.0, |v| v * eta(4)),
            saturable: self.saturable,
            tumour_fraction: self.tumour_fraction,
            tumour_k: self.tumour_k_per_h,
            retention: self.retention,
        }
    }
}

/// Plasma and tumour concentrations (mg/L) at the sample times.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub plasma: Vec<f64>,
    pub tumour: Vec<f64>,
}

/// State: depot (mg), central (mg), peripheral (mg), tumour concentration (mg/L).
type State = [f64; 4];

impl Individual {
    /// Dosing events: (time h, change of infusion rate mg/h, bolus into the depot mg).
    fn events(&self, doses: &[(f64, f64)]) -> Vec<(f64, f64, f64)> {
        let mut events: Vec<(f64, f64, f64)> = Vec::with_capacity(2 * doses.len());
        for &(t, mg) in doses {
            if self.ka.is_some() {
                events.push((t + self.tlag_h, 0.0, mg));
            } else if self.infusion_h > 0.0 {
                let rate = mg / self.infusion_h;
                events.push((t, rate, 0.0));
                events.push((t + self.infusion_h, -rate, 0.0));
            } else {
                // A bolus into the central compartment: a 1-minute infusion.
                events.push((t, mg * 60.0, 0.0));
                events.push((t + 1.0 / 60.0, -mg * 60.0, 0.0));
            }
        }
        events.sort_by(|a, b| a.0.total_cmp(&b.0));
        events
    }

    /// Half-life of the central compartment's elimination at low concentration (h):
    /// ln 2 V1 / (CL + Vmax/Km). Saturable elimination counts at its linear limit, so
    /// paclitaxel (no linear clearance) is short-lived, as it is.
    pub fn plasma_half_life_h(&self) -> f64 {
        let cl = self.cl + self.vmax.map_or(0.0, |v| v / self.km);
        std::f64::consts::LN_2 * self.v1 / cl
    }

    /// Whether the model needs the adaptive integrator (three compartments or saturable
    /// distribution).
    fn numeric(&self) -> bool {
        self.q3 > 0.0 || self.saturable.is_some() || self.retention.is_some()
    }

    /// Concentrations at `times` (h, ascending) after `doses` (time h, amount mg). Errors
    /// only if the adaptive integrator fails (three-compartment and saturable models).
    pub fn simulate(&self, doses: &[(f64, f64)], times: &[f64]) -> Result<Profile, String> {
        let events = self.events(doses);
        let mut state = if self.numeric() {
            Advance::Numeric(Box::new(Compartments::new(self)))
        } else {
            Advance::Closed(Stepper::new(self), [0.0; 4])
        };
        let mut rate = 0.0;
        let mut now = 0.0;
        let mut e = 0;
        let mut out = Profile {
            plasma: Vec::with_capacity(times.len()),
            tumour: Vec::with_capacity(times.len()),
        };
        for &t in times {
            while e < events.len() && events[e].0 <= t {
                let (te, dr, bolus) = events[e];
                if te > now {
                    state.advance(now, te, rate)?;
                    now = te;
                }
                rate += dr;
                if rate.abs() < 1e-12 {
                    rate = 0.0; // the stop of an infusion cancels its start exactly
                }
                state.add_to_depot(bolus);
                e += 1;
            }
            if t > now {
                state.advance(now, t, rate)?;
                now = t;
            }
            let (central_mg, tumour) = state.central_and_tumour();
            let c = central_mg / self.v1;
            out.plasma.push(c.max(0.0));
            out.tumour.push(match (self.retention, self.tumour_k) {
                (Some(r), _) => r.equivalent(tumour),
                (None, Some(_)) => tumour.max(0.0),
                (None, None) => (self.tumour_fraction * c).max(0.0),
            });
        }
        Ok(out)
    }
}

/// The two ways a profile is advanced: closed form or RK4 (`Stepper`, four states), or the
/// adaptive integrator (`Compartments`, five states). One lives per patient and drug during
/// a simulation, so the large closed-form variant stays inline (as `Stepper` does).
#[allow(clippy::large_enum_variant)]
enum Advance {
    Closed(Stepper, State),
    Numeric(Box<Compartments>),
}

impl Advance {
    fn advance(&mut self, from: f64, to: f64, rate: f64) -> Result<(), String> {
        match self {
            Advance::Closed(step, x) => {
                *x = step.advance(x, to - from, rate);
                Ok(())
            }
            Advance::Numeric(c) => c.advance(from, to, rate),
        }
    }

    fn add_to_depot(&mut self, mg: f64) {
        match self {
            Advance::Closed(_, x) => x[0] += mg,
            Advance::Numeric(c) => {
                if mg != 0.0 {
                    c.y[DEPOT] += mg;
                    c.dirty = true;
                }
            }
        }
    }

    /// Central amount (mg) and tumour concentration (mg/L).
    fn central_and_tumour(&self) -> (f64, f64) {
        match self {
            Advance::Closed(_, x) => (x[1], x[3]),
            Advance::Numeric(c) => (c.y[CENTRAL], c.y[TUMOUR]),
        }
    }
}

impl Retention {
    /// Highest occupancy reported (its equivalent is 1e6 K: far above any node of the
    /// laboratory's response grid).
    const MAX_OCCUPANCY: f64 = 1.0 - 1e-6;

    /// The constant concentration (mg/L) that would give occupancy `theta` at equilibrium.
    pub fn equivalent(&self, theta: f64) -> f64 {
        let t = theta.clamp(0.0, Self::MAX_OCCUPANCY);
        self.kd_mg_l * t / (1.0 - t)
    }
}

/// Advances the state over an interval with a constant infusion rate. One lives per patient
/// and drug during a simulation, never in a collection, so the large linear variant is kept
/// inline rather than boxed.
#[allow(clippy::large_enum_variant)]
enum Stepper {
    /// `exp(A dt) = Σ P_i exp(λ_i dt)` with Sylvester's projectors `P_i`; `cache` holds the
    /// propagator of the last interval length (most intervals are the caller's sample step).
    Linear {
        lambda: [f64; 4],
        p: [[[f64; 4]; 4]; 4],
        cache: Option<(f64, Mat, State)>,
    },
    /// Michaelis–Menten: RK4.
    Nonlinear(Rates),
}

#[derive(Clone, Copy)]
struct Rates {
    ka: f64,
    k10: f64,
    k12: f64,
    k21: f64,
    v1: f64,
    vmax: f64,
    km: f64,
    kt: f64,
    ft: f64,
}

impl Rates {
    fn deriv(&self, x: &State, rate: f64) -> State {
        let c = x[1] / self.v1;
        let mm = self.vmax * c / (self.km + c.max(0.0));
        [
            -self.ka * x[0],
            rate + self.ka * x[0] - (self.k10 + self.k12) * x[1] + self.k21 * x[2] - mm,
            self.k12 * x[1] - self.k21 * x[2],
            self.kt * (self.ft * c - x[3]),
        ]
    }
}

/// Relative separation below which two eigenvalues are pulled apart (Sylvester's formula
/// needs distinct ones; the nudge changes a rate by 1e-5, far below any parameter's precision).
const SEPARATION: f64 = 1e-5;

impl Stepper {
    fn new(ind: &Individual) -> Stepper {
        // Unused states get rates that keep them decoupled and distinct (they stay zero).
        let mut r = Rates {
            ka: ind.ka.unwrap_or(0.0),
            k10: ind.cl / ind.v1,
            k12: ind.q / ind.v1,
            k21: if ind.q > 0.0 { ind.q / ind.v2 } else { 0.0 },
            v1: ind.v1,
            vmax: ind.vmax.unwrap_or(0.0),
            km: ind.km,
            kt: ind.tumour_k.unwrap_or(0.0),
            ft: ind.tumour_fraction,
        };
        if ind.vmax.is_some() {
            return Stepper::Nonlinear(r);
        }
        // Eigenvalues of the central/peripheral block.
        let (a, b) = {
            let tr = r.k10 + r.k12 + r.k21;
            let det = r.k10 * r.k21;
            let disc = (tr * tr - 4.0 * det).max(0.0).sqrt();
            (-(tr - disc) / 2.0, -(tr + disc) / 2.0)
        };
        let (mut ka, mut kt) = (r.ka, r.kt);
        let taken = |v: f64, others: &[f64]| {
            others
                .iter()
                .any(|o| (v - o).abs() <= SEPARATION * v.abs().max(o.abs()).max(1e-12))
        };
        // Absent depot/tumour states: any distinct rate (their states stay zero).
        if ka == 0.0 {
            ka = 10.0 * (r.k10 + r.k12 + r.k21 + 1.0);
        }
        while taken(-ka, &[a, b]) {
            ka *= 1.0 + 10.0 * SEPARATION;
        }
        if kt == 0.0 {
            kt = 3.0 * ka + 1.0;
        }
        while taken(-kt, &[a, b, -ka]) {
            kt *= 1.0 + 10.0 * SEPARATION;
        }
        r.ka = if ind.ka.is_some() { ka } else { 0.0 };
        r.kt = if ind.tumour_k.is_some() { kt } else { 0.0 };
        // Without a peripheral compartment b = -k21 = 0: the eigenvalue of a decoupled state
        // that stays zero, distinct from the others (all negative).
        let lambda = [-ka, a, b, -kt];
        // A with the depot and tumour rows; where the state is absent the diagonal still
        // carries the (unused) eigenvalue so that the projectors are exact for the present ones.
        let m = matrix(&r, ka, kt, lambda[2]);
        let mut p = [[[0.0; 4]; 4]; 4];
        for (i, pi) in p.iter_mut().enumerate() {
            let mut acc = identity();
            for (j, &lj) in lambda.iter().enumerate() {
                if j != i {
                    let mut f = m;
                    for (k, row) in f.iter_mut().enumerate() {
                        row[k] -= lj;
                    }
                    let s = 1.0 / (lambda[i] - lj);
                    acc = mul(&acc, &f);
                    for row in acc.iter_mut() {
                        for v in row.iter_mut() {
                            *v *= s;
                        }
                    }
                }
            }
            *pi = acc;
        }
        Stepper::Linear {
            lambda,
            p,
            cache: None,
        }
    }

    fn advance(&mut self, x: &State, dt: f64, rate: f64) -> State {
        match self {
            Stepper::Linear { lambda, p, cache } => {
                if cache.as_ref().is_none_or(|c| c.0 != dt) {
                    // E = exp(A dt); f = ∫0^dt exp(A s) ds e_central (the infusion's column).
                    let mut e_m = [[0.0; 4]; 4];
                    let mut f = [0.0; 4];
                    for (li, pi) in lambda.iter().zip(p.iter()) {
                        let e = (li * dt).exp();
                        // ∫0^dt exp(λ s) ds, written to stay accurate for small |λ dt|.
                        let phi = if (li * dt).abs() < 1e-8 {
                            dt
                        } else {
                            (e - 1.0) / li
                        };
                        for r in 0..4 {
                            for c in 0..4 {
                                e_m[r][c] += e * pi[r][c];
                            }
                            f[r] += phi * pi[r][1];
                        }
                    }
                    *cache = Some((dt, e_m, f));
                }
                let Some((_, e_m, f)) = cache.as_ref() else {
                    return *x;
                };
                let mut out = [0.0; 4];
                for (r, o) in out.iter_mut().enumerate() {
                    *o = (0..4).map(|c| e_m[r][c] * x[c]).sum::<f64>() + f[r] * rate;
                }
                out
            }
            Stepper::Nonlinear(r) => {
                let n = (dt / MM_STEP_H).ceil().max(1.0);
                let h = dt / n;
                let mut y = *x;
                for _ in 0..n as usize {
                    let k1 = r.deriv(&y, rate);
                    let k2 = r.deriv(&axpy(&y, 0.5 * h, &k1), rate);
                    let k3 = r.deriv(&axpy(&y, 0.5 * h, &k2), rate);
                    let k4 = r.deriv(&axpy(&y, h, &k3), rate);
                    for i in 0..4 {
                        y[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
                    }
                }
                y
            }
        }
    }
}

/// RK4 step of the Michaelis–Menten model (h).
const MM_STEP_H: f64 = 1.0;

fn axpy(y: &State, h: f64, k: &State) -> State {
    [
        y[0] + h * k[0],
        y[1] + h * k[1],
        y[2] + h * k[2],
        y[3] + h * k[3],
    ]
}

type Mat = [[f64; 4]; 4];

fn identity() -> Mat {
    let mut m = [[0.0; 4]; 4];
    for (i, row) in m.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    m
}

fn mul(a: &Mat, b: &Mat) -> Mat {
    let mut m = [[0.0; 4]; 4];
    for i in 0..4 {
        for j in 0..4 {
            m[i][j] = (0..4).map(|k| a[i][k] * b[k][j]).sum();
        }
    }
    m
}

/// The system matrix; `b_unused` is the peripheral eigenvalue used when there is no
/// peripheral compartment (then k12 = 0 and the state is decoupled).
fn matrix(r: &Rates, ka: f64, kt: f64, b_unused: f64) -> Mat {
    let k21 = if r.k12 > 0.0 { r.k21 } else { -b_unused };
    [
        [-ka, 0.0, 0.0, 0.0],
        [r.ka, -(r.k10 + r.k12), k21, 0.0],
        [0.0, r.k12, -k21, 0.0],
        [0.0, r.kt * r.ft / r.v1, 0.0, -kt],
    ]
}

#[cfg(test)]
#[path = "poppk_tests.rs"]
mod tests;
