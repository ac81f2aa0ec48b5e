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

    /// The analytic Jacobian (the implicit solver factorises it every step; finite
    /// differences cost five more right-hand sides each time).
    fn jacobian(
        &mut self,
        _t: f64,
        y: &[f64],
        jac: &mut nalgebra::DMatrix<f64>,
    ) -> Option<Result<(), String>> {
        let c = y[CENTRAL] / self.v1;
        // d/dC of the saturable terms; zero below C = 0, where they are clamped.
        let positive = c > 0.0;
        let saturable_slope = |vmax: f64, km: f64| {
            if positive {
                vmax * km / ((km + c) * (km + c))
            } else {
                0.0
            }
        };
        let d_eliminated = self.cl + self.vmax.map_or(0.0, |v| saturable_slope(v, self.km));
        let (d_out2, d_back2) = match self.saturable {
            Some((vmax, km, back)) => (saturable_slope(vmax, km), back),
            None if self.q > 0.0 => (self.q, self.q / self.v2),
            None => (0.0, 0.0),
        };
        let (d_out3, d_back3) = if self.q3 > 0.0 {
            (self.q3, self.q3 / self.v3)
        } else {
            (0.0, 0.0)
        };
        let per_v1 = 1.0 / self.v1;
        jac[(DEPOT, DEPOT)] = -self.ka;
        jac[(CENTRAL, DEPOT)] = self.ka;
        jac[(CENTRAL, CENTRAL)] = -(d_eliminated + d_out2 + d_out3) * per_v1;
        jac[(CENTRAL, SECOND)] = d_back2;
        jac[(CENTRAL, THIRD)] = d_back3;
        jac[(SECOND, CENTRAL)] = d_out2 * per_v1;
        jac[(SECOND, SECOND)] = -d_back2;
        jac[(THIRD, CENTRAL)] = d_out3 * per_v1;
        jac[(THIRD, THIRD)] = -d_back3;
        match self.retention {
            Some(r) => {
                let theta = y[TUMOUR];
                let k_on = r.k_off_per_h * self.ft / r.kd_mg_l;
                if positive {
                    jac[(TUMOUR, CENTRAL)] = k_on * (1.0 - theta) * per_v1;
                }
                jac[(TUMOUR, TUMOUR)] = -k_on * c.max(0.0) - r.k_off_per_h;
            }
            None => {
                jac[(TUMOUR, CENTRAL)] = self.kt * self.ft * per_v1;
                jac[(TUMOUR, TUMOUR)] = -self.kt;
            }
        }
        Some(Ok(()))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The analytic Jacobian equals central differences of the right-hand side, for a
    /// saturable three-compartment model with retention and for a linear one with a slow
    /// tumour transfer, at states on both sides of the saturation constants.
    #[test]
    fn analytic_jacobian_matches_finite_differences() {
        let saturable = Rates {
            ka: 0.0,
            cl: 0.0,
            v1: 12.0,
            q: 0.0,
            v2: 1.0,
            saturable: Some((151.1, 1.37, 1.21)),
            q3: 16.8,
            v3: 268.0,
            vmax: Some(28.9),
            km: 0.376,
            kt: 0.0,
            ft: 1.0,
            retention: Some(Retention {
                k_off_per_h: 0.0116,
                kd_mg_l: 0.0297,
            }),
            infusion: 50.0,
        };
        let linear = Rates {
            ka: 0.7,
            cl: 44.1,
            v1: 8.9,
            q: 6.1,
            v2: 7.3,
            saturable: None,
            q3: 14.4,
            v3: 388.0,
            vmax: None,
            km: 1.0,
            kt: 0.03,
            ft: 0.3,
            retention: None,
            infusion: 0.0,
        };
        for mut sys in [saturable, linear] {
            for y in [[5.0, 30.0, 20.0, 40.0, 0.4], [0.0, 0.2, 0.5, 3.0, 0.05]] {
                let mut jac = nalgebra::DMatrix::zeros(STATES, STATES);
                assert!(sys.jacobian(0.0, &y, &mut jac).is_some());
                for j in 0..STATES {
                    let h = 1e-6 * y[j].abs().max(1e-3);
                    let (mut up, mut down) = (y, y);
                    up[j] += h;
                    down[j] -= h;
                    let (mut fu, mut fd) = ([0.0; STATES], [0.0; STATES]);
                    sys.rhs(0.0, &up, &mut fu).unwrap();
                    sys.rhs(0.0, &down, &mut fd).unwrap();
                    for i in 0..STATES {
                        let fdiff = (fu[i] - fd[i]) / (2.0 * h);
                        assert!(
                            (jac[(i, j)] - fdiff).abs() <= 1e-5 * fdiff.abs().max(1e-3),
                            "({i},{j}) at {y:?}: {} vs {fdiff}",
                            jac[(i, j)]
                        );
                    }
                }
            }
        }
    }
}
