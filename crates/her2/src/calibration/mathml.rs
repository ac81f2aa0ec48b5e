//! A minimal MathML writer for the rules the calibration problem adds to the network model:
//! identifiers, numbers and `<apply>` of the core operators. The model's own maths is written
//! by `tools/build_her2_model.py`; only these few generated rules need writing from Rust.

use std::fmt::Write;

/// A MathML expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Math {
    /// `<ci>`: a model symbol.
    Ci(String),
    /// `<cn>`: a number.
    Cn(f64),
    /// `<apply><op/>args</apply>` with an operator of MathML content markup.
    Apply(&'static str, Vec<Math>),
}

impl Math {
    pub fn ci(id: &str) -> Math {
        Math::Ci(id.to_string())
    }

    pub fn times(args: Vec<Math>) -> Math {
        Math::Apply("times", args)
    }

    pub fn plus(args: Vec<Math>) -> Math {
        Math::Apply("plus", args)
    }

    pub fn minus(a: Math, b: Math) -> Math {
        Math::Apply("minus", vec![a, b])
    }

    pub fn divide(a: Math, b: Math) -> Math {
        Math::Apply("divide", vec![a, b])
    }

    pub fn power(a: Math, b: Math) -> Math {
        Math::Apply("power", vec![a, b])
    }

    /// The element text inside `<math xmlns=...>`.
    pub fn to_xml(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Math::Ci(id) => {
                let _ = write!(out, "<ci> {id} </ci>");
            }
            // `{:?}` keeps every digit and always a decimal point or exponent (1.0, 1e-5).
            Math::Cn(v) => {
                let _ = write!(out, "<cn> {v:?} </cn>");
            }
            Math::Apply(op, args) => {
                let _ = write!(out, "<apply><{op}/>");
                for a in args {
                    a.write(out);
                }
                out.push_str("</apply>");
            }
        }
    }
}

/// `<math xmlns=...>` around an expression.
pub fn math_element(m: &Math) -> String {
    format!(
        "<math xmlns=\"http://www.w3.org/1998/Math/MathML\">{}</math>",
        m.to_xml()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_nested_applies() {
        let m = Math::divide(
            Math::ci("a"),
            Math::plus(vec![Math::Cn(1.0), Math::ci("b")]),
        );
        assert_eq!(
            m.to_xml(),
            "<apply><divide/><ci> a </ci><apply><plus/><cn> 1.0 </cn><ci> b </ci></apply></apply>"
        );
    }
}
