//! `trial-bench`: wall time of a virtual trial of issue 12's size, 10,000 patients per arm
//! over 5 years (CLEOPATRA: q3w trastuzumab and pertuzumab, docetaxel for six cycles), split
//! into the laboratory response surfaces (built once per trial) and the patients (PK,
//! tumour, RECIST and survival read-outs). `--patients N` (default 10000), `--repeat R`
//! (default 3), `--trial FILE` (default examples/trials/cleopatra.toml); writes
//! bench/results/trial.csv.

use std::path::PathBuf;
use std::time::Instant;

use her2sim_her2::trial::poppk::PopPk;
use her2sim_her2::trial::{KnownDrugs, Prepared, Trial};
use her2sim_her2::Lab;

fn arg<T: std::str::FromStr>(args: &[String], name: &str) -> anyhow::Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    match args.iter().position(|a| a == name) {
        None => Ok(None),
        Some(i) => {
            let v = args
                .get(i + 1)
                .ok_or_else(|| anyhow::anyhow!("{name} needs a value"))?;
            v.parse::<T>()
                .map(Some)
                .map_err(|e| anyhow::anyhow!("{name} {v}: {e}"))
        }
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let file: PathBuf = arg::<String>(&args, "--trial")?
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("examples/trials/cleopatra.toml"));
    let patients: u32 = arg(&args, "--patients")?.unwrap_or(10_000);
    let repeat: usize = arg::<usize>(&args, "--repeat")?.unwrap_or(3).max(1);
    anyhow::ensure!(
        (1..=100_000).contains(&patients),
        "--patients {patients}: 1 to 100000"
    );
    let lab = Lab::builtin()?;
    let pk = PopPk::builtin().map_err(anyhow::Error::msg)?;
    let known = KnownDrugs::from_catalogue(lab.catalogue());
    let mut trial = Trial::read(&file, &known)?;
    trial.patients = patients;
    let mut rows = Vec::new();
    for _ in 0..repeat {
        let start = Instant::now();
        let prepared = Prepared::new(&trial, &lab, &pk)?;
        let surfaces = start.elapsed().as_secs_f64();
        let result = prepared.run(&trial, &prepared.population, &|| {})?;
        let total = start.elapsed().as_secs_f64();
        anyhow::ensure!(
            result
                .arms
                .iter()
                .all(|a| a.patients.len() == patients as usize),
            "a short arm"
        );
        rows.push((total, surfaces));
    }
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (total, surfaces) = rows[rows.len() / 2];
    let arms = trial.arms.len();
    // Neoadjuvant trials have no follow-up in months (they end at surgery).
    let months = trial.months.map_or("-".to_string(), |m| m.to_string());
    let threads = rayon::current_num_threads();
    let per_patient_ms = 1e3 * (total - surfaces) / (patients as f64 * arms as f64);
    println!(
        "{}: {patients} patients x {arms} arms, {} months, median {total:.1} s over {repeat} runs \
         (surfaces {surfaces:.1} s, patients {:.1} s = {per_patient_ms:.2} ms per patient-arm), \
         {threads} threads",
        trial.name,
        months,
        total - surfaces
    );
    let dir = root.join("bench/results");
    std::fs::create_dir_all(&dir)?;
    let tmp = dir.join(".trial.csv.tmp");
    std::fs::write(
        &tmp,
        format!(
            "trial,patients_per_arm,arms,months,threads,median_total_s,surfaces_s,patients_s,ms_per_patient_arm\n\
             {},{patients},{arms},{},{threads},{total},{surfaces},{},{per_patient_ms}\n",
            trial.name,
            months,
            total - surfaces
        ),
    )?;
    std::fs::rename(&tmp, dir.join("trial.csv"))?;
    Ok(())
}
