//! `her2sim combo`: HSA, Bliss, Loewe and ZIP synergy (SynergyFinder's sign and scale: positive =
//! synergy, % points) of a measured dose matrix (`--csv FILE`) or of one simulated in the HER2
//! laboratory (`--cell-line BT474 --treatment trastuzumab --treatment paclitaxel --doses ...
//! --doses ...`).

use std::path::{Path, PathBuf};

use her2sim_analysis::synergy::DoseMatrix;

#[derive(clap::Args)]
pub struct ComboArgs {
    /// CSV with a header and columns `dose1`, `dose2`, `response` (viability, 1 = untreated).
    #[arg(long, conflicts_with_all = ["cell_line", "treatment", "doses"], required_unless_present = "cell_line")]
    csv: Option<PathBuf>,
    #[command(flatten)]
    sim: crate::lab_args::SimulatedDoses,
    /// Print one JSON object (per model: summary score and per-cell scores).
    #[arg(long)]
    json: bool,
}

fn read_matrix(path: &Path) -> anyhow::Result<DoseMatrix> {
    let rows = crate::columns::read_columns(path, &["dose1", "dose2", "response"])?;
    Ok(DoseMatrix {
        points: rows.into_iter().map(|r| (r[0], r[1], r[2])).collect(),
    })
}

pub fn run(args: ComboArgs) -> anyhow::Result<()> {
    let Some(csv) = &args.csv else {
        return simulated(&args);
    };
    let m = read_matrix(csv)?;
    let name = csv.display().to_string();
    print_scores(&m, &name, args.json, serde_json::Map::new())
}

/// The dose matrix simulated in the laboratory (each series plus the untreated edge), scored.
fn simulated(args: &ComboArgs) -> anyhow::Result<()> {
    let s = &args.sim;
    let treatments = s.treatments()?;
    let [a, b] = treatments.as_slice() else {
        anyhow::bail!("--treatment: give exactly two strategies for a combination matrix");
    };
    let series = s.series(2)?;
    let (lab, cond) = s.lab()?;
    let spec = her2sim_her2::study::CombinationSpec {
        condition: cond.clone(),
        strategies: [
            lab.catalogue().strategy(a)?.id.clone(),
            lab.catalogue().strategy(b)?.id.clone(),
        ],
        doses: [series[0].clone(), series[1].clone()],
        readout: s.readout_index()?,
    };
    let study = s.study(Vec::new(), vec![spec]);
    let bar = s.progress(study.run_count(), args.json);
    let results = study.run(&lab, &|| bar.inc(1))?;
    bar.finish_and_clear();
    let Some(c) = results.combinations.first() else {
        anyhow::bail!("no combination result");
    };
    if args.json {
        let out = her2sim_her2::outputs::combination_json(c, s.days).map_err(anyhow::Error::msg)?;
        println!("{out}");
        return Ok(());
    }
    let mut points = Vec::new();
    for (i, da) in c.doses_nm[0].iter().enumerate() {
        for (j, db) in c.doses_nm[1].iter().enumerate() {
            points.push((*da, *db, c.response[i][j]));
        }
    }
    println!(
        "{} | {} x {} | {} after {} days (relative to untreated); rows {} nM, columns {} nM",
        cond.label(),
        c.strategies[0],
        c.strategies[1],
        c.readout,
        s.days,
        c.strategies[0],
        c.strategies[1]
    );
    print!("{:>12}", "");
    for db in &c.doses_nm[1] {
        print!(" {db:>10.3e}");
    }
    println!();
    for (i, da) in c.doses_nm[0].iter().enumerate() {
        print!("{da:>12.3e}");
        for v in &c.response[i] {
            print!(" {v:>10.4}");
        }
        println!();
    }
    print_scores(
        &DoseMatrix { points },
        &cond.label(),
        false,
        serde_json::Map::new(),
    )
}

fn print_scores(
    m: &DoseMatrix,
    name: &str,
    json: bool,
    mut out: serde_json::Map<String, serde_json::Value>,
) -> anyhow::Result<()> {
    let scores = her2sim_her2::study::score_all(m);
    let failures = if json {
        her2sim_her2::outputs::synergy_json(&scores, &mut out)
    } else {
        let mut failures = Vec::new();
        for (name, s) in &scores {
            let key = name.to_lowercase();
            match s {
                Ok(s) => println!("{key:<6} {:>8.3}", s.summary),
                Err(e) => {
                    println!("{key:<6} n/a ({e})");
                    failures.push(format!("{key}: {e}"));
                }
            }
        }
        failures
    };
    if failures.len() == scores.len() {
        anyhow::bail!(
            "{name}: no synergy model could score the matrix: {}",
            failures.join("; ")
        );
    }
    if json {
        println!("{}", serde_json::Value::Object(out));
    }
    Ok(())
}
