//! The `her2sim` command line: parses arguments, calls the library, prints results.
//! Everything it does is a library call that tests and other front ends can make too.

mod calibration;
mod catalogue;
mod columns;
mod combo;
mod csv;
mod dose;
mod fba;
mod input;
mod lab_args;
mod memory;
mod petab;
mod predict;
mod scan;
mod sedml;
mod serve;
mod study;
mod suite;
mod trial;
mod validate_trials;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use her2sim_engine::{SimOptions, Simulator};

#[global_allocator]
static ALLOCATOR: memory::Budgeted = memory::Budgeted;

#[derive(Parser)]
#[command(
    name = "her2sim",
    version,
    about = "An in-silico laboratory for HER2-overexpressing cancer, built on an exact SBML simulator",
    long_about = "An in-silico laboratory for HER2-overexpressing cancer, built on an exact SBML simulator.\n\nWithout a command it runs the default study (the options below), prints the ranked table and writes her2sim-report/index.html.",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Options of the default study (when no command is given).
    #[command(flatten)]
    study: study::StudyArgs,
    /// Largest input file read (models, study files, tables), in MB.
    #[arg(long, global = true, default_value_t = 256, value_name = "MB")]
    max_input_mb: u64,
    /// Most memory the process may allocate, in GB; past it a run stops with an error
    /// instead of exhausting the machine. 0 = 80 % of physical memory.
    #[arg(long, global = true, default_value_t = 0.0, value_name = "GB")]
    max_memory_gb: f64,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate an SBML model (deterministic time course, or a stochastic ensemble with
    /// --method ssa) and write CSV.
    ///
    /// Output: a header row with the selection names exactly as given, then STEPS+1 rows at
    /// evenly spaced times from START to START+DURATION. Selections follow libRoadRunner:
    /// `S1` is a species amount, `[S1]` its concentration; compartments, parameters, species
    /// references and reactions (their rate) by id; `time` is the time. With --method ssa and
    /// several --replicates, select ensemble statistics `S1-mean`, `S1-sd`, `[S1]-mean`.
    Simulate(SimulateArgs),
    /// Run the SBML Test Suite's semantic cases and print the pass table per tag.
    Suite(suite::SuiteArgs),
    /// Flux balance analysis of an SBML model with the fbc package: maximise or minimise the
    /// active objective subject to steady state (S v = 0) and the flux bounds; prints the
    /// objective and every reaction's flux and bounds.
    Fba(fba::FbaArgs),
    /// Run a SED-ML simulation experiment (L1V2-L1V4) or a COMBINE archive (.omex): writes
    /// each report as <id>.csv and each 2D plot as <id>.svg into DIR.
    Sedml(sedml::SedmlArgs),
    /// The default study (also what `her2sim` alone runs): every cell line x every strategy and
    /// the clinical combinations, resistance modifiers, dose-response and synergy; prints the
    /// ranked table and writes her2sim-report/index.html and CSVs.
    Study(study::StudyArgs),
    /// Run a study file (TOML: cell lines, modifiers, treatments with doses, days,
    /// dose-response series, combination matrices); see examples/.
    Run(study::RunArgs),
    /// Scan parameters or start values over a grid and/or sample them from distributions,
    /// running one time course per point in parallel; writes tidy CSV (one row per run and
    /// output time, or per run with --final).
    Scan(scan::ScanArgs),
    /// Fit a four-parameter Hill curve (IC50, Hill slope, E0, Emax, with 95 % confidence
    /// intervals) to dose-response data from a CSV file, or to a dose series simulated in the
    /// HER2 laboratory (--cell-line --treatment --doses).
    DoseResponse(dose::DoseArgs),
    /// Score drug-combination synergy (HSA, Bliss, Loewe, ZIP) on a dose matrix from a CSV
    /// file, or on one simulated in the HER2 laboratory (--cell-line, two --treatment/--doses).
    Combo(combo::ComboArgs),
    /// One cell line (with resistance modifiers) under one treatment: every read-out relative
    /// to the same condition untreated at the same time (1.0 = no effect).
    Predict(predict::PredictArgs),
    /// List the HER2 targeting strategies: mechanism, default dose and potencies, each number
    /// with its source.
    Strategies(catalogue::StrategiesArgs),
    /// List the HER2 cell-line presets and resistance modifiers, each number with its source.
    CellLines(catalogue::CellLinesArgs),
    /// The PEtab objective (log-likelihood, chi2, log-prior) of a parameter-estimation
    /// problem at its nominal parameters or those of another parameter table.
    PetabLlh(petab::LlhArgs),
    /// Fit a PEtab problem: multi-start, bounded trust-region (or Levenberg-Marquardt) on the
    /// parameter scales;
    /// writes parameters.tsv, starts.csv (the waterfall) and index.html.
    Fit(petab::FitArgs),
    /// Profile likelihoods around a fit's optimum: 95 % intervals and identifiability per
    /// parameter; writes profiles.csv and index.html.
    Profile(petab::ProfileArgs),
    /// Serve the web UI and JSON API: the HER2 laboratory (predict, dose-response,
    /// combinations, the default study) and the SBML simulator, at http://127.0.0.1:8000/.
    Serve(serve::ServeArgs),
    /// Simulate a virtual clinical trial (TRIAL.toml, see docs/trials.md): every arm on the
    /// same virtual patients; prints ORR, CBR, median PFS, PFS at 12 months, hazard ratio vs
    /// the first arm and pCR per arm; -o DIR writes arms.csv, patients.csv and index.html.
    Trial(trial::TrialArgs),
    /// Run every trial file of a directory (default examples/trials) and print predicted vs
    /// published per arm (ORR, median PFS, PFS at 12 months, hazard ratio) with the
    /// calibration/validation mark, ORR within 10 points, HR inside the published CI, ranking.
    ValidateTrials(validate_trials::ValidateTrialsArgs),
    /// The HER2 model's calibration problem (PEtab): `calibration export -o DIR`.
    Calibration(calibration::CalibrationArgs),
}

/// The time-course options shared by `simulate` and `scan`.
#[derive(clap::Args)]
pub struct TimeCourseArgs {
    /// Start time.
    #[arg(long, default_value_t = 0.0)]
    pub start: f64,
    /// Length of the simulated interval (model time units).
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Number of output intervals (the output has steps+1 rows).
    #[arg(long, default_value_t = 100)]
    pub steps: usize,
    /// Comma-separated output columns, e.g. "time,S1,[S2],k1". Default: time and every
    /// species concentration; with `simulate --method ssa`, time and every species amount
    /// (molecule count), as `S-mean` and `S-sd` per species with several replicates.
    #[arg(long)]
    pub select: Option<String>,
    /// Absolute tolerance of the integrator.
    #[arg(long, default_value_t = 1e-12)]
    pub atol: f64,
    /// Relative tolerance of the integrator.
    #[arg(long, default_value_t = 1e-8)]
    pub rtol: f64,
    /// Linear algebra of the BDF method's Newton iteration: `auto` (sparse LU from 20 state
    /// variables on), `dense` or `sparse` (when the model allows: analytic Jacobian, no
    /// algebraic rules or fast reactions).
    #[arg(long, value_enum, default_value_t = LinearSolverArg::Auto)]
    pub linear_solver: LinearSolverArg,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum LinearSolverArg {
    Auto,
    Dense,
    Sparse,
}

impl From<LinearSolverArg> for her2sim_engine::LinearSolver {
    fn from(l: LinearSolverArg) -> Self {
        match l {
            LinearSolverArg::Auto => her2sim_engine::LinearSolver::Auto,
            LinearSolverArg::Dense => her2sim_engine::LinearSolver::Dense,
            LinearSolverArg::Sparse => her2sim_engine::LinearSolver::Sparse,
        }
    }
}

impl TimeCourseArgs {
    /// Engine options with these times and tolerances (other fields default).
    pub fn options(&self) -> SimOptions {
        SimOptions {
            start: self.start,
            duration: self.duration,
            steps: self.steps,
            atol: self.atol,
            rtol: self.rtol,
            linear_solver: self.linear_solver.into(),
            ..SimOptions::default()
        }
    }

    /// The selection given, or time and every species concentration.
    pub fn selection(&self, sim: &Simulator) -> String {
        self.select
            .clone()
            .unwrap_or_else(|| default_selection(sim))
    }
}

#[derive(clap::Args)]
struct SimulateArgs {
    /// The SBML file (Level 2 or 3).
    model: PathBuf,
    #[command(flatten)]
    course: TimeCourseArgs,
    /// Step budget: solver steps between two discontinuities (default 500000), or with
    /// --method ssa the steps of one replicate (reaction firings, events and leaps; default
    /// 100000000); a run that reaches it stops with an error.
    #[arg(long)]
    max_steps: Option<u64>,
    /// Seed for random choices: the replicate streams (same seed, same output at any thread
    /// count), distrib draws, and ties among simultaneous events of equal priority.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Number of replicates: stochastic trajectories with --method ssa, or with bdf/rodas4
    /// runs that differ in the model's SBML distrib draws (random values in initial and event
    /// assignments); select NAME-mean / NAME-sd (the default selection gives both).
    #[arg(long, default_value_t = 1)]
    replicates: usize,
    /// With --method ssa: adaptive tau-leaping instead of the exact direct method.
    #[arg(long)]
    tau_leap: bool,
    /// Tau-leaping error control (largest relative propensity change per leap).
    #[arg(long, default_value_t = 0.03)]
    epsilon: f64,
    /// With --method ssa: what to do with a species whose start amount is not a whole number
    /// of molecules. `error` (default, as COPASI: the model is not changed silently) refuses
    /// and names the species; `round` rounds every start amount to the nearest whole number
    /// (as libRoadRunner's gillespie), `floor` rounds down. Amounts below one molecule
    /// usually mean a model in moles or concentrations, which rounding would start at 0:
    /// scale such a model instead.
    #[arg(long, value_enum, default_value_t = SsaInitialArg::Error, value_name = "HOW")]
    ssa_initial: SsaInitialArg,
    /// Integration method: `ssa` (Gillespie direct method, exact stochastic), `bdf` (variable-order NDF/BDF 1-5, reuses Jacobian and LU; best for
    /// most models), `auto` (explicit 8th-order DOP853 while the model is not stiff, BDF once it
    /// is, like LSODA; fastest on non-stiff models at tight tolerances) or `rodas4` (Rosenbrock
    /// order 4; cheap restarts for event-dense models).
    #[arg(long, value_enum, default_value_t = MethodArg::Auto)]
    method: MethodArg,
    /// Write the CSV here (written to a temporary file, then renamed); default stdout.
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
    /// Change a start value before simulating (repeatable): `k1=0.5`, `S1=10` (amount),
    /// `[S1]=2` (concentration). Everything that depends on it is recomputed.
    #[arg(long = "set", value_name = "ID=VALUE")]
    set: Vec<String>,
    /// Forward sensitivities by these parameters or start values (comma-separated, e.g.
    /// `k1,[S1]`): after the selected columns, one column `dX/dp` per selected X and p
    /// (`d[S2]/dk1` for `[S2]`). Integrated with BDF together with the model.
    #[arg(long, value_name = "P1,P2")]
    sensitivities: Option<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SsaInitialArg {
    Error,
    Round,
    Floor,
}

impl From<SsaInitialArg> for her2sim_engine::ssa::InitialCounts {
    fn from(a: SsaInitialArg) -> Self {
        match a {
            SsaInitialArg::Error => Self::Error,
            SsaInitialArg::Round => Self::Round,
            SsaInitialArg::Floor => Self::Floor,
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum MethodArg {
    Rodas4,
    Bdf,
    Auto,
    Ssa,
}

impl From<MethodArg> for her2sim_engine::Method {
    fn from(m: MethodArg) -> Self {
        match m {
            MethodArg::Rodas4 => her2sim_engine::Method::Rodas4,
            MethodArg::Bdf | MethodArg::Ssa => her2sim_engine::Method::Bdf,
            MethodArg::Auto => her2sim_engine::Method::Auto,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    her2sim_files::install_cleanup_handler();
    input::set_limit_mb(cli.max_input_mb);
    let result = memory::set_limit_gb(cli.max_memory_gb).and_then(|()| match cli.command {
        Some(Command::Simulate(args)) => simulate(args),
        Some(Command::Suite(args)) => suite::run(args),
        Some(Command::Fba(args)) => fba::run(args),
        Some(Command::Sedml(args)) => sedml::run(args),
        Some(Command::Scan(args)) => scan::run(args),
        Some(Command::DoseResponse(args)) => dose::run(args),
        Some(Command::Combo(args)) => combo::run(args),
        Some(Command::Predict(args)) => predict::run(args),
        Some(Command::Strategies(args)) => catalogue::strategies(args),
        Some(Command::PetabLlh(args)) => petab::llh(args),
        Some(Command::Fit(args)) => petab::fit(args),
        Some(Command::Profile(args)) => petab::profile(args),
        Some(Command::CellLines(args)) => catalogue::cell_lines(args),
        Some(Command::Study(args)) => study::run_default(args),
        Some(Command::Run(args)) => study::run_file(args),
        Some(Command::Serve(args)) => serve::run(args),
        Some(Command::Trial(args)) => trial::run(args),
        Some(Command::ValidateTrials(args)) => validate_trials::run(args),
        Some(Command::Calibration(args)) => calibration::run(args),
        None => study::run_default(cli.study),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", message(&e));
            ExitCode::FAILURE
        }
    }
}

/// The one-line message of an error. Every error type of the workspace already writes its
/// source into its own message, so the chain (`{:#}`) would repeat it.
fn message(e: &anyhow::Error) -> String {
    e.to_string()
}

fn simulate(args: SimulateArgs) -> anyhow::Result<()> {
    let path = args.model.display().to_string();
    let sim = input::model(&args.model)?;
    let c = &args.course;
    let selection = match (args.method, &c.select) {
        (MethodArg::Ssa, None) => sim.default_ssa_selection(args.replicates).join(","),
        // Deterministic replicates: every default column's ensemble mean and sd.
        (_, None) if args.replicates > 1 => c
            .selection(&sim)
            .split(',')
            .map(|n| match n {
                "time" => n.to_string(),
                _ => format!("{n}-mean,{n}-sd"),
            })
            .collect::<Vec<_>>()
            .join(","),
        _ => c.selection(&sim),
    };
    let mut overrides = Vec::new();
    for item in &args.set {
        let (id, value) = item
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--set {item:?}: expected ID=VALUE"))?;
        let value: f64 = value
            .trim()
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| anyhow::anyhow!("--set {item:?}: {value:?} is not a finite number"))?;
        let target = sim
            .override_target(id.trim())
            .map_err(|e| anyhow::anyhow!("{path}: --set {item:?}: {e}"))?;
        overrides.push((target, value));
    }
    let opts = SimOptions {
        max_steps: args.max_steps.map_or(SimOptions::default().max_steps, |m| {
            usize::try_from(m).unwrap_or(usize::MAX)
        }),
        seed: args.seed,
        method: args.method.into(),
        overrides,
        ..c.options()
    };
    if c.steps == 0 {
        anyhow::bail!("--steps must be at least 1");
    }
    let table = match args.method {
        MethodArg::Ssa => {
            if args.sensitivities.is_some() {
                anyhow::bail!("--sensitivities needs a deterministic method (bdf)");
            }
            if !args.set.is_empty() {
                anyhow::bail!("--set is not supported with --method ssa yet (edit the model's start values instead)");
            }
            let ssa = her2sim_engine::ssa::SsaOptions {
                start: c.start,
                duration: c.duration,
                steps: c.steps,
                replicates: args.replicates,
                seed: args.seed,
                tau_leap: args.tau_leap.then_some(args.epsilon),
                max_steps: args
                    .max_steps
                    .unwrap_or(her2sim_engine::ssa::DEFAULT_SSA_MAX_STEPS),
                initial: args.ssa_initial.into(),
            };
            sim.simulate_ssa(&ssa, &selection)
        }
        _ => match &args.sensitivities {
            Some(list) => sim.selection_list(&selection).and_then(|sel| {
                let params: Vec<&str> = list.split(',').filter(|p| !p.trim().is_empty()).collect();
                sim.simulate_sensitivities(&opts, &sel, &params)
            }),
            None if args.replicates > 1 => {
                sim.simulate_replicates(&opts, &selection, args.replicates)
            }
            None => sim.simulate_list(&opts, &selection),
        },
    }
    .map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
    match args.output {
        Some(out) => csv::write_atomic(&out, &[&args.model], &table),
        None => {
            let mut stdout = std::io::stdout().lock();
            csv::write(&mut stdout, &table)?;
            Ok(())
        }
    }
}

fn default_selection(sim: &Simulator) -> String {
    sim.default_selection().names.join(",")
}

#[cfg(test)]
mod tests {
    #[test]
    fn nested_errors_are_printed_once() {
        let solver = her2sim_engine::SolverError::StepTooSmall { t: 1.5, h: 1e-300 };
        let lab = her2sim_her2::LabError::Engine(her2sim_engine::EngineError::Solver(solver));
        let text = super::message(&anyhow::Error::from(lab));
        assert_eq!(text.matches("1.5").count(), 1, "{text}");
    }
}
