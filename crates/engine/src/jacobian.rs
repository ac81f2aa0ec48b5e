//! The analytic Jacobian ∂f/∂y, by the chain rule through the assignment program.
//!
//! Each program slot's gradient with respect to the states is accumulated in program order
//! from the symbolic partial derivatives of its expression; each state row then combines the
//! gradients of the slots its rate reads. Exact Jacobians keep RODAS4 at its full order at
//! tight tolerances (finite differences make it a W-method of order 1–2) and cost one pass
//! instead of one right-hand side per state.
//!
//! The partial derivatives' values (the coefficients of the chain rule) are computed by
//! native code where the model allows (`jit.rs`), all at once before the chain rule runs;
//! the interpreter evaluates them one by one otherwise. They read only the loaded slots, so
//! the order does not change a result.

use her2sim_ode::SparsityPattern;
use nalgebra::DMatrix;

use crate::compile::{Compiled, FastRowC, StateRate, StoichSlot};
use crate::deriv::{current_vars, derivative};
use crate::eval::{CExpr, Ctx};

/// Partial derivatives of one expression: `(slot read, ∂expr/∂slot)`.
type Partials = Vec<(usize, CExpr)>;

/// A slot's partials, each with where the entries of that dependency's gradient land in the
/// slot's own (sorted) pattern: gradients are stored sparsely, one value per pattern entry.
type Chained = Vec<(usize, CExpr, Vec<usize>)>;

#[derive(Debug, Clone)]
pub struct JacobianProgram {
    /// For each program entry (same order as `Compiled::program`): its slot and partials.
    program: Vec<(usize, Chained)>,
    /// For each state row with an expression rate (rate rule, algebraic rule): its partials.
    rows: Vec<Option<Partials>>,
    /// Per slot: the variables its value depends on (empty for constants): states are
    /// columns 0..n, the parameters of [`with_parameters`](Self::with_parameters) n, n+1, ...
    pattern: Vec<Vec<usize>>,
    /// Slots differentiated by besides the states (their columns follow the states').
    parameters: Vec<usize>,
    /// The Jacobian's structure for sparse storage; `None` with fast reactions, whose rows
    /// are rebuilt from whole dense rows.
    sparse: Option<SparseLayout>,
    /// Every partial of `program`, then of `rows`, in order, compiled to native code.
    native: Option<std::sync::Arc<crate::jit::NativeCoefficients>>,
}

/// Scratch space of [`JacobianProgram::accumulate`] that persists between calls (so a
/// Jacobian evaluation does not allocate).
#[derive(Debug, Clone, Default)]
pub struct JacobianScratch {
    /// Per slot: its gradient, one value per entry of the slot's pattern.
    grads: Vec<Vec<f64>>,
    /// The partial derivatives' values from native code.
    coefficients: Vec<f64>,
}

/// Where ∂f/∂y's entries land when stored sparsely.
#[derive(Debug, Clone)]
pub struct SparseLayout {
    /// Compressed sparse columns, rows ascending.
    pub pattern: SparsityPattern,
    /// Per state row: its columns, ascending, and each one's index into the stored values.
    row_cols: Vec<(Vec<usize>, Vec<usize>)>,
}

impl SparseLayout {
    /// From the columns of each row (sorted, deduplicated).
    fn new(rows: Vec<Vec<usize>>) -> Self {
        let n = rows.len();
        let mut count = vec![0usize; n + 1];
        for cols in &rows {
            for &k in cols {
                count[k + 1] += 1;
            }
        }
        for j in 0..n {
            count[j + 1] += count[j];
        }
        let col_start = count.clone();
        let mut next = count;
        let mut row_idx = vec![0; col_start[n]];
        // Rows visited in order, so every column's rows come out ascending.
        let row_cols = rows
            .into_iter()
            .enumerate()
            .map(|(i, cols)| {
                let at = cols
                    .iter()
                    .map(|&k| {
                        let p = next[k];
                        row_idx[p] = i;
                        next[k] += 1;
                        p
                    })
                    .collect();
                (cols, at)
            })
            .collect();
        SparseLayout {
            pattern: SparsityPattern {
                col_start,
                rows: row_idx,
            },
            row_cols,
        }
    }

    /// Index of entry (row, col) in the stored values (it must be in the pattern).
    fn position(&self, row: usize, col: usize) -> usize {
        let (cols, at) = &self.row_cols[row];
        cols.binary_search(&col).map_or(usize::MAX, |k| at[k])
    }
}

fn partials(e: &CExpr, dynamic: &[bool]) -> Option<Partials> {
    let mut vars = Vec::new();
    current_vars(e, &mut vars);
    vars.sort_unstable();
    vars.dedup();
    let mut out = Vec::new();
    for q in vars.into_iter().filter(|&q| dynamic[q]) {
        let d = derivative(e, q)?;
        if !matches!(d, CExpr::Const(x) if x == 0.0) {
            out.push((q, d));
        }
    }
    Some(out)
}

fn union(into: &mut Vec<usize>, from: &[usize]) {
    into.extend_from_slice(from);
    into.sort_unstable();
    into.dedup();
}

impl JacobianProgram {
    /// Builds the program, or `None` when some function has no derivative rule.
    pub fn new(c: &Compiled) -> Option<Self> {
        Self::build(c, &[])
    }

    /// Also differentiates by the values in the slots `parameters` (constant parameters or
    /// compartments, not assigned by the program): their columns n, n+1, ... hold ∂f/∂p.
    /// Used for forward sensitivities; such a program has no sparse layout.
    pub fn with_parameters(c: &Compiled, parameters: &[usize]) -> Option<Self> {
        Self::build(c, parameters)
    }

    fn build(c: &Compiled, parameters: &[usize]) -> Option<Self> {
        let n = c.states.len();
        let mut pattern: Vec<Vec<usize>> = vec![Vec::new(); c.n_slots];
        for (k, st) in c.states.iter().enumerate() {
            pattern[st.slot] = vec![k];
        }
        for (j, &slot) in parameters.iter().enumerate() {
            pattern[slot] = vec![n + j];
        }
        let mut program = Vec::with_capacity(c.program.len());
        // Kept up to date slot by slot (recomputing it per entry was quadratic).
        let mut dynamic: Vec<bool> = pattern.iter().map(|p| !p.is_empty()).collect();
        for (slot, e) in &c.program {
            let p = partials(e, &dynamic)?;
            let mut pat = Vec::new();
            for (q, _) in &p {
                union(&mut pat, &pattern[*q]);
            }
            let chained: Chained = p
                .into_iter()
                .map(|(q, d)| {
                    let at = pattern[q]
                        .iter()
                        .map(|k| pat.binary_search(k).unwrap_or_default())
                        .collect();
                    (q, d, at)
                })
                .collect();
            dynamic[*slot] = !pat.is_empty();
            pattern[*slot] = pat;
            program.push((*slot, chained));
        }
        let rows = c
            .states
            .iter()
            .map(|st| match &st.rate {
                StateRate::Expr(e) | StateRate::Algebraic(e) => partials(e, &dynamic).map(Some),
                StateRate::Reactions(_) => Some(None),
            })
            .collect::<Option<Vec<_>>>()?;
        let sparse = (c.fast_rows.is_empty() && parameters.is_empty()).then(|| {
            let row_cols = c
                .states
                .iter()
                .zip(&rows)
                .map(|(st, parts)| {
                    let mut cols = Vec::new();
                    let mut add = |slot: usize| union(&mut cols, &pattern[slot]);
                    match (&st.rate, parts) {
                        (StateRate::Reactions(terms), _) => {
                            for term in terms {
                                add(term.rate_slot);
                                if let StoichSlot::Slot(i) = term.stoich {
                                    add(i);
                                }
                                if let Some(i) = term.conversion_factor {
                                    add(i);
                                }
                            }
                        }
                        (_, Some(parts)) => parts.iter().for_each(|(q, _)| add(*q)),
                        (_, None) => {}
                    }
                    cols
                })
                .collect();
            SparseLayout::new(row_cols)
        });
        let native = if c.native {
            let exprs: Vec<&CExpr> = program
                .iter()
                .flat_map(|(_, parts)| parts.iter().map(|(_, d, _)| d))
                .chain(
                    rows.iter()
                        .flatten()
                        .flat_map(|parts| parts.iter().map(|(_, d)| d)),
                )
                .collect();
            crate::jit::NativeCoefficients::compile(c, &exprs).map(std::sync::Arc::new)
        } else {
            None
        };
        Some(JacobianProgram {
            program,
            rows,
            pattern,
            parameters: parameters.to_vec(),
            sparse,
            native,
        })
    }

    /// The sparse structure of the Jacobian, when it can be stored sparsely.
    pub fn sparse_layout(&self) -> Option<&SparseLayout> {
        self.sparse.as_ref()
    }

    /// The states the value in `slot` depends on (sorted).
    pub fn slot_pattern(&self, slot: usize) -> &[usize] {
        self.pattern.get(slot).map_or(&[], |p| p.as_slice())
    }

    /// Fills `jac` (zeroed by the caller) from slots loaded at (t, y). `grads` is scratch
    /// space that persists between calls.
    pub fn evaluate(
        &self,
        c: &Compiled,
        cx: &Ctx,
        scratch: &mut JacobianScratch,
        jac: &mut DMatrix<f64>,
    ) {
        self.accumulate(c, cx, scratch, &mut |row, col, v| jac[(row, col)] += v);
        let grads = &scratch.grads;
        if !c.fast_rows.is_empty() {
            let base = jac.clone();
            for (k, row) in &c.fast_rows {
                jac.row_mut(*k).fill(0.0);
                match row {
                    FastRowC::Conservation(coefs) => {
                        for (j, coef) in coefs {
                            let r = base.row(*j) * *coef;
                            let mut target = jac.row_mut(*k);
                            target += r;
                        }
                    }
                    FastRowC::Equilibrium(rate) => {
                        let (grads, pattern) = (&grads[*rate], &self.pattern[*rate]);
                        for (&col, g) in pattern.iter().zip(grads) {
                            jac[(*k, col)] += g;
                        }
                    }
                }
            }
        }
    }

    /// Fills `values` (zeroed by the caller; one per entry of the sparse layout's pattern).
    /// Only for programs with a [`sparse_layout`](Self::sparse_layout).
    pub fn evaluate_sparse(
        &self,
        c: &Compiled,
        cx: &Ctx,
        scratch: &mut JacobianScratch,
        values: &mut [f64],
    ) {
        let Some(layout) = &self.sparse else {
            return;
        };
        self.accumulate(c, cx, scratch, &mut |row, col, v| {
            values[layout.position(row, col)] += v
        });
    }

    /// The derivative of the value in `slot` along a direction: `column(k)` is the change of
    /// variable k (states, then parameters), from the gradients of the last evaluation.
    pub fn directional(
        &self,
        slot: usize,
        scratch: &JacobianScratch,
        column: impl Fn(usize) -> f64,
    ) -> f64 {
        match (self.pattern.get(slot), scratch.grads.get(slot)) {
            (Some(p), Some(g)) => p.iter().zip(g).map(|(&k, gk)| gk * column(k)).sum(),
            _ => 0.0,
        }
    }

    /// Computes the slot gradients and hands every contribution to a state row's entry to
    /// `add(row, column, value)` (fast-reaction rows get their plain reaction terms).
    pub fn accumulate(
        &self,
        c: &Compiled,
        cx: &Ctx,
        scratch: &mut JacobianScratch,
        add: &mut dyn FnMut(usize, usize, f64),
    ) {
        let JacobianScratch {
            grads,
            coefficients,
        } = scratch;
        // All partials from native code at once, or `None`: each interpreted in turn.
        let native = self.native.as_ref().filter(|n| {
            !cx.before_start && {
                coefficients.resize(n.len(), 0.0);
                n.evaluate(cx.v, cx.t, cx.locked, coefficients)
            }
        });
        let mut next = 0;
        let mut coefficient = |d: &CExpr| match native {
            Some(_) => {
                next += 1;
                coefficients[next - 1]
            }
            None => d.eval(cx),
        };
        if grads.len() != c.n_slots {
            // grads[slot][i] is the derivative by state pattern[slot][i].
            *grads = self.pattern.iter().map(|p| vec![0.0; p.len()]).collect();
            for slot in c
                .states
                .iter()
                .map(|st| st.slot)
                .chain(self.parameters.iter().copied())
            {
                grads[slot] = vec![1.0];
            }
        }
        for (slot, parts) in &self.program {
            let mut g = std::mem::take(&mut grads[*slot]);
            g.fill(0.0);
            for (q, d, at) in parts {
                let coef = coefficient(d);
                if coef != 0.0 {
                    for (&i, gq) in at.iter().zip(&grads[*q]) {
                        g[i] += coef * gq;
                    }
                }
            }
            grads[*slot] = g;
        }
        let mut add_row = |row: usize, coef: f64, slot: usize| {
            if coef != 0.0 {
                for (&k, gk) in self.pattern[slot].iter().zip(&grads[slot]) {
                    add(row, k, coef * gk);
                }
            }
        };
        for (row, st) in c.states.iter().enumerate() {
            match (&st.rate, &self.rows[row]) {
                (StateRate::Reactions(terms), _) => {
                    for term in terms {
                        let stoich = match term.stoich {
                            StoichSlot::Const(s) => s,
                            StoichSlot::Slot(i) => cx.v[i],
                        };
                        let cf = term.conversion_factor.map_or(1.0, |i| cx.v[i]);
                        let rate = cx.v[term.rate_slot];
                        let sign = if term.fast {
                            term.sign * c.fast_scale.unwrap_or(1.0)
                        } else {
                            term.sign
                        };
                        add_row(row, sign * stoich * cf, term.rate_slot);
                        if let StoichSlot::Slot(i) = term.stoich {
                            add_row(row, sign * rate * cf, i);
                        }
                        if let Some(i) = term.conversion_factor {
                            add_row(row, sign * stoich * rate, i);
                        }
                    }
                }
                (_, Some(parts)) => {
                    for (q, d) in parts {
                        add_row(row, coefficient(d), *q);
                    }
                }
                (_, None) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use her2sim_ode::System;

    use crate::runtime::Sys;
    use crate::Simulator;

    /// The analytic Jacobian agrees with central differences on real models.
    fn check(path: &Path) {
        let sim = Simulator::from_file(path).unwrap();
        let c = sim.compiled();
        assert!(
            c.jacobian.is_some(),
            "{}: no analytic Jacobian",
            path.display()
        );
        let mut sys = Sys::new(c);
        for (slot, e) in &c.initial {
            let x = sys.eval(e, 0.0);
            sys.v[*slot] = x;
        }
        let n = c.states.len();
        // Perturb away from zero so every term is active.
        let y: Vec<f64> = c
            .states
            .iter()
            .enumerate()
            .map(|(k, st)| sys.v[st.slot].abs() * 1.1 + 0.3 + 0.01 * k as f64)
            .collect();
        let mut ja = nalgebra::DMatrix::zeros(n, n);
        sys.jacobian(0.5, &y, &mut ja).unwrap().unwrap();
        let (mut fp, mut fm) = (vec![0.0; n], vec![0.0; n]);
        let mut f0 = vec![0.0; n];
        sys.rhs(0.5, &y, &mut f0).unwrap();
        // Richardson-extrapolated central differences (error O(h^4)) with a step large enough
        // that cancellation against large rates elsewhere in a row stays small.
        let mut central = |j: usize, h: f64, out: &mut Vec<f64>| {
            let mut yp = y.clone();
            yp[j] += h;
            let mut ym = y.clone();
            ym[j] -= h;
            sys.rhs(0.5, &yp, &mut fp).unwrap();
            sys.rhs(0.5, &ym, &mut fm).unwrap();
            for i in 0..n {
                out[i] = (fp[i] - fm[i]) / (2.0 * h);
            }
        };
        let (mut d1, mut d2) = (vec![0.0; n], vec![0.0; n]);
        for j in 0..n {
            let h = 1e-3 * y[j].abs().max(1e-2);
            central(j, h, &mut d1);
            central(j, h / 2.0, &mut d2);
            for i in 0..n {
                let fd = (4.0 * d2[i] - d1[i]) / 3.0;
                let cancellation = 1e3 * f64::EPSILON * f0[i].abs() / h;
                let tol = 1e-6 * (fd.abs() + ja[(i, j)].abs()) + cancellation + 1e-12;
                assert!(
                    (ja[(i, j)] - fd).abs() <= tol,
                    "{}: J[{i},{j}] (d {} / d {}) analytic {} vs differences {fd}",
                    path.display(),
                    c.name(c.states[i].symbol),
                    c.name(c.states[j].symbol),
                    ja[(i, j)]
                );
            }
        }
    }

    #[test]
    fn analytic_jacobian_matches_differences() {
        let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
        let suite = shared.join("sbml-test-suite/semantic");
        // Mass action, assignment rules in rates, rate rules, functions, local parameters,
        // variable compartments and stoichiometry.
        for case in [
            "00001", "00026", "00039", "00100", "00203", "00301", "00532", "01121",
        ] {
            let file = suite.join(format!("{case}/{case}-sbml-l3v2.xml"));
            if file.exists() {
                check(&file);
            }
        }
        // Hill kinetics with powers and user functions (Nakakuki 2010), and a signalling
        // network (Schoeberl 2002).
        for id in ["BIOMD0000000250", "BIOMD0000000019"] {
            let file = shared.join(format!("biomodels/{id}/model.xml"));
            if file.exists() {
                check(&file);
            }
        }
    }
}
