//! The adaptive path of the population PK models: three compartments and saturable
//! distribution (the taxanes). Their fast exchange with the peripheral compartments
//! (~10–20 /h) stays fast at low concentrations, so a fixed explicit step would need minutes
//! for years of follow-up; the project's own integrator (`her2sim_ode`, DOP853 switching to
//! BDF once the system turns stiff) takes long steps between doses instead.

use her2sim_ode::{integrate_to, Integrator, Method, Options, System};

use super::poppk::{Individual, Retention};

/// State layout: depot (mg), central (mg), second compartment (mg; the saturable one when
/// the model has saturable distribution), third compartment (mg), tumour (mg/L, or the
/// binding occupancy 0–1 when the agent is retained in tumour cells).
pub(super) const DEPOT: usize = 0;
pub(super) const CENTRAL: usize = 1;
const SECOND: usize = 2;
const THIRD: usize = 3;
pub(super) const TUMOUR: usize = 4;
const STATES: usize = 5;

/// Amounts below this (mg) with no infusion running are taken as no drug: the profile stays
/// at zero without integrating (nearly all of a long follow-up after the last dose).
const NO_DRUG_MG: f64 = 1e-15;

/// The model's rates for one patient, with the infusion rate of the current interval.
struct Rates {
    ka: f64,
    cl: f64,
    v1: f64,
    q: f64,
    v2: f64,
    saturable: Option<(f64, f64, f64)>,
    q3: f64,
    v3: f64,
    vmax: Option<f64>,
    km: f64,
    kt: f64,
    ft: f64,
    retention: Option<Retention>,
    infusion: f64,
}

impl System for Rates {
    fn dim(&self) -> usize {
        STATES
    }

    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) -> Result<(), String> {
        let c = y[CENTRAL] / self.v1;
        let cp = c.max(0.0);
        let eliminated = self.cl * c + self.vmax.map_or(0.0, |v| v * cp / (self.km + cp));
        let (out2, back2) = match self.saturable {
            Some((vmax, km, back)) => (vmax * cp / (km + cp), back * y[SECOND]),
            None if self.q > 0.0 => (self.q * c, self.q / self.v2 * y[SECOND]),
            None => (0.0, 0.0),
        };
        let (out3, back3) = if self.q3 > 0.0 {
            (self.q3 * c, self.q3 / self.v3 * y[THIRD])
        } else {
            (0.0, 0.0)
        };
        dy[DEPOT] = -self.ka * y[DEPOT];
        dy[CENTRAL] = self.infusion + self.ka * y[DEPOT] - eliminated - out2 + back2 - out3 + back3;
        dy[SECOND] = out2 - back2;
        dy[THIRD] = out3 - back3;
        dy[TUMOUR] = match self.retention {
            Some(r) => {
                let theta = y[TUMOUR];
                r.k_off_per_h * (self.ft * cp / r.kd_mg_l * (1.0 - theta) - theta)
            }
            None => self.kt * (self.ft * c - y[TUMOUR]),
        };
        Ok(())
    }
}

/// One patient's compartments for one agent, advanced between dosing events and samples.
pub(super) struct Compartments {
    pub(super) y: [f64; STATES],
    rates: Rates,
    solver: Option<Integrator>,
    /// The state was changed from outside (a dose), so the solver must restart there.
    pub(super) dirty: bool,
}

impl Compartments {
    pub(super) fn new(ind: &Individual) -> Compartments {
        Compartments {
            y: [0.0; STATES],
            rates: Rates {
                ka: ind.ka.unwrap_or(0.0),
                cl: ind.cl,
                v1: ind.v1,
                q: ind.q,
                v2: ind.v2,
                saturable: ind.saturable,
                q3: ind.q3,
                v3: ind.v3,
                vmax: ind.vmax,
                km: ind.km,
                kt: ind.tumour_k.unwrap_or(0.0),
                ft: ind.tumour_fraction,
                retention: ind.retention,
                infusion: 0.0,
            },
            solver: None,
            dirty: true,
        }
    }

    /// Integrates from `from` to `to` (h) with a constant infusion rate (mg/h).
    pub(super) fn advance(&mut self, from: f64, to: f64, infusion: f64) -> Result<(), String> {
        if infusion == 0.0 && self.y.iter().all(|v| v.abs() < NO_DRUG_MG) {
            return Ok(());
        }
        // The solver runs on across sample times (keeping its step size) and restarts only
        // where the right-hand side jumps: a dose or an infusion starting or stopping.
        let restart = self.dirty || infusion != self.rates.infusion;
        self.rates.infusion = infusion;
        self.dirty = false;
        let solver = match &mut self.solver {
            Some(s) => {
                if restart || s.t() != from {
                    s.reset(from, &self.y);
                }
                s
            }
            none => none.insert(Integrator::new(
                Method::Rodas4,
                from,
                &self.y,
                Options {
                    // Far below the PK models' own precision (tens of per cent between
                    // patients); the laboratory surface is interpolated coarser still.
                    rtol: 1e-5,
                    // mg and mg/L: a nanomolar taxane in the central volume is ~1e-3 mg.
                    atol: 1e-9,
                    nonnegative: vec![true; STATES],
                    ..Options::default()
                },
            )),
        };
        integrate_to(solver, &mut self.rates, to, |_| {})
            .map_err(|e| format!("PK integration from {from} h to {to} h failed: {e}"))?;
        self.y.copy_from_slice(solver.y());
        Ok(())
    }
}
