//! `her2sim suite`: runs the SBML Test Suite's semantic cases (core and comp time courses,
//! fbc flux balance) and prints the pass rate overall and per tag.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use her2sim_engine::testsuite::{semantic_cases, Outcome};

#[derive(clap::Args)]
pub struct SuiteArgs {
    /// The `semantic` folder of the SBML Test Suite.
    #[arg(default_value = "../shared/sbml-test-suite/semantic")]
    dir: PathBuf,
    /// Only cases whose id contains this text.
    #[arg(long)]
    filter: Option<String>,
    /// Print each failing case with its reason.
    #[arg(long)]
    verbose: bool,
    /// Per-case time limit in seconds.
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Print one JSON object (totals, per tag, failures) instead of the table.
    #[arg(long)]
    json: bool,
}

pub fn run(args: SuiteArgs) -> anyhow::Result<()> {
    let cases = semantic_cases(&args.dir, args.filter.as_deref()).map_err(anyhow::Error::msg)?;
    let limit = Duration::from_secs_f64(args.timeout.max(0.1));
    let mut by_tag: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut pass = 0;
    let bar = if args.quiet || args.json {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(cases.len() as u64)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} cases {msg} ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut failures = Vec::new();
    for c in &cases {
        bar.set_message(c.id.clone());
        let o = c.run(limit);
        bar.inc(1);
        match &o {
            Outcome::Pass => {}
            Outcome::Fail(m) | Outcome::Unsupported(m) => failures.push((c.id.clone(), m.clone())),
        }
        let ok = o == Outcome::Pass;
        pass += usize::from(ok);
        for t in &c.tags {
            let e = by_tag.entry(t.clone()).or_default();
            e.0 += usize::from(ok);
            e.1 += 1;
        }
        if args.verbose {
            match &o {
                Outcome::Pass => {}
                Outcome::Fail(m) => bar.println(format!("FAIL {}: {m}", c.id)),
                Outcome::Unsupported(m) => bar.println(format!("UNSUPPORTED {}: {m}", c.id)),
            }
        }
    }
    bar.finish_and_clear();
    if args.json {
        let tags: serde_json::Map<String, serde_json::Value> = by_tag
            .iter()
            .map(|(t, (p, n))| (t.clone(), serde_json::json!({"pass": p, "total": n})))
            .collect();
        let fails: serde_json::Map<String, serde_json::Value> = failures
            .into_iter()
            .map(|(id, m)| (id, serde_json::Value::String(m)))
            .collect();
        let out = serde_json::json!({
            "passed": pass,
            "total": cases.len(),
            "tags": tags,
            "failures": fails,
        });
        println!("{out}");
        return Ok(());
    }
    println!("{:<32} {:>6} {:>6} {:>7}", "tag", "pass", "total", "rate");
    for (tag, (p, n)) in &by_tag {
        println!(
            "{tag:<32} {p:>6} {n:>6} {:>6.1}%",
            100.0 * *p as f64 / *n as f64
        );
    }
    println!("{} passed, {} failed", pass, cases.len() - pass);
    Ok(())
}
