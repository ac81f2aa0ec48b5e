//! `her2sim` / `her2sim study` (the default study) and `her2sim run STUDY.toml`: run a study
//! with a progress bar, print the ranked table (or JSON), and write the HTML report and CSVs
//! into a directory (built in a temporary directory, then moved into place; an existing
//! directory is only replaced when it is empty or a previous her2sim report).

use std::path::PathBuf;

use her2sim_her2::study::Study;
use her2sim_her2::{outputs, report};
use her2sim_her2::{Lab, READOUTS};

#[derive(clap::Args, Default)]
pub struct StudyArgs {
    /// Directory for index.html and the CSV files.
    #[arg(long, default_value = "her2sim-report")]
    out: PathBuf,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Print the ranked summary as JSON instead of the table.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct RunArgs {
    /// The study file (TOML; see examples/).
    study: PathBuf,
    #[command(flatten)]
    common: StudyArgs,
}

pub fn run_default(args: StudyArgs) -> anyhow::Result<()> {
    let lab = Lab::builtin()?;
    let study = Study::default_study(&lab)?;
    execute(&lab, &study, &args)
}

pub fn run_file(args: RunArgs) -> anyhow::Result<()> {
    let name = args.study.display().to_string();
    let text = crate::input::read(&args.study)?;
    let lab = Lab::builtin()?;
    let study = Study::from_toml(&text, &name, &lab)?;
    execute(&lab, &study, &args.common)
}

fn execute(lab: &Lab, study: &Study, args: &StudyArgs) -> anyhow::Result<()> {
    let out = if args.out.as_os_str().is_empty() {
        PathBuf::from("her2sim-report")
    } else {
        args.out.clone()
    };
    // Refuse an --out that would destroy a user's files before spending minutes on the run.
    her2sim_files::check_report_dir(&out)?;
    let bar = if args.quiet || args.json {
        indicatif::ProgressBar::hidden()
    } else {
        let b = indicatif::ProgressBar::new(study.run_count() as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{msg} [{bar:40}] {pos}/{len} simulations ({elapsed})",
        ) {
            b.set_style(style.progress_chars("=> "));
        }
        b.set_message(study.name.clone());
        b
    };
    let started = std::time::Instant::now();
    let results = study.run(lab, &|| bar.inc(1))?;
    bar.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64();
    let g = outputs::groups(lab, &results);
    let files = outputs::report_files(lab, &results, &g);
    let files: Vec<(&str, &[u8])> = files.iter().map(|(n, t)| (*n, t.as_bytes())).collect();
    her2sim_files::write_report_dir(&out, &files)?;
    let (high, low) = (&g.her2_high, g.her2_low);
    let rank = report::ranking(&results, high);
    let v = READOUTS
        .iter()
        .position(|(n, _)| *n == "viable_cells")
        .unwrap_or(0);
    if args.json {
        let rows = outputs::ranking_json(&results, &g);
        println!(
            "{}",
            serde_json::json!({"study": results.name, "days": results.days, "report": out.join("index.html"), "ranking": rows})
        );
        return Ok(());
    }
    println!(
        "{}: {} conditions x {} treatments, {} days ({:.1} s). Viable cells relative to untreated:",
        results.name,
        results.conditions.len(),
        results.treatments.len(),
        results.days,
        elapsed
    );
    // Few conditions: one column each; many: the HER2-high mean and the HER2-low reference.
    let columns: Vec<(String, Vec<usize>)> = if results.conditions.len() <= 6 {
        (0..results.conditions.len())
            .map(|c| (results.conditions[c].label(), vec![c]))
            .collect()
    } else {
        let mut cols = vec![(
            "HER2-high".to_string(),
            (0..results.conditions.len()).filter(|&c| high[c]).collect(),
        )];
        if let Some(l) = low {
            cols.push((results.conditions[l].label(), vec![l]));
        }
        cols
    };
    print!("{:>4}  {:<34}", "rank", "treatment");
    for (name, _) in &columns {
        print!(" {:>16}", truncate(name, 16));
    }
    println!();
    for (i, &(t, _)) in rank.iter().enumerate() {
        print!("{:>4}  {:<34}", i + 1, truncate(&results.treatments[t], 34));
        for (_, cs) in &columns {
            let vals: Vec<f64> = cs
                .iter()
                .map(|&c| results.predictions[c][t].relative[v])
                .collect();
            print!(
                " {:>16.3}",
                vals.iter().sum::<f64>() / vals.len().max(1) as f64
            );
        }
        println!();
    }
    println!("report: {}", out.join("index.html").display());
    Ok(())
}

/// At most `n` characters (an ellipsis marks a cut).
fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}
