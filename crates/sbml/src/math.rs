//! The MathML subset SBML allows, as a small expression tree.

/// A MathML expression. Booleans and numbers share one tree: SBML L3v2 lets them mix.
#[derive(Debug, Clone, PartialEq)]
pub enum Math {
    Num(f64),
    /// `<ci>`: a reference to a model symbol (or a lambda argument).
    Ident(String),
    /// `csymbol` time.
    Time,
    /// `csymbol` avogadro.
    Avogadro,
    Const(Constant),
    /// A built-in operator applied to arguments.
    Apply(Op, Vec<Math>),
    /// A call of a user function definition.
    Call(String, Vec<Math>),
    /// `(condition, value)` pieces, then the optional `otherwise` value.
    Piecewise(Vec<(Math, Math)>, Option<Box<Math>>),
    /// A function definition body with its argument names.
    Lambda(Vec<String>, Box<Math>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Constant {
    True,
    False,
    Pi,
    ExponentialE,
    Infinity,
    NotANumber,
}

/// Built-in MathML operators. `Root` takes `[degree, x]` and `Log` takes `[base, x]`
/// (the reader fills in the default degree 2 and base 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Plus,
    Minus,
    Times,
    Divide,
    Power,
    Root,
    Abs,
    Exp,
    Ln,
    Log,
    Floor,
    Ceiling,
    Factorial,
    Eq,
    Neq,
    Gt,
    Lt,
    Geq,
    Leq,
    And,
    Or,
    Xor,
    Not,
    Implies,
    Sin,
    Cos,
    Tan,
    Sec,
    Csc,
    Cot,
    Sinh,
    Cosh,
    Tanh,
    Sech,
    Csch,
    Coth,
    Arcsin,
    Arccos,
    Arctan,
    Arcsec,
    Arccsc,
    Arccot,
    Arcsinh,
    Arccosh,
    Arctanh,
    Arcsech,
    Arccsch,
    Arccoth,
    Quotient,
    Rem,
    Max,
    Min,
    /// `csymbol` delay: `[expr, tau]`.
    Delay,
    /// `csymbol` rateOf: `[ident]`.
    RateOf,
    /// A random draw of the `distrib` package (`csymbol` with a
    /// `http://www.sbml.org/sbml/symbols/distrib/...` URL): the distribution's parameters,
    /// then optionally the truncation bounds `[min, max]`.
    Draw(Distribution),
}

/// The distributions the SBML L3 `distrib` package names as MathML csymbols.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Distribution {
    /// `normal(mean, stdev)`
    Normal,
    /// `uniform(min, max)`
    Uniform,
    /// `bernoulli(prob)`
    Bernoulli,
    /// `binomial(trials, prob)`
    Binomial,
    /// `cauchy(location, scale)` or `cauchy(scale)` (location 0)
    Cauchy,
    /// `chisquare(degreesOfFreedom)`
    ChiSquare,
    /// `exponential(rate)`
    Exponential,
    /// `gamma(shape, scale)`
    Gamma,
    /// `laplace(location, scale)` or `laplace(scale)` (location 0)
    Laplace,
    /// `lognormal(mean, stdev)` of the underlying normal
    LogNormal,
    /// `poisson(rate)`
    Poisson,
    /// `rayleigh(scale)`
    Rayleigh,
}

impl Distribution {
    /// The distribution a `distrib` csymbol URL's last segment names.
    pub fn from_name(name: &str) -> Option<Distribution> {
        use Distribution::*;
        Some(match name {
            "normal" => Normal,
            "uniform" => Uniform,
            "bernoulli" => Bernoulli,
            "binomial" => Binomial,
            "cauchy" => Cauchy,
            "chisquare" => ChiSquare,
            "exponential" => Exponential,
            "gamma" => Gamma,
            "laplace" => Laplace,
            "lognormal" => LogNormal,
            "poisson" => Poisson,
            "rayleigh" => Rayleigh,
            _ => return None,
        })
    }

    /// Number of the distribution's own parameters (without truncation bounds).
    pub fn parameters(self) -> usize {
        use Distribution::*;
        match self {
            Normal | Uniform | Binomial | Cauchy | Gamma | Laplace | LogNormal => 2,
            Bernoulli | ChiSquare | Exponential | Poisson | Rayleigh => 1,
        }
    }

    /// Whether `n` arguments form a valid call: the parameters, optionally followed by the
    /// truncation bounds; `cauchy` and `laplace` also take the scale alone.
    pub fn takes(self, n: usize) -> bool {
        let p = self.parameters();
        let truncatable = !matches!(self, Distribution::Uniform | Distribution::Bernoulli);
        n == p
            || (truncatable && n == p + 2)
            || (matches!(self, Distribution::Cauchy | Distribution::Laplace) && n == 1)
    }
}

impl Op {
    /// The operator for a MathML element name inside `<apply>`.
    pub fn from_element(name: &str) -> Option<Op> {
        use Op::*;
        Some(match name {
            "plus" => Plus,
            "minus" => Minus,
            "times" => Times,
            "divide" => Divide,
            "power" => Power,
            "root" => Root,
            "abs" => Abs,
            "exp" => Exp,
            "ln" => Ln,
            "log" => Log,
            "floor" => Floor,
            "ceiling" => Ceiling,
            "factorial" => Factorial,
            "eq" => Eq,
            "neq" => Neq,
            "gt" => Gt,
            "lt" => Lt,
            "geq" => Geq,
            "leq" => Leq,
            "and" => And,
            "or" => Or,
            "xor" => Xor,
            "not" => Not,
            "implies" => Implies,
            "sin" => Sin,
            "cos" => Cos,
            "tan" => Tan,
            "sec" => Sec,
            "csc" => Csc,
            "cot" => Cot,
            "sinh" => Sinh,
            "cosh" => Cosh,
            "tanh" => Tanh,
            "sech" => Sech,
            "csch" => Csch,
            "coth" => Coth,
            "arcsin" => Arcsin,
            "arccos" => Arccos,
            "arctan" => Arctan,
            "arcsec" => Arcsec,
            "arccsc" => Arccsc,
            "arccot" => Arccot,
            "arcsinh" => Arcsinh,
            "arccosh" => Arccosh,
            "arctanh" => Arctanh,
            "arcsech" => Arcsech,
            "arccsch" => Arccsch,
            "arccoth" => Arccoth,
            "quotient" => Quotient,
            "rem" => Rem,
            "max" => Max,
            "min" => Min,
            _ => return None,
        })
    }
}

impl Math {
    /// Calls `f` on this node and every node below it.
    pub fn visit(&self, f: &mut impl FnMut(&Math)) {
        f(self);
        match self {
            Math::Apply(_, args) | Math::Call(_, args) => args.iter().for_each(|a| a.visit(f)),
            Math::Piecewise(pieces, otherwise) => {
                for (c, v) in pieces {
                    c.visit(f);
                    v.visit(f);
                }
                if let Some(o) = otherwise {
                    o.visit(f);
                }
            }
            Math::Lambda(_, body) => body.visit(f),
            _ => {}
        }
    }

    /// Every identifier this expression refers to (with repeats).
    pub fn idents(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.visit_idents(&mut out);
        out
    }

    fn visit_idents<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Math::Ident(s) => out.push(s),
            Math::Apply(_, args) | Math::Call(_, args) => {
                args.iter().for_each(|a| a.visit_idents(out))
            }
            Math::Piecewise(pieces, otherwise) => {
                for (c, v) in pieces {
                    c.visit_idents(out);
                    v.visit_idents(out);
                }
                if let Some(o) = otherwise {
                    o.visit_idents(out);
                }
            }
            Math::Lambda(_, body) => body.visit_idents(out),
            _ => {}
        }
    }
}
