//! The mass matrix as the solver uses it: classification (identity,
//! diagonal, full), the products M·v and the iteration matrix
//! E = M/(hγ) − J.
//!
//! Classifying once per step lets the common cases (ODEs, and DAEs with a
//! 0/1 diagonal M) run in O(n) per product instead of O(n²).

use nalgebra::DMatrix;

/// How the mass matrix is stored for the current step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MassKind {
    Identity,
    /// Diagonal, values in the solver's `diag` buffer.
    Diagonal,
    /// General: use the system's matrix.
    Full,
}

/// Classifies `m` (None = identity); fills `diag` when diagonal.
pub fn classify(m: Option<&DMatrix<f64>>, diag: &mut [f64]) -> MassKind {
    let Some(m) = m else {
        return MassKind::Identity;
    };
    let n = diag.len();
    let mut diagonal = true;
    'outer: for j in 0..n {
        for i in 0..n {
            if i != j && m[(i, j)] != 0.0 {
                diagonal = false;
                break 'outer;
            }
        }
    }
    if !diagonal {
        return MassKind::Full;
    }
    for (i, d) in diag.iter_mut().enumerate() {
        *d = m[(i, i)];
    }
    if diag.iter().all(|&d| d == 1.0) {
        MassKind::Identity
    } else {
        MassKind::Diagonal
    }
}

/// out += M·v.
pub fn add_mul(kind: MassKind, m: Option<&DMatrix<f64>>, diag: &[f64], v: &[f64], out: &mut [f64]) {
    match (kind, m) {
        (MassKind::Full, Some(m)) => {
            let n = v.len();
            for (colj, &vj) in m.as_slice().chunks_exact(n).zip(v) {
                if vj != 0.0 {
                    for (o, mij) in out.iter_mut().zip(colj) {
                        *o += mij * vj;
                    }
                }
            }
        }
        (MassKind::Diagonal, _) => {
            for ((o, d), x) in out.iter_mut().zip(diag).zip(v) {
                *o += d * x;
            }
        }
        // Identity (or a Full kind whose matrix vanished, which classify
        // never produces).
        _ => {
            for (o, x) in out.iter_mut().zip(v) {
                *o += x;
            }
        }
    }
}

/// e = fac·M − jac (all column-major n×n).
pub fn iteration_matrix(
    kind: MassKind,
    m: Option<&DMatrix<f64>>,
    diag: &[f64],
    fac: f64,
    jac: &DMatrix<f64>,
    e: &mut DMatrix<f64>,
) {
    let n = diag.len();
    match (kind, m) {
        (MassKind::Full, Some(m)) => {
            for ((ev, jv), mv) in e
                .as_mut_slice()
                .iter_mut()
                .zip(jac.as_slice())
                .zip(m.as_slice())
            {
                *ev = fac * mv - jv;
            }
        }
        _ => {
            for (ev, jv) in e.as_mut_slice().iter_mut().zip(jac.as_slice()) {
                *ev = -jv;
            }
            let es = e.as_mut_slice();
            for i in 0..n {
                let d = if kind == MassKind::Diagonal {
                    diag[i]
                } else {
                    1.0
                };
                es[i * n + i] += fac * d;
            }
        }
    }
}

/// Marks the differential rows: `out[i]` is false exactly when row i of M is
/// entirely zero (an algebraic equation).
pub fn differential_rows(m: Option<&DMatrix<f64>>, out: &mut [bool]) {
    match m {
        None => out.iter_mut().for_each(|d| *d = true),
        Some(m) => {
            for (i, d) in out.iter_mut().enumerate() {
                *d = m.row(i).iter().any(|&x| x != 0.0);
            }
        }
    }
}

/// The system's dimension and mass matrix match a solver state of `n` variables.
pub fn check_shapes<S: crate::System>(sys: &S, n: usize, t: f64) -> Result<(), crate::SolverError> {
    if sys.dim() != n {
        return Err(crate::SolverError::System {
            t,
            message: format!(
                "the system has {} variables but the solver state has {n}",
                sys.dim()
            ),
        });
    }
    if let Some(m) = sys.mass() {
        if m.nrows() != n || m.ncols() != n {
            return Err(crate::SolverError::System {
                t,
                message: format!(
                    "the mass matrix is {}x{} but the system has {n} variables",
                    m.nrows(),
                    m.ncols()
                ),
            });
        }
    }
    Ok(())
}
