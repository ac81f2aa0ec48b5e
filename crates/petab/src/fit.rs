//! Multi-start parameter estimation: from Latin-hypercube starts within the bounds (on the
//! parameter scales), a bounded optimiser (`optimize`: trust-region reflective by default)
//! on the problem written as least squares — the weighted residuals, one `sqrt(2 ln σ + C)`
//! term per measurement for estimated noise (Data2Dynamics' error-model residual), and
//! Gaussian priors as residuals. The Jacobian comes from forward sensitivities where they
//! apply (through pre-equilibration and steady-state measurements; not yet through events:
//! see `Problem::terms_with_gradient`), else from finite differences of whole simulations.
//! Starts run in parallel; each start's draws depend only on the seed and its index.

use std::collections::HashMap;

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use rayon::prelude::*;

use crate::optimize::{minimize, Optimizer, ResidualsAndColumns};
use crate::problem::{Noise, Prior, Problem};
use crate::PetabError;

/// `2 ln σ + C` stays positive for σ > e^-25.
const ERROR_MODEL_OFFSET: f64 = 50.0;
/// Step of the central differences through the algebraic part when the simulated values
/// move along their sensitivities (no simulation noise to swamp: a small step is exact).
const SENS_STEP: f64 = 1e-6;

/// Most starts one fit may ask for (each start holds its own state; checked before any run).
pub const MAX_STARTS: usize = 100_000;

/// How to fit.
#[derive(Debug, Clone)]
pub struct FitOptions {
    /// Number of starts.
    pub starts: usize,
    /// Seed of the Latin-hypercube starts.
    pub seed: u64,
    /// Optimiser iterations per start.
    pub max_iterations: usize,
    /// The optimiser.
    pub optimizer: Optimizer,
    /// The first start is the parameter table's nominal values (moved just inside the bounds)
    /// instead of a random point: to refine a literature or previous fit's values.
    pub from_nominal: bool,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            starts: 20,
            seed: 1,
            max_iterations: 200,
            optimizer: Optimizer::default(),
            from_nominal: false,
        }
    }
}

/// One start's outcome.
#[derive(Debug, Clone)]
pub struct StartResult {
    /// Which start (before sorting).
    pub index: usize,
    /// Estimated parameters on their scales where it started.
    pub start: Vec<f64>,
    /// ... and where it ended.
    pub end: Vec<f64>,
    /// Negative log-posterior at `end` (llh + log-prior, negated); infinite if it failed.
    pub objective: f64,
    /// Log-likelihood at `end` (without priors).
    pub llh: f64,
    /// Optimiser iterations taken.
    pub iterations: usize,
    /// Whether the optimiser met its convergence test (not only its iteration limit).
    pub converged: bool,
    /// Why the start failed, if it did.
    pub error: Option<String>,
    /// How many drawn start points were replaced because the objective was not finite there
    /// (see [`MAX_RESAMPLES`]).
    pub resampled: usize,
}

/// Most replacements of a start point at which the objective cannot be evaluated (a
/// simulation fails, or an observable is undefined): as pyPESTO does, such a point is
/// replaced by a uniform draw within the bounds from the start's own seeded stream, so the
/// fit stays reproducible whatever order the starts run in.
pub const MAX_RESAMPLES: usize = 20;

/// All starts, best first.
#[derive(Debug, Clone)]
pub struct FitResult {
    /// Indices into `Problem::parameters` of the estimated parameters (the order of `end`).
    pub estimated: Vec<usize>,
    /// Every start, best (lowest objective) first.
    pub starts: Vec<StartResult>,
}

impl FitResult {
    /// The best start (lowest negative log-posterior).
    pub fn best(&self) -> Option<&StartResult> {
        self.starts.first().filter(|s| s.objective.is_finite())
    }

    /// Every parameter on the linear scale at the best start (nominal where not estimated).
    pub fn best_parameters(&self, problem: &Problem) -> HashMap<String, f64> {
        let mut values = problem.nominal_parameters();
        if let Some(b) = self.best() {
            for (&i, x) in self.estimated.iter().zip(&b.end) {
                let p = &problem.parameters[i];
                values.insert(p.id.clone(), p.scale.to_lin(*x));
            }
        }
        values
    }
}

/// What `her2sim fit --json` prints (and the Python package returns): the best start's
/// log-likelihood, log-posterior and estimated parameters (linear scale), and how many of
/// the starts converged in how long.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FitSummary {
    /// Log-likelihood at the best start's end.
    pub best_llh: f64,
    /// Log-likelihood plus log-prior there.
    pub best_log_posterior: f64,
    /// The estimated parameters there, by id, on the linear scale.
    pub parameters: std::collections::BTreeMap<String, f64>,
    /// Number of starts.
    pub starts: usize,
    /// Starts that met the convergence test.
    pub converged: usize,
    /// Wall time of the fit.
    pub seconds: f64,
}

impl FitResult {
    /// The summary, or `None` when no start finished.
    pub fn summary(&self, problem: &Problem, seconds: f64) -> Option<FitSummary> {
        let best = self.best()?;
        let estimated: std::collections::HashSet<&str> = self
            .estimated
            .iter()
            .map(|&i| problem.parameters[i].id.as_str())
            .collect();
        Some(FitSummary {
            best_llh: best.llh,
            best_log_posterior: -best.objective,
            parameters: self
                .best_parameters(problem)
                .into_iter()
                .filter(|(id, _)| estimated.contains(id.as_str()))
                .collect(),
            starts: self.starts.len(),
            converged: self.starts.iter().filter(|s| s.converged).count(),
            seconds,
        })
    }
}

/// (lower, upper) bounds of the estimated parameters on their scales.
pub type Bounds = Vec<(f64, f64)>;

/// The negative log-posterior with its derivatives on the parameter scales.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectiveGradient {
    /// Negative log-posterior.
    pub value: f64,
    /// Its gradient.
    pub gradient: Vec<f64>,
    /// The Gauss–Newton (Fisher information) approximation of its Hessian, row by row.
    pub hessian: Vec<Vec<f64>>,
}

impl Problem {
    /// Fits the estimated parameters from `opts.starts` starts; `progress` is called once
    /// per finished start (from any thread).
    pub fn fit(
        &self,
        opts: &FitOptions,
        progress: &(dyn Fn() + Sync),
    ) -> Result<FitResult, PetabError> {
        let (estimated, bounds) = self.estimated_bounds()?;
        let mut starts = latin_hypercube(&bounds, opts.starts, opts.seed);
        if opts.from_nominal {
            if let Some(first) = starts.first_mut() {
                *first = self.nominal_start(&estimated, &bounds);
            }
        }
        let mut results: Vec<StartResult> = starts
            .into_par_iter()
            .enumerate()
            .map(|(index, x0)| {
                let r = self.run_start(index, x0, &estimated, &bounds, opts);
                progress();
                r
            })
            .collect();
        results.sort_by(|a, b| a.objective.total_cmp(&b.objective));
        Ok(FitResult {
            estimated,
            starts: results,
        })
    }

    /// Indices (in `parameters`) of the estimated parameters and their bounds on their
    /// scales; an error if none is estimated or a bound is not finite.
    pub fn estimated_bounds(&self) -> Result<(Vec<usize>, Bounds), PetabError> {
        let estimated: Vec<usize> = (0..self.parameters.len())
            .filter(|&i| self.parameters[i].estimate)
            .collect();
        if estimated.is_empty() {
            return Err(PetabError::problem(&self.file, "no parameter is estimated"));
        }
        let bounds: Vec<(f64, f64)> = estimated
            .iter()
            .map(|&i| {
                let p = &self.parameters[i];
                (p.scale.to_scale(p.lower), p.scale.to_scale(p.upper))
            })
            .collect();
        for ((lo, hi), &i) in bounds.iter().zip(&estimated) {
            if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                return Err(PetabError::problem(
                    &self.file,
                    format!(
                        "parameter '{}' needs finite bounds on its scale to be estimated",
                        self.parameters[i].id
                    ),
                ));
            }
        }
        Ok((estimated, bounds))
    }

    /// The nominal values of the estimated parameters on their scales, moved a millionth of
    /// the range inside the bounds (the trust-region iterates stay strictly inside).
    fn nominal_start(&self, estimated: &[usize], bounds: &Bounds) -> Vec<f64> {
        estimated
            .iter()
            .zip(bounds)
            .map(|(&i, &(lo, hi))| {
                let p = &self.parameters[i];
                let margin = 1e-6 * (hi - lo);
                let x = p.scale.to_scale(p.nominal);
                if x.is_finite() {
                    x.clamp(lo + margin, hi - margin)
                } else {
                    0.5 * (lo + hi)
                }
            })
            .collect()
    }

    /// The starts `fit` uses for `n` starts and `seed` (Latin hypercube within the bounds,
    /// on the parameter scales, in the order of `estimated_bounds`): to run another
    /// optimiser from the same points.
    pub fn start_points(&self, n: usize, seed: u64) -> Result<Vec<Vec<f64>>, PetabError> {
        let (_, bounds) = self.estimated_bounds()?;
        Ok(latin_hypercube(&bounds, n, seed))
    }

    /// The negative log-posterior at estimated values `x` (on their scales), its gradient,
    /// and the Gauss–Newton (Fisher information) approximation of its Hessian, from the
    /// least-squares form whose half squared norm differs from the negative log-posterior
    /// by a constant: what an external optimiser (pyPESTO's fides) needs.
    pub fn objective_with_gradient(&self, x: &[f64]) -> Result<ObjectiveGradient, PetabError> {
        let (estimated, bounds) = self.estimated_bounds()?;
        if x.len() != estimated.len() {
            return Err(PetabError::problem(
                &self.file,
                format!(
                    "{} values given for {} estimated parameters",
                    x.len(),
                    estimated.len()
                ),
            ));
        }
        let estimated = &estimated[..];
        let o = self.objective(&self.values_at(estimated, x))?;
        let residuals = |z: &[f64]| self.residuals(estimated, z);
        let jacobian = |z: &[f64]| self.residuals_and_jacobian(estimated, z);
        let r = residuals(x)?;
        let columns =
            crate::optimize::jacobian_columns(&residuals, Some(&jacobian), x, &r, &bounds);
        let (h, g) = crate::optimize::normal_equations(&columns, &r);
        let n = g.len();
        let hessian = (0..n)
            .map(|i| (0..n).map(|j| h[(i, j)]).collect())
            .collect();
        Ok(ObjectiveGradient {
            value: -(o.llh + o.log_prior),
            gradient: g,
            hessian,
        })
    }

    /// Every parameter on the linear scale for estimated values `x` (on their scales).
    pub(crate) fn values_at(&self, estimated: &[usize], x: &[f64]) -> HashMap<String, f64> {
        let mut values = self.nominal_parameters();
        for (&i, v) in estimated.iter().zip(x) {
            let p = &self.parameters[i];
            values.insert(p.id.clone(), p.scale.to_lin(*v));
        }
        values
    }

    /// The least-squares residuals whose half squared norm is the negative log-posterior
    /// (up to a constant).
    pub fn residuals(&self, estimated: &[usize], x: &[f64]) -> Result<Vec<f64>, PetabError> {
        let values = self.values_at(estimated, x);
        let terms = self.terms(&values)?;
        self.residual_vector(&terms, estimated, x)
    }

    /// Indices (in `parameters`) of the estimated parameters, and their nominal values on
    /// their scales: the point `residuals_and_jacobian` and the fit work with.
    pub fn estimated_at_nominal(&self) -> (Vec<usize>, Vec<f64>) {
        let estimated: Vec<usize> = (0..self.parameters.len())
            .filter(|&i| self.parameters[i].estimate)
            .collect();
        let x = estimated
            .iter()
            .map(|&i| {
                let p = &self.parameters[i];
                p.scale.to_scale(p.nominal)
            })
            .collect();
        (estimated, x)
    }

    /// The residuals and their Jacobian (one column per estimated parameter, on its scale)
    /// from forward sensitivities, or `None` where they do not apply (the optimiser then
    /// differences whole simulations).
    pub fn residuals_and_jacobian(
        &self,
        estimated: &[usize],
        x: &[f64],
    ) -> Option<Result<ResidualsAndColumns, PetabError>> {
        let values = self.values_at(estimated, x);
        let ids: Vec<String> = estimated
            .iter()
            .map(|&i| self.parameters[i].id.clone())
            .collect();
        let moved = |k: usize, h: f64| {
            let mut xs = x.to_vec();
            xs[k] += h;
            xs
        };
        let perturbed = |k: usize, h: f64| self.values_at(estimated, &moved(k, h));
        let (terms, sides) = match self.terms_with_gradient(&values, &ids, &perturbed, SENS_STEP)? {
            Ok(t) => t,
            Err(e) => return Some(Err(e)),
        };
        let r = match self.residual_vector(&terms, estimated, x) {
            Ok(r) => r,
            Err(e) => return Some(Err(e)),
        };
        let mut columns = Vec::with_capacity(sides.len());
        for (k, (plus, minus)) in sides.iter().enumerate() {
            let rp = self
                .residual_vector(plus, estimated, &moved(k, SENS_STEP))
                .ok()?;
            let rm = self
                .residual_vector(minus, estimated, &moved(k, -SENS_STEP))
                .ok()?;
            columns.push(
                rp.iter()
                    .zip(&rm)
                    .map(|(a, b)| (a - b) / (2.0 * SENS_STEP))
                    .collect(),
            );
        }
        Some(Ok((r, columns)))
    }

    /// The least-squares residuals of given terms at `x` (priors included).
    fn residual_vector(
        &self,
        terms: &[crate::objective::Term],
        estimated: &[usize],
        x: &[f64],
    ) -> Result<Vec<f64>, PetabError> {
        let mut r = Vec::with_capacity(2 * terms.len() + estimated.len());
        for t in terms {
            r.push(match t.noise {
                Noise::Normal => t.residual,
                // -|r| as a square: sqrt(2|r|) carries the same value.
                Noise::Laplace => (2.0 * t.residual.abs()).sqrt(),
            });
            let log_sigma = match t.noise {
                Noise::Normal => 2.0 * t.sigma.ln(),
                Noise::Laplace => 2.0 * (2.0 * t.sigma).ln(),
            };
            r.push((log_sigma + ERROR_MODEL_OFFSET).max(0.0).sqrt());
        }
        for (&i, v) in estimated.iter().zip(x) {
            let p = &self.parameters[i];
            let on = |scaled: bool| if scaled { *v } else { p.scale.to_lin(*v) };
            match &p.prior {
                Some(Prior::Normal { mean, sd, on_scale }) => r.push((on(*on_scale) - mean) / sd),
                Some(Prior::Laplace {
                    location,
                    scale,
                    on_scale,
                }) => r.push((2.0 * (on(*on_scale) - location).abs() / scale).sqrt()),
                _ => {}
            }
        }
        if r.iter().all(|v| v.is_finite()) {
            Ok(r)
        } else {
            Err(PetabError::Simulation("non-finite residual".into()))
        }
    }

    fn run_start(
        &self,
        index: usize,
        x0: Vec<f64>,
        estimated: &[usize],
        bounds: &[(f64, f64)],
        opts: &FitOptions,
    ) -> StartResult {
        let evaluable = |x: &[f64]| {
            self.residuals(estimated, x)
                .is_ok_and(|r| r.iter().all(|v| v.is_finite()))
        };
        let mut x0 = x0;
        let mut resampled = 0;
        if !evaluable(&x0) {
            let mut rng = Pcg64Mcg::seed_from_u64(
                opts.seed ^ (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15),
            );
            while resampled < MAX_RESAMPLES {
                resampled += 1;
                let x: Vec<f64> = bounds
                    .iter()
                    .map(|&(lo, hi)| lo + rng.random::<f64>() * (hi - lo))
                    .collect();
                if evaluable(&x) {
                    x0 = x;
                    break;
                }
            }
        }
        let mut out = StartResult {
            index,
            start: x0.clone(),
            end: x0.clone(),
            objective: f64::INFINITY,
            llh: f64::NEG_INFINITY,
            iterations: 0,
            converged: false,
            error: None,
            resampled,
        };
        match minimize(
            opts.optimizer,
            &|x: &[f64]| self.residuals(estimated, x),
            Some(&|x: &[f64]| self.residuals_and_jacobian(estimated, x)),
            x0,
            bounds,
            opts.max_iterations,
        ) {
            Ok(m) => {
                let values = self.values_at(estimated, &m.x);
                match self.objective(&values) {
                    Ok(o) => {
                        out.objective = -(o.llh + o.log_prior);
                        out.llh = o.llh;
                    }
                    Err(e) => out.error = Some(e.to_string()),
                }
                out.end = m.x;
                out.iterations = m.iterations;
                out.converged = m.converged;
            }
            Err(e) => out.error = Some(e.to_string()),
        }
        out
    }
}

/// `n` points in the box, one per stratum of every coordinate, strata paired at random.
fn latin_hypercube(bounds: &[(f64, f64)], n: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let mut points = vec![vec![0.0; bounds.len()]; n];
    for (j, (lo, hi)) in bounds.iter().enumerate() {
        let mut strata: Vec<usize> = (0..n).collect();
        for k in (1..n).rev() {
            strata.swap(k, rng.random_range(0..=k));
        }
        for (p, s) in points.iter_mut().zip(strata) {
            let u = (s as f64 + rng.random::<f64>()) / n as f64;
            p[j] = lo + u * (hi - lo);
        }
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_hypercube_fills_every_stratum() {
        let b = [(0.0, 1.0), (-5.0, 5.0)];
        let p = latin_hypercube(&b, 10, 3);
        for j in 0..2 {
            let mut strata: Vec<usize> = p
                .iter()
                .map(|x| ((x[j] - b[j].0) / (b[j].1 - b[j].0) * 10.0) as usize)
                .collect();
            strata.sort();
            assert_eq!(strata, (0..10).collect::<Vec<_>>());
        }
        assert_eq!(p, latin_hypercube(&b, 10, 3), "not reproducible");
    }
}

#[cfg(test)]
mod sensitivity_tests {
    use std::path::Path;

    use crate::fit::ObjectiveGradient;
    use crate::problem::Problem;

    /// Central differences of whole simulations at the objective's tolerance (rtol 1e-8) with
    /// a step of 1e-3 carry an absolute noise of about 2e-4 (measured: the largest
    /// disagreement is 1-2e-4 for every model parameter whatever its column's size, while
    /// the columns of size 3-30 agree to 1e-5 relative).
    const FD_NOISE: f64 = 5e-4;

    fn benchmark(id: &str) -> Problem {
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("../../../shared/petab-benchmark/{id}/{id}.yaml"));
        Problem::read(&file).unwrap()
    }

    /// Estimated parameters at the nominal values and at interior points of the box.
    fn points(problem: &Problem, fractions: &[Option<f64>]) -> (Vec<usize>, Vec<Vec<f64>>) {
        let estimated: Vec<usize> = (0..problem.parameters.len())
            .filter(|&i| problem.parameters[i].estimate)
            .collect();
        let xs = fractions
            .iter()
            .map(|fraction| {
                estimated
                    .iter()
                    .map(|&i| {
                        let p = &problem.parameters[i];
                        let (lo, hi) = (p.scale.to_scale(p.lower), p.scale.to_scale(p.upper));
                        fraction.map_or(p.scale.to_scale(p.nominal), |f| lo + f * (hi - lo))
                    })
                    .collect()
            })
            .collect();
        (estimated, xs)
    }

    /// The residual Jacobian from forward sensitivities agrees with central differences of
    /// whole simulations, at the nominal parameters and at two interior points of the box.
    #[test]
    fn sensitivity_jacobian_matches_finite_differences_on_boehm() {
        let problem = benchmark("Boehm_JProteomeRes2014");
        let (estimated, xs) = points(&problem, &[None, Some(0.3), Some(0.7)]);
        assert!(estimated.len() >= 9, "Boehm estimates 9 parameters");
        for x in xs {
            check_jacobian(&problem, &estimated, &x);
        }
    }

    /// Through pre-equilibration: Brannmark 2010 pre-equilibrates every condition; the
    /// steady state's sensitivities carry into each simulation's start.
    #[test]
    fn sensitivity_jacobian_through_pre_equilibration_on_brannmark() {
        let problem = benchmark("Brannmark_JBC2010");
        let (estimated, mut xs) = points(&problem, &[None, Some(0.4)]);
        // A random start where the state settles by t = 100 but a slow mode keeps the
        // sensitivities moving past t = 1e9: they come from J s = -∂f/∂p there (with three
        // conserved totals), not from integration.
        xs.push(problem.start_points(20, 1).unwrap()[1].clone());
        for x in xs {
            check_jacobian(&problem, &estimated, &x);
        }
    }

    /// Steady-state (`t = inf`) measurements: Blasi 2016 measures only at steady state.
    #[test]
    fn sensitivity_jacobian_at_steady_state_on_blasi() {
        let problem = benchmark("Blasi_CellSystems2016");
        let (estimated, xs) = points(&problem, &[None]);
        for x in xs {
            check_jacobian(&problem, &estimated, &x);
        }
    }

    /// The gradient handed to external optimisers is the gradient of the negative
    /// log-posterior itself (the least-squares form differs from it by a constant): checked
    /// against central differences of the exact objective on Boehm, with estimated noise.
    #[test]
    fn objective_gradient_is_the_negative_log_posterior_gradient() {
        let problem = benchmark("Boehm_JProteomeRes2014");
        let (estimated, xs) = points(&problem, &[Some(0.35)]);
        let x = &xs[0];
        let ObjectiveGradient {
            value,
            gradient,
            hessian,
        } = problem.objective_with_gradient(x).unwrap();
        let exact = |z: &[f64]| {
            let o = problem
                .objective(&problem.values_at(&estimated, z))
                .unwrap();
            -(o.llh + o.log_prior)
        };
        assert!((value - exact(x)).abs() < 1e-9 * value.abs().max(1.0));
        let h = 1e-3;
        for k in 0..x.len() {
            let (mut xp, mut xm) = (x.clone(), x.clone());
            xp[k] += h;
            xm[k] -= h;
            let fd = (exact(&xp) - exact(&xm)) / (2.0 * h);
            // Differences of objectives simulated to rtol 1e-8 carry ~1e-8 |r| δr / h noise.
            assert!(
                (gradient[k] - fd).abs() <= 1e-3 * fd.abs().max(1.0) + 1e-2,
                "{}: gradient {} vs differences {fd}",
                problem.parameters[estimated[k]].id,
                gradient[k]
            );
            assert!(
                hessian[k][k] >= 0.0,
                "Gauss-Newton diagonal {}",
                hessian[k][k]
            );
            for (j, row) in hessian.iter().enumerate() {
                assert_eq!(hessian[k][j], row[k], "symmetric");
            }
        }
        assert!(problem.objective_with_gradient(&x[1..]).is_err());
    }

    /// A stiff model with states and sensitivities spanning twelve orders of magnitude:
    /// Bachmann 2011's 36 conditions with 113 parameters. The Jacobian was once refused at
    /// the nominal point (the sensitivity corrector could not converge on entries below its
    /// rounding floor, and the step budget ran out); checked here on a spread of columns.
    #[test]
    fn sensitivity_jacobian_on_bachmann() {
        let problem = benchmark("Bachmann_MSB2011");
        let (estimated, xs) = points(&problem, &[None]);
        let columns: Vec<usize> = (0..estimated.len()).step_by(12).collect();
        check_jacobian_columns(&problem, &estimated, &xs[0], &columns);
    }

    /// Through events: Smith 2013 switches its insulin input by three timed events.
    #[test]
    fn sensitivity_jacobian_through_events_on_smith() {
        let problem = benchmark("Smith_BMCSystBiol2013");
        let (estimated, xs) = points(&problem, &[None]);
        let columns: Vec<usize> = (0..estimated.len()).step_by(4).collect();
        check_jacobian_columns(&problem, &estimated, &xs[0], &columns);
    }

    fn check_jacobian(problem: &Problem, estimated: &[usize], x: &[f64]) {
        let all: Vec<usize> = (0..estimated.len()).collect();
        check_jacobian_columns(problem, estimated, x, &all);
    }

    /// The sensitivity Jacobian's columns `which` against central differences.
    fn check_jacobian_columns(problem: &Problem, estimated: &[usize], x: &[f64], which: &[usize]) {
        let (r, columns) = problem
            .residuals_and_jacobian(estimated, x)
            .expect("the problem is covered by the sensitivities")
            .unwrap();
        let plain = problem.residuals(estimated, x).unwrap();
        assert_eq!(r.len(), plain.len());
        for (a, b) in r.iter().zip(&plain) {
            assert!(
                (a - b).abs() <= 1e-5 * b.abs().max(1.0),
                "residual {a} vs {b}"
            );
        }
        assert_eq!(columns.len(), estimated.len());
        let h = 1e-3;
        for &k in which {
            let column = &columns[k];
            let mut xp = x.to_vec();
            let mut xm = x.to_vec();
            xp[k] += h;
            xm[k] -= h;
            let rp = problem.residuals(estimated, &xp).unwrap();
            let rm = problem.residuals(estimated, &xm).unwrap();
            let fd: Vec<f64> = rp
                .iter()
                .zip(&rm)
                .map(|(a, b)| (a - b) / (2.0 * h))
                .collect();
            let scale = fd.iter().map(|v| v.abs()).fold(0.0, f64::max).max(1e-6);
            for (i, (a, b)) in column.iter().zip(&fd).enumerate() {
                // A residual simulated to rtol 1e-8 differences with a relative noise of
                // about 1e-8/h of itself: large residuals (Brannmark's reach 2e5) carry more.
                let noise = FD_NOISE + 2e-8 * r[i].abs() / h;
                assert!(
                    (a - b).abs() <= 1e-3 * scale + noise,
                    "parameter {} at {x:?}, residual {i}: sensitivities {a} vs differences {b}",
                    problem.parameters[estimated[k]].id
                );
            }
        }
    }
}
