//! `her2sim combo --csv FILE`: HSA, Bliss, Loewe and ZIP synergy of a measured (or exported) dose
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
    let rows = crate::columns::read_columns(path, &["dose1", "dose2", "response"])?;
    Ok(DoseMatrix {
        points: rows.into_iter().map(|r| (r[0], r[1], r[2])).collect(),
    })
}

pub fn run(args: ComboArgs) -> anyhow::Result<()> {
    let m = read_matrix(&args.csv)?;
    let name = args.csv.display();
    let mut out = serde_json::Map::new();
    for (key, model) in [
        ("hsa", Model::Hsa),
        ("bliss", Model::Bliss),
        ("loewe", Model::Loewe),
        ("zip", Model::Zip),
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
