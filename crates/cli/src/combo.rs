//! `her2sim combo --csv FILE`: HSA, Bliss and Loewe synergy of a measured (or exported) dose
//! matrix of viabilities, SynergyFinder's sign and scale (positive = synergy, % points).

use std::path::{Path, PathBuf};

use her2sim_analysis::synergy::{score, DoseMatrix, Model};

#[derive(clap::Args)]
pub struct ComboArgs {
    /// CSV with a header and columns `dose1`, `dose2`, `response` (viability, 1 = untreated).
    #[arg(long)]
    csv: PathBuf,
    /// Print one JSON object (per model: summary score and per-cell scores).
    #[arg(long)]
    json: bool,
}

fn read_matrix(path: &Path) -> anyhow::Result<DoseMatrix> {
    let name = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines
        .next()
        .ok_or_else(|| anyhow::anyhow!("{name}: the file is empty"))?;
    let cols: Vec<String> = header.split(',').map(|c| c.trim().to_lowercase()).collect();
    let find = |want: &str| {
        cols.iter()
            .position(|c| c == want)
            .ok_or_else(|| anyhow::anyhow!("{name}: no '{want}' column in the header ({header})"))
    };
    let idx = [find("dose1")?, find("dose2")?, find("response")?];
    let mut points = Vec::new();
    for (i, line) in lines {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let mut v = [0.0; 3];
        for (slot, (&k, col)) in v
            .iter_mut()
            .zip(idx.iter().zip(["dose1", "dose2", "response"]))
        {
            let raw = cells.get(k).copied().unwrap_or("");
            if raw.is_empty() {
                anyhow::bail!("{name}: line {}: the '{col}' cell is missing", i + 1);
            }
            *slot = raw.parse().map_err(|_| {
                anyhow::anyhow!("{name}: line {}: '{raw}' in '{col}' is not a number", i + 1)
            })?;
        }
        points.push((v[0], v[1], v[2]));
    }
    Ok(DoseMatrix { points })
}

pub fn run(args: ComboArgs) -> anyhow::Result<()> {
    let m = read_matrix(&args.csv)?;
    let name = args.csv.display();
    let mut out = serde_json::Map::new();
    for (key, model) in [
        ("hsa", Model::Hsa),
        ("bliss", Model::Bliss),
        ("loewe", Model::Loewe),
    ] {
        let s = score(&m, model).map_err(|e| anyhow::anyhow!("{name}: {key}: {e}"))?;
        if args.json {
            out.insert(
                key.into(),
                serde_json::json!({
                    "score": s.summary,
                    "cells": s.cells.iter().map(|c| [c.0, c.1, c.2]).collect::<Vec<_>>(),
                }),
            );
        } else {
            println!("{key:<6} {:>8.3}", s.summary);
        }
    }
    if args.json {
        println!("{}", serde_json::Value::Object(out));
    }
    Ok(())
}
