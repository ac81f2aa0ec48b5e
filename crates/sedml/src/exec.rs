//! Running a SED-ML document on the engine: loading models (XML changes applied to the
//! SBML text, `changeAttribute` and `computeChange` as start-value overrides), running tasks
//! and repeated tasks for the variables the data generators read, evaluating the data
//! generators.

use std::collections::HashMap;

use her2sim_engine::{Method, Selector, SimOptions, Simulator};

use crate::doc::{Change, ChangeKind, SedDoc, SimDef, SimKind, TaskDef, Variable};
use crate::eval::eval;
use crate::files::Files;
use crate::xmledit::{self, Edit};
use crate::{xpath, SedmlError};

/// Values of one variable or data generator: one curve per task repetition (one for a
/// plain task), each a vector of output points.
pub(crate) type Series = Vec<Vec<f64>>;

/// A model ready to run: compiled once, with its `changeAttribute` overrides.
struct Loaded {
    sim: Simulator,
    overrides: Vec<(Selector, f64)>,
}

/// A start-value override a repeated task sets on one model.
#[derive(Clone)]
struct Extra {
    model: String,
    target: String,
    value: f64,
}

pub(crate) struct Exec<'a> {
    pub doc: &'a SedDoc,
    pub files: &'a Files,
    /// The SED-ML file's location (for errors and relative model sources).
    pub file: &'a str,
    models: HashMap<String, Loaded>,
    /// Stochastic runs so far: each gets its own stream of the simulation's seed, so the
    /// iterations of a repeated task are independent trajectories (and the file reproducible).
    stochastic_runs: u64,
    /// Where each model stands inside a repeated task with resetModel="false": the time and
    /// the state (every entry of the state vector, as the start-value overrides that restore
    /// it) the last run of that model ended at.
    carried: HashMap<String, (f64, Vec<(Selector, f64)>)>,
}

const TIME: &str = "urn:sedml:symbol:time";

/// A stochastic algorithm of a simulation: tau-leaping's epsilon (`None`: exact), and the seed.
struct Stochastic {
    tau_leap: Option<f64>,
    seed: u64,
}

impl<'a> Exec<'a> {
    pub fn new(doc: &'a SedDoc, files: &'a Files, file: &'a str) -> Self {
        Exec {
            doc,
            files,
            file,
            models: HashMap::new(),
            stochastic_runs: 0,
            carried: HashMap::new(),
        }
    }

    fn err(&self, element: String, line: u32, msg: impl Into<String>) -> SedmlError {
        SedmlError::new(self.file, element, msg).at_line(line)
    }

    /// The source file (candidate paths, tried in order) and the changes (outermost last) of
    /// a model, following model ids used as sources.
    fn chain(&self, id: &str) -> Result<(Vec<String>, Vec<&'a Change>), SedmlError> {
        let mut changes = Vec::new();
        let mut cur = id;
        for _ in 0..32 {
            let m = self
                .doc
                .models
                .iter()
                .find(|m| m.id == cur)
                .ok_or_else(|| {
                    SedmlError::new(
                        self.file,
                        format!("model '{cur}'"),
                        "no such model in listOfModels",
                    )
                })?;
            changes.splice(0..0, m.changes.iter());
            let src = m.source.trim();
            let inner = src.strip_prefix('#').unwrap_or(src);
            if self
                .doc
                .models
                .iter()
                .any(|o| o.id == inner && o.id != m.id)
            {
                cur = inner;
                continue;
            }
            if let Some(files) = biomodels_files(src) {
                return Ok((files, changes));
            }
            if src.starts_with("urn:") || src.contains("://") {
                return Err(self.err(
                    format!("model '{}'", m.id),
                    m.line,
                    format!("unsupported model source '{src}': her2sim downloads nothing; give a file path relative to the SED-ML file (or a BioModels URN with the model file next to it)"),
                ));
            }
            return Ok((
                vec![src.strip_prefix("file:").unwrap_or(src).to_string()],
                changes,
            ));
        }
        Err(SedmlError::new(
            self.file,
            format!("model '{id}'"),
            "model sources refer to each other in a cycle",
        ))
    }

    /// Reads the first of `sources` that exists.
    fn read_source(
        &self,
        elem: &str,
        line: u32,
        sources: &[String],
    ) -> Result<(String, String), SedmlError> {
        let mut errors = Vec::new();
        for s in sources {
            match self.files.read(self.file, s) {
                Ok(found) => return Ok(found),
                Err(e) => errors.push(e),
            }
        }
        Err(self.err(elem.to_string(), line, errors.join("; ")))
    }

    fn load(&mut self, id: &str) -> Result<&Loaded, SedmlError> {
        if !self.models.contains_key(id) {
            let line = self
                .doc
                .models
                .iter()
                .find(|m| m.id == id)
                .map_or(0, |m| m.line);
            let (sources, changes) = self.chain(id)?;
            let elem = format!("model '{id}'");
            let (path, mut text) = self.read_source(&elem, line, &sources)?;
            let change_err = |c: &Change, e: String| {
                self.err(format!("{} in model '{id}'", c.element()), c.line, e)
            };
            // XML edits first (they change what is compiled), in document order.
            for c in &changes {
                let edit = match &c.kind {
                    ChangeKind::AddXml(x) => Edit::Add(x),
                    ChangeKind::ChangeXml(x) => Edit::Change(x),
                    ChangeKind::RemoveXml => Edit::Remove,
                    _ => continue,
                };
                text = xmledit::apply(&text, &c.target, edit)
                    .map_err(|e| change_err(c, format!("{path}: {e}")))?;
            }
            let sim = Simulator::from_sbml_text(&text)
                .map_err(|e| self.err(elem.clone(), line, format!("{path}: {e}")))?;
            let mut overrides = Vec::new();
            for c in changes {
                let value = match &c.kind {
                    ChangeKind::Attribute(v) => *v,
                    ChangeKind::Compute { vars, params, math } => {
                        let env = params.iter().map(|(p, v)| (p.as_str(), *v)).collect();
                        compute(&sim, &overrides, vars, env, math).map_err(|e| change_err(c, e))?
                    }
                    _ => continue,
                };
                let sel = xpath::parse(&c.target)
                    .and_then(|t| t.override_name())
                    .and_then(|n| sim.override_target(&n).map_err(|e| e.to_string()))
                    .map_err(|e| change_err(c, e))?;
                overrides.push((sel, value));
            }
            self.models
                .insert(id.to_string(), Loaded { sim, overrides });
        }
        self.models
            .get(id)
            .ok_or_else(|| SedmlError::new(self.file, format!("model '{id}'"), "not loaded"))
    }

    fn task(&self, id: &str) -> Result<&'a TaskDef, SedmlError> {
        self.doc.tasks.iter().find(|t| t.id() == id).ok_or_else(|| {
            SedmlError::new(
                self.file,
                format!("task '{id}'"),
                "no such task in listOfTasks",
            )
        })
    }

    /// Runs task `id` and returns the values of `vars` (one [`Series`] each).
    pub fn run_task(&mut self, id: &str, vars: &[&Variable]) -> Result<Vec<Series>, SedmlError> {
        self.carried.clear();
        self.run_task_with(id, vars, &[], 0, false)
    }

    /// Runs task `id` for `vars`. `keep`: inside a repeated task with resetModel="false", so a
    /// model continues from where its previous run ended (`carried`) instead of its start.
    fn run_task_with(
        &mut self,
        id: &str,
        vars: &[&Variable],
        extra: &[Extra],
        depth: usize,
        keep: bool,
    ) -> Result<Vec<Series>, SedmlError> {
        if depth > 16 {
            return Err(SedmlError::new(
                self.file,
                format!("task '{id}'"),
                "repeated tasks nested more than 16 deep (a cycle?)",
            ));
        }
        match self.task(id)? {
            TaskDef::Task {
                id,
                model,
                simulation,
                line,
            } => {
                let elem = format!("task '{id}'");
                let sim_def = self
                    .doc
                    .simulations
                    .iter()
                    .find(|s| &s.id == simulation)
                    .ok_or_else(|| {
                        self.err(
                            elem.clone(),
                            *line,
                            format!("no simulation '{simulation}' in listOfSimulations"),
                        )
                    })?;
                let opts_base = self.options(sim_def)?;
                let stochastic = self.stochastic(sim_def).map(|st| {
                    self.stochastic_runs += 1;
                    Stochastic {
                        seed: st.seed ^ self.stochastic_runs.wrapping_mul(0x9E37_79B9_7F4A_7C15),
                        ..st
                    }
                });
                // Continuing: the state the model's last run ended at, then this iteration's
                // setValue changes on top.
                let carried = if keep {
                    self.carried.get(model.as_str()).cloned()
                } else {
                    None
                };
                let file = self.file;
                let loaded = self.load(model)?;
                let err = |msg: String| SedmlError::new(file, elem.clone(), msg).at_line(*line);
                let mut selectors = Vec::new();
                for v in vars {
                    selectors.push(variable_selector(&loaded.sim, v).map_err(|e| {
                        SedmlError::new(file, format!("variable '{}'", v.id), e).at_line(v.line)
                    })?);
                }
                let mut opts = opts_base;
                opts.overrides = loaded.overrides.clone();
                if keep && stochastic.is_some() {
                    return Err(err(
                        "unsupported: resetModel=\"false\" with a stochastic algorithm".into(),
                    ));
                }
                if let Some((_, state)) = &carried {
                    opts.overrides.extend(state.iter().cloned());
                }
                let state_targets: Vec<Selector> = if keep {
                    loaded
                        .sim
                        .state_ids()
                        .iter()
                        .filter_map(|id| loaded.sim.override_target(id).ok())
                        .collect()
                } else {
                    Vec::new()
                };
                let mut ended: Option<(f64, Vec<f64>)> = None;
                for e in extra.iter().filter(|e| &e.model == model) {
                    let sel = loaded
                        .sim
                        .override_target(&e.target)
                        .map_err(|x| err(format!("setValue: {x}")))?;
                    opts.overrides.push((sel, e.value));
                }
                let mut columns: Vec<Vec<f64>> = vec![Vec::new(); vars.len()];
                let mut push = |row: Vec<f64>| {
                    for (c, x) in columns.iter_mut().zip(row) {
                        c.push(x);
                    }
                };
                match sim_def.kind {
                    SimKind::UniformTimeCourse {
                        initial,
                        output_start,
                        output_end,
                        steps,
                    } => {
                        if !(initial <= output_start && output_start <= output_end) {
                            return Err(self.err(
                                format!("uniformTimeCourse '{}'", sim_def.id),
                                sim_def.line,
                                "needs initialTime <= outputStartTime <= outputEndTime",
                            ));
                        }
                        if steps == 0 || steps > 10_000_000 {
                            return Err(self.err(
                                format!("uniformTimeCourse '{}'", sim_def.id),
                                sim_def.line,
                                "numberOfPoints must be between 1 and 10^7",
                            ));
                        }
                        opts.start = initial;
                        opts.duration = output_end - initial;
                        let times: Vec<f64> = (0..=steps)
                            .map(|i| {
                                if i == steps {
                                    output_end
                                } else {
                                    output_start
                                        + (output_end - output_start) * i as f64 / steps as f64
                                }
                            })
                            .collect();
                        let rows = match &stochastic {
                            Some(st) => {
                                let ssa = her2sim_engine::ssa::SsaOptions {
                                    start: initial,
                                    duration: output_end - initial,
                                    steps,
                                    replicates: 1,
                                    seed: st.seed,
                                    tau_leap: st.tau_leap,
                                    max_steps: her2sim_engine::ssa::DEFAULT_SSA_MAX_STEPS,
                                    initial: her2sim_engine::ssa::InitialCounts::Error,
                                };
                                // The trajectory starts at initialTime; outputs may begin later.
                                let mut at = vec![initial];
                                at.extend(times.iter().copied().filter(|t| *t > initial));
                                let mut rows = loaded
                                    .sim
                                    .simulate_ssa_at(&ssa, &at, &selectors)
                                    .map_err(|e| err(e.to_string()))?;
                                if times.first().is_some_and(|t| *t > initial) {
                                    rows.remove(0);
                                }
                                rows
                            }
                            None => {
                                let mut run =
                                    loaded.sim.start(&opts).map_err(|e| err(e.to_string()))?;
                                // Every output landed on (not interpolated): at the default
                                // tolerances this keeps tiny values (1e-9 with atol 1e-12)
                                // within 1e-4 of libRoadRunner's.
                                let mut rows = Vec::with_capacity(times.len());
                                for &t in &times {
                                    if t > run.time() {
                                        run.advance_to(t).map_err(|e| err(e.to_string()))?;
                                    }
                                    rows.push(run.sample(&selectors));
                                }
                                if keep {
                                    ended = Some((run.time(), run.sample(&state_targets)));
                                }
                                rows
                            }
                        };
                        for row in rows {
                            push(row);
                        }
                    }
                    SimKind::SteadyState if stochastic.is_some() => {
                        return Err(self.err(
                            format!("steadyState '{}'", sim_def.id),
                            sim_def.line,
                            format!(
                                "unsupported: a steady state with the stochastic algorithm {}",
                                sim_def.kisao
                            ),
                        ));
                    }
                    SimKind::SteadyState => {
                        let mut run = loaded.sim.start(&opts).map_err(|e| err(e.to_string()))?;
                        run.advance_to_steady_state(1e-6, 1e-9, 1e9)
                            .map_err(|e| err(format!("steadyState '{}': {e}", sim_def.id)))?;
                        push(run.sample(&selectors));
                        if keep {
                            ended = Some((run.time(), run.sample(&state_targets)));
                        }
                    }
                    SimKind::OneStep { .. } if stochastic.is_some() => {
                        return Err(self.err(
                            format!("oneStep '{}'", sim_def.id),
                            sim_def.line,
                            "unsupported: oneStep with a stochastic algorithm",
                        ));
                    }
                    SimKind::OneStep { step } => {
                        if !(step.is_finite() && step > 0.0) {
                            return Err(self.err(
                                format!("oneStep '{}'", sim_def.id),
                                sim_def.line,
                                format!("step must be a positive number, got {step}"),
                            ));
                        }
                        // From where the model stands (time 0 when nothing was carried), one
                        // step on; the output is the state after it.
                        let from = carried.as_ref().map_or(0.0, |c| c.0);
                        opts.start = from;
                        opts.duration = step;
                        let mut run = loaded.sim.start(&opts).map_err(|e| err(e.to_string()))?;
                        run.advance_to(from + step)
                            .map_err(|e| err(e.to_string()))?;
                        push(run.sample(&selectors));
                        if keep {
                            ended = Some((run.time(), run.sample(&state_targets)));
                        }
                    }
                }
                if let Some((t, values)) = ended {
                    let state = state_targets.into_iter().zip(values).collect();
                    self.carried.insert(model.clone(), (t, state));
                }
                Ok(columns.into_iter().map(|c| vec![c]).collect())
            }
            TaskDef::Repeated {
                id,
                range,
                reset_model,
                ranges,
                changes,
                subtasks,
                line,
            } => {
                let elem = format!("repeatedTask '{id}'");
                // resetModel="false": every model continues from where its previous run ended,
                // across iterations and subtasks; the first iteration starts from the model's
                // start unless an enclosing repeated task already carries its state.
                let keep_inner = !reset_model;
                if keep_inner && !keep {
                    self.carried.clear();
                }
                let main = ranges.iter().find(|r| &r.id == range).ok_or_else(|| {
                    self.err(
                        elem.clone(),
                        *line,
                        format!("no range '{range}' in listOfRanges"),
                    )
                })?;
                let mut out: Vec<Series> = vec![Vec::new(); vars.len()];
                for i in 0..main.values.len() {
                    let mut env: HashMap<&str, f64> = HashMap::new();
                    for r in ranges {
                        let v = r.values.get(i).ok_or_else(|| {
                            self.err(
                                elem.clone(),
                                *line,
                                format!(
                                    "range '{}' has fewer values than the main range '{range}'",
                                    r.id
                                ),
                            )
                        })?;
                        env.insert(r.id.as_str(), *v);
                    }
                    let mut extra = extra.to_vec();
                    for c in changes {
                        let mut env = env.clone();
                        for (p, v) in &c.params {
                            env.insert(p.as_str(), *v);
                        }
                        if let Some(r) = &c.range {
                            if !env.contains_key(r.as_str()) {
                                return Err(self.err(
                                    format!("setValue in {elem}"),
                                    c.line,
                                    format!("no range '{r}'"),
                                ));
                            }
                        }
                        let value = if c.vars.is_empty() {
                            eval(&c.math, &env)
                        } else {
                            self.model_value(&c.model, &extra, &c.vars, &c.math, env, keep_inner)
                        }
                        .map_err(|e| self.err(format!("setValue in {elem}"), c.line, e))?;
                        let target = xpath::parse(&c.target)
                            .and_then(|t| t.override_name())
                            .map_err(|e| self.err(format!("setValue in {elem}"), c.line, e))?;
                        extra.push(Extra {
                            model: c.model.clone(),
                            target,
                            value,
                        });
                    }
                    for sub in subtasks {
                        let res = self.run_task_with(sub, vars, &extra, depth + 1, keep_inner)?;
                        for (o, r) in out.iter_mut().zip(res) {
                            o.extend(r);
                        }
                    }
                }
                Ok(out)
            }
        }
    }

    /// `math` over `vars`, read from `model` at the start of a run with its changes and the
    /// values a repeated task set on it so far (`extra`), and the bindings in `env`.
    /// `keep`: the model continues from its carried state (resetModel="false"), so its
    /// variables are read there.
    fn model_value(
        &mut self,
        model: &str,
        extra: &[Extra],
        vars: &[Variable],
        math: &her2sim_sbml::Math,
        env: HashMap<&str, f64>,
        keep: bool,
    ) -> Result<f64, String> {
        let carried = if keep {
            self.carried.get(model).map(|c| c.1.clone())
        } else {
            None
        };
        let loaded = self.load(model).map_err(|e| e.to_string())?;
        let mut overrides = loaded.overrides.clone();
        overrides.extend(carried.into_iter().flatten());
        for e in extra.iter().filter(|e| e.model == model) {
            let sel = loaded
                .sim
                .override_target(&e.target)
                .map_err(|x| x.to_string())?;
            overrides.push((sel, e.value));
        }
        compute(&loaded.sim, &overrides, vars, env, math)
    }

    /// The stochastic algorithm of `s`, if it names one: the exact methods (Gillespie's
    /// direct method, KISAO:0000029; Gibson-Bruck's next reaction method, 0000027; the
    /// "Gillespie-like" 0000241; first reaction 0000274; logarithmic direct 0000319) all sample
    /// the same process and run as the direct method; tau-leaping (0000039, 0000040, 0000048)
    /// runs as adaptive tau-leaping with epsilon KISAO:0000228 (default 0.03). The seed is
    /// KISAO:0000488 (default 1).
    fn stochastic(&self, s: &SimDef) -> Option<Stochastic> {
        let param = |n: &str| {
            s.params
                .iter()
                .find(|(k, _)| kisao_number(k) == n)
                .and_then(|(_, v)| crate::doc::parse_f64(v))
        };
        let tau_leap = match kisao_number(&s.kisao).as_str() {
            "29" | "27" | "241" | "274" | "319" => None,
            "39" | "40" | "48" => Some(
                param("228")
                    .filter(|e| *e > 0.0 && *e < 1.0)
                    .unwrap_or(0.03),
            ),
            _ => return None,
        };
        let seed = param("488")
            .filter(|x| x.is_finite() && *x >= 0.0)
            .map_or(1, |x| x as u64);
        Some(Stochastic { tau_leap, seed })
    }

    fn options(&self, s: &SimDef) -> Result<SimOptions, SedmlError> {
        let elem = format!("simulation '{}'", s.id);
        let mut opts = SimOptions {
            method: match kisao_number(&s.kisao).as_str() {
                // CVODE, CVODES, LSODA, LSODAR, VODE, ZVODE, BDF, Adams (run as BDF), "CVODE-like"
                // and the generic "ODE solver": the multistep family.
                "19" | "496" | "88" | "89" | "560" | "535" | "536" | "287" | "280" | "288" | "71" | "94" | "433" | "694" => Method::Bdf,
                // Rosenbrock, RADAU, and explicit Runge-Kutta methods: a one-step stiff solver.
                "32" | "33" | "30" | "261" | "435" | "86" | "87" | "64" | "304" | "436" | "35" => Method::Rodas4,
                // Steady-state root finding (NLEQ, KINSOL, Newton): time integration to steady state.
                "407" | "408" | "409" | "411" | "413" | "568" | "569" | "282" | "437" if matches!(s.kind, SimKind::SteadyState) => Method::Bdf,
                // Stochastic: run by `stochastic` (the method here is unused).
                _ if self.stochastic(s).is_some() => Method::Bdf,
                _ => {
                    return Err(self.err(elem, s.line, format!("unsupported algorithm {} (her2sim knows the ODE solvers KISAO:0000019 CVODE, 0000560 LSODA, 0000032 RK4, 0000086 RK45 ... and for steadyState also 0000407 NLEQ, 0000568/0000569 KINSOL)", s.kisao)))
                }
            },
            ..SimOptions::default()
        };
        for (k, v) in &s.params {
            let x = crate::doc::parse_f64(v);
            match (kisao_number(k).as_str(), x) {
                ("209", Some(x)) if x > 0.0 => opts.rtol = x,
                ("211", Some(x)) if x > 0.0 => opts.atol = x,
                ("415", Some(x)) if x >= 1.0 => opts.max_steps = x as usize,
                _ => {} // other parameters (step sizes, seeds, ...) are ignored
            }
        }
        Ok(opts)
    }
}

/// The number of a KiSAO id without its prefix and leading zeros (`KISAO:0000019` → `19`).
fn kisao_number(id: &str) -> String {
    id.trim()
        .replace(':', "_")
        .trim_start_matches("KISAO_")
        .trim_start_matches('0')
        .to_string()
}

/// The engine selector of a data-generator variable: time, or the value of the species
/// (concentration unless it has only substance units), parameter, compartment or reaction
/// (its rate) the target names.
fn variable_selector(sim: &Simulator, v: &Variable) -> Result<Selector, String> {
    if let Some(sym) = &v.symbol {
        return if sym.trim() == TIME {
            Ok(Selector::Time)
        } else {
            Err(format!("unsupported symbol '{sym}' (her2sim knows {TIME})"))
        };
    }
    let target = v.target.as_deref().unwrap_or("");
    let t = xpath::parse(target)?;
    if t.attribute.is_some() {
        return Err(format!(
            "unsupported target '{target}': a variable names an element, not an attribute"
        ));
    }
    sim.formula_selector(&t.id)
        .map_err(|e| format!("target '{target}': {e}"))
}

/// The value of a `computeChange` or a `setValue` with variables: its math over the bindings
/// in `env` (parameters, ranges) and the values its variables have at the start of a run of
/// `sim` with the changes so far (`overrides`).
fn compute<'v>(
    sim: &Simulator,
    overrides: &[(Selector, f64)],
    vars: &'v [Variable],
    mut env: HashMap<&'v str, f64>,
    math: &her2sim_sbml::Math,
) -> Result<f64, String> {
    if !vars.is_empty() {
        let selectors = vars
            .iter()
            .map(|v| variable_selector(sim, v).map_err(|e| format!("variable '{}': {e}", v.id)))
            .collect::<Result<Vec<_>, _>>()?;
        let opts = SimOptions {
            overrides: overrides.to_vec(),
            ..SimOptions::default()
        };
        let mut run = sim.start(&opts).map_err(|e| e.to_string())?;
        for (v, x) in vars.iter().zip(run.sample(&selectors)) {
            env.insert(v.id.as_str(), x);
        }
    }
    eval(math, &env)
}

/// The files a BioModels source (`urn:miriam:biomodels.db:BIOMD...`, or its identifiers.org
/// URL) stands for, next to the SED-ML file or in the archive: `<id>.xml`, then
/// `<id>_url.xml` (BioModels' name for a curated model's SBML file). her2sim downloads
/// nothing.
fn biomodels_files(src: &str) -> Option<Vec<String>> {
    let id = [
        "urn:miriam:biomodels.db:",
        "urn:miriam:biomodels:",
        "https://identifiers.org/biomodels.db/",
        "http://identifiers.org/biomodels.db/",
        "https://identifiers.org/biomodels.db:",
        "http://identifiers.org/biomodels.db:",
    ]
    .iter()
    .find_map(|p| src.strip_prefix(p))?;
    let ok = !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    ok.then(|| vec![format!("{id}.xml"), format!("{id}_url.xml")])
}
