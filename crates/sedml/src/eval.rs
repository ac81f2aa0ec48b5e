//! Evaluation of the MathML of data generators and `setValue` changes: plain numbers, no
//! model, with the identifiers bound by the caller (variables, parameters, ranges).

use std::collections::HashMap;

use her2sim_sbml::{Constant, Math, Op};

/// Evaluates `m` with identifiers from `env`; an unknown identifier or an unsupported
/// construct is an error message.
pub(crate) fn eval(m: &Math, env: &HashMap<&str, f64>) -> Result<f64, String> {
    let b = |x: bool| if x { 1.0 } else { 0.0 };
    Ok(match m {
        Math::Num(x) => *x,
        Math::Ident(id) => *env
            .get(id.as_str())
            .ok_or_else(|| format!("unknown identifier '{id}' in the math"))?,
        Math::Const(c) => match c {
            Constant::True => 1.0,
            Constant::False => 0.0,
            Constant::Pi => std::f64::consts::PI,
            Constant::ExponentialE => std::f64::consts::E,
            Constant::Infinity => f64::INFINITY,
            Constant::NotANumber => f64::NAN,
        },
        Math::Avogadro => 6.02214076e23,
        Math::Time => {
            return Err(
                "csymbol time in the math: use a variable with symbol urn:sedml:symbol:time".into(),
            )
        }
        Math::Piecewise(pieces, otherwise) => {
            for (cond, value) in pieces {
                if eval(cond, env)? != 0.0 {
                    return eval(value, env);
                }
            }
            match otherwise {
                Some(o) => eval(o, env)?,
                None => f64::NAN,
            }
        }
        Math::Call(name, _) => {
            return Err(format!("unsupported: function call '{name}' in the math"))
        }
        Math::Lambda(..) => return Err("unsupported: lambda in the math".into()),
        Math::Apply(op, args) => {
            let v: Vec<f64> = args
                .iter()
                .map(|a| eval(a, env))
                .collect::<Result<_, _>>()?;
            let arg = |i: usize| {
                v.get(i)
                    .copied()
                    .ok_or_else(|| format!("{op:?} has too few arguments"))
            };
            match op {
                Op::Plus => v.iter().sum(),
                Op::Times => v.iter().product(),
                Op::Minus => match v.len() {
                    1 => -v[0],
                    _ => arg(0)? - arg(1)?,
                },
                Op::Divide => arg(0)? / arg(1)?,
                Op::Power => arg(0)?.powf(arg(1)?),
                Op::Root => arg(1)?.powf(1.0 / arg(0)?),
                Op::Abs => arg(0)?.abs(),
                Op::Exp => arg(0)?.exp(),
                Op::Ln => arg(0)?.ln(),
                Op::Log => arg(1)?.log(arg(0)?),
                Op::Floor => arg(0)?.floor(),
                Op::Ceiling => arg(0)?.ceil(),
                Op::Factorial => {
                    let n = arg(0)?;
                    (1..=(n.max(0.0) as u64).min(170))
                        .map(|k| k as f64)
                        .product()
                }
                Op::Eq => b(arg(0)? == arg(1)?),
                Op::Neq => b(arg(0)? != arg(1)?),
                Op::Gt => b(arg(0)? > arg(1)?),
                Op::Lt => b(arg(0)? < arg(1)?),
                Op::Geq => b(arg(0)? >= arg(1)?),
                Op::Leq => b(arg(0)? <= arg(1)?),
                Op::And => b(v.iter().all(|&x| x != 0.0)),
                Op::Or => b(v.iter().any(|&x| x != 0.0)),
                Op::Xor => b(v.iter().filter(|&&x| x != 0.0).count() % 2 == 1),
                Op::Not => b(arg(0)? == 0.0),
                Op::Implies => b(arg(0)? == 0.0 || arg(1)? != 0.0),
                Op::Sin => arg(0)?.sin(),
                Op::Cos => arg(0)?.cos(),
                Op::Tan => arg(0)?.tan(),
                Op::Sec => 1.0 / arg(0)?.cos(),
                Op::Csc => 1.0 / arg(0)?.sin(),
                Op::Cot => 1.0 / arg(0)?.tan(),
                Op::Sinh => arg(0)?.sinh(),
                Op::Cosh => arg(0)?.cosh(),
                Op::Tanh => arg(0)?.tanh(),
                Op::Sech => 1.0 / arg(0)?.cosh(),
                Op::Csch => 1.0 / arg(0)?.sinh(),
                Op::Coth => 1.0 / arg(0)?.tanh(),
                Op::Arcsin => arg(0)?.asin(),
                Op::Arccos => arg(0)?.acos(),
                Op::Arctan => arg(0)?.atan(),
                Op::Arcsec => (1.0 / arg(0)?).acos(),
                Op::Arccsc => (1.0 / arg(0)?).asin(),
                Op::Arccot => (1.0 / arg(0)?).atan(),
                Op::Arcsinh => arg(0)?.asinh(),
                Op::Arccosh => arg(0)?.acosh(),
                Op::Arctanh => arg(0)?.atanh(),
                Op::Arcsech => (1.0 / arg(0)?).acosh(),
                Op::Arccsch => (1.0 / arg(0)?).asinh(),
                Op::Arccoth => (1.0 / arg(0)?).atanh(),
                Op::Quotient => (arg(0)? / arg(1)?).trunc(),
                Op::Rem => arg(0)? % arg(1)?,
                Op::Max => v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                Op::Min => v.iter().copied().fold(f64::INFINITY, f64::min),
                Op::Delay | Op::RateOf | Op::Draw(_) => {
                    return Err(format!("unsupported: {op:?} in SED-ML math"))
                }
            }
        }
    })
}
