//! `study-bench`: wall time of her2sim's default study (every cell line x every strategy and
//! clinical combination, resistance modifiers, dose-response series and synergy matrices),
//! the job `her2sim` runs with no arguments. Runs it `--repeat N` times (default 5) in fresh
//! laboratories (no cached steady states) and writes bench/results/study.csv.

use std::time::Instant;

use her2sim_her2::study::Study;
use her2sim_her2::Lab;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let repeat = args
        .iter()
        .position(|a| a == "--repeat")
        .and_then(|i| args.get(i + 1))
        .map(|s| s.parse::<usize>())
        .transpose()?
        .unwrap_or(5)
        .max(1);
    let mut times = Vec::new();
    let mut runs = 0;
    for _ in 0..repeat {
        let start = Instant::now();
        let lab = Lab::builtin()?;
        let study = Study::default_study(&lab)?;
        runs = study.run_count();
        let results = study.run(&lab, &|| {})?;
        times.push(start.elapsed().as_secs_f64());
        anyhow::ensure!(!results.predictions.is_empty(), "empty study");
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let threads = rayon::current_num_threads();
    println!(
        "default study: {runs} simulations (+ one steady state per condition), median {median:.2} s over {repeat} runs \
         (min {:.2} s, max {:.2} s), {threads} threads, {:.0} simulations/s",
        times[0],
        times[times.len() - 1],
        runs as f64 / median
    );
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/results");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("study.csv");
    let tmp = dir.join(".study.csv.tmp");
    std::fs::write(
        &tmp,
        format!(
            "simulations,threads,median_s,min_s,max_s\n{runs},{threads},{median},{},{}\n",
            times[0],
            times[times.len() - 1]
        ),
    )?;
    std::fs::rename(&tmp, &path)?;
    Ok(())
}
