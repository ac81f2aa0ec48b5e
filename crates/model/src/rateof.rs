//! Expands the `rateOf` csymbol into explicit expressions, so the engine and the dependency
//! ordering see ordinary math: a rate rule's expression, the reaction terms of a species
//! (divided by the compartment for concentrations, minus the dilution when it changes),
//! zero for fixed values, and the chain-rule time derivative of an assignment rule.

use crate::*;

/// Replaces every `rateOf(x)` in the model.
pub fn expand_rate_of(model: &mut Model) -> Result<(), ModelError> {
    let snapshot = model.clone();
    let ex = Expander { m: &snapshot };
    let fix = |e: &mut Expr, what: &str| -> Result<(), ModelError> {
        if e.uses_op(Op::RateOf) {
            *e = ex
                .expand(e, 0)
                .map_err(|msg| ModelError::new(what, None, msg))?;
        }
        Ok(())
    };
    for s in &mut model.symbols {
        let what = format!("'{}'", s.id);
        match &mut s.determined {
            Determined::Assignment(e) | Determined::Rate(e) => fix(e, &what)?,
            _ => {}
        }
        if let InitialValue::Assigned(e) = &mut s.initial {
            fix(e, &what)?;
        }
    }
    for r in &mut model.reactions {
        fix(&mut r.rate, "kinetic law")?;
    }
    for a in &mut model.algebraic_rules {
        fix(a, "algebraicRule")?;
    }
    for ev in &mut model.events {
        let what = format!("event '{}'", ev.id);
        fix(&mut ev.trigger, &what)?;
        for e in ev.delay.iter_mut().chain(ev.priority.iter_mut()) {
            fix(e, &what)?;
        }
        for (_, e) in &mut ev.assignments {
            fix(e, &what)?;
        }
    }
    Ok(())
}

struct Expander<'m> {
    m: &'m Model,
}

fn num(x: f64) -> Expr {
    Expr::Num(x)
}

fn app(op: Op, args: Vec<Expr>) -> Expr {
    Expr::Apply(op, args)
}

fn is_zero(e: &Expr) -> bool {
    matches!(e, Expr::Num(x) if *x == 0.0)
}

fn times(a: Expr, b: Expr) -> Expr {
    if is_zero(&a) || is_zero(&b) {
        num(0.0)
    } else {
        app(Op::Times, vec![a, b])
    }
}

fn plus(terms: Vec<Expr>) -> Expr {
    let terms: Vec<Expr> = terms.into_iter().filter(|t| !is_zero(t)).collect();
    match terms.len() {
        0 => num(0.0),
        1 => terms.into_iter().next().unwrap_or(num(0.0)),
        _ => app(Op::Plus, terms),
    }
}

impl Expander<'_> {
    /// `e` with every rateOf replaced.
    fn expand(&self, e: &Expr, depth: usize) -> Result<Expr, String> {
        if depth > 32 {
            return Err("rateOf definitions refer to each other in a loop".into());
        }
        Ok(match e {
            Expr::Apply(Op::RateOf, args) => match args.first() {
                Some(Expr::Sym(s)) => Expr::Rate(Box::new(self.rate_of(*s, depth + 1)?)),
                _ => return Err("rateOf must be applied to a symbol".into()),
            },
            Expr::Apply(op, args) => app(
                *op,
                args.iter()
                    .map(|a| self.expand(a, depth))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Piecewise(pieces, otherwise) => Expr::Piecewise(
                pieces
                    .iter()
                    .map(|(c, v)| Ok((self.expand(c, depth)?, self.expand(v, depth)?)))
                    .collect::<Result<_, String>>()?,
                otherwise
                    .as_ref()
                    .map(|o| self.expand(o, depth).map(Box::new))
                    .transpose()?,
            ),
            Expr::Rate(e) => Expr::Rate(Box::new(self.expand(e, depth)?)),
            other => other.clone(),
        })
    }

    /// The time derivative of symbol `s`, as an expression without rateOf.
    fn rate_of(&self, s: SymbolId, depth: usize) -> Result<Expr, String> {
        let sym = &self.m.symbols[s];
        match &sym.determined {
            Determined::Fixed => Ok(num(0.0)),
            _ if sym.constant => Ok(num(0.0)),
            Determined::Rate(e) => self.expand(e, depth),
            Determined::Assignment(e) => {
                let d = self.time_derivative(e)?;
                self.expand(&d, depth)
            }
            Determined::Reactions => {
                let SymbolKind::Species {
                    compartment,
                    amount_valued,
                    boundary,
                    conversion_factor,
                } = sym.kind
                else {
                    return Ok(num(0.0));
                };
                let mut terms = Vec::new();
                if !boundary {
                    for r in &self.m.reactions {
                        for (list, sign) in [(&r.reactants, -1.0), (&r.products, 1.0)] {
                            for st in list.iter().filter(|st| st.species == s) {
                                let stoich = match st.value {
                                    StoichValue::Const(c) => num(sign * c),
                                    StoichValue::Symbol(x) => times(num(sign), Expr::Sym(x)),
                                };
                                terms.push(times(stoich, Expr::Sym(r.symbol)));
                            }
                        }
                    }
                }
                let mut amount_rate = plus(terms);
                if let Some(cf) = conversion_factor {
                    amount_rate = times(amount_rate, Expr::Sym(cf));
                }
                if amount_valued {
                    return Ok(amount_rate);
                }
                // d(n/V)/dt = (dn/dt - [S] dV/dt) / V
                let dv = self.rate_of(compartment, depth + 1)?;
                let numerator = if is_zero(&dv) {
                    amount_rate
                } else {
                    app(Op::Minus, vec![amount_rate, times(Expr::Sym(s), dv)])
                };
                Ok(app(Op::Divide, vec![numerator, Expr::Sym(compartment)]))
            }
            Determined::KineticLaw(_) | Determined::Algebraic(_) => Err(format!(
                "unsupported: rateOf('{}'), a reaction rate or algebraic variable",
                sym.id
            )),
        }
    }

    /// d e / dt by the chain rule; symbols become `rateOf(symbol)` (expanded afterwards).
    fn time_derivative(&self, e: &Expr) -> Result<Expr, String> {
        let d = |x: &Expr| self.time_derivative(x);
        Ok(match e {
            Expr::Num(_) => num(0.0),
            Expr::Time => num(1.0),
            Expr::Rate(_) => return Err("unsupported: the rate of a rateOf".into()),
            Expr::Sym(s) => app(Op::RateOf, vec![Expr::Sym(*s)]),
            Expr::Piecewise(pieces, otherwise) => Expr::Piecewise(
                pieces
                    .iter()
                    .map(|(c, v)| Ok((c.clone(), d(v)?)))
                    .collect::<Result<_, String>>()?,
                otherwise.as_ref().map(|o| d(o).map(Box::new)).transpose()?,
            ),
            Expr::Apply(op, args) => {
                let a = |i: usize| args.get(i).cloned().unwrap_or(num(f64::NAN));
                match op {
                    Op::Plus => plus(args.iter().map(d).collect::<Result<_, _>>()?),
                    Op::Minus if args.len() == 1 => app(Op::Minus, vec![d(&a(0))?]),
                    Op::Minus => app(Op::Minus, vec![d(&a(0))?, d(&a(1))?]),
                    Op::Times => {
                        let mut terms = Vec::new();
                        for i in 0..args.len() {
                            let mut factors: Vec<Expr> = args.clone();
                            factors[i] = d(&args[i])?;
                            if !is_zero(&factors[i]) {
                                terms.push(app(Op::Times, factors));
                            }
                        }
                        plus(terms)
                    }
                    Op::Divide => {
                        // (a'b - ab') / b^2
                        let (x, y) = (a(0), a(1));
                        app(
                            Op::Divide,
                            vec![
                                app(Op::Minus, vec![times(d(&x)?, y.clone()), times(x, d(&y)?)]),
                                app(Op::Power, vec![y, num(2.0)]),
                            ],
                        )
                    }
                    Op::Power => {
                        let (x, y) = (a(0), a(1));
                        let dy = d(&y)?;
                        if is_zero(&dy) {
                            times(
                                times(
                                    y.clone(),
                                    app(
                                        Op::Power,
                                        vec![x.clone(), app(Op::Minus, vec![y, num(1.0)])],
                                    ),
                                ),
                                d(&x)?,
                            )
                        } else {
                            // x^y (y' ln x + y x'/x)
                            times(
                                e.clone(),
                                plus(vec![
                                    times(dy, app(Op::Ln, vec![x.clone()])),
                                    app(Op::Divide, vec![times(y, d(&x)?), x]),
                                ]),
                            )
                        }
                    }
                    Op::Exp => times(e.clone(), d(&a(0))?),
                    Op::Ln => app(Op::Divide, vec![d(&a(0))?, a(0)]),
                    Op::Sin => times(app(Op::Cos, vec![a(0)]), d(&a(0))?),
                    Op::Cos => times(app(Op::Minus, vec![app(Op::Sin, vec![a(0)])]), d(&a(0))?),
                    Op::Abs => times(
                        Expr::Piecewise(
                            vec![(app(Op::Lt, vec![a(0), num(0.0)]), num(-1.0))],
                            Some(Box::new(num(1.0))),
                        ),
                        d(&a(0))?,
                    ),
                    Op::Floor
                    | Op::Ceiling
                    | Op::Eq
                    | Op::Neq
                    | Op::Gt
                    | Op::Lt
                    | Op::Geq
                    | Op::Leq
                    | Op::And
                    | Op::Or
                    | Op::Xor
                    | Op::Not
                    | Op::Implies => num(0.0),
                    Op::RateOf => {
                        return Err("unsupported: rateOf of an expression containing rateOf".into())
                    }
                    other => {
                        return Err(format!(
                            "unsupported: rateOf of an assignment rule using {other:?}"
                        ))
                    }
                }
            }
        })
    }
}
