//! Random draws of the SBML `distrib` package (`normal(0, 1)`, `exponential(rate, min, max)`
//! ...): a run's seeded stream and the sampling of each distribution, truncated to
//! `[min, max]` when the call gives bounds. Draws are made where SBML evaluates math once
//! (initial assignments, event assignments, delays and priorities), so every run with the same
//! seed makes the same draws in the same order.

use std::cell::RefCell;

use her2sim_sbml::Distribution;
use rand::{Rng, SeedableRng};
use rand_distr::Distribution as _;
use rand_pcg::Pcg64Mcg;

/// Rejection sampling for a truncated draw gives up after this many tries (an acceptance
/// probability below ~1e-5): the bounds leave almost none of the distribution's mass.
const MAX_TRUNCATION_TRIES: usize = 100_000;

/// SplitMix64 of a seed and a stream index: independent, reproducible streams (per
/// replicate, and for a run's draws apart from its event tie-breaking).
pub(crate) fn stream_seed(seed: u64, stream: u64) -> u64 {
    let mut z = seed
        .wrapping_add(stream.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The stream index of a deterministic run's draws (replicates use 0, 1, 2 ...).
pub(crate) const RUN_DRAW_STREAM: u64 = u64::MAX;

/// What a `draw` node reads its random numbers from.
pub trait Draws {
    /// A draw of `dist` with `args` (its parameters, then optionally `min`, `max`); NaN (and
    /// a remembered error) when the arguments are not valid.
    fn draw(&self, dist: Distribution, args: &[f64]) -> f64;
}

/// A run's stream of draws, with the first invalid call remembered for the caller to report.
pub struct Sampler {
    rng: RefCell<Pcg64Mcg>,
    error: RefCell<Option<String>>,
}

impl Sampler {
    pub fn new(seed: u64) -> Sampler {
        Sampler {
            rng: RefCell::new(Pcg64Mcg::seed_from_u64(seed)),
            error: RefCell::new(None),
        }
    }

    /// The first invalid draw since the last call, as a message.
    pub fn take_error(&self) -> Option<String> {
        self.error.borrow_mut().take()
    }
}

impl Draws for Sampler {
    fn draw(&self, dist: Distribution, args: &[f64]) -> f64 {
        let mut rng = self.rng.borrow_mut();
        match sample(dist, args, &mut *rng) {
            Ok(x) => x,
            Err(why) => {
                let mut slot = self.error.borrow_mut();
                if slot.is_none() {
                    let list: Vec<String> = args.iter().map(|a| format!("{a}")).collect();
                    *slot = Some(format!(
                        "distrib draw {}({}): {why}",
                        name(dist),
                        list.join(", ")
                    ));
                }
                f64::NAN
            }
        }
    }
}

/// The csymbol name of a distribution, for messages.
pub fn name(dist: Distribution) -> &'static str {
    use Distribution::*;
    match dist {
        Normal => "normal",
        Uniform => "uniform",
        Bernoulli => "bernoulli",
        Binomial => "binomial",
        Cauchy => "cauchy",
        ChiSquare => "chisquare",
        Exponential => "exponential",
        Gamma => "gamma",
        Laplace => "laplace",
        LogNormal => "lognormal",
        Poisson => "poisson",
        Rayleigh => "rayleigh",
    }
}

/// One draw of `dist` with `args` (parameters, then optional truncation bounds).
pub fn sample<R: Rng>(dist: Distribution, args: &[f64], rng: &mut R) -> Result<f64, String> {
    let p = dist.parameters();
    // cauchy(scale) and laplace(scale): location 0.
    let params: Vec<f64> = if args.len() == 1 && p == 2 {
        vec![0.0, args[0]]
    } else {
        args[..p.min(args.len())].to_vec()
    };
    if params.len() != p || params.iter().any(|x| x.is_nan()) {
        return Err("parameters must be numbers".into());
    }
    let bounds = (args.len() == p + 2).then(|| {
        let (a, b) = (args[p], args[p + 1]);
        // Bounds given high-then-low still name the same interval (as libRoadRunner reads
        // them; the suite's case 00096 passes them so).
        (a.min(b), a.max(b))
    });
    if let Some((lo, hi)) = bounds {
        if lo.is_nan() || hi.is_nan() {
            return Err("truncation bounds must be numbers".into());
        }
    }
    let draw_once = untruncated(dist, &params)?;
    match bounds {
        None => Ok(draw_once(rng)),
        Some((lo, hi)) => {
            for _ in 0..MAX_TRUNCATION_TRIES {
                let x = draw_once(rng);
                if (lo..=hi).contains(&x) {
                    return Ok(x);
                }
            }
            Err(format!(
                "no value in [{lo}, {hi}] after {MAX_TRUNCATION_TRIES} draws: the bounds hold almost none of the distribution"
            ))
        }
    }
}

fn positive(x: f64) -> bool {
    x > 0.0 && x.is_finite()
}

fn non_negative(x: f64) -> bool {
    x >= 0.0 && x.is_finite()
}

type Sampling<R> = Box<dyn Fn(&mut R) -> f64>;

/// A sampler of the untruncated distribution, after checking its parameters.
fn untruncated<R: Rng>(dist: Distribution, q: &[f64]) -> Result<Sampling<R>, String> {
    use Distribution::*;
    let bad = |what: &str| Err(what.to_string());
    Ok(match dist {
        Normal => {
            let (mean, sd) = (q[0], q[1]);
            if !non_negative(sd) {
                return bad("the standard deviation must be finite and non-negative");
            }
            let n = rand_distr::Normal::new(mean, sd).map_err(|e| e.to_string())?;
            Box::new(move |r| n.sample(r))
        }
        Uniform => {
            let (lo, hi) = (q[0], q[1]);
            if lo > hi || !lo.is_finite() || !hi.is_finite() {
                return bad("uniform(min, max) needs finite min <= max");
            }
            // Half-open [lo, hi) as libRoadRunner draws it; lo == hi gives lo.
            Box::new(move |r| lo + (hi - lo) * r.random::<f64>())
        }
        Bernoulli => {
            let p = q[0];
            if !(0.0..=1.0).contains(&p) {
                return bad("the probability must lie in [0, 1]");
            }
            Box::new(move |r| if r.random::<f64>() < p { 1.0 } else { 0.0 })
        }
        Binomial => {
            let (n, p) = (q[0], q[1]);
            if !non_negative(n) || n.fract() != 0.0 || n > u64::MAX as f64 {
                return bad("the number of trials must be a non-negative whole number");
            }
            let b = rand_distr::Binomial::new(n as u64, p).map_err(|e| e.to_string())?;
            Box::new(move |r| b.sample(r) as f64)
        }
        Cauchy => {
            let (loc, scale) = (q[0], q[1]);
            if !positive(scale) {
                return bad("the scale must be finite and positive");
            }
            let c = rand_distr::Cauchy::new(loc, scale).map_err(|e| e.to_string())?;
            Box::new(move |r| c.sample(r))
        }
        ChiSquare => {
            let k = q[0];
            if !positive(k) {
                return bad("the degrees of freedom must be finite and positive");
            }
            let c = rand_distr::ChiSquared::new(k).map_err(|e| e.to_string())?;
            Box::new(move |r| c.sample(r))
        }
        Exponential => {
            let rate = q[0];
            if !positive(rate) {
                return bad("the rate must be finite and positive");
            }
            let e = rand_distr::Exp::new(rate).map_err(|e| e.to_string())?;
            Box::new(move |r| e.sample(r))
        }
        Gamma => {
            let (shape, scale) = (q[0], q[1]);
            if !positive(shape) || !positive(scale) {
                return bad("shape and scale must be finite and positive");
            }
            let g = rand_distr::Gamma::new(shape, scale).map_err(|e| e.to_string())?;
            Box::new(move |r| g.sample(r))
        }
        Laplace => {
            let (loc, scale) = (q[0], q[1]);
            if !positive(scale) {
                return bad("the scale must be finite and positive");
            }
            // Inverse CDF: loc - scale * sign(u) * ln(1 - 2|u|) for u uniform in (-1/2, 1/2).
            Box::new(move |r| {
                let u = r.random::<f64>() - 0.5;
                loc - scale * u.signum() * (1.0 - 2.0 * u.abs()).ln()
            })
        }
        LogNormal => {
            let (mu, sigma) = (q[0], q[1]);
            if !non_negative(sigma) {
                return bad("the standard deviation must be finite and non-negative");
            }
            let l = rand_distr::LogNormal::new(mu, sigma).map_err(|e| e.to_string())?;
            Box::new(move |r| l.sample(r))
        }
        Poisson => {
            let rate = q[0];
            if rate == 0.0 {
                return Ok(Box::new(|_| 0.0));
            }
            if !positive(rate) {
                return bad("the rate must be finite and non-negative");
            }
            let p = rand_distr::Poisson::new(rate).map_err(|e| e.to_string())?;
            Box::new(move |r| p.sample(r))
        }
        Rayleigh => {
            let scale = q[0];
            if !positive(scale) {
                return bad("the scale must be finite and positive");
            }
            // Inverse CDF: scale * sqrt(-2 ln(1 - u)).
            Box::new(move |r| scale * (-2.0 * (1.0 - r.random::<f64>()).ln()).sqrt())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(dist: Distribution, args: &[f64], n: usize) -> (f64, f64) {
        let mut rng = Pcg64Mcg::seed_from_u64(7);
        let xs: Vec<f64> = (0..n)
            .map(|_| sample(dist, args, &mut rng).expect("valid draw"))
            .collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0);
        (mean, var.sqrt())
    }

    /// Sample moments within 5 standard errors of the analytic ones.
    fn check(dist: Distribution, args: &[f64], mean: f64, sd: f64) {
        let n = 200_000;
        let (m, s) = moments(dist, args, n);
        let se = sd / (n as f64).sqrt();
        assert!(
            (m - mean).abs() < 5.0 * se,
            "{dist:?}{args:?}: mean {m} vs {mean}"
        );
        assert!(
            (s - sd).abs() < 0.02 * sd,
            "{dist:?}{args:?}: sd {s} vs {sd}"
        );
    }

    #[test]
    fn moments_match_the_analytic_ones() {
        use Distribution::*;
        check(Normal, &[1.0, 2.0], 1.0, 2.0);
        check(Uniform, &[2.0, 5.0], 3.5, 3.0 / 12f64.sqrt());
        check(Bernoulli, &[0.23], 0.23, (0.23f64 * 0.77).sqrt());
        check(Binomial, &[100.0, 0.2], 20.0, 4.0);
        check(ChiSquare, &[3.2], 3.2, 6.4f64.sqrt());
        check(Exponential, &[0.5], 2.0, 2.0);
        check(Gamma, &[2.0, 1.1], 2.2, 2f64.sqrt() * 1.1);
        check(Laplace, &[2.0], 0.0, 2.0 * 2f64.sqrt());
        check(Laplace, &[1.0, 2.0], 1.0, 2.0 * 2f64.sqrt());
        let (mu, s) = (0.1f64, 0.4f64);
        let ln_sd = (((s * s).exp() - 1.0) * (2.0 * mu + s * s).exp()).sqrt();
        check(LogNormal, &[mu, s], (mu + s * s / 2.0).exp(), ln_sd);
        check(Poisson, &[1.5], 1.5, 1.5f64.sqrt());
        let pi = std::f64::consts::PI;
        check(
            Rayleigh,
            &[2.0],
            2.0 * (pi / 2.0).sqrt(),
            2.0 * ((4.0 - pi) / 2.0).sqrt(),
        );
    }

    #[test]
    fn truncation_is_inclusive_and_bounds_may_come_in_either_order() {
        // Binomial(100, 0.2) on [15, 32]: mean 20.6049, sd 3.4739 (summed exactly).
        check(
            Distribution::Binomial,
            &[100.0, 0.2, 15.0, 32.0],
            20.604858,
            3.473867,
        );
        // Normal(0, 1.5) above -0.5, bounds given (inf, -0.5): 1.5 φ(1/3) / (1 - Φ(-1/3)).
        let (m, _) = moments(
            Distribution::Normal,
            &[0.0, 1.5, f64::INFINITY, -0.5],
            100_000,
        );
        assert!((m - 0.897735).abs() < 0.01, "{m}");
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        for _ in 0..1000 {
            let x = sample(Distribution::Exponential, &[1.0, 2.0, 9.0], &mut rng).unwrap();
            assert!((2.0..=9.0).contains(&x));
        }
    }

    #[test]
    fn invalid_parameters_are_errors_not_numbers() {
        let s = Sampler::new(1);
        assert!(s.draw(Distribution::Normal, &[0.0, -1.0]).is_nan());
        let e = s.take_error().expect("an error");
        assert!(
            e.contains("normal(0, -1)") && e.contains("standard deviation"),
            "{e}"
        );
        assert!(s
            .draw(Distribution::Normal, &[0.0, 1.0, 50.0, 51.0])
            .is_nan());
        assert!(s
            .take_error()
            .expect("an error")
            .contains("no value in [50, 51]"));
        assert!(s.take_error().is_none());
    }

    #[test]
    fn same_seed_same_draws() {
        let (a, b) = (Sampler::new(42), Sampler::new(42));
        for _ in 0..10 {
            assert_eq!(
                a.draw(Distribution::Gamma, &[2.0, 1.0]),
                b.draw(Distribution::Gamma, &[2.0, 1.0])
            );
        }
    }
}
