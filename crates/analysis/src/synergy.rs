//! Drug-combination synergy on a dose matrix: HSA, Bliss independence and Loewe additivity.
//!
//! Responses are viabilities (fraction of untreated; 1 = no effect). For each combination
//! cell the reference (expected) viability comes from the single agents, and the synergy is
//! `100 · (reference − observed)`: positive means the pair kills more than expected
//! (synergy), negative less (antagonism), in percentage points of viability — the sign and
//! scale of SynergyFinder's δ-scores. The summary score is the mean over all combination
//! cells (both doses positive).
//!
//! - HSA: reference = the lower (stronger) single-agent viability.
//! - Bliss: reference = product of the single-agent viabilities.
//! - Loewe: reference = the viability E solving d1/D1(E) + d2/D2(E) = 1, with D1, D2 the
//!   inverse Hill curves fitted to each drug alone; where E lies beyond what one drug alone
//!   can reach, the reference falls back to HSA (as SynergyFinder and `synergy`'s
//!   `delta_hsa` mode do).
//! - ZIP (Yadav et al. 2015): each row (drug 2 fixed) and column (drug 1 fixed) of the matrix
//!   is fitted with a Hill curve that starts from the other drug's single-agent effect; the
//!   score is the Bliss reference of the single-agent Hill fits (sharing their mean E0) minus
//!   the mean of the two fitted curves at the cell — as the `synergy` package computes it.

use crate::hill::{self, HillFit};

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum SynergyError {
    #[error(
        "no single-agent data for drug {drug} at dose {dose} and no neighbours to interpolate from"
    )]
    NoMonotherapy { drug: usize, dose: f64 },
    #[error("the matrix has no combination cell (both doses positive)")]
    NoCombinations,
    #[error("point {0}: doses and response must be finite, doses non-negative")]
    BadPoint(usize),
    #[error("a Hill fit for drug {0} failed: {1}")]
    Fit(usize, hill::FitError),
}

/// Measured (or simulated) points `(dose1, dose2, viability)`.
#[derive(Debug, Clone, PartialEq)]
pub struct DoseMatrix {
    pub points: Vec<(f64, f64, f64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    Hsa,
    Bliss,
    Loewe,
    Zip,
}

/// Scores of one model: per combination cell `(d1, d2, synergy)` and their mean.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    pub model: Model,
    pub cells: Vec<(f64, f64, f64)>,
    pub summary: f64,
}

impl DoseMatrix {
    fn check(&self) -> Result<(), SynergyError> {
        for (i, &(a, b, e)) in self.points.iter().enumerate() {
            if !(a.is_finite() && b.is_finite() && e.is_finite()) || a < 0.0 || b < 0.0 {
                return Err(SynergyError::BadPoint(i));
            }
        }
        Ok(())
    }

    /// Single-agent data of `drug` (0 or 1): mean response per dose, sorted by dose.
    fn alone(&self, drug: usize) -> Vec<(f64, f64)> {
        let mut by_dose: Vec<(f64, f64, usize)> = Vec::new();
        for &(a, b, e) in &self.points {
            let (mine, other) = if drug == 0 { (a, b) } else { (b, a) };
            if other != 0.0 {
                continue;
            }
            match by_dose.iter_mut().find(|(d, _, _)| *d == mine) {
                Some(entry) => {
                    entry.1 += e;
                    entry.2 += 1;
                }
                None => by_dose.push((mine, e, 1)),
            }
        }
        let mut out: Vec<(f64, f64)> = by_dose
            .into_iter()
            .map(|(d, sum, n)| (d, sum / n as f64))
            .collect();
        out.sort_by(|x, y| x.0.total_cmp(&y.0));
        out
    }

    /// Single-agent viability at `dose`: the measured mean, else log-linear interpolation.
    fn single(&self, alone: &[(f64, f64)], drug: usize, dose: f64) -> Result<f64, SynergyError> {
        if let Some((_, e)) = alone.iter().find(|(d, _)| *d == dose) {
            return Ok(*e);
        }
        let missing = SynergyError::NoMonotherapy {
            drug: drug + 1,
            dose,
        };
        let above = alone
            .iter()
            .position(|(d, _)| *d > dose)
            .ok_or(missing.clone())?;
        if above == 0 {
            return Err(missing);
        }
        let (d0, e0) = alone[above - 1];
        let (d1, e1) = alone[above];
        let f = if d0 > 0.0 {
            (dose.ln() - d0.ln()) / (d1.ln() - d0.ln())
        } else {
            dose / d1
        };
        Ok(e0 + f * (e1 - e0))
    }
}

/// The dose of a drug alone that gives viability `e` (inverse Hill), if it can.
fn inverse(fit: &HillFit, e: f64) -> Option<f64> {
    // e = e0 + (emax - e0) f, f = x^h / (ic50^h + x^h)
    let f = (e - fit.e0) / (fit.emax - fit.e0);
    (f > 0.0 && f < 1.0).then(|| fit.ic50 * (f / (1.0 - f)).powf(1.0 / fit.hill))
}

/// Loewe's expected viability at (d1, d2): the root of d1/D1(E) + d2/D2(E) = 1 between the
/// two drugs' reachable ranges (bisection; the left side is monotone in E).
fn loewe_reference(f1: &HillFit, f2: &HillFit, d1: f64, d2: f64) -> Option<f64> {
    let lo = f1.emax.max(f2.emax).min(f1.e0.min(f2.e0));
    let hi = f1.e0.min(f2.e0);
    let (lo, hi) = (lo.min(hi), lo.max(hi));
    let ci = |e: f64| -> Option<f64> { Some(d1 / inverse(f1, e)? + d2 / inverse(f2, e)? - 1.0) };
    let eps = 1e-12 * (hi - lo).abs().max(1e-12);
    let (mut a, mut b) = (lo + eps, hi - eps);
    let (ca, cb) = (ci(a)?, ci(b)?);
    if ca.signum() == cb.signum() {
        return None;
    }
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        let cm = ci(m)?;
        if cm.signum() == ca.signum() {
            a = m;
        } else {
            b = m;
        }
    }
    Some(0.5 * (a + b))
}

/// Scores the matrix with one model.
pub fn score(m: &DoseMatrix, model: Model) -> Result<Scores, SynergyError> {
    m.check()?;
    let (a1, a2) = (m.alone(0), m.alone(1));
    if model == Model::Zip {
        return zip(m, &a1, &a2);
    }
    let fits = if model == Model::Loewe {
        let fit = |drug: usize, alone: &[(f64, f64)]| {
            let (d, e): (Vec<f64>, Vec<f64>) = alone.iter().copied().unzip();
            hill::fit(&d, &e).map_err(|err| SynergyError::Fit(drug + 1, err))
        };
        Some((fit(0, &a1)?, fit(1, &a2)?))
    } else {
        None
    };
    let mut cells = Vec::new();
    for &(d1, d2, e) in m.points.iter().filter(|p| p.0 > 0.0 && p.1 > 0.0) {
        let (e1, e2) = (m.single(&a1, 0, d1)?, m.single(&a2, 1, d2)?);
        let hsa = e1.min(e2);
        let reference = match (model, &fits) {
            (Model::Hsa, _) => hsa,
            (Model::Bliss, _) => e1 * e2,
            (Model::Loewe, Some((f1, f2))) => loewe_reference(f1, f2, d1, d2).unwrap_or(hsa),
            (Model::Loewe, None) | (Model::Zip, _) => hsa,
        };
        cells.push((d1, d2, 100.0 * (reference - e)));
    }
    if cells.is_empty() {
        return Err(SynergyError::NoCombinations);
    }
    let summary = cells.iter().map(|c| c.2).sum::<f64>() / cells.len() as f64;
    Ok(Scores {
        model,
        cells,
        summary,
    })
}

/// ZIP delta scores (see the module documentation).
fn zip(m: &DoseMatrix, a1: &[(f64, f64)], a2: &[(f64, f64)]) -> Result<Scores, SynergyError> {
    let fit = |drug: usize, alone: &[(f64, f64)]| {
        let (d, e): (Vec<f64>, Vec<f64>) = alone.iter().copied().unzip();
        hill::fit(&d, &e).map_err(|err| SynergyError::Fit(drug + 1, err))
    };
    let (f1, f2) = (fit(0, a1)?, fit(1, a2)?);
    let e0 = 0.5 * (f1.e0 + f2.e0);
    // One three-parameter fit per row and per column, starting from the single-drug fits.
    let slice = |drug: usize, other_dose: f64| -> Result<(f64, f64, f64, f64), SynergyError> {
        let (doses, resp): (Vec<f64>, Vec<f64>) = m
            .points
            .iter()
            .filter(|p| {
                if drug == 0 {
                    p.1 == other_dose
                } else {
                    p.0 == other_dose
                }
            })
            .map(|p| if drug == 0 { (p.0, p.2) } else { (p.1, p.2) })
            .unzip();
        let (own, other) = if drug == 0 { (&f1, &f2) } else { (&f2, &f1) };
        let start_e0 = other.predict(other_dose);
        let (emax, ic50, h) =
            hill::fit_fixed_e0(&doses, &resp, start_e0, (own.emax, own.ic50, own.hill))
                .map_err(|err| SynergyError::Fit(drug + 1, err))?;
        Ok((start_e0, emax, ic50, h))
    };
    let mut cells = Vec::new();
    for &(d1, d2, _) in m.points.iter().filter(|p| p.0 > 0.0 && p.1 > 0.0) {
        let (b1, emax1, c1, h1) = slice(0, d2)?;
        let (b2, emax2, c2, h2) = slice(1, d1)?;
        let fitted =
            0.5 * (hill::curve(b1, emax1, c1, h1, d1) + hill::curve(b2, emax2, c2, h2, d2));
        let reference = hill::curve(e0, f1.emax, f1.ic50, f1.hill, d1)
            * hill::curve(e0, f2.emax, f2.ic50, f2.hill, d2);
        cells.push((d1, d2, 100.0 * (reference - fitted)));
    }
    if cells.is_empty() {
        return Err(SynergyError::NoCombinations);
    }
    let summary = cells.iter().map(|c| c.2).sum::<f64>() / cells.len() as f64;
    Ok(Scores {
        model: Model::Zip,
        cells,
        summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hill_v(d: f64, ic50: f64, h: f64) -> f64 {
        1.0 / (1.0 + (d / ic50).powf(h))
    }

    /// A matrix built to be exactly Bliss-independent scores zero with Bliss, and a Loewe
    /// self-combination (a drug with itself) scores zero with Loewe.
    #[test]
    fn null_models_score_zero() {
        let doses = [0.0, 0.1, 0.3, 1.0, 3.0, 10.0];
        let mut bliss = DoseMatrix { points: vec![] };
        let mut sham = DoseMatrix { points: vec![] };
        for &a in &doses {
            for &b in &doses {
                bliss
                    .points
                    .push((a, b, hill_v(a, 1.0, 1.0) * hill_v(b, 2.0, 2.0)));
                // Drug 2 is drug 1 at half potency: Loewe-additive by construction.
                sham.points.push((a, b, hill_v(a + b / 2.0, 1.0, 1.5)));
            }
        }
        let s = score(&bliss, Model::Bliss).unwrap();
        assert!(s.cells.iter().all(|c| c.2.abs() < 1e-9), "{s:?}");
        // ZIP's null model is Bliss with Hill-shaped slices: zero on this matrix too.
        let s = score(&bliss, Model::Zip).unwrap();
        assert!(s.cells.iter().all(|c| c.2.abs() < 1e-4), "{s:?}");
        let s = score(&sham, Model::Loewe).unwrap();
        assert!(s.cells.iter().all(|c| c.2.abs() < 1e-5), "{s:?}");
        // Bliss on the sham matrix, one cell by hand: observed V(0.3 + 1.5), expected
        // V(0.3)·V(1.5) with V the half-potency-adjusted single curves.
        let s = score(&sham, Model::Bliss).unwrap();
        let cell = s.cells.iter().find(|c| c.0 == 0.3 && c.1 == 3.0).unwrap();
        let want = 100.0 * (hill_v(0.3, 1.0, 1.5) * hill_v(1.5, 1.0, 1.5) - hill_v(1.8, 1.0, 1.5));
        assert!((cell.2 - want).abs() < 1e-9, "{cell:?} vs {want}");
        // HSA on a Bliss-independent matrix: positive (both drugs add).
        assert!(score(&bliss, Model::Hsa).unwrap().summary > 0.0);
    }

    #[test]
    fn errors() {
        let m = DoseMatrix {
            points: vec![(0.0, 0.0, 1.0), (1.0, 0.0, 0.5), (0.0, 1.0, 0.5)],
        };
        assert_eq!(score(&m, Model::Bliss), Err(SynergyError::NoCombinations));
        let m = DoseMatrix {
            points: vec![(0.0, 0.0, 1.0), (1.0, 1.0, 0.5)],
        };
        assert!(matches!(
            score(&m, Model::Hsa),
            Err(SynergyError::NoMonotherapy { .. })
        ));
        let m = DoseMatrix {
            points: vec![(-1.0, 0.0, 1.0)],
        };
        assert_eq!(score(&m, Model::Hsa), Err(SynergyError::BadPoint(0)));
    }
}
