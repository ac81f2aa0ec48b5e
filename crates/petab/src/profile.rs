//! Profile likelihoods: for each chosen parameter, the negative log-posterior minimised over
//! all other parameters while it is held at values stepped away from the optimum in both
//! directions (each point warm-started from the last), until the profile rises by the 95 %
//! χ²(1) threshold (Δ = 1.92) or the bound is reached. The crossings give the 95 % confidence
//! interval; a side that never crosses makes the parameter one-sided or flat (not identifiable).

use std::collections::HashMap;

use rayon::prelude::*;

use crate::optimize::{minimize, Optimizer};
use crate::problem::Problem;
use crate::PetabError;

/// Half the 95 % quantile of χ² with one degree of freedom.
pub const PROFILE_THRESHOLD: f64 = 1.920_729_410_347_062;

/// How to profile.
#[derive(Debug, Clone)]
pub struct ProfileOptions {
    /// Steps per side (each a fit of the other parameters).
    pub steps: usize,
    /// Optimiser iterations per profile point.
    pub max_iterations: usize,
    /// The optimiser re-fitting the other parameters at each point.
    pub optimizer: Optimizer,
}

impl Default for ProfileOptions {
    fn default() -> Self {
        ProfileOptions {
            steps: 20,
            max_iterations: 100,
            optimizer: Optimizer::default(),
        }
    }
}

/// Whether the data determine a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identifiability {
    /// Both sides cross the threshold: a finite 95 % interval.
    Finite,
    /// Only the lower (or only the upper) side is bounded by the data.
    LowerBounded,
    /// Only the upper side is bounded by the data.
    UpperBounded,
    /// Neither side crosses: the data do not determine it.
    Flat,
}

/// One parameter's profile.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The parameter id.
    pub id: String,
    /// The scale it is profiled on (`optimum` and `points` are on it).
    pub scale: crate::Scale,
    /// The optimum on the parameter's scale, and the objective there.
    pub optimum: f64,
    /// The negative log-posterior at the optimum.
    pub objective: f64,
    /// (value on the parameter's scale, negative log-posterior), sorted by value.
    pub points: Vec<(f64, f64)>,
    /// The 95 % interval's lower end on the linear scale; `None` if the data do not bound it.
    pub lower: Option<f64>,
    /// The upper end, likewise.
    pub upper: Option<f64>,
    /// The identifiability verdict.
    pub verdict: Identifiability,
}

impl Profile {
    /// How far the profile's lowest point lies below the optimum's objective (0 when none
    /// does): a positive value means the other parameters, re-fitted, beat the given optimum,
    /// which was then not the optimum, and intervals measured from it are too wide.
    pub fn below_optimum(&self) -> f64 {
        let lowest = self
            .points
            .iter()
            .map(|x| x.1)
            .fold(f64::INFINITY, f64::min);
        (self.objective - lowest).max(0.0)
    }
}

impl Problem {
    /// Profiles `ids` (every estimated parameter when empty) around `best` (all parameters,
    /// linear scale, e.g. a fit's result).
    pub fn profiles(
        &self,
        best: &HashMap<String, f64>,
        ids: &[String],
        opts: &ProfileOptions,
        progress: &(dyn Fn() + Sync),
    ) -> Result<Vec<Profile>, PetabError> {
        let estimated: Vec<usize> = (0..self.parameters.len())
            .filter(|&i| self.parameters[i].estimate)
            .collect();
        let chosen: Vec<usize> = if ids.is_empty() {
            (0..estimated.len()).collect()
        } else {
            ids.iter()
                .map(|id| {
                    estimated
                        .iter()
                        .position(|&i| &self.parameters[i].id == id)
                        .ok_or_else(|| {
                            PetabError::problem(
                                &self.file,
                                format!("'{id}' is not an estimated parameter"),
                            )
                        })
                })
                .collect::<Result<_, _>>()?
        };
        let x_best: Vec<f64> = estimated
            .iter()
            .map(|&i| {
                let p = &self.parameters[i];
                p.scale
                    .to_scale(best.get(&p.id).copied().unwrap_or(p.nominal))
            })
            .collect();
        let bounds: Vec<(f64, f64)> = estimated
            .iter()
            .map(|&i| {
                let p = &self.parameters[i];
                (p.scale.to_scale(p.lower), p.scale.to_scale(p.upper))
            })
            .collect();
        let f_best = self.neg_log_posterior(&estimated, &x_best)?;
        chosen
            .par_iter()
            .map(|&k| {
                let r = self.profile_one(k, &estimated, &x_best, f_best, &bounds, opts);
                progress();
                r
            })
            .collect()
    }

    fn neg_log_posterior(&self, estimated: &[usize], x: &[f64]) -> Result<f64, PetabError> {
        let o = self.objective(&self.values_at(estimated, x))?;
        Ok(-(o.llh + o.log_prior))
    }

    fn profile_one(
        &self,
        k: usize,
        estimated: &[usize],
        x_best: &[f64],
        f_best: f64,
        bounds: &[(f64, f64)],
        opts: &ProfileOptions,
    ) -> Result<Profile, PetabError> {
        let (lo, hi) = bounds[k];
        let range = hi - lo;
        let free_bounds: Vec<(f64, f64)> = bounds
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != k)
            .map(|(_, b)| *b)
            .collect();
        let full = |free: &[f64], xk: f64| -> Vec<f64> {
            let mut x = free.to_vec();
            x.insert(k, xk);
            x
        };
        let mut points = vec![(x_best[k], f_best)];
        let mut crossings = [None, None];
        for (side, dir) in [(0usize, -1.0f64), (1, 1.0)] {
            let mut free: Vec<f64> = x_best
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != k)
                .map(|(_, v)| *v)
                .collect();
            let (mut xk, mut f_prev) = (x_best[k], f_best);
            // Adaptive steps: grow where the profile is flat, shrink so that the crossing is
            // bracketed by points less than the threshold apart.
            let mut step = range / 200.0;
            let mut taken = 0;
            while taken < opts.steps {
                let next = (xk + dir * step).clamp(lo, hi);
                if next == xk {
                    break;
                }
                let residuals = |z: &[f64]| self.residuals(estimated, &full(z, next));
                // The sensitivity Jacobian without the profiled parameter's column.
                let jacobian = |z: &[f64]| {
                    self.residuals_and_jacobian(estimated, &full(z, next))
                        .map(|r| {
                            r.map(|(r, mut columns)| {
                                columns.remove(k);
                                (r, columns)
                            })
                        })
                };
                let (f_next, z) = match minimize(
                    opts.optimizer,
                    &residuals,
                    Some(&jacobian),
                    free.clone(),
                    &free_bounds,
                    opts.max_iterations,
                ) {
                    Ok(m) => (self.neg_log_posterior(estimated, &full(&m.x, next))?, m.x),
                    Err(_) => (f64::INFINITY, free.clone()),
                };
                if f_next - f_prev > 0.5 * PROFILE_THRESHOLD && step > range * 1e-4 {
                    step /= 2.0;
                    continue;
                }
                taken += 1;
                points.push((next, f_next));
                if f_next - f_best > PROFILE_THRESHOLD {
                    // Linear interpolation of the crossing between the last two points.
                    let t = if f_next.is_finite() && f_next > f_prev {
                        (f_best + PROFILE_THRESHOLD - f_prev) / (f_next - f_prev)
                    } else {
                        1.0
                    };
                    crossings[side] = Some(xk + t.clamp(0.0, 1.0) * (next - xk));
                    break;
                }
                if f_next - f_prev < 0.1 * PROFILE_THRESHOLD {
                    step = (step * 2.0).min(range / 10.0);
                }
                free = z;
                xk = next;
                f_prev = f_next;
            }
        }
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        let p = &self.parameters[estimated[k]];
        let verdict = match crossings {
            [Some(_), Some(_)] => Identifiability::Finite,
            [Some(_), None] => Identifiability::LowerBounded,
            [None, Some(_)] => Identifiability::UpperBounded,
            [None, None] => Identifiability::Flat,
        };
        Ok(Profile {
            id: p.id.clone(),
            scale: p.scale,
            optimum: x_best[k],
            objective: f_best,
            points,
            lower: crossings[0].map(|x| p.scale.to_lin(x)),
            upper: crossings[1].map(|x| p.scale.to_lin(x)),
            verdict,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(points: Vec<(f64, f64)>) -> Profile {
        Profile {
            id: "p".into(),
            scale: crate::Scale::Lin,
            optimum: 1.0,
            objective: 10.0,
            points,
            lower: None,
            upper: None,
            verdict: Identifiability::Flat,
        }
    }

    #[test]
    fn below_optimum_is_how_far_a_profile_beats_the_fit() {
        assert_eq!(
            profile(vec![(0.0, 12.0), (1.0, 10.0), (2.0, 11.0)]).below_optimum(),
            0.0
        );
        let p = profile(vec![(0.0, 12.0), (1.0, 10.0), (2.0, 8.75)]);
        assert!((p.below_optimum() - 1.25).abs() < 1e-12);
    }
}
