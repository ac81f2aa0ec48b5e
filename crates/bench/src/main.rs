//! `biomodels-bench`: load and simulate times of her2sim on every model of the curated
//! BioModels corpus, side by side with libRoadRunner (run in the same invocation through
//! `bench/roadrunner_times.py`), plus whether her2sim's output passes the corpus' rule
//! against the libRoadRunner reference. Prints a table and writes `bench/results/biomodels.csv`.
//!
//! With `--profile`, also the solver's work per model (accepted and rejected steps, RHS and
//! Jacobian evaluations, LU factorisations) beside CVODE's step count in libRoadRunner (its
//! `variable_step_size` output has one row per internal step; libRoadRunner's Python API
//! exposes no evaluation counts), written to `bench/results/biomodels_profile.csv`.
//!
//! her2sim runs with the engine's default method (automatic DOP853/BDF) unless `--bdf` or
//! `--rodas4` asks for another. Simulate times on both sides are the best of three runs.
//!
//! ```sh
//! cargo run --release -p her2sim-bench -- [--corpus ../shared/biomodels] [--rtol 1e-10 --atol 1e-12] [--bdf | --rodas4] [--no-roadrunner] [--profile]
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use her2sim_engine::{SimOptions, Simulator, TimeCourse};

struct Args {
    corpus: PathBuf,
    rtol: Option<f64>,
    atol: Option<f64>,
    roadrunner: bool,
    timeout: f64,
    filter: Option<String>,
    rodas4: bool,
    bdf: bool,
    profile: bool,
}

fn parse_args() -> Result<Args> {
    let mut a = Args {
        corpus: PathBuf::from("../shared/biomodels"),
        rtol: None,
        atol: None,
        roadrunner: true,
        timeout: 120.0,
        filter: None,
        rodas4: false,
        bdf: false,
        profile: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().with_context(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--corpus" => a.corpus = PathBuf::from(value("--corpus")?),
            "--rtol" => a.rtol = Some(value("--rtol")?.parse()?),
            "--atol" => a.atol = Some(value("--atol")?.parse()?),
            "--timeout" => a.timeout = value("--timeout")?.parse()?,
            "--filter" => a.filter = Some(value("--filter")?),
            "--no-roadrunner" => a.roadrunner = false,
            "--rodas4" => a.rodas4 = true,
            "--bdf" => a.bdf = true,
            "--profile" => a.profile = true,
            other => anyhow::bail!("unknown argument '{other}'"),
        }
    }
    Ok(a)
}

fn settings(path: &Path) -> Result<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
    Ok(text
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect())
}

fn reference(path: &Path) -> Result<Vec<Vec<f64>>> {
    let text = std::fs::read_to_string(path)?;
    text.lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .map(|x| x.trim().parse::<f64>().map_err(anyhow::Error::from))
                .collect()
        })
        .collect()
}

/// The corpus pass rule: every value within 1e-6 + 1e-4·|reference|.
fn passes(got: &TimeCourse, want: &[Vec<f64>]) -> bool {
    got.rows.len() == want.len()
        && got.rows.iter().zip(want).all(|(g, w)| {
            g.len() == w.len()
                && g.iter()
                    .zip(w)
                    .all(|(x, r)| (x - r).abs() <= 1e-6 + 1e-4 * r.abs())
        })
}

struct Row {
    id: String,
    species: String,
    load: f64,
    simulate: Option<f64>,
    ok: String,
    rr: Option<(f64, f64)>,
    /// her2sim's solver work over the whole interval (with `--profile`).
    stats: Option<her2sim_engine::Stats>,
    /// CVODE's accepted steps in libRoadRunner (with `--profile`).
    rr_steps: Option<u64>,
}

fn main() -> Result<()> {
    let args = parse_args()?;
    let mut ids: Vec<String> = std::fs::read_dir(&args.corpus)
        .with_context(|| args.corpus.display().to_string())?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("settings.txt").exists())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|id| args.filter.as_ref().is_none_or(|f| id.contains(f.as_str())))
        .collect();
    ids.sort();
    let mut rows = Vec::new();
    for id in &ids {
        let dir = args.corpus.join(id);
        let s = settings(&dir.join("settings.txt"))?;
        let num = |k: &str| -> Result<f64> {
            s.get(k)
                .with_context(|| format!("{id}: settings has no {k}"))?
                .parse::<f64>()
                .with_context(|| format!("{id}: {k}"))
        };
        let t0 = Instant::now();
        let sim = Simulator::from_file(&dir.join("model.xml"));
        let load = t0.elapsed().as_secs_f64();
        let opts = SimOptions {
            start: num("start")?,
            duration: num("duration")?,
            steps: num("steps")? as usize,
            rtol: args.rtol.unwrap_or(num("rtol")?),
            atol: args.atol.unwrap_or(num("atol")?),
            timeout: Some(Duration::from_secs_f64(args.timeout)),
            method: if args.rodas4 {
                her2sim_engine::Method::Rodas4
            } else if args.bdf {
                her2sim_engine::Method::Bdf
            } else {
                SimOptions::default().method
            },
            ..SimOptions::default()
        };
        let (simulate, ok) = match &sim {
            Err(e) => (None, format!("load error: {e}")),
            Ok(sim) => {
                let select = s.get("select").map_or("time", String::as_str);
                // Best of three, as `roadrunner_times.py` times libRoadRunner (each run starts
                // from the model's initial state).
                let mut best = f64::INFINITY;
                let mut result = None;
                for _ in 0..3 {
                    let t1 = Instant::now();
                    let run = sim.simulate_list(&opts, select);
                    best = best.min(t1.elapsed().as_secs_f64());
                    let failed = run.is_err();
                    result = Some(run);
                    if failed {
                        break;
                    }
                }
                match result.context("no run")? {
                    Ok(tc) => {
                        let secs = best;
                        let want = reference(&dir.join("reference.csv"))?;
                        (
                            Some(secs),
                            if passes(&tc, &want) {
                                "pass"
                            } else {
                                "differs"
                            }
                            .into(),
                        )
                    }
                    Err(e) => (None, format!("error: {e}")),
                }
            }
        };
        let stats = match (&sim, args.profile) {
            (Ok(sim), true) => solver_work(sim, &opts),
            _ => None,
        };
        eprintln!("{id}: load {load:.3}s simulate {simulate:?} {ok}");
        rows.push(Row {
            id: id.clone(),
            species: s.get("species").cloned().unwrap_or_default(),
            load,
            simulate,
            ok,
            rr: None,
            stats,
            rr_steps: None,
        });
    }
    if args.roadrunner {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/roadrunner_times.py");
        let mut cmd = Command::new("python3");
        cmd.arg(&script).arg(&args.corpus).args(&ids);
        if let Some(r) = args.rtol {
            cmd.args(["--rtol", &r.to_string()]);
        }
        if let Some(a) = args.atol {
            cmd.args(["--atol", &a.to_string()]);
        }
        if args.profile {
            cmd.arg("--steps");
        }
        match cmd.output() {
            Ok(out) if out.status.success() => {
                for line in String::from_utf8_lossy(&out.stdout).lines() {
                    let f: Vec<&str> = line.split(',').collect();
                    if let (Some(id), Some(l), Some(s)) = (f.first(), f.get(1), f.get(2)) {
                        if let (Ok(l), Ok(s)) = (l.parse(), s.parse()) {
                            if let Some(r) = rows.iter_mut().find(|r| r.id == *id) {
                                r.rr = Some((l, s));
                                r.rr_steps = f.get(3).and_then(|n| n.parse().ok());
                            }
                        }
                    }
                }
            }
            Ok(out) => eprintln!(
                "libRoadRunner timing failed (pip install libroadrunner): {}",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            ),
            Err(e) => eprintln!("cannot run python3: {e}"),
        }
    }
    let mut csv = String::from("model,species,her2sim_load_s,her2sim_simulate_s,her2sim_vs_reference,roadrunner_load_s,roadrunner_simulate_s,simulate_ratio\n");
    println!(
        "{:<17} {:>7} {:>10} {:>12} {:>10} {:>12} {:>8}  result",
        "model", "species", "load s", "simulate s", "rr load s", "rr sim s", "ratio"
    );
    let fmt = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.4}"));
    for r in &rows {
        let ratio = match (r.simulate, r.rr) {
            (Some(a), Some((_, b))) if b > 0.0 => Some(a / b),
            _ => None,
        };
        println!(
            "{:<17} {:>7} {:>10.4} {:>12} {:>10} {:>12} {:>8}  {}",
            r.id,
            r.species,
            r.load,
            fmt(r.simulate),
            fmt(r.rr.map(|x| x.0)),
            fmt(r.rr.map(|x| x.1)),
            ratio.map_or("-".into(), |x| format!("{x:.1}")),
            r.ok
        );
        csv.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            r.id,
            r.species,
            r.load,
            fmt(r.simulate),
            r.ok.replace(',', ";"),
            fmt(r.rr.map(|x| x.0)),
            fmt(r.rr.map(|x| x.1)),
            ratio.map_or("-".into(), |x| format!("{x:.2}"))
        ));
    }
    let out_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/results");
    std::fs::create_dir_all(&out_dir)?;
    let tmp = out_dir.join("biomodels.csv.tmp");
    std::fs::write(&tmp, csv)?;
    std::fs::rename(&tmp, out_dir.join("biomodels.csv"))?;
    if args.profile {
        write_profile(&rows, &out_dir)?;
    }
    let pass = rows.iter().filter(|r| r.ok == "pass").count();
    println!("{pass} passed, {} failed", rows.len() - pass);
    Ok(())
}

/// The solver's work for one run over the whole interval (a separate run from the timed one,
/// so that counting does not touch the timing).
fn solver_work(sim: &Simulator, opts: &SimOptions) -> Option<her2sim_engine::Stats> {
    let mut run = sim.start(opts).ok()?;
    run.advance_to(opts.start + opts.duration).ok()?;
    Some(run.solver_stats())
}

/// `bench/results/biomodels_profile.csv`: her2sim's solver work beside CVODE's steps, and
/// the time per accepted step of each.
fn write_profile(rows: &[Row], out_dir: &Path) -> Result<()> {
    let mut csv = String::from(
        "model,species,steps,rejected,rhs_evals,jac_evals,lu_decomps,cvode_steps,step_ratio,her2sim_us_per_step,roadrunner_us_per_step\n",
    );
    println!(
        "\n{:<17} {:>7} {:>7} {:>8} {:>8} {:>6} {:>6} {:>8} {:>6} {:>9} {:>9}",
        "model",
        "species",
        "steps",
        "rejected",
        "rhs",
        "jac",
        "lu",
        "cvode",
        "ratio",
        "us/step",
        "rr us/st"
    );
    let opt = |x: Option<f64>, d: usize| x.map_or("-".to_string(), |v| format!("{v:.d$}"));
    for r in rows {
        let Some(st) = &r.stats else { continue };
        let cvode = r.rr_steps.map(|n| n as f64);
        let ratio = cvode.filter(|&c| c > 0.0).map(|c| st.steps as f64 / c);
        let us = r.simulate.map(|t| 1e6 * t / st.steps.max(1) as f64);
        let rr_us = match (r.rr, cvode) {
            (Some((_, t)), Some(c)) if c > 0.0 => Some(1e6 * t / c),
            _ => None,
        };
        let fields = [
            r.id.clone(),
            r.species.clone(),
            st.steps.to_string(),
            st.rejected.to_string(),
            st.rhs_evals.to_string(),
            st.jac_evals.to_string(),
            st.lu_decomps.to_string(),
            opt(cvode, 0),
            opt(ratio, 3),
            opt(us, 3),
            opt(rr_us, 3),
        ];
        let widths = [17, 7, 7, 8, 8, 6, 6, 8, 6, 9, 9];
        let line: Vec<String> = fields
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (f, w))| {
                if i == 0 {
                    format!("{f:<w$}")
                } else {
                    format!("{f:>w$}")
                }
            })
            .collect();
        println!("{}", line.join(" "));
        csv.push_str(&fields.join(","));
        csv.push('\n');
    }
    let tmp = out_dir.join("biomodels_profile.csv.tmp");
    std::fs::write(&tmp, csv)?;
    std::fs::rename(&tmp, out_dir.join("biomodels_profile.csv"))?;
    Ok(())
}
