//! `her2sim petab-llh`: the PEtab objective of a problem at its nominal parameters (or those of
//! another parameter table). The `--json` object is a stable contract.

use std::path::PathBuf;

use her2sim_petab::Problem;

#[derive(clap::Args)]
pub struct LlhArgs {
    /// The PEtab problem file (YAML, format version 1).
    problem: PathBuf,
    /// A parameter table whose nominalValues replace the problem's (e.g. a fit's result).
    #[arg(long)]
    parameters: Option<PathBuf>,
    /// Print {"llh", "chi2", "log_prior", "n_measurements"} as JSON.
    #[arg(long)]
    json: bool,
}

pub fn llh(args: LlhArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let problem = Problem::read(&args.problem)?;
    let values = match &args.parameters {
        Some(table) => problem.parameters_from_table(table)?,
        None => problem.nominal_parameters(),
    };
    let o = problem.objective(&values)?;
    let number = her2sim_her2::outputs::json_number;
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "llh": number(o.llh),
                "chi2": number(o.chi2),
                "log_prior": number(o.log_prior),
                "n_measurements": o.n_measurements,
            })
        );
    } else {
        println!(
            "{}: llh {:.6}, chi2 {:.6}, log-prior {:.6}, {} measurements ({:.2} s)",
            args.problem.display(),
            o.llh,
            o.chi2,
            o.log_prior,
            o.n_measurements,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

#[derive(clap::Args)]
pub struct FitArgs {
    /// The PEtab problem file (YAML, format version 1).
    problem: PathBuf,
    /// Number of starts (Latin hypercube within the bounds, on the parameter scales).
    #[arg(long, default_value_t = 20)]
    starts: usize,
    /// Seed of the starts.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Optimiser iterations per start.
    #[arg(long, default_value_t = 200)]
    max_iterations: usize,
    /// Optimiser: trust-region (reflective, Gauss-Newton Hessian, as fides) or lm
    /// (projected Levenberg-Marquardt).
    #[arg(long, default_value = "trust-region")]
    optimizer: her2sim_petab::Optimizer,
    /// Make the first start the parameter table's nominal values (e.g. literature values or a
    /// previous fit) instead of a random point.
    #[arg(long)]
    from_nominal: bool,
    /// Directory for parameters.tsv, starts.csv and index.html.
    #[arg(short = 'o', long = "out", default_value = "her2sim-fit")]
    out: PathBuf,
    /// Print {"best_llh", "best_log_posterior", "parameters", "starts", "converged", "seconds"}.
    #[arg(long)]
    json: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

pub fn fit(args: FitArgs) -> anyhow::Result<()> {
    use her2sim_petab::MAX_STARTS;
    if args.starts == 0 || args.starts > MAX_STARTS {
        anyhow::bail!("--starts must be 1..={MAX_STARTS}, got {}", args.starts);
    }
    her2sim_files::check_report_dir(&args.out)?;
    let started = std::time::Instant::now();
    let problem = Problem::read(&args.problem)?;
    let bar = if args.quiet || args.json {
        indicatif::ProgressBar::hidden()
    } else {
        let b = indicatif::ProgressBar::new(args.starts as u64);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("fit [{bar:40}] {pos}/{len} starts ({elapsed})")
        {
            b.set_style(style.progress_chars("=> "));
        }
        b
    };
    let opts = her2sim_petab::FitOptions {
        starts: args.starts,
        seed: args.seed,
        max_iterations: args.max_iterations,
        optimizer: args.optimizer,
        from_nominal: args.from_nominal,
    };
    let result = problem.fit(&opts, &|| bar.inc(1))?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let Some(best) = result.best() else {
        let why = result
            .starts
            .first()
            .and_then(|s| s.error.clone())
            .unwrap_or_default();
        anyhow::bail!("{}: no start finished ({why})", args.problem.display());
    };
    let files = her2sim_petab::report::fit_files(&problem, &result, seconds)?;
    let files: Vec<(&str, &[u8])> = files.iter().map(|(n, t)| (*n, t.as_bytes())).collect();
    her2sim_files::write_report_dir(&args.out, &files)?;
    let converged = result.starts.iter().filter(|s| s.converged).count();
    if args.json {
        if let Some(summary) = result.summary(&problem, seconds) {
            println!("{}", serde_json::to_string(&summary)?);
        }
    } else {
        println!(
            "{}: best llh {:.6} (log-posterior {:.6}); {converged}/{} starts converged in {seconds:.1} s; report: {}",
            args.problem.display(),
            best.llh,
            -best.objective,
            result.starts.len(),
            args.out.join("index.html").display()
        );
    }
    Ok(())
}

#[derive(clap::Args)]
pub struct ProfileArgs {
    /// The PEtab problem file.
    problem: PathBuf,
    /// The directory of a fit (`her2sim fit -o DIR`): its parameters.tsv is the optimum.
    #[arg(long)]
    fit: PathBuf,
    /// Comma-separated parameter ids (default: every estimated parameter).
    #[arg(long, value_delimiter = ',')]
    parameters: Vec<String>,
    /// Steps per side of each profile.
    #[arg(long, default_value_t = 20)]
    steps: usize,
    /// Optimiser re-fitting the other parameters at each profile point (trust-region or lm).
    #[arg(long, default_value = "trust-region")]
    optimizer: her2sim_petab::Optimizer,
    /// Directory for profiles.csv and index.html.
    #[arg(short = 'o', long = "out", default_value = "her2sim-profiles")]
    out: PathBuf,
    /// Print {"profiles": [{"parameter", "optimum", "lower", "upper", "identifiability"}]}.
    #[arg(long)]
    json: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

pub fn profile(args: ProfileArgs) -> anyhow::Result<()> {
    if args.steps == 0 || args.steps > 10_000 {
        anyhow::bail!("--steps must be 1..=10000, got {}", args.steps);
    }
    her2sim_files::check_report_dir(&args.out)?;
    let problem = Problem::read(&args.problem)?;
    let best = problem.parameters_from_table(&args.fit.join("parameters.tsv"))?;
    let count = if args.parameters.is_empty() {
        problem.parameters.iter().filter(|p| p.estimate).count()
    } else {
        args.parameters.len()
    };
    let bar = if args.quiet || args.json {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(count as u64)
    };
    let opts = her2sim_petab::ProfileOptions {
        steps: args.steps,
        optimizer: args.optimizer,
        ..Default::default()
    };
    let profiles = problem.profiles(&best, &args.parameters, &opts, &|| bar.inc(1))?;
    bar.finish_and_clear();
    for p in profiles.iter().filter(|p| p.below_optimum() > 0.05) {
        eprintln!(
            "warning: the profile of {} reaches {:.2} below the fit's negative log-posterior: the fit is not at the optimum, so its intervals are too wide (re-fit, or read them with `her2sim calibration report`, which measures from the lowest point)",
            p.id,
            p.below_optimum()
        );
    }
    use her2sim_petab::report;
    let files = [
        ("profiles.csv", report::profiles_csv(&profiles)),
        ("index.html", report::profiles_html(&problem, &profiles)),
    ];
    let files: Vec<(&str, &[u8])> = files.iter().map(|(n, t)| (*n, t.as_bytes())).collect();
    her2sim_files::write_report_dir(&args.out, &files)?;
    let number = her2sim_her2::outputs::json_number;
    if args.json {
        let rows: Vec<serde_json::Value> = profiles
            .iter()
            .map(|p| {
                serde_json::json!({
                    "parameter": p.id,
                    "optimum": number(p.scale.to_lin(p.optimum)),
                    "lower": p.lower.map(number),
                    "upper": p.upper.map(number),
                    "identifiability": format!("{:?}", p.verdict).to_lowercase(),
                })
            })
            .collect();
        println!("{}", serde_json::json!({ "profiles": rows }));
    } else {
        for p in &profiles {
            let f = |x: Option<f64>| x.map_or("unbounded".into(), |v| format!("{v:.4e}"));
            println!(
                "{:<30} 95% CI [{}, {}]  {:?}",
                p.id,
                f(p.lower),
                f(p.upper),
                p.verdict
            );
        }
        println!("report: {}", args.out.join("index.html").display());
    }
    Ok(())
}
