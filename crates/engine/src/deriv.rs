//! Symbolic partial derivatives of compiled expressions, for the analytic Jacobian.
//!
//! Relationals, switches and step functions have derivative zero (they are piecewise
//! constant, and held fixed within a solver step); `delay` reads the past, so the current
//! state does not move it. Functions without a rule here make the whole model fall back to
//! finite differences (`None`).

use her2sim_model::Op;

use crate::eval::CExpr;

fn zero() -> CExpr {
    CExpr::Const(0.0)
}

fn is_zero(e: &CExpr) -> bool {
    matches!(e, CExpr::Const(x) if *x == 0.0)
}

fn is_one(e: &CExpr) -> bool {
    matches!(e, CExpr::Const(x) if *x == 1.0)
}

fn mul(a: CExpr, b: CExpr) -> CExpr {
    if is_zero(&a) || is_zero(&b) {
        zero()
    } else if is_one(&a) {
        b
    } else if is_one(&b) {
        a
    } else {
        CExpr::Mul(vec![a, b])
    }
}

fn add(terms: Vec<CExpr>) -> CExpr {
    let mut terms: Vec<CExpr> = terms.into_iter().filter(|t| !is_zero(t)).collect();
    match terms.len() {
        0 => zero(),
        1 => terms.pop().unwrap_or_else(zero),
        _ => CExpr::Add(terms),
    }
}

fn sub(a: CExpr, b: CExpr) -> CExpr {
    if is_zero(&b) {
        a
    } else if is_zero(&a) {
        CExpr::Neg(Box::new(b))
    } else {
        CExpr::Sub(Box::new([a, b]))
    }
}

fn div(a: CExpr, b: CExpr) -> CExpr {
    if is_zero(&a) {
        zero()
    } else {
        CExpr::Div(Box::new([a, b]))
    }
}

fn pow(a: CExpr, b: CExpr) -> CExpr {
    CExpr::Pow(Box::new([a, b]))
}

fn f1(op: Op, f: fn(f64) -> f64, a: CExpr) -> CExpr {
    CExpr::Fn1(op, f, Box::new(a))
}

fn sq(a: CExpr) -> CExpr {
    CExpr::Mul(vec![a.clone(), a])
}

/// ∂e/∂v[slot], or `None` if `e` uses a function this module cannot differentiate.
pub fn derivative(e: &CExpr, slot: usize) -> Option<CExpr> {
    let d = |x: &CExpr| derivative(x, slot);
    Some(match e {
        CExpr::Const(_) | CExpr::Time => zero(),
        CExpr::Var(i) => CExpr::Const(if *i == slot { 1.0 } else { 0.0 }),
        CExpr::Neg(a) => {
            let da = d(a)?;
            if is_zero(&da) {
                zero()
            } else {
                CExpr::Neg(Box::new(da))
            }
        }
        CExpr::Add(xs) => add(xs.iter().map(d).collect::<Option<_>>()?),
        CExpr::Mul(xs) => {
            let mut terms = Vec::new();
            for i in 0..xs.len() {
                let di = d(&xs[i])?;
                if is_zero(&di) {
                    continue;
                }
                let mut factors: Vec<CExpr> = xs
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, x)| x.clone())
                    .collect();
                if !is_one(&di) {
                    factors.push(di);
                }
                terms.push(match factors.len() {
                    0 => CExpr::Const(1.0),
                    1 => factors.pop()?,
                    _ => CExpr::Mul(factors),
                });
            }
            add(terms)
        }
        CExpr::Sub(ab) => sub(d(&ab[0])?, d(&ab[1])?),
        CExpr::Div(ab) => {
            let (a, b) = (&ab[0], &ab[1]);
            let (da, db) = (d(a)?, d(b)?);
            if is_zero(&db) {
                div(da, b.clone())
            } else {
                // a'/b - a b' / b²
                sub(div(da, b.clone()), div(mul(a.clone(), db), sq(b.clone())))
            }
        }
        CExpr::Pow(ab) => {
            let (a, b) = (&ab[0], &ab[1]);
            let (da, db) = (d(a)?, d(b)?);
            let base_term = if is_zero(&da) {
                zero()
            } else {
                // b a^(b-1) a'
                mul(
                    mul(b.clone(), pow(a.clone(), sub(b.clone(), CExpr::Const(1.0)))),
                    da,
                )
            };
            let exp_term = if is_zero(&db) {
                zero()
            } else {
                // a^b ln(a) b'
                mul(mul(e.clone(), f1(Op::Ln, f64::ln, a.clone())), db)
            };
            add(vec![base_term, exp_term])
        }
        CExpr::Fn1(op, _, a) => {
            let da = d(a)?;
            if is_zero(&da) {
                return Some(zero());
            }
            let a = (**a).clone();
            let outer = match op {
                Op::Abs => CExpr::Piecewise(
                    vec![(
                        CExpr::Cmp(|x, y| x < y, vec![a, zero()]),
                        CExpr::Const(-1.0),
                    )],
                    Box::new(CExpr::Const(1.0)),
                ),
                Op::Exp => e.clone(),
                Op::Ln => div(CExpr::Const(1.0), a),
                Op::Floor | Op::Ceiling | Op::Factorial => zero(),
                Op::Sin => f1(Op::Cos, f64::cos, a),
                Op::Cos => CExpr::Neg(Box::new(f1(Op::Sin, f64::sin, a))),
                Op::Tan => add(vec![CExpr::Const(1.0), sq(e.clone())]),
                Op::Sinh => f1(Op::Cosh, f64::cosh, a),
                Op::Cosh => f1(Op::Sinh, f64::sinh, a),
                Op::Tanh => sub(CExpr::Const(1.0), sq(e.clone())),
                Op::Arctan => div(CExpr::Const(1.0), add(vec![CExpr::Const(1.0), sq(a)])),
                Op::Arcsin | Op::Arccos => {
                    let r = div(
                        CExpr::Const(1.0),
                        f1(Op::Root, f64::sqrt, sub(CExpr::Const(1.0), sq(a))),
                    );
                    if *op == Op::Arccos {
                        CExpr::Neg(Box::new(r))
                    } else {
                        r
                    }
                }
                _ => return None,
            };
            mul(outer, da)
        }
        CExpr::Fn2(op, _, ab) => {
            let (a, b) = (&ab[0], &ab[1]);
            let (da, db) = (d(a)?, d(b)?);
            match op {
                // root(n, x) = x^(1/n)
                Op::Root if is_zero(&da) => {
                    let expo = div(CExpr::Const(1.0), a.clone());
                    mul(
                        mul(expo.clone(), pow(b.clone(), sub(expo, CExpr::Const(1.0)))),
                        db,
                    )
                }
                // log(base, x) = ln x / ln base
                Op::Log if is_zero(&da) => div(db, mul(b.clone(), f1(Op::Ln, f64::ln, a.clone()))),
                Op::Quotient => zero(),
                _ if is_zero(&da) && is_zero(&db) => zero(),
                _ => return None,
            }
        }
        CExpr::Cmp(..)
        | CExpr::And(_)
        | CExpr::Or(_)
        | CExpr::Xor(_)
        | CExpr::Not(_)
        | CExpr::Switch(..)
        | CExpr::Delay(_) => zero(),
        CExpr::Max(xs) | CExpr::Min(xs) => {
            // The derivative of the active argument: the first one not beaten by any other.
            let beats: fn(f64, f64) -> bool = if matches!(e, CExpr::Max(_)) {
                |x, y| x >= y
            } else {
                |x, y| x <= y
            };
            let mut pieces = Vec::new();
            for (i, x) in xs.iter().enumerate() {
                let conds: Vec<CExpr> = xs
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, y)| CExpr::Cmp(beats, vec![x.clone(), y.clone()]))
                    .collect();
                pieces.push((CExpr::And(conds), d(x)?));
            }
            if pieces.iter().all(|(_, v)| is_zero(v)) {
                zero()
            } else {
                CExpr::Piecewise(pieces, Box::new(CExpr::Const(f64::NAN)))
            }
        }
        CExpr::Piecewise(pieces, otherwise) => {
            let dp: Vec<(CExpr, CExpr)> = pieces
                .iter()
                .map(|(c, v)| Some((c.clone(), d(v)?)))
                .collect::<Option<_>>()?;
            let dother = d(otherwise)?;
            if dp.iter().all(|(_, v)| is_zero(v)) && is_zero(&dother) {
                zero()
            } else {
                CExpr::Piecewise(dp, Box::new(dother))
            }
        }
        CExpr::Rate(a) => d(a)?,
        // A random draw has no derivative.
        CExpr::Draw(..) => return None,
    })
}

/// The slots an expression reads now (not inside `delay`, not only through switches).
pub fn current_vars(e: &CExpr, out: &mut Vec<usize>) {
    match e {
        CExpr::Var(i) => out.push(*i),
        CExpr::Delay(_) | CExpr::Switch(..) => {}
        _ => e.for_each_child(&mut |c| current_vars(c, out)),
    }
}
