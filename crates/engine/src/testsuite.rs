//! Runs cases of the SBML Test Suite (semantic: time courses through the same path as
//! `her2sim simulate`, flux balance cases through `her2sim fba`) and compares with the expected
//! results under each case's tolerances.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::{SimOptions, Simulator};

/// One case's description from its `-settings.txt` and `-model.m`.
#[derive(Debug, Clone)]
pub struct Case {
    /// The five-digit case number.
    pub id: String,
    /// The case's folder.
    pub dir: PathBuf,
    /// The `-settings.txt` entries (start, duration, steps, variables, tolerances, ...).
    pub settings: BTreeMap<String, String>,
    /// Component and test tags from `-model.m`.
    pub tags: Vec<String>,
    /// `TimeCourse`, `StochasticTimeCourse`, `FluxBalanceSteadyState`, ...
    pub test_type: String,
    /// SBML packages the case needs.
    pub packages: Vec<String>,
}

/// How model expressions are evaluated in a run (see [`Simulator::set_native_code`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The default: native code where the model allows (unless `HER2SIM_INTERPRETER=1`).
    Default,
    /// The expression interpreter everywhere.
    Interpreter,
}

impl Code {
    fn load(self, file: &Path) -> Result<Simulator, crate::EngineError> {
        let mut sim = Simulator::from_file(file)?;
        if self == Code::Interpreter {
            sim.set_native_code(false);
        }
        Ok(sim)
    }
}

/// How a case ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Every value within the case's tolerances.
    Pass,
    /// Ran but values differ (or the simulation failed).
    Fail(String),
    /// Reported as unsupported by her2sim.
    Unsupported(String),
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

impl Case {
    /// Reads a case from its folder.
    pub fn load(dir: &Path) -> Result<Case, String> {
        let id = dir
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or("bad case directory")?
            .to_string();
        let settings = read(&dir.join(format!("{id}-settings.txt")))?
            .lines()
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        let meta = read(&dir.join(format!("{id}-model.m")))?;
        let field = |name: &str| {
            meta.lines()
                .find_map(|l| l.trim().strip_prefix(name).map(str::to_string))
                .unwrap_or_default()
        };
        let list = |s: String| {
            s.split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect::<Vec<_>>()
        };
        let mut tags = list(field("componentTags:"));
        tags.extend(list(field("testTags:")));
        Ok(Case {
            id,
            dir: dir.to_path_buf(),
            settings,
            tags,
            test_type: field("testType:").trim().to_string(),
            packages: list(field("packagesPresent:")),
        })
    }

    /// A deterministic time course that uses no SBML package.
    pub fn is_core_time_course(&self) -> bool {
        self.test_type == "TimeCourse" && self.packages.is_empty()
    }

    /// A flux balance (FBA) case that uses only the fbc package.
    pub fn is_flux_balance(&self) -> bool {
        self.test_type == "FluxBalanceSteadyState"
            && !self.packages.is_empty()
            && self.packages.iter().all(|p| p.starts_with("fbc"))
    }

    /// A deterministic time course of a hierarchical (`comp`) model and no other package:
    /// her2sim flattens it as it reads it.
    pub fn is_comp_time_course(&self) -> bool {
        self.test_type == "TimeCourse"
            && !self.packages.is_empty()
            && self.packages.iter().all(|p| p == "comp")
    }

    /// A case of the semantic suite her2sim runs: a core or comp time course, or a flux
    /// balance case.
    pub fn is_semantic(&self) -> bool {
        self.is_core_time_course() || self.is_comp_time_course() || self.is_flux_balance()
    }

    /// A stochastic time course (DSMTS) that uses no SBML package.
    pub fn is_core_stochastic(&self) -> bool {
        self.test_type == "StochasticTimeCourse" && self.packages.is_empty()
    }

    /// A statistical test of `distrib` draws (`StatisticalDistribution`): an ensemble whose
    /// per-time mean and standard deviation are tested as the stochastic cases are.
    pub fn is_distrib(&self) -> bool {
        self.test_type == "StatisticalDistribution"
            && self.packages.iter().all(|p| p.starts_with("distrib"))
    }

    /// A case of the stochastic suite her2sim runs: a core stochastic time course or a
    /// `distrib` statistical test.
    pub fn is_stochastic(&self) -> bool {
        self.is_core_stochastic() || self.is_distrib()
    }

    /// Runs `replicates` stochastic trajectories and applies the suite's statistical test at
    /// every time point: Z = √n (mean − μ)/σ within `meanRange` and
    /// Y = √(n/2) (s²/σ² − 1) within `sdRange` (exact agreement where σ = 0).
    pub fn run_stochastic(&self, replicates: usize, seed: u64) -> Outcome {
        self.run_stochastic_with(replicates, seed, Code::Default)
    }

    /// As [`Case::run_stochastic`], evaluating expressions as `code` says.
    pub fn run_stochastic_with(&self, replicates: usize, seed: u64, code: Code) -> Outcome {
        match self.try_run_stochastic(replicates, seed, code) {
            Ok(o) => o,
            Err(e) => Outcome::Fail(e),
        }
    }

    fn try_run_stochastic(
        &self,
        replicates: usize,
        seed: u64,
        code: Code,
    ) -> Result<Outcome, String> {
        let file = self.model_file().ok_or("no SBML file")?;
        let sim = match code.load(&file) {
            Ok(s) => s,
            Err(e) if e.is_unsupported() => return Ok(Outcome::Unsupported(e.to_string())),
            Err(e) => return Ok(Outcome::Fail(format!("load: {e}"))),
        };
        let range = |key: &str| -> Result<(f64, f64), String> {
            let text = self
                .setting(key)?
                .trim_matches(|c| c == '(' || c == ')' || c == ' ');
            let (a, b) = text.split_once(',').ok_or(format!("bad {key}"))?;
            Ok((
                a.trim().parse().map_err(|_| format!("bad {key}"))?,
                b.trim().parse().map_err(|_| format!("bad {key}"))?,
            ))
        };
        let (mean_range, sd_range) = (range("meanRange")?, range("sdRange")?);
        let opts = crate::ssa::SsaOptions {
            start: self.number("start")?,
            duration: self.number("duration")?,
            steps: self
                .setting("steps")?
                .parse()
                .map_err(|_| "settings 'steps' is not an integer")?,
            replicates,
            seed,
            tau_leap: None,
            max_steps: crate::ssa::DEFAULT_SSA_MAX_STEPS,
            initial: crate::ssa::InitialCounts::Error,
        };
        let selection = format!("time,{}", self.setting("output")?);
        let got = match sim.simulate_ssa(&opts, &selection) {
            Ok(t) => t,
            Err(e) if e.is_unsupported() => return Ok(Outcome::Unsupported(e.to_string())),
            Err(e) => return Ok(Outcome::Fail(format!("simulate: {e}"))),
        };
        let (header, rows) = self.expected()?;
        if rows.len() != got.rows.len() {
            return Ok(Outcome::Fail(format!(
                "{} rows expected, {} produced",
                rows.len(),
                got.rows.len()
            )));
        }
        let n = replicates as f64;
        // Every statistic the expected table holds (`X`, or `ln(X)` for log-normal draws): a
        // base with a mean but no sd (Cauchy draws, whose moments do not exist) has no test.
        let bases: Vec<&str> = header
            .iter()
            .filter_map(|h| h.strip_suffix("-mean"))
            .collect();
        for var in bases {
            let col = |name: &str| header.iter().position(|h| h == name);
            let (Some(mi), Some(si)) = (col(&format!("{var}-mean")), col(&format!("{var}-sd")))
            else {
                continue;
            };
            let (Some(gm), Some(gs)) = (
                got.columns.iter().position(|h| *h == format!("{var}-mean")),
                got.columns.iter().position(|h| *h == format!("{var}-sd")),
            ) else {
                return Ok(Outcome::Fail(format!("{var}: mean/sd not produced")));
            };
            for (r, (want, have)) in rows.iter().zip(&got.rows).enumerate() {
                let (mu, sigma) = (want[mi], want[si]);
                let (mean, sd) = (have[gm], have[gs]);
                if sigma == 0.0 {
                    if mean != mu || sd != 0.0 {
                        return Ok(Outcome::Fail(format!(
                            "row {r}: {var} expected exactly {mu} (sd 0), got mean {mean} sd {sd}"
                        )));
                    }
                    continue;
                }
                let z = n.sqrt() * (mean - mu) / sigma;
                let yv = (n / 2.0).sqrt() * (sd * sd / (sigma * sigma) - 1.0);
                if !(mean_range.0..=mean_range.1).contains(&z) {
                    return Ok(Outcome::Fail(format!(
                        "row {r}: {var} mean {mean} vs {mu}: Z = {z:.2} outside {mean_range:?}"
                    )));
                }
                if !(sd_range.0..=sd_range.1).contains(&yv) {
                    return Ok(Outcome::Fail(format!(
                        "row {r}: {var} sd {sd} vs {sigma}: Y = {yv:.2} outside {sd_range:?}"
                    )));
                }
            }
        }
        Ok(Outcome::Pass)
    }

    /// The expected results: header and numeric rows.
    fn expected(&self) -> Result<(Vec<String>, Vec<Vec<f64>>), String> {
        let text = read(&self.dir.join(format!("{}-results.csv", self.id)))?;
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let header = lines
            .next()
            .ok_or("empty results")?
            .split(',')
            .map(|h| h.trim().to_string())
            .collect();
        let rows = lines
            .map(|l| {
                l.split(',')
                    .map(|x| parse_value(x.trim()))
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<_, _>>()?;
        Ok((header, rows))
    }

    /// The newest SBML level/version file the case provides.
    pub fn model_file(&self) -> Option<PathBuf> {
        ["l3v2", "l3v1", "l2v5", "l2v4"]
            .iter()
            .map(|lv| self.dir.join(format!("{}-sbml-{lv}.xml", self.id)))
            .find(|p| p.exists())
    }

    fn setting(&self, key: &str) -> Result<&str, String> {
        self.settings
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| format!("settings has no '{key}'"))
    }

    fn number(&self, key: &str) -> Result<f64, String> {
        self.setting(key)?
            .parse()
            .map_err(|_| format!("settings '{key}' is not a number"))
    }

    /// The selection string: `time` then each variable, concentrations as `[id]`.
    pub fn selection(&self) -> Result<String, String> {
        let list = |k: &str| -> Vec<String> {
            self.settings
                .get(k)
                .map(|s| {
                    s.split(',')
                        .map(|x| x.trim().to_string())
                        .filter(|x| !x.is_empty())
                        .collect()
                })
                .unwrap_or_default()
        };
        let conc = list("concentration");
        let mut sel = vec!["time".to_string()];
        for v in list("variables") {
            sel.push(if conc.contains(&v) {
                format!("[{v}]")
            } else {
                v
            });
        }
        Ok(sel.join(","))
    }

    /// Simulates the case (or, for a flux balance case, solves its LP) and compares with its
    /// expected results.
    pub fn run(&self, timeout: Duration) -> Outcome {
        self.run_with(timeout, Code::Default)
    }

    /// As [`Case::run`], evaluating expressions as `code` says.
    pub fn run_with(&self, timeout: Duration, code: Code) -> Outcome {
        let result = if self.test_type == "FluxBalanceSteadyState" {
            self.try_run_flux_balance()
        } else {
            self.try_run(timeout, code)
        };
        match result {
            Ok(o) => o,
            Err(e) => Outcome::Fail(e),
        }
    }

    fn try_run(&self, timeout: Duration, code: Code) -> Result<Outcome, String> {
        let file = self.model_file().ok_or("no SBML file")?;
        let sim = match code.load(&file) {
            Ok(s) => s,
            Err(e) if e.is_unsupported() => return Ok(Outcome::Unsupported(e.to_string())),
            Err(e) => return Ok(Outcome::Fail(format!("load: {e}"))),
        };
        let steps: usize = self
            .setting("steps")?
            .parse()
            .map_err(|_| "settings 'steps' is not an integer")?;
        let opts = SimOptions {
            start: self.number("start")?,
            duration: self.number("duration")?,
            steps,
            atol: 1e-14,
            rtol: 1e-10,
            timeout: Some(timeout),
            // The default method unless HER2SIM_METHOD names another (to check both).
            method: match std::env::var("HER2SIM_METHOD").as_deref() {
                Ok("rodas4") => her2sim_ode::Method::Rodas4,
                Ok("bdf") => her2sim_ode::Method::Bdf,
                Ok("auto") => her2sim_ode::Method::Auto,
                _ => SimOptions::default().method,
            },
            // Likewise HER2SIM_LINEAR_SOLVER=sparse runs every case through the sparse LU.
            linear_solver: match std::env::var("HER2SIM_LINEAR_SOLVER").as_deref() {
                Ok("sparse") => crate::LinearSolver::Sparse,
                Ok("dense") => crate::LinearSolver::Dense,
                _ => SimOptions::default().linear_solver,
            },
            ..SimOptions::default()
        };
        // Column 0 is time; the variables are model symbols even if one is called `time`.
        let names: Vec<String> = self.selection()?.split(',').map(str::to_string).collect();
        let mut selectors = vec![crate::Selector::Time];
        for n in &names[1..] {
            match crate::select::parse_symbol_selector(sim.compiled(), n) {
                Ok(s) => selectors.push(s),
                Err(e) => return Ok(Outcome::Fail(e.to_string())),
            }
        }
        let got = match sim.simulate_selectors(&opts, &selectors, &names) {
            Ok(t) => t,
            Err(e) if e.is_unsupported() => return Ok(Outcome::Unsupported(e.to_string())),
            Err(e) => return Ok(Outcome::Fail(format!("simulate: {e}"))),
        };
        let abs = self.number("absolute")?;
        let rel = self.number("relative")?;
        let (_, rows) = self.expected()?;
        if rows.len() != got.rows.len() {
            return Ok(Outcome::Fail(format!(
                "{} rows expected, {} produced",
                rows.len(),
                got.rows.len()
            )));
        }
        for (r, (want, have)) in rows.iter().zip(&got.rows).enumerate() {
            for (c, (w, h)) in want.iter().zip(have).enumerate() {
                if !within(*h, *w, abs, rel) {
                    return Ok(Outcome::Fail(format!(
                        "row {r} ({} = {}): {} expected {w}, got {h}",
                        got.columns[0], have[0], got.columns[c]
                    )));
                }
            }
        }
        Ok(Outcome::Pass)
    }
}

impl Case {
    /// A flux balance case: each listed variable is a reaction's flux or the active
    /// objective's value; an infeasible (or unbounded) problem gives NaN for all of them,
    /// which is what the suite expects of an infeasible one.
    fn try_run_flux_balance(&self) -> Result<Outcome, String> {
        use crate::fba::{FbaProblem, FbaStatus};
        let file = self.model_file().ok_or("no SBML file")?;
        let problem = match FbaProblem::from_file(&file) {
            Ok(p) => p,
            Err(e) if e.is_unsupported() => return Ok(Outcome::Unsupported(e.to_string())),
            Err(e) => return Ok(Outcome::Fail(format!("load: {e}"))),
        };
        let result = match problem.solve() {
            Ok(r) => r,
            Err(e) => return Ok(Outcome::Fail(format!("solve: {e}"))),
        };
        let abs = self.number("absolute")?;
        let rel = self.number("relative")?;
        let (header, rows) = self.expected()?;
        let want = rows.first().ok_or("no expected values")?;
        let optimal = result.status == FbaStatus::Optimal;
        for (name, w) in header.iter().zip(want) {
            let got = if *name == result.objective_id {
                result.objective.unwrap_or(f64::NAN)
            } else if result.reactions.iter().any(|r| r.id == *name) {
                result.fluxes.get(name).unwrap_or(f64::NAN)
            } else {
                return Ok(Outcome::Fail(format!(
                    "{name} is neither a reaction nor the active objective '{}'",
                    result.objective_id
                )));
            };
            if !within(got, *w, abs, rel) {
                let status = if optimal {
                    String::new()
                } else {
                    format!(" (the problem is {})", result.status)
                };
                return Ok(Outcome::Fail(format!(
                    "{name} expected {w}, got {got}{status}"
                )));
            }
        }
        Ok(Outcome::Pass)
    }
}

fn parse_value(s: &str) -> Result<f64, String> {
    match s {
        "INF" | "inf" | "Infinity" => Ok(f64::INFINITY),
        "-INF" | "-inf" | "-Infinity" => Ok(f64::NEG_INFINITY),
        "NaN" | "nan" => Ok(f64::NAN),
        _ => s
            .parse()
            .map_err(|_| format!("bad number '{s}' in results")),
    }
}

/// The suite's pass rule, with NaN and infinities compared exactly.
pub fn within(got: f64, want: f64, abs: f64, rel: f64) -> bool {
    if want.is_nan() {
        return got.is_nan();
    }
    if want.is_infinite() {
        return got == want;
    }
    (got - want).abs() <= abs + rel * want.abs()
}

/// All case directories under `root`, sorted.
pub fn case_dirs(root: &Path) -> Result<Vec<PathBuf>, String> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .map_err(|e| format!("{}: {e}", root.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// The core time-course cases under `root` whose id contains `filter` (all when `None`).
pub fn core_cases(root: &Path, filter: Option<&str>) -> Result<Vec<Case>, String> {
    cases_where(root, filter, Case::is_core_time_course)
}

/// The semantic cases her2sim runs (core and comp time courses, fbc flux balance cases) under
/// `root` whose id contains `filter`.
pub fn semantic_cases(root: &Path, filter: Option<&str>) -> Result<Vec<Case>, String> {
    cases_where(root, filter, Case::is_semantic)
}

/// The stochastic cases (core and `distrib`) under `root` whose id contains `filter`.
pub fn stochastic_cases(root: &Path, filter: Option<&str>) -> Result<Vec<Case>, String> {
    cases_where(root, filter, Case::is_stochastic)
}

fn cases_where(
    root: &Path,
    filter: Option<&str>,
    keep: fn(&Case) -> bool,
) -> Result<Vec<Case>, String> {
    Ok(case_dirs(root)?
        .iter()
        .filter_map(|d| Case::load(d).ok())
        .filter(keep)
        .filter(|c| filter.is_none_or(|f| c.id.contains(f)))
        .collect())
}
