//! Wald confidence intervals from the Fisher information (the Gauss–Newton Hessian of the
//! negative log-posterior at an optimum): one gradient evaluation, where profile likelihoods
//! need a fit per profile point. They assume the objective is quadratic on the parameter
//! scales, so profiles remain the reference for non-linear or poorly determined parameters.

use std::collections::HashMap;

use crate::{PetabError, Problem};

/// Standard-normal 97.5 % quantile.
const Z_95: f64 = 1.959_963_984_540_054;

/// Eigenvalues below this fraction of the largest count as zero information.
const RELATIVE_EIGEN_FLOOR: f64 = 1e-12;

/// One parameter's Wald interval.
#[derive(Debug, Clone, PartialEq)]
pub struct WaldInterval {
    /// The parameter id.
    pub id: String,
    /// The 95 % interval's lower end on the linear scale (from a symmetric interval on the
    /// parameter's scale, cut at the bounds); `None` when the Fisher information does not
    /// determine it.
    pub lower: Option<f64>,
    /// Its upper end, likewise.
    pub upper: Option<f64>,
    /// Standard error on the parameter's scale (infinite when not determined).
    pub standard_error: f64,
}

impl Problem {
    /// Wald 95 % intervals of the estimated parameters at `values` (all parameters, linear
    /// scale, e.g. a fit's result).
    pub fn wald_intervals(
        &self,
        values: &HashMap<String, f64>,
    ) -> Result<Vec<WaldInterval>, PetabError> {
        let (estimated, bounds) = self.estimated_bounds()?;
        let x: Vec<f64> = estimated
            .iter()
            .map(|&i| {
                let p = &self.parameters[i];
                p.scale
                    .to_scale(values.get(&p.id).copied().unwrap_or(p.nominal))
            })
            .collect();
        let g = self.objective_with_gradient(&x)?;
        let n = x.len();
        let h = nalgebra::DMatrix::from_fn(n, n, |i, j| 0.5 * (g.hessian[i][j] + g.hessian[j][i]));
        let eig = nalgebra::SymmetricEigen::new(h);
        let largest = eig.eigenvalues.iter().cloned().fold(0.0, f64::max);
        let floor = RELATIVE_EIGEN_FLOOR * largest;
        Ok(estimated
            .iter()
            .enumerate()
            .map(|(j, &i)| {
                let p = &self.parameters[i];
                let mut var = 0.0;
                for (k, &lambda) in eig.eigenvalues.iter().enumerate() {
                    let w = eig.eigenvectors[(j, k)].powi(2);
                    if lambda > floor {
                        var += w / lambda;
                    } else if w > 1e-8 {
                        // A direction without information moves this parameter.
                        var = f64::INFINITY;
                    }
                }
                let se = var.sqrt();
                // The symmetric interval, cut at the bounds the parameter cannot leave.
                let (lo, hi) = bounds[j];
                let (lower, upper) = if se.is_finite() && largest > 0.0 {
                    (
                        Some(p.scale.to_lin((x[j] - Z_95 * se).max(lo))),
                        Some(p.scale.to_lin((x[j] + Z_95 * se).min(hi))),
                    )
                } else {
                    (None, None)
                };
                WaldInterval {
                    id: p.id.clone(),
                    lower,
                    upper,
                    standard_error: if largest > 0.0 { se } else { f64::INFINITY },
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    fn boehm() -> crate::Problem {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/petab-benchmark/Boehm_JProteomeRes2014");
        crate::Problem::read(&dir.join("Boehm_JProteomeRes2014.yaml")).unwrap()
    }

    /// At Boehm's published optimum the well-determined rate k_phos gets a Wald interval
    /// close to its profile-likelihood interval (profiles vs pyPESTO, tested elsewhere:
    /// [12958, 19448]); the quadratic approximation is good where the profile is parabolic.
    #[test]
    fn boehm_wald_interval_matches_the_profile_where_it_is_parabolic() {
        let p = boehm();
        let w = p.wald_intervals(&p.nominal_parameters()).unwrap();
        let k = w.iter().find(|w| w.id == "k_phos").unwrap();
        let (lo, hi) = (k.lower.unwrap(), k.upper.unwrap());
        assert!((lo.log10() - 12958f64.log10()).abs() < 0.05, "{lo}");
        assert!((hi.log10() - 19448f64.log10()).abs() < 0.05, "{hi}");
    }
}
