//! Compiled expressions: the IR's `Expr` with symbols mapped to value slots and operators
//! resolved to direct function pointers, evaluated by a small recursive interpreter.
//! Booleans are numbers (1.0 true, 0.0 false) as SBML L3v2 allows them to mix.

use her2sim_model::Op;

/// Looks up the past value of an expression, for `delay(expr, tau)`.
pub trait History {
    fn delayed(&self, expr: &CExpr, t_past: f64) -> f64;
}

/// A compiled expression.
#[derive(Debug, Clone)]
pub enum CExpr {
    Const(f64),
    Var(usize),
    Time,
    Neg(Box<CExpr>),
    Add(Vec<CExpr>),
    Mul(Vec<CExpr>),
    Sub(Box<[CExpr; 2]>),
    Div(Box<[CExpr; 2]>),
    Pow(Box<[CExpr; 2]>),
    /// A one-argument function; the operator names it (for derivatives).
    Fn1(Op, fn(f64) -> f64, Box<CExpr>),
    Fn2(Op, fn(f64, f64) -> f64, Box<[CExpr; 2]>),
    /// A relational chain `a op b op c ...`.
    Cmp(fn(f64, f64) -> bool, Vec<CExpr>),
    And(Vec<CExpr>),
    Or(Vec<CExpr>),
    Xor(Vec<CExpr>),
    Not(Box<CExpr>),
    Max(Vec<CExpr>),
    Min(Vec<CExpr>),
    Piecewise(Vec<(CExpr, CExpr)>, Box<CExpr>),
    Delay(Box<[CExpr; 2]>),
    /// A time derivative (expanded rateOf); zero in the constant history before the start.
    Rate(Box<CExpr>),
    /// A relational in the right-hand side whose value is held fixed during a solver step
    /// (`Ctx::locked`), so each step integrates a smooth system; the engine cuts the step
    /// where the relational really changes.
    Switch(usize, Box<CExpr>),
    /// A random draw (`distrib`): a fresh value from the run's stream at each evaluation.
    Draw(her2sim_model::Distribution, Vec<CExpr>),
}

fn truth(x: f64) -> bool {
    x != 0.0
}

fn boolean(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// What an expression reads: slot values, the time, and (for delays) the history.
pub struct Ctx<'a> {
    pub v: &'a [f64],
    pub t: f64,
    pub history: Option<&'a dyn History>,
    /// Evaluating the history before the simulation start, where states are constant.
    pub before_start: bool,
    /// Values of the `Switch` relationals during a solver step; `None` evaluates them.
    pub locked: Option<&'a [bool]>,
    /// The run's random stream for `distrib` draws; `None` where math is evaluated
    /// continuously (the compiler keeps draws out of such math), and a draw there is NaN.
    pub draws: Option<&'a dyn crate::draw::Draws>,
}

impl CExpr {
    pub fn eval(&self, cx: &Ctx) -> f64 {
        match self {
            CExpr::Const(x) => *x,
            CExpr::Var(i) => cx.v[*i],
            CExpr::Time => cx.t,
            CExpr::Neg(a) => -a.eval(cx),
            CExpr::Add(xs) => xs.iter().map(|x| x.eval(cx)).sum(),
            CExpr::Mul(xs) => xs.iter().fold(1.0, |acc, x| acc * x.eval(cx)),
            CExpr::Sub(ab) => ab[0].eval(cx) - ab[1].eval(cx),
            CExpr::Div(ab) => ab[0].eval(cx) / ab[1].eval(cx),
            CExpr::Pow(ab) => pow(ab[0].eval(cx), ab[1].eval(cx)),
            CExpr::Fn1(_, f, a) => f(a.eval(cx)),
            CExpr::Fn2(_, f, ab) => f(ab[0].eval(cx), ab[1].eval(cx)),
            CExpr::Cmp(op, xs) => {
                let mut prev = match xs.first() {
                    Some(x) => x.eval(cx),
                    None => return 1.0,
                };
                for x in &xs[1..] {
                    let cur = x.eval(cx);
                    if !op(prev, cur) {
                        return 0.0;
                    }
                    prev = cur;
                }
                1.0
            }
            CExpr::And(xs) => boolean(xs.iter().all(|x| truth(x.eval(cx)))),
            CExpr::Or(xs) => boolean(xs.iter().any(|x| truth(x.eval(cx)))),
            CExpr::Xor(xs) => boolean(xs.iter().filter(|x| truth(x.eval(cx))).count() % 2 == 1),
            CExpr::Not(a) => boolean(!truth(a.eval(cx))),
            CExpr::Max(xs) => xs
                .iter()
                .map(|x| x.eval(cx))
                .fold(f64::NEG_INFINITY, f64::max),
            CExpr::Min(xs) => xs.iter().map(|x| x.eval(cx)).fold(f64::INFINITY, f64::min),
            CExpr::Piecewise(pieces, otherwise) => {
                for (cond, value) in pieces {
                    if truth(cond.eval(cx)) {
                        return value.eval(cx);
                    }
                }
                otherwise.eval(cx)
            }
            CExpr::Switch(i, e) => match cx.locked {
                Some(l) => boolean(l[*i]),
                None => e.eval(cx),
            },
            CExpr::Rate(e) => {
                if cx.before_start {
                    0.0
                } else {
                    e.eval(cx)
                }
            }
            CExpr::Draw(dist, args) => match cx.draws {
                Some(d) => {
                    let xs: Vec<f64> = args.iter().map(|a| a.eval(cx)).collect();
                    d.draw(*dist, &xs)
                }
                None => f64::NAN,
            },
            CExpr::Delay(ab) => {
                let tau = ab[1].eval(cx);
                match cx.history {
                    // A negative (or NaN) delay asks for the future: undefined.
                    _ if tau.is_nan() || tau < 0.0 => f64::NAN,
                    Some(h) if tau > 0.0 => h.delayed(&ab[0], cx.t - tau),
                    _ => ab[0].eval(cx),
                }
            }
        }
    }

    /// Wraps every relational in a `Switch`, numbering them after those already in `list`
    /// (which receives a copy of each relational, to evaluate it freely).
    pub fn wrap_switches(&mut self, list: &mut Vec<CExpr>) {
        match self {
            CExpr::Cmp(..) => {
                let inner = std::mem::replace(self, CExpr::Const(0.0));
                list.push(inner.clone());
                *self = CExpr::Switch(list.len() - 1, Box::new(inner));
            }
            // Relationals inside delay() read the past; they are not switched.
            CExpr::Delay(_) | CExpr::Switch(..) => {}
            _ => self.for_each_child_mut(&mut |c| c.wrap_switches(list)),
        }
    }

    /// True if this expression contains a `delay`.
    pub fn visit(&self, f: &mut impl FnMut(&CExpr)) {
        f(self);
        self.for_each_child(&mut |c| c.visit(f));
    }

    /// Calls `f` on each direct sub-expression (the one place that knows the tree's shape).
    pub fn for_each_child(&self, f: &mut impl FnMut(&CExpr)) {
        match self {
            CExpr::Neg(a)
            | CExpr::Fn1(_, _, a)
            | CExpr::Not(a)
            | CExpr::Rate(a)
            | CExpr::Switch(_, a) => f(a),
            CExpr::Sub(ab)
            | CExpr::Div(ab)
            | CExpr::Pow(ab)
            | CExpr::Fn2(_, _, ab)
            | CExpr::Delay(ab) => ab.iter().for_each(f),
            CExpr::Add(xs)
            | CExpr::Mul(xs)
            | CExpr::Cmp(_, xs)
            | CExpr::And(xs)
            | CExpr::Or(xs)
            | CExpr::Xor(xs)
            | CExpr::Max(xs)
            | CExpr::Min(xs)
            | CExpr::Draw(_, xs) => xs.iter().for_each(f),
            CExpr::Piecewise(pieces, o) => {
                for (c, v) in pieces {
                    f(c);
                    f(v);
                }
                f(o);
            }
            CExpr::Const(_) | CExpr::Var(_) | CExpr::Time => {}
        }
    }

    /// As [`CExpr::for_each_child`], mutably.
    pub fn for_each_child_mut(&mut self, f: &mut impl FnMut(&mut CExpr)) {
        match self {
            CExpr::Neg(a)
            | CExpr::Fn1(_, _, a)
            | CExpr::Not(a)
            | CExpr::Rate(a)
            | CExpr::Switch(_, a) => f(a),
            CExpr::Sub(ab)
            | CExpr::Div(ab)
            | CExpr::Pow(ab)
            | CExpr::Fn2(_, _, ab)
            | CExpr::Delay(ab) => ab.iter_mut().for_each(f),
            CExpr::Add(xs)
            | CExpr::Mul(xs)
            | CExpr::Cmp(_, xs)
            | CExpr::And(xs)
            | CExpr::Or(xs)
            | CExpr::Xor(xs)
            | CExpr::Max(xs)
            | CExpr::Min(xs)
            | CExpr::Draw(_, xs) => xs.iter_mut().for_each(f),
            CExpr::Piecewise(pieces, o) => {
                for (c, v) in pieces {
                    f(c);
                    f(v);
                }
                f(o);
            }
            CExpr::Const(_) | CExpr::Var(_) | CExpr::Time => {}
        }
    }
}

/// MathML power: integer exponents by repeated multiplication keep exactness for negative bases.
pub(crate) fn pow(base: f64, exp: f64) -> f64 {
    if exp.fract() == 0.0 && exp.abs() < 64.0 {
        base.powi(exp as i32)
    } else {
        base.powf(exp)
    }
}

pub(crate) fn factorial(x: f64) -> f64 {
    if x < 0.0 || x.fract() != 0.0 {
        return f64::NAN;
    }
    if x > 170.0 {
        return f64::INFINITY;
    }
    (1..=(x as u64)).fold(1.0, |acc, k| acc * k as f64)
}

pub(crate) fn root(degree: f64, x: f64) -> f64 {
    if degree == 2.0 {
        x.sqrt()
    } else if degree == 3.0 {
        x.cbrt()
    } else if x < 0.0 && degree.fract() == 0.0 && (degree as i64) % 2 == 1 {
        -(-x).powf(1.0 / degree)
    } else {
        x.powf(1.0 / degree)
    }
}

/// Maps an n-ary MathML operator with compiled arguments to a compiled node.
/// Returns `None` for operators this module does not compile (`rateOf`).
pub fn apply(op: Op, mut args: Vec<CExpr>) -> Option<CExpr> {
    use CExpr as C;
    let two = |mut a: Vec<CExpr>| -> Box<[CExpr; 2]> {
        let b = a.pop().unwrap_or(C::Const(f64::NAN));
        let a0 = a.pop().unwrap_or(C::Const(f64::NAN));
        Box::new([a0, b])
    };
    let one = |mut a: Vec<CExpr>| -> Box<CExpr> { Box::new(a.pop().unwrap_or(C::Const(f64::NAN))) };
    let f1 = |f: fn(f64) -> f64, a: Vec<CExpr>| C::Fn1(op, f, one(a));
    Some(match op {
        Op::Plus => match args.len() {
            0 => C::Const(0.0),
            1 => args.pop()?,
            _ => C::Add(args),
        },
        Op::Times => match args.len() {
            0 => C::Const(1.0),
            1 => args.pop()?,
            _ => C::Mul(args),
        },
        Op::Minus if args.len() == 1 => C::Neg(one(args)),
        Op::Minus => C::Sub(two(args)),
        Op::Divide => C::Div(two(args)),
        Op::Power => C::Pow(two(args)),
        Op::Root => C::Fn2(op, root, two(args)),
        Op::Log => C::Fn2(op, |b, x| x.ln() / b.ln(), two(args)),
        Op::Abs => f1(f64::abs, args),
        Op::Exp => f1(f64::exp, args),
        Op::Ln => f1(f64::ln, args),
        Op::Floor => f1(f64::floor, args),
        Op::Ceiling => f1(f64::ceil, args),
        Op::Factorial => f1(factorial, args),
        Op::Sin => f1(f64::sin, args),
        Op::Cos => f1(f64::cos, args),
        Op::Tan => f1(f64::tan, args),
        Op::Sec => f1(|x| 1.0 / x.cos(), args),
        Op::Csc => f1(|x| 1.0 / x.sin(), args),
        Op::Cot => f1(|x| 1.0 / x.tan(), args),
        Op::Sinh => f1(f64::sinh, args),
        Op::Cosh => f1(f64::cosh, args),
        Op::Tanh => f1(f64::tanh, args),
        Op::Sech => f1(|x| 1.0 / x.cosh(), args),
        Op::Csch => f1(|x| 1.0 / x.sinh(), args),
        Op::Coth => f1(|x| 1.0 / x.tanh(), args),
        Op::Arcsin => f1(f64::asin, args),
        Op::Arccos => f1(f64::acos, args),
        Op::Arctan => f1(f64::atan, args),
        Op::Arcsec => f1(|x| (1.0 / x).acos(), args),
        Op::Arccsc => f1(|x| (1.0 / x).asin(), args),
        Op::Arccot => f1(|x| (1.0 / x).atan(), args),
        Op::Arcsinh => f1(f64::asinh, args),
        Op::Arccosh => f1(f64::acosh, args),
        Op::Arctanh => f1(f64::atanh, args),
        Op::Arcsech => f1(|x| (1.0 / x).acosh(), args),
        Op::Arccsch => f1(|x| (1.0 / x).asinh(), args),
        Op::Arccoth => f1(|x| (1.0 / x).atanh(), args),
        Op::Quotient => C::Fn2(op, |a, b| (a / b).trunc(), two(args)),
        Op::Rem => C::Fn2(op, |a, b| a % b, two(args)),
        Op::Max => C::Max(args),
        Op::Min => C::Min(args),
        Op::Eq => C::Cmp(|a, b| a == b, args),
        Op::Neq => C::Cmp(|a, b| a != b, args),
        Op::Gt => C::Cmp(|a, b| a > b, args),
        Op::Lt => C::Cmp(|a, b| a < b, args),
        Op::Geq => C::Cmp(|a, b| a >= b, args),
        Op::Leq => C::Cmp(|a, b| a <= b, args),
        Op::And => C::And(args),
        Op::Or => C::Or(args),
        Op::Xor => C::Xor(args),
        Op::Not => C::Not(one(args)),
        Op::Implies => {
            let ab = two(args);
            let [a, b] = *ab;
            C::Or(vec![C::Not(Box::new(a)), b])
        }
        Op::Delay => C::Delay(two(args)),
        Op::RateOf => return None,
        Op::Draw(d) => C::Draw(d, args),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(e: &CExpr) -> f64 {
        e.eval(&Ctx {
            v: &[2.0, -8.0],
            t: 1.5,
            history: None,
            before_start: false,
            locked: None,
            draws: None,
        })
    }

    #[test]
    fn arithmetic_and_functions() {
        let e = apply(Op::Root, vec![CExpr::Const(3.0), CExpr::Var(1)]).unwrap();
        assert_eq!(ev(&e), -2.0);
        let e = apply(Op::Log, vec![CExpr::Const(2.0), CExpr::Const(8.0)]).unwrap();
        assert!((ev(&e) - 3.0).abs() < 1e-15);
        let e = apply(Op::Factorial, vec![CExpr::Const(5.0)]).unwrap();
        assert_eq!(ev(&e), 120.0);
        let e = apply(Op::Minus, vec![CExpr::Var(0)]).unwrap();
        assert_eq!(ev(&e), -2.0);
        let e = apply(Op::Power, vec![CExpr::Var(1), CExpr::Const(3.0)]).unwrap();
        assert_eq!(ev(&e), -512.0);
    }

    #[test]
    fn logic_and_piecewise() {
        let gt = apply(Op::Gt, vec![CExpr::Time, CExpr::Const(1.0)]).unwrap();
        assert_eq!(ev(&gt), 1.0);
        let chain = apply(
            Op::Lt,
            vec![CExpr::Const(1.0), CExpr::Time, CExpr::Const(1.2)],
        )
        .unwrap();
        assert_eq!(ev(&chain), 0.0);
        let pw = CExpr::Piecewise(
            vec![(chain, CExpr::Const(5.0))],
            Box::new(CExpr::Const(7.0)),
        );
        assert_eq!(ev(&pw), 7.0);
        let x = apply(
            Op::Xor,
            vec![CExpr::Const(1.0), CExpr::Const(1.0), CExpr::Const(1.0)],
        )
        .unwrap();
        assert_eq!(ev(&x), 1.0);
    }
}
