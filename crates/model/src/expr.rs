//! IR expressions: MathML with every identifier resolved to a symbol index and every
//! function definition inlined.

pub use her2sim_sbml::{Distribution, Op};

use crate::SymbolId;

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(f64),
    Sym(SymbolId),
    Time,
    /// `Op::Delay` takes `[expr, tau]`; `Op::RateOf` takes `[Sym]`.
    Apply(Op, Vec<Expr>),
    Piecewise(Vec<(Expr, Expr)>, Option<Box<Expr>>),
    /// An expanded `rateOf`: the time derivative, written out. It is zero before the
    /// simulation starts (the history `delay` reads is constant there).
    Rate(Box<Expr>),
}

impl Expr {
    /// Number of nodes, counted without recursion.
    pub fn size(&self) -> usize {
        let mut n = 0;
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            n += 1;
            e.push_children(&mut stack);
        }
        n
    }

    /// Nesting depth (a leaf is 1), measured without recursion.
    pub fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut stack = vec![(self, 1usize)];
        let mut children = Vec::new();
        while let Some((e, d)) = stack.pop() {
            deepest = deepest.max(d);
            e.push_children(&mut children);
            stack.extend(children.drain(..).map(|c| (c, d + 1)));
        }
        deepest
    }

    fn push_children<'a>(&'a self, out: &mut Vec<&'a Expr>) {
        match self {
            Expr::Num(_) | Expr::Sym(_) | Expr::Time => {}
            Expr::Apply(_, args) => out.extend(args),
            Expr::Piecewise(pieces, otherwise) => {
                for (c, v) in pieces {
                    out.push(c);
                    out.push(v);
                }
                out.extend(otherwise.as_deref());
            }
            Expr::Rate(e) => out.push(e),
        }
    }

    /// Symbols whose *current* value this expression reads. The first argument of `delay`
    /// reads past values, so it adds no instantaneous dependency.
    pub fn instant_deps(&self, out: &mut Vec<SymbolId>) {
        match self {
            Expr::Sym(s) => out.push(*s),
            Expr::Apply(Op::Delay, args) => {
                if let Some(tau) = args.get(1) {
                    tau.instant_deps(out);
                }
            }
            Expr::Apply(_, args) => args.iter().for_each(|a| a.instant_deps(out)),
            Expr::Piecewise(pieces, otherwise) => {
                for (c, v) in pieces {
                    c.instant_deps(out);
                    v.instant_deps(out);
                }
                if let Some(o) = otherwise {
                    o.instant_deps(out);
                }
            }
            Expr::Rate(e) => e.instant_deps(out),
            Expr::Num(_) | Expr::Time => {}
        }
    }

    /// True if any node satisfies `pred`.
    pub fn any(&self, pred: &impl Fn(&Expr) -> bool) -> bool {
        if pred(self) {
            return true;
        }
        match self {
            Expr::Apply(_, args) => args.iter().any(|a| a.any(pred)),
            Expr::Piecewise(pieces, otherwise) => {
                pieces.iter().any(|(c, v)| c.any(pred) || v.any(pred))
                    || otherwise.as_ref().is_some_and(|o| o.any(pred))
            }
            Expr::Rate(e) => e.any(pred),
            _ => false,
        }
    }

    pub fn uses_op(&self, op: Op) -> bool {
        self.any(&|e| matches!(e, Expr::Apply(o, _) if *o == op))
    }

    pub fn mentions(&self, sym: SymbolId) -> bool {
        self.any(&|e| matches!(e, Expr::Sym(s) if *s == sym))
    }
}
