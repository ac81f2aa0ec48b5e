//! Pharmacokinetics for treatments given by their clinical regimen (`"trastuzumab@clinical"`):
//! `models/her2/regimens.toml` read and checked, doses in mg/kg, mg/m2 or mg turned into a
//! dosing schedule, and the linear one- or two-compartment model (IV infusion or oral
//! first-order absorption) integrated into a concentration profile the laboratory reads
//! at any time.

use serde::Deserialize;

use crate::catalogue::Catalogue;
use crate::units::{parse_dose, Dimension};

const REGIMENS_TOML: &str = include_str!("../../../models/her2/regimens.toml");

/// The virtual patient every regimen is dosed for (assumed typical adult).
pub const BODY_WEIGHT_KG: f64 = 70.0;
pub const BODY_SURFACE_M2: f64 = 1.8;

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
struct RegimensFile {
    regimen: Vec<Regimen>,
}

/// A clinical regimen with its PK model, as written in `regimens.toml`.
#[derive(Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Regimen {
    pub strategy: String,
    /// `"iv"` (infusion) or `"oral"`.
    pub route: String,
    #[serde(default)]
    pub infusion_h: f64,
    pub loading_dose: Option<String>,
    pub dose: String,
    pub interval_h: f64,
    pub regimen_source: String,
    pub cl_l_per_h: f64,
    pub v1_l: f64,
    pub q_l_per_h: Option<f64>,
    pub v2_l: Option<f64>,
    pub ka_per_h: Option<f64>,
    #[serde(default)]
    pub tlag_h: f64,
    pub pk_source: String,
    pub exposure: f64,
    pub exposure_reason: String,
}

/// Every regimen, checked against the catalogue.
#[derive(Debug, Clone, PartialEq)]
pub struct Regimens {
    regimens: Vec<Regimen>,
}

impl Regimens {
    pub fn builtin(cat: &Catalogue) -> Result<Regimens, String> {
        Regimens::from_toml(REGIMENS_TOML, cat)
    }

    pub fn from_toml(text: &str, cat: &Catalogue) -> Result<Regimens, String> {
        let f: RegimensFile = toml::from_str(text).map_err(|e| format!("regimens.toml: {e}"))?;
        let mut problems = Vec::new();
        for r in &f.regimen {
            let w = format!("regimen {}", r.strategy);
            if cat.strategy(&r.strategy).is_err() {
                problems.push(format!("{w}: not in the catalogue"));
            }
            if !matches!(r.route.as_str(), "iv" | "oral") {
                problems.push(format!("{w}: route must be \"iv\" or \"oral\""));
            }
            for (name, v) in [
                ("cl_l_per_h", r.cl_l_per_h),
                ("v1_l", r.v1_l),
                ("interval_h", r.interval_h),
                ("exposure", r.exposure),
            ] {
                if !(v.is_finite() && v > 0.0) {
                    problems.push(format!("{w}: {name} must be > 0"));
                }
            }
            if r.q_l_per_h.is_some() != r.v2_l.is_some() {
                problems.push(format!(
                    "{w}: a second compartment needs both q_l_per_h and v2_l"
                ));
            }
            if r.route == "oral" && r.ka_per_h.is_none_or(|k| k.is_nan() || k <= 0.0) {
                problems.push(format!("{w}: oral dosing needs ka_per_h > 0"));
            }
            for d in r.loading_dose.iter().chain(std::iter::once(&r.dose)) {
                if let Err(e) = milligrams(d) {
                    problems.push(format!("{w}: {e}"));
                }
            }
        }
        if problems.is_empty() {
            Ok(Regimens {
                regimens: f.regimen,
            })
        } else {
            Err(format!(
                "models/her2/regimens.toml:\n  {}",
                problems.join("\n  ")
            ))
        }
    }

    pub fn get(&self, strategy_id: &str) -> Option<&Regimen> {
        self.regimens.iter().find(|r| r.strategy == strategy_id)
    }

    pub fn all(&self) -> &[Regimen] {
        &self.regimens
    }
}

/// A dose in mg for the virtual patient.
fn milligrams(text: &str) -> Result<f64, String> {
    // A flat dose ("420 mg") is not a concentration unit, so it is read here.
    if let Some(num) = text.trim().strip_suffix("mg") {
        return match num.trim().parse::<f64>() {
            Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
            _ => Err(format!("dose {text:?} is not a positive amount")),
        };
    }
    let q = parse_dose(text).map_err(|e| e.to_string())?;
    match q.unit.symbol {
        "mg/kg" => Ok(q.value * BODY_WEIGHT_KG),
        "ug/kg" => Ok(q.value * BODY_WEIGHT_KG / 1000.0),
        "mg/m2" => Ok(q.value * BODY_SURFACE_M2),
        _ if q.unit.dimension == Dimension::MassConcentration => {
            Err(format!("dose {text:?} is a concentration, not a dose"))
        }
        _ => Err(format!(
            "dose {text:?}: give mg/kg, mg/m2 or a flat dose in mg (e.g. \"420 mg\")"
        )),
    }
}

/// Concentration at the tumour cells over time (nM), sampled on a fine grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    step_h: f64,
    nm: Vec<f64>,
}

impl Profile {
    /// Integrates the regimen's PK model for `hours` (doses at 0, interval, 2 interval, ...)
    /// and converts mg/L to nM with the molecular weight.
    pub fn of(r: &Regimen, mw_g_per_mol: f64, hours: f64) -> Result<Profile, String> {
        let loading = r.loading_dose.as_deref().map(milligrams).transpose()?;
        let maintenance = milligrams(&r.dose)?;
        // Small steps resolve infusions and absorption; RK4 on a linear system is exact to
        // ~1e-10 relative at this step for the rate constants involved (fastest ~1 /h).
        let dt = 0.01_f64;
        let n = (hours / dt).ceil() as usize + 1;
        let k10 = r.cl_l_per_h / r.v1_l;
        let (k12, k21) = match (r.q_l_per_h, r.v2_l) {
            (Some(q), Some(v2)) => (q / r.v1_l, q / v2),
            _ => (0.0, 0.0),
        };
        let ka = r.ka_per_h.unwrap_or(0.0);
        let oral = r.route == "oral";
        let dose_at = |k: usize| {
            if k == 0 {
                loading.unwrap_or(maintenance)
            } else {
                maintenance
            }
        };
        // State: gut (oral), central, peripheral amounts in mg.
        let mut x = [0.0_f64; 3];
        let mut next_dose = 0usize;
        let stride = (0.25 / dt).round() as usize; // keep a sample every 15 min
        let mut nm = Vec::with_capacity(n / stride + 2);
        let to_nm = |central_mg: f64| central_mg / r.v1_l / mw_g_per_mol * 1e6 * r.exposure;
        for i in 0..n {
            let t = i as f64 * dt;
            // Oral doses enter the gut at their (lagged) times.
            if oral {
                while (next_dose as f64) * r.interval_h + r.tlag_h <= t + 1e-9 {
                    x[0] += dose_at(next_dose);
                    next_dose += 1;
                }
            }
            if i % stride == 0 {
                nm.push(to_nm(x[1]));
            }
            let infusion = |t: f64| -> f64 {
                if oral {
                    return 0.0;
                }
                let k = (t / r.interval_h).floor().max(0.0) as usize;
                let into = t - k as f64 * r.interval_h;
                let dur = r.infusion_h.max(dt);
                if into < dur {
                    dose_at(k) / dur
                } else {
                    0.0
                }
            };
            let f = |t: f64, x: &[f64; 3]| -> [f64; 3] {
                [
                    -ka * x[0],
                    ka * x[0] + infusion(t) - (k10 + k12) * x[1] + k21 * x[2],
                    k12 * x[1] - k21 * x[2],
                ]
            };
            let a = f(t, &x);
            let b = f(t + dt / 2.0, &add(&x, &a, dt / 2.0));
            let c = f(t + dt / 2.0, &add(&x, &b, dt / 2.0));
            let d = f(t + dt, &add(&x, &c, dt));
            for j in 0..3 {
                x[j] += dt / 6.0 * (a[j] + 2.0 * b[j] + 2.0 * c[j] + d[j]);
            }
        }
        Ok(Profile {
            step_h: dt * stride as f64,
            nm,
        })
    }

    /// Concentration (nM at the cells) at `t_h`, linearly interpolated.
    pub fn at(&self, t_h: f64) -> f64 {
        let x = (t_h / self.step_h).max(0.0);
        let i = x.floor() as usize;
        match (self.nm.get(i), self.nm.get(i + 1)) {
            (Some(a), Some(b)) => a + (b - a) * (x - i as f64),
            (Some(a), None) => *a,
            _ => self.nm.last().copied().unwrap_or(0.0),
        }
    }
}

fn add(x: &[f64; 3], d: &[f64; 3], h: f64) -> [f64; 3] {
    [x[0] + h * d[0], x[1] + h * d[1], x[2] + h * d[2]]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regimens() -> (Catalogue, Regimens) {
        let c = Catalogue::builtin().unwrap();
        let r = Regimens::builtin(&c).unwrap();
        (c, r)
    }

    /// One-compartment IV bolus-like infusion: after the infusion the concentration decays
    /// with k = CL/V exactly.
    #[test]
    fn one_compartment_decays_at_cl_over_v() {
        let (c, r) = regimens();
        let tdm1 = r.get("t-dm1").unwrap();
        let mw = c.strategy("t-dm1").unwrap().molecular_weight().unwrap();
        let p = Profile::of(tdm1, mw, 200.0).unwrap();
        let k = tdm1.cl_l_per_h / tdm1.v1_l;
        let ratio = p.at(150.0) / p.at(50.0);
        assert!((ratio - (-k * 100.0).exp()).abs() < 1e-6, "{ratio}");
        // Peak = dose / V (minus the little cleared during the 1.5-h infusion).
        let peak_mg_l = 3.6 * BODY_WEIGHT_KG / tdm1.v1_l;
        let peak = p.at(1.5) / tdm1.exposure * mw / 1e6;
        assert!(
            (peak / peak_mg_l - 1.0).abs() < 0.05,
            "{peak} vs {peak_mg_l}"
        );
    }

    /// Trastuzumab 8 -> 6 mg/kg q3w: the trough before the 4th dose lies near the sourced
    /// steady-state Cmin (44.2 ug/mL, SmPC population median) — an independent check of the
    /// PK parameters and of the integration (tolerance 35 %: steady state is not reached by
    /// cycle 4 and the SmPC is a population median).
    #[test]
    fn trastuzumab_trough_near_label_cmin() {
        let (c, r) = regimens();
        let t = r.get("trastuzumab").unwrap();
        let mw = c
            .strategy("trastuzumab")
            .unwrap()
            .molecular_weight()
            .unwrap();
        let p = Profile::of(t, mw, 4.0 * 504.0).unwrap();
        let trough_ug_ml = p.at(3.0 * 504.0 - 0.01) / t.exposure * mw / 1e6;
        assert!(
            (trough_ug_ml / 44.2 - 1.0).abs() < 0.35,
            "trough {trough_ug_ml} ug/mL"
        );
    }

    /// Oral lapatinib 1250 mg QD: the average concentration over a steady-state interval is
    /// dose / (CL/F * tau) = AUC_ss / tau (sourced 36.2 ug*h/mL -> 1.51 ug/mL).
    #[test]
    fn oral_average_matches_auc() {
        let (c, r) = regimens();
        let l = r.get("lapatinib").unwrap();
        let mw = c.strategy("lapatinib").unwrap().molecular_weight().unwrap();
        let p = Profile::of(l, mw, 24.0 * 15.0).unwrap();
        let n = 96;
        let mean_nm: f64 = (0..n)
            .map(|i| p.at(24.0 * 14.0 + 24.0 * i as f64 / n as f64))
            .sum::<f64>()
            / n as f64;
        let mean_ug_ml = mean_nm / l.exposure * mw / 1e6;
        assert!(
            (mean_ug_ml / (36.2 / 24.0) - 1.0).abs() < 0.02,
            "{mean_ug_ml}"
        );
    }
}
