//! `her2sim` / `her2sim study` (the default study) and `her2sim run STUDY.toml`: run a study
//! with a progress bar, print the ranked table (or JSON), and write the HTML report and CSVs
//! into a directory (built in a temporary directory, then moved into place; an existing
//! directory is only replaced when it is empty or a previous her2sim report).

use std::path::{Path, PathBuf};

use her2sim_her2::report;
use her2sim_her2::study::{Study, StudyResults};
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
    let (high, low) = groups(lab, &results);
    write_outputs(lab, &results, &high, low, &out)?;
    let rank = report::ranking(&results, &high);
    let v = READOUTS
        .iter()
        .position(|(n, _)| *n == "viable_cells")
        .unwrap_or(0);
    if args.json {
        let rows: Vec<serde_json::Value> = rank
            .iter()
            .map(|&(t, viable)| {
                serde_json::json!({
                    "treatment": results.treatments[t],
                    "viable_cells_her2_high": crate::predict::number(viable),
                    "viable_cells_her2_low": low.map(|l| crate::predict::number(results.predictions[l][t].relative[v])),
                })
            })
            .collect();
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

/// HER2-amplified conditions (no modifiers, >= 2e5 HER2 per cell) and the HER2-low reference
/// (the unmodified condition with the fewest HER2).
fn groups(lab: &Lab, r: &StudyResults) -> (Vec<bool>, Option<usize>) {
    let her2 = |c: usize| {
        lab.catalogue()
            .cell_line(&r.conditions[c].cell_line)
            .ok()
            .and_then(her2sim_her2::panel::gene_copies)
            .map_or(f64::NAN, |(per_cell, _)| per_cell)
    };
    let plain: Vec<usize> = (0..r.conditions.len())
        .filter(|&c| r.conditions[c].modifiers.is_empty())
        .collect();
    let mut high: Vec<bool> = (0..r.conditions.len())
        .map(|c| r.conditions[c].modifiers.is_empty() && her2(c) >= 2e5)
        .collect();
    if !high.iter().any(|h| *h) {
        // A study without HER2-high lines ranks over all its conditions.
        high = vec![true; r.conditions.len()];
    }
    let low = plain
        .iter()
        .copied()
        .filter(|&c| her2(c) < 2e5)
        .min_by(|&a, &b| her2(a).total_cmp(&her2(b)));
    (high, low)
}

fn write_outputs(
    lab: &Lab,
    r: &StudyResults,
    high: &[bool],
    low: Option<usize>,
    out: &Path,
) -> anyhow::Result<()> {
    let about = about_model(lab);
    let html = report::build(r, high, low, &about).to_html();
    let files = [
        ("index.html", html),
        ("predictions.csv", report::predictions_csv(r)),
        ("time_courses.csv", report::time_courses_csv(r)),
        ("dose_response.csv", report::dose_response_csv(r)),
        ("synergy.csv", report::synergy_csv(r)),
    ];
    let files: Vec<(&str, &[u8])> = files.iter().map(|(n, t)| (*n, t.as_bytes())).collect();
    her2sim_files::write_report_dir(out, &files)?;
    Ok(())
}

fn about_model(lab: &Lab) -> String {
    use her2sim_engine::DeterminedBy;
    let sim = lab.simulator();
    let species = sim.species().len();
    let (params, computed) =
        sim.parameters()
            .iter()
            .filter(|p| !p.local)
            .fold((0, 0), |(k, r), p| match p.determined_by {
                DeterminedBy::Constant => (k + 1, r),
                _ => (k, r + 1),
            });
    format!(
        "The built-in HER2 network model (models/her2/her2_network.xml, SBML Level 3; {species} species, {} reactions, {params} parameters and {computed} read-outs computed by rules): \
         HER2 gene copies, transcription and translation; HSP90 chaperoning; EGF and heregulin binding; EGFR/HER2/HER3 homo- and heterodimers with \
         phosphorylation, internalisation, recycling and degradation; p95HER2; PI3K -> PIP3 (PTEN) -> AKT -> mTORC1/S6K and SOS -> RAS -> RAF -> MEK -> ERK \
         with the AKT -| FOXO -> HER3, ERK -| SOS and S6K -| PI3K feedbacks; proliferation, apoptosis (AKT survival against drug damage), migration and \
         cell number. Every parameter's source or the reason it was assumed is in docs/her2_model.md; drug potencies, doses and cell-line receptor numbers \
         come from the sourced catalogue (models/her2/strategies.toml, cell_lines.toml) and reach the model through models/her2/actions.toml. \
         Cell lines differ by HER2 gene dose (from HER2 per cell) and, for oestrogen-receptor-driven HER2-low lines, a HER2-independent growth drive. \
         Each condition starts from its untreated steady state; drugs are held at constant concentration (in vitro).",
        sim.reactions().len()
    )
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
