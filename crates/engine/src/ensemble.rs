//! Ensembles of replicate runs (stochastic trajectories, or deterministic runs whose
//! `distrib` draws differ): replicates in parallel over seeded streams, reduced to each
//! column's mean and standard deviation per output time.

use rayon::prelude::*;

use crate::select::Selector;
use crate::ssa::Column;
use crate::{EngineError, TimeCourse};

/// Replicates run in parallel per chunk; chunks are reduced in replicate order.
const CHUNK: usize = 256;

/// The selectors the replicates sample (every column but time), in column order.
pub(crate) fn sampled(columns: &[Column]) -> Vec<Selector> {
    columns
        .iter()
        .filter_map(|col| match col {
            Column::Time => None,
            Column::Single(s)
            | Column::Mean(s)
            | Column::Sd(s)
            | Column::MeanLn(s)
            | Column::SdLn(s) => Some(*s),
        })
        .collect()
}

/// Runs `replicates` replicates (`run(rep)` gives its rows of sampled values and a count,
/// e.g. reaction firings) and returns the table of `columns` and the summed counts.
///
/// Welford's running mean and sum of squares per (time, selector) are updated in replicate
/// order chunk by chunk: memory stays bounded and the result is bit-identical whatever the
/// thread count.
pub(crate) fn reduce(
    times: &[f64],
    columns: &[Column],
    names: &[String],
    replicates: usize,
    run: impl Fn(usize) -> Result<(Vec<Vec<f64>>, u64), EngineError> + Sync,
) -> Result<(TimeCourse, u64), EngineError> {
    let width = sampled(columns).len();
    // Per sampled value: whether its statistics are of its natural logarithm.
    let logged: Vec<bool> = columns
        .iter()
        .filter(|c| **c != Column::Time)
        .map(|c| matches!(c, Column::MeanLn(_) | Column::SdLn(_)))
        .collect();
    let mut mean = vec![0.0; times.len() * width];
    let mut m2 = vec![0.0; times.len() * width];
    let mut counted = 0u64;
    let mut done = 0usize;
    while done < replicates {
        let chunk = CHUNK.min(replicates - done);
        let runs: Vec<(Vec<Vec<f64>>, u64)> = (done..done + chunk)
            .into_par_iter()
            .map(&run)
            .collect::<Result<_, _>>()?;
        for (values, count) in runs {
            done += 1;
            counted += count;
            let n = done as f64;
            for (i, row) in values.iter().enumerate() {
                for (k, &x) in row.iter().enumerate() {
                    let x = if logged[k] { x.ln() } else { x };
                    let at = i * width + k;
                    // Equal values leave the statistics alone, so replicates that all read
                    // ln 0 = −∞ report mean −∞ and sd 0, not NaN (∞ − ∞).
                    if done == 1 {
                        mean[at] = x;
                    } else if x != mean[at] {
                        let delta = x - mean[at];
                        mean[at] += delta / n;
                        m2[at] += delta * (x - mean[at]);
                    }
                }
            }
        }
    }
    let n = replicates as f64;
    let mut rows = Vec::with_capacity(times.len());
    for (i, &t) in times.iter().enumerate() {
        let mut row = Vec::with_capacity(columns.len());
        let mut k = 0;
        for col in columns {
            row.push(match col {
                Column::Time => t,
                Column::Single(_) | Column::Mean(_) | Column::MeanLn(_) => {
                    k += 1;
                    mean[i * width + k - 1]
                }
                Column::Sd(_) | Column::SdLn(_) => {
                    k += 1;
                    if replicates < 2 {
                        0.0
                    } else {
                        (m2[i * width + k - 1] / (n - 1.0)).max(0.0).sqrt()
                    }
                }
            });
        }
        rows.push(row);
    }
    Ok((
        TimeCourse {
            columns: names.to_vec(),
            rows,
        },
        counted,
    ))
}
