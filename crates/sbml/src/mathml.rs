//! MathML (the content-MathML subset SBML allows) to [`Math`] trees.

use roxmltree::Node;

use crate::{Constant, Distribution, Math, Op, SbmlError};

/// Line of a node, 1-based.
///
/// roxmltree's `text_pos_at` rescans the text from its start on every call, which made
/// reading a 3000-reaction model quadratic (4 s); instead the byte offsets of the newlines of
/// the document being read are indexed once per thread and binary-searched.
pub(crate) fn line_of(node: Node) -> u32 {
    let text = node.document().input_text();
    let pos = node.range().start;
    NEWLINES.with(|cell| {
        let mut cache = cell.borrow_mut();
        let key = (text.as_ptr() as usize, text.len());
        if cache.0 != Some(key) {
            let lines = text
                .bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i)
                .collect();
            *cache = (Some(key), lines);
        }
        let before = cache.1.partition_point(|&nl| nl < pos);
        u32::try_from(before + 1).unwrap_or(u32::MAX)
    })
}

type LineIndex = (Option<(usize, usize)>, Vec<usize>);

thread_local! {
    /// Newline offsets of the document being read on this thread, keyed by its address and
    /// length, and cleared by [`reset_line_index`] when a new document starts (a later text
    /// could reuse the address).
    static NEWLINES: std::cell::RefCell<LineIndex> = const { std::cell::RefCell::new((None, Vec::new())) };
}

/// Forgets the line index; called before reading each document.
pub(crate) fn reset_line_index() {
    NEWLINES.with(|cell| *cell.borrow_mut() = (None, Vec::new()));
}

fn err(node: Node, msg: impl Into<String>) -> SbmlError {
    SbmlError::new(msg).at(line_of(node), format!("<{}>", node.tag_name().name()))
}

fn elements<'a, 'i>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(|n| n.is_element())
}

/// Parses the content of a `<math>` element (its single child expression).
pub(crate) fn parse_math_element(math: Node) -> Result<Option<Math>, SbmlError> {
    let mut kids = elements(math);
    match kids.next() {
        None => Ok(None),
        Some(first) => {
            if kids.next().is_some() {
                return Err(err(math, "<math> must contain exactly one expression"));
            }
            parse_expr(first).map(Some)
        }
    }
}

/// The `distrib` distribution a csymbol names, if its URL is one of the package's.
fn csymbol_distribution(node: Node) -> Option<Distribution> {
    let url = node.attribute("definitionURL").unwrap_or("").trim();
    let name = url.strip_prefix("http://www.sbml.org/sbml/symbols/distrib/")?;
    Distribution::from_name(name)
}

fn csymbol_kind(node: Node) -> Result<&'static str, SbmlError> {
    let url = node.attribute("definitionURL").unwrap_or("").trim();
    let kind = url.rsplit('/').next().unwrap_or("");
    match kind {
        "time" => Ok("time"),
        "delay" => Ok("delay"),
        "avogadro" => Ok("avogadro"),
        "rateOf" => Ok("rateOf"),
        _ if csymbol_distribution(node).is_some() => Ok("distrib"),
        _ => Err(err(
            node,
            format!("unsupported: csymbol with definitionURL '{url}'"),
        )),
    }
}

fn text_of(node: Node) -> String {
    node.descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect::<String>()
        .trim()
        .to_string()
}

/// An XML Schema double: Rust's syntax plus `INF`, `-INF` and `NaN`.
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    match s {
        "INF" | "+INF" => Some(f64::INFINITY),
        "-INF" => Some(f64::NEG_INFINITY),
        _ => s.parse::<f64>().ok(),
    }
}

fn parse_f64(node: Node, s: &str) -> Result<f64, SbmlError> {
    parse_number(s).ok_or_else(|| err(node, format!("'{}' is not a number", s.trim())))
}

fn parse_cn(node: Node) -> Result<f64, SbmlError> {
    let kind = node.attribute("type").unwrap_or("real");
    match kind {
        "real" | "integer" | "double" => {
            if node.children().any(|c| c.is_element()) {
                return Err(err(node, "<cn> of this type cannot contain elements"));
            }
            parse_f64(node, &text_of(node))
        }
        "e-notation" | "rational" => {
            // Two text parts separated by <sep/>.
            let mut parts = vec![String::new()];
            for c in node.children() {
                if c.is_element() && c.tag_name().name() == "sep" {
                    parts.push(String::new());
                } else if let Some(t) = c.text() {
                    if let Some(last) = parts.last_mut() {
                        last.push_str(t);
                    }
                }
            }
            if parts.len() != 2 {
                return Err(err(node, format!("<cn type='{kind}'> needs one <sep/>")));
            }
            let a = parse_f64(node, &parts[0])?;
            let b = parse_f64(node, &parts[1])?;
            Ok(if kind == "rational" {
                a / b
            } else {
                // mantissa * 10^exponent, parsed as text so 1e-3 stays exact.
                format!("{}e{}", parts[0].trim(), parts[1].trim())
                    .parse::<f64>()
                    .unwrap_or(a * 10f64.powf(b))
            })
        }
        other => Err(err(node, format!("unknown <cn> type '{other}'"))),
    }
}

/// Parses one MathML expression element.
pub(crate) fn parse_expr(node: Node) -> Result<Math, SbmlError> {
    let name = node.tag_name().name();
    match name {
        "cn" => parse_cn(node).map(Math::Num),
        "ci" => {
            let id = text_of(node);
            if id.is_empty() {
                return Err(err(node, "empty <ci>"));
            }
            Ok(Math::Ident(id))
        }
        "csymbol" => match csymbol_kind(node)? {
            "time" => Ok(Math::Time),
            "avogadro" => Ok(Math::Avogadro),
            k => Err(err(
                node,
                format!("csymbol {k} must be applied to arguments"),
            )),
        },
        "true" => Ok(Math::Const(Constant::True)),
        "false" => Ok(Math::Const(Constant::False)),
        "pi" => Ok(Math::Const(Constant::Pi)),
        "exponentiale" => Ok(Math::Const(Constant::ExponentialE)),
        "infinity" => Ok(Math::Const(Constant::Infinity)),
        "notanumber" => Ok(Math::Const(Constant::NotANumber)),
        "semantics" => {
            let first = elements(node)
                .next()
                .ok_or_else(|| err(node, "empty <semantics>"))?;
            parse_expr(first)
        }
        "apply" => parse_apply(node),
        "piecewise" => parse_piecewise(node),
        "lambda" => parse_lambda(node),
        other => Err(err(node, format!("unsupported: MathML element <{other}>"))),
    }
}

fn parse_piecewise(node: Node) -> Result<Math, SbmlError> {
    let mut pieces = Vec::new();
    let mut otherwise = None;
    for child in elements(node) {
        match child.tag_name().name() {
            "piece" => {
                let parts: Vec<Node> = elements(child).collect();
                if parts.len() != 2 {
                    return Err(err(child, "<piece> needs a value and a condition"));
                }
                pieces.push((parse_expr(parts[1])?, parse_expr(parts[0])?));
            }
            "otherwise" => {
                let value = elements(child)
                    .next()
                    .ok_or_else(|| err(child, "empty <otherwise>"))?;
                otherwise = Some(Box::new(parse_expr(value)?));
            }
            other => return Err(err(child, format!("unexpected <{other}> in <piecewise>"))),
        }
    }
    Ok(Math::Piecewise(pieces, otherwise))
}

fn parse_lambda(node: Node) -> Result<Math, SbmlError> {
    let mut args = Vec::new();
    let mut body = None;
    for child in elements(node) {
        if child.tag_name().name() == "bvar" {
            let ci = elements(child)
                .next()
                .ok_or_else(|| err(child, "empty <bvar>"))?;
            args.push(text_of(ci));
        } else if body.is_none() {
            body = Some(parse_expr(child)?);
        } else {
            return Err(err(child, "<lambda> has more than one body"));
        }
    }
    let body = body.ok_or_else(|| err(node, "<lambda> has no body"))?;
    Ok(Math::Lambda(args, Box::new(body)))
}

fn parse_apply(node: Node) -> Result<Math, SbmlError> {
    let mut kids = elements(node);
    let head = kids.next().ok_or_else(|| err(node, "empty <apply>"))?;
    let mut args = Vec::new();
    let mut qualifier = None;
    for k in kids {
        match k.tag_name().name() {
            "logbase" | "degree" => {
                let inner = elements(k)
                    .next()
                    .ok_or_else(|| err(k, "empty qualifier"))?;
                qualifier = Some(parse_expr(inner)?);
            }
            _ => args.push(parse_expr(k)?),
        }
    }
    let head_name = head.tag_name().name();
    match head_name {
        // `<apply><apply>…</apply></apply>`: an expression applied to nothing is the
        // expression itself (as libSBML reads it; real models, e.g. Beer 2014, use it).
        "apply" if args.is_empty() && qualifier.is_none() => return parse_apply(head),
        "ci" => return Ok(Math::Call(text_of(head), args)),
        "csymbol" => {
            if let Some(d) = csymbol_distribution(head) {
                if !d.takes(args.len()) {
                    return Err(err(
                        head,
                        format!(
                            "distrib {d:?} takes {} parameter(s), optionally followed by truncation bounds (min, max); got {} argument(s)",
                            d.parameters(),
                            args.len()
                        ),
                    ));
                }
                return Ok(Math::Apply(Op::Draw(d), args));
            }
            let op = match csymbol_kind(head)? {
                "delay" => Op::Delay,
                "rateOf" => Op::RateOf,
                k => return Err(err(head, format!("csymbol {k} cannot be applied"))),
            };
            let want = if op == Op::Delay { 2 } else { 1 };
            if args.len() != want {
                return Err(err(head, format!("{op:?} takes {want} argument(s)")));
            }
            return Ok(Math::Apply(op, args));
        }
        _ => {}
    }
    let op = Op::from_element(head_name)
        .ok_or_else(|| err(head, format!("unsupported: MathML operator <{head_name}>")))?;
    match op {
        Op::Root => {
            if args.len() != 1 {
                return Err(err(node, "<root> takes one argument"));
            }
            args.insert(0, qualifier.unwrap_or(Math::Num(2.0)));
        }
        Op::Log => {
            if args.len() != 1 {
                return Err(err(node, "<log> takes one argument"));
            }
            args.insert(0, qualifier.unwrap_or(Math::Num(10.0)));
        }
        _ if qualifier.is_some() => {
            return Err(err(node, format!("<{head_name}> takes no qualifier")));
        }
        _ => {}
    }
    check_arity(node, op, args.len())?;
    Ok(Math::Apply(op, args))
}

fn check_arity(node: Node, op: Op, n: usize) -> Result<(), SbmlError> {
    use Op::*;
    let ok = match op {
        Plus | Times | And | Or | Xor | Max | Min => true,
        Minus => n == 1 || n == 2,
        Eq | Neq | Gt | Lt | Geq | Leq => n >= 1,
        Divide | Power | Root | Log | Quotient | Rem | Implies | Delay => n == 2,
        _ => n == 1,
    };
    if ok {
        Ok(())
    } else {
        Err(err(node, format!("{op:?} cannot take {n} argument(s)")))
    }
}
