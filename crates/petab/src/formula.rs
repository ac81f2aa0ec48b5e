//! PEtab v1 math formulas: parsing and evaluation of `observableFormula`,
//! `noiseFormula` and numeric-or-formula table cells.
//!
//! The syntax is the sympy-compatible infix language the PEtab v1 specification
//! documents: numbers, identifiers, `+ - * / ^ **`, comparisons, `&& || !`,
//! parentheses and a fixed set of functions (including `piecewise`). This module
//! owns the syntax tree ([`Formula`]), the parser ([`parse`]) and the tree
//! operations the PEtab layer needs: identifier listing, evaluation and
//! substitution of placeholders.
//!
//! The parser is an operator-precedence (shunting-yard) parser with explicit
//! stacks, so hostile input cannot overflow the call stack; it also refuses
//! trees taller than 500 levels, which keeps the recursive tree walks (and
//! `Drop`) safe.

use std::f64::consts::PI;

/// Deepest nesting accepted by [`parse`]: as pending operators and parentheses
/// while parsing, and as the height of the resulting tree.
const MAX_DEPTH: usize = 500;
const TOO_DEEP: &str = "formula nested deeper than 500 levels";

/// A parsed formula. Booleans are represented as the numbers 1.0 and 0.0.
#[derive(Debug, Clone, PartialEq)]
pub enum Formula {
    /// A number.
    Num(f64),
    /// A model symbol, parameter or placeholder.
    Ident(String),
    /// Unary minus.
    Neg(Box<Formula>),
    /// Logical not.
    Not(Box<Formula>),
    /// A binary operator.
    Bin(BinOp, Box<Formula>, Box<Formula>),
    /// A function call.
    Call(Func, Vec<Formula>),
}

/// Binary operators, from arithmetic to logic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
}

/// Functions callable from a formula.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Exp,
    Ln,
    /// One argument: natural logarithm; two arguments: `log(x, base)`.
    Log,
    Log2,
    Log10,
    Sqrt,
    Abs,
    Sign,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Pow,
    Min,
    Max,
    Floor,
    Ceil,
    /// `piecewise(v1, c1, v2, c2, ..., otherwise)`: the first true condition wins.
    Piecewise,
}

/// A syntax error, located by 0-based byte offset into the formula text.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message} at character {position} of {text:?}")]
pub struct FormulaError {
    /// The formula text.
    pub text: String,
    /// 0-based byte offset of the problem.
    pub position: usize,
    /// What is wrong.
    pub message: String,
}

impl Func {
    /// The function called `name`, case-sensitively.
    fn from_name(name: &str) -> Option<Func> {
        use Func::*;
        // numpy spells the inverse trigonometric functions `arcsin` etc.
        let name = match name {
            "arcsin" => "asin",
            "arccos" => "acos",
            "arctan" => "atan",
            _ => name,
        };
        // The spelled names are exactly the lowercased variant names.
        [
            Exp, Ln, Log, Log2, Log10, Sqrt, Abs, Sign, Sin, Cos, Tan, Asin, Acos, Atan, Sinh,
            Cosh, Tanh, Pow, Min, Max, Floor, Ceil, Piecewise,
        ]
        .into_iter()
        .find(|f| format!("{f:?}").to_lowercase() == name)
    }

    /// `Err` with the expected argument count when `n` arguments are wrong.
    fn check_arity(self, n: usize) -> Result<(), &'static str> {
        let (ok, expected) = match self {
            Func::Log => ((1..=2).contains(&n), "1 or 2 arguments"),
            Func::Pow => (n == 2, "2 arguments"),
            Func::Min | Func::Max | Func::Piecewise => (n >= 1, "at least 1 argument"),
            _ => (n == 1, "1 argument"),
        };
        ok.then_some(()).ok_or(expected)
    }

    /// Applies the function to arguments whose count the parser has checked.
    fn apply(self, v: &[f64]) -> f64 {
        let x = v[0];
        match self {
            Func::Exp => x.exp(),
            Func::Ln => x.ln(),
            Func::Log if v.len() == 2 => x.ln() / v[1].ln(),
            Func::Log => x.ln(),
            Func::Log2 => x.log2(),
            Func::Log10 => x.log10(),
            Func::Sqrt => x.sqrt(),
            Func::Abs => x.abs(),
            // Not f64::signum, which maps 0 to 1; sympy's sign(0) is 0 (NaN stays NaN).
            Func::Sign if x > 0.0 => 1.0,
            Func::Sign if x < 0.0 => -1.0,
            Func::Sign => x,
            Func::Sin => x.sin(),
            Func::Cos => x.cos(),
            Func::Tan => x.tan(),
            Func::Asin => x.asin(),
            Func::Acos => x.acos(),
            Func::Atan => x.atan(),
            Func::Sinh => x.sinh(),
            Func::Cosh => x.cosh(),
            Func::Tanh => x.tanh(),
            Func::Pow => x.powf(v[1]),
            Func::Min => v.iter().copied().fold(f64::INFINITY, f64::min),
            Func::Max => v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            Func::Floor => x.floor(),
            Func::Ceil => x.ceil(),
            Func::Piecewise => {
                let mut pairs = v.chunks_exact(2);
                match pairs.by_ref().find(|pair| truth(pair[1])) {
                    Some(pair) => pair[0],
                    None => pairs.remainder().first().copied().unwrap_or(f64::NAN),
                }
            }
        }
    }
}

/// Precedence of comparisons, which do not associate.
const COMPARISON: u8 = 3;
/// Precedence of unary `-` and `!`: above `*`, below `^`.
const UNARY: u8 = 6;

/// The binary operator spelled `sym`, with its precedence (higher binds tighter).
fn binary_op(sym: &str) -> Option<(BinOp, u8)> {
    use BinOp::*;
    Some(match sym {
        "||" => (Or, 1),
        "&&" => (And, 2),
        "<" => (Lt, COMPARISON),
        "<=" => (Le, COMPARISON),
        ">" => (Gt, COMPARISON),
        ">=" => (Ge, COMPARISON),
        "==" => (Eq, COMPARISON),
        "!=" => (Ne, COMPARISON),
        "+" => (Add, 4),
        "-" => (Sub, 4),
        "*" => (Mul, 5),
        "/" => (Div, 5),
        // Above unary minus, so `-2^2` is `-(2^2)` as in Python and sympy.
        "^" | "**" => (Pow, 7),
        _ => return None,
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok<'a> {
    Num(f64),
    Ident(&'a str),
    Sym(&'static str),
    End,
}

/// Operator symbols, two-character ones first so `**` is not read as `*`.
const SYMBOLS: [&str; 18] = [
    "**", "<=", ">=", "==", "!=", "&&", "||", "(", ")", ",", "+", "-", "*", "/", "^", "<", ">", "!",
];

/// Splits `text` into tokens paired with their byte offsets, ending with `End`.
fn tokenize(text: &str) -> Result<Vec<(Tok<'_>, usize)>, Failure> {
    let b = text.as_bytes();
    let digits_from = |mut j: usize| {
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        j
    };
    let mut toks = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let (start, c) = (i, b[i]);
        let tok = if c.is_ascii_whitespace() {
            i += 1;
            continue;
        } else if c.is_ascii_digit() || c == b'.' {
            i = digits_from(i);
            if b.get(i) == Some(&b'.') {
                i = digits_from(i + 1);
            }
            // An exponent counts only when digits follow: `2e` is `2` then identifier `e`.
            if matches!(b.get(i), Some(b'e' | b'E')) {
                let sign = usize::from(matches!(b.get(i + 1), Some(b'+' | b'-')));
                let end = digits_from(i + 1 + sign);
                if end > i + 1 + sign {
                    i = end;
                }
            }
            Tok::Num(
                text[start..i]
                    .parse()
                    .map_err(|_| (start, "malformed number".into()))?,
            )
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while b
                .get(i)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
            {
                i += 1;
            }
            Tok::Ident(&text[start..i])
        } else if let Some(sym) = SYMBOLS.into_iter().find(|s| text[i..].starts_with(s)) {
            i += sym.len();
            Tok::Sym(sym)
        } else {
            let ch = text[i..].chars().next().unwrap_or_default();
            return Err((i, format!("unexpected character {ch:?}")));
        };
        toks.push((tok, start));
    }
    toks.push((Tok::End, b.len()));
    Ok(toks)
}

/// Something on the parser's operator stack, waiting for its operands.
#[derive(Clone, Copy)]
enum Pending<'a> {
    Unary(fn(Box<Formula>) -> Formula),
    Bin(BinOp, u8),
    Paren,
    /// A function call with the number of arguments completed so far.
    Call(Func, &'a str, usize),
}

/// Parser state: finished operands with their tree heights, and pending
/// operators with the byte offset an error about each should point at.
#[derive(Default)]
struct Parser<'a> {
    operands: Vec<(Formula, usize)>,
    pending: Vec<(Pending<'a>, usize)>,
}

/// A parse failure before the formula text is attached: position and message.
type Failure = (usize, String);

impl<'a> Parser<'a> {
    fn push(&mut self, p: Pending<'a>, pos: usize) -> Result<(), Failure> {
        if self.pending.len() >= MAX_DEPTH {
            return Err((pos, TOO_DEEP.into()));
        }
        self.pending.push((p, pos));
        Ok(())
    }

    /// Pushes `f` as an operand whose tallest child has height `child_height`.
    fn node(&mut self, f: Formula, child_height: usize, pos: usize) -> Result<(), Failure> {
        if child_height >= MAX_DEPTH {
            return Err((pos, TOO_DEEP.into()));
        }
        self.operands.push((f, child_height + 1));
        Ok(())
    }

    /// Applies pending operators, innermost first, while `pred` accepts their
    /// precedence; stops at a parenthesis or call.
    fn reduce_while(&mut self, pred: impl Fn(u8) -> bool) -> Result<(), Failure> {
        while let Some(&(p, pos)) = self.pending.last() {
            let prec = match p {
                Pending::Unary(_) => UNARY,
                Pending::Bin(_, prec) => prec,
                Pending::Paren | Pending::Call(..) => return Ok(()),
            };
            if !pred(prec) {
                return Ok(());
            }
            self.pending.pop();
            // Operators are pushed in operand position, and reduced only after an operand.
            let (rhs, rh) = self.operands.pop().expect("operand after operator");
            if let Pending::Bin(op, _) = p {
                let (lhs, lh) = self.operands.pop().expect("operand before operator");
                let bin = Formula::Bin(op, Box::new(lhs), Box::new(rhs));
                self.node(bin, lh.max(rh), pos)?;
            } else if let Pending::Unary(wrap) = p {
                self.node(wrap(Box::new(rhs)), rh, pos)?;
            }
        }
        Ok(())
    }

    /// Builds the call `name(...)` from the last `n` operands.
    fn call(&mut self, func: Func, name: &str, n: usize, pos: usize) -> Result<(), Failure> {
        func.check_arity(n)
            .map_err(|expected| (pos, format!("{name} expects {expected}, got {n}")))?;
        let (args, heights): (Vec<_>, Vec<_>) = self
            .operands
            .split_off(self.operands.len() - n)
            .into_iter()
            .unzip();
        self.node(
            Formula::Call(func, args),
            heights.into_iter().max().unwrap_or(0),
            pos,
        )
    }
}

/// Parses a PEtab formula; errors carry the byte offset of the problem.
pub fn parse(text: &str) -> Result<Formula, FormulaError> {
    parse_tokens(text).map_err(|(position, message)| FormulaError {
        text: text.to_string(),
        position,
        message,
    })
}

fn parse_tokens(text: &str) -> Result<Formula, Failure> {
    let toks = tokenize(text)?;
    if toks.len() == 1 {
        return Err((toks[0].1, "empty formula".into()));
    }
    // Describes the token at `pos` for an error message.
    let found = |tok: Tok, pos: usize| match tok {
        Tok::End => "end of input".to_string(),
        _ => format!("{:?}", text[pos..].chars().next().unwrap_or_default()),
    };
    let mut p = Parser::default();
    let mut expect_operand = true;
    let mut k = 0;
    loop {
        let (tok, pos) = toks[k];
        k += 1;
        if expect_operand {
            let operands_before = p.operands.len();
            match tok {
                Tok::Num(v) => p.operands.push((Formula::Num(v), 1)),
                Tok::Ident(name) if toks[k].0 == Tok::Sym("(") => {
                    let func = Func::from_name(name)
                        .ok_or_else(|| (pos, format!("unknown function {name:?}")))?;
                    k += 1;
                    if toks[k].0 == Tok::Sym(")") {
                        k += 1;
                        p.call(func, name, 0, pos)?;
                    } else {
                        p.push(Pending::Call(func, name, 0), pos)?;
                    }
                }
                Tok::Ident(name) => {
                    let f = match name {
                        "inf" | "Infinity" => Formula::Num(f64::INFINITY),
                        "nan" | "NaN" => Formula::Num(f64::NAN),
                        "pi" => Formula::Num(PI),
                        "true" => Formula::Num(1.0),
                        "false" => Formula::Num(0.0),
                        _ => Formula::Ident(name.to_string()),
                    };
                    p.operands.push((f, 1));
                }
                Tok::Sym("(") => p.push(Pending::Paren, pos)?,
                Tok::Sym("-") => p.push(Pending::Unary(Formula::Neg), pos)?,
                Tok::Sym("!") => p.push(Pending::Unary(Formula::Not), pos)?,
                Tok::Sym("+") => {} // unary plus is the identity
                _ => {
                    let message = format!("expected an expression, found {}", found(tok, pos));
                    return Err((pos, message));
                }
            }
            // Prefix operators, `(` and an opened call leave an operand still to come.
            expect_operand = p.operands.len() == operands_before;
            continue;
        }
        // After an operand: a binary operator, `,`, `)` or the end.
        if let Some((op, prec)) = binary_op(if let Tok::Sym(s) = tok { s } else { "" }) {
            // `^` is right-associative; comparisons do not associate at all.
            let left_assoc = op != BinOp::Pow && prec != COMPARISON;
            p.reduce_while(|top| top > prec || (top == prec && left_assoc))?;
            let top_is_comparison =
                matches!(p.pending.last(), Some((Pending::Bin(_, COMPARISON), _)));
            if prec == COMPARISON && top_is_comparison {
                return Err((pos, "comparisons cannot be chained; use parentheses".into()));
            }
            p.push(Pending::Bin(op, prec), pos)?;
            expect_operand = true;
            continue;
        }
        p.reduce_while(|_| true)?;
        match (tok, p.pending.last_mut()) {
            (Tok::Sym(")"), Some((Pending::Paren, _))) => {
                p.pending.pop();
            }
            (Tok::Sym(")"), Some(&mut (Pending::Call(func, name, n), at))) => {
                p.pending.pop();
                p.call(func, name, n + 1, at)?;
            }
            (Tok::Sym(","), Some((Pending::Call(_, _, n), _))) => {
                *n += 1;
                expect_operand = true;
            }
            (Tok::End, None) => return Ok(p.operands.pop().expect("a complete expression").0),
            (Tok::End, Some(&mut (_, open))) => {
                return Err((pos, format!("expected ')' to close '(' at {open}")));
            }
            _ => {
                let message = format!("unexpected {} after an expression", found(tok, pos));
                return Err((pos, message));
            }
        }
    }
}

fn truth(x: f64) -> bool {
    x != 0.0
}

fn from_bool(b: bool) -> f64 {
    f64::from(u8::from(b))
}

impl Formula {
    /// Identifiers the formula reads, each once, in first-appearance order.
    pub fn identifiers(&self) -> Vec<&str> {
        fn walk<'a>(f: &'a Formula, out: &mut Vec<&'a str>) {
            match f {
                Formula::Num(_) => {}
                // Formulas hold a handful of identifiers, so a linear scan beats hashing.
                Formula::Ident(name) if !out.contains(&name.as_str()) => out.push(name),
                Formula::Ident(_) => {}
                Formula::Neg(x) | Formula::Not(x) => walk(x, out),
                Formula::Bin(_, a, b) => [a, b].into_iter().for_each(|x| walk(x, out)),
                Formula::Call(_, args) => args.iter().for_each(|x| walk(x, out)),
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out
    }

    /// Evaluates with `lookup` giving each identifier's value; an unknown identifier is an Err naming it.
    ///
    /// Every subexpression is evaluated (no short-circuiting), so a missing
    /// identifier is reported whichever branch would have been taken.
    pub fn eval(&self, lookup: &dyn Fn(&str) -> Option<f64>) -> Result<f64, String> {
        Ok(match self {
            Formula::Num(v) => *v,
            Formula::Ident(name) => {
                lookup(name).ok_or_else(|| format!("unknown identifier {name:?}"))?
            }
            Formula::Neg(x) => -x.eval(lookup)?,
            Formula::Not(x) => from_bool(!truth(x.eval(lookup)?)),
            Formula::Bin(op, a, b) => {
                let (a, b) = (a.eval(lookup)?, b.eval(lookup)?);
                match op {
                    BinOp::Add => a + b,
                    BinOp::Sub => a - b,
                    BinOp::Mul => a * b,
                    BinOp::Div => a / b,
                    BinOp::Pow => a.powf(b),
                    BinOp::Lt => from_bool(a < b),
                    BinOp::Le => from_bool(a <= b),
                    BinOp::Gt => from_bool(a > b),
                    BinOp::Ge => from_bool(a >= b),
                    BinOp::Eq => from_bool(a == b),
                    BinOp::Ne => from_bool(a != b),
                    BinOp::And => from_bool(truth(a) && truth(b)),
                    BinOp::Or => from_bool(truth(a) || truth(b)),
                }
            }
            Formula::Call(func, args) => {
                let values = args.iter().map(|a| a.eval(lookup));
                func.apply(&values.collect::<Result<Vec<_>, _>>()?)
            }
        })
    }

    /// The formula with identifiers replaced where `map` returns Some (used to substitute placeholders by numbers or other identifiers).
    pub fn substitute(&self, map: &dyn Fn(&str) -> Option<Formula>) -> Formula {
        let sub = |x: &Formula| Box::new(x.substitute(map));
        match self {
            Formula::Num(v) => Formula::Num(*v),
            Formula::Ident(name) => map(name).unwrap_or_else(|| self.clone()),
            Formula::Neg(x) => Formula::Neg(sub(x)),
            Formula::Not(x) => Formula::Not(sub(x)),
            Formula::Bin(op, a, b) => Formula::Bin(*op, sub(a), sub(b)),
            Formula::Call(f, args) => {
                Formula::Call(*f, args.iter().map(|a| a.substitute(map)).collect())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(text: &str) -> f64 {
        let vars = |n: &str| {
            ["x", "y", "e"]
                .iter()
                .position(|v| *v == n)
                .map(|i| [2., -3., 3.][i])
        };
        let formula = parse(text).unwrap_or_else(|e| panic!("{e}"));
        formula.eval(&vars).unwrap()
    }

    /// Checks `formula => value` cases separated by `;`, with x = 2, y = -3 and e = 3.
    fn check(cases: &str) {
        for case in cases.split(';').map(str::trim).filter(|c| !c.is_empty()) {
            let (text, want) = case.rsplit_once("=>").unwrap();
            let (got, want) = (ev(text), want.trim().parse::<f64>().unwrap());
            let close = (got - want).abs() <= 1e-12 * want.abs().max(1.0);
            let both_nan = got.is_nan() && want.is_nan();
            assert!(got == want || close || both_nan, "{text} = {got} != {want}");
        }
    }

    fn err(text: &str) -> FormulaError {
        parse(text).expect_err(text)
    }

    #[test]
    fn precedence_and_associativity() {
        check("2^3^2 => 512; 2**3**2 => 512; -2^2 => -4; 2*3+4 => 10; 2+3*4 => 14; 10-4-3 => 3");
        check("8/4/2 => 1; 2**-1 => 0.5; 2^-1 => 0.5; 2^-1*3 => 1.5; (2+3)*4 => 20; --3 => 3");
        check("+-+3 => -3; 2*-x => -4; -x^2 => -4; (-x)^2 => 4; \t1 +\n2 * 3 => 7; 2^(1+1) => 4");
    }

    #[test]
    fn numbers_and_constants() {
        check("1 => 1; 1.5 => 1.5; .5 => 0.5; 5. => 5; 1e-3 => 0.001; 2E+5 => 2e5; 1.5e2 => 150");
        check("pi => 3.141592653589793; true => 1; false => 0; inf => inf; -Infinity => -inf");
        check("nan => NaN; NaN => NaN; 2 * e => 6");
        // `e` is an ordinary identifier, and `2e` is not a number.
        assert_eq!(parse("e").unwrap(), Formula::Ident("e".into()));
        assert_eq!(err("2e").position, 1);
        // A constant's name followed by `(` is a function call (here an unknown one).
        assert_eq!(err("pi(1)").message, "unknown function \"pi\"");
    }

    #[test]
    fn every_function() {
        check("exp(0) => 1; exp(1) => 2.718281828459045; ln(exp(2)) => 2; log(exp(3)) => 3");
        check("log(8, 2) => 3; log2(8) => 3; log10(1000) => 3; sqrt(16) => 4; abs(y) => 3");
        check("sign(y) => -1; sign(x) => 1; sign(0) => 0; sin(pi/2) => 1; cos(0) => 1");
        check("tan(pi/4) => 1; asin(1) => 1.5707963267948966; arcsin(1) => 1.5707963267948966");
        check("acos(1) => 0; arccos(0) => 1.5707963267948966; atan(1) => 0.7853981633974483");
        check("arctan(1) => 0.7853981633974483; sinh(0) => 0; cosh(0) => 1; tanh(0) => 0");
        check("pow(2, 10) => 1024; min(3, 1, 2) => 1; max(3, 1, 2) => 3; min(7) => 7");
        check("floor(-1.5) => -2; ceil(1.2) => 2; exp(ln(x)) + 1 => 3");
        assert_eq!(err("Exp(1)").message, "unknown function \"Exp\"");
    }

    #[test]
    fn piecewise() {
        check("piecewise(1, x > 1, 2, x > 0, 3) => 1; piecewise(1, x > 5, 2, x > 0, 3) => 2");
        check("piecewise(1, x > 5, 2, x > 4, 3) => 3; piecewise(1, x > 5, 2, x > 4) => NaN");
        check("piecewise(9) => 9; 1 + piecewise(y, y < 0, 0) => -2");
    }

    #[test]
    fn comparisons_and_logic() {
        check("1 < 2 => 1; 2 <= 2 => 1; 1 > 2 => 0; 2 >= 3 => 0; x == 2 => 1; x != 2 => 0");
        check("1 < 2 && 3 < 2 => 0; 1 < 2 || 3 < 2 => 1; !0 => 1; !x => 0; !(1 > 2) && 1 => 1");
        // `&&` binds tighter than `||`; arithmetic tighter than comparisons.
        check("1 || 0 && 0 => 1; 1 + 1 == 2 => 1; (1 < 2) < 3 => 1");
        assert_eq!(err("1 < 2 < 3").position, 6);
    }

    #[test]
    fn identifiers_in_order_without_duplicates() {
        let f = parse("b * a + exp(b) / c - piecewise(a, d > 0, e)").unwrap();
        assert_eq!(f.identifiers(), ["b", "a", "c", "d", "e"]);
        assert!(parse("1 + pi").unwrap().identifiers().is_empty());
    }

    #[test]
    fn substitute_placeholders() {
        let f = parse("observableParameter1_obs * x + noiseParameter1_obs").unwrap();
        let g = f.substitute(&|name| match name {
            "observableParameter1_obs" => Some(Formula::Num(3.0)),
            "noiseParameter1_obs" => Some(Formula::Ident("offset".into())),
            _ => None,
        });
        assert_eq!(g, parse("3 * x + offset").unwrap());
        let vars = |n: &str| (n == "x").then_some(2.0).or((n == "offset").then_some(0.5));
        assert_eq!(g.eval(&vars), Ok(6.5));
    }

    #[test]
    fn boehm_observable() {
        let numerator = "(100 * pApB + 200 * pApA * specC17)";
        let f = parse(&format!(
            "{numerator} / (pApB + STAT5A * specC17 + 2 * pApA * specC17)"
        ));
        let f = f.unwrap();
        let names = ["pApB", "pApA", "specC17", "STAT5A"];
        assert_eq!(f.identifiers(), names);
        let vars = |n: &str| {
            names
                .iter()
                .position(|v| *v == n)
                .map(|i| [2.0, 3.0, 0.5, 4.0][i])
        };
        // (100 * 2 + 200 * 3 * 0.5) / (2 + 4 * 0.5 + 2 * 3 * 0.5) = 500 / 7
        assert!((f.eval(&vars).unwrap() - 500.0 / 7.0).abs() < 1e-12);
    }

    #[test]
    fn eval_edge_cases() {
        check("1 / 0 => inf; 0 / 0 => NaN; -1 / 0 => -inf");
        let e = parse("x + missing")
            .unwrap()
            .eval(&|n| (n == "x").then_some(1.0));
        assert_eq!(e, Err("unknown identifier \"missing\"".into()));
    }

    #[test]
    fn errors_with_positions() {
        for (text, position, fragment) in [
            ("1 +", 3, "expected an expression, found end of input"),
            ("(1", 2, "expected ')' to close '(' at 0"),
            ("1 2", 2, "unexpected '2'"),
            ("foo(1)", 0, "unknown function \"foo\""),
            ("log()", 0, "log expects 1 or 2 arguments, got 0"),
            ("exp(1, 2)", 0, "exp expects 1 argument, got 2"),
            ("pow(1)", 0, "pow expects 2 arguments"),
            ("max()", 0, "max expects at least 1 argument"),
            ("", 0, "empty"),
            ("   ", 3, "empty"),
            ("1)", 1, "unexpected ')'"),
            ("(1))", 3, "unexpected ')'"),
            ("1, 2", 1, "unexpected ','"),
            ("2 * # 3", 4, "unexpected character '#'"),
            ("a & b", 2, "unexpected character '&'"),
            ("a = b", 2, "unexpected character '='"),
            (".", 0, "malformed number"),
            ("sin(1,)", 6, "expected an expression, found ')'"),
            ("x^", 2, "expected an expression"),
            ("()", 1, "expected an expression"),
        ] {
            let e = err(text);
            assert_eq!((e.position, e.text.as_str()), (position, text), "{e}");
            assert!(e.message.contains(fragment), "{e}");
        }
        let shown = "expected an expression, found end of input at character 3 of \"1 +\"";
        assert_eq!(err("1 +").to_string(), shown);
    }

    #[test]
    fn deep_nesting_refused() {
        for text in [
            "(".repeat(100_000),
            format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000)),
            "-".repeat(100_000) + "1",
            "!".repeat(100_000) + "1",
            ["1"; 100_000].join("+"),
            ["2"; 100_000].join("^"),
            "exp(".repeat(100_000) + "1",
        ] {
            assert_eq!(err(&text).message, TOO_DEEP, "{}", &text[..10]);
        }
    }

    #[test]
    fn nesting_up_to_the_limit_accepted() {
        // Exactly 500 tree levels: 499 calls around an identifier.
        let text = format!("{}x{}", "exp(".repeat(499), ")".repeat(499));
        assert_eq!(parse(&text).unwrap().identifiers(), ["x"]);
        assert_eq!(err(&format!("exp({text})")).message, TOO_DEEP);
        check(&format!("{} => 500", ["1"; 500].join(" + ")));
        check(&format!("{}1{} => 1", "(".repeat(499), ")".repeat(499)));
        check(&format!(
            "{}x{} => -148",
            "-(1 - ".repeat(150),
            ")".repeat(150)
        ));
    }
}
