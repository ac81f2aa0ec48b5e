//! Trust-region reflective least squares (Coleman & Li 1996, as fides does it for ODE
//! models, Fröhlich & Sorger 2022): the Gauss–Newton Hessian JᵀJ; affine scaling of each
//! coordinate by its distance to the bound its gradient points at, so that iterates stay
//! strictly inside the box and bounds become active smoothly; the trust-region subproblem
//! solved exactly in the scaled space (eigendecomposition and the secular equation); and of
//! the step truncated at the bounds, the step reflected there and the scaled gradient step,
//! the one with the lowest model value.
//!
//! Written here because no maintained Rust crate offers bounded trust-region least squares
//! (argmin's trust regions are unconstrained; `levenberg-marquardt` has no bounds).

use nalgebra::{DMatrix, DVector};

use super::{
    half_squared, jacobian_columns, normal_equations, Minimum, ResidualJacobian, Residuals,
};
use crate::PetabError;

/// Initial trust radius in the scaled space (fides' default).
const DELTA_INIT: f64 = 1.0;
/// Steps whose actual/predicted decrease ratio is below this are rejected and the region
/// shrinks; above `EXPAND_RATIO` at the region's edge it doubles (fides' mu, eta).
const ACCEPT_RATIO: f64 = 0.25;
const EXPAND_RATIO: f64 = 0.75;
/// Converged when an accepted step lowers the cost by less than this times (1 + cost), or
/// the scaled gradient is below `GRADIENT_TOL` times (1 + cost).
const COST_TOL: f64 = 1e-8;
const GRADIENT_TOL: f64 = 1e-6;
/// A region this small means no step decreases the cost.
const DELTA_MIN: f64 = 1e-12;
const MORE_SCALING: bool = true;

/// Minimises ½‖f(x)‖² within `bounds` from `x0`.
pub(super) fn trust_region_reflective(
    f: &Residuals,
    jacobian: Option<&ResidualJacobian>,
    x0: Vec<f64>,
    bounds: &[(f64, f64)],
    max_iterations: usize,
) -> Result<Minimum, PetabError> {
    let mut x = strictly_inside(x0, bounds);
    let mut r = f(&x)?;
    let mut cost = half_squared(&r);
    let mut delta = DELTA_INIT;
    let mut columns = jacobian_columns(f, jacobian, &x, &r, bounds);
    for iteration in 0..max_iterations {
        let (h, g) = normal_equations(&columns, &r);
        let scaling = Scaling::at(&x, &g, bounds, &h);
        // First-order optimality in the scaled sense: v∘g vanishes at a KKT point (v is 0
        // for a coordinate on the bound its gradient pushes against).
        let scaled_gradient = scaling
            .v
            .iter()
            .zip(&g)
            .map(|(v, g)| (v * g).abs())
            .fold(0.0, f64::max);
        if scaled_gradient <= GRADIENT_TOL * (1.0 + cost) {
            return Ok(done(x, iteration, true));
        }
        let model = ScaledModel::new(&h, &g, &scaling);
        let Some(step) = choose_step(&model, &scaling, &x, bounds, delta) else {
            // Nothing feasible to try (every free coordinate pinned at its bound).
            return Ok(done(x, iteration, scaled_gradient <= 1e-3 * (1.0 + cost)));
        };
        let trial: Vec<f64> = x
            .iter()
            .zip(&step.s)
            .zip(bounds)
            .map(|((x, s), (lo, hi))| (x + s).clamp(*lo, *hi))
            .collect();
        let trial_r = f(&trial).ok().filter(|r| r.iter().all(|v| v.is_finite()));
        let trial_cost = trial_r.as_deref().map(half_squared);
        // The model includes the Coleman–Li term ½ŝᵀCŝ, the objective does not: compare
        // like with like (fides subtracts it from the actual decrease).
        let ratio = match trial_cost {
            Some(c) if step.predicted > 0.0 => (cost - c - step.augmentation) / step.predicted,
            _ => f64::NEG_INFINITY,
        };
        let step_norm = step.scaled_norm;
        if ratio >= EXPAND_RATIO && step_norm > 0.9 * delta {
            delta *= 2.0;
        } else if ratio <= ACCEPT_RATIO {
            delta = (delta * 0.25).min(step_norm / 4.0);
        }
        let accepted = trial_r.filter(|_| ratio > ACCEPT_RATIO);
        if let Some(new_r) = accepted {
            let new_cost = half_squared(&new_r);
            let decrease = cost - new_cost;
            x = trial;
            r = new_r;
            cost = new_cost;
            if decrease <= COST_TOL * (1.0 + cost) {
                return Ok(done(x, iteration + 1, true));
            }
            columns = jacobian_columns(f, jacobian, &x, &r, bounds);
        } else if delta < DELTA_MIN {
            // No step decreases the cost. A minimum only where the gradient is small too;
            // elsewhere (simulations failing all around, an inaccurate Jacobian) the start
            // stalled and is not reported as converged.
            return Ok(done(
                x,
                iteration + 1,
                scaled_gradient <= 1e-3 * (1.0 + cost),
            ));
        }
    }
    Ok(done(x, max_iterations, false))
}

fn done(x: Vec<f64>, iterations: usize, converged: bool) -> Minimum {
    Minimum {
        x,
        iterations,
        converged,
    }
}

/// Moves a start on (or outside) a bound a hair inside: the scaling needs a strictly
/// feasible point to let a coordinate leave its bound.
fn strictly_inside(mut x: Vec<f64>, bounds: &[(f64, f64)]) -> Vec<f64> {
    for (v, (lo, hi)) in x.iter_mut().zip(bounds) {
        if lo < hi {
            let margin = 1e-10 * (hi - lo).min(1.0);
            *v = v.clamp(lo + margin, hi - margin);
        } else {
            *v = *lo;
        }
    }
    x
}

/// Coleman–Li affine scaling at `x`: `v[i]` is the distance to the bound that the gradient
/// points at (1 when that bound is infinite), `dv[i]` the derivative of |v[i]|. The trust
/// region is a sphere in ŝ = s / d with `d = √v / e`, where `e` normalises the scaled
/// Hessian's diagonal to one (Moré's scaling, as MINPACK's LM): without it the sphere
/// ignores how differently the objective curves along each parameter, and ill-conditioned
/// valleys keep the region tiny.
struct Scaling {
    v: Vec<f64>,
    dv: Vec<f64>,
    d: Vec<f64>,
    /// max |√v g|: fides' measure for how far a step may go towards a bound.
    cl_gradient: f64,
}

impl Scaling {
    fn at(x: &[f64], g: &[f64], bounds: &[(f64, f64)], h: &DMatrix<f64>) -> Scaling {
        let (mut v, mut dv) = (Vec::with_capacity(x.len()), Vec::with_capacity(x.len()));
        for ((x, g), (lo, hi)) in x.iter().zip(g).zip(bounds) {
            // A descent step moves against the gradient: towards the upper bound when g < 0.
            let bound = if *g < 0.0 { *hi } else { *lo };
            if bound.is_finite() {
                v.push((bound - x).abs());
                dv.push(1.0);
            } else {
                v.push(1.0);
                dv.push(0.0);
            }
        }
        let e: Vec<f64> = (0..x.len())
            .map(|i| (v[i] * h[(i, i)] + g[i].abs() * dv[i]).sqrt())
            .collect();
        let floor = 1e-8 * e.iter().cloned().fold(0.0, f64::max);
        let d = (0..x.len())
            .map(|i| {
                if MORE_SCALING && e[i] > floor {
                    v[i].sqrt() / e[i]
                } else {
                    v[i].sqrt()
                }
            })
            .collect();
        let cl_gradient = v
            .iter()
            .zip(g)
            .map(|(v, g)| (v.sqrt() * g).abs())
            .fold(0.0, f64::max);
        Scaling {
            v,
            dv,
            d,
            cl_gradient,
        }
    }

    /// A step of the original space in the scaled one (pinned coordinates give 0).
    fn to_scaled(&self, s: &[f64]) -> DVector<f64> {
        DVector::from_iterator(
            s.len(),
            s.iter()
                .zip(&self.d)
                .map(|(s, d)| if *d > 0.0 { s / d } else { 0.0 }),
        )
    }

    fn to_original(&self, s_hat: &DVector<f64>) -> Vec<f64> {
        s_hat.iter().zip(&self.d).map(|(s, d)| s * d).collect()
    }
}

/// The quadratic model in the scaled space: ĝ = D g, Ĥ = D (H + diag(|g| dv / v)) D, the
/// second term Coleman–Li's curvature that makes a step towards a near bound expensive.
struct ScaledModel {
    g: DVector<f64>,
    h: DMatrix<f64>,
    c: Vec<f64>,
}

impl ScaledModel {
    fn new(h: &DMatrix<f64>, g: &[f64], scaling: &Scaling) -> ScaledModel {
        let n = g.len();
        let d = &scaling.d;
        let g_hat = DVector::from_iterator(n, g.iter().zip(d).map(|(g, d)| g * d));
        // Coleman–Li's curvature |g| dv / v in the original space, times d².
        let c: Vec<f64> = (0..n)
            .map(|i| {
                if scaling.v[i] > 0.0 {
                    d[i] * d[i] * g[i].abs() * scaling.dv[i] / scaling.v[i]
                } else {
                    0.0
                }
            })
            .collect();
        let mut h_hat = DMatrix::from_fn(n, n, |i, j| d[i] * h[(i, j)] * d[j]);
        for (i, c) in c.iter().enumerate() {
            h_hat[(i, i)] += c;
        }
        ScaledModel {
            g: g_hat,
            h: h_hat,
            c,
        }
    }

    /// ĝᵀŝ + ½ŝᵀĤŝ.
    fn value(&self, s: &DVector<f64>) -> f64 {
        self.g.dot(s) + 0.5 * s.dot(&(&self.h * s))
    }

    /// ½ŝᵀCŝ, the part of the model value that is not the objective's.
    fn augmentation(&self, s: &DVector<f64>) -> f64 {
        0.5 * s.iter().zip(&self.c).map(|(s, c)| c * s * s).sum::<f64>()
    }

    /// Minimiser of the model along `p` from `base`, for t in [0, t_max].
    fn line_minimum(&self, base: &DVector<f64>, p: &DVector<f64>, t_max: f64) -> f64 {
        let slope = (&self.g + &self.h * base).dot(p);
        let curvature = p.dot(&(&self.h * p));
        let t = if curvature > 0.0 {
            -slope / curvature
        } else if slope < 0.0 {
            t_max
        } else {
            0.0
        };
        t.clamp(0.0, t_max)
    }
}

/// A step to try: in the original space, its scaled norm, the model's predicted decrease
/// and the Coleman–Li part of it.
struct Step {
    s: Vec<f64>,
    scaled_norm: f64,
    predicted: f64,
    augmentation: f64,
}

/// The trust-region step if it stays inside the box; otherwise the best (lowest model
/// value) of the step truncated short of the bound it hits, the step reflected at that
/// bound, and the scaled gradient step, each kept strictly inside the box.
fn choose_step(
    model: &ScaledModel,
    scaling: &Scaling,
    x: &[f64],
    bounds: &[(f64, f64)],
    delta: f64,
) -> Option<Step> {
    let s_hat = subproblem(&model.h, &model.g, delta);
    let s = scaling.to_original(&s_hat);
    // fides: step back to θ of the way to the bound, θ → 1 as the scaled gradient → 0.
    let theta = (1.0 - scaling.cl_gradient).max(0.95);
    let (alpha, hit) = distance_to_bounds(x, &s, bounds);
    let mut candidates: Vec<DVector<f64>> = Vec::new();
    if alpha > 1.0 {
        candidates.push(s_hat.clone());
    } else {
        candidates.push(&s_hat * (theta * alpha));
        // Reflection: from the point where the step meets the bound, the components that
        // hit it turn back, and the model is minimised along that path.
        let mut p = s.clone();
        for &i in &hit {
            p[i] = -p[i];
        }
        let at_bound: Vec<f64> = x.iter().zip(&s).map(|(x, s)| x + alpha * s).collect();
        let (beta, _) = distance_to_bounds(&at_bound, &p, bounds);
        let base = &s_hat * alpha;
        let p_hat = scaling.to_scaled(&p);
        let t_region = ray_to_sphere(&base, &p_hat, delta);
        let t_max = (theta * beta).min(t_region);
        let t = model.line_minimum(&base, &p_hat, t_max);
        if t > 0.0 {
            candidates.push(base + p_hat * t);
        }
    }
    // The scaled gradient direction, within the region and short of the bounds.
    let p_hat = -&model.g;
    let p_norm = p_hat.norm();
    if p_norm > 0.0 {
        let p = scaling.to_original(&p_hat);
        let (gamma, _) = distance_to_bounds(x, &p, bounds);
        let zero = DVector::zeros(p_hat.len());
        let t_max = (delta / p_norm).min(theta * gamma);
        let t = model.line_minimum(&zero, &p_hat, t_max);
        if t > 0.0 {
            candidates.push(p_hat * t);
        }
    }
    let best = candidates
        .into_iter()
        .map(|c| (model.value(&c), c))
        .filter(|(m, _)| m.is_finite() && *m < 0.0)
        .min_by(|a, b| a.0.total_cmp(&b.0))?;
    let (value, s_hat) = best;
    Some(Step {
        s: scaling.to_original(&s_hat),
        scaled_norm: s_hat.norm(),
        predicted: -value,
        augmentation: model.augmentation(&s_hat),
    })
}

/// The largest α with x + αs inside the box (infinite if none limits it), and the
/// coordinates that reach their bound first.
fn distance_to_bounds(x: &[f64], s: &[f64], bounds: &[(f64, f64)]) -> (f64, Vec<usize>) {
    let mut alpha = f64::INFINITY;
    let mut ratios = Vec::with_capacity(x.len());
    for (i, ((x, s), (lo, hi))) in x.iter().zip(s).zip(bounds).enumerate() {
        let room = if *s > 0.0 {
            (hi - x) / s
        } else if *s < 0.0 {
            (lo - x) / s
        } else {
            f64::INFINITY
        };
        let room = room.max(0.0);
        ratios.push((i, room));
        alpha = alpha.min(room);
    }
    let hit = ratios
        .into_iter()
        .filter(|(_, r)| alpha.is_finite() && *r <= alpha * (1.0 + 1e-12))
        .map(|(i, _)| i)
        .collect();
    (alpha, hit)
}

/// The t ≥ 0 where ‖base + t·p‖ reaches `radius` (base inside the sphere).
fn ray_to_sphere(base: &DVector<f64>, p: &DVector<f64>, radius: f64) -> f64 {
    let a = p.norm_squared();
    if a == 0.0 {
        return 0.0;
    }
    let b = 2.0 * base.dot(p);
    let c = base.norm_squared() - radius * radius;
    let disc = (b * b - 4.0 * a * c).max(0.0);
    ((-b + disc.sqrt()) / (2.0 * a)).max(0.0)
}

/// The exact minimiser of gᵀs + ½sᵀHs subject to ‖s‖ ≤ Δ (Moré & Sorensen 1983): the
/// Newton step if H is positive definite and the step fits; otherwise s(μ) = -(H+μI)⁻¹g
/// on the sphere, with μ from the secular equation 1/‖s(μ)‖ = 1/Δ in H's eigenbasis, and
/// the "hard case" (g orthogonal to the lowest eigenvector) completed along that vector.
fn subproblem(h: &DMatrix<f64>, g: &DVector<f64>, delta: f64) -> DVector<f64> {
    let n = g.len();
    let eigen = h.clone().symmetric_eigen();
    let q = &eigen.eigenvectors;
    let lambda = &eigen.eigenvalues;
    let qg = q.transpose() * g;
    let scale = lambda.amax().max(1e-300);
    let lambda_min = lambda.min();
    let norm_at = |mu: f64| -> f64 {
        (0..n)
            .map(|i| {
                let den = lambda[i] + mu;
                if den > 0.0 {
                    (qg[i] / den).powi(2)
                } else if qg[i] == 0.0 {
                    0.0
                } else {
                    f64::INFINITY
                }
            })
            .sum::<f64>()
            .sqrt()
    };
    let step_at = |mu: f64| -> DVector<f64> {
        let coeff = DVector::from_iterator(
            n,
            (0..n).map(|i| {
                let den = lambda[i] + mu;
                if den > 1e-14 * scale {
                    -qg[i] / den
                } else {
                    0.0
                }
            }),
        );
        q * coeff
    };
    if lambda_min > 1e-12 * scale && norm_at(0.0) <= delta {
        return step_at(0.0);
    }
    let mu_low = (-lambda_min).max(0.0);
    // At μ just above the lowest eigenvalue's pole the step is longer than Δ unless g has
    // (almost) no component along that eigenvector: the hard case.
    let eps = 1e-12 * scale.max(1.0);
    if norm_at(mu_low + eps) < delta {
        let mut s = step_at(mu_low + eps);
        let rest = (delta * delta - s.norm_squared()).max(0.0).sqrt();
        let index = (0..n)
            .min_by(|&a, &b| lambda[a].total_cmp(&lambda[b]))
            .unwrap_or(0);
        s += q.column(index) * rest;
        return s;
    }
    // φ(μ) = 1/‖s(μ)‖ − 1/Δ is increasing and nearly linear in μ: Newton from the left,
    // safeguarded by bisection on [mu_low, mu_high].
    let mut lo = mu_low + eps;
    let mut hi = mu_low + g.norm() / delta + eps;
    let mut mu = lo;
    for _ in 0..100 {
        let norm = norm_at(mu);
        if (norm - delta).abs() <= 1e-9 * delta {
            break;
        }
        if norm > delta {
            lo = mu;
        } else {
            hi = mu;
        }
        // dφ/dμ = Σ qg²/(λ+μ)³ / ‖s‖³.
        let derivative: f64 = (0..n)
            .map(|i| qg[i].powi(2) / (lambda[i] + mu).powi(3))
            .sum::<f64>()
            / norm.powi(3);
        let phi = 1.0 / norm - 1.0 / delta;
        let newton = mu - phi / derivative;
        mu = if newton.is_finite() && newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
    }
    step_at(mu)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The subproblem's solution satisfies the optimality conditions of Moré & Sorensen:
    /// (H + μI)s = -g with μ ≥ 0, μ(Δ - ‖s‖) = 0 and H + μI positive semi-definite, on an
    /// indefinite, a positive definite and a hard-case matrix.
    #[test]
    fn subproblem_meets_the_optimality_conditions() {
        let cases = [
            (vec![2.0, 0.0, 0.0, -1.0], vec![1.0, 1.0], 0.5),
            (vec![4.0, 1.0, 1.0, 3.0], vec![1.0, 2.0], 10.0),
            (vec![4.0, 1.0, 1.0, 3.0], vec![1.0, 2.0], 0.1),
            (vec![1.0, 0.0, 0.0, -2.0], vec![1.0, 0.0], 2.0),
        ];
        for (h, g, delta) in cases {
            let h = DMatrix::from_row_slice(2, 2, &h);
            let g = DVector::from_vec(g);
            let s = subproblem(&h, &g, delta);
            assert!(s.norm() <= delta * (1.0 + 1e-8), "{s} outside {delta}");
            // Compare with a brute-force search on a fine grid of the disc.
            let model = |s: &DVector<f64>| g.dot(s) + 0.5 * s.dot(&(&h * s));
            let mut best = f64::INFINITY;
            for i in 0..=400 {
                for j in 0..=400 {
                    let p = DVector::from_vec(vec![
                        delta * (i as f64 / 200.0 - 1.0),
                        delta * (j as f64 / 200.0 - 1.0),
                    ]);
                    if p.norm() <= delta {
                        best = best.min(model(&p));
                    }
                }
            }
            assert!(
                model(&s) <= best + 1e-9 * (1.0 + best.abs()),
                "model at s {} > grid minimum {best}",
                model(&s)
            );
        }
    }

    #[test]
    fn distance_to_bounds_finds_the_first_bound_hit() {
        let (alpha, hit) = distance_to_bounds(
            &[0.0, 0.5, 0.0],
            &[1.0, 1.0, 0.0],
            &[(-1.0, 1.0), (-1.0, 1.0), (-1.0, 1.0)],
        );
        assert!((alpha - 0.5).abs() < 1e-15);
        assert_eq!(hit, vec![1]);
    }
}
