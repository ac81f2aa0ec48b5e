//! Fast reactions as an equilibrium constraint.
//!
//! SBML says fast reactions reach equilibrium instantly. For the species they change (set F)
//! with fast stoichiometry matrix N (|F| x fast reactions), the slow dynamics keep the
//! conserved combinations `l·y` (rows l of the left null space of N) moving only by slow
//! reactions, while each independent fast rate is zero. The rows of F's species in the DAE
//! `M·y' = f` become `l·y' = l·(slow rates)` and `0 = v_fast`, which RODAS4 integrates with a
//! non-diagonal, singular mass matrix.

use her2sim_model::{Model, StoichValue, SymbolId};

use crate::EngineError;

/// What replaces the rows of the species that fast reactions change.
pub struct FastSystem {
    /// The species (symbols) whose rows are replaced, in row order of `rows`.
    pub species: Vec<SymbolId>,
    pub rows: Vec<FastRow>,
}

pub enum FastRow {
    /// `Σ coef·y'_species = Σ coef·(slow rate of species)`; indices into `FastSystem::species`.
    Conservation(Vec<(usize, f64)>),
    /// `0 = rate` of this fast reaction (its symbol).
    Equilibrium(SymbolId),
}

const EPS: f64 = 1e-10;

/// The species' conversion factor as a number: the equilibrium's conserved combinations
/// depend on it, so it must be a constant with a value.
fn conversion_factor(model: &Model, species: SymbolId) -> Result<f64, EngineError> {
    let her2sim_model::SymbolKind::Species {
        conversion_factor: Some(cf),
        ..
    } = model.symbols[species].kind
    else {
        return Ok(1.0);
    };
    match (&model.symbols[cf].initial, model.symbols[cf].constant) {
        (her2sim_model::InitialValue::Value(x), true) => Ok(*x),
        _ => Err(EngineError::Unsupported(format!(
            "fast reaction on species '{}' with a non-constant conversion factor",
            model.symbols[species].id
        ))),
    }
}

/// Reduced row echelon form in place; returns the pivot columns.
fn rref(m: &mut [Vec<f64>], cols: usize) -> Vec<usize> {
    let mut pivots = Vec::new();
    let mut row = 0;
    for col in 0..cols {
        if row == m.len() {
            break;
        }
        let Some(p) = (row..m.len()).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))
        else {
            break;
        };
        if m[p][col].abs() < EPS {
            continue;
        }
        m.swap(row, p);
        let pivot = m[row][col];
        m[row].iter_mut().for_each(|x| *x /= pivot);
        for r in 0..m.len() {
            if r != row && m[r][col].abs() > 0.0 {
                let f = m[r][col];
                let (src, dst) = if r < row {
                    let (a, b) = m.split_at_mut(row);
                    (&b[0], &mut a[r])
                } else {
                    let (a, b) = m.split_at_mut(r);
                    (&a[row], &mut b[0])
                };
                for (d, s) in dst.iter_mut().zip(src.iter()) {
                    *d -= f * s;
                }
            }
        }
        pivots.push(col);
        row += 1;
    }
    pivots
}

/// Builds the equilibrium system, or `None` when the model has no fast reaction.
pub fn fast_system(
    model: &Model,
    is_state: impl Fn(SymbolId) -> bool,
) -> Result<Option<FastSystem>, EngineError> {
    let fast: Vec<usize> = (0..model.reactions.len())
        .filter(|&r| model.reactions[r].fast)
        .collect();
    if fast.is_empty() {
        return Ok(None);
    }
    // Net stoichiometry of each fast reaction on each changed species.
    let mut species: Vec<SymbolId> = Vec::new();
    let mut entries: Vec<(usize, usize, f64)> = Vec::new();
    for (k, &r) in fast.iter().enumerate() {
        let rx = &model.reactions[r];
        for (list, sign) in [(&rx.reactants, -1.0), (&rx.products, 1.0)] {
            for st in list.iter() {
                if !is_state(st.species) {
                    continue;
                }
                let StoichValue::Const(c) = st.value else {
                    return Err(EngineError::Unsupported(format!(
                        "fast reaction '{}' with variable stoichiometry",
                        model.symbols[rx.symbol].id
                    )));
                };
                let i = match species.iter().position(|&s| s == st.species) {
                    Some(i) => i,
                    None => {
                        species.push(st.species);
                        species.len() - 1
                    }
                };
                entries.push((i, k, sign * c * conversion_factor(model, st.species)?));
            }
        }
    }
    let n = species.len();
    let mut stoich = vec![vec![0.0; fast.len()]; n];
    for (i, k, c) in entries {
        stoich[i][k] += c;
    }
    // Independent fast reactions: pivot columns of N.
    let mut m = stoich.clone();
    let independent = rref(&mut m, fast.len());
    // Left null space of N = null space of Nᵀ.
    let mut nt: Vec<Vec<f64>> = (0..fast.len())
        .map(|k| (0..n).map(|i| stoich[i][k]).collect())
        .collect();
    let pivots = rref(&mut nt, n);
    let mut rows = Vec::new();
    for free in (0..n).filter(|c| !pivots.contains(c)) {
        let mut l = vec![0.0; n];
        l[free] = 1.0;
        for (r, &p) in pivots.iter().enumerate() {
            l[p] = -nt[r][free];
        }
        rows.push(FastRow::Conservation(
            l.iter()
                .enumerate()
                .filter(|(_, c)| c.abs() > EPS)
                .map(|(i, c)| (i, *c))
                .collect(),
        ));
    }
    for k in independent {
        rows.push(FastRow::Equilibrium(model.reactions[fast[k]].symbol));
    }
    if rows.len() != n {
        return Err(EngineError::Unsupported(
            "fast reactions whose equilibrium does not determine their species".into(),
        ));
    }
    Ok(Some(FastSystem { species, rows }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_space_of_a_binding_reaction() {
        // A + B <-> C: N = [-1, -1, 1]ᵀ; left null space has dimension 2.
        let mut nt = vec![vec![-1.0, -1.0, 1.0]];
        let pivots = rref(&mut nt, 3);
        assert_eq!(pivots, vec![0]);
        assert_eq!(nt[0], vec![1.0, 1.0, -1.0]);
    }
}
