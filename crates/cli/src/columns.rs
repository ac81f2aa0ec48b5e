//! Reads named numeric columns from a CSV file with a header, for the commands that analyse
//! user data; every error names the file, line and column.

use std::path::Path;

/// The values of `wanted` columns (matched case-insensitively), one row per data line.
pub fn read_columns(path: &Path, wanted: &[&str]) -> anyhow::Result<Vec<Vec<f64>>> {
    let name = path.display();
    let text = crate::input::read(path)?;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines
        .next()
        .ok_or_else(|| anyhow::anyhow!("{name}: the file is empty"))?;
    let cols: Vec<String> = header.split(',').map(|c| c.trim().to_lowercase()).collect();
    let idx = wanted
        .iter()
        .map(|w| {
            cols.iter()
                .position(|c| c == w)
                .ok_or_else(|| anyhow::anyhow!("{name}: no '{w}' column in the header ({header})"))
        })
        .collect::<anyhow::Result<Vec<usize>>>()?;
    let mut rows = Vec::new();
    for (i, line) in lines {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let row = idx
            .iter()
            .zip(wanted)
            .map(|(&k, col)| {
                let raw = cells.get(k).copied().unwrap_or("");
                if raw.is_empty() {
                    anyhow::bail!("{name}: line {}: the '{col}' cell is missing", i + 1);
                }
                raw.parse::<f64>().map_err(|_| {
                    anyhow::anyhow!("{name}: line {}: '{raw}' in '{col}' is not a number", i + 1)
                })
            })
            .collect::<anyhow::Result<Vec<f64>>>()?;
        rows.push(row);
    }
    Ok(rows)
}
