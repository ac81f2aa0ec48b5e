//! Parameter scans (a grid over one or more axes) and sampled ensembles (uniform or
//! log-normal draws), each run a full time course. Runs go in parallel (rayon); every run's
//! values depend only on its index and the seed, so results do not depend on thread count.
//! Output is tidy: one row per run and output time, or per run with `--final`.

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use rayon::prelude::*;

use her2sim_engine::{EngineError, SimOptions, Simulator};

/// Most runs one scan may ask for: every run's assignment is held in memory, and at a
/// millisecond per run this is already hours of work.
pub const MAX_RUNS: usize = 10_000_000;

/// Most values one scan table may hold (runs x rows x columns; 8 bytes each).
pub const MAX_VALUES: usize = 100_000_000;

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("bad axis '{0}': {1}")]
    Axis(String, String),
    #[error("bad distribution '{0}': {1}")]
    Distribution(String, String),
    #[error("run {run} ({assignment}): {source}")]
    Run {
        run: usize,
        assignment: String,
        source: EngineError,
    },
    #[error("{0}")]
    Engine(#[from] EngineError),
    #[error("{0}")]
    Spec(String),
}

/// One scanned quantity and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub target: String,
    pub values: Vec<f64>,
}

impl Axis {
    /// `NAME=from:to:count[:log]` (evenly or log-spaced, ends included) or `NAME=v1,v2,...`.
    pub fn parse(text: &str) -> Result<Axis, ScanError> {
        let bad = |why: &str| ScanError::Axis(text.to_string(), why.to_string());
        let (name, spec) = text
            .split_once('=')
            .ok_or_else(|| bad("expected NAME=..."))?;
        let num = |s: &str| match s.trim().parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(x),
            Ok(_) => Err(bad(&format!("'{s}' is not a finite number"))),
            Err(_) => Err(bad(&format!("'{s}' is not a number"))),
        };
        let values = if spec.contains(':') {
            let parts: Vec<&str> = spec.split(':').collect();
            if parts.len() < 3 || parts.len() > 4 {
                return Err(bad("expected from:to:count[:log]"));
            }
            let (from, to) = (num(parts[0])?, num(parts[1])?);
            let n: usize = parts[2]
                .trim()
                .parse()
                .map_err(|_| bad("count must be a whole number"))?;
            if n == 0 {
                return Err(bad("count must be at least 1"));
            }
            if n > MAX_RUNS {
                return Err(bad(&format!(
                    "count {n} is over the limit of {MAX_RUNS} runs"
                )));
            }
            let log = match parts.get(3).map(|s| s.trim()) {
                None | Some("lin") => false,
                Some("log") => true,
                Some(other) => return Err(bad(&format!("unknown spacing '{other}' (lin or log)"))),
            };
            if log && (from <= 0.0 || to <= 0.0) {
                return Err(bad("log spacing needs positive ends"));
            }
            (0..n)
                .map(|i| {
                    let f = if n == 1 {
                        0.0
                    } else {
                        i as f64 / (n - 1) as f64
                    };
                    if log {
                        (from.ln() + f * (to.ln() - from.ln())).exp()
                    } else {
                        from + f * (to - from)
                    }
                })
                .collect()
        } else {
            spec.split(',').map(num).collect::<Result<Vec<_>, _>>()?
        };
        Ok(Axis {
            target: name.trim().to_string(),
            values,
        })
    }
}

/// A distribution to sample a quantity from.
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    Uniform {
        low: f64,
        high: f64,
    },
    /// exp(N(mu, sigma²)): `mu`, `sigma` of the underlying normal.
    LogNormal {
        mu: f64,
        sigma: f64,
    },
}

/// A sampled quantity.
#[derive(Debug, Clone, PartialEq)]
pub struct Sampled {
    pub target: String,
    pub distribution: Distribution,
}

impl Sampled {
    /// `NAME=uniform(low,high)` or `NAME=lognormal(mu,sigma)`.
    pub fn parse(text: &str) -> Result<Sampled, ScanError> {
        let bad = |why: &str| ScanError::Distribution(text.to_string(), why.to_string());
        let (name, spec) = text
            .split_once('=')
            .ok_or_else(|| bad("expected NAME=dist(a,b)"))?;
        let spec = spec.trim();
        let open = spec.find('(').ok_or_else(|| bad("expected dist(a,b)"))?;
        let args = spec[open + 1..]
            .strip_suffix(')')
            .ok_or_else(|| bad("missing ')'"))?;
        let nums: Vec<f64> = args
            .split(',')
            .map(|s| match s.trim().parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(x),
                _ => Err(bad(&format!("'{s}' is not a finite number"))),
            })
            .collect::<Result<_, _>>()?;
        if nums.len() != 2 {
            return Err(bad("takes two numbers"));
        }
        let distribution = match &spec[..open] {
            "uniform" if nums[0] <= nums[1] => Distribution::Uniform {
                low: nums[0],
                high: nums[1],
            },
            "uniform" => return Err(bad("low must not exceed high")),
            "lognormal" if nums[1] >= 0.0 => Distribution::LogNormal {
                mu: nums[0],
                sigma: nums[1],
            },
            "lognormal" => return Err(bad("sigma must be non-negative")),
            other => {
                return Err(bad(&format!(
                    "unknown distribution '{other}' (uniform, lognormal)"
                )))
            }
        };
        Ok(Sampled {
            target: name.trim().to_string(),
            distribution,
        })
    }

    fn draw(&self, rng: &mut Pcg64Mcg) -> f64 {
        match self.distribution {
            Distribution::Uniform { low, high } => low + (high - low) * rng.random::<f64>(),
            Distribution::LogNormal { mu, sigma } => {
                // Box–Muller: one standard normal from two uniforms.
                let u1: f64 = 1.0 - rng.random::<f64>();
                let u2: f64 = rng.random();
                let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
                (mu + sigma * z).exp()
            }
        }
    }
}

/// What to vary: a grid over `axes` (all combinations), or `samples` draws of `sampled`
/// (both may be given: every grid point gets the samples).
#[derive(Debug, Clone, Default)]
pub struct ScanSpec {
    pub axes: Vec<Axis>,
    pub sampled: Vec<Sampled>,
    pub samples: usize,
    pub seed: u64,
    /// Keep only the last output time of each run.
    pub final_only: bool,
}

/// A tidy table: `run`, the varied quantities, then the time course columns.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanTable {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<f64>>,
}

impl ScanSpec {
    /// How many runs the spec asks for, refused over [`MAX_RUNS`] (checked before anything
    /// is allocated) or when draws are asked for with zero samples.
    pub fn run_count(&self) -> Result<usize, ScanError> {
        if !self.sampled.is_empty() && self.samples == 0 {
            return Err(ScanError::Spec(
                "--samples must be at least 1 when quantities are sampled".into(),
            ));
        }
        let draws = if self.sampled.is_empty() {
            1
        } else {
            self.samples
        };
        self.axes
            .iter()
            .try_fold(draws, |n, a| n.checked_mul(a.values.len()))
            .filter(|&n| n <= MAX_RUNS)
            .ok_or_else(|| {
                ScanError::Spec(format!(
                    "the scan asks for more than {MAX_RUNS} runs; use fewer values or samples"
                ))
            })
    }
}

/// The assignments of every run, in run order.
pub fn runs(spec: &ScanSpec) -> Vec<Vec<f64>> {
    let mut grid: Vec<Vec<f64>> = vec![Vec::new()];
    for axis in &spec.axes {
        grid = grid
            .into_iter()
            .flat_map(|point| {
                axis.values.iter().map(move |v| {
                    let mut p = point.clone();
                    p.push(*v);
                    p
                })
            })
            .collect();
    }
    if spec.sampled.is_empty() {
        return grid;
    }
    let mut out = Vec::new();
    for point in grid {
        for _ in 0..spec.samples.max(1) {
            let index = out.len() as u64;
            // Each run's draws depend only on (seed, run index).
            let mut rng =
                Pcg64Mcg::seed_from_u64(spec.seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let mut p = point.clone();
            p.extend(spec.sampled.iter().map(|d| d.draw(&mut rng)));
            out.push(p);
        }
    }
    out
}

/// Runs every scan point; `progress` is called once per finished run (from any thread).
pub fn run(
    sim: &Simulator,
    spec: &ScanSpec,
    base: &SimOptions,
    selection: &str,
    progress: impl Fn(usize) + Sync,
) -> Result<ScanTable, ScanError> {
    let names: Vec<String> = spec
        .axes
        .iter()
        .map(|a| a.target.clone())
        .chain(spec.sampled.iter().map(|s| s.target.clone()))
        .collect();
    let targets = names
        .iter()
        .map(|n| sim.override_target(n))
        .collect::<Result<Vec<_>, _>>()?;
    // The same quantity twice (also as `S` and `[S]`) would give two columns for one value.
    for (i, a) in targets.iter().enumerate() {
        if let Some(j) = targets[..i].iter().position(|b| a.symbol() == b.symbol()) {
            return Err(ScanError::Spec(format!(
                "'{}' and '{}' vary the same quantity; give each quantity once",
                names[j], names[i]
            )));
        }
    }
    let count = spec.run_count()?;
    let selection = sim.selection_list(selection)?;
    let rows_per_run = if spec.final_only {
        1
    } else {
        base.steps.saturating_add(1)
    };
    let columns_per_row = selection.names.len() + names.len() + 1;
    let values = count
        .checked_mul(rows_per_run)
        .and_then(|n| n.checked_mul(columns_per_row));
    if values.is_none_or(|v| v > MAX_VALUES) {
        return Err(ScanError::Spec(format!(
            "{count} runs x {rows_per_run} rows x {columns_per_row} columns is over the limit of {MAX_VALUES} values; use --final, fewer steps or fewer runs"
        )));
    }
    let points = runs(spec);
    let tables: Vec<_> = points
        .par_iter()
        .enumerate()
        .map(|(i, values)| {
            let mut opts = base.clone();
            opts.overrides = targets
                .iter()
                .copied()
                .zip(values.iter().copied())
                .collect();
            let r = sim
                .simulate(&opts, &selection)
                .map_err(|source| ScanError::Run {
                    run: i,
                    assignment: names
                        .iter()
                        .zip(values)
                        .map(|(n, v)| format!("{n}={v}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    source,
                });
            progress(i);
            r
        })
        .collect::<Result<_, _>>()?;
    let mut columns = vec!["run".to_string()];
    columns.extend(names.iter().cloned());
    let mut rows = Vec::new();
    for (i, (values, table)) in points.iter().zip(&tables).enumerate() {
        if i == 0 {
            columns.extend(table.columns.iter().cloned());
        }
        let keep = if spec.final_only {
            table.rows.len().saturating_sub(1)
        } else {
            0
        };
        for row in &table.rows[keep..] {
            let mut r = vec![i as f64];
            r.extend(values.iter().copied());
            r.extend(row.iter().copied());
            rows.push(r);
        }
    }
    Ok(ScanTable { columns, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_parse() {
        let a = Axis::parse("k1=1:100:3:log").unwrap();
        assert_eq!(a.target, "k1");
        assert!((a.values[1] - 10.0).abs() < 1e-12 && (a.values[2] - 100.0).abs() < 1e-12);
        assert_eq!(
            Axis::parse("[S]=0,0.5,1").unwrap().values,
            vec![0.0, 0.5, 1.0]
        );
        assert!(Axis::parse("k=1:2").is_err());
        assert!(Axis::parse("k=-1:2:3:log").is_err());
        assert!(Axis::parse("k=a,b").is_err());
        assert!(Sampled::parse("k=normal(1,2)").is_err());
        assert!(Sampled::parse("k=uniform(2,1)").is_err());
    }

    /// A grid crossed with samples; draws are reproducible and follow the distribution.
    #[test]
    fn grid_and_samples() {
        let spec = ScanSpec {
            axes: vec![Axis::parse("a=1,2").unwrap()],
            sampled: vec![Sampled::parse("b=lognormal(0,0.5)").unwrap()],
            samples: 4000,
            seed: 9,
            final_only: true,
        };
        let r = runs(&spec);
        assert_eq!(r.len(), 8000);
        assert_eq!(r, runs(&spec));
        let logs: Vec<f64> = r.iter().map(|p| p[1].ln()).collect();
        let mean = logs.iter().sum::<f64>() / logs.len() as f64;
        let var = logs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / logs.len() as f64;
        assert!(mean.abs() < 0.03, "{mean}");
        assert!((var.sqrt() - 0.5).abs() < 0.02, "{var}");
    }

    /// Scanning the rate constant of a decay reproduces exp(-k t) for each k.
    #[test]
    fn scan_decay_rate() {
        let text = r#"<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
<model id="decay">
<listOfCompartments><compartment id="C" size="2" constant="true"/></listOfCompartments>
<listOfSpecies><species id="S" compartment="C" initialConcentration="1" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/></listOfSpecies>
<listOfParameters><parameter id="k" value="1" constant="true"/></listOfParameters>
<listOfReactions><reaction id="R" reversible="false">
<listOfReactants><speciesReference species="S" stoichiometry="1" constant="true"/></listOfReactants>
<kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><ci>k</ci><ci>S</ci><ci>C</ci></apply></math></kineticLaw>
</reaction></listOfReactions>
</model></sbml>"#;
        let sim = Simulator::from_sbml_text(text).unwrap();
        let spec = ScanSpec {
            axes: vec![
                Axis::parse("k=0.5,1,2").unwrap(),
                Axis::parse("[S]=1,3").unwrap(),
            ],
            final_only: true,
            ..Default::default()
        };
        let opts = SimOptions {
            duration: 2.0,
            steps: 4,
            ..Default::default()
        };
        let t = run(&sim, &spec, &opts, "time,[S],S", |_| {}).unwrap();
        assert_eq!(t.columns, ["run", "k", "[S]", "time", "[S]", "S"]);
        assert_eq!(t.rows.len(), 6);
        for r in &t.rows {
            let exact = r[2] * (-r[1] * 2.0).exp();
            assert!((r[4] - exact).abs() < 1e-6 * exact, "{r:?}");
            assert!((r[5] - 2.0 * exact).abs() < 1e-6 * exact, "{r:?}");
        }
        let err = run(
            &sim,
            &ScanSpec {
                axes: vec![Axis::parse("R=1,2").unwrap()],
                ..Default::default()
            },
            &opts,
            "time",
            |_| {},
        );
        assert!(err.is_err());
    }
}
