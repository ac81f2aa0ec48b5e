//! Sparse linear algebra for large systems: the Jacobian on its structural pattern and the LU
//! factors of the iteration matrix M/c − J (M the identity or diagonal).
//!
//! A reaction network of n species has a Jacobian with O(n) nonzeros, so the dense n×n
//! Jacobian and LU copy cost O(n²) memory (1.6 GB at n = 10,000) and O(n³) time per
//! factorisation. faer's sparse LU (fill-reducing column ordering plus partial pivoting) is
//! used instead above a size threshold: its symbolic analysis depends only on the pattern, so
//! it is done once and every refactorisation reuses it together with the numeric buffers.

use faer::dyn_stack::{MemBuffer, MemStack, StackReq};
use faer::sparse::linalg::lu::{factorize_symbolic_lu, LuRef, NumericLu, SymbolicLu};
use faer::sparse::linalg::LuError;
use faer::sparse::{SparseColMatRef, SymbolicSparseColMatRef};
use faer::{Conj, MatMut, Par};

/// The structural nonzeros of ∂f/∂y, column by column (compressed sparse column form).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SparsityPattern {
    /// Start of each column's entries in `rows` (length n + 1, starting at 0).
    pub col_start: Vec<usize>,
    /// Row of each entry, strictly ascending within a column.
    pub rows: Vec<usize>,
}

impl SparsityPattern {
    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.rows.len()
    }

    /// Checks the invariants for an n×n matrix (a wrong pattern from a system is an error,
    /// never undefined behaviour inside the factorisation).
    pub fn validate(&self, n: usize) -> Result<(), String> {
        if self.col_start.len() != n + 1 || self.col_start.first() != Some(&0) {
            return Err(format!(
                "Jacobian pattern: {} column starts for {n} columns",
                self.col_start.len()
            ));
        }
        for j in 0..n {
            let (a, b) = (self.col_start[j], self.col_start[j + 1]);
            if a > b || b > self.rows.len() {
                return Err(format!(
                    "Jacobian pattern: column {j} has a bad range {a}..{b}"
                ));
            }
            let col = &self.rows[a..b];
            if col.iter().any(|&i| i >= n) || col.windows(2).any(|w| w[0] >= w[1]) {
                return Err(format!(
                    "Jacobian pattern: rows of column {j} are out of range or not ascending"
                ));
            }
        }
        if self.col_start[n] != self.rows.len() {
            return Err("Jacobian pattern: the last column start is not the entry count".into());
        }
        Ok(())
    }
}

/// Jacobian values and LU factors of M/c − J on the pattern of J plus the diagonal.
pub struct SparseLinear {
    n: usize,
    /// Pattern of the iteration matrix: the system's pattern with the diagonal added.
    col_start: Vec<usize>,
    rows: Vec<usize>,
    /// J as the system fills it, on the system's own pattern.
    jac: Vec<f64>,
    /// Where each entry of the system's pattern sits in the iteration matrix's.
    jac_at: Vec<usize>,
    /// Where each diagonal entry sits in the iteration matrix's pattern.
    diag_at: Vec<usize>,
    /// Values of M/c − J.
    values: Vec<f64>,
    symbolic: SymbolicLu<usize>,
    numeric: NumericLu<usize, f64>,
    /// Scratch space for factorisation and solves, sized once.
    scratch: MemBuffer,
}

impl SparseLinear {
    /// Sets up the symbolic factorisation for the system's pattern (validated).
    pub fn new(n: usize, pattern: &SparsityPattern) -> Result<Self, String> {
        pattern.validate(n)?;
        let mut col_start = Vec::with_capacity(n + 1);
        let mut rows = Vec::with_capacity(pattern.nnz() + n);
        let mut jac_at = Vec::with_capacity(pattern.nnz());
        let mut diag_at = Vec::with_capacity(n);
        col_start.push(0);
        for j in 0..n {
            let col = &pattern.rows[pattern.col_start[j]..pattern.col_start[j + 1]];
            let mut diag_done = false;
            for &i in col {
                if !diag_done && i >= j {
                    if i > j {
                        diag_at.push(rows.len());
                        rows.push(j);
                    }
                    diag_done = true;
                }
                if i == j {
                    diag_at.push(rows.len());
                }
                jac_at.push(rows.len());
                rows.push(i);
            }
            if !diag_done {
                diag_at.push(rows.len());
                rows.push(j);
            }
            col_start.push(rows.len());
        }
        let symbolic = factorize_symbolic_lu(
            SymbolicSparseColMatRef::new_checked(n, n, &col_start, None, &rows),
            Default::default(),
        )
        .map_err(|e| format!("sparse LU analysis failed: {e:?}"))?;
        let par = Par::Seq;
        let req = StackReq::any_of(&[
            symbolic.factorize_numeric_lu_scratch::<f64>(par, Default::default()),
            symbolic.solve_in_place_scratch::<f64>(1, par),
        ]);
        let scratch = MemBuffer::try_new(req)
            .map_err(|_| "sparse LU: out of memory for scratch".to_string())?;
        Ok(SparseLinear {
            n,
            values: vec![0.0; rows.len()],
            jac: vec![0.0; pattern.nnz()],
            col_start,
            rows,
            jac_at,
            diag_at,
            symbolic,
            numeric: NumericLu::new(),
            scratch,
        })
    }

    /// J's values on the system's pattern, for the system to fill.
    pub fn jacobian_mut(&mut self) -> &mut [f64] {
        &mut self.jac
    }

    /// Factorises fac·M − J with M = diag(`diag`) (None = identity). Returns `Ok(false)` when
    /// the matrix is singular or not finite, an error when the factors do not fit in memory.
    pub fn factor(&mut self, fac: f64, diag: Option<&[f64]>) -> Result<bool, String> {
        self.values.fill(0.0);
        for (&at, &v) in self.jac_at.iter().zip(&self.jac) {
            self.values[at] = -v;
        }
        for (i, &at) in self.diag_at.iter().enumerate() {
            self.values[at] += fac * diag.map_or(1.0, |d| d[i]);
        }
        if !self.values.iter().all(|v| v.is_finite()) {
            return Ok(false);
        }
        let mat = SparseColMatRef::new(
            SymbolicSparseColMatRef::new_checked(self.n, self.n, &self.col_start, None, &self.rows),
            &self.values,
        );
        let stack = MemStack::new(&mut self.scratch);
        match self.symbolic.factorize_numeric_lu(
            &mut self.numeric,
            mat,
            Par::Seq,
            stack,
            Default::default(),
        ) {
            Ok(_) => Ok(true),
            Err(LuError::SymbolicSingular { .. }) => Ok(false),
            Err(LuError::Generic(e)) => Err(format!(
                "the sparse LU factors of the {n}x{n} iteration matrix could not be stored ({e:?}): the Jacobian's structure fills in too much for the memory available",
                n = self.n
            )),
        }
    }

    /// Solves (fac·M − J)·x = b in place with the last factors (an exactly singular matrix
    /// gives a non-finite x).
    pub fn solve(&mut self, b: &mut [f64]) {
        let n = self.n;
        let stack = MemStack::new(&mut self.scratch);
        // `numeric` only ever comes from factorising through `symbolic`, which is all
        // `new_unchecked` trusts.
        LuRef::new_unchecked(&self.symbolic, &self.numeric).solve_in_place_with_conj(
            Conj::No,
            MatMut::from_column_major_slice_mut(b, n, 1),
            Par::Seq,
            stack,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tridiagonal J plus scattered couplings, in CSC.
    fn pattern_and_dense(n: usize) -> (SparsityPattern, Vec<f64>, Vec<f64>) {
        let mut dense = vec![0.0; n * n];
        let mut col_start = vec![0];
        let mut rows = Vec::new();
        let mut vals = Vec::new();
        for j in 0..n {
            for i in 0..n {
                let on = i != j && (i.abs_diff(j) <= 1 || (i * 7 + j * 3) % 11 == 0);
                if on {
                    let v = ((i * 13 + j * 5) % 17) as f64 / 17.0 - 0.4;
                    rows.push(i);
                    vals.push(v);
                    dense[j * n + i] = v;
                }
            }
            col_start.push(rows.len());
        }
        (SparsityPattern { col_start, rows }, vals, dense)
    }

    #[test]
    fn solves_like_the_dense_lu() {
        let n = 40;
        let (pattern, vals, dense_j) = pattern_and_dense(n);
        let mut sp = SparseLinear::new(n, &pattern).unwrap();
        sp.jacobian_mut().copy_from_slice(&vals);
        let diag: Vec<f64> = (0..n).map(|i| 1.0 + (i % 3) as f64).collect();
        let fac = 2.5;
        assert!(sp.factor(fac, Some(&diag)).unwrap());
        let b: Vec<f64> = (0..n).map(|i| (i as f64).sin()).collect();
        let mut x = b.clone();
        sp.solve(&mut x);
        // Residual of (fac·M − J)·x − b with the dense matrix.
        for i in 0..n {
            let mut r = fac * diag[i] * x[i] - b[i];
            for j in 0..n {
                r -= dense_j[j * n + i] * x[j];
            }
            assert!(r.abs() < 1e-12, "row {i}: residual {r}");
        }
    }

    #[test]
    fn rejects_bad_patterns() {
        let bad = SparsityPattern {
            col_start: vec![0, 2, 2],
            rows: vec![1, 0],
        };
        assert!(SparseLinear::new(2, &bad).is_err());
        let out_of_range = SparsityPattern {
            col_start: vec![0, 1, 1],
            rows: vec![5],
        };
        assert!(SparseLinear::new(2, &out_of_range).is_err());
    }

    #[test]
    fn singular_matrix_is_reported() {
        // J = I and fac = 1 with M = I: fac·M − J = 0.
        let pattern = SparsityPattern {
            col_start: vec![0, 1, 2],
            rows: vec![0, 1],
        };
        let mut sp = SparseLinear::new(2, &pattern).unwrap();
        sp.jacobian_mut().copy_from_slice(&[1.0, 1.0]);
        let ok = sp.factor(1.0, None).unwrap() && {
            let mut b = vec![1.0, 1.0];
            sp.solve(&mut b);
            b.iter().all(|x| x.is_finite())
        };
        assert!(!ok);
    }
}
